"""A script is never spelt out by a voice of another writing system: an English script
under a Japanese Kokoro voice is narrated in English (with the voice's accent), as long as
an English voice takes to say it; a script the voice cannot read is refused before any work
(exit 2)."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import pytest

from videorender.cli import EXIT_BAD_INPUT, main

SCRIPT = "Tip one: drink water every morning. Tip two: sleep eight hours a night."


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kokoro_model_dir: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TTS_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "script.txt").write_text(SCRIPT)


def _seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as wav:
        return wav.getnframes() / wav.getframerate()


def test_an_english_script_under_a_japanese_voice_is_spoken_in_english(tmp_path: Path) -> None:
    assert main(["voiceover", "script.txt", "--speaker", "jf_alpha", "-o", "auto.wav"]) == 0
    assert main(["voiceover", "script.txt", "--speaker", "jf_alpha", "--language", "en",
                 "-o", "en.wav"]) == 0  # fmt: skip
    assert main(["voiceover", "script.txt", "-o", "piper.wav"]) == 0  # the English Piper voice
    auto, english, piper = (_seconds(tmp_path / f"{n}.wav") for n in ("auto", "en", "piper"))
    # Spelt out letter by letter ("tii ai pii"), the same script took 2.4x as long.
    assert abs(auto - english) <= 0.1 * english, (auto, english)
    assert 0.6 * piper <= auto <= 1.5 * piper, (auto, piper)


def test_an_english_script_under_a_japanese_voice_renders_english_words(tmp_path: Path) -> None:
    code = main(["render", "script.txt", "--speaker", "jf_alpha", "--size", "160x90", "-o", "out"])
    assert code == 0
    words = json.loads((tmp_path / "out" / "words.json").read_text())
    spoken = [w["text"] for s in words["sentences"] for w in s["words"]]
    assert spoken[:4] == ["Tip", "one:", "drink", "water"] and words["engine"] == "kokoro"
    assert not any(s["words_estimated"] for s in words["sentences"])


@pytest.mark.parametrize(
    ("args", "script", "message"),
    [
        (["--speaker", "jf_alpha", "--language", "ja"], SCRIPT,
         "the script is written in Latin letters, which Japanese is not written in"),
        ([], "今日はいい天気ですね。散歩に行きましょう。",
         "the script is written in Japanese (kana and kanji), which the Piper voice cannot read"),
        (["--speaker", "af_bella"], SCRIPT, "speaker 'af_bella' is not a voice here"),
    ],
)  # fmt: skip
def test_a_script_the_voice_cannot_read_exits_2_before_any_work(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    script: str,
    message: str,
) -> None:
    (tmp_path / "script.txt").write_text(script)
    assert main(["render", "script.txt", "-o", "out", *args]) == EXIT_BAD_INPUT
    err = capsys.readouterr().err
    assert message in " ".join(err.split()), err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())
