"""Where each word of a cue is drawn, for the styles that animate word by word.

libass stacks events that are on screen together (its collision rule) unless each has its
own `\\pos`; and a word that grows must grow about its own centre, not push its line. So the
animated styles lay a cue out here, word by word, with the font's real widths
(`metrics.py`), and write one event per word centred on its point (`\\an5\\pos`).

A line too wide for the frame (a long word cannot wrap) is shrunk to fit the width. Lines
stand on top of each other, one font size apart, anchored by the caption position: `bottom`
and `top` keep the style's margins (clear of the bottom fifth and the top tenth on 9:16),
`middle` centres the caption in the lower middle of the frame, MIDDLE_AT of the way down.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from videorender.pipeline.captions.base import CaptionLook, Cue
from videorender.pipeline.captions.metrics import text_width_px
from videorender.pipeline.captions.timing_rules import GRID_MS, on_grid
from videorender.pipeline.models import WordTiming
from videorender.pipeline.text.word_split import separator

MIDDLE_AT = 0.6
MIN_SCALE = 30  # percent: narrower than this, a word is unreadable anyway
_RTL = re.compile(r"[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@dataclass(frozen=True)
class PlacedWord:
    """A word of a cue as drawn: its centre, its width at its scale, and its scale (percent;
    below 100 where its line was shrunk to fit)."""

    word: WordTiming
    x: int
    y: int
    width: float
    scale: int
    line: int

    @property
    def position(self) -> str:
        return f"\\an5\\pos({self.x},{self.y})"

    @property
    def scaled(self) -> str:
        return f"\\fscx{self.scale}\\fscy{self.scale}" if self.scale != 100 else ""


def place(cue: Cue, look: CaptionLook) -> list[PlacedWord]:
    """The cue's words, in order, each with its centre in the frame."""
    widths = [_line_widths(line, look) for line in cue.lines]
    usable = look.frame.width - 2 * look.margin_h
    scales = [_fit_scale(sum(w + gap for w, gap in line), usable) for line in widths]
    heights = [look.font_px * scale / 100 for scale in scales]
    top = _block_top(sum(heights), look)
    placed: list[PlacedWord] = []
    for number, line in enumerate(cue.lines):
        y = round(top + sum(heights[:number]) + heights[number] / 2)
        placed += _place_line(
            line, widths[number], scales[number], y, look.frame.width, number=number
        )
    return placed


def _fit_scale(width: float, usable: int) -> int:
    return max(MIN_SCALE, min(100, int(100 * usable / max(1.0, width))))


def _line_widths(line: Sequence[WordTiming], look: CaptionLook) -> list[tuple[float, float]]:
    """Each word's width, and the width of the space after it (none after the last)."""
    widths = []
    for number, word in enumerate(line):
        gap = separator(word.text, line[number + 1].text) if number + 1 < len(line) else ""
        widths.append(
            (
                text_width_px(word.text, look.font_family, look.font_px),
                text_width_px(gap, look.font_family, look.font_px) if gap else 0.0,
            )
        )
    return widths


def _place_line(
    line: Sequence[WordTiming], widths: Sequence[tuple[float, float]], scale: int, y: int,
    frame_width: int, *, number: int,
) -> list[PlacedWord]:  # fmt: skip
    """Words left to right from the centred line's left edge (right to left in Arabic and
    Hebrew, where the space after a word in reading order lies to its left)."""
    factor = scale / 100
    rtl = bool(_RTL.search(line[0].text))
    at = (frame_width - sum(w + gap for w, gap in widths) * factor) / 2
    centres: dict[int, float] = {}
    for index in range(len(line) - 1, -1, -1) if rtl else range(len(line)):
        width, gap = widths[index]
        if rtl and index + 1 < len(line):
            at += gap * factor
        centres[index] = at + width * factor / 2
        at += (width + (0.0 if rtl else gap)) * factor
    return [
        PlacedWord(word, round(centres[i]), y, widths[i][0] * factor, scale, number)
        for i, word in enumerate(line)
    ]


def _block_top(height: float, look: CaptionLook) -> float:
    if look.position == "top":
        return float(look.margin_v)
    if look.position == "middle":
        return look.frame.height * MIDDLE_AT - height / 2
    return look.frame.height - look.margin_v - height


def word_start(word: WordTiming, cue: Cue) -> int:
    """When a word's own event starts: the word's start on the 10 ms grid (within 5 ms of it,
    well within a frame), inside the cue."""
    return min(max(cue.start_ms, on_grid(word.start_ms)), cue.end_ms - GRID_MS)
