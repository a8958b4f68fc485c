"""What a word is, for word timings and captions alike: a run of non-space characters, or a
single CJK character with the punctuation that follows it. Both the TTS word timings and the
caption chunking cut text with `split_words`, so the n-th timed word is the n-th shown word.

Japanese and Chinese have no spaces, so captions break lines between characters; the units
follow the line-breaking rules of those languages (kinsoku shori, JIS X 4051): closing
brackets, punctuation, small kana and the long-vowel mark belong to the character before
them (no line starts with one), and opening brackets to the character after them (no line
ends with one).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# Characters that are words on their own (Hangul is not: Korean is written with spaces).
_CJK_RANGES = "\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef"
_CJK = re.compile(f"[{_CJK_RANGES}\uac00-\ud7af]")
# Never at the start of a line (attached to the unit before).
NO_LINE_START = (
    "、。，．・：；？！‼⁇⁈⁉）」』】〕〉》〙〗｝］’”…‥ー々〻ゝゞヽヾ〜～"
    "ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ"
)
# Never at the end of a line (attached to the unit after).
NO_LINE_END = "（「『【〔〈《〘〖｛［‘“"
_NO_START = re.escape(NO_LINE_START)
_NO_END = re.escape(NO_LINE_END)
_TOKEN = re.compile(
    rf"[{_NO_END}]*(?:[{_CJK_RANGES}]|[^\s{_CJK_RANGES}]+)[{_NO_START}]*|[{_NO_END}]+"
)
# Full-width punctuation and brackets: never a space beside them.
_CJK_MARKS = frozenset(NO_LINE_START + NO_LINE_END + "　")


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
    """What goes between two words: a space, or nothing between CJK characters (and digits
    beside them) and beside full-width punctuation."""
    if not before or not after:
        return " "
    if before[-1] in _CJK_MARKS or after[0] in _CJK_MARKS:
        return ""
    left, right = before[-1], after[0]
    if (is_cjk(left) or left.isdigit()) and (is_cjk(right) or right.isdigit()):
        return " " if left.isdigit() and right.isdigit() else ""  # 2024年, 12月
    return " "


def is_cjk(char: str) -> bool:
    return bool(_CJK.match(char))
