"""The spec's main flow, end to end: POST /render with http URLs of real media, status
through its states, artifacts at the spec's keys that play, and signed webhooks in order."""

from __future__ import annotations

import base64
from pathlib import Path

import httpx
from standardwebhooks.webhooks import Webhook

from tests.conftest import Media
from tests.decode import duration_s, streams
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, WebhookReceiver, wait_for

SECRET = "whsec_" + base64.b64encode(b"a test secret of 32 bytes length").decode()
SCRIPT = "The service renders this narration. It has exactly two sentences."
SPEC_JOB_FIELDS = {
    "job_id", "status", "voice_url", "subtitles_url", "video_url", "thumbnail_url", "error",
}  # fmt: skip


def test_render_flow(
    make_service: ServiceFactory, files: FileServer, receiver: WebhookReceiver, media: Media
) -> None:
    service = make_service(WEBHOOK_URL=receiver.url, WEBHOOK_SECRET=SECRET, LOG_FORMAT="json")
    response = service.client.post(
        "/render",
        json={
            "script": SCRIPT,
            "base_video_url": f"{files.url}/{media.base_short.name}",
            "bgm_url": f"{files.url}/{media.music.name}",
        },
    )
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued.keys() >= SPEC_JOB_FIELDS
    assert queued["status"] == "queued"
    job_id = queued["job_id"]

    seen = [queued["status"]]

    def finished() -> dict[str, object] | None:
        body = service.status(job_id)
        if body["status"] != seen[-1]:
            seen.append(body["status"])
        if body["status"] == "processing":
            assert body["stage"] in ("inputs", "script", "tts", "upload", "subtitles",
                                     "render", "thumbnail")  # fmt: skip
            assert 0 <= body["progress"] < 100
        return body if body["status"] in ("completed", "failed") else None

    done = wait_for(finished, timeout_s=120, interval_s=0.02, what="the render")
    assert done["error"] is None, done["error"]
    assert seen in (["queued", "processing", "completed"], ["queued", "completed"])
    assert done["progress"] == 100 and done["stage"] is None

    keys = {
        "voice_url": f"uploads/voiceovers/{job_id}-voice.wav",
        "subtitles_url": f"uploads/subtitles/{job_id}-subs.ass",
        "video_url": f"uploads/renders/{job_id}-final.mp4",
        "thumbnail_url": f"uploads/thumbnails/{job_id}-thumbnail.jpg",
    }
    for field, key in keys.items():
        assert done[field] == f"{service.url}/{key}"
        assert (service.data_dir / key).is_file()

    # The artifacts are served, with range requests, and play.
    video = service.data_dir / keys["video_url"]
    fetched = httpx.get(done["video_url"])
    assert fetched.status_code == 200 and fetched.content == video.read_bytes()
    part = httpx.get(done["video_url"], headers={"range": "bytes=0-99"})
    assert part.status_code == 206 and part.content == video.read_bytes()[:100]
    found = streams(video)
    assert (found["video"]["width"], found["video"]["height"]) == (320, 180)
    assert "audio" in found and duration_s(video) > 2.0  # longer than the 2 s base: looped
    assert httpx.get(done["thumbnail_url"]).headers["content-type"] == "image/jpeg"
    assert "Dialogue:" in httpx.get(done["subtitles_url"]).text

    # Webhooks: in order, the spec's fields exactly, signed (Standard Webhooks).
    wait_for(lambda: len(receiver.received) >= 2, timeout_s=30, what="two webhooks")
    verifier = Webhook(SECRET)
    events = [verifier.verify(item.body, item.headers) for item in receiver.received]
    assert [e["event"] for e in events] == ["voiceover_uploaded", "video_completed"]
    assert set(events[0]) == {"event", "job_id", "voice_url", "timestamp"}
    spec_fields = {"event", "job_id", "voice_url", "subtitles_url", "video_url", "thumbnail_url",
                   "timestamp"}  # fmt: skip
    additions = {"subtitles_srt_url", "subtitles_vtt_url", "words_url", "warnings"}
    assert set(events[1]) == spec_fields | additions
    assert {k: events[1][k] for k in additions} == {k: done[k] for k in additions}
    assert all(e["job_id"] == job_id for e in events)
    assert events[0]["voice_url"] == done["voice_url"]
    assert {k: events[1][k] for k in keys} == {k: done[k] for k in keys}
    assert receiver.received[1].headers["webhook-id"] == f"{job_id}.video_completed"

    # Logs are JSON lines carrying the job id.
    log_lines = [line for line in service.log().splitlines() if job_id in line]
    assert any('"job_id": "' + job_id in line for line in log_lines)


def test_voiceover_then_render_video(make_service: ServiceFactory, files: FileServer,
                                     media: Media) -> None:  # fmt: skip
    service = make_service()
    voiced = service.client.post("/voiceover", json={"script": SCRIPT})
    assert voiced.status_code == 200, voiced.text
    voice = voiced.json()
    assert set(voice) == {"job_id", "status", "voice_url", "error"}
    assert voice["status"] == "completed" and voice["error"] is None
    voice_key = f"uploads/voiceovers/{voice['job_id']}-voice.wav"
    assert voice["voice_url"] == f"{service.url}/{voice_key}"
    voice_s = duration_s(service.data_dir / voice_key)

    # The voiceover just made, as the provided one (an http URL of this very service).
    rendered = service.client.post(
        "/render-video",
        json={
            "script": SCRIPT,
            "voiceover_url": voice["voice_url"],
            "base_video_url": f"{files.url}/{media.base_long.name}",
            "size": "180x320",
        },
    )
    assert rendered.status_code == 200, rendered.text
    body = rendered.json()
    assert body["status"] == "completed" and body["error"] is None
    job_id = body["job_id"]
    video = service.data_dir / f"uploads/renders/{job_id}-final.mp4"
    assert body["video_url"] == f"{service.url}/uploads/renders/{job_id}-final.mp4"
    found = streams(video)
    assert (found["video"]["width"], found["video"]["height"]) == (180, 320)
    assert abs(duration_s(video) - (voice_s + 1.0)) < 0.3  # the voice plus the 1 s tail
    stored_voice = service.data_dir / f"uploads/voiceovers/{job_id}-voice.wav"
    assert abs(duration_s(stored_voice) - voice_s) < 0.05
    subs = Path(service.data_dir / f"uploads/subtitles/{job_id}-subs.ass").read_text()
    assert subs.count("Dialogue:") >= 2
