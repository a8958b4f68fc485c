"""The job store on a real SQLite file and a real PostgreSQL database (every test runs on
both): atomic claims, leases, retries, the outbox, worker heartbeats."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from videorender.errors import IdempotencyConflictError
from videorender.jobs.db import open_database
from videorender.jobs.models import Artifacts, Claim, Idempotency, JobKind, JobRequest, JobStatus
from videorender.jobs.outbox import Outbox
from videorender.jobs.registry import ClusterCounts, WorkerInfo, WorkerRegistry
from videorender.jobs.store import JobStore
from videorender.webhooks import VideoCompleted, VoiceoverUploaded

HOOK = "http://127.0.0.1:9/hook"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[JobStore]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jobs.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = open_database(url)
    yield JobStore(engine, outbox=Outbox(engine, webhook_url=HOOK))
    engine.dispose()


def _request(**fields: Any) -> JobRequest:
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
    assert [item.delivery.msg_id for item in store.outbox.due_deliveries()] == [
        f"{job.id}.job_failed"
    ]


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
    due = store.outbox.due_deliveries()
    # One lane per receiver, the oldest message first; the next waits for its delivery.
    assert sorted((i.delivery.url, i.delivery.msg_id) for i in due) == [
        ("http://127.0.0.1:9/hook", f"{job.id}.voiceover_uploaded"),
        ("http://127.0.0.1:9/own", f"{job.id}.voiceover_uploaded"),
    ]
    for item in due:
        store.outbox.delivered(item.id)
    assert [i.delivery.msg_id for i in store.outbox.due_deliveries()] == [
        f"{job.id}.video_completed"
    ] * 2


def test_failed_delivery_waits_for_its_retry_time(store: JobStore) -> None:
    store.create(_request())
    claim = _claim(store)
    store.fail(claim, "render failed: boom", "StageError")
    (item,) = store.outbox.due_deliveries()
    store.outbox.delivery_failed(item.id, "HTTP 503", retry_at=time.time() + 60)
    assert store.outbox.due_deliveries() == []


def test_a_due_delivery_is_found_behind_many_waiting_ones(store: JobStore) -> None:
    # 250 receivers down, each delivery waiting on its retry: a new event to a receiver that
    # is up is still sent now, not after the old ones are done.
    for _ in range(250):
        store.create(_request())
        store.fail(_claim(store), "render failed: boom", "StageError")
    for item in store.outbox.due_deliveries(limit=500):
        store.outbox.delivery_failed(item.id, "HTTP 503", retry_at=time.time() + 600)
    assert store.outbox.due_deliveries() == []
    job = store.create(_request())
    store.fail(_claim(store), "render failed: boom", "StageError")
    assert [i.delivery.msg_id for i in store.outbox.due_deliveries()] == [f"{job.id}.job_failed"]


def test_cancel_a_queued_job(store: JobStore) -> None:
    queued = store.create(_request())
    cancelled = store.cancel(queued.id)
    assert cancelled is not None and cancelled.status is JobStatus.CANCELLED
    assert store.claim(60) is None
    assert store.cancel("nope") is None


def test_cancel_a_running_job_revokes_its_claim(store: JobStore) -> None:
    store.create(_request(metadata={"record": 7}))
    claim = _claim(store)
    assert store.progress(claim, "render", 40)
    cancelled = store.cancel(claim.job.id)
    assert cancelled is not None and cancelled.status is JobStatus.CANCELLED
    # The worker's writes are refused from now on: that is how it learns to stop.
    assert not store.progress(claim, "render", 50)
    assert not store.complete(claim, Artifacts(video_url="v"), [], timings={"render": 1.0})
    assert not store.fail(claim, "late", "StageError")
    job = store.get(claim.job.id)
    assert job is not None and job.status is JobStatus.CANCELLED and job.artifacts.video_url is None
    (item,) = store.outbox.due_deliveries()
    assert json.loads(item.delivery.body) == {
        "event": "job_cancelled", "job_id": claim.job.id,
        "timestamp": json.loads(item.delivery.body)["timestamp"], "metadata": {"record": 7},
    }  # fmt: skip
    # Cancelling again changes nothing and announces nothing twice.
    again = store.cancel(claim.job.id)
    assert again is not None and again.status is JobStatus.CANCELLED
    assert len(store.outbox.due_deliveries()) == 1


def test_cancel_leaves_a_finished_job_alone(store: JobStore) -> None:
    store.create(_request())
    claim = _claim(store)
    assert store.complete(claim, Artifacts(video_url="v"), [], timings={"render": 1.5},
                          duration_ms=4200)  # fmt: skip
    job = store.cancel(claim.job.id)
    assert job is not None and job.status is JobStatus.COMPLETED
    assert dict(job.timings) == {"render": 1.5} and job.duration_ms == 4200


def test_idempotency_key_returns_the_first_job(store: JobStore) -> None:
    key = Idempotency("key-1", "hash-a")
    first, replayed = store.create_once(_request(metadata={"a": [1, 2]}), key)
    assert not replayed
    again, replayed = store.create_once(_request(), key)
    assert replayed and again.id == first.id
    assert again.request.metadata == {"a": [1, 2]}  # the stored request, not the retry's
    with pytest.raises(IdempotencyConflictError, match="different request"):
        store.create_once(_request(), Idempotency("key-1", "hash-b"))
    other, replayed = store.create_once(_request(), Idempotency("key-2", "hash-a"))
    assert not replayed and other.id != first.id
    assert len(store.list_jobs(status=None, limit=10, after=None)) == 2


def test_idempotency_key_expires(tmp_path: Path) -> None:
    engine = open_database(f"sqlite:///{tmp_path / 'jobs.db'}")
    store = JobStore(engine, idempotency_ttl_s=0.0)  # every key is already past its lifetime
    first, _ = store.create_once(_request(), Idempotency("k", "h1"))
    second, replayed = store.create_once(_request(), Idempotency("k", "h2"))
    assert not replayed and second.id != first.id  # a new body is fine once the key expired


def test_list_jobs_newest_first_by_keyset(store: JobStore) -> None:
    created = [store.create(_request()).id for _ in range(5)]
    cancelled = store.cancel(created[1])
    assert cancelled is not None
    pages, after = [], None
    while True:
        page = store.list_jobs(status=None, limit=2, after=after)
        if not page:
            break
        pages.append([job.id for job in page])
        after = (page[-1].created_at, page[-1].id)
        store.create(_request())  # a job arriving while paging does not shift the pages
    assert [job_id for page in pages for job_id in page][:5] == created[::-1]
    assert [len(page) for page in pages][:3] == [2, 2, 1]
    only = store.list_jobs(status=JobStatus.CANCELLED, limit=10, after=None)
    assert [job.id for job in only] == [created[1]]


def test_idempotency_key_under_concurrent_retries(store: JobStore) -> None:
    results: list[tuple[str, bool]] = []
    lock = threading.Lock()

    def submit() -> None:
        job, replayed = store.create_once(_request(), Idempotency("same", "hash"))
        with lock:
            results.append((job.id, replayed))

    threads = [threading.Thread(target=submit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(results) == 8 and len({job_id for job_id, _ in results}) == 1
    assert sorted(replayed for _, replayed in results) == [False] + [True] * 7


def test_deliveries_are_taken_by_one_dispatcher_at_a_time(store: JobStore) -> None:
    job = store.create(_request())
    claim = _claim(store)
    assert store.fail(claim, "boom", "RenderError")
    (item,) = store.outbox.take_deliveries(hold_s=30)
    assert store.outbox.take_deliveries(hold_s=30) == []  # another dispatcher finds it taken
    store.outbox.delivery_failed(item.id, "503", retry_at=time.time() - 1)
    (again,) = store.outbox.take_deliveries(hold_s=30)
    assert again.delivery.msg_id == f"{job.id}.job_failed" and again.attempts == 1


def test_heartbeats_count_live_workers_and_forget_dead_ones(store: JobStore) -> None:
    alive = WorkerInfo(id="a", hostname="box1", pid=1, slots=3, started_at=time.time())
    other = WorkerInfo(id="b", hostname="box2", pid=2, slots=2, started_at=time.time())
    registry = WorkerRegistry(store.engine)
    registry.heartbeat(alive, active=1)
    registry.heartbeat(other, active=2)
    assert registry.cluster(alive_within_s=60) == ClusterCounts(workers_alive=2, slots=5, active=3)
    registry.stopped("b")
    assert registry.cluster(alive_within_s=60).workers_alive == 1
    time.sleep(0.05)  # a heartbeat older than the window no longer counts
    assert registry.cluster(alive_within_s=0.01).workers_alive == 0
    assert registry.prune(silent_for_s=0.01) == 1
    registry.heartbeat(alive, active=0)  # a pruned worker that comes back registers again
    assert registry.cluster(alive_within_s=60).workers_alive == 1
