"""The videorender command, run in-process through its entry point."""

from __future__ import annotations

import io
import wave
from pathlib import Path

import pysubs2
import pytest

from tests.conftest import Media
from tests.decode import streams
from videorender.cli import EXIT_BAD_INPUT, main


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VIDEO_PRESET", "ultrafast")


def _errors(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().err.splitlines() if line.strip()]


def test_render_writes_all_artifacts(
    tmp_path: Path, media: Media, capsys: pytest.CaptureFixture[str]
) -> None:
    script = tmp_path / "script.txt"
    script.write_text("A tiny video from the command line. It has two sentences.")
    code = main(["render", str(script), "-o", "out", "--video", str(media.base_short),
                 "--music", str(media.music), "--size", "180x320"])  # fmt: skip
    assert code == 0
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "final.mp4", "subs.ass", "subs.srt", "subs.vtt", "thumbnail.jpg", "voice.wav",
        "words.json",
    ]  # fmt: skip
    video = streams(tmp_path / "out" / "final.mp4")["video"]
    assert (video["width"], video["height"]) == (180, 320)
    summary = capsys.readouterr().err
    assert "render" in summary and "tts" in summary and "180x320" in summary


def _stdin(data: bytes) -> io.TextIOWrapper:
    return io.TextIOWrapper(io.BytesIO(data), encoding="utf-8")


def test_bad_bytes_on_standard_input_exit_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.stdin", _stdin(b"Caf\xe9 in Latin-1."))
    assert main(["render", "-"]) == EXIT_BAD_INPUT
    lines = _errors(capsys)
    assert len(lines) == 1 and "standard input is not UTF-8 text" in lines[0]


def test_voiceover_reads_standard_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stdin", _stdin(b"Read from a pipe. Spoken all the same."))
    assert main(["voiceover", "-", "-o", "voice.wav"]) == 0
    with wave.open(str(tmp_path / "voice.wav"), "rb") as wav:
        assert wav.getnchannels() == 1 and wav.getnframes() > wav.getframerate()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["render", "missing.txt"], "script file 'missing.txt' does not exist"),
        (["render", "script.txt", "--video", "nope.mp4"], "base video 'nope.mp4' does not exist"),
        (["render", "empty.txt"], "script is empty"),
        (["render", "script.txt", "--video", "{not_media}"], "is not a readable media file"),
        (["render", "script.txt", "--music", "{silent_video}"], "has no audio stream"),
        (["voiceover", "binary.txt"], "is not UTF-8 text"),
        (["render", "script.txt", "--font", "No Such Font Family"], "is not installed"),
        (["render", "script.txt", "--font-size", "2"], "font size must be 8 to 400"),
        (["render", "script.txt", "--words-per-caption", "9"], "words per caption must be 1 to 5"),
        (["render", "script.txt", "--speaker", "af_bella"], "'af_bella' is not a Piper voice here"),
        (["render", "script.txt", "--language", "e$"], "is not a BCP-47 tag"),
        (["render", "script.txt", "--language", "es"], "the Piper voice speaks en-US, not es"),
        (
            ["voiceover", "script.txt", "--engine", "kokoro", "--language", "zh"],
            "Chinese needs the `zh` extra",
        ),
        (
            ["render", "script.txt", "--engine", "kokoro", "--language", "de"],
            "Kokoro has no voices for",
        ),
        (["render", "script.txt", "-o", "script.txt"], "'script.txt' cannot be used: is a file"),
        (["render", "script.txt", "-o", "script.txt/out"], "cannot be used"),
        (["voiceover", "script.txt", "-o", "script.txt/voice.wav"], "cannot be used"),
        (["voiceover", "script.txt", "-o", "."], "is a folder, not a WAV file"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    tmp_path: Path,
    media: Media,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    (tmp_path / "script.txt").write_text("This script is perfectly fine to read aloud.")
    (tmp_path / "empty.txt").write_text("  \n")
    (tmp_path / "binary.txt").write_bytes(b"\xff\xfe\x00bad")
    args = [a.format(not_media=media.not_media, silent_video=media.silent_video) for a in args]
    assert main(args) == EXIT_BAD_INPUT
    lines = _errors(capsys)
    assert len(lines) == 1 and message in lines[0]
    assert "Traceback" not in lines[0]


@pytest.mark.parametrize("size", ["big", "1921x1080", "0x0"])
def test_bad_size_is_a_usage_error(size: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["render", "script.txt", "--size", size])
    assert exited.value.code == EXIT_BAD_INPUT
    assert "--size" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args",
    [
        ["--subtitle-style", "fancy"],
        ["--text-color", "red"],
        ["--position", "left"],
        ["--engine", "espeak"],
    ],
)
def test_bad_caption_and_voice_options_are_usage_errors(
    args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["render", "script.txt", *args])
    assert exited.value.code == EXIT_BAD_INPUT
    assert args[0] in capsys.readouterr().err


def test_caption_options_reach_the_subtitles(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("Every word lights up in green. The captions sit at the top.")
    code = main(["render", str(script), "-o", "out", "--size", "320x180",
                 "--subtitle-style", "karaoke", "--highlight-color", "#00ff00",
                 "--position", "top", "--font-size", "20"])  # fmt: skip
    assert code == 0
    subs = pysubs2.load(str(tmp_path / "out" / "subs.ass"))
    assert subs.styles["Default"].fontsize == 20
    assert subs.styles["Default"].alignment == pysubs2.Alignment.TOP_CENTER
    assert all("\\1c&H00FF00&" in event.text for event in subs)
    srt = pysubs2.load(str(tmp_path / "out" / "subs.srt"))
    assert [(e.start, e.end) for e in srt] == [(e.start, e.end) for e in subs]


def test_pop_style_in_capitals_two_words_at_a_time(tmp_path: Path) -> None:
    script = tmp_path / "script.txt"
    script.write_text("Every single word pops up on the screen as it is spoken.")
    code = main(["render", str(script), "-o", "out", "--size", "180x320",
                 "--subtitle-style", "pop", "--uppercase", "--words-per-caption", "2"])  # fmt: skip
    assert code == 0
    subs = pysubs2.load(str(tmp_path / "out" / "subs.ass"))
    assert [e.plaintext for e in subs] == [w.upper() for w in script.read_text().split()]
    assert all("\\t(" in e.text and "\\pos(" in e.text for e in subs)  # each word pops
    srt = pysubs2.load(str(tmp_path / "out" / "subs.srt"))
    assert all(1 <= len(e.plaintext.split()) <= 2 and e.plaintext.isupper() for e in srt)
