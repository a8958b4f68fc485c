"""Word spans from timed phonemes, on streams written by hand."""

from __future__ import annotations

import itertools

from videorender.pipeline.tts.base import WordSpan
from videorender.pipeline.tts.word_spans import TimedPhoneme, align_words, proportional_spans


def _stream(phonemes: str, step: int = 100) -> list[TimedPhoneme]:
    return [TimedPhoneme(p, i * step, (i + 1) * step) for i, p in enumerate(phonemes)]


def test_words_that_espeak_joins_are_still_told_apart() -> None:
    # "of the" comes out of espeak as one token "ʌvðə" in context.
    words = ["of", "the", "cat."]
    alone = ["ʌv", "ðə", "kˈæt."]
    spans = align_words(words, alone, _stream("^ʌvðə kˈæt.$"))
    assert spans == (
        WordSpan("of", 100, 300),
        WordSpan("the", 300, 500),
        WordSpan("cat.", 600, 1000),  # the stress mark belongs to the sound after it
    )


def test_an_expanded_number_is_one_word_with_all_its_sounds() -> None:
    words = ["In", "1887,", "we"]
    alone = ["ɪn", "ˈeɪtiːn ˈeɪɾi sˈɛvən,", "wiː"]
    stream = _stream("ɪn ˈeɪtiːn ˈeɪɾi sˈɛvən, wiː")
    spans = align_words(words, alone, stream)
    assert spans is not None
    assert [s.text for s in spans] == words
    assert spans[1].start == 300 and spans[1].end == 2300  # "ˈeɪtiːn ... sˈɛvən"
    assert spans[2].start == 2500 and spans[2].end == 2800  # length mark stays with its vowel


def test_reduced_vowels_in_context_still_align() -> None:
    words = ["the", "apple"]
    spans = align_words(words, ["ðə", "ˈæpəl"], _stream("ði ˈæpl̩"))
    assert spans is not None
    assert spans[0] == WordSpan("the", 0, 200)
    assert spans[1].start == 300


def test_unrelated_text_and_stream_give_no_spans() -> None:
    assert align_words(["hello", "world"], ["həlˈoʊ", "wˈɜːld"], _stream("ʃtʃpχʁ")) is None
    assert align_words([], [], _stream("abc")) is None


def test_spans_are_ordered_and_never_overlap() -> None:
    words = "a b c d".split()
    spans = align_words(words, ["ɐ", "bˈiː", "sˈiː", "dˈiː"], _stream("ɐbˈiːsˈiː dˈiː"))
    assert spans is not None
    assert all(a.end <= b.start for a, b in itertools.pairwise(spans))
    assert all(s.start <= s.end for s in spans)


def test_proportional_spans_share_the_span_by_weight() -> None:
    spans = proportional_spans(["a", "bbb"], [1, 3], 1000, 2000)
    assert spans == (WordSpan("a", 1000, 1250), WordSpan("bbb", 1250, 2000))
