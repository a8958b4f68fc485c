"""A recording decoded once to 16 kHz mono PCM in a temporary file, read back a range at a time
(half an hour is 58 MB: never all in memory)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from videorender.errors import MediaError
from videorender.pipeline.render import ffmpeg

DECODE_RATE = 16_000  # recordings are analysed at 16 kHz mono: speech needs no more


@dataclass(frozen=True)
class Pcm:
    """Raw 16-bit mono samples at `rate` in `path`."""

    path: Path
    samples: int
    rate: int = DECODE_RATE

    @property
    def duration_ms(self) -> int:
        return self.samples * 1000 // self.rate

    def read(self, start: int, count: int) -> npt.NDArray[np.int16]:
        """Up to `count` samples from sample `start`."""
        start = max(0, min(start, self.samples))
        count = max(0, min(count, self.samples - start))
        return np.fromfile(self.path, dtype=np.int16, count=count, offset=2 * start)

    def read_ms(self, start_ms: int, end_ms: int) -> npt.NDArray[np.int16]:
        first = start_ms * self.rate // 1000
        return self.read(first, end_ms * self.rate // 1000 - first)


@contextlib.contextmanager
def decoded(recording: Path, workdir: Path, *, timeout_s: float) -> Iterator[Pcm]:
    """The first audio stream of `recording` as PCM in `workdir`, removed afterwards.

    Raises:
        MediaError: FFmpeg found no audio in it.
        FFmpegError: decoding failed.
    """
    raw = workdir / "voiceover.s16"
    try:
        ffmpeg.run_ffmpeg(
            ffmpeg.build_decode_pcm_argv(recording, raw, DECODE_RATE),
            stage="align (decoding the voiceover)",
            timeout_s=timeout_s,
        )
        total = raw.stat().st_size // 2
        if total == 0:
            raise MediaError(f"voiceover {recording.name!r} contains no audio", "voiceover")
        yield Pcm(raw, total)
    finally:
        raw.unlink(missing_ok=True)
