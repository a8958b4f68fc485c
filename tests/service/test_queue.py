"""The durable queue, end to end: the concurrency bound, and kill -9 with jobs in flight."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from tests.conftest import Media
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service, WebhookReceiver, wait_for
from videorender.storage import Artifact

ARTIFACTS_PER_JOB = len(Artifact)  # every kind of file a render stores


def _submit(service: Service, files: FileServer, media: Media, number: int) -> str:
    response = service.client.post(
        "/render",
        json={
            "script": f"Job number {number} is rendering now. It is short on purpose.",
            "base_video_url": f"{files.url}/{media.base_short.name}",
            "size": "160x90",
        },
    )
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def test_six_jobs_never_more_than_two_at_once(
    make_service: ServiceFactory, files: FileServer, media: Media
) -> None:
    service = make_service(MAX_CONCURRENT_JOBS="2")
    job_ids = [_submit(service, files, media, n) for n in range(6)]
    most = 0

    def all_done() -> bool:
        nonlocal most
        health = service.client.get("/health").json()  # one consistent snapshot
        assert health["workers"]["max_concurrent_jobs"] == 2
        most = max(most, health["queue"]["processing"], health["workers"]["active"])
        statuses = [service.status(job_id)["status"] for job_id in job_ids]
        assert "failed" not in statuses
        return statuses == ["completed"] * 6

    wait_for(all_done, timeout_s=170, interval_s=0.02, what="six jobs")
    assert 1 <= most <= 2
    # The store's own record of each run: at no moment were more than two running.
    with sqlite3.connect(service.data_dir / "jobs.db") as db:
        spans = db.execute("SELECT started_at, finished_at FROM jobs").fetchall()
    assert len(spans) == 6
    edges = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    running = [sum(step for _, step in edges[: i + 1]) for i in range(len(edges))]
    assert max(running) == 2  # six jobs, two workers: both busy at some point, never three


def test_kill_9_then_restart_completes_every_job_once(
    make_service: ServiceFactory,
    files: FileServer,
    media: Media,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    settings = {"MAX_CONCURRENT_JOBS": "1", "JOB_LEASE_SECONDS": "2",
                "WEBHOOK_URL": receiver.url}  # fmt: skip
    first = make_service(**settings)
    job_ids = [_submit(first, files, media, n) for n in range(3)]

    def one_processing_two_queued() -> bool:
        statuses = [first.status(job_id)["status"] for job_id in job_ids]
        return statuses == ["processing", "queued", "queued"]

    wait_for(one_processing_two_queued, timeout_s=60, interval_s=0.01, what="job 0 to start")
    first.kill()

    # The same data, a new process (through the CLI this time).
    second = make_service(cli=True, data_dir=first.data_dir, **settings)
    for job_id in job_ids:
        done = second.wait_finished(job_id, timeout_s=120)
        assert done["status"] == "completed", done["error"]
        # URLs are based on the address the job was submitted to (here: the killed process).
        assert done["video_url"] == f"{first.url}/uploads/renders/{job_id}-final.mp4"

    uploads = sorted(p.relative_to(second.data_dir) for p in second.data_dir.rglob("uploads/*/*"))
    assert len(uploads) == ARTIFACTS_PER_JOB * len(job_ids), uploads  # no duplicates, no temps
    for job_id in job_ids:
        assert sum(job_id in str(path) for path in uploads) == ARTIFACTS_PER_JOB

    # Each job announces its completion exactly once.
    wait_for(lambda: sum(e["event"] == "video_completed" for e in receiver.events()) == 3,
             timeout_s=30, what="three video_completed webhooks")  # fmt: skip
    completed = [e["job_id"] for e in receiver.events() if e["event"] == "video_completed"]
    assert sorted(completed) == sorted(job_ids)
    assert "taken back" in second.log()  # the killed job's lease expired and it was requeued
