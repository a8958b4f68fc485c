"""The job service: what the API (or any other front end) uses to submit, watch and cancel
jobs. It owns the store, the worker pool and the webhook dispatcher, and starts and stops
them together."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from videorender.config import Settings
from videorender.errors import QueueFullError
from videorender.jobs.db import open_database
from videorender.jobs.dispatch import WebhookDispatcher
from videorender.jobs.execute import JobContext
from videorender.jobs.models import Idempotency, Job, JobRequest, JobStatus
from videorender.jobs.store import JobStore, QueueCounts
from videorender.jobs.worker import WorkerPool
from videorender.storage import Storage, create_storage

log = logging.getLogger(__name__)

CANCEL_WAIT_S = 10.0  # how long a cancel waits for this process's worker to let go


@dataclass(frozen=True)
class Health:
    active_workers: int
    max_concurrent_jobs: int
    queue: QueueCounts


class JobService:
    def __init__(self, settings: Settings, storage: Storage | None = None) -> None:
        self.settings = settings
        self.storage = storage or create_storage(settings)
        self._engine = open_database(settings.database)
        self.store = JobStore(self._engine, webhook_url=settings.webhook_url)
        self._pool = WorkerPool(JobContext(settings, self.store, self.storage), self._size)
        self._dispatcher = WebhookDispatcher(self.store, settings)
        self._submitting = threading.Lock()

    @property
    def _size(self) -> int:
        return self.settings.max_concurrent_jobs

    def start(self) -> None:
        self.storage.start()
        self._dispatcher.start()
        self._pool.start()
        log.info("job service started: %d workers", self._size)

    def stop(self) -> None:
        self._pool.stop(self.settings.shutdown_grace_seconds)
        self._dispatcher.stop(timeout_s=self.settings.webhook_timeout_seconds + 1)
        self._engine.dispose()
        self.storage.stop()

    def submit(self, request: JobRequest) -> Job:
        """Queue a job.

        Raises:
            QueueFullError: MAX_QUEUED_JOBS jobs are already queued.
        """
        with self._submitting:  # the count and the insert together, within this process
            self._check_queue()
            job = self.store.create(request)
        self._pool.wake()
        log.info("job %s queued (%s)", job.id, request.kind.value)
        return job

    def submit_once(self, request: JobRequest, idempotency: Idempotency) -> tuple[Job, bool]:
        """Submit, unless the key was used already: then the job it made, and True.

        Raises:
            IdempotencyConflictError: the key was used with a different request.
            QueueFullError: MAX_QUEUED_JOBS jobs are already queued (a replay too).
        """
        with self._submitting:
            self._check_queue()
            job, replayed = self.store.create_once(request, idempotency)
        if replayed:
            log.info("job %s: Idempotency-Key seen before; not submitted again", job.id)
        else:
            self._pool.wake()
            log.info("job %s queued (%s)", job.id, request.kind.value)
        return job, replayed

    def _check_queue(self) -> None:
        queued = self.store.counts().queued
        if queued >= self.settings.max_queued_jobs:
            raise QueueFullError(
                f"{queued} jobs are already queued (MAX_QUEUED_JOBS); try again later"
            )

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def list_jobs(
        self, *, status: JobStatus | None, limit: int, after: tuple[float, str] | None
    ) -> list[Job]:
        return self.store.list_jobs(status=status, limit=limit, after=after)

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or running job. A job running here is stopped before this returns
        (up to CANCEL_WAIT_S); one running in another process stops at its next progress
        write, when it finds the job cancelled."""
        job = self.store.cancel(job_id)
        if job is not None and job.status is JobStatus.CANCELLED:
            if not self._pool.cancel(job_id, wait_s=CANCEL_WAIT_S):
                log.warning("job %s: still stopping %.0f s after its cancel", job_id, CANCEL_WAIT_S)
            else:
                log.info("job %s cancelled", job_id)
        return job

    def health(self) -> Health:
        return Health(
            active_workers=self._pool.active,
            max_concurrent_jobs=self._size,
            queue=self.store.counts(),
        )
