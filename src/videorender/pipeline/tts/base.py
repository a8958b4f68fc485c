"""The speech engine interface.

To add an engine: write a module beside this one with a subclass of `TTSEngine` whose
`synthesize` returns 16-bit mono samples for one sentence, and register its factory in
`ENGINES` in `__init__.py` under the name users give in `TTS_PROVIDER`. An engine that knows
when each word is spoken also overrides `speak` (see `alignment.py` for the word matching);
one that does not gets its word times estimated by the voice stage.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True)
class WordSpan:
    """When one word of the text is spoken, in samples from the start of its audio."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Speech:
    """One sentence spoken: its samples and, where the engine knows them, its word spans
    (taken from the same synthesis run as the samples, so they match them exactly)."""

    samples: Samples
    words: tuple[WordSpan, ...] = ()


class TTSEngine(ABC):
    """A loaded voice that turns one sentence of text into mono 16-bit samples."""

    name: str
    sample_rate: int

    @property
    @abstractmethod
    def identity(self) -> str:
        """A string that changes whenever the same text would sound different
        (engine, model file, speaker, synthesis settings): the speech cache key."""

    @abstractmethod
    def synthesize(self, text: str) -> Samples:
        """Speak `text`; return its samples at `sample_rate`.

        Raises:
            TTSError: the engine failed.
        """

    def speak(self, text: str) -> Speech:
        """Speak `text`; return its samples with word spans where the engine has them.

        Raises:
            TTSError: the engine failed.
        """
        return Speech(self.synthesize(text))
