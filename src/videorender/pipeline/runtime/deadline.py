"""A job's time limit (JOB_TIMEOUT_SECONDS), seen by every stage that can run long.

The worker sets it around a job with `limit(seconds)`; it is a context variable, so it belongs
to that job's thread alone and no signature has to carry it. Stages consult it where they can
stop: FFmpeg runs are killed when it passes (`bounded` shortens their timeout), speech
synthesis checks it between sentences and between Piper's chunks (`check`). Without a limit
set (the CLI) nothing changes.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass

from videorender.errors import JobTimeoutError


@dataclass(frozen=True)
class _Deadline:
    at: float  # time.monotonic()
    seconds: float


_current: ContextVar[_Deadline | None] = ContextVar("videorender_deadline", default=None)


@contextlib.contextmanager
def limit(seconds: float | None) -> Iterator[None]:
    """Everything run inside must finish within `seconds` (None: no limit)."""
    value = None if seconds is None else _Deadline(time.monotonic() + seconds, seconds)
    token = _current.set(value)
    try:
        yield
    finally:
        _current.reset(token)


def remaining() -> float | None:
    """Seconds left before the limit (0 when past it), or None without a limit."""
    current = _current.get()
    return None if current is None else max(0.0, current.at - time.monotonic())


def bounded(timeout_s: float) -> float:
    """`timeout_s`, shortened to the time left (at least a sliver, so a run can start and be
    killed rather than refused with a confusing zero timeout)."""
    left = remaining()
    return timeout_s if left is None else max(0.01, min(timeout_s, left))


def check(stage: str) -> None:
    """Raises:
    JobTimeoutError: the limit has passed (names `stage` and the limit)."""
    current = _current.get()
    if current is not None and time.monotonic() >= current.at:
        raise JobTimeoutError(stage, current.seconds)
