"""Outputs appear whole or not at all: with the output folder on a disk that fills up (a real
tmpfs of a few KB, mounted for the test), the command fails with exit 1 saying so, and leaves
no truncated file under a final name, and no temporary file either."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from videorender.cli import EXIT_FAILED, main

pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or shutil.which("mount") is None,
    reason="mounting a small tmpfs needs root",
)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 64 KB file system: room for the smaller outputs of a render, not for all."""
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], check=True)
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VIDEO_PRESET", "ultrafast")
    (tmp_path / "script.txt").write_text(
        "A render whose output disk fills up. Nothing half written may stay behind."
    )


def test_a_render_on_a_full_disk_leaves_no_output(
    small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (small_disk / "subs.srt").write_text("an earlier render's captions\n")  # kept as it was
    code = main(["render", "script.txt", "-o", str(small_disk), "--size", "320x180"])
    assert code == EXIT_FAILED
    message = " ".join(capsys.readouterr().err.split())
    assert "No space left on device" in message
    assert "kept, from before it: subs.srt (not this render's)" in message
    assert sorted(p.name for p in small_disk.iterdir()) == ["subs.srt"]
    assert (small_disk / "subs.srt").read_text() == "an earlier render's captions\n"


def test_a_voiceover_on_a_full_disk_leaves_no_wav(
    small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["voiceover", "script.txt", "-o", str(small_disk / "voice.wav")])
    assert code == EXIT_FAILED
    message = " ".join(capsys.readouterr().err.split())
    assert "No space left on device; nothing of this render was written there" in message
    assert list(small_disk.iterdir()) == []
