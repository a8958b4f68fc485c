"""`videorender render --voiceover`: the caller's recording is the voice, subtitles follow it."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pysubs2
import pytest

from tests.decode import duration_s
from tests.recordings import espeak_speaker, make_recording
from videorender.cli import EXIT_BAD_INPUT, main

SENTENCES = [
    "The small robot rolled slowly across the kitchen floor.",
    "It stopped beside the fridge and waited for someone to open it.",
]


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VIDEO_PRESET", "ultrafast")


def test_render_with_a_voiceover_aligns_subtitles_to_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = make_recording(
        SENTENCES, espeak_speaker(), tmp_path / "mine.wav", pauses_ms=[1800], lead_ms=2000
    )
    (tmp_path / "script.txt").write_text(" ".join(SENTENCES))
    code = main(["render", "script.txt", "-o", "out", "--size", "320x180",
                 "--voiceover", str(recording.path)])  # fmt: skip
    assert code == 0
    output = capsys.readouterr().err
    assert "subtitles aligned to the voiceover" in output and "align" in output
    events = pysubs2.load(str(tmp_path / "out" / "subs.ass")).events
    starts = [events[0].start, next(e.start for e in events if "fridge" in e.text)]
    for got, truth in zip(starts, recording.starts_ms, strict=True):
        assert abs(got - truth) <= 150, (starts, recording.starts_ms)
    # words.json carries every word's time in the recording, found by the acoustic model.
    document = json.loads((tmp_path / "out" / "words.json").read_text())
    assert document["engine"] == "voiceover"
    words = [w["start_ms"] for s in document["sentences"] for w in s["words"]]
    assert not any(s["words_estimated"] for s in document["sentences"])
    known = [(w, t) for w, t in zip(words, recording.word_starts_ms, strict=True) if t is not None]
    assert len(known) >= 15 and statistics.median(abs(w - t) for w, t in known) <= 80, known
    # The recording is the voice track; the video lasts as long as it, plus the tail.
    assert abs(duration_s(tmp_path / "out" / "voice.wav") * 1000 - recording.duration_ms) <= 50
    assert abs(duration_s(tmp_path / "out" / "final.mp4") * 1000 - recording.duration_ms) <= 1200


def test_render_with_a_voiceover_of_another_text_warns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    recording = make_recording(
        ["Bananas are berries, but strawberries are not berries at all, botanists say.",
         "Nobody quite agrees on what a vegetable is, either."],
        espeak_speaker(), tmp_path / "other.wav", pauses_ms=[700],
    )  # fmt: skip
    (tmp_path / "script.txt").write_text(" ".join(SENTENCES))
    code = main(["render", "script.txt", "-o", "out", "--size", "160x90",
                 "--voiceover", str(recording.path)])  # fmt: skip
    assert code == 0
    output = capsys.readouterr().err
    assert "warning:" in output and "does not seem to say the script" in output


def test_missing_voiceover_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "script.txt").write_text(" ".join(SENTENCES))
    assert main(["render", "script.txt", "--voiceover", "nope.wav"]) == EXIT_BAD_INPUT
    assert "voiceover 'nope.wav' does not exist" in capsys.readouterr().err


def test_voiceover_that_is_not_media_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "script.txt").write_text(" ".join(SENTENCES))
    (tmp_path / "notes.mp3").write_text("not audio\n" * 100)
    assert main(["render", "script.txt", "--voiceover", "notes.mp3"]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert "voiceover 'notes.mp3' is not a readable media file" in err and "Traceback" not in err
