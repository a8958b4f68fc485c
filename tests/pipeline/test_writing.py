"""The writing system of a script, read from its letters."""

from __future__ import annotations

import pytest

from videorender.pipeline.text.languages import get_language, written_in
from videorender.pipeline.text.writing import writing_system


@pytest.mark.parametrize(
    ("text", "system"),
    [
        ("Tip one: drink water.", "Latin"),
        ("¿Dónde está la estación? Ça va, Noël.", "Latin"),
        ("今日はTipを三つ紹介します。", "Japanese"),  # an English word in a Japanese sentence
        ("ｶﾀｶﾅだけ", "Japanese"),
        ("東京タワー", "Japanese"),
        ("你好，世界。", "Han"),
        ("안녕하세요", "Hangul"),
        ("Привет, мир.", "Cyrillic"),
        ("नमस्ते दुनिया", "Devanagari"),
        ("1, 2, 3... 42 %!", None),
        ("", None),
    ],
)
def test_writing_system(text: str, system: str | None) -> None:
    assert writing_system(text) == system


def test_languages_know_their_writing() -> None:
    assert written_in("Latin") == get_language("en-US")
    assert written_in("Japanese") == get_language("ja")
    assert written_in("Han") == get_language("zh")
    assert written_in("Hangul") is None  # no listed language: a Piper voice decides
    assert get_language("pt-PT").writing == ("Latin",)
    assert get_language("ru").writing == ()  # not listed: never checked
