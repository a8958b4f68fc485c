"""A content-addressed, size-bounded disk cache of spoken sentences.

The key hashes the engine's identity (engine, model file, settings) with the text, so a
cached sentence is only reused where the same voice would have said it. Entries are written
atomically, so concurrent workers can share one cache directory. The least recently used
entries are evicted once the cache grows past its bound.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import wave
from pathlib import Path

import numpy as np

from videorender.pipeline.tts.base import Samples

log = logging.getLogger(__name__)


class SpeechCache:
    """Sentence audio keyed by (engine identity, text). `max_bytes=0` disables it."""

    def __init__(self, directory: Path, max_bytes: int) -> None:
        self.directory = directory
        self.max_bytes = max_bytes

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def _path(self, identity: str, text: str) -> Path:
        key = hashlib.sha256(f"{identity}\0{text}".encode()).hexdigest()
        return self.directory / key[:2] / f"{key}.wav"

    def get(self, identity: str, text: str, sample_rate: int) -> Samples | None:
        if not self.enabled:
            return None
        path = self._path(identity, text)
        try:
            with wave.open(str(path), "rb") as wav:
                if wav.getframerate() != sample_rate or wav.getsampwidth() != 2:
                    return None
                frames = wav.readframes(wav.getnframes())
            os.utime(path)  # mark as recently used
        except (OSError, EOFError, wave.Error):
            return None
        return np.frombuffer(frames, dtype=np.int16)

    def put(self, identity: str, text: str, samples: Samples, sample_rate: int) -> None:
        if not self.enabled:
            return
        path = self._path(identity, text)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
            with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as wav:
                wav.setnchannels(1)
                wav.setsampwidth(2)
                wav.setframerate(sample_rate)
                wav.writeframes(samples.tobytes())
            os.replace(tmp, path)
        except OSError as exc:  # a full or read-only cache must never fail a job
            log.warning("speech cache write failed: %s", exc)

    def evict(self) -> None:
        """Delete least recently used entries until the cache fits its bound."""
        if not self.enabled or not self.directory.is_dir():
            return
        entries = []
        for path in self.directory.glob("*/*.wav"):
            try:
                stat = path.stat()
            except OSError:
                continue
            entries.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in entries)
        for _, size, path in sorted(entries):
            if total <= self.max_bytes:
                break
            path.unlink(missing_ok=True)
            total -= size
