"""The worker pool: MAX_CONCURRENT_JOBS threads claiming jobs from the store, and one
housekeeping thread that renews their leases, takes back jobs whose worker died, and beats
this process's heartbeat (its row in `workers`, which /health counts).

Threads, not processes: the heavy work (FFmpeg, ONNX Runtime inference) runs outside the GIL,
and one process holds one copy of the Piper voice however many jobs run. Each worker thread
lowers its own scheduling priority, so speech synthesis (and the FFmpeg it starts) yields the
CPU to the API's event loop.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable

from videorender.errors import JobCancelledError, StageError, StorageError, VideoRenderError
from videorender.jobs.execute import (
    JobContext,
    execute,
    job_clock,
    remove_artifacts,
    remove_stale_work,
)
from videorender.jobs.models import Claim, JobStatus
from videorender.jobs.registry import WorkerInfo, WorkerRegistry
from videorender.logs import job_context
from videorender.pipeline.models import Stage
from videorender.pipeline.runtime import deadline
from videorender.pipeline.runtime.clock import StageClock

log = logging.getLogger(__name__)

WORKER_NICENESS = 10
POLL_SECONDS = 1.0  # the fallback; on PostgreSQL a NOTIFY wakes idle workers at once
FORGET_DEAD_WORKER_LEASES = 10  # a worker silent this many leases leaves the workers table
OVERDUE_GRACE_S = 30.0  # past the job's time limit, before a job that ignores it is abandoned


class WorkerPool:
    """Runs claimed jobs on `size` threads until stopped."""

    def __init__(self, ctx: JobContext, size: int, registry: WorkerRegistry) -> None:
        self._ctx = ctx
        self._registry = registry
        self._size = size
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._running: dict[str, Claim] = {}  # lease token -> claim
        self._started: dict[str, float] = {}  # lease token -> time.monotonic() at claim
        self._cancels: dict[str, threading.Event] = {}  # lease token -> its job's cancel flag
        self._lock = threading.Lock()
        self._released = threading.Condition(self._lock)  # notified when a job ends here
        settings = ctx.settings
        self._lease_s = settings.job_lease_seconds
        self._max_attempts = settings.max_attempts
        self.info = WorkerInfo(
            id=str(uuid.uuid4()),
            hostname=socket.gethostname(),
            pid=os.getpid(),
            slots=size,
            started_at=time.time(),
        )

    @property
    def active(self) -> int:
        """How many jobs this process is running now."""
        with self._lock:
            return len(self._running)

    def start(self) -> None:
        self._registry.heartbeat(self.info, active=0)
        self._reap()  # jobs of a previous run whose lease has already run out
        for name in remove_stale_work(self._ctx.settings, self._ctx.store):
            log.info("removed the stale work folder %s (left by a crash)", name)
        for number in range(self._size):
            self._spawn(self._work, f"worker-{number}")
        self._spawn(self._housekeep, "job-leases")

    def cancel(self, job_id: str, wait_s: float) -> bool:
        """Stop the job `job_id` if it runs in this process (its FFmpeg or speech synthesis is
        interrupted at the next progress point) and wait up to `wait_s` until its worker has
        let go of it. Returns False only when it is still running after `wait_s`."""
        with self._lock:
            tokens = [t for t, claim in self._running.items() if claim.job.id == job_id]
            for token in tokens:
                self._cancels[token].set()
            return self._released.wait_for(
                lambda: all(token not in self._running for token in tokens), timeout=wait_s
            )

    def wake(self) -> None:
        """A job was queued: look now rather than at the next poll."""
        self._wakeup.set()

    def stop(self, grace_s: float) -> None:
        """Stop claiming; wait up to `grace_s` for running jobs, then hand the rest back to the
        queue (their attempt not counted) for the next start to finish."""
        self._stopping.set()
        self._wakeup.set()
        for thread in self._threads:
            thread.join(timeout=grace_s / max(1, len(self._threads)))
        with self._lock:
            unfinished = list(self._running.values())
        for claim in unfinished:
            if self._ctx.store.requeue(claim, count_attempt=False):
                log.info("job %s handed back to the queue at shutdown", claim.job.id)
        self._registry.stopped(self.info.id)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _work(self) -> None:
        with contextlib.suppress(OSError):  # not permitted: run at normal priority
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), WORKER_NICENESS)
        while not self._stopping.is_set():
            claim = self._ctx.store.claim(self._lease_s)
            if claim is None:
                self._wakeup.wait(POLL_SECONDS)
                self._wakeup.clear()
                continue
            cancel = threading.Event()
            with self._lock:
                self._running[claim.token] = claim
                self._started[claim.token] = time.monotonic()
                self._cancels[claim.token] = cancel
            try:
                with job_context(claim.job.id):
                    self._run(claim, cancel)
            finally:
                with self._lock:
                    self._running.pop(claim.token, None)
                    self._started.pop(claim.token, None)
                    self._cancels.pop(claim.token, None)
                    self._released.notify_all()

    def _run(self, claim: Claim, cancel: threading.Event) -> None:
        job = claim.job
        store = self._ctx.store
        log.info("job started (%s, attempt %d)", job.request.kind.value, job.attempts)
        clock = job_clock(self._ctx, claim, cancel)
        try:
            with deadline.limit(self._ctx.settings.job_timeout_seconds):
                outcome = execute(self._ctx, claim, clock)
        except JobCancelledError as exc:
            log.info("job stopped: %s", exc)  # the store already says why (cancelled, lost)
            self._discard_if_cancelled(claim)
            return
        except VideoRenderError as exc:
            if cancel.is_set():  # e.g. a subprocess killed on the way out of a cancelled job
                log.info("job stopped (cancelled): %s", exc)
                self._discard_if_cancelled(claim)
                return
            if exc.retryable and job.attempts < self._max_attempts:
                log.warning("job failed, will retry: %s", exc)
                store.requeue(claim)
                self._wakeup.set()
                return
            error = str(exc) if isinstance(exc, StageError) else f"{_stage(clock)}: {exc}"
            log.warning("job failed: %s", error)
            store.fail(claim, error, type(exc).__name__)
            return
        except Exception as exc:  # a bug: the log gets the traceback, the job a readable line
            log.exception("job crashed in stage %s", _stage(clock))
            store.fail(claim, f"{_stage(clock)}: internal error ({type(exc).__name__})", "Bug")
            return
        done = store.complete(
            claim,
            outcome.artifacts,
            outcome.events,
            timings=clock.seconds,
            duration_ms=outcome.duration_ms,
            warnings=outcome.warnings,
        )
        if done:
            log.info("job completed")
        else:
            log.warning("job finished after it was cancelled or lost its lease; result discarded")
            self._discard_if_cancelled(claim)

    def _discard_if_cancelled(self, claim: Claim) -> None:
        """Remove what the job stored, if it was cancelled. Only then: a job that lost its
        lease may be running in another worker now, under the same keys."""
        job = self._ctx.store.get(claim.job.id)
        if job is None or job.status is not JobStatus.CANCELLED:
            return
        try:
            remove_artifacts(self._ctx.storage, job.id)
        except StorageError as exc:
            log.warning("job cancelled, but its stored files could not all be removed: %s", exc)
            return
        log.info("job cancelled: its stored files were removed")

    def _housekeep(self) -> None:
        interval = self._lease_s / 4
        while not self._stopping.wait(interval):
            try:
                self._housekeep_once()
            except Exception:  # a database hiccup must not end lease renewal for good
                log.exception("lease renewal failed; retrying in %.1f s", interval)

    def _housekeep_once(self) -> None:
        store = self._ctx.store
        running = self._abandon_overdue()
        held = store.renew(running, self._lease_s)
        for token in running.keys() - held:
            log.warning("job %s: lease lost or job cancelled; stopping it", running[token].job.id)
            self._stop(token)
        self._registry.heartbeat(
            self.info, active=len(running), counters=self._ctx.transfers.snapshot()
        )
        self._reap()
        self._registry.prune(silent_for_s=self._lease_s * FORGET_DEAD_WORKER_LEASES)

    def _abandon_overdue(self) -> dict[str, Claim]:
        """The running claims whose lease should be renewed. A job still running well past
        JOB_TIMEOUT_SECONDS (stuck where the deadline is not checked) is failed instead: the
        job never stays `processing` forever; its thread's late result will be discarded."""
        limit = self._ctx.settings.job_timeout_seconds
        overdue_after = limit + max(OVERDUE_GRACE_S, limit / 10)
        now = time.monotonic()
        with self._lock:
            running = dict(self._running)
            started = dict(self._started)
        for token, claim in list(running.items()):
            if now - started.get(token, now) > overdue_after:
                error = f"the job ran past JOB_TIMEOUT_SECONDS ({limit:g} s) and did not stop"
                if self._ctx.store.fail(claim, error, "JobTimeoutError"):
                    log.error("job %s: %s; abandoned", claim.job.id, error)
                self._stop(token)  # should it reach a progress point, it stops there
                del running[token]
        return running

    def _stop(self, token: str) -> None:
        with self._lock:
            cancel = self._cancels.get(token)
        if cancel is not None:
            cancel.set()

    def _reap(self) -> None:
        for job in self._ctx.store.reap(self._max_attempts):
            log.warning(
                "job %s: worker stopped responding (attempt %d); taken back", job.id, job.attempts
            )


def _stage(clock: StageClock) -> str:
    """The stage a job was in, for its error message."""
    return (clock.current or Stage.INPUTS).value
