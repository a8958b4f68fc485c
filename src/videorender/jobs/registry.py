"""Which worker processes share the job store: each announces itself in the `workers` table
and refreshes its row every quarter lease (its heartbeat); /health counts the fresh rows."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Engine, delete, func, insert, select, update

from videorender.jobs.db import workers


@dataclass(frozen=True)
class WorkerInfo:
    """One worker process, as it announces itself in the `workers` table."""

    id: str
    hostname: str
    pid: int
    slots: int
    started_at: float


@dataclass(frozen=True)
class ClusterCounts:
    """Every worker process sharing this database, from their heartbeats."""

    workers_alive: int  # processes whose last heartbeat is fresher than one lease
    slots: int  # the sum of their MAX_CONCURRENT_JOBS
    active: int  # jobs they were running at their last heartbeat


class WorkerRegistry:
    """Heartbeats of the worker processes (one row each)."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._writer = engine.execution_options(write=True)

    def heartbeat(
        self, worker: WorkerInfo, active: int, counters: Mapping[str, int] | None = None
    ) -> None:
        """Announce that `worker` is alive and running `active` jobs, with its transfer
        `counters` (registers it if its row is missing: first beat, or pruned after a long
        stall)."""
        now = time.time()
        counted = json.dumps(dict(counters), separators=(",", ":")) if counters else None
        with self._writer.begin() as conn:
            beat = conn.execute(
                update(workers)
                .where(workers.c.id == worker.id)
                .values(heartbeat_at=now, active=active, counters=counted)
            ).rowcount
            if not beat:
                conn.execute(
                    insert(workers).values(
                        id=worker.id,
                        hostname=worker.hostname,
                        pid=worker.pid,
                        slots=worker.slots,
                        active=active,
                        started_at=worker.started_at,
                        heartbeat_at=now,
                        counters=counted,
                    )
                )

    def stopped(self, worker_id: str) -> None:
        with self._writer.begin() as conn:
            conn.execute(delete(workers).where(workers.c.id == worker_id))

    def prune(self, silent_for_s: float) -> int:
        """Forget workers silent for `silent_for_s` (killed: no chance to say goodbye)."""
        with self._writer.begin() as conn:
            return int(
                conn.execute(
                    delete(workers).where(workers.c.heartbeat_at < time.time() - silent_for_s)
                ).rowcount
            )

    def cluster(self, alive_within_s: float) -> ClusterCounts:
        """The worker processes whose last heartbeat is at most `alive_within_s` old."""
        with self._engine.connect() as conn:
            count, slots, active = conn.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(workers.c.slots), 0),
                    func.coalesce(func.sum(workers.c.active), 0),
                ).where(workers.c.heartbeat_at >= time.time() - alive_within_s)
            ).one()
        return ClusterCounts(workers_alive=int(count), slots=int(slots), active=int(active))
