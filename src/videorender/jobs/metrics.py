"""Prometheus metrics, read from the job store so that they add up across processes.

Every API process answers /metrics with the same cluster-wide figures, whichever process or
machine did the work: jobs by kind and state, queue depth, job and stage durations, webhook
deliveries and the outbox backlog come from the `jobs` and `webhook_outbox` tables (jobs and
deliveries are never deleted, so their totals are counters that only grow). What only a
worker process sees (bytes uploaded and downloaded, and their failures) it counts in a
`TransferCounters` and writes with each heartbeat into its row of `workers`; /metrics shows
them per process (label `worker`), as Prometheus expects of per-process counters: `sum(rate())`
adds them up, and a process that stops simply ends its series.

The duration histograms are built incrementally: each scrape reads only the jobs finished since
the previous one (plus an overlap, for commits that land out of order), so a scrape costs the
same on day 1 and day 1,000; a new API process reads the history once, on its first scrape.
"""

from __future__ import annotations

import json
import threading
import time
from bisect import bisect_left
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector
from sqlalchemy import Engine, func, select

from videorender.jobs.db import jobs, webhook_outbox, workers
from videorender.jobs.models import JobStatus

PREFIX = "videorender"
JOB_SECONDS_BUCKETS = (1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600)
STAGE_SECONDS_BUCKETS = (0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900)
FINISHED_OVERLAP_S = 120.0  # jobs finished this long before the newest one seen are re-read
FINISHED = (JobStatus.COMPLETED.value, JobStatus.FAILED.value, JobStatus.CANCELLED.value)
TRANSFER_NAMES = ("upload_bytes", "upload_failures", "download_bytes", "download_failures")
TRANSFER_HELP = {
    "upload_bytes": "Bytes of artifacts stored, by worker process.",
    "upload_failures": "Artifacts that could not be stored, by worker process.",
    "download_bytes": "Bytes of job inputs downloaded, by worker process.",
    "download_failures": "Job inputs that could not be downloaded, by worker process.",
}


class TransferCounters:
    """This process's uploads and downloads; thread-safe. The heartbeat stores a snapshot."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values = dict.fromkeys(TRANSFER_NAMES, 0)

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._values[name] += amount

    def snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self._values)


@dataclass
class _Histogram:
    bounds: Sequence[float]
    counts: list[int] = field(default_factory=list)
    total: float = 0.0

    def observe(self, value: float) -> None:
        if not self.counts:
            self.counts = [0] * (len(self.bounds) + 1)
        self.counts[bisect_left(self.bounds, value)] += 1
        self.total += value

    def buckets(self) -> list[tuple[str, float]]:
        counts = self.counts or [0] * (len(self.bounds) + 1)
        cumulative, out = 0, []
        for bound, count in zip([*map(str, self.bounds), "+Inf"], counts, strict=True):
            cumulative += count
            out.append((bound, float(cumulative)))
        return out


class _Durations:
    """Job and stage duration histograms over every completed job, updated incrementally."""

    def __init__(self) -> None:
        self.jobs: dict[str, _Histogram] = {}  # by kind
        self.stages: dict[str, _Histogram] = {}  # by stage
        self._newest = 0.0  # the latest finished_at read
        self._seen: dict[str, float] = {}  # job id -> finished_at, within the overlap
        self._lock = threading.Lock()

    def update(self, engine: Engine) -> None:
        with self._lock:
            since = self._newest - FINISHED_OVERLAP_S
            query = select(
                jobs.c.id, jobs.c.kind, jobs.c.started_at, jobs.c.finished_at, jobs.c.timings_json
            ).where(jobs.c.status == JobStatus.COMPLETED.value, jobs.c.finished_at >= since)
            with engine.connect() as conn:
                rows = conn.execute(query).all()
            for job_id, kind, started_at, finished_at, timings in rows:
                if job_id in self._seen:
                    continue
                self._seen[job_id] = finished_at
                self._newest = max(self._newest, finished_at)
                self._observe(kind, finished_at - (started_at or finished_at), timings)
            horizon = self._newest - FINISHED_OVERLAP_S
            self._seen = {k: v for k, v in self._seen.items() if v >= horizon}

    def _observe(self, kind: str, seconds: float, timings: str | None) -> None:
        self.jobs.setdefault(kind, _Histogram(JOB_SECONDS_BUCKETS)).observe(seconds)
        for stage, spent in (json.loads(timings) if timings else {}).items():
            self.stages.setdefault(stage, _Histogram(STAGE_SECONDS_BUCKETS)).observe(spent)


class StoreCollector(Collector):
    """Collects the cluster's figures from the job store at each scrape."""

    def __init__(self, engine: Engine, *, alive_within_s: float) -> None:
        self._engine = engine
        self._alive_within_s = alive_within_s
        self._durations = _Durations()

    def collect(self) -> Iterator[Metric]:
        yield from self._jobs()
        yield from self._histograms()
        yield from self._outbox()
        yield from self._workers()

    def _jobs(self) -> Iterator[Metric]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(jobs.c.kind, jobs.c.status, func.count()).group_by(
                    jobs.c.kind, jobs.c.status
                )
            ).all()
            oldest = conn.execute(
                select(func.min(jobs.c.created_at)).where(jobs.c.status == JobStatus.QUEUED.value)
            ).scalar_one()
        submitted = CounterMetricFamily(
            f"{PREFIX}_jobs_submitted", "Jobs submitted, by kind.", labels=["kind"]
        )
        finished = CounterMetricFamily(
            f"{PREFIX}_jobs_finished",
            "Jobs finished, by kind and final status (completed, failed, cancelled).",
            labels=["kind", "status"],
        )
        current = GaugeMetricFamily(
            f"{PREFIX}_jobs", "Jobs queued or running now, by kind.", labels=["kind", "status"]
        )
        by_kind: dict[str, int] = {}
        for kind, status, count in rows:
            by_kind[kind] = by_kind.get(kind, 0) + count
            if status in FINISHED:
                finished.add_metric([kind, status], count)
            else:
                current.add_metric([kind, status], count)
        for kind, count in sorted(by_kind.items()):
            submitted.add_metric([kind], count)
        queued = sum(n for _, status, n in rows if status == JobStatus.QUEUED.value)
        running = sum(n for _, status, n in rows if status == JobStatus.PROCESSING.value)
        yield submitted
        yield finished
        yield current
        yield GaugeMetricFamily(f"{PREFIX}_queue_depth", "Jobs waiting for a worker.", queued)
        yield GaugeMetricFamily(f"{PREFIX}_jobs_running", "Jobs being worked on.", running)
        yield GaugeMetricFamily(
            f"{PREFIX}_queue_oldest_age_seconds",
            "How long the oldest queued job has waited (0 when none).",
            time.time() - oldest if oldest is not None else 0.0,
        )

    def _histograms(self) -> Iterator[Metric]:
        self._durations.update(self._engine)
        job_seconds = HistogramMetricFamily(
            f"{PREFIX}_job_duration_seconds",
            "Completed jobs, from start to finish, by kind.",
            labels=["kind"],
        )
        for kind, histogram in sorted(self._durations.jobs.items()):
            job_seconds.add_metric([kind], histogram.buckets(), histogram.total)
        stage_seconds = HistogramMetricFamily(
            f"{PREFIX}_stage_duration_seconds",
            "Time spent in each stage by completed jobs.",
            labels=["stage"],
        )
        for stage, histogram in sorted(self._durations.stages.items()):
            stage_seconds.add_metric([stage], histogram.buckets(), histogram.total)
        yield job_seconds
        yield stage_seconds

    def _outbox(self) -> Iterator[Metric]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(
                    webhook_outbox.c.status, func.count(), func.min(webhook_outbox.c.created_at)
                ).group_by(webhook_outbox.c.status)
            ).all()
        found = {status: (count, oldest) for status, count, oldest in rows}
        deliveries = CounterMetricFamily(
            f"{PREFIX}_webhook_deliveries",
            "Webhook events that reached a final outcome: delivered, or failed after every retry.",
            labels=["outcome"],
        )
        for outcome in ("delivered", "failed"):
            deliveries.add_metric([outcome], found.get(outcome, (0, None))[0])
        pending, oldest = found.get("pending", (0, None))
        yield deliveries
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_pending", "Webhook events waiting to be delivered.", pending
        )
        yield GaugeMetricFamily(
            f"{PREFIX}_outbox_oldest_pending_age_seconds",
            "How long the oldest undelivered webhook event has waited (0 when none).",
            time.time() - oldest if oldest is not None else 0.0,
        )

    def _workers(self) -> Iterator[Metric]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(
                    workers.c.id,
                    workers.c.hostname,
                    workers.c.pid,
                    workers.c.slots,
                    workers.c.active,
                    workers.c.heartbeat_at,
                    workers.c.counters,
                )
            ).all()
        labels = ["worker", "hostname", "pid"]
        heartbeat = GaugeMetricFamily(
            f"{PREFIX}_worker_heartbeat_timestamp_seconds",
            "When each worker process last beat (Unix time).",
            labels=labels,
        )
        active = GaugeMetricFamily(
            f"{PREFIX}_worker_active_jobs", "Jobs each worker process runs.", labels=labels
        )
        slots = GaugeMetricFamily(
            f"{PREFIX}_worker_slots", "Each worker process's MAX_CONCURRENT_JOBS.", labels=labels
        )
        transfers = {
            name: CounterMetricFamily(f"{PREFIX}_{name}", TRANSFER_HELP[name], labels=labels)
            for name in TRANSFER_NAMES
        }
        alive = 0
        for worker_id, hostname, pid, slot_count, running, beat_at, counters in rows:
            values = [worker_id, hostname, str(pid)]
            heartbeat.add_metric(values, beat_at)
            active.add_metric(values, running)
            slots.add_metric(values, slot_count)
            alive += beat_at >= time.time() - self._alive_within_s
            for name, value in _counters(counters).items():
                if name in transfers:
                    transfers[name].add_metric(values, value)
        yield heartbeat
        yield active
        yield slots
        yield GaugeMetricFamily(
            f"{PREFIX}_workers_alive", "Worker processes with a fresh heartbeat.", alive
        )
        yield from transfers.values()


def _counters(text: str | None) -> Mapping[str, int]:
    if not text:
        return {}
    value: dict[str, int] = json.loads(text)
    return value


def metrics_registry(engine: Engine, *, alive_within_s: float) -> CollectorRegistry:
    """The registry /metrics renders: the job store's figures, cluster-wide."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StoreCollector(engine, alive_within_s=alive_within_s))
    return registry


def exposition(registry: CollectorRegistry) -> bytes:
    """The registry in the Prometheus text format."""
    return generate_latest(registry)
