"""Caption limits from the Netflix Timed Text Style Guide (general requirements):

- at most 42 characters a line (16:9); on narrower frames, what fits at the chosen size;
- at most two lines;
- at least 5/6 s (20 frames at 24 fps) on screen;
- at most 20 characters a second of reading speed (adult programmes).

Other languages have their own line length and reading speed (the guide's language pages,
`languages.CaptionRules`): Japanese 13 full-width characters a line and 4 a second, Chinese
16 and 9, Spanish, French, Italian, Portuguese and Hindi 42 and 17.

Cue times come from the speech, so a cue is never cut short; where it is too short or too
dense, it is first merged with a neighbour of the same sentence when the two still fit, and
then extended into the silence that follows it (up to the next cue or the end of the video).
Where the speech itself is faster than 20 characters a second, that is what remains.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from videorender.pipeline.models import WordTiming

MAX_LINE_CHARS = 42
MAX_LINES = 2
MIN_DURATION_MS = 834  # 5/6 s, rounded up to whole milliseconds
MAX_CHARS_PER_SECOND = 20
# ASS stores centiseconds: cue times on a 10 ms grid are the same in ASS, SRT and VTT.
GRID_MS = 10


@dataclass(frozen=True)
class Span:
    """A cue reduced to what the limits need: its time, its words, and its sentence."""

    start_ms: int
    end_ms: int
    words: tuple[WordTiming, ...]
    sentence: int


# Lays words out in lines; returns None when they do not fit in the allowed lines.
Layout = Callable[[Sequence[WordTiming]], "list[list[WordTiming]] | None"]


def needed_ms(characters: float, max_cps: float = MAX_CHARS_PER_SECOND) -> int:
    """How long a cue of `characters` must stay up: 5/6 s, or `max_cps` characters a second
    (on the grid, rounded up)."""
    needed = max(MIN_DURATION_MS, math.ceil(characters * 1000 / max_cps))
    return -(-needed // GRID_MS) * GRID_MS


def on_grid(ms: int) -> int:
    return (ms + GRID_MS // 2) // GRID_MS * GRID_MS


Characters = Callable[[Sequence[WordTiming]], float]


def apply_limits(
    spans: Sequence[Span], layout: Layout, characters: Characters, end_limit_ms: int | None,
    max_cps: float = MAX_CHARS_PER_SECOND,
) -> list[tuple[Span, list[list[WordTiming]]]]:  # fmt: skip
    """Merge spans that are too short or too dense into a neighbour of their sentence when
    the result still fits, then extend the rest into the silence after them."""
    merged = _merge(list(spans), layout, characters, max_cps)
    result: list[tuple[Span, list[list[WordTiming]]]] = []
    for number, span in enumerate(merged):
        following = merged[number + 1].start_ms if number + 1 < len(merged) else end_limit_ms
        limit = max(span.end_ms, following // GRID_MS * GRID_MS if following else span.end_ms)
        needed = needed_ms(characters(span.words), max_cps)
        end = min(limit, max(span.end_ms, span.start_ms + needed))
        lines = layout(span.words) or [list(span.words)]
        result.append((Span(span.start_ms, end, span.words, span.sentence), lines))
    return result


def _merge(spans: list[Span], layout: Layout, characters: Characters, max_cps: float) -> list[Span]:
    number = 0
    while number < len(spans):
        span = spans[number]
        if span.end_ms - span.start_ms >= needed_ms(characters(span.words), max_cps):
            number += 1
            continue
        for other in (number - 1, number + 1):
            if not 0 <= other < len(spans) or spans[other].sentence != span.sentence:
                continue
            first, second = sorted((span, spans[other]), key=lambda s: s.start_ms)
            words = first.words + second.words
            if layout(words) is not None:
                spans[min(number, other)] = Span(
                    first.start_ms, second.end_ms, words, span.sentence
                )
                del spans[max(number, other)]
                number = min(number, other)  # look at the merged span again
                break
        else:
            number += 1
    return spans
