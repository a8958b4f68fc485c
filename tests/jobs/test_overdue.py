"""The safety net behind JOB_TIMEOUT_SECONDS: a job stuck where the time limit is never
checked is failed by the lease thread, so it does not stay `processing` forever."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.service.servers import wait_for
from videorender.config import Settings
from videorender.jobs import worker as worker_module
from videorender.jobs.db import open_database
from videorender.jobs.execute import JobContext, Outcome
from videorender.jobs.models import Artifacts, Claim, JobKind, JobRequest, JobStatus
from videorender.jobs.registry import WorkerRegistry
from videorender.jobs.store import JobStore
from videorender.pipeline.runtime.clock import StageClock
from videorender.storage import create_storage


def test_a_job_that_ignores_its_time_limit_is_failed(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings.model_copy(update={"job_timeout_seconds": 0.5, "job_lease_seconds": 1.0})
    store = JobStore(open_database(f"sqlite:///{tmp_path / 'jobs.db'}"))
    release = threading.Event()

    def stuck(ctx: JobContext, claim: Claim, clock: StageClock) -> Outcome:
        release.wait(60)  # a stage that never looks at the deadline
        return Outcome(Artifacts(), ())

    monkeypatch.setattr(worker_module, "execute", stuck)
    monkeypatch.setattr(worker_module, "OVERDUE_GRACE_S", 0.5)
    context = JobContext(settings, store, create_storage(settings))
    pool = worker_module.WorkerPool(context, 1, WorkerRegistry(store.engine))
    job = store.create(JobRequest(kind=JobKind.VOICEOVER, script="Stuck."))
    pool.start()
    try:
        failed = wait_for(
            lambda: (found := store.get(job.id)) and found.status is JobStatus.FAILED and found,
            timeout_s=30,
            what="the overdue job to be failed",
        )
        assert failed.error == "the job ran past JOB_TIMEOUT_SECONDS (0.5 s) and did not stop"
    finally:
        release.set()
        pool.stop(grace_s=5)
    final = store.get(job.id)
    assert final is not None and final.status is JobStatus.FAILED  # the late result is dropped
