"""What automation platforms rely on (issue 11), end to end with real renders: idempotent
POSTs (also across a restart), metadata echoed everywhere, per-request webhooks, progress,
cancelling a running render, and the job list."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import psutil
from standardwebhooks.webhooks import Webhook

from tests.conftest import Media
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service, WebhookReceiver, wait_for
from videorender.storage import Artifact

SECRET = "whsec_" + base64.b64encode(b"another test secret, 32 bytes!!").decode()
METADATA = {"record_id": "rec_42", "nested": {"tags": ["a", "ü"], "n": 1.5, "ok": True}}
ARTIFACTS_PER_RENDER = len(Artifact)  # every kind of file a render stores
# Long enough that the render stage spans several FFmpeg progress reports (every 0.5 s).
LONG_SCRIPT = " ".join(
    f"This is sentence number {n} of a longer narration, spoken at an easy pace." for n in range(8)
)


def _uploads(service: Service) -> list[Path]:
    return sorted(service.data_dir.glob("uploads/*/*"))


def _ffmpeg_children(service: Service) -> list[psutil.Process]:
    assert service.proc is not None
    found = []
    for child in psutil.Process(service.proc.pid).children(recursive=True):
        try:
            if child.name() == "ffmpeg" and child.status() != psutil.STATUS_ZOMBIE:
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


def test_same_idempotency_key_renders_once_also_across_a_restart(
    make_service: ServiceFactory, files: FileServer, media: Media, receiver: WebhookReceiver
) -> None:
    first = make_service(WEBHOOK_URL=receiver.url)
    body = {
        "script": "Retried requests render once. The key makes sure of it.",
        "base_video_url": f"{files.url}/{media.base_short.name}",
        "size": "160x90",
        "metadata": METADATA,
    }
    key = {"Idempotency-Key": "order-1234-render"}
    submitted = first.client.post("/render", json=body, headers=key)
    assert submitted.status_code == 202, submitted.text
    assert "idempotent-replayed" not in submitted.headers
    job_id = submitted.json()["job_id"]

    # The client timed out and retries: the same job, nothing new queued. Key order and an
    # explicit null do not make it another request.
    retried = first.client.post(
        "/render", json={"bgm_url": None, **dict(reversed(body.items()))}, headers=key
    )
    assert retried.status_code == 202, retried.text
    assert retried.json()["job_id"] == job_id
    assert retried.headers["idempotent-replayed"] == "true"

    # The same key with another body is refused, naming the key and the job.
    changed = first.client.post("/render", json={**body, "size": "180x320"}, headers=key)
    assert changed.status_code == 422, changed.text
    assert changed.json()["field"] == "Idempotency-Key" and job_id in changed.json()["detail"]
    # ... and so is the same key on another endpoint.
    other = first.client.post("/voiceover", json={"script": body["script"]}, headers=key)
    assert other.status_code == 422, other.text

    done = first.wait_finished(job_id)
    assert done["status"] == "completed", done["error"]
    assert done["metadata"] == METADATA
    wait_for(lambda: len(receiver.events()) >= 2, timeout_s=30, what="two webhooks")
    first.stop()

    # A new process over the same data still knows the key.
    second = make_service(data_dir=first.data_dir, WEBHOOK_URL=receiver.url)
    after_restart = second.client.post("/render", json=body, headers=key)
    assert after_restart.status_code == 202, after_restart.text
    assert after_restart.json()["job_id"] == job_id
    assert after_restart.json()["status"] == "completed"
    assert after_restart.headers["idempotent-replayed"] == "true"
    listed = second.client.get("/jobs").json()["jobs"]
    assert [job["job_id"] for job in listed] == [job_id]  # rendered once: one job in all

    uploads = _uploads(second)
    assert len(uploads) == ARTIFACTS_PER_RENDER and all(job_id in p.name for p in uploads)
    events = receiver.events()
    assert [e["event"] for e in events] == ["voiceover_uploaded", "video_completed"]
    assert all(e["job_id"] == job_id and e["metadata"] == METADATA for e in events)


def _posted_twice(service: Service, path: str, body: dict[str, Any], key: str) -> dict[str, Any]:
    """POST the same body with the same key twice: the second answer replays the first."""
    headers = {"Idempotency-Key": key}
    first = service.client.post(path, json=body, headers=headers)
    assert first.status_code == 200, first.text
    again = service.client.post(path, json=body, headers=headers)
    assert again.status_code == 200, again.text
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    answer: dict[str, Any] = first.json()
    return answer


def test_synchronous_endpoints_replay_their_job(
    make_service: ServiceFactory, files: FileServer, media: Media
) -> None:
    service = make_service()
    spoken = {"script": "Spoken once, however often it is asked for."}
    voice = _posted_twice(service, "/voiceover", spoken, "voice-1")
    rendered = {**spoken, "voiceover_url": voice["voice_url"],
                "base_video_url": f"{files.url}/{media.base_short.name}", "size": "160x90"}  # fmt: skip
    video = _posted_twice(service, "/render-video", rendered, "video-1")
    listed = service.client.get("/jobs").json()["jobs"]
    assert sorted(job["job_id"] for job in listed) == sorted([voice["job_id"], video["job_id"]])
    renders = list(service.data_dir.glob("uploads/renders/*"))
    assert [p.name for p in renders] == [f"{video['job_id']}-final.mp4"]  # rendered once


def test_bad_idempotency_keys_and_metadata_are_refused(make_service: ServiceFactory) -> None:
    service = make_service()
    script = {"script": "Never rendered."}
    too_long = service.client.post("/render", json=script, headers={"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 422
    assert too_long.json()["detail"][0]["field"] == "header.Idempotency-Key"
    big = {"blob": "x" * 1020}  # 1,031 bytes as compact JSON
    too_big = service.client.post("/render", json={**script, "metadata": big})
    assert too_big.status_code == 422
    (problem,) = too_big.json()["detail"]
    assert problem["field"] == "metadata" and "1,024" in problem["msg"]
    not_object = service.client.post("/voiceover", json={**script, "metadata": [1, 2]})
    assert not_object.status_code == 422
    assert not_object.json()["detail"][0]["field"] == "metadata"
    assert service.client.get("/jobs").json() == {"jobs": [], "next_cursor": None}


def test_metadata_and_per_request_webhook_signed(
    make_service: ServiceFactory, receiver: WebhookReceiver
) -> None:
    own = WebhookReceiver()
    try:
        service = make_service(WEBHOOK_URL=receiver.url, WEBHOOK_SECRET=SECRET)
        response = service.client.post(
            "/voiceover",
            json={"script": "Metadata travels.", "metadata": METADATA, "webhook_url": own.url},
        )
        assert response.status_code == 200, response.text
        job_id = response.json()["job_id"]
        status = service.status(job_id)
        assert status["metadata"] == METADATA
        assert status["kind"] == "voiceover" and status["progress"] == 100
        assert status["duration_seconds"] > 0.3 and status["timings"]["tts"] >= 0

        for target in (own, receiver):
            wait_for(lambda t=target: t.received, timeout_s=30, what="the webhook")  # type: ignore[misc]
            (item,) = target.received
            event = Webhook(SECRET).verify(item.body, item.headers)
            assert event["event"] == "voiceover_uploaded" and event["job_id"] == job_id
            assert event["metadata"] == METADATA
            assert item.headers["webhook-id"] == f"{job_id}.voiceover_uploaded"
    finally:
        own.close()


def test_progress_rises_to_100_following_ffmpeg(
    make_service: ServiceFactory, files: FileServer, media: Media
) -> None:
    service = make_service()
    response = service.client.post(
        "/render",
        json={
            "script": LONG_SCRIPT,
            "base_video_url": f"{files.url}/{media.base_long.name}",
            "size": "640x360",
        },
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    seen: list[tuple[str, str | None, int]] = []

    def finished() -> dict[str, Any] | None:
        body = service.status(job_id)
        seen.append((body["status"], body["stage"], body["progress"]))
        return body if body["status"] in ("completed", "failed") else None

    done = wait_for(finished, timeout_s=240, interval_s=0.02, what="the render")
    assert done["status"] == "completed", done["error"]
    percents = [percent for _, _, percent in seen]
    assert percents == sorted(percents), seen  # never goes down
    assert percents[-1] == 100 and done["stage"] is None
    assert all(p < 100 for status, _, p in seen if status != "completed")
    # FFmpeg's -progress moved it within the render stage, not just at its start and end.
    in_render = {p for status, stage, p in seen if stage == "render"}
    assert len(in_render) >= 2, seen
    stages = [stage for _, stage, _ in seen if stage]
    assert "tts" in stages and "render" in stages
    assert stages.index("tts") < stages.index("render")
    assert set(done["timings"]) >= {"inputs", "tts", "subtitles", "render", "upload"}
    assert done["timings"]["render"] > 0
    assert 10 < done["duration_seconds"] < 60


def test_cancel_a_running_render_kills_ffmpeg_and_frees_the_worker(
    make_service: ServiceFactory,
    files: FileServer,
    media: Media,
    receiver: WebhookReceiver,
    tmp_path: Path,
) -> None:
    temp = tmp_path / "service-tmp"
    temp.mkdir()
    service = make_service(MAX_CONCURRENT_JOBS="1", WEBHOOK_URL=receiver.url, TMPDIR=str(temp))
    long_job = {
        "script": LONG_SCRIPT + " " + LONG_SCRIPT,
        "base_video_url": f"{files.url}/{media.base_long.name}",
        "size": "1280x720",
        "metadata": {"which": "long"},
    }
    running = service.client.post("/render", json=long_job).json()["job_id"]
    short = {"script": "The next job runs.", "size": "160x90"}
    following = service.client.post("/render", json=short).json()["job_id"]
    queued = service.client.post("/render", json=short).json()["job_id"]

    # Cancelled while queued: never started.
    cancel_queued = service.client.post(f"/jobs/{queued}/cancel")
    assert cancel_queued.status_code == 200 and cancel_queued.json()["status"] == "cancelled"

    wait_for(lambda: service.status(running)["stage"] == "render", timeout_s=180,
             interval_s=0.02, what="the long render to reach FFmpeg")  # fmt: skip
    wait_for(lambda: _ffmpeg_children(service), timeout_s=60, what="FFmpeg to run")
    # The pipeline works in the job's own work folder (never in TMPDIR, never nested).
    job_work = service.data_dir / "work" / running
    assert (job_work / "voice.wav").is_file()  # the pipeline's files, beside the inputs
    assert not list(job_work.glob("videorender-*"))
    assert not list(temp.glob("videorender-*"))
    cancelled = service.client.post(f"/jobs/{running}/cancel")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelled"
    # The answer comes once the worker has let go: FFmpeg is gone, and so are the temps.
    assert _ffmpeg_children(service) == []
    assert not job_work.exists()

    # The one worker is free: the next job runs and completes.
    done = service.wait_finished(following, timeout_s=120)
    assert done["status"] == "completed", done["error"]
    final = service.status(running)
    assert final["status"] == "cancelled" and final["video_url"] is None
    assert final["metadata"] == {"which": "long"}
    assert not list(service.data_dir.glob(f"uploads/renders/{running}*"))
    assert service.status(queued)["status"] == "cancelled"

    # Cancelling again is harmless; a completed job cannot be cancelled.
    assert service.client.post(f"/jobs/{running}/cancel").status_code == 200
    refused = service.client.post(f"/jobs/{following}/cancel")
    assert refused.status_code == 409 and "completed" in refused.json()["detail"]

    wait_for(lambda: sum(e["event"] == "video_completed" for e in receiver.events()) == 1,
             timeout_s=30, what="the next job's webhook")  # fmt: skip
    by_job: dict[str, list[str]] = {}
    for event in receiver.events():
        by_job.setdefault(event["job_id"], []).append(event["event"])
    assert by_job[running][-1] == "job_cancelled" and "video_completed" not in by_job[running]
    assert by_job[queued] == ["job_cancelled"]
    cancel_event = next(e for e in receiver.events() if e["job_id"] == running
                        and e["event"] == "job_cancelled")  # fmt: skip
    assert cancel_event["metadata"] == {"which": "long"}

    # The job list: newest first, by pages, filtered by status.
    page = service.client.get("/jobs", params={"limit": 2}).json()
    assert [job["job_id"] for job in page["jobs"]] == [queued, following]
    rest = service.client.get("/jobs", params={"limit": 2, "cursor": page["next_cursor"]}).json()
    assert [job["job_id"] for job in rest["jobs"]] == [running] and rest["next_cursor"] is None
    only = service.client.get("/jobs", params={"status": "cancelled"}).json()
    assert [job["job_id"] for job in only["jobs"]] == [queued, running]
    assert service.client.get("/jobs", params={"cursor": "nonsense"}).status_code == 422
    assert service.client.get("/jobs", params={"status": "nope"}).status_code == 422
