"""Transcription end to end: recordings it has never heard (several voices, room tone, uneven
pauses, digital silence at the ends) in the videos people upload, a second language, and
nothing to transcribe. Real Whisper base, PocketSphinx, espeak-ng, Piper, Kokoro, FFmpeg."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import Media
from tests.corpus import (
    SPANISH_TALK,
    SPANISH_TALKING,
    TALK,
    TALKING,
    music_alone,
    silence_alone,
    start_errors,
    talking_video,
    word_error_rate,
)
from tests.recordings import Recording, write_audio
from videorender.errors import MediaError
from videorender.pipeline.align.voiceover import AlignmentMethod
from videorender.pipeline.text.languages import ENGLISH
from videorender.pipeline.text.script import process_script
from videorender.pipeline.transcribe import TranscribeConfig, transcribe
from videorender.pipeline.transcribe.sentences import heard_sentences
from videorender.pipeline.transcribe.whisper import HeardWord, _whisper_language


@pytest.fixture(scope="module")
def talking(tmp_path_factory: pytest.TempPathFactory) -> Recording:
    root = tmp_path_factory.mktemp("talking")
    return talking_video(TALKING.make(root, tmp_path_factory.mktemp("models")), ".mp4")


def test_a_talking_video_is_transcribed_and_timed_to_the_targets(
    talking: Recording, whisper_config: TranscribeConfig, tmp_path: Path
) -> None:
    found = transcribe(talking.path, whisper_config, workdir=tmp_path, timeout_s=600)
    assert found.language == "en" and found.language_probability > 0.5
    assert found.method is AlignmentMethod.ACOUSTIC and not found.warnings
    assert word_error_rate(TALK, found.text) <= 0.12, found.text
    errors = start_errors(talking.starts_ms, [s.start_ms for s in found.timings])
    assert np.median(errors) <= 80 and errors.max() <= 300, errors
    assert [s.index for s in found.sentences] == list(range(len(found.sentences)))
    for sentence, timing in zip(found.sentences, found.timings, strict=True):
        assert timing.text == sentence.text and timing.words
        assert all(timing.start_ms <= w.start_ms <= w.end_ms <= timing.end_ms for w in timing.words)


def test_heard_in_short_windows_it_is_the_same_transcript(
    talking: Recording, whisper_config: TranscribeConfig, tmp_path: Path
) -> None:
    # A long recording is given to Whisper a window at a time (cut in pauses): here 8 s
    # windows on the talking video, so every sentence's words come from a later window.
    config = dataclasses.replace(whisper_config, window_ms=8_000)
    found = transcribe(talking.path, config, workdir=tmp_path, timeout_s=600)
    assert found.language == "en" and found.language_probability > 0.5
    assert word_error_rate(TALK, found.text) <= 0.12, found.text
    errors = start_errors(talking.starts_ms, [s.start_ms for s in found.timings])
    assert np.median(errors) <= 80 and errors.max() <= 300, errors


def test_a_second_language_is_detected_and_timed_at_its_pauses(
    whisper_config: TranscribeConfig, tmp_path: Path
) -> None:
    recording = talking_video(SPANISH_TALKING.make(tmp_path, tmp_path), ".webm")
    found = transcribe(recording.path, whisper_config, workdir=tmp_path, timeout_s=600)
    assert found.language == "es"
    assert found.method is AlignmentMethod.ESTIMATES
    assert word_error_rate(SPANISH_TALK, found.text) <= 0.2, found.text
    errors = start_errors(recording.starts_ms, [s.start_ms for s in found.timings])
    assert np.median(errors) <= 80 and errors.max() <= 300, errors


@pytest.mark.parametrize("make", [music_alone, silence_alone], ids=["music", "silence"])
def test_no_speech_gives_no_sentences_and_a_warning(
    make: object, whisper_config: TranscribeConfig, tmp_path: Path
) -> None:
    path = make(tmp_path / "audio.wav")  # type: ignore[operator]
    found = transcribe(path, whisper_config, workdir=tmp_path, timeout_s=600)
    assert found.sentences == () and found.timings == () and found.text == ""
    assert found.warnings == (f"no speech found in {path.name}: there are no captions",)


def test_digital_silence_alone_gives_no_sentences(
    whisper_config: TranscribeConfig, tmp_path: Path
) -> None:
    path = write_audio(tmp_path / "zeros.wav", np.zeros(22_050 * 5))
    found = transcribe(path, whisper_config, workdir=tmp_path, timeout_s=600)
    assert found.sentences == () and "no speech found" in found.warnings[0]


def test_a_video_without_sound_is_a_media_error(
    media: Media, whisper_config: TranscribeConfig, tmp_path: Path
) -> None:
    with pytest.raises(MediaError, match="has no audio stream") as caught:
        transcribe(media.silent_video, whisper_config, workdir=tmp_path, timeout_s=60)
    assert caught.value.field == "video"


# --- the parts ----------------------------------------------------------------------------------


def _heard(*words: tuple[str, int, int]) -> list[HeardWord]:
    return [HeardWord(text, start, end, 0.9) for text, start, end in words]


def test_whisper_words_become_our_sentences_and_caption_words() -> None:
    words = _heard(
        (" Hello", 0, 300), (" there.", 300, 600), (" It", 900, 1000), (" costs", 1000, 1300),
        (" $2.50", 1300, 2000), (" today", 2100, 2400),  # no full stop: a long pause follows
        (" Bye", 4500, 4800), (" now!", 4800, 5000),
    )  # fmt: skip
    sentences, timings = heard_sentences(words, ENGLISH)
    assert [s.text for s in sentences] == ["Hello there.", "It costs $2.50 today", "Bye now!"]
    assert [s.index for s in sentences] == [0, 1, 2]
    assert [(t.start_ms, t.end_ms) for t in timings] == [(0, 600), (900, 2400), (4500, 5000)]
    assert [(w.text, w.start_ms, w.end_ms) for w in timings[1].words] == [
        ("It", 900, 1000), ("costs", 1000, 1300), ("$2.50", 1300, 2000), ("today", 2100, 2400)
    ]  # fmt: skip


def test_a_heard_sentence_over_the_length_limit_is_cut_as_a_script_is() -> None:
    text = (
        "The museum guide described a bright yellow kite after a long winter on the hill,"
        " and then went home for a cup of tea."
    )
    words = [HeardWord(f" {w}", 300 * k, 300 * k + 250, 0.9) for k, w in enumerate(text.split())]
    sentences, timings = heard_sentences(words, ENGLISH)
    assert [s.text for s in sentences] == [s.text for s in process_script(text)]
    assert [s.text for s in sentences] == [
        "The museum guide described a bright yellow kite after a long winter on the hill,",
        "and then went home for a cup of tea.",
    ]
    assert timings[1].start_ms == 300 * 15  # "and", the 16th word


@pytest.mark.parametrize(
    ("tag", "code"), [(None, None), ("", None), ("en-GB", "en"), ("pt_BR", "pt"), ("ES", "es")]
)
def test_language_tags_become_whisper_codes(tag: str | None, code: str | None) -> None:
    assert _whisper_language(tag) == code


def test_unpunctuated_segments_end_sentences_before_a_capital() -> None:
    words = [
        HeardWord(" Welcome", 0, 300, 0.9), HeardWord(" back", 300, 600, 0.9, ends_segment=True),
        HeardWord(" First", 900, 1200, 0.9), HeardWord(" measure", 1200, 1500, 0.9),
        HeardWord(" it", 1500, 1600, 0.9, ends_segment=True),
        HeardWord(" and", 1700, 1800, 0.9), HeardWord(" mark", 1800, 2000, 0.9),
    ]  # fmt: skip
    sentences, _ = heard_sentences(words, ENGLISH)
    assert [s.text for s in sentences] == ["Welcome back", "First measure it and mark"]
