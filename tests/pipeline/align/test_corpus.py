"""The voiceover corpus, short version (`bench/align_corpus.py` runs all of it): recordings of
the script by voices unlike ours must be aligned to the issue's targets, and recordings that do
not say the script must be refused with a warning. Real espeak-ng, Piper, FFmpeg, PocketSphinx.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from tests.corpus import (
    NEGATIVE,
    SCRIPT,
    SHORT,
    SHORT_EXPORTS,
    SPANISH,
    Errors,
    Kind,
    _espeak,
    _human,
    music_alone,
    sentences_of,
    silence_alone,
)
from tests.espeak import speak
from tests.recordings import Recording
from videorender.pipeline.align import vad
from videorender.pipeline.align.acoustic import MIN_CONFIDENCE
from videorender.pipeline.align.voiceover import (
    AlignmentMethod,
    Voiceover,
    align_to_reference,
    timings_for_voiceover,
)
from videorender.pipeline.align.warp import speak_reference
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.text.script import Sentence, process_script
from videorender.pipeline.tts.base import Samples, TTSEngine

# English needs no TTS: a config whose voice does not exist proves none is loaded.
NO_TTS = TTSConfig(piper_model_path=Path("/nonexistent/voice.onnx"))


@dataclass(frozen=True)
class Corpus:
    recordings: dict[str, Recording]
    negatives: dict[str, Path]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    root = tmp_path_factory.mktemp("corpus")
    models = tmp_path_factory.mktemp("models")
    recordings = {kind.name: kind.make(root, models) for kind in SHORT + SHORT_EXPORTS}
    negatives = {kind.name: kind.make(root, models).path for kind in NEGATIVE}
    negatives["music alone"] = music_alone(root / "music.wav")
    negatives["silence alone"] = silence_alone(root / "silence.wav")
    return Corpus(recordings, negatives)


def _sentences(text: str) -> list[Sentence]:
    sentences = process_script(text)
    assert [s.text for s in sentences] == sentences_of(text)  # one caption per line
    return sentences


@pytest.mark.parametrize("name", [kind.name for kind in SHORT + SHORT_EXPORTS])
def test_english_voices_unlike_ours_meet_the_targets(
    corpus: Corpus, name: str, tmp_path: Path
) -> None:
    recording = corpus.recordings[name]
    result = timings_for_voiceover(
        _sentences(SCRIPT), recording.path, NO_TTS, workdir=tmp_path, timeout_s=120
    )
    assert result.method is AlignmentMethod.ACOUSTIC and not result.warnings
    assert result.confidence >= MIN_CONFIDENCE
    errors = Errors.of(result.sentences, recording)
    assert np.median(errors.sentences) <= 50 and errors.sentences.max() <= 200, errors.sentences
    assert np.median(errors.words) <= 80, errors.words
    assert len(errors.words) >= 100  # most words have a known start to compare with
    assert abs(result.duration_ms - recording.duration_ms) <= 60  # AAC and MP3 pad a little
    for timing in result.sentences:
        assert not timing.words_estimated
        assert all(timing.start_ms <= w.start_ms <= w.end_ms <= timing.end_ms for w in timing.words)


@pytest.mark.parametrize("name", [kind.name for kind in NEGATIVE])
def test_what_is_not_the_script_is_refused_with_a_warning(
    corpus: Corpus, name: str, tmp_path: Path
) -> None:
    result = timings_for_voiceover(
        _sentences(SCRIPT), corpus.negatives[name], NO_TTS, workdir=tmp_path, timeout_s=120
    )
    assert result.method is AlignmentMethod.PAUSES
    assert result.confidence < MIN_CONFIDENCE
    assert len(result.warnings) == 1 and "does not seem to say the script" in result.warnings[0]
    # Still usable captions: in order, inside the recording.
    starts = [s.start_ms for s in result.sentences]
    assert starts == sorted(starts) and result.sentences[-1].end_ms <= result.duration_ms
    assert all(s.words_estimated for s in result.sentences)


@pytest.mark.parametrize("name", ["silence alone", "music alone"])
def test_no_speech_is_spread_evenly_with_a_warning(
    corpus: Corpus, name: str, tmp_path: Path
) -> None:
    # Music is not speech to the VAD: nothing to align the script to (before it, music was
    # aligned and refused for a low confidence).
    path = corpus.negatives[name]
    result = timings_for_voiceover(
        _sentences(SCRIPT), path, NO_TTS, workdir=tmp_path, timeout_s=120
    )
    assert result.method is AlignmentMethod.EVEN and result.confidence == 0
    assert "no speech found" in result.warnings[0]
    starts = [s.start_ms for s in result.sentences]
    step = result.duration_ms // 10
    assert starts == [k * result.duration_ms // 10 for k in range(10)] and step > 0


@pytest.mark.parametrize("name", [kind.name for kind in SHORT_EXPORTS[:2]])
def test_without_the_vad_model_the_energy_floor_ignores_digital_silence(
    corpus: Corpus, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # faster-whisper not installed: energy alone, its floor at the quietest frames that are
    # not digital silence, still holds for room tone with zeros at the ends and inside.
    monkeypatch.setattr(vad, "_session", lambda: None)
    recording = corpus.recordings[name]
    result = timings_for_voiceover(
        _sentences(SCRIPT), recording.path, NO_TTS, workdir=tmp_path, timeout_s=120
    )
    assert result.method is AlignmentMethod.ACOUSTIC
    errors = Errors.of(result.sentences, recording)
    assert np.median(errors.sentences) <= 50 and errors.sentences.max() <= 200, errors.sentences


class EspeakEngine(TTSEngine):
    """espeak-ng as a TTS engine (a real one, not a stand-in): a reference for languages
    without an acoustic model, fast enough for the test suite."""

    name = "espeak-ng"
    sample_rate = 22_050

    def __init__(self, voice: str, words_per_minute: int) -> None:
        self._voice, self._rate = voice, words_per_minute

    @property
    def identity(self) -> str:
        return f"espeak-ng:{self._voice}:{self._rate}"

    def synthesize(self, text: str) -> Samples:
        return speak(text, self._voice, self._rate).samples


def test_spanish_sentence_starts_snap_to_pauses(tmp_path: Path) -> None:
    # The narrator (a female espeak-ng voice, slower, human pauses) against a reference spoken
    # by espeak-ng's default Spanish voice; the bench uses Kokoro as the reference instead.
    kind = Kind("es+f2", _espeak("es+f2", 140), _human, text=SPANISH)
    recording = kind.make(tmp_path, tmp_path)
    reference = speak_reference(EspeakEngine("es", 175), _sentences(SPANISH))
    result = align_to_reference(reference, Voiceover(recording.path, tmp_path, 120))
    assert result.method is AlignmentMethod.DTW and not result.warnings
    errors = np.abs(np.array([s.start_ms for s in result.sentences]) - recording.starts_ms)
    assert np.median(errors) <= 150 and errors.max() <= 400, errors
