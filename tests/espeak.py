"""espeak-ng through its C library (libespeak-ng1, installed with the espeak-ng package), for
test voiceovers whose word times are known exactly: the library reports, for every word, the
sample where it starts, and for every phoneme the sample where it is spoken.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

_SYNCHRONOUS = 2  # AUDIO_OUTPUT_SYNCHRONOUS
_PHONEME_EVENTS = 1  # espeakINITIALIZE_PHONEME_EVENTS
_WORD, _PHONEME, _END_OF_LIST = 1, 7, 0
_RATE_PARAMETER = 1  # espeakRATE: words a minute
_POS_CHARACTER, _CHARS_UTF8 = 1, 1
_FILE_NAMES = {"en-gb": "en"}  # the library finds voices by file name; British English is "en"


class _EventId(ctypes.Union):
    _fields_ = (("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8))


class _Event(ctypes.Structure):
    """`espeak_EVENT` of speak_lib.h; `sample` is the sample the event belongs to."""

    _fields_ = (
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    )


_Callback = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event)
)


@dataclass(frozen=True)
class Synthesis:
    """One text spoken: samples at `rate`, and per whitespace-separated word of the text the
    sample where its first sound starts (pauses before it excluded). None for a word that
    espeak-ng speaks as part of the one before ("from the", "on the"): it reports no start."""

    samples: npt.NDArray[np.int16]
    rate: int
    word_starts: tuple[int | None, ...]


class _Library:
    def __init__(self) -> None:
        self._lib = ctypes.CDLL(_system_library())
        self.rate = int(self._lib.espeak_Initialize(_SYNCHRONOUS, 0, None, _PHONEME_EVENTS))
        if self.rate <= 0:
            raise RuntimeError("espeak-ng could not be initialised")
        self._chunks: list[npt.NDArray[np.int16]] = []
        self._words: list[tuple[int, int]] = []  # (character offset, sample)
        self._sounds: list[int] = []  # samples where a phoneme that is not a pause starts
        self._callback = _Callback(self._collect)  # kept alive while the library holds it
        self._lib.espeak_SetSynthCallback(self._callback)
        self.lock = threading.Lock()

    def _collect(self, wav: Any, count: int, events: Any) -> int:  # ctypes pointers
        if count > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        index = 0
        while events[index].type != _END_OF_LIST:
            event = events[index]
            if event.type == _WORD:
                self._words.append((event.text_position - 1, event.sample))
            elif event.type == _PHONEME and not event.id.string.startswith(b"_"):
                self._sounds.append(event.sample)
            index += 1
        return 0

    def speak(self, text: str, voice: str, words_per_minute: int) -> Synthesis:
        self._chunks, self._words, self._sounds = [], [], []
        base, plus, variant = voice.partition("+")
        name = _FILE_NAMES.get(base, base) + plus + variant
        if self._lib.espeak_SetVoiceByName(name.encode()) != 0:
            raise ValueError(f"espeak-ng has no voice {voice!r}")
        self._lib.espeak_SetParameter(_RATE_PARAMETER, words_per_minute, 0)
        # Character offsets in events count characters, not bytes: keep to one byte each.
        data = text.encode("utf-8")
        self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        self._lib.espeak_Synchronize()
        samples = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        return Synthesis(samples, self.rate, self._word_starts(text))

    def _word_starts(self, text: str) -> tuple[int | None, ...]:
        """Per word of the text: the first sound at or after its first word event (a word
        spoken after a comma gets its event at the start of the pause)."""
        sounds = np.array(self._sounds, dtype=np.int64)
        starts: list[int | None] = []
        for match in re.finditer(r"\S+", text):
            events = [s for pos, s in self._words if match.start() <= pos < match.end()]
            if not events:
                starts.append(None)
                continue
            after = sounds[sounds >= min(events)]
            starts.append(int(after[0]) if len(after) else min(events))
        return tuple(starts)


def _system_library() -> str:
    """The system's libespeak-ng by its path. Kokoro's espeakng_loader loads its own copy under
    the same soname, and a bare name would then find that one, whose data path (baked in at
    its build) does not exist here."""
    listing = subprocess.run(
        ["ldconfig", "-p"], capture_output=True, text=True, check=False, timeout=30
    ).stdout
    for line in listing.splitlines():
        name, _, path = line.partition("=>")
        if name.strip().startswith("libespeak-ng.so.1 ") and Path(path.strip()).is_file():
            return path.strip()
    return "libespeak-ng.so.1"


@functools.lru_cache(maxsize=1)
def _library() -> _Library:
    return _Library()


def _speak_here(text: str, voice: str, words_per_minute: int) -> Synthesis:
    library = _library()
    with library.lock:
        return library.speak(text, voice, words_per_minute)


def speak(text: str, voice: str = "en-us", words_per_minute: int = 165) -> Synthesis:
    """`text` spoken by espeak-ng's `voice` (e.g. "en-us+f2", "en-gb+m3", "es").

    Each text is spoken by a freshly initialised library, in a forked child: the library
    carries state from one synthesis to the next (measured: the same sentence came out 102,669
    samples long first, then 103,644 and 103,643), so a recording would depend on what the
    process spoke before it, and a test's result on which tests ran first.

    Raises:
        ValueError: an unknown voice.
    """
    with multiprocessing.get_context("fork").Pool(1) as child:
        return child.apply(_speak_here, (text, voice, words_per_minute))
