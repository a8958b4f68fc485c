"""`videorender captions VIDEO`: a video it has never seen, transcribed and captioned; a video
without speech; bad input. Real Whisper, PocketSphinx, FFmpeg."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pysubs2
import pytest

from tests.conftest import Media
from tests.corpus import SHORT_TALKING, start_errors, word_error_rate
from tests.decode import duration_s
from tests.recordings import Recording
from videorender.cli import EXIT_BAD_INPUT, main

FILES = {"final.mp4", "subs.ass", "subs.srt", "subs.vtt", "words.json", "thumbnail.jpg"}


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, whisper_cache: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("WHISPER_CACHE_DIR", str(whisper_cache))
    monkeypatch.setenv("VIDEO_PRESET", "ultrafast")


def test_captions_burns_the_transcript_into_the_video(
    talking_video: Recording, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["captions", str(talking_video.path), "-o", "out", "--subtitle-style", "words",
                 "--size", "160x90", "--language", "en"])  # fmt: skip
    assert code == 0
    output = capsys.readouterr().err
    assert "4 captions in en" in output and "captions burnt in" in output and "transcribe" in output
    assert {p.name for p in (tmp_path / "out").iterdir()} == FILES
    events = pysubs2.load(str(tmp_path / "out" / "subs.srt")).events
    firsts = [e.start for e in events]
    errors = start_errors(talking_video.starts_ms, firsts)
    assert np.median(errors) <= 80 and errors.max() <= 300, errors
    assert all(len(e.plaintext.split()) <= 3 for e in events)  # the `words` style: 1-3 words
    words = json.loads((tmp_path / "out" / "words.json").read_text())
    said = " ".join(s["text"] for s in words["sentences"])
    assert len(words["sentences"]) == 4 and word_error_rate(SHORT_TALKING.text, said) <= 0.12, said
    video = tmp_path / "out" / "final.mp4"
    assert abs(duration_s(video) - duration_s(talking_video.path)) <= 0.15


def test_captions_without_burning_and_without_speech_warns(
    speechless_video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["captions", str(speechless_video), "-o", "out", "--no-burn"]) == 0
    output = capsys.readouterr().err
    assert "warning:" in output and "no speech found in music.mp4" in output
    assert "0 captions" in output and "not re-encoded" in output
    assert (tmp_path / "out" / "subs.srt").read_text().strip() == ""
    assert (tmp_path / "out" / "final.mp4").is_file()


def test_captions_refuses_bad_input_with_one_line(
    media: Media, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["captions", "missing.mp4"]) == EXIT_BAD_INPUT
    assert "video 'missing.mp4' does not exist" in capsys.readouterr().err
    assert main(["captions", str(media.silent_video), "-o", "out"]) == EXIT_BAD_INPUT
    assert "has no audio stream" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["captions", str(media.base_short), "--subtitle-style", "nope"])
    assert not (tmp_path / "out" / "final.mp4").exists()


def test_render_with_a_voiceover_and_an_empty_script_transcribes_it(
    talking_video: Recording, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty.txt").write_text("\n")
    code = main(["render", "empty.txt", "-o", "out", "--size", "160x90",
                 "--voiceover", str(talking_video.path)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert "transcribe" in capsys.readouterr().err
    words = json.loads((tmp_path / "out" / "words.json").read_text())
    assert words["engine"] == "voiceover" and len(words["sentences"]) == 4
    said = " ".join(s["text"] for s in words["sentences"])
    assert word_error_rate(SHORT_TALKING.text, said) <= 0.12, said
    errors = start_errors(talking_video.starts_ms, [s["start_ms"] for s in words["sentences"]])
    assert np.median(errors) <= 80 and errors.max() <= 300, errors
    events = pysubs2.load(str(tmp_path / "out" / "subs.srt")).events
    assert len(events) >= 4
