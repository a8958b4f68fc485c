"""The CLI's face of issue 32: a playlist given as a local base video, music or voiceover is
refused as bad input, saying nothing about the file it names."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.attacks import playlist, secret_media
from videorender.cli import EXIT_BAD_INPUT, main


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VIDEO_PRESET", "ultrafast")


@pytest.mark.parametrize(
    ("option", "name", "named"),
    [
        ("--video", "base.mp4", "base video"),
        ("--music", "music.mp3", "background music"),
        ("--voiceover", "voice.wav", "voiceover"),
    ],
)
def test_a_playlist_is_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, name: str, named: str
) -> None:
    secret = secret_media(tmp_path / "elsewhere")
    playlist(tmp_path / name, secret)
    (tmp_path / "script.txt").write_text("A short script.")
    assert main(["render", "script.txt", "--size", "160x90", option, name]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert f"{named} {name!r} is not in a media format this service reads" in err, err
    assert str(secret.parent) not in err and "Traceback" not in err
    assert not list(tmp_path.glob("out/*.mp4"))  # no video made
