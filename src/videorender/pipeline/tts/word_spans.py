"""Word spans from timed phonemes: which stretch of a sentence's audio says which word.

Engines report when each phoneme of the sentence is spoken, but the phoneme stream does not
split cleanly into the text's words: espeak joins words ("of the" can come out as one
token) and expands others ("1887" becomes four words). So each text word is phonemized on
its own and the concatenation of those phonemes is aligned to the timed stream with an edit
distance (stress and length marks, spaces and punctuation ignored, as they differ between a
word said alone and in context). Every timed phoneme then belongs to one word, in order,
and a word's span runs from its first phoneme to its last. Pauses between words (spaces,
punctuation) belong to no word.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from videorender.pipeline.tts.base import WordSpan

# Part of every engine identity, so that cached word spans are redone when this changes.
VERSION = "words2"

# Marks that change between a word said alone and in a sentence. They are not matched, but
# engines give them time of their own: a stress mark belongs to the sound after it, a length
# mark to the sound before it.
_STRESS = frozenset("ˈˌ")
_LENGTH = frozenset("ːˑ")
_MARKS = _STRESS | _LENGTH
# Above this share of edits the text and the stream are not the same words: give up.
MAX_EDIT_SHARE = 0.6
_MATCH, _SUBSTITUTE, _GAP = 0, 1, 1


@dataclass(frozen=True)
class TimedPhoneme:
    """One phoneme of the stream an engine spoke, in samples from the start of its audio."""

    phoneme: str
    start: int
    end: int


def sounds(phonemes: str) -> str:
    """The phonemes that are sounds: no stress or length marks, spaces or punctuation."""
    return "".join(ch for ch in phonemes if ch.isalpha() and ch not in _MARKS)


def align_words(
    words: Sequence[str], word_phonemes: Sequence[str], stream: Sequence[TimedPhoneme]
) -> tuple[WordSpan, ...] | None:
    """Spans of `words` (each phonemized alone as `word_phonemes`) in the timed `stream`.

    Returns None when the stream and the words do not match well enough to trust.
    """
    text_side = [
        (number, ch) for number, phonemes in enumerate(word_phonemes) for ch in sounds(phonemes)
    ]
    timed = [p for p in stream if sounds(p.phoneme)]
    if not words or not text_side or not timed:
        return None
    labels, edits = _label(
        [ch for _, ch in text_side], [sounds(p.phoneme) for p in timed], text_side
    )
    if edits > MAX_EDIT_SHARE * max(len(text_side), len(timed)):
        return None
    return _spans(words, _with_marks(stream, labels), stream)


def _with_marks(stream: Sequence[TimedPhoneme], sound_labels: list[int]) -> list[int | None]:
    """Labels for the whole stream: sounds as aligned, stress marks with the sound that
    follows them, length marks with the one before; spaces and punctuation with no word."""
    labels: list[int | None] = []
    sound_number = 0
    for phoneme in stream:
        if sounds(phoneme.phoneme):
            labels.append(sound_labels[sound_number])
            sound_number += 1
        elif phoneme.phoneme in _LENGTH and labels:
            labels.append(labels[-1])
        else:
            labels.append(None)
    following: int | None = None
    for index in range(len(stream) - 1, -1, -1):
        if stream[index].phoneme in _STRESS:
            labels[index] = following
        following = (
            labels[index] if stream[index].phoneme in _MARKS or labels[index] is not None else None
        )
    return labels


def _label(a: list[str], b: list[str], text_side: list[tuple[int, str]]) -> tuple[list[int], int]:
    """For each element of `b`, the word its aligned element of `a` belongs to (an inserted
    element takes its left neighbour's word), and the number of edits."""
    n, m = len(a), len(b)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        cost[i][0] = i * _GAP
    for j in range(1, m + 1):
        cost[0][j] = j * _GAP
    for i in range(1, n + 1):
        row, above, ai = cost[i], cost[i - 1], a[i - 1]
        for j in range(1, m + 1):
            pair = above[j - 1] + (_MATCH if ai == b[j - 1] else _SUBSTITUTE)
            row[j] = min(pair, above[j] + _GAP, row[j - 1] + _GAP)
    labels: list[int | None] = [None] * m
    i, j = n, m
    while i > 0 and j > 0:
        pair = cost[i - 1][j - 1] + (_MATCH if a[i - 1] == b[j - 1] else _SUBSTITUTE)
        if cost[i][j] == pair:
            labels[j - 1] = text_side[i - 1][0]
            i, j = i - 1, j - 1
        elif cost[i][j] == cost[i - 1][j] + _GAP:
            i -= 1
        else:
            j -= 1
    filled: list[int] = []
    first = next((label for label in labels if label is not None), 0)
    for label in labels:
        filled.append(label if label is not None else (filled[-1] if filled else first))
    return filled, cost[n][m]


def _spans(
    words: Sequence[str], labels: list[int | None], timed: Sequence[TimedPhoneme]
) -> tuple[WordSpan, ...]:
    spans: list[WordSpan] = []
    cursor = timed[0].start
    for number, word in enumerate(words):
        mine = [p for p, label in zip(timed, labels, strict=True) if label == number]
        if mine:
            start = max(cursor, mine[0].start)
            spans.append(WordSpan(word, start, max(start, mine[-1].end)))
        else:  # said as part of a neighbour, or silent (a dash): an empty span in place
            spans.append(WordSpan(word, cursor, cursor))
        cursor = spans[-1].end
    return tuple(spans)


def proportional_spans(
    words: Sequence[str], weights: Sequence[int], start: int, end: int
) -> tuple[WordSpan, ...]:
    """Words laid end to end over `start`..`end`, each as long as its share of `weights`:
    the estimate used where an engine gives no timings."""
    total = sum(weights)
    if not words or total <= 0:
        return ()
    spans: list[WordSpan] = []
    done = 0
    for word, weight in zip(words, weights, strict=True):
        first = start + (end - start) * done // total
        done += weight
        spans.append(WordSpan(word, first, start + (end - start) * done // total))
    return tuple(spans)
