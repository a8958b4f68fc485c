"""The job service: what the API (or any other front end) uses to submit, watch and cancel
jobs. It owns the store, the worker pool and the webhook dispatcher, and starts and stops
them together.

Roles: with `workers=True` (`videorender serve`, `videorender worker`) the process runs the
worker pool and the webhook dispatcher; with `workers=False` (`serve --no-workers`) it only
reads and writes jobs, and other processes sharing the database do the work.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass

from videorender.config import Settings
from videorender.errors import (
    ConfigError,
    InputError,
    JobNotFoundError,
    JobStateError,
)
from videorender.inputs import check_locations, local_path
from videorender.jobs.db import is_postgres, is_postgres_url, normalize_url, open_database
from videorender.jobs.dispatch import WebhookDispatcher
from videorender.jobs.execute import JobContext, remove_artifacts
from videorender.jobs.key_failures import KeyFailureLimits, KeyFailures
from videorender.jobs.metrics import exposition, metrics_registry
from videorender.jobs.models import Idempotency, Job, JobKind, JobRequest, JobStatus
from videorender.jobs.notify import JobListener
from videorender.jobs.outbox import Outbox
from videorender.jobs.registry import ClusterCounts, WorkerRegistry
from videorender.jobs.sessions import SessionStore
from videorender.jobs.store import JobStore, QueueCounts
from videorender.jobs.worker import WorkerPool
from videorender.pipeline.tts import choose_job_voice
from videorender.storage import Storage, create_storage

log = logging.getLogger(__name__)

CANCEL_WAIT_S = 10.0  # how long a cancel waits for this process's worker to let go


@dataclass(frozen=True)
class Health:
    active_workers: int
    max_concurrent_jobs: int
    queue: QueueCounts
    cluster: ClusterCounts


@dataclass(frozen=True)
class JobPage:
    """One page of jobs, newest first; `next_cursor` is None on the last page."""

    jobs: list[Job]
    next_cursor: str | None


def s3_configured(settings: Settings) -> bool:
    """Whether the settings select S3 storage (every BACKBLAZE_* credential is set)."""
    return bool(
        settings.backblaze_bucket_name
        and settings.backblaze_key_id
        and settings.backblaze_application_key
    )


def check_worker_role(settings: Settings) -> None:
    """Refuse to run workers where their artifacts would be lost to the other machines.

    Raises:
        ConfigError: PostgreSQL with local storage, unless ALLOW_LOCAL_STORAGE_WITH_POSTGRES.
    """
    if not is_postgres_url(settings.database) or s3_configured(settings):
        return
    if settings.allow_local_storage_with_postgres:
        log.warning("workers on PostgreSQL with local storage: every process must share DATA_DIR")
        return
    raise ConfigError(
        "refusing to start workers: the job store is PostgreSQL (shared by many machines) but "
        "artifacts go to local storage under DATA_DIR, which only this machine can see, so the "
        "API on another machine could not serve them and a job retried elsewhere would lose "
        "its files. Configure S3 (BACKBLAZE_BUCKET_NAME, BACKBLAZE_KEY_ID, "
        "BACKBLAZE_APPLICATION_KEY, BACKBLAZE_ENDPOINT_URL), or, if every API and worker "
        "process runs on this one machine, set ALLOW_LOCAL_STORAGE_WITH_POSTGRES=true"
    )


class JobService:
    """Submit, watch and cancel jobs. With `local_files` (only `videorender mcp` over stdio,
    which runs as the local user), requests may name local files as `file://` inputs and
    this process's workers read them; every other process refuses them."""

    def __init__(
        self,
        settings: Settings,
        storage: Storage | None = None,
        *,
        workers: bool = True,
        local_files: bool = False,
    ) -> None:
        if workers:
            check_worker_role(settings)
        if settings.tts_keep_loaded is None:
            # A worker process loads each voice once and keeps it for every job it runs.
            settings = settings.model_copy(update={"tts_keep_loaded": workers})
        self.settings = settings
        self.workers = workers
        self.local_files = local_files
        self.storage = storage or create_storage(settings)
        self._engine = open_database(settings.database, migrations=settings.database_migrations)
        outbox = Outbox(self._engine, webhook_url=settings.webhook_url)
        self.store = JobStore(self._engine, outbox=outbox)
        self.registry = WorkerRegistry(self._engine)
        self.sessions = SessionStore(self._engine)
        limits = KeyFailureLimits(settings.max_key_failures, settings.key_failure_window_seconds)
        self.key_failures = KeyFailures(self._engine, limits)
        self._metrics = metrics_registry(self._engine, alive_within_s=settings.job_lease_seconds)
        context = JobContext(settings, self.store, self.storage, local_files)
        self._pool = WorkerPool(context, self._size, self.registry)
        self._dispatcher = WebhookDispatcher(outbox, settings)
        self._listener: JobListener | None = None
        if workers and is_postgres(self._engine):
            self._listener = JobListener(
                normalize_url(settings.database), on_notify=self._pool.wake
            )

    @property
    def _size(self) -> int:
        return self.settings.max_concurrent_jobs

    def start(self) -> None:
        self.storage.start()
        if not self.workers:
            log.info("job service started: API only, no workers in this process")
            return
        self._dispatcher.start()
        self._pool.start()
        if self._listener is not None:
            self._listener.start()
        log.info("job service started: %d workers (worker id %s)", self._size, self._pool.info.id)

    def stop(self) -> None:
        if self.workers:
            if self._listener is not None:
                self._listener.stop()
            self._pool.stop(self.settings.shutdown_grace_seconds)
            self._dispatcher.stop(timeout_s=self.settings.webhook_timeout_seconds + 1)
        self._engine.dispose()
        self.storage.stop()

    def submit(self, request: JobRequest) -> Job:
        """Queue a job.

        Raises:
            InputError: an input the job could never read (naming its field).
            QueueFullError: MAX_QUEUED_JOBS jobs are already queued.
        """
        self.check_inputs(request)
        job = self.store.create(request, max_queued=self.settings.max_queued_jobs)
        self._pool.wake()
        log.info("job %s queued (%s)", job.id, request.kind.value)
        return job

    def submit_once(self, request: JobRequest, idempotency: Idempotency) -> tuple[Job, bool]:
        """Submit, unless the key was used already: then the job it made, and True.

        Raises:
            IdempotencyConflictError: the key was used with a different request.
            InputError: an input the job could never read (naming its field).
            QueueFullError: MAX_QUEUED_JOBS jobs are already queued (a replay is still
                answered: it adds nothing to the queue).
        """
        self.check_inputs(request)
        job, replayed = self.store.create_once(
            request, idempotency, max_queued=self.settings.max_queued_jobs
        )
        if replayed:
            log.info("job %s: Idempotency-Key seen before; not submitted again", job.id)
        else:
            self._pool.wake()
            log.info("job %s queued (%s)", job.id, request.kind.value)
        return job, replayed

    def check_inputs(self, request: JobRequest) -> None:
        """Refuse, before a job is queued, inputs it could never read: an `s3://` location
        the storage may not read; with S3 storage, a render over a provided voiceover
        (`render_video`) whose inputs are not all `s3://`; a local file, unless this service
        reads them (`local_files`); a voice (`speaker`) that is not here, or one that cannot
        narrate the script (as the job itself would refuse it, `pipeline.tts.fit`).

        Raises:
            InputError: naming the first field at fault.
        """
        if request.kind is not JobKind.RENDER_VIDEO:  # narrated by one of our voices
            self._check_voice(request)
        locations = {
            "voiceover_url": request.voiceover_url,
            "base_video_url": request.base_video_url,
            "bgm_url": request.bgm_url,
            "video_url": request.video_url,
        }
        for number, scene in enumerate(request.scenes):  # an upload://ID must be one of ours
            locations[f"scenes[{number}].media_url"] = scene.media
        for field, url in locations.items():
            if url is not None and local_path(url) is not None and not self.local_files:
                raise InputError(f"{field}: local files are not accepted here", field)
        s3_only = request.kind is JobKind.RENDER_VIDEO and self.storage.inputs_must_be_stored
        check_locations(self.storage, locations, s3_only=s3_only)

    def _check_voice(self, request: JobRequest) -> None:
        options = request.options
        text = "\n\n".join(scene.text for scene in request.scenes) or request.script
        choose_job_voice(
            self.settings.pipeline_config().tts,
            options.voice_model,
            provider=options.tts_provider,
            speaker=options.speaker,
            language=options.language,
            text=text,
        )

    def get(self, job_id: str) -> Job | None:
        return self.store.get(job_id)

    def get_job(self, job_id: str) -> Job:
        """Raises:
        JobNotFoundError: no job has this id."""
        job = self.store.get(job_id)
        if job is None:
            raise JobNotFoundError(f"job {job_id!r} not found")
        return job

    def list_page(
        self,
        *,
        status: JobStatus | None,
        limit: int,
        cursor: str | None,
        include_samples: bool = False,
    ) -> JobPage:
        """Jobs, newest first, a page at a time; voice samples only with `include_samples`.
        Pages are keyset paginated: jobs submitted while a caller pages through never shift
        or repeat entries.

        Raises:
            InputError: `cursor` is not one this service gave out (field `cursor`).
        """
        after = _decode_cursor(cursor) if cursor else None
        hidden = () if include_samples else (JobKind.VOICE_SAMPLE,)
        found = self.store.list_jobs(
            status=status, limit=limit + 1, after=after, hidden_kinds=hidden
        )
        page = found[:limit]
        more = len(found) > limit
        return JobPage(page, _encode_cursor(page[-1]) if more else None)

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

    def cancel_active(self, job_id: str) -> Job:
        """Cancel a queued or running job (see `cancel`); a cancelled job is returned as is.

        Raises:
            JobNotFoundError: no job has this id.
            JobStateError: the job has completed or failed.
        """
        job = self.cancel(job_id)
        if job is None:
            raise JobNotFoundError(f"job {job_id!r} not found")
        if job.status is not JobStatus.CANCELLED:
            raise JobStateError(f"job {job_id!r} is {job.status.value}")
        return job

    def delete(self, job_id: str) -> None:
        """Delete a finished job and every file it stored (local or S3). Deleting a job
        that does not exist (any more) does nothing: the call is idempotent. Inputs uploaded
        for it (`upload://`) are kept: other jobs may use them.

        Raises:
            JobStateError: the job is queued or processing (cancel it first).
            StorageError: a file could not be removed; the job is kept, so a retry can
                finish the deletion.
        """
        job = self.store.get(job_id)
        if job is None:
            return
        if not job.status.finished:
            raise JobStateError(
                f"job {job_id!r} is {job.status.value}: cancel it before deleting it"
            )
        remove_artifacts(self.storage, job_id)
        self.store.delete(job_id)
        log.info("job %s deleted with its files", job_id)

    def metrics(self) -> bytes:
        """The cluster's figures in the Prometheus text format (see `jobs.metrics`)."""
        return exposition(self._metrics)

    def health(self) -> Health:
        return Health(
            active_workers=self._pool.active,
            max_concurrent_jobs=self._size if self.workers else 0,
            queue=self.store.counts(),
            cluster=self.registry.cluster(alive_within_s=self.settings.job_lease_seconds),
        )


def _encode_cursor(job: Job) -> str:
    raw = json.dumps([job.created_at, job.id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[float, str]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, job_id = json.loads(raw)
        if isinstance(created_at, (int, float)) and isinstance(job_id, str):
            return float(created_at), job_id
    except (binascii.Error, ValueError, TypeError):
        pass
    raise InputError("cursor is not one this service gave out", "cursor")
