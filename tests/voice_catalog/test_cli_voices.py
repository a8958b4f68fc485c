"""`videorender voices` against the catalogue mirror on 127.0.0.1, then a render narrated by
the fetched voice, by name."""

from __future__ import annotations

import re
import wave
from pathlib import Path

import pytest

from tests.conftest import Media
from tests.voice_mirror import TESTA, VoiceMirror
from videorender.cli import EXIT_BAD_INPUT, EXIT_FAILED, main


@pytest.fixture(autouse=True)
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mirror: VoiceMirror) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("VOICES_DIR", str(tmp_path / "voices"))
    monkeypatch.setenv("VOICES_CATALOG_URL", mirror.url)
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("VIDEO_PRESET", "ultrafast")


def _seconds(path: Path) -> float:
    with wave.open(str(path)) as audio:
        return float(audio.getnframes() / audio.getframerate())


def test_list_get_and_render_with_the_new_voice(
    tmp_path: Path, media: Media, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["voices", "list", "--available"]) == 0
    listed = capsys.readouterr().out
    assert TESTA in listed and "de_DE-testb-low" in listed and "kokoro-v1.0" in listed
    assert "en_US-joe-medium" not in listed  # bundled: installed already
    assert main(["voices", "list", "--available", "--language", "de"]) == 0
    listed = capsys.readouterr().out
    assert "de_DE-testb-low" in listed and TESTA not in listed

    assert main(["voices", "get", TESTA]) == 0
    assert f"{TESTA}: installed in {tmp_path / 'voices' / TESTA}" in capsys.readouterr().out
    assert main(["voices", "list"]) == 0
    assert "Testa (medium)" in capsys.readouterr().out

    script = tmp_path / "script.txt"
    script.write_text("A voice fetched a moment ago. It speaks this video.")
    code = main(["render", str(script), "-o", "out", "--video", str(media.base_short),
                 "--size", "320x180", "--speaker", TESTA])  # fmt: skip
    assert code == 0
    assert main(["voiceover", str(script), "-o", "bundled.wav"]) == 0
    # The new voice's config says length_scale 1.5: its narration is the slower one.
    assert _seconds(tmp_path / "out" / "voice.wav") > 1.3 * _seconds(tmp_path / "bundled.wav")
    assert (tmp_path / "out" / "final.mp4").stat().st_size > 0


def test_errors_are_one_line_and_leave_installed_voices(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["voices", "get", "de_DE-testb-low", "kokoro-v1.0"]) == 0
    said = capsys.readouterr().out
    assert "de_DE-testb-low: installed in" in said and "kokoro-v1.0: installed in" in said
    assert re.search(
        r"voices-v1\.0\.bin: no published hash .* SHA-256 [0-9a-f]{64} is recorded", said
    )
    assert main(["voices", "remove", "kokoro-v1.0"]) == 0
    capsys.readouterr()
    assert main(["voices", "get", "en_US-badsum-medium"]) == EXIT_FAILED
    errors = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(errors) == 1 and "en_US-badsum-medium.onnx has MD5" in errors[0]
    assert main(["voices", "get", "nl_NL-nobody-medium"]) == EXIT_BAD_INPUT
    assert main(["voices", "remove", "en_US-joe-medium"]) == EXIT_BAD_INPUT
    voices = tmp_path / "voices"
    assert sorted(p.name for p in voices.iterdir() if not p.name.startswith(".")) == [
        "de_DE-testb-low"
    ]
    assert main(["voices", "list", "--language", "de"]) == 0
    assert "de_DE-testb-low" in capsys.readouterr().out
