"""`words`: a few words at a time, large and centred, the way short-video captions look.

Words are grouped 1-3 at a time: a group closes after a sentence end, after a comma once it
has been up for 5/6 s, and otherwise once it holds two words and has been up for 5/6 s, so
groups follow the rhythm of the voice and stay within the caption limits.
"""

from __future__ import annotations

from collections.abc import Sequence

from videorender.pipeline.captions.base import (
    CaptionLook,
    CaptionStyle,
    Cue,
    finish_cues,
    tile,
    timed_words,
)
from videorender.pipeline.captions.limits import MIN_DURATION_MS, Layout, Span
from videorender.pipeline.models import SentenceTiming, WordTiming
from videorender.pipeline.words import join_words

MAX_WORDS = 3
_SENTENCE_END = ".!?…。！？"
_CLAUSE_END = ",;:—、，；："


class WordsStyle(CaptionStyle):
    name = "words"
    position = "middle"
    font_scale_landscape = 1.6
    font_scale_portrait = 1.4
    max_lines = 1

    def cues(
        self, sentences: Sequence[SentenceTiming], look: CaptionLook, end_limit_ms: int | None
    ) -> list[Cue]:
        spans: list[Span] = []
        for sentence in sentences:
            groups = group_words(timed_words(sentence), look)
            for (start, end), group in zip(tile(sentence, groups), groups, strict=True):
                spans.append(Span(start, end, tuple(group), sentence.index))
        return finish_cues(spans, look, _one_line(look), end_limit_ms)


def group_words(words: Sequence[WordTiming], look: CaptionLook) -> list[list[WordTiming]]:
    """Consecutive groups of 1-3 words, each fitting one line."""
    groups: list[list[WordTiming]] = []
    for word in words:
        if not groups or _closes(groups[-1], word, look):
            groups.append([])
        groups[-1].append(word)
    return groups


def _closes(group: list[WordTiming], following: WordTiming, look: CaptionLook) -> bool:
    if len(group) >= MAX_WORDS or not look.fits(join_words([w.text for w in [*group, following]])):
        return True
    last = group[-1].text[-1]
    if last in _SENTENCE_END:
        return True
    shown_ms = following.start_ms - group[0].start_ms
    if last in _CLAUSE_END:
        return shown_ms >= MIN_DURATION_MS
    return shown_ms >= MIN_DURATION_MS and len(group) >= 2


def _one_line(look: CaptionLook) -> Layout:
    def layout(words: Sequence[WordTiming]) -> list[list[WordTiming]] | None:
        text = join_words([w.text for w in words])
        return [list(words)] if len(words) <= MAX_WORDS and look.fits(text) else None

    return layout
