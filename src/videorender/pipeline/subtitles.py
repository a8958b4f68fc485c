"""Subtitles stage: sentence timings -> an ASS file (written with pysubs2) sized to the frame.

Each sentence becomes one caption of at most two lines. A sentence too long for two lines of
the frame is shown as consecutive captions ("pages"), its time shared in proportion to their
length. Script text is escaped so that nothing in it can act as an ASS override tag.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pysubs2

from videorender.pipeline.models import SentenceTiming, Size

MAX_LINES = 2
_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]")
_TOKEN = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef][、。，！？：；」』）]*|\S+")
_WORD_JOINER = "\u2060"


@dataclass(frozen=True)
class CaptionLayout:
    """Font size and margins in pixels of the output frame, and the width of a line."""

    font_px: int
    margin_h: int
    margin_v: int
    outline_px: float
    shadow_px: float

    @classmethod
    def for_frame(cls, size: Size) -> CaptionLayout:
        short_side = min(size.width, size.height)
        if size.is_portrait:
            # Phones: larger type, and clear of the app buttons along the bottom fifth.
            font_px, margin_v = round(short_side * 0.064), round(size.height * 0.2)
        else:
            font_px, margin_v = round(short_side * 0.058), round(size.height * 0.07)
        return cls(
            font_px=max(12, font_px),
            margin_h=round(size.width * 0.07),
            margin_v=margin_v,
            outline_px=max(1.0, round(font_px * 0.08, 1)),
            shadow_px=round(font_px * 0.03, 1),
        )

    def line_width_em(self, size: Size) -> float:
        """Usable line width in ems of the caption font."""
        return (size.width - 2 * self.margin_h) / self.font_px


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


def text_width_em(text: str) -> float:
    """Approximate rendered width in ems (bold sans: ~0.6 em a Latin character, 1 em CJK)."""
    return sum(1.0 if _CJK.match(ch) else 0.3 if ch == " " else 0.6 for ch in text)


def wrap_pages(text: str, line_em: float) -> list[list[str]]:
    """Cut `text` into pages of at most two lines of at most `line_em` ems each, with pages
    and lines of similar length."""
    tokens = _TOKEN.findall(text)
    if not tokens:
        return []
    total = text_width_em(text)
    pages = max(1, math.ceil(total / (MAX_LINES * line_em * 0.92)))
    while True:
        split = [_balanced_lines(part, line_em) for part in _partition(tokens, pages)]
        if all(len(lines) <= MAX_LINES for lines in split) or pages >= len(tokens):
            return split
        pages += 1


def _join(tokens: Sequence[str]) -> str:
    text = ""
    for token in tokens:
        if text and not (_CJK.match(token[0]) and _CJK.match(text[-1])):
            text += " "
        text += token
    return text


def _partition(tokens: list[str], parts: int) -> list[list[str]]:
    """Split tokens into `parts` runs of similar width, preferring breaks after punctuation."""
    widths = [text_width_em(t) for t in tokens]
    total = sum(widths)
    result: list[list[str]] = []
    start = 0
    for part in range(1, parts):
        goal = total * part / parts
        best, best_cost, running = start + 1, float("inf"), sum(widths[:start])
        for k in range(start + 1, len(tokens) - (parts - part) + 1):
            running += widths[k - 1]
            punctuated = tokens[k - 1][-1] in ",;:.!?、，。；：！？—"
            cost = abs(running - goal) - (2.0 if punctuated else 0.0)
            if cost < best_cost:
                best, best_cost = k, cost
        result.append(tokens[start:best])
        start = best
    result.append(tokens[start:])
    return [r for r in result if r]


def _balanced_lines(tokens: list[str], line_em: float) -> list[str]:
    """One line if it fits, else the two-line break that minimises the longer line; more lines
    (greedy) only when two cannot hold the text."""
    whole = _join(tokens)
    if text_width_em(whole) <= line_em or len(tokens) == 1:
        return [whole]
    best = min(
        range(1, len(tokens)),
        key=lambda k: max(text_width_em(_join(tokens[:k])), text_width_em(_join(tokens[k:]))),
    )
    lines = [_join(tokens[:best]), _join(tokens[best:])]
    if max(text_width_em(line) for line in lines) <= line_em:
        return lines
    return _greedy_lines(tokens, line_em)


def _greedy_lines(tokens: list[str], line_em: float) -> list[str]:
    lines: list[list[str]] = [[]]
    for token in tokens:
        if lines[-1] and text_width_em(_join([*lines[-1], token])) > line_em:
            lines.append([])
        lines[-1].append(token)
    return [_join(line) for line in lines]


def build_subtitles(
    timings: Sequence[SentenceTiming], size: Size, font_family: str
) -> pysubs2.SSAFile:
    """One caption (or a few consecutive pages) per sentence, styled for `size`."""
    layout = CaptionLayout.for_frame(size)
    subs = pysubs2.SSAFile()
    subs.info.update(
        {
            "PlayResX": str(size.width),
            "PlayResY": str(size.height),
            "ScaledBorderAndShadow": "yes",
            "WrapStyle": "0",
            "YCbCr Matrix": "TV.709",
        }
    )
    subs.styles["Default"] = pysubs2.SSAStyle(
        fontname=font_family,
        fontsize=layout.font_px,
        bold=True,
        primarycolor=pysubs2.Color(255, 255, 255),
        outlinecolor=pysubs2.Color(0, 0, 0),
        backcolor=pysubs2.Color(0, 0, 0, 128),
        borderstyle=1,
        outline=layout.outline_px,
        shadow=layout.shadow_px,
        alignment=pysubs2.Alignment.BOTTOM_CENTER,
        marginl=layout.margin_h,
        marginr=layout.margin_h,
        marginv=layout.margin_v,
    )
    line_em = layout.line_width_em(size)
    for timing in timings:
        pages = wrap_pages(timing.text, line_em)
        weights = [text_width_em("".join(lines)) for lines in pages]
        start = timing.start_ms
        for number, lines in enumerate(pages):
            end = (
                timing.end_ms
                if number == len(pages) - 1
                else start + round(timing.duration_ms * weights[number] / sum(weights))
            )
            text = "\\N".join(escape_ass_text(line) for line in lines)
            subs.events.append(pysubs2.SSAEvent(start=start, end=end, text=text))
            start = end
    return subs


def write_subtitles(subs: pysubs2.SSAFile, path: Path) -> None:
    subs.save(str(path), encoding="utf-8", format_="ass")
