"""LISTEN/NOTIFY on a real PostgreSQL: queuing a job wakes a listener at once (no polling
involved), and so does a job handed back to the queue; an idle worker of the job service is
woken by it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from videorender.config import Settings
from videorender.jobs import worker as worker_module
from videorender.jobs.db import is_postgres_url, normalize_url, open_database
from videorender.jobs.execute import JobContext, Outcome
from videorender.jobs.models import Artifacts, Claim, JobKind, JobRequest
from videorender.jobs.notify import JobListener, conninfo
from videorender.jobs.service import JobService
from videorender.jobs.store import JobStore
from videorender.pipeline.runtime.clock import StageClock

DEADLINE_S = 10.0  # generous for a loaded machine; the wake-up is measured, not asserted


@pytest.fixture
def store(pg_url: str) -> Iterator[JobStore]:
    engine = open_database(pg_url)
    yield JobStore(engine)
    engine.dispose()


def test_queuing_a_job_wakes_a_listener(pg_url: str, store: JobStore) -> None:
    woken = threading.Event()
    listener = JobListener(pg_url, on_notify=woken.set)
    listener.start()
    try:
        assert listener.wait_listening(DEADLINE_S)
        woken.clear()  # the wake-up a (re)connected listener gives itself, before it listens
        queued_at = time.monotonic()
        store.create(JobRequest(kind=JobKind.RENDER, script="Wake up."))
        assert woken.wait(DEADLINE_S)
        latency_ms = (time.monotonic() - queued_at) * 1000
        print(f"\nNOTIFY wake-up {latency_ms:.1f} ms after the job was queued")

        claim = store.claim(60)
        assert claim is not None
        woken.clear()
        assert store.requeue(claim)  # a job back in the queue is claimable again: wake
        assert woken.wait(DEADLINE_S)
    finally:
        listener.stop()


def test_conninfo_keeps_host_port_and_password() -> None:
    info = conninfo("postgresql+psycopg://u:p%40ss@127.0.0.1:5433/db")
    assert info == "postgresql://u:p%40ss@127.0.0.1:5433/db"


def test_provider_style_urls_use_psycopg_3() -> None:
    assert normalize_url("postgres://u:p@h:5432/d") == "postgresql+psycopg://u:p@h:5432/d"
    assert normalize_url("postgresql://u@h/d") == "postgresql+psycopg://u@h/d"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    assert is_postgres_url("postgres://h/d") and not is_postgres_url("sqlite:///x.db")


def test_an_idle_worker_is_woken_by_notify_not_by_its_poll(
    pg_url: str, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Polling alone would look again in ten minutes: only the NOTIFY can start the job sooner.
    monkeypatch.setattr(worker_module, "POLL_SECONDS", 600.0)
    ran = threading.Event()

    def quick(ctx: JobContext, claim: Claim, clock: StageClock) -> Outcome:
        ran.set()
        return Outcome(Artifacts(), ())

    monkeypatch.setattr(worker_module, "execute", quick)
    settings = settings.model_copy(
        update={"database_url": pg_url, "allow_local_storage_with_postgres": True}
    )
    service = JobService(settings, workers=True)
    found_nothing = threading.Event()
    claim = service.store.claim

    def watched_claim(lease_s: float) -> Claim | None:
        result = claim(lease_s)
        if result is None:
            found_nothing.set()
        return result

    monkeypatch.setattr(service.store, "claim", watched_claim)
    service.start()
    try:
        assert found_nothing.wait(DEADLINE_S)  # the worker is idle, waiting on its poll
        assert service._listener is not None and service._listener.wait_listening(DEADLINE_S)
        elsewhere = open_database(pg_url)  # an API process on another machine
        JobStore(elsewhere).create(JobRequest(kind=JobKind.VOICEOVER, script="Wake up."))
        elsewhere.dispose()
        assert ran.wait(DEADLINE_S)
    finally:
        service.stop()
