"""The service with S3 storage, end to end against a real S3 server (SeaweedFS): the spec's
/render flow with s3:// inputs, presigned URLs for callers, the bucket allowlist, wrong
credentials, and an S3 outage in the middle of a job."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Media
from tests.decode import duration_s, streams
from tests.s3.conftest import BUCKET, PRIVATE_BUCKET, SECRET, SHARED_BUCKET, s3_env
from tests.s3server import SeaweedS3, free_port
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service, WebhookReceiver, wait_for

SCRIPT = "The service renders this narration. It has exactly two sentences."
WRONG_SECRET = "wrong-secret-Jm4-never-in-logs"


def _keys(job_id: str) -> dict[str, str]:
    return {
        "voice_url": f"uploads/voiceovers/{job_id}-voice.wav",
        "subtitles_url": f"uploads/subtitles/{job_id}-subs.ass",
        "video_url": f"uploads/renders/{job_id}-final.mp4",
        "thumbnail_url": f"uploads/thumbnails/{job_id}-thumbnail.jpg",
    }


def _storage_health(service: Service) -> dict[str, Any]:
    response = service.client.get("/health")
    assert response.status_code == 200 and response.json()["status"] == "healthy"
    storage: dict[str, Any] = response.json()["storage"]
    return storage


def _checked(service: Service) -> dict[str, Any]:
    """/health's storage part once the first bucket check has answered."""
    result: dict[str, Any] = wait_for(
        lambda: (s := _storage_health(service))["reachable"] is not None and s,
        timeout_s=30, what="the bucket check",
    )  # fmt: skip
    return result


def _stored_bytes(service: Service) -> bytes:
    """Everything the service keeps on disk (the job database and its WAL)."""
    return b"".join(path.read_bytes() for path in service.data_dir.glob("jobs.db*"))


def test_render_flow_with_s3_inputs_and_outputs(
    make_service: ServiceFactory, s3: SeaweedS3, receiver: WebhookReceiver, media: Media,
    tmp_path: Path,
) -> None:  # fmt: skip
    # The seed's example request, with its inputs uploaded by the test.
    s3.client.upload_file(str(media.base_short), BUCKET, "uploads/renders/example-base.mp4")
    s3.client.upload_file(str(media.music), BUCKET, "uploads/audio/example-bgm.mp3")
    service = make_service(**s3_env(s3, WEBHOOK_URL=receiver.url, LOG_LEVEL="DEBUG"))
    assert _checked(service) == {
        "backend": "s3", "bucket": BUCKET, "reachable": True, "error": None,
    }  # fmt: skip

    response = service.client.post(
        "/render",
        json={
            "script": SCRIPT,
            "base_video_url": f"s3://{BUCKET}/uploads/renders/example-base.mp4",
            "bgm_url": f"s3://{BUCKET}/uploads/audio/example-bgm.mp3",
        },
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    done = service.wait_finished(job_id)
    assert done["status"] == "completed", done["error"]

    # Every *_url is s3://bucket/key at the spec's key, and names an object of the right type.
    content_types = {"voice_url": "audio/wav", "subtitles_url": "text/x-ssa; charset=utf-8",
                     "video_url": "video/mp4", "thumbnail_url": "image/jpeg"}  # fmt: skip
    for field, key in _keys(job_id).items():
        assert done[field] == f"s3://{BUCKET}/{key}"
        assert s3.client.head_object(Bucket=BUCKET, Key=key)["ContentType"] == content_types[field]

    # The webhooks carry the same s3:// locations.
    wait_for(lambda: len(receiver.received) >= 2, timeout_s=30, what="two webhooks")
    events = receiver.events()
    assert [e["event"] for e in events] == ["voiceover_uploaded", "video_completed"]
    assert events[0]["voice_url"] == done["voice_url"]
    assert {k: events[1][k] for k in _keys(job_id)} == {k: done[k] for k in _keys(job_id)}

    # Presigned URLs, downloadable with a plain HTTP client: the video plays.
    urls = service.client.get(f"/jobs/{job_id}/urls")
    assert urls.status_code == 200, urls.text
    shared = urls.json()
    assert shared["job_id"] == job_id and shared["expires_in"] == 3600
    for field, key in _keys(job_id).items():
        assert shared[field].startswith(f"{s3.endpoint}/{BUCKET}/{key}?X-Amz-")
        fetched = httpx.get(shared[field])
        assert fetched.status_code == 200
        assert fetched.headers["content-type"] == content_types[field]
        assert fetched.content == s3.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()
    video = tmp_path / "final.mp4"
    video.write_bytes(httpx.get(shared["video_url"]).content)
    found = streams(video)
    assert (found["video"]["width"], found["video"]["height"]) == (320, 180)
    assert "audio" in found and duration_s(video) > 2.0  # longer than the 2 s base: looped
    assert "Dialogue:" in httpx.get(shared["subtitles_url"]).text
    voice = tmp_path / "voice.wav"
    voice.write_bytes(httpx.get(shared["voice_url"]).content)
    assert streams(voice)["audio"]["codec_name"] == "pcm_s16le" and duration_s(voice) > 1.0
    thumbnail = tmp_path / "thumbnail.jpg"
    thumbnail.write_bytes(httpx.get(shared["thumbnail_url"]).content)
    assert streams(thumbnail)["video"]["codec_name"] == "mjpeg"
    tampered = re.sub(r"X-Amz-Signature=.", "X-Amz-Signature=x", shared["video_url"])
    assert httpx.get(tampered).status_code == 403

    # The application key is nowhere: not in responses, webhooks, the job store, or the log
    # (even at DEBUG, where botocore logs its requests).
    seen = [response.text, service.client.get(f"/status/{job_id}").text, urls.text,
            service.client.get("/health").text, *(item.body.decode() for item in receiver.received),
            service.log()]  # fmt: skip
    assert all(SECRET not in text for text in seen)
    assert SECRET.encode() not in _stored_bytes(service)


def test_render_video_takes_only_allowed_s3_inputs(
    make_service: ServiceFactory, s3: SeaweedS3, media: Media, files: FileServer
) -> None:
    s3.client.upload_file(str(media.audio_only), SHARED_BUCKET, "voiceovers/example-voice.m4a")
    s3.client.upload_file(str(media.base_long), BUCKET, "uploads/renders/rv-base.mp4")
    s3.client.upload_file(str(media.base_long), PRIVATE_BUCKET, "secret/base.mp4")
    service = make_service(**s3_env(s3, S3_ALLOWED_BUCKETS=SHARED_BUCKET))
    voice = f"s3://{SHARED_BUCKET}/voiceovers/example-voice.m4a"
    base = f"s3://{BUCKET}/uploads/renders/rv-base.mp4"

    def refused(path: str, body: dict[str, str], field: str) -> str:
        response = service.client.post(path, json={"script": SCRIPT, **body})
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
        message: str = response.json()["detail"]
        return message

    # With S3 storage, /render-video reads only s3:// inputs, as the spec says.
    http_voice = f"{files.url}/{media.audio_only.name}"
    assert "s3://bucket/key" in refused("/render-video", {"voiceover_url": http_voice},
                                        "voiceover_url")  # fmt: skip
    assert "s3://" in refused(
        "/render-video",
        {"voiceover_url": voice, "base_video_url": f"{files.url}/{media.base_long.name}"},
        "base_video_url",
    )
    # Buckets outside the allowlist are refused before a job exists, on both endpoints.
    private = f"s3://{PRIVATE_BUCKET}/secret/base.mp4"
    message = refused("/render-video", {"voiceover_url": voice, "base_video_url": private},
                      "base_video_url")  # fmt: skip
    assert f"bucket {PRIVATE_BUCKET!r} is not one this service reads" in message
    refused("/render", {"bgm_url": private}, "bgm_url")
    assert service.client.get("/health").json()["queue"] == {"queued": 0, "processing": 0}

    # The spec's /render-video with allowed s3:// inputs (one from a bucket S3_ALLOWED_BUCKETS adds).
    rendered = service.client.post(
        "/render-video", json={"script": SCRIPT, "voiceover_url": voice, "base_video_url": base}
    )
    assert rendered.status_code == 200, rendered.text
    body = rendered.json()
    assert body["status"] == "completed" and body["error"] is None
    for field, key in _keys(body["job_id"]).items():
        assert body[field] == f"s3://{BUCKET}/{key}"
        assert s3.client.head_object(Bucket=BUCKET, Key=key)["ContentLength"] > 0


def test_wrong_credentials_give_a_clear_error(make_service: ServiceFactory, s3: SeaweedS3) -> None:
    service = make_service(**s3_env(s3, BACKBLAZE_APPLICATION_KEY=WRONG_SECRET))
    storage = _checked(service)  # /health stays 200 ("healthy"): liveness is not storage
    assert storage["reachable"] is False and "credentials were refused" in storage["error"]

    for _ in range(2):
        response = service.client.post("/voiceover", json={"script": SCRIPT})
        assert response.status_code == 503, response.text
        body = response.json()
        assert body["status"] == "failed" and body["voice_url"] is None
        assert "could not store uploads/voiceovers/" in body["error"]
        assert "credentials were refused" in body["error"]
        assert "BACKBLAZE_KEY_ID and BACKBLAZE_APPLICATION_KEY" in body["error"]
        assert WRONG_SECRET not in response.text

    log = service.log()
    assert len(re.findall(r"S3 storage: bucket .* credentials were refused", log)) == 1
    assert "Traceback" not in log and "retrying" not in log  # no retries: they cannot help
    assert WRONG_SECRET not in log and SECRET not in log
    assert WRONG_SECRET.encode() not in _stored_bytes(service)


def test_job_fails_clearly_once_the_retry_budget_is_spent(make_service: ServiceFactory,
                                                          s3: SeaweedS3) -> None:  # fmt: skip
    unreachable = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    service = make_service(**s3_env(s3, BACKBLAZE_ENDPOINT_URL=unreachable,
                                     S3_RETRY_SECONDS="3", MAX_ATTEMPTS="1"))  # fmt: skip
    assert "could not connect" in _checked(service)["error"]
    response = service.client.post("/voiceover", json={"script": SCRIPT})
    assert response.status_code == 503, response.text
    error = response.json()["error"]
    assert re.search(
        rf"could not store uploads/voiceovers/\S+-voice.wav in bucket '{BUCKET}': "
        rf"could not connect to {unreachable} \(gave up after \d+ tries in \d+ s\)",
        error,
    ), error
    assert "retrying in" in service.log()


class GatedFile:
    """Serves one file over HTTP, but holds every request until `release()`: a job fetching
    it waits there, so a test can act at a known point in the middle of the job."""

    def __init__(self, path: Path) -> None:
        self.hit = threading.Event()
        self._released = threading.Event()
        gate = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                gate.hit.set()
                gate._released.wait(timeout=120)
                data = path.read_bytes()
                self.send_response(200)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/{path.name}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def release(self) -> None:
        self._released.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def gated_music(media: Media) -> Iterator[GatedFile]:
    gate = GatedFile(media.music)
    yield gate
    gate.close()


def test_s3_outage_in_the_middle_of_a_job(
    make_service: ServiceFactory, s3: SeaweedS3, media: Media, gated_music: GatedFile,
    tmp_path: Path,
) -> None:  # fmt: skip
    s3.client.upload_file(str(media.base_short), BUCKET, "inputs/outage-base.mp4")
    service = make_service(**s3_env(s3, S3_RETRY_SECONDS="180"))
    response = service.client.post(
        "/render",
        json={
            "script": SCRIPT,
            "base_video_url": f"s3://{BUCKET}/inputs/outage-base.mp4",  # read from S3 first
            "bgm_url": gated_music.url,  # then the job waits here
        },
    )
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert gated_music.hit.wait(timeout=60), "the job never asked for its music"
    not_yet = service.client.get(f"/jobs/{job_id}/urls")
    assert not_yet.status_code == 409 and "processing" in not_yet.json()["detail"]

    s3.stop()  # S3 goes away while the job is running, before any artifact is stored
    try:
        gated_music.release()
        wait_for(lambda: "S3: could not store uploads/voiceovers/" in service.log(),
                 timeout_s=120, interval_s=0.2, what="an upload to fail and be retried")  # fmt: skip
        assert service.status(job_id)["status"] == "processing"
    finally:
        s3.start()

    done = service.wait_finished(job_id, timeout_s=240)
    assert done["status"] == "completed", done["error"]
    assert "could not connect to" in service.log()
    for field, key in _keys(job_id).items():
        assert done[field] == f"s3://{BUCKET}/{key}"
    video = tmp_path / "final.mp4"
    s3.client.download_file(BUCKET, _keys(job_id)["video_url"], str(video))
    assert "video" in streams(video) and duration_s(video) > 2.0


def test_urls_with_local_storage_are_the_services_own(make_service: ServiceFactory) -> None:
    service = make_service()
    assert _storage_health(service) == {
        "backend": "local", "bucket": None, "reachable": True, "error": None,
    }  # fmt: skip
    assert service.client.get("/jobs/no-such-job/urls").status_code == 404
    voiced = service.client.post("/voiceover", json={"script": SCRIPT})
    assert voiced.status_code == 200, voiced.text
    job_id = voiced.json()["job_id"]
    urls = service.client.get(f"/jobs/{job_id}/urls")
    assert urls.status_code == 200, urls.text
    body = urls.json()
    assert body["job_id"] == job_id and body["expires_in"] is None
    assert {"voice_url", "subtitles_url", "video_url", "thumbnail_url"} <= body.keys()
    given = {field: url for field, url in body.items() if field.endswith("_url") and url}
    assert given == {"voice_url": voiced.json()["voice_url"]}
    assert httpx.get(urls.json()["voice_url"]).status_code == 200
