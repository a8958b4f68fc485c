"""The speech engine interface.

To add an engine: write a module beside this one with a subclass of `TTSEngine` whose
`synthesize` returns 16-bit mono samples for one sentence, and register its factory in
`ENGINES` in `__init__.py` under the name users give in `TTS_PROVIDER`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import numpy.typing as npt

Samples = npt.NDArray[np.int16]


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
