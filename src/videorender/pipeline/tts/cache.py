"""A content-addressed, size-bounded disk cache of spoken sentences.

The key hashes the engine's identity (engine, model file, settings) with the text, so a
cached sentence is only reused where the same voice would have said it. An entry holds the
samples and the word spans of one synthesis run together in one file (an uncompressed
`.npz`), written atomically, so concurrent workers can share one cache directory and never
pair one run's audio with another run's word times. The least recently used entries are
evicted once the cache grows past its bound.
"""

from __future__ import annotations

import hashlib
import logging
import os
import zipfile
from pathlib import Path

import numpy as np

from videorender.atomic import atomic_write
from videorender.pipeline.tts.base import Speech, WordSpan

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
        return self.directory / key[:2] / f"{key}.npz"

    def get(self, identity: str, text: str, sample_rate: int) -> Speech | None:
        if not self.enabled:
            return None
        path = self._path(identity, text)
        try:
            with np.load(path, allow_pickle=False) as entry:
                if int(entry["rate"]) != sample_rate:
                    return None
                samples = entry["samples"].astype(np.int16, copy=False)
                words = tuple(
                    WordSpan(str(text), int(start), int(end))
                    for text, start, end in zip(
                        entry["word_text"], entry["word_start"], entry["word_end"], strict=True
                    )
                )
            os.utime(path)  # mark as recently used
        except (OSError, KeyError, ValueError, zipfile.BadZipFile):
            return None
        return Speech(samples, words)

    def put(self, identity: str, text: str, speech: Speech, sample_rate: int) -> None:
        if not self.enabled:
            return
        path = self._path(identity, text)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_write(path) as tmp, tmp.open("wb") as handle:
                np.savez(
                    handle,
                    rate=np.int64(sample_rate),
                    samples=speech.samples,
                    word_text=np.array([w.text for w in speech.words], dtype=str),
                    word_start=np.array([w.start for w in speech.words], dtype=np.int64),
                    word_end=np.array([w.end for w in speech.words], dtype=np.int64),
                )
        except OSError as exc:  # a full or read-only cache must never fail a job
            log.warning("speech cache write failed: %s", exc)

    def evict(self) -> None:
        """Delete least recently used entries until the cache fits its bound."""
        if not self.enabled or not self.directory.is_dir():
            return
        for legacy in self.directory.glob("*/*.wav"):  # entries of the audio-only format
            legacy.unlink(missing_ok=True)
        entries = []
        for path in self.directory.glob("*/*.npz"):
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
