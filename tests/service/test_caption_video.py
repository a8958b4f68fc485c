"""POST /caption-video against the real service: a talking video it has never seen, fetched
over HTTP, transcribed, captioned and burnt in; artifacts at the usual keys; signed webhooks;
an Idempotency-Key replayed; a cancel; bad bodies refused naming the field."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pysubs2
from standardwebhooks.webhooks import Webhook

from tests.corpus import start_errors
from tests.decode import duration_s, streams
from tests.recordings import Recording
from tests.service.conftest import ServiceFactory
from tests.service.servers import WebhookReceiver, wait_for

SECRET = "whsec_" + base64.b64encode(b"a test secret of 32 bytes length").decode()


def test_caption_video_flow(
    make_service: ServiceFactory,
    talking_video_url: str,
    receiver: WebhookReceiver,
    talking_video: Recording,
    whisper_cache: Path,
) -> None:
    service = make_service(
        WEBHOOK_URL=receiver.url, WEBHOOK_SECRET=SECRET, WHISPER_CACHE_DIR=str(whisper_cache)
    )
    body = {
        "video_url": talking_video_url,
        "subtitle_style": "karaoke",
        "captions": {"position": "top"},
        "metadata": {"order": 7},
    }
    headers = {"Idempotency-Key": "caption-1"}
    response = service.client.post("/caption-video", json=body, headers=headers)
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["status"] == "queued" and job["kind"] == "caption_video"
    again = service.client.post("/caption-video", json=body, headers=headers)
    assert again.status_code == 202 and again.json()["job_id"] == job["job_id"]
    assert again.headers["Idempotent-Replayed"] == "true"

    seen: list[tuple[str, int]] = []

    def finished() -> dict[str, Any] | None:
        body = service.status(job["job_id"])
        if body["status"] == "processing":
            seen.append((body["stage"], body["progress"]))
        return body if body["status"] in ("completed", "failed", "cancelled") else None

    done = wait_for(finished, timeout_s=600, interval_s=0.1, what="the caption job")
    assert done["status"] == "completed", done["error"]
    # The bar moves through the caption job's own stages, never back.
    assert [p for _, p in seen] == sorted(p for _, p in seen)
    assert any(stage == "transcribe" and 5 <= p <= 55 for stage, p in seen), seen
    assert done["warnings"] == [] and done["metadata"] == {"order": 7}
    assert done["voice_url"] is None and "transcribe" in done["timings"]
    job_id = job["job_id"]
    assert done["video_url"] == f"{service.url}/uploads/renders/{job_id}-final.mp4"
    video = service.data_dir / f"uploads/renders/{job_id}-final.mp4"
    found = streams(video)
    assert (found["video"]["width"], found["video"]["height"]) == (320, 180) and "audio" in found
    assert abs(duration_s(video) - duration_s(talking_video.path)) <= 0.15
    srt = httpx.get(done["subtitles_srt_url"]).text
    events = pysubs2.SSAFile.from_string(srt).events
    errors = start_errors(talking_video.starts_ms, [e.start for e in events])
    assert np.median(errors) <= 80 and errors.max() <= 300, errors
    ass = pysubs2.SSAFile.from_string(httpx.get(done["subtitles_url"]).text)
    assert {style.alignment for style in ass.styles.values()} == {pysubs2.Alignment.TOP_CENTER}
    assert httpx.get(done["words_url"]).json()["engine"] == "transcript"
    assert httpx.get(done["thumbnail_url"]).headers["content-type"] == "image/jpeg"

    wait_for(lambda: len(receiver.received) >= 1, timeout_s=30, what="the webhook")
    verifier = Webhook(SECRET)
    hooks = [verifier.verify(item.body, item.headers) for item in receiver.received]
    assert [h["event"] for h in hooks] == ["video_completed"]  # no voice is published
    assert hooks[0]["video_url"] == done["video_url"] and hooks[0]["metadata"] == {"order": 7}
    assert hooks[0]["voice_url"] is None and hooks[0]["warnings"] == []


def test_caption_video_is_cancelled_and_bad_bodies_are_refused(
    make_service: ServiceFactory, talking_video_url: str, whisper_cache: Path
) -> None:
    service = make_service(WHISPER_CACHE_DIR=str(whisper_cache))
    url = talking_video_url
    job_id = service.client.post("/caption-video", json={"video_url": url}).json()["job_id"]
    cancelled = service.client.post(f"/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert service.wait_finished(job_id)["status"] == "cancelled"

    for body, field in [
        ({}, "video_url"),
        ({"video_url": "ftp://example.com/v.mp4"}, "video_url"),
        ({"video_url": url, "subtitle_style": "nope"}, "subtitle_style"),
        ({"video_url": url, "language": "not a tag"}, "language"),
        ({"video_url": url, "size": "12x7"}, "size"),
    ]:
        response = service.client.post("/caption-video", json=body)
        assert response.status_code == 422, (body, response.text)
        assert field in response.text


def test_render_video_without_a_script_transcribes_the_voiceover(
    make_service: ServiceFactory,
    talking_video_url: str,
    talking_video: Recording,
    whisper_cache: Path,
) -> None:
    service = make_service(WHISPER_CACHE_DIR=str(whisper_cache))
    body = {"voiceover_url": talking_video_url, "size": "160x90"}
    response = service.client.post("/render-video", json=body)
    assert response.status_code == 200, response.text
    done = response.json()
    assert done["status"] == "completed" and done["warnings"] == []
    assert "transcribe" in done["timings"] and "align" in done["timings"]
    words = httpx.get(done["words_url"]).json()
    assert len(words["sentences"]) == 4
    errors = start_errors(talking_video.starts_ms, [s["start_ms"] for s in words["sentences"]])
    assert np.median(errors) <= 80 and errors.max() <= 300, errors
    empty = service.client.post("/render", json={"script": " "})
    assert empty.status_code == 422 and "script" in empty.text  # /render still needs one
