"""Giving freed memory back to the OS between stages."""

from __future__ import annotations

import contextlib
import ctypes
import gc


def return_freed_memory() -> None:
    """Hand the heap that a stage freed back to the OS before FFmpeg starts. glibc keeps it
    otherwise (its thresholds for returning memory grow after large frees, such as the
    speech synthesis's), and it would count against the job through the whole render."""
    gc.collect()
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to do
        ctypes.CDLL(None).malloc_trim(0)
