"""Caption text: ASS escaping, width estimates, and cutting words into pages of lines."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from videorender.pipeline.models import Color
from videorender.pipeline.text.word_split import is_cjk, join_words, split_words

_WORD_JOINER = "\u2060"
_BREAK_AFTER = ",;:.!?、，。；：！？—"
_CJK_BREAK_AFTER = "、，。；：！？」』）"

# Whether a line of text fits the caption width (characters and rendered width).
Fits = Callable[[str], bool]


def escape_ass_text(text: str) -> str:
    """Make script text literal in ASS: braces are escaped and a backslash is followed by a
    word joiner, so `{\\b1}`, `\\N`, `\\n` and `\\h` show as typed instead of acting."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\" + _WORD_JOINER)
        elif ch in "{}":
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")
        else:
            out.append(ch)
    return "".join(out)


def ass_color(color: Color) -> str:
    """An ASS colour override value: &HBBGGRR& (alpha is set by the style, or `ass_alpha`)."""
    return f"&H{color.b:02X}{color.g:02X}{color.r:02X}&"


def ass_alpha(color: Color) -> str:
    """An ASS alpha override value: &HAA& (00 opaque)."""
    return f"&H{color.alpha:02X}&"


def text_width_em(text: str) -> float:
    """Approximate rendered width in ems (bold sans: ~0.6 em a Latin character, 1 em CJK)."""
    return sum(1.0 if is_cjk(ch) else 0.3 if ch == " " else 0.6 for ch in text)


def paginate(
    words: Sequence[str], fits: Fits, max_lines: int, inside: frozenset[int] = frozenset()
) -> list[list[list[int]]]:
    """Cut `words` into pages of at most `max_lines` lines that fit, with pages and lines
    of similar length, preferring breaks after punctuation and avoiding breaks before the
    indexes in `inside` (inside a phrase of a language without spaces). Each page is a list
    of lines, each line a list of word indexes (a single word too wide for a line still
    gets one)."""
    if not words:
        return []
    # Fewer pages than this cannot hold the text; more are tried until every page fits.
    total = text_width_em(join_words(words))
    pages = max(1, math.floor(total / (max_lines * _line_capacity_em(fits))))
    indexes = list(range(len(words)))
    while True:
        split = [
            _balanced_lines(part, words, fits, inside)
            for part in _partition(indexes, words, pages, inside)
        ]
        if all(len(lines) <= max_lines for lines in split) or pages >= len(words):
            return split
        pages += 1


def _line_capacity_em(fits: Fits) -> float:
    """The widest run of 'n' that still fits a line, in ems (binary search on length)."""
    low, high = 1, 1000
    while low < high:
        middle = (low + high + 1) // 2
        if fits("n" * middle):
            low = middle
        else:
            high = middle - 1
    return text_width_em("n" * low)


def _text(indexes: Sequence[int], words: Sequence[str]) -> str:
    return join_words([words[i] for i in indexes])


def _partition(
    indexes: list[int], words: Sequence[str], parts: int, inside: frozenset[int]
) -> list[list[int]]:
    """Split into `parts` runs of similar width, preferring breaks after punctuation and
    avoiding breaks inside words."""
    widths = [text_width_em(words[i]) for i in indexes]
    total = sum(widths)
    result: list[list[int]] = []
    start = 0
    for part in range(1, parts):
        goal = total * part / parts
        best, best_cost, running = start + 1, float("inf"), sum(widths[:start])
        for k in range(start + 1, len(indexes) - (parts - part) + 1):
            running += widths[k - 1]
            punctuated = words[indexes[k - 1]][-1] in _BREAK_AFTER
            cost = abs(running - goal) - (2.0 if punctuated else 0.0)
            cost += 2.0 if indexes[k] in inside else 0.0
            if cost < best_cost:
                best, best_cost = k, cost
        result.append(indexes[start:best])
        start = best
    result.append(indexes[start:])
    return [r for r in result if r]


def _balanced_lines(
    indexes: list[int], words: Sequence[str], fits: Fits, inside: frozenset[int]
) -> list[list[int]]:
    """One line if it fits, else the two-line break that minimises the longer line (in
    Japanese and Chinese: after punctuation, else between phrases, where both lines fit);
    more lines (greedy) only when two cannot hold the text."""
    if fits(_text(indexes, words)) or len(indexes) == 1:
        return [indexes]

    def longer(k: int) -> float:
        return max(
            text_width_em(_text(indexes[:k], words)), text_width_em(_text(indexes[k:], words))
        )

    def both_fit(k: int) -> bool:
        return fits(_text(indexes[:k], words)) and fits(_text(indexes[k:], words))

    # Japanese and Chinese lines break after their punctuation where the lines still fit
    # (the style guides' first rule), else between phrases, rather than inside one for
    # balance.
    breaks = range(1, len(indexes))
    between = [k for k in breaks if indexes[k] not in inside] if inside else []
    punctuated = [k for k in between or breaks if words[indexes[k - 1]][-1] in _CJK_BREAK_AFTER]
    fitting = [k for k in punctuated if both_fit(k)] or [k for k in between if both_fit(k)]
    best = min(fitting or breaks, key=longer)
    if both_fit(best):
        return [indexes[:best], indexes[best:]]
    return _greedy_lines(indexes, words, fits)


def _greedy_lines(indexes: list[int], words: Sequence[str], fits: Fits) -> list[list[int]]:
    lines: list[list[int]] = [[]]
    for index in indexes:
        if lines[-1] and not fits(_text([*lines[-1], index], words)):
            lines.append([])
        lines[-1].append(index)
    return lines


def wrap_pages(text: str, line_em: float, max_lines: int = 2) -> list[list[str]]:
    """Cut `text` into pages of at most `max_lines` lines of at most `line_em` ems each."""
    words = split_words(text)
    pages = paginate(words, lambda line: text_width_em(line) <= line_em, max_lines)
    return [[_text(line, words) for line in page] for page in pages]
