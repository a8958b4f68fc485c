"""`sentence`: each sentence shown whole, as pages of at most two lines (the spec's captions).

A page comes up when its first word is spoken, so a long sentence turns its page with the
voice rather than at a guessed share of its time.
"""

from __future__ import annotations

from collections.abc import Sequence

from videorender.pipeline.captions.base import (
    CaptionLook,
    CaptionStyle,
    Cue,
    grouped_cues,
    timed_words,
)
from videorender.pipeline.captions.text import paginate
from videorender.pipeline.captions.timing_rules import Layout
from videorender.pipeline.models import SentenceTiming, WordTiming
from videorender.pipeline.text.segmentation import inside_phrases


class SentenceStyle(CaptionStyle):
    name = "sentence"
    summary = "whole sentences at the bottom (default)"

    def cues(
        self, sentences: Sequence[SentenceTiming], look: CaptionLook, end_limit_ms: int | None
    ) -> list[Cue]:
        def pages(sentence: SentenceTiming) -> list[list[WordTiming]]:
            words = timed_words(sentence)
            texts = [w.text for w in words]
            inside = inside_phrases(texts, look.rules.words_of)
            return [
                [words[i] for line in page for i in line]
                for page in paginate(texts, look.fits, look.max_lines, inside)
            ]

        return grouped_cues(sentences, pages, page_layout(look), look, end_limit_ms)


class PlacedSentenceStyle(SentenceStyle):
    """Sentence pages whose words are drawn one by one where `placed.place` puts them (box,
    bounce): a little larger, with lines fitted by the font's own widths, so that each word's
    place is exact."""

    font_scale_landscape = 1.1
    font_scale_portrait = 1.35
    precise_widths = True


def page_layout(look: CaptionLook) -> Layout:
    """Words as the lines of one page, or None if they need more than one."""

    def layout(words: Sequence[WordTiming]) -> list[list[WordTiming]] | None:
        texts = [w.text for w in words]
        pages = paginate(
            texts, look.fits, look.max_lines, inside_phrases(texts, look.rules.words_of)
        )
        if len(pages) != 1:
            return None
        return [[words[i] for i in line] for line in pages[0]]

    return layout
