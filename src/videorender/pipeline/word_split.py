"""What a word is, for word timings and captions alike: a run of non-space characters, or a
single CJK character with the punctuation that follows it. Both the TTS word timings and the
caption chunking cut text with `split_words`, so the n-th timed word is the n-th shown word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_TOKEN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef][、。，！？：；」』）]*|\S+")


def split_words(text: str) -> list[str]:
    """The words of `text`, in order."""
    return _TOKEN.findall(text)


def join_words(words: Sequence[str]) -> str:
    """Words back into text: spaced, except between two CJK characters."""
    text = ""
    for word in words:
        if text:
            text += separator(text, word)
        text += word
    return text


def separator(before: str, after: str) -> str:
    """What goes between two words: a space, or nothing between CJK characters."""
    return "" if before and after and is_cjk(before[-1]) and is_cjk(after[0]) else " "


def is_cjk(char: str) -> bool:
    return bool(_CJK.match(char))
