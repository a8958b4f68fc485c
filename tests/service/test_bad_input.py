"""Bad requests of every kind get a 4xx JSON answer naming the problem, never a 500; bad
media gets a failed job with a readable error; the API key is enforced."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import Media
from tests.service.servers import FileServer, Service, started

KEY = "test-api-key"
AUTH = {"authorization": f"Bearer {KEY}"}
SCRIPT = "A short and valid script."


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory, tts_cache: Path) -> Iterator[Service]:
    data = tmp_path_factory.mktemp("bad-input") / "data"
    env = {"API_KEY": KEY, "MAX_VIDEO_MB": "1", "MAX_AUDIO_MB": "1", "TTS_CACHE_DIR":
           str(tts_cache), "VIDEO_PRESET": "ultrafast", "WEBHOOK_URL": "",
           "ALLOW_PRIVATE_INPUTS": "true"}  # fmt: skip
    server = Service(data, env)
    server.client.headers.update(AUTH)
    yield from started(server)


def _render(**fields: Any) -> dict[str, Any]:
    return {"json": {"script": SCRIPT, **fields}}


def _metadata_body(number: str) -> bytes:
    """A body whose metadata holds what Python's JSON parser reads but JSON has not."""
    return f'{{"script": "{SCRIPT}", "metadata": {{"a": {number}}}}}'.encode()


BAD_REQUESTS = [
    # (method, path, request kwargs, status, field named in the answer)
    ("POST", "/render", {"content": b"{not json"}, 422, "body"),
    ("POST", "/render", {"content": b"[1, 2]"}, 422, "body"),
    ("POST", "/render", {"content": b'"a string"'}, 422, "body"),
    ("POST", "/render", {"content": b"null"}, 422, "body"),
    ("POST", "/render", {"json": {}}, 422, "script"),
    ("POST", "/render", {"json": {"script": None}}, 422, "script"),
    ("POST", "/render", {"json": {"script": 123}}, 422, "script"),
    ("POST", "/render", {"json": {"script": ["a", "b"]}}, 422, "script"),
    ("POST", "/render", {"json": {"script": ""}}, 422, "script"),
    ("POST", "/render", {"json": {"script": " \n\t "}}, 422, "script"),
    ("POST", "/render", {"json": {"script": "x" * 50_001}}, 422, "script"),
    ("POST", "/render", _render(base_video_url=123), 422, "base_video_url"),
    ("POST", "/render", _render(base_video_url="ftp://host/v.mp4"), 422, "base_video_url"),
    ("POST", "/render", _render(base_video_url="file:///etc/passwd"), 422, "base_video_url"),
    ("POST", "/render", _render(base_video_url="not a url"), 422, "base_video_url"),
    ("POST", "/render", _render(base_video_url="http://"), 422, "base_video_url"),
    ("POST", "/render", _render(base_video_url="s3://bucket-only"), 422, "base_video_url"),
    ("POST", "/render", _render(base_video_url="http://x/" + "a" * 5000), 422, "base_video_url"),
    ("POST", "/render", _render(bgm_url="javascript:alert(1)"), 422, "bgm_url"),
    ("POST", "/render", _render(bgm_url={"url": "http://x/a.mp3"}), 422, "bgm_url"),
    ("POST", "/render", _render(size="big"), 422, "size"),
    ("POST", "/render", _render(size="3x3"), 422, "size"),
    ("POST", "/render", _render(size="321x180"), 422, "size"),
    ("POST", "/render", _render(size=1080), 422, "size"),
    ("POST", "/render", _render(webhook_url="s3://bucket/key"), 422, "webhook_url"),
    (
        "POST",
        "/render",
        {
            "content": b"script=hello",
            "headers": {"content-type": "application/x-www-form-urlencoded"},
        },
        422,
        "body",
    ),
    ("POST", "/render", {"content": json.dumps({"script": "x" * 2_000_000}).encode()}, 413, None),
    ("POST", "/voiceover", {"json": {"script": ""}}, 422, "script"),
    ("POST", "/voiceover", {"json": {"text": SCRIPT}}, 422, "script"),
    ("POST", "/render-video", _render(), 422, "voiceover_url"),
    ("POST", "/render-video", _render(voiceover_url="gopher://x/y"), 422, "voiceover_url"),
    ("GET", "/status/no-such-job", {}, 404, None),
    ("POST", "/jobs/no-such-job/cancel", {}, 404, None),
    ("GET", "/render", {}, 405, None),
    ("GET", "/no/such/path", {}, 404, None),
    ("GET", "/uploads/../jobs.db", {}, 404, None),
    ("GET", "/uploads/renders/nothing-final.mp4", {}, 404, None),
    ("GET", "/uploads/renders/x%00y-final.mp4", {}, 404, None),
    (
        "POST",
        "/uploads",
        {
            "content": b"--b0\r\n[]--b0--\r\n",  # multipart data with no part headers
            "headers": {"content-type": "multipart/form-data; boundary=b0"},
        },
        422,
        "body",
    ),
    ("POST", "/render", {"content": _metadata_body("NaN")}, 422, "metadata"),
    ("POST", "/render", {"content": _metadata_body("-Infinity")}, 422, "metadata"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "field"), BAD_REQUESTS)
def test_bad_request_is_4xx_json(
    service: Service,
    method: str,
    path: str,
    kwargs: dict[str, Any],
    status: int,
    field: str | None,
) -> None:
    headers = {"content-type": "application/json", **AUTH, **kwargs.pop("headers", {})}
    response = service.client.request(method, path, headers=headers, **kwargs)
    assert response.status_code == status, response.text
    body = response.json()
    assert "detail" in body
    if field is not None:
        assert field in [problem["field"] for problem in body["detail"]], body


def test_api_key(service: Service) -> None:
    client = httpx.Client(base_url=service.url)  # without the key the service's client sends
    assert client.get("/health").status_code == 200  # open
    for headers in ({}, {"authorization": "Bearer wrong"}, {"x-api-key": "wrong"},
                    {"authorization": KEY}, {"x-api-key": KEY[:-1]}):  # fmt: skip
        response = client.get("/status/x", headers=headers)
        assert response.status_code == 401, headers
        assert "API key" in response.json()["detail"]
    assert client.get("/status/x", headers={"x-api-key": KEY}).status_code == 404
    assert client.get("/status/x", headers=AUTH).status_code == 404
    assert client.post("/render", json={"script": SCRIPT}).status_code == 401
    client.close()


def _failed_job(service: Service, **fields: Any) -> str:
    response = service.client.post("/render", json={"script": SCRIPT, **fields}, headers=AUTH)
    assert response.status_code == 202, response.text
    done = service.wait_finished(response.json()["job_id"])
    assert done["status"] == "failed"
    error: str = done["error"]
    assert "Traceback" not in error
    return error


@pytest.mark.parametrize(
    ("name", "field", "message"),
    [
        ("not_media.mp4", "base_video_url", "base video 'base-video' is not a readable media"),
        ("silent_video.mp4", "bgm_url", "has no audio stream"),
        ("missing.mp4", "base_video_url", "answered HTTP 404"),
        ("big.mp4", "base_video_url", "base_video_url is larger than the 1 MB limit"),
        ("endless", "base_video_url", "base_video_url is larger than the 1 MB limit"),
        ("big.mp4", "bgm_url", "bgm_url is larger than the 1 MB limit"),
    ],
)
def test_unusable_media_fails_the_job_readably(
    service: Service, files: FileServer, name: str, field: str, message: str
) -> None:
    error = _failed_job(service, **{field: f"{files.url}/{name}"})
    assert message in error
    assert error.startswith("inputs: ")


def test_s3_without_s3_storage(service: Service) -> None:
    error = _failed_job(service, base_video_url="s3://bucket/videos/base.mp4")
    assert "S3 storage is not configured" in error


def test_unreachable_url(service: Service) -> None:
    error = _failed_job(service, bgm_url="http://127.0.0.1:9/music.mp3")
    assert "bgm_url: could not download 127.0.0.1:9" in error


def test_render_video_with_unusable_voiceover_is_422(
    service: Service, files: FileServer, media: Media
) -> None:
    response = service.client.post(
        "/render-video",
        json={"script": SCRIPT, "voiceover_url": f"{files.url}/{media.not_media.name}"},
        headers=AUTH,
    )
    assert response.status_code == 422
    body = response.json()
    assert body["status"] == "failed" and "voiceover" in body["error"]


def test_cancel_a_finished_job_is_409(service: Service) -> None:
    response = service.client.post("/voiceover", json={"script": SCRIPT}, headers=AUTH)
    job_id = response.json()["job_id"]
    cancel = service.client.post(f"/jobs/{job_id}/cancel", headers=AUTH)
    assert cancel.status_code == 409 and "completed" in cancel.json()["detail"]
    assert httpx.get(f"{service.url}/health").json()["queue"] == {"queued": 0, "processing": 0}
