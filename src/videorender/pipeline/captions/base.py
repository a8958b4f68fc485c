"""What every caption style shares: cues, the resolved look, and the style interface."""

from __future__ import annotations

import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from videorender.pipeline.captions.metrics import width_in_font_sizes
from videorender.pipeline.captions.text import escape_ass_text, text_width_em
from videorender.pipeline.captions.timing_rules import (
    GRID_MS,
    MAX_LINES,
    Layout,
    Span,
    apply_limits,
    on_grid,
)
from videorender.pipeline.models import CaptionOptions, Color, SentenceTiming, Size, WordTiming
from videorender.pipeline.text.languages import ENGLISH, CaptionRules
from videorender.pipeline.text.word_split import join_words, split_words

WHITE = Color(255, 255, 255)
BLACK = Color(0, 0, 0)
HIGHLIGHT = Color(255, 212, 0)  # a warm yellow, legible on white-outlined black and on video


@dataclass(frozen=True)
class Cue:
    """One caption on screen: its time and its words, line by line."""

    start_ms: int
    end_ms: int
    lines: tuple[tuple[WordTiming, ...], ...]

    @property
    def words(self) -> tuple[WordTiming, ...]:
        return tuple(word for line in self.lines for word in line)

    @property
    def text_lines(self) -> list[str]:
        return [join_words([w.text for w in line]) for line in self.lines]

    @property
    def characters(self) -> int:
        return sum(len(line) for line in self.text_lines)

    @property
    def duration_ms(self) -> int:
        return self.end_ms - self.start_ms


@dataclass(frozen=True)
class AssEvent:
    """One ASS dialogue line: its time, its text with override tags, and its layer (higher
    layers are drawn over lower ones)."""

    start_ms: int
    end_ms: int
    text: str
    layer: int = 0


@dataclass(frozen=True)
class CaptionLayout:
    """Font size and margins in pixels of the output frame, and the width of a line: the
    preset for sentence captions."""

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


@dataclass(frozen=True)
class CaptionLook:
    """Everything about how captions are drawn, resolved for one frame and style."""

    frame: Size
    font_family: str
    font_px: int
    outline_px: float
    shadow_px: float
    margin_h: int
    margin_v: int
    position: str
    text_color: Color
    highlight_color: Color
    outline_color: Color
    max_line_chars: int
    max_lines: int
    rules: CaptionRules = ENGLISH.captions  # the script language's limits
    uppercase: bool = False
    words_per_caption: int | None = None  # for the styles that show a few words at a time
    # A line's width in font sizes: the estimate, or the font's own widths (`metrics.py`)
    # for the styles that place each word themselves.
    measure: Callable[[str], float] = text_width_em

    @property
    def line_em(self) -> float:
        return (self.frame.width - 2 * self.margin_h) / self.font_px

    def length(self, text: str) -> float:
        """Characters of `text` as the language's guide counts them."""
        return self.rules.length(text)

    def fits(self, line: str) -> bool:
        """Whether a line is within the character limit and the frame's width."""
        return self.length(line) <= self.max_line_chars and self.measure(line) <= self.line_em


class CaptionStyle(ABC):
    """How timed sentences become cues, and how a cue is written in ASS.

    The preset attributes scale the sentence layout (`CaptionLayout.for_frame`); a job's
    `CaptionOptions` override any of them.
    """

    name: str
    summary: str  # what it looks like, in a few words (for help texts)
    position: str = "bottom"
    font_scale_landscape: float = 1.0
    font_scale_portrait: float = 1.0
    max_lines: int = MAX_LINES
    precise_widths: bool = False  # fit lines with the font's own widths, not the estimate

    def look(
        self,
        size: Size,
        font_family: str,
        options: CaptionOptions,
        rules: CaptionRules = ENGLISH.captions,
    ) -> CaptionLook:
        """This style's preset for the frame and the language's limits (`rules`), with the
        job's options applied."""
        base = CaptionLayout.for_frame(size)
        scale = self.font_scale_portrait if size.is_portrait else self.font_scale_landscape
        font_px = options.font_size or max(12, round(base.font_px * scale))
        position = options.position or self.position
        family = options.font or font_family
        return CaptionLook(
            frame=size,
            font_family=family,
            font_px=font_px,
            outline_px=(
                options.outline
                if options.outline is not None
                else max(1.0, round(font_px * 0.08, 1))
            ),
            shadow_px=round(font_px * 0.03, 1),
            margin_h=base.margin_h,
            margin_v=_margin_v(size, position, base),
            position=position,
            text_color=options.text_color or WHITE,
            highlight_color=options.highlight_color or HIGHLIGHT,
            outline_color=options.outline_color or BLACK,
            max_line_chars=options.max_line_chars or rules.max_line_chars,
            max_lines=self.max_lines,
            rules=rules,
            uppercase=bool(options.uppercase),
            words_per_caption=options.words_per_caption,
            measure=functools.partial(width_in_font_sizes, family)
            if self.precise_widths
            else text_width_em,
        )

    @abstractmethod
    def cues(
        self, sentences: Sequence[SentenceTiming], look: CaptionLook, end_limit_ms: int | None
    ) -> list[Cue]:
        """The captions for `sentences`, in time order, never overlapping, within the caption
        limits; a cue may stay up into the silence after it, up to `end_limit_ms`."""

    def ass_events(self, cue: Cue, look: CaptionLook) -> list[AssEvent]:
        """The ASS events that draw the cue: by default one, of `ass_text`. A style that
        animates each word returns several (each placed with `\\pos`, so that libass does
        not stack events that are on screen together)."""
        return [AssEvent(cue.start_ms, cue.end_ms, self.ass_text(cue, look))]

    def ass_text(self, cue: Cue, look: CaptionLook) -> str:
        """The cue as ASS event text: escaped lines joined by hard breaks."""
        return "\\N".join(
            shrink_to_fit(line, look) + escape_ass_text(line) for line in cue.text_lines
        )


def shrink_to_fit(line: str, look: CaptionLook) -> str:
    """A tag that narrows a line too wide for the frame (a single long word cannot wrap)."""
    width = text_width_em(line)
    if width <= look.line_em:
        return ""
    percent = max(30, int(100 * look.line_em / width))
    return f"{{\\fscx{percent}\\fscy{percent}}}"


def _margin_v(size: Size, position: str, base: CaptionLayout) -> int:
    if position == "bottom":
        return base.margin_v
    if position == "top":
        return round(size.height * (0.1 if size.is_portrait else 0.06))
    return 0


def timed_words(sentence: SentenceTiming) -> tuple[WordTiming, ...]:
    """The sentence's word timings; where it has none, its words spread over its span in
    proportion to their width (what sentence captions did before word timings)."""
    words = split_words(sentence.text)
    if [w.text for w in sentence.words] == words:
        return sentence.words
    widths = [max(0.1, text_width_em(word)) for word in words]
    total, done, timed = sum(widths), 0.0, []
    for word, width in zip(words, widths, strict=True):
        start = sentence.start_ms + round(sentence.duration_ms * done / total)
        done += width
        timed.append(
            WordTiming(word, start, sentence.start_ms + round(sentence.duration_ms * done / total))
        )
    return tuple(timed)


def tile(sentence: SentenceTiming, groups: Sequence[Sequence[WordTiming]]) -> list[tuple[int, int]]:
    """Times for consecutive groups of a sentence's words: each from its first word's start
    (the first from the sentence's start) to the next one's, the last to the sentence's end;
    on the 10 ms grid, so ASS, SRT and VTT agree."""
    starts = [sentence.start_ms] + [group[0].start_ms for group in groups[1:]]
    ends = [*starts[1:], sentence.end_ms]
    times = []
    for start, end in zip(starts, ends, strict=True):
        first = on_grid(start)
        times.append((first, max(first + GRID_MS, on_grid(end))))
    return times


Grouping = Callable[[SentenceTiming], Sequence[Sequence[WordTiming]]]


def grouped_cues(
    sentences: Sequence[SentenceTiming],
    group: Grouping,
    layout: Layout,
    look: CaptionLook,
    end_limit_ms: int | None,
) -> list[Cue]:
    """Cues of each sentence's words cut into consecutive groups by `group` (pages, a few
    words), each group shown as `tile` times it, within the caption limits (`layout` lays out
    the words of a group that the limits merge, or refuses them)."""
    spans: list[Span] = []
    for sentence in sentences:
        groups = group(sentence)
        for (start, end), words in zip(tile(sentence, groups), groups, strict=True):
            spans.append(Span(start, end, tuple(words), sentence.index))
    return finish_cues(spans, look, layout, end_limit_ms)


def finish_cues(
    spans: Sequence[Span], look: CaptionLook, layout: Layout, end_limit_ms: int | None
) -> list[Cue]:
    """Apply the caption limits and make the cues."""

    def characters(words: Sequence[WordTiming]) -> float:
        return look.length(join_words([w.text for w in words]))

    limited = apply_limits(spans, layout, characters, end_limit_ms, look.rules.max_chars_per_second)
    return [
        Cue(span.start_ms, on_grid_down(span.end_ms), tuple(tuple(line) for line in lines))
        for span, lines in limited
    ]


def on_grid_down(ms: int) -> int:
    return ms // GRID_MS * GRID_MS
