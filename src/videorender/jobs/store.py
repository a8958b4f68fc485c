"""The durable job store: the job row is the single source of truth, and every state change
is one short transaction on it.

Claiming selects the oldest queued job `FOR UPDATE SKIP LOCKED` and then updates it with a
guard (`... WHERE id = :id AND status = 'queued'`). On PostgreSQL the row lock makes
concurrent claimers pass over each other's rows instead of queueing behind them (the technique
of the Postgres-backed queues: Oban, good_job, pgboss); SQLite has no row locks (the clause is
left out) but serialises write transactions, and the guard makes a lost race harmless on
both: the loser updates no row and tries again.

A claimed job carries a lease token; every later write by the worker is guarded by that
token, so a worker that lost its lease (it stalled, the job was handed to another) cannot
overwrite the newer attempt.

Webhook events are written to the outbox in the same transaction as the state change that
causes them (a transactional outbox): an event is never lost between the two.

On PostgreSQL, every change that makes a job claimable also sends `NOTIFY videorender_jobs`
(delivered at commit), which wakes idle workers on any machine at once (`jobs.notify`).
"""

from __future__ import annotations

import dataclasses
import json
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Row,
    delete,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from videorender.errors import IdempotencyConflictError, JobStateError, QueueFullError
from videorender.jobs import events
from videorender.jobs.db import is_postgres, jobs
from videorender.jobs.models import (
    Artifacts,
    Claim,
    Idempotency,
    Job,
    JobKind,
    JobRequest,
    JobStatus,
)
from videorender.jobs.outbox import Outbox
from videorender.pipeline.models import Stage
from videorender.webhooks import (
    Event,
)

CLAIM_RACE_RETRIES = 5
NOTIFY_CHANNEL = "videorender_jobs"
IDEMPOTENCY_TTL_S = 24 * 3600
ACTIVE = (JobStatus.QUEUED.value, JobStatus.PROCESSING.value)
ADMIT_LOCK_KEY = 0x76726E71  # any constant shared by every process; not MIGRATION_LOCK_KEY


@dataclass(frozen=True)
class QueueCounts:
    queued: int
    processing: int


class JobStore:
    """A job's lifecycle: created, claimed, renewed, completed, failed, cancelled, reaped."""

    def __init__(
        self,
        engine: Engine,
        *,
        outbox: Outbox | None = None,
        idempotency_ttl_s: float = IDEMPOTENCY_TTL_S,
    ) -> None:
        self._engine = engine
        self._writer = engine.execution_options(write=True)
        self.outbox = outbox or Outbox(engine)  # events go out with the state change
        self._idempotency_ttl_s = idempotency_ttl_s
        self._notifies = is_postgres(engine)

    @property
    def engine(self) -> Engine:
        return self._engine

    # --- the API's side ----------------------------------------------------------------------

    def create(self, request: JobRequest, *, max_queued: int | None = None) -> Job:
        """Queue a job.

        Raises:
            QueueFullError: `max_queued` jobs are already queued (counted in the database,
                in the transaction of the insert: the cap holds across API processes).
        """
        with self._writer.begin() as conn:
            self._admit(conn, max_queued)
            return self._insert(conn, request, None)

    def create_once(
        self, request: JobRequest, idempotency: Idempotency, *, max_queued: int | None = None
    ) -> tuple[Job, bool]:
        """Create the job unless `idempotency.key` is already live: then return the job it
        made, and True (a replay). A key lives IDEMPOTENCY_TTL_S from its job's creation.
        The queue cap applies only when a new job is inserted: a replay is always answered.

        Raises:
            IdempotencyConflictError: the live key was used with a different request.
            QueueFullError: a new job, and `max_queued` jobs are already queued.
        """
        for _ in range(CLAIM_RACE_RETRIES):
            try:
                with self._writer.begin() as conn:
                    return self._create_once(conn, request, idempotency, max_queued)
            except IntegrityError:
                continue  # the same key inserted concurrently (PostgreSQL): read it back
        raise RuntimeError(f"idempotency key {idempotency.key!r} kept racing")  # not reached

    def _create_once(
        self,
        conn: Connection,
        request: JobRequest,
        idempotency: Idempotency,
        max_queued: int | None,
    ) -> tuple[Job, bool]:
        row = conn.execute(
            select(jobs).where(jobs.c.idempotency_key == idempotency.key)
        ).one_or_none()
        if row is not None and row.created_at > time.time() - self._idempotency_ttl_s:
            if row.request_hash != idempotency.request_hash:
                raise IdempotencyConflictError(
                    f"Idempotency-Key {idempotency.key!r} was already used for job {row.id} "
                    "with a different request; use a new key for a new request"
                )
            return _to_job(row), True
        if row is not None:  # expired: the key is free again
            conn.execute(
                update(jobs)
                .where(jobs.c.id == row.id)
                .values(idempotency_key=None, request_hash=None)
            )
        self._admit(conn, max_queued)
        return self._insert(conn, request, idempotency), False

    def _admit(self, conn: Connection, max_queued: int | None) -> None:
        """Refuse a new job when `max_queued` are queued. The count and the insert after it
        are one critical section for every process: on PostgreSQL a transaction-scoped
        advisory lock (released at commit) orders the submitters; on SQLite the write
        transaction (BEGIN IMMEDIATE) already holds the database's only write lock.

        Raises:
            QueueFullError: the queue is full.
        """
        if max_queued is None:
            return
        if self._notifies:  # PostgreSQL
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADMIT_LOCK_KEY})
        queued = conn.execute(
            select(func.count()).select_from(jobs).where(jobs.c.status == JobStatus.QUEUED.value)
        ).scalar_one()
        if queued >= max_queued:
            raise QueueFullError(
                f"{queued} jobs are already queued (MAX_QUEUED_JOBS); try again later"
            )

    def _insert(
        self, conn: Connection, request: JobRequest, idempotency: Idempotency | None
    ) -> Job:
        job_id = str(uuid.uuid4())
        conn.execute(
            insert(jobs).values(
                id=job_id,
                kind=request.kind.value,
                status=JobStatus.QUEUED.value,
                request=request.to_json(),
                attempts=0,
                percent=0,
                created_at=time.time(),
                idempotency_key=idempotency.key if idempotency else None,
                request_hash=idempotency.request_hash if idempotency else None,
            )
        )
        self._notify(conn)
        return _load(conn, job_id)

    def get(self, job_id: str) -> Job | None:
        with self._engine.connect() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
        return _to_job(row) if row is not None else None

    def cancel(self, job_id: str) -> Job | None:
        """Cancel a queued or processing job (and queue `job_cancelled`); a finished job is
        left as it is. A processing job's lease is revoked here: its worker's writes fail
        from now on, which is how a worker in another process learns of the cancel."""
        with self._writer.begin() as conn:
            cancelled = conn.execute(
                update(jobs)
                .where(jobs.c.id == job_id, jobs.c.status.in_(ACTIVE))
                .values(
                    status=JobStatus.CANCELLED.value,
                    stage=None,
                    lease_token=None,
                    lease_until=None,
                    finished_at=time.time(),
                )
            ).rowcount
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
            if row is None:
                return None
            job = _to_job(row)
            if cancelled:
                self.outbox.enqueue(conn, job, events.job_cancelled(job))
        return job

    def delete(self, job_id: str) -> Job | None:
        """Remove a finished job's row (its events already in the outbox still go out).
        Returns the job as it was, or None when there is no such job.

        Raises:
            JobStateError: the job is queued or processing (cancel it first).
        """
        with self._writer.begin() as conn:
            row = conn.execute(select(jobs).where(jobs.c.id == job_id)).one_or_none()
            if row is None:
                return None
            job = _to_job(row)
            if not job.status.finished:
                raise JobStateError(
                    f"job {job_id!r} is {job.status.value}: cancel it before deleting it"
                )
            conn.execute(delete(jobs).where(jobs.c.id == job_id, jobs.c.status.not_in(ACTIVE)))
        return job

    def list_jobs(
        self,
        *,
        status: JobStatus | None,
        limit: int,
        after: tuple[float, str] | None,
        hidden_kinds: Sequence[JobKind] = (),
    ) -> list[Job]:
        """Newest first; `after` is the (created_at, id) of the last job of the previous page
        (keyset pagination: stable while jobs are added, and cheap at any depth). Jobs of
        `hidden_kinds` are left out."""
        query = select(jobs).order_by(jobs.c.created_at.desc(), jobs.c.id.desc()).limit(limit)
        if hidden_kinds:
            query = query.where(jobs.c.kind.not_in([kind.value for kind in hidden_kinds]))
        if status is not None:
            query = query.where(jobs.c.status == status.value)
        if after is not None:
            created_at, job_id = after
            query = query.where(
                (jobs.c.created_at < created_at)
                | ((jobs.c.created_at == created_at) & (jobs.c.id < job_id))
            )
        with self._engine.connect() as conn:
            return [_to_job(row) for row in conn.execute(query).all()]

    def counts(self) -> QueueCounts:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(jobs.c.status, func.count())
                .where(jobs.c.status.in_([JobStatus.QUEUED.value, JobStatus.PROCESSING.value]))
                .group_by(jobs.c.status)
            ).all()
        found = {status: count for status, count in rows}
        return QueueCounts(
            queued=found.get(JobStatus.QUEUED.value, 0),
            processing=found.get(JobStatus.PROCESSING.value, 0),
        )

    # --- the workers' side -------------------------------------------------------------------

    def claim(self, lease_s: float) -> Claim | None:
        """Take the oldest queued job, or None when there is none."""
        token = uuid.uuid4().hex
        for _ in range(CLAIM_RACE_RETRIES):
            with self._writer.begin() as conn:
                job_id = conn.execute(
                    select(jobs.c.id)
                    .where(jobs.c.status == JobStatus.QUEUED.value)
                    .order_by(jobs.c.created_at, jobs.c.id)
                    .limit(1)
                    .with_for_update(skip_locked=True)
                ).scalar_one_or_none()
                if job_id is None:
                    return None
                now = time.time()
                taken = conn.execute(
                    update(jobs)
                    .where(jobs.c.id == job_id, jobs.c.status == JobStatus.QUEUED.value)
                    .values(
                        status=JobStatus.PROCESSING.value,
                        lease_token=token,
                        lease_until=now + lease_s,
                        attempts=jobs.c.attempts + 1,
                        started_at=func.coalesce(jobs.c.started_at, now),
                        stage=Stage.INPUTS.value,  # every job starts by fetching its inputs
                        percent=0,
                    )
                ).rowcount
                if taken == 1:
                    return Claim(_load(conn, job_id), token)
        return None  # lost every race: others are busy claiming; try again on the next poll

    def renew(self, tokens: Iterable[str], lease_s: float) -> set[str]:
        """Extend the leases held under `tokens`; return the tokens whose lease is still held."""
        held = set()
        with self._writer.begin() as conn:
            for token in tokens:
                renewed = conn.execute(
                    update(jobs).where(_held(token)).values(lease_until=time.time() + lease_s)
                ).rowcount
                if renewed:
                    held.add(token)
        return held

    def progress(self, claim: Claim, stage: str, percent: int) -> bool:
        """Store the job's progress; False when the job is no longer this claim's (cancelled,
        or its lease was lost): the worker should stop."""
        with self._writer.begin() as conn:
            return bool(
                conn.execute(
                    update(jobs).where(_held(claim.token)).values(stage=stage, percent=percent)
                ).rowcount
            )

    def publish_voice(self, claim: Claim, voice_url: str, event: Event) -> None:
        """Record the stored narration and queue its webhook, before the job finishes."""
        with self._writer.begin() as conn:
            if conn.execute(
                update(jobs).where(_held(claim.token)).values(voice_url=voice_url)
            ).rowcount:
                self.outbox.enqueue(conn, claim.job, event)

    def complete(
        self,
        claim: Claim,
        artifacts: Artifacts,
        events: Sequence[Event],
        *,
        timings: Mapping[str, float] | None = None,
        duration_ms: int | None = None,
        warnings: Sequence[str] = (),
    ) -> bool:
        """Mark the job completed; False when the lease was lost or the job was cancelled
        (nothing is written)."""
        with self._writer.begin() as conn:
            done = conn.execute(
                update(jobs)
                .where(_held(claim.token))
                .values(
                    status=JobStatus.COMPLETED.value,
                    stage=None,
                    percent=100,
                    lease_token=None,
                    lease_until=None,
                    finished_at=time.time(),
                    **dataclasses.asdict(artifacts),  # each artifact has a column of its name
                    warnings=json.dumps(list(warnings)) if warnings else None,
                    timings_json=_dumps(timings),
                    duration_ms=duration_ms,
                )
            ).rowcount
            if done:
                for event in events:
                    self.outbox.enqueue(conn, claim.job, event)
        return bool(done)

    def fail(self, claim: Claim, error: str, error_type: str) -> bool:
        """Mark the job failed for good (and queue `job_failed`); False when the lease was lost."""
        with self._writer.begin() as conn:
            return self._fail(conn, claim.job, _held(claim.token), error, error_type)

    def requeue(self, claim: Claim, *, count_attempt: bool = True) -> bool:
        """Give the job back to the queue: after a retryable failure, or at shutdown (then
        `count_attempt=False`: the interrupted try does not count against the job)."""
        refund = 0 if count_attempt else 1
        with self._writer.begin() as conn:
            done = conn.execute(
                update(jobs)
                .where(_held(claim.token))
                .values(
                    status=JobStatus.QUEUED.value,
                    lease_token=None,
                    lease_until=None,
                    attempts=jobs.c.attempts - refund,
                )
            ).rowcount
            if done:
                self._notify(conn)
            return bool(done)

    def reap(self, max_attempts: int) -> list[Job]:
        """Take back jobs whose lease expired (their worker died or stalled): queued again,
        or failed once they have had `max_attempts` tries. Returns the jobs taken back."""
        now = time.time()
        expired = (jobs.c.status == JobStatus.PROCESSING.value) & (jobs.c.lease_until < now)
        reaped = []
        with self._writer.begin() as conn:
            for row in conn.execute(select(jobs).where(expired)).all():
                job = _to_job(row)
                guard = (jobs.c.id == job.id) & expired
                if job.attempts >= max_attempts:
                    error = (
                        f"worker stopped responding (lease expired) on each of {job.attempts} "
                        "attempts; giving up"
                    )
                    self._fail(conn, job, guard, error, "LeaseExpired")
                else:
                    conn.execute(
                        update(jobs)
                        .where(guard)
                        .values(status=JobStatus.QUEUED.value, lease_token=None, lease_until=None)
                    )
                    self._notify(conn)
                reaped.append(job)
        return reaped

    def _notify(self, conn: Connection) -> None:
        """Wake idle workers (PostgreSQL only; delivered when `conn`'s transaction commits)."""
        if self._notifies:
            conn.execute(text(f"NOTIFY {NOTIFY_CHANNEL}"))

    def _fail(
        self, conn: Connection, job: Job, guard: ColumnElement[bool], error: str, error_type: str
    ) -> bool:
        done = conn.execute(
            update(jobs)
            .where(guard)
            .values(
                status=JobStatus.FAILED.value,
                stage=None,
                lease_token=None,
                lease_until=None,
                finished_at=time.time(),
                error=error,
                error_type=error_type,
            )
        ).rowcount
        if done:
            self.outbox.enqueue(conn, job, events.job_failed(job, error))
        return bool(done)


def _held(token: str) -> ColumnElement[bool]:
    return (jobs.c.lease_token == token) & (jobs.c.status == JobStatus.PROCESSING.value)


def _load(conn: Connection, job_id: str) -> Job:
    return _to_job(conn.execute(select(jobs).where(jobs.c.id == job_id)).one())


def _to_job(row: Row[tuple[object, ...]]) -> Job:
    m = row._mapping
    return Job(
        id=m["id"],
        request=JobRequest.from_json(m["request"]),
        status=JobStatus(m["status"]),
        attempts=m["attempts"],
        artifacts=Artifacts(**{f.name: m[f.name] for f in dataclasses.fields(Artifacts)}),
        warnings=tuple(json.loads(m["warnings"])) if m["warnings"] else (),
        stage=m["stage"],
        percent=m["percent"],
        error=m["error"],
        error_type=m["error_type"],
        created_at=m["created_at"],
        started_at=m["started_at"],
        finished_at=m["finished_at"],
        timings=_loads(m["timings_json"]) or {},
        duration_ms=m["duration_ms"],
    )


def _dumps(value: Mapping[str, object] | None) -> str | None:
    return None if value is None else json.dumps(value, separators=(",", ":"))


def _loads(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    value: dict[str, Any] = json.loads(text)
    return value
