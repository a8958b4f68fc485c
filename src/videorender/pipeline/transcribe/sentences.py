"""Whisper's words regrouped into our sentences, each word timed as `split_words` cuts it.

Whisper's segments are not sentences (two or three merged, or one cut in two), so its words
are joined into text and cut at sentence ends by the same rules as a script
(`script.split_sentences`, by language), and before that where the speaker stopped for a long
pause. A sentence over the script's length limit is then cut at its best clause boundary
(`script.split_long`), so the same words make the same chunks whether typed as a script or
heard in a recording: Whisper joins ", and then..." to the clause before it even where the
speaker paused there (measured: 2 of 100 sentences on the bench's 10-minute recording, one
of them 4 s off). Whisper sometimes writes no punctuation at all (measured: a clip of four
sentences came back as one); then a segment that ends without punctuation, followed by a
capital (or a script without case), ends a sentence too. Every caption word (`split_words` of
the sentence) then takes its time from the Whisper word its characters come from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from videorender.pipeline.models import SentenceTiming, WordTiming
from videorender.pipeline.text.languages import Language
from videorender.pipeline.text.script import Sentence, split_long, split_sentences
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.transcribe.whisper import HeardWord

LONG_PAUSE_MS = 1500  # a pause this long ends a sentence, punctuation or not


@dataclass(frozen=True)
class _Located:
    """Text, and for each of its characters the Whisper word it came from (-1: a space)."""

    text: str
    owner: tuple[int, ...]


def heard_sentences(
    words: Sequence[HeardWord], language: Language
) -> tuple[list[Sentence], list[SentenceTiming]]:
    """Sentences (numbered from 0) and their times by Whisper's word times."""
    sentences: list[Sentence] = []
    timings: list[SentenceTiming] = []
    for run in _runs(words):
        located = _located(words, run)
        cursor = 0
        texts = split_sentences(located.text.strip(), language)
        for text in (chunk for sentence in texts for chunk in split_long(sentence)):
            begin = located.text.find(text, cursor)
            if begin < 0 or not split_words(text):
                continue
            cursor = begin + len(text)
            timing = _timed(len(sentences), text, begin, located, words)
            sentences.append(Sentence(len(sentences), text))
            timings.append(timing)
    return sentences, timings


def _runs(words: Sequence[HeardWord]) -> list[range]:
    """Word index ranges between long pauses and unpunctuated segment ends."""
    runs: list[range] = []
    first = 0
    for k in range(1, len(words) + 1):
        if k == len(words) or _breaks(words[k - 1], words[k]):
            runs.append(range(first, k))
            first = k
    return [r for r in runs if len(r)]


def _breaks(before: HeardWord, after: HeardWord) -> bool:
    if after.start_ms - before.end_ms >= LONG_PAUSE_MS:
        return True
    text, following = before.text.strip(), after.text.strip()
    if not before.ends_segment or not text or not following or not text[-1].isalnum():
        return False
    first = following[0]
    return first.isupper() or not first.islower()


def _located(words: Sequence[HeardWord], run: range) -> _Located:
    text = ""
    owner: list[int] = []
    for k in run:
        piece = words[k].text
        if not text:
            piece = piece.lstrip()
        text += piece
        owner += [-1 if ch.isspace() else k for ch in piece]
    return _Located(text, tuple(owner))


def _timed(
    index: int, text: str, begin: int, located: _Located, words: Sequence[HeardWord]
) -> SentenceTiming:
    timed: list[WordTiming] = []
    cursor = begin
    for word in split_words(text):
        at = located.text.find(word, cursor)
        at = cursor if at < 0 else at
        cursor = at + len(word)
        owners = [o for o in located.owner[at:cursor] if o >= 0] or [_nearest(located, at)]
        start = words[owners[0]].start_ms
        end = max(start, words[owners[-1]].end_ms)
        if timed:
            start = max(start, timed[-1].end_ms)
            end = max(end, start)
        timed.append(WordTiming(word, start, end))
    return SentenceTiming(index, text, timed[0].start_ms, timed[-1].end_ms, tuple(timed))


def _nearest(located: _Located, at: int) -> int:
    for owner in (*located.owner[at:], *reversed(located.owner[:at])):
        if owner >= 0:
            return owner
    return 0
