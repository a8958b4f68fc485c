"""The writing system a script is written in, read from its letters.

A phonemizer handed text in a writing system it does not read does not fail: the Japanese
one spells a Latin word out letter by letter ("Tip" becomes "tii ai pii"), espeak-ng names
each CJK character. So the voice's language is checked against the script's writing system
before anything is spoken (`pipeline.tts.fit`). Only the writing system is read, not the language:
English and Spanish look alike here, and a job's `language` says which it is.
"""

from __future__ import annotations

import unicodedata
from collections import Counter

# Unicode character names start with their script; the first that matches names it.
_SYSTEMS = (
    ("LATIN", "Latin"), ("FULLWIDTH LATIN", "Latin"), ("HIRAGANA", "Kana"),
    ("KATAKANA", "Kana"), ("HALFWIDTH KATAKANA", "Kana"), ("CJK", "Han"), ("HANGUL", "Hangul"),
    ("CYRILLIC", "Cyrillic"), ("GREEK", "Greek"), ("ARABIC", "Arabic"), ("HEBREW", "Hebrew"),
    ("DEVANAGARI", "Devanagari"), ("THAI", "Thai"),
)  # fmt: skip
# A Han, kana or Hangul character carries about a syllable, two or three Latin letters: a
# Japanese sentence with an English brand name in it is still Japanese.
_WEIGHT = {"Han": 3, "Kana": 3, "Hangul": 3}


def writing_system(text: str) -> str | None:
    """The writing system most of `text`'s letters are in ("Latin", "Japanese" for kana
    with or without kanji, "Han" for Chinese characters alone, "Hangul", "Cyrillic",
    "Devanagari", ...), or None for text without letters."""
    counts: Counter[str] = Counter()
    for char in text:
        if unicodedata.category(char).startswith("L"):
            system = _system(char)
            counts[system] += _WEIGHT.get(system, 1)
    if counts["Kana"]:  # kana make kanji Japanese
        counts["Japanese"] = counts.pop("Kana") + counts.pop("Han", 0)
    counts.pop("Kana", None)
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def _system(char: str) -> str:
    name = unicodedata.name(char, "")
    return next((system for prefix, system in _SYSTEMS if name.startswith(prefix)), "other")
