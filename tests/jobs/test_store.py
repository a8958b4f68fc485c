"""The job store on a real SQLite file and a real PostgreSQL database (every test runs on
both): atomic claims, leases, retries, the outbox, worker heartbeats."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from videorender.jobs.db import open_database
from videorender.jobs.models import Artifacts, Claim, JobKind, JobRequest, JobStatus
from videorender.jobs.store import ClusterCounts, JobStore, WorkerInfo
from videorender.webhooks import VideoCompleted, VoiceoverUploaded

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobs.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = open_database(url)
    yield JobStore(engine, webhook_url=HOOK)
    engine.dispose()


def _request(**fields: str) -> JobRequest:
    return JobRequest(kind=JobKind.RENDER, script="Hello there.", **fields)


def _claim(store: JobStore, lease_s: float = 60) -> Claim:
    claim = store.claim(lease_s)
    assert claim is not None
    return claim


def test_each_job_is_claimed_by_exactly_one_of_many_threads(store: JobStore) -> None:
    created = {store.create(_request()).id for _ in range(40)}
    claimed: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        while (claim := store.claim(60)) is not None:
            with lock:
                claimed.append(claim.job.id)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(claimed) == sorted(created)
    assert store.counts().processing == 40


def test_claims_oldest_first_and_marks_the_attempt(store: JobStore) -> None:
    first = store.create(_request())
    store.create(_request())
    claim = _claim(store)
    assert claim.job.id == first.id
    assert claim.job.status is JobStatus.PROCESSING and claim.job.attempts == 1


def test_expired_lease_is_requeued_then_failed_after_max_attempts(store: JobStore) -> None:
    job = store.create(_request())
    for attempt in (1, 2):
        claim = _claim(store, lease_s=0.01)
        assert claim.job.attempts == attempt
        time.sleep(0.02)  # let the lease run out: the worker "died"
        assert [j.id for j in store.reap(max_attempts=2)] == [job.id]
    failed = store.get(job.id)
    assert failed is not None and failed.status is JobStatus.FAILED
    assert failed.error is not None and "lease expired" in failed.error
    assert [item.delivery.msg_id for item in store.due_deliveries()] == [f"{job.id}.job_failed"]


def test_a_lost_lease_cannot_overwrite_the_newer_attempt(store: JobStore) -> None:
    store.create(_request())
    stale = _claim(store, lease_s=0.01)
    time.sleep(0.02)
    store.reap(max_attempts=3)
    fresh = _claim(store)
    assert store.renew([stale.token, fresh.token], 60) == {fresh.token}
    assert not store.complete(stale, Artifacts(video_url="stale"), [])
    assert store.complete(fresh, Artifacts(video_url="fresh"), [])
    job = store.get(fresh.job.id)
    assert job is not None and job.artifacts.video_url == "fresh"


def test_outbox_keeps_one_message_per_event_and_url_in_order(store: JobStore) -> None:
    job = store.create(_request(webhook_url="http://127.0.0.1:9/own"))
    claim = _claim(store)
    voice = VoiceoverUploaded(job_id=job.id, voice_url="v", timestamp="t")
    store.publish_voice(claim, "v", voice)
    store.publish_voice(claim, "v", voice)  # a retried job announces nothing twice
    done = VideoCompleted(job_id=job.id, voice_url="v", subtitles_url=None, video_url=None,
                          thumbnail_url=None, timestamp="t")  # fmt: skip
    assert store.complete(claim, Artifacts(voice_url="v"), [done])
    due = store.due_deliveries()
    # One lane per receiver, the oldest message first; the next waits for its delivery.
    assert sorted((i.delivery.url, i.delivery.msg_id) for i in due) == [
        ("http://127.0.0.1:9/hook", f"{job.id}.voiceover_uploaded"),
        ("http://127.0.0.1:9/own", f"{job.id}.voiceover_uploaded"),
    ]
    for item in due:
        store.delivered(item.id)
    assert [i.delivery.msg_id for i in store.due_deliveries()] == [f"{job.id}.video_completed"] * 2


def test_failed_delivery_waits_for_its_retry_time(store: JobStore) -> None:
    store.create(_request())
    claim = _claim(store)
    store.fail(claim, "render failed: boom", "StageError")
    (item,) = store.due_deliveries()
    store.delivery_failed(item.id, "HTTP 503", retry_at=time.time() + 60)
    assert store.due_deliveries() == []


def test_cancel_only_a_queued_job(store: JobStore) -> None:
    queued = store.create(_request())
    cancelled = store.cancel(queued.id)
    assert cancelled is not None and cancelled.status is JobStatus.CANCELLED
    assert store.claim(60) is None
    assert store.cancel("nope") is None


def test_deliveries_are_taken_by_one_dispatcher_at_a_time(store: JobStore) -> None:
    job = store.create(_request())
    claim = _claim(store)
    assert store.fail(claim, "boom", "RenderError")
    (item,) = store.take_deliveries(hold_s=30)
    assert store.take_deliveries(hold_s=30) == []  # another dispatcher finds it taken
    store.delivery_failed(item.id, "503", retry_at=time.time() - 1)
    (again,) = store.take_deliveries(hold_s=30)
    assert again.delivery.msg_id == f"{job.id}.job_failed" and again.attempts == 1


def test_heartbeats_count_live_workers_and_forget_dead_ones(store: JobStore) -> None:
    alive = WorkerInfo(id="a", hostname="box1", pid=1, slots=3, started_at=time.time())
    other = WorkerInfo(id="b", hostname="box2", pid=2, slots=2, started_at=time.time())
    store.heartbeat(alive, active=1)
    store.heartbeat(other, active=2)
    assert store.cluster(alive_within_s=60) == ClusterCounts(workers_alive=2, slots=5, active=3)
    store.worker_stopped("b")
    assert store.cluster(alive_within_s=60).workers_alive == 1
    time.sleep(0.05)  # a heartbeat older than the window no longer counts
    assert store.cluster(alive_within_s=0.01).workers_alive == 0
    assert store.prune_workers(silent_for_s=0.01) == 1
    store.heartbeat(alive, active=0)  # a pruned worker that comes back registers again
    assert store.cluster(alive_within_s=60).workers_alive == 1
