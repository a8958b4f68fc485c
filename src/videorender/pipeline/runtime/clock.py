"""The one place a job's stages are timed and a cancelled job stops.

The pipeline reports through a `StageClock`; the job layer hands the same clock to the
pipeline and uses it for its own stages (fetching inputs, uploading), so one timer covers
the whole job and every report, whoever makes it, is a cancellation point.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator

from videorender.errors import JobCancelledError
from videorender.pipeline.models import Progress, ProgressCallback, Stage

log = logging.getLogger(__name__)


class StageClock:
    """Times each stage and forwards progress; a failing callback never fails the job.

    Every report is also a cancellation point: once `cancel` is set, the next report raises
    `JobCancelledError`, which unwinds the stage (an FFmpeg run reporting progress is killed)
    and removes the work folder on the way out. A stage entered twice (the job fetches its
    inputs, then the pipeline checks them) adds up."""

    def __init__(
        self, callback: ProgressCallback | None = None, cancel: threading.Event | None = None
    ) -> None:
        self._callback = callback
        self.cancel = cancel or threading.Event()
        self.seconds: dict[str, float] = {}
        self.current: Stage | None = None

    def report(self, progress: Progress) -> None:
        if self.cancel.is_set():
            raise JobCancelledError(f"cancelled during {progress.stage.value}")
        if self._callback is None:
            return
        try:
            self._callback(progress)
        except Exception:
            log.exception("progress callback failed (ignored)")

    @contextlib.contextmanager
    def stage(self, stage: Stage) -> Iterator[None]:
        self.current = stage
        self.report(Progress(stage, 0.0))
        started = time.perf_counter()
        yield
        spent = self.seconds.get(stage.value, 0.0) + time.perf_counter() - started
        self.seconds[stage.value] = round(spent, 3)
        self.report(Progress(stage, 1.0))
