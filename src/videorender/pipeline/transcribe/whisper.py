"""Whisper through faster-whisper (CTranslate2) on the CPU: what was said, and roughly when.

int8 weights, `threads` CPU threads, beam search, word timestamps, and faster-whisper's own
Silero VAD filter (it skips the silence and music between speech, where Whisper invents
words). The audio is the recording decoded once by FFmpeg to 16 kHz (`align/pcm.py`), handed
over a window at a time as arrays (`windows.py`: the peak memory stays that of 30 s):
PyAV, which faster-whisper would decode with, is not used.

Whisper's word times are a first guess (its segments start 0.4-0.5 s early and merge
sentences: docs/alignment.md); `stage.py` refines them.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from videorender.errors import TranscriptionError
from videorender.pipeline.align.pcm import Pcm
from videorender.pipeline.align.vad import speech_probabilities
from videorender.pipeline.runtime import deadline
from videorender.pipeline.stage_config import TranscribeConfig
from videorender.pipeline.transcribe.model import (
    BASE_SHA256,
    STAGE,
    verify_base,
    whisper_model_dir,
)
from videorender.pipeline.transcribe.windows import cut_windows

log = logging.getLogger(__name__)

RATE = 16_000  # Whisper's rate


@dataclass(frozen=True)
class HeardWord:
    """One word as Whisper heard it: its text (with the leading space or punctuation Whisper
    gives it), times in ms, Whisper's probability for it, and whether it ends one of Whisper's
    segments (a hint of a sentence end where Whisper wrote no punctuation)."""

    text: str
    start_ms: int
    end_ms: int
    probability: float
    ends_segment: bool = False


@dataclass(frozen=True)
class Heard:
    """Everything Whisper said about a recording."""

    language: str
    language_probability: float
    words: tuple[HeardWord, ...]
    duration_ms: int


def listen(
    pcm: Pcm,
    config: TranscribeConfig,
    *,
    language: str | None = None,
    on_fraction: Callable[[float], None] | None = None,
) -> Heard:
    """Transcribe a decoded recording (16 kHz), half a minute at a time where its pauses allow
    (`windows.py`); `language` None: detected on the first piece with speech, then kept.

    Raises:
        TranscriptionError: faster-whisper is not installed, the model is missing or damaged,
            or it failed.
        JobTimeoutError: the job's time limit passed (checked between Whisper's segments).
    """
    model = _model(whisper_model_dir(config.model_path, config.cache_dir), config.threads)
    probabilities = speech_probabilities(pcm.read, pcm.samples, pcm.rate)
    if pcm.rate != RATE or probabilities is None:
        raise TranscriptionError(STAGE, f"Whisper needs {RATE} Hz audio and the Silero VAD")
    code = _whisper_language(language)
    detected: tuple[str, float] | None = (code, 1.0) if code else None
    words: list[HeardWord] = []
    with _lock(model):
        for window in cut_windows(probabilities, pcm.samples, pcm.rate, config.window_ms):
            offset_ms = window.start * 1000 // RATE

            def progress(end_s: float, offset_ms: int = offset_ms) -> None:
                if on_fraction and pcm.duration_ms:
                    on_fraction(min(1.0, (offset_ms + end_s * 1000) / pcm.duration_ms))

            audio = pcm.read(window.start, len(window)).astype(np.float32) / 32768.0
            heard, found = _heard_window(model, audio, config, code, progress)
            words += [_shifted(w, offset_ms) for w in heard]
            if detected is None or (code is None and heard):
                detected = found
            code = code or (found[0] if heard else None)
    language_code, probability = detected or ("en", 0.0)
    return Heard(language_code, probability, tuple(words), pcm.duration_ms)


def _heard_window(
    model: Any,
    audio: npt.NDArray[np.float32],
    config: TranscribeConfig,
    language: str | None,
    progress: Callable[[float], None],
) -> tuple[list[HeardWord], tuple[str, float]]:
    """The words of one window, with times from its start, and the language Whisper used."""
    words: list[HeardWord] = []
    try:
        segments, info = model.transcribe(
            audio,
            language=language,
            beam_size=config.beam_size,
            word_timestamps=True,
            vad_filter=True,
            condition_on_previous_text=False,
        )
        for segment in segments:
            deadline.check(STAGE)
            heard = [_word(w) for w in segment.words or ()]
            if heard:
                heard[-1] = dataclasses.replace(heard[-1], ends_segment=True)
            words += heard
            progress(float(segment.end))
    except (RuntimeError, ValueError) as exc:
        raise TranscriptionError(STAGE, f"Whisper failed: {exc}") from exc
    return words, (str(info.language), float(info.language_probability))


def _shifted(word: HeardWord, offset_ms: int) -> HeardWord:
    return dataclasses.replace(
        word, start_ms=word.start_ms + offset_ms, end_ms=word.end_ms + offset_ms
    )


def _word(word: Any) -> HeardWord:
    start = round(float(word.start) * 1000)
    return HeardWord(
        str(word.word), start, max(start, round(float(word.end) * 1000)), float(word.probability)
    )


def _whisper_language(language: str | None) -> str | None:
    """Whisper's code for a BCP-47 tag ("en-GB" -> "en", "pt-BR" -> "pt")."""
    if language is None or not language.strip():
        return None
    return language.strip().lower().replace("_", "-").split("-")[0]


@functools.lru_cache(maxsize=1)
def _model(folder: Path, threads: int) -> Any:
    """The model, loaded once per process (about 1.3 s and 150 MB for base)."""
    try:
        from faster_whisper import WhisperModel  # noqa: PLC0415 (an optional extra)
    except ImportError as exc:
        raise TranscriptionError(
            STAGE, "faster-whisper is not installed: pip install 'videorender[transcribe]'"
        ) from exc
    if folder.name.endswith(BASE_SHA256[:12]):
        verify_base(folder)
    log.info("loading Whisper from %s (%d threads)", folder, threads)
    try:
        return WhisperModel(
            str(folder),
            device="cpu",
            compute_type="int8",
            cpu_threads=threads,
            local_files_only=True,
        )
    except (RuntimeError, ValueError, OSError) as exc:
        raise TranscriptionError(STAGE, f"Whisper could not load {folder}: {exc}") from exc


_locks: dict[int, threading.Lock] = {}


def _lock(model: Any) -> threading.Lock:
    """One transcription at a time per loaded model (a worker's jobs share it)."""
    return _locks.setdefault(id(model), threading.Lock())
