"""`words`: a few words at a time, large and centred, the way short-video captions look.

A sentence is cut into groups of 1-3 words (or up to the job's `words_per_caption`; up to
nine CJK characters, cut between Japanese phrases where it can) that fit the caption (up to
two lines: at this size a phone's line holds about 15 characters). Of all such cuts,
the one chosen keeps each group up as close to the caption limits as the voice allows (5/6 s,
the language's reading speed, summing the shortfalls), and otherwise prefers to cut after
punctuation; a group never runs across the end of a sentence.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from videorender.pipeline.captions.base import (
    CaptionLook,
    CaptionStyle,
    Cue,
    grouped_cues,
    timed_words,
)
from videorender.pipeline.captions.sentence import page_layout
from videorender.pipeline.captions.timing_rules import Layout, needed_ms
from videorender.pipeline.models import SentenceTiming, WordTiming
from videorender.pipeline.text.segmentation import inside_phrases
from videorender.pipeline.text.word_split import NO_LINE_END, is_cjk, join_words

MAX_WORDS = 3
# What a cut in the wrong place costs, in milliseconds of shortfall: one at a comma is free.
CUT_PENALTY_MS = 120
_SENTENCE_END = ".!?…。！？"
_BREAKS = _SENTENCE_END + ",;:—、，；："


class WordsStyle(CaptionStyle):
    name = "words"
    summary = "1-3 words at a time, large and centred"
    position = "middle"
    font_scale_landscape = 1.6
    font_scale_portrait = 1.4
    max_lines = 2

    def cues(
        self, sentences: Sequence[SentenceTiming], look: CaptionLook, end_limit_ms: int | None
    ) -> list[Cue]:
        return grouped_cues(
            sentences, lambda s: group_words(s, look), group_layout(look), look, end_limit_ms
        )


def group_words(sentence: SentenceTiming, look: CaptionLook) -> list[list[WordTiming]]:
    """The sentence's words in consecutive groups of 1-3, or of up to the job's
    `words_per_caption` (dynamic programming over cuts)."""
    words = timed_words(sentence)
    layout = group_layout(look)
    most = look.words_per_caption or MAX_WORDS
    inside = inside_phrases([w.text for w in words], look.rules.words_of)
    count = len(words)
    cost = [0.0] + [math.inf] * count
    cut = [0] * (count + 1)
    for end in range(1, count + 1):
        for size in range(1, min(3 * most, end) + 1):
            begin = end - size
            group = words[begin:end]
            if size > 1 and (layout(group) is None or _ends_sentence(group[:-1])):
                continue
            total = cost[begin] + _cost(group, words, (begin, end), sentence, look)
            total += 2 * CUT_PENALTY_MS * (end in inside)  # a cut inside a Japanese phrase
            if total < cost[end]:
                cost[end], cut[end] = total, begin
    groups: list[list[WordTiming]] = []
    end = count
    while end > 0:
        groups.insert(0, list(words[cut[end] : end]))
        end = cut[end]
    return groups


def _cost(
    group: Sequence[WordTiming],
    words: Sequence[WordTiming],
    cut: tuple[int, int],
    sentence: SentenceTiming,
    look: CaptionLook,
) -> float:
    begin, end = cut
    shown_from = sentence.start_ms if begin == 0 else words[begin].start_ms
    shown_to = sentence.end_ms if end == len(words) else words[end].start_ms
    characters = look.length(join_words([w.text for w in group]))
    needed = needed_ms(characters, look.rules.max_chars_per_second)
    shortfall = max(0, needed - (shown_to - shown_from))
    unpunctuated_cut = end < len(words) and group[-1].text[-1] not in _BREAKS
    punctuation_inside = any(w.text[-1] in _BREAKS for w in group[:-1])
    return shortfall + CUT_PENALTY_MS * (unpunctuated_cut + punctuation_inside)


def _ends_sentence(words: Sequence[WordTiming]) -> bool:
    return any(w.text[-1] in _SENTENCE_END for w in words)


def group_layout(look: CaptionLook) -> Layout:
    """At most three words (or the job's `words_per_caption`) on the caption's lines, or
    None."""
    lines = page_layout(look)
    most = look.words_per_caption or MAX_WORDS

    def layout(words: Sequence[WordTiming]) -> list[list[WordTiming]] | None:
        return lines(words) if sum(_weight(w.text) for w in words) <= most + 1e-9 else None

    return layout


def _weight(word: str) -> float:
    """A word of a spaced language is one; a CJK character a third of one (Japanese words
    run two to three characters), so a Japanese or Chinese group holds up to nine."""
    return 1 / 3 if is_cjk(word.lstrip(NO_LINE_END)[:1] or word[:1]) else 1.0
