"""Words of languages written without spaces, for word times and caption breaks.

Japanese words come from Sudachi (installed with the `ja` extra). Caption units are single
characters (`word_split`), so a caption may break between any two of them; `inside_phrases`
says which of those breaks would split a phrase (bunsetsu: a word with the particles,
auxiliaries and suffixes that follow it, 市場は, 歩いています), so that captions break
between phrases where they can, as Japanese subtitlers do.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Sequence
from typing import Any

_LOCK = threading.Lock()  # Sudachi's tokenizer is not documented thread-safe


@functools.lru_cache(maxsize=1)
def _sudachi() -> Any:
    from sudachipy import Dictionary, SplitMode  # noqa: PLC0415 (the `ja` extra)

    return Dictionary().tokenizer(SplitMode.C)


def japanese_words(text: str) -> list[str]:
    """The words of Japanese `text` as Sudachi cuts them (they concatenate to `text`).

    Raises:
        ImportError: the `ja` extra is not installed.
    """
    with _LOCK:
        return [m.surface() for m in _sudachi().tokenize(text)]


# Words that belong to the phrase before them (by Sudachi's part of speech).
_ATTACHED = frozenset({"助詞", "助動詞", "接尾辞"})
_ATTACHED_SUB = frozenset({"非自立可能", "助動詞語幹"})


def japanese_phrase_starts(text: str) -> set[int]:
    """Character offsets in Japanese `text` where a phrase starts (and its end)."""
    starts, position = {0, len(text)}, 0
    with _LOCK:
        morphemes = list(_sudachi().tokenize(text))
    for morpheme in morphemes:
        pos = morpheme.part_of_speech()
        marks = pos[0] == "補助記号" and pos[1] != "括弧開"
        if not (pos[0] in _ATTACHED or pos[1] in _ATTACHED_SUB or marks):
            starts.add(position)
        position += len(morpheme.surface())
    return starts


def japanese_readings(text: str) -> list[str]:
    """The katakana readings of the words of Japanese `text`."""
    with _LOCK:
        return [m.reading_form() for m in _sudachi().tokenize(text)]


def inside_phrases(units: Sequence[str], primary: str) -> frozenset[int]:
    """The unit indexes `k` before which a line or caption break would split a phrase of
    the language `primary` ("ja"); empty where its phrases are unknown (spaced languages,
    or the tokenizer is not installed)."""
    if primary != "ja" or not units:
        return frozenset()
    try:
        starts = japanese_phrase_starts("".join(units))
    except ImportError:
        return frozenset()
    inside, position = set(), 0
    for k, unit in enumerate(units):
        if position not in starts:
            inside.add(k)
        position += len(unit)
    return frozenset(inside)
