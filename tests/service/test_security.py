"""The attacks of issue 32 against a real service on 127.0.0.1, each refused: local files read
through a playlist, the docs without the key, a cookie after sign-out, key guessing, missing
headers, a forged Host, cross-site writes, chunked bodies over the cap, unparsable hosts."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client
from PIL import Image

from tests.attacks import playlist, secret_media
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service, wait_for

KEY = "security-test-key-7d2e"
SCRIPT = "A short and valid script."
REFUSED_FORMAT = "not in a media format this service reads"


@pytest.fixture(scope="module")
def secret(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return secret_media(tmp_path_factory.mktemp("elsewhere"))


@pytest.fixture(scope="module")
def attack_files(tmp_path_factory: pytest.TempPathFactory, secret: Path) -> Iterator[FileServer]:
    """The playlist under media names, over HTTP."""
    root = tmp_path_factory.mktemp("attack")
    for name in ("video.mp4", "music.mp3", "clip.mp4", "voice.wav"):
        playlist(root / name, secret)
    server = FileServer(root)
    yield server
    server.close()


def _assert_quiet(text: str, secret: Path) -> None:
    """The answer says nothing about local paths or whether they exist."""
    assert str(secret.parent) not in text and "No such file" not in text
    assert "Traceback" not in text


def _failed(service: Service, path: str = "/render", **fields: Any) -> str:
    response = service.client.post(path, json={"script": SCRIPT, "size": "160x90", **fields})
    assert response.status_code == 202, response.text
    done = service.wait_finished(response.json()["job_id"])
    assert done["status"] == "failed", done
    error: str = done["error"]
    return error


# --- 1. only media formats -------------------------------------------------------------------


def test_a_playlist_is_refused_as_every_kind_of_upload(
    make_service: ServiceFactory, secret: Path, tmp_path: Path
) -> None:
    service = make_service()
    exists = playlist(tmp_path / "a.m3u8", secret).read_bytes()
    missing = playlist(tmp_path / "b.m3u8", secret.with_name("none.ts")).read_bytes()
    for kind, name in (("base_video", "video.mp4"), ("music", "music.mp3"), ("scene", "c.mp4")):
        answers = [
            service.client.post("/uploads", data={"kind": kind}, files={"file": (name, body)})
            for body in (exists, missing)
        ]
        for answer in answers:
            assert answer.status_code == 422, answer.text
            assert answer.json()["field"] == "file"
            _assert_quiet(answer.text, secret)
        # A segment that exists and one that does not get the same answer: no path oracle.
        assert answers[0].json() == answers[1].json()
        if kind != "scene":
            assert REFUSED_FORMAT in answers[0].text
    assert not list((service.data_dir / "uploads").rglob("inputs/*"))


def test_a_playlist_by_url_fails_the_job_naming_the_input(
    make_service: ServiceFactory, attack_files: FileServer, secret: Path
) -> None:
    service = make_service()
    for field, name, named in (
        ("base_video_url", "video.mp4", "base video"),
        ("bgm_url", "music.mp3", "background music"),
    ):
        error = _failed(service, **{field: f"{attack_files.url}/{name}"})
        assert named in error and REFUSED_FORMAT in error, error
        _assert_quiet(error, secret)
    scene = f"![]({attack_files.url}/clip.mp4)\n{SCRIPT}"
    error = _failed(service, script=scene)
    assert "scenes[0].media_url" in error, error
    _assert_quiet(error, secret)
    voiceover = service.client.post(
        "/render-video", json={"script": SCRIPT, "voiceover_url": f"{attack_files.url}/voice.wav"}
    )
    assert voiceover.status_code == 422, voiceover.text
    assert "voiceover" in voiceover.json()["error"] and REFUSED_FORMAT in voiceover.text
    _assert_quiet(voiceover.text, secret)


def test_a_playlist_through_the_mcp_tool_fails_the_job(
    make_service: ServiceFactory, attack_files: FileServer, secret: Path
) -> None:
    service = make_service(API_KEY=KEY)
    found: dict[str, Any] = {}

    async def session_run() -> None:
        async with (
            httpx.AsyncClient(headers={"X-API-Key": KEY}, timeout=120) as client,
            streamable_http_client(f"{service.url}/mcp", http_client=client) as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            result = await session.call_tool(
                "render_video",
                {"script": SCRIPT, "size": "160x90", "wait": True,
                 "base_video_url": f"{attack_files.url}/video.mp4"},
            )  # fmt: skip
            assert result.structuredContent is not None
            found.update(result.structuredContent)

    anyio.run(session_run)
    assert found["status"] == "failed", found
    assert "base video" in found["error"] and REFUSED_FORMAT in found["error"]
    _assert_quiet(found["error"], secret)


# --- 2. docs ---------------------------------------------------------------------------------


def test_docs_are_behind_the_key_and_served_from_here(make_service: ServiceFactory) -> None:
    service = make_service(API_KEY=KEY)
    client = service.client
    for path in ("/docs", "/openapi.json"):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers={"X-API-Key": KEY}).status_code == 200, path
    assert client.get("/redoc").status_code == 404
    page = client.get("/docs", headers={"X-API-Key": KEY}).text
    assert "://" not in page  # every asset is a path on this service
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        answer = client.get(asset)
        assert answer.status_code == 200 and len(answer.content) > 100, asset
    bundle = client.get("/docs/assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    public = make_service(API_KEY=KEY, DOCS_PUBLIC="true")
    assert httpx.get(f"{public.url}/docs").status_code == 200
    assert httpx.get(f"{public.url}/openapi.json").json()["info"]["title"]
    assert httpx.get(f"{public.url}/jobs").status_code == 401  # only the docs are opened


# --- 3. sessions that end ----------------------------------------------------------------------


def sign_in(client: httpx.Client, key: str = KEY) -> httpx.Response:
    form = client.get("/studio/login")
    token = re.search(r'name="login_token" value="([^"]+)"', form.text)
    assert token, form.text
    return client.post(
        "/studio/login", data={"api_key": key, "login_token": token.group(1), "next": "/"}
    )


def csrf_token(client: httpx.Client) -> str:
    found = re.search(r'name="csrf-token" content="([^"]+)"', client.get("/").text)
    assert found
    return found.group(1)


def test_an_old_cookie_after_sign_out_gets_401_in_every_process(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    data = tmp_path / "shared"
    first = make_service(API_KEY=KEY, data_dir=data)
    second = make_service(API_KEY=KEY, data_dir=data)  # another process, the same job store
    browser = first.client
    assert sign_in(browser).status_code == 303
    cookie = browser.cookies["vr_session"]
    token = csrf_token(browser)
    stolen = {"vr_session": cookie}
    assert httpx.get(f"{second.url}/jobs", cookies=stolen).status_code == 200
    out = browser.post("/studio/logout", headers={"x-csrf-token": token})
    assert out.status_code == 303
    for service in (first, second):
        assert httpx.get(f"{service.url}/jobs", cookies=stolen).status_code == 401
        render = httpx.post(
            f"{service.url}/render", json={"script": SCRIPT}, cookies=stolen,
            headers={"x-csrf-token": token},
        )  # fmt: skip
        assert render.status_code == 401, render.text
        page = httpx.get(f"{service.url}/studio/jobs", cookies=stolen)
        assert page.status_code == 303 and "/studio/login" in page.headers["location"]


# --- 4. slowed guessing ----------------------------------------------------------------------


def _guess_until_429(client: httpx.Client, send: Any) -> httpx.Response:
    for _ in range(40):
        answer: httpx.Response = send(client)
        if answer.status_code == 429:
            return answer
        assert answer.status_code == 401, answer.text
    raise AssertionError("40 wrong keys and never a 429")


def test_guessing_meets_429_and_the_right_key_works_after_retry_after(
    make_service: ServiceFactory,
) -> None:
    service = make_service(API_KEY=KEY, KEY_FAILURE_WINDOW_SECONDS="3")
    client = service.client
    ways = [
        lambda c: c.get("/jobs", headers={"X-API-Key": "guess"}),
        lambda c: c.get("/jobs", headers={"Authorization": "Bearer guess"}),
        lambda c: sign_in(c, "guess"),
        lambda c: c.post("/mcp", json={}, headers={"X-API-Key": "guess"}),
    ]
    for way in ways:
        refused = _guess_until_429(client, way)
        wait = int(refused.headers["retry-after"])
        assert 1 <= wait <= 3
        # While refused, the right key is refused too (else a guesser could go on).
        assert client.get("/jobs", headers={"X-API-Key": KEY}).status_code == 429
        started = time.monotonic()
        wait_for(
            lambda: client.get("/jobs", headers={"X-API-Key": KEY}).status_code == 200,
            timeout_s=30, interval_s=0.2, what="the right key after Retry-After",
        )  # fmt: skip
        assert time.monotonic() - started <= wait + 2
    assert "wrong API key from 127.0.0.1: too many" in service.log()


def test_trust_proxy_decides_whose_address_counts(make_service: ServiceFactory) -> None:
    # uvicorn itself believes X-Forwarded-For from FORWARDED_ALLOW_IPS (127.0.0.1 unless
    # set): none here, so that the peer (127.0.0.1) is a client, not a proxy.
    trusting = make_service(API_KEY=KEY, TRUST_PROXY="true", FORWARDED_ALLOW_IPS="")
    forwarded = {"X-API-Key": "guess", "X-Forwarded-For": "203.0.113.5, 10.0.0.1"}
    other = {"X-API-Key": "guess", "X-Forwarded-For": "10.0.0.2"}
    _guess_until_429(trusting.client, lambda c: c.get("/jobs", headers=forwarded))
    assert trusting.client.get("/jobs", headers=other).status_code == 401  # another client
    plain = make_service(API_KEY=KEY, FORWARDED_ALLOW_IPS="")  # the header is not believed
    _guess_until_429(plain.client, lambda c: c.get("/jobs", headers=forwarded))
    assert plain.client.get("/jobs", headers=other).status_code == 429


# --- 5. headers ------------------------------------------------------------------------------


def _assert_security_headers(answer: httpx.Response) -> None:
    policy = answer.headers.get("content-security-policy", "")
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy, answer.url
    assert "script-src 'self'" in policy and "unsafe" not in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "same-origin"
    assert answer.headers["x-frame-options"] == "DENY"


def test_headers_on_every_page_and_served_file(make_service: ServiceFactory) -> None:
    service = make_service()
    client = service.client
    for path in ("/", "/studio/jobs", "/studio/login", "/docs", "/openapi.json",
                 "/studio/static/studio.js", "/health", "/no/such/page"):  # fmt: skip
        _assert_security_headers(client.get(path))
    job = service.wait_finished(
        client.post("/render", json={"script": SCRIPT, "size": "160x90"}).json()["job_id"]
    )
    assert job["status"] == "completed", job
    expected = {
        "subtitles_url": ("text/x-ssa", True),
        "subtitles_srt_url": ("application/x-subrip", True),
        "subtitles_vtt_url": ("text/vtt", True),
        "words_url": ("application/json", True),
        "video_url": ("video/mp4", False),
        "thumbnail_url": ("image/jpeg", False),
    }
    for field, (media_type, download) in expected.items():
        answer = httpx.get(job[field])
        assert answer.status_code == 200, field
        _assert_security_headers(answer)
        assert answer.headers["content-type"].startswith(media_type), field
        disposition = answer.headers.get("content-disposition", "")
        assert disposition.startswith("attachment") == download, field


# --- 6. forged Host ---------------------------------------------------------------------------


def test_a_forged_host_never_reaches_a_url(make_service: ServiceFactory) -> None:
    service = make_service()
    forged = {"host": "evil.example"}
    for method, path in (("POST", "/render"), ("GET", "/jobs"), ("POST", "/mcp"),
                         ("GET", "/"), ("POST", "/uploads")):  # fmt: skip
        answer = service.client.request(method, path, json={"script": SCRIPT}, headers=forged)
        assert answer.status_code == 400, (path, answer.text)
        assert "ALLOWED_HOSTS" in answer.json()["detail"]
    assert service.client.get("/health", headers=forged).status_code == 200
    # A name the service is reached by (localhost) still works, and is what the URLs hold.
    local = {"host": f"localhost:{service.port}", "x-forwarded-host": "evil.example"}
    answer = service.client.post("/render", json={"script": SCRIPT, "size": "160x90"},
                                 headers=local)  # fmt: skip
    assert answer.status_code == 202, answer.text
    job = service.wait_finished(answer.json()["job_id"])
    urls = [value for name, value in job.items() if name.endswith("_url") and value]
    assert urls and all(url.startswith(f"http://localhost:{service.port}/") for url in urls)
    listed = service.client.get("/jobs").text
    assert "evil.example" not in listed
    allowed = make_service(ALLOWED_HOSTS="videos.example.org")
    ok = allowed.client.get("/health", headers={"host": "videos.example.org"})
    assert ok.status_code == 200
    assert allowed.client.get("/jobs", headers={"host": "videos.example.org:8000"}).is_success
    assert allowed.client.get("/jobs", headers=forged).status_code == 400


# --- 7. cross-site writes -----------------------------------------------------------------------


def test_a_cross_site_upload_is_refused_and_a_same_site_one_works(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = make_service()  # no API_KEY: the default
    image = tmp_path / "a.png"
    Image.new("RGB", (64, 64), "red").save(image)

    def upload(headers: dict[str, str]) -> httpx.Response:
        return service.client.post(
            "/uploads", data={"kind": "scene"}, files={"file": ("a.png", image.read_bytes())},
            headers=headers,
        )  # fmt: skip

    for headers in (
        {"origin": "https://evil.example", "sec-fetch-site": "cross-site"},
        {"origin": "https://evil.example"},
        {"sec-fetch-site": "same-site"},
        {"origin": "null"},
    ):
        answer = upload(headers)
        assert answer.status_code == 403, headers
        assert "cross-site" in answer.json()["detail"]
    render = service.client.post(
        "/render", json={"script": SCRIPT}, headers={"origin": "http://evil.example"}
    )
    assert render.status_code == 403
    same = upload({"origin": service.url, "sec-fetch-site": "same-origin"})
    assert same.status_code == 201, same.text
    assert upload({}).status_code == 201  # not a browser at all


# --- 8. the two smaller ones -----------------------------------------------------------------


def _chunks(total: int) -> Iterator[bytes]:
    chunk = b"x" * 65536
    for _ in range(total // len(chunk)):
        yield chunk


def test_chunked_bodies_over_the_cap_get_413(make_service: ServiceFactory) -> None:
    service = make_service(MAX_VIDEO_MB="1", MAX_AUDIO_MB="1")
    head = b'{"script": "'
    body = iter([head, *_chunks(2 * 1024 * 1024)])
    answer = service.client.post(
        "/render", content=body, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 413, answer.text
    assert "over" in answer.json()["detail"]
    boundary = "b0"
    part = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="kind"\r\n\r\nbase_video\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="v.mp4"\r\n'
        "Content-Type: video/mp4\r\n\r\n"
    ).encode()
    upload = service.client.post(
        "/uploads",
        content=iter([part, *_chunks(4 * 1024 * 1024)]),
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert upload.status_code == 413, upload.text
    assert service.client.get("/health").status_code == 200


def test_an_unparsable_host_is_422_naming_the_field(make_service: ServiceFactory) -> None:
    service = make_service()
    for url in ("http://0177.0.0.1/v.mp4", "http://999.1.1.1/v.mp4", "http://[1::2::3]/v.mp4"):
        answer = service.client.post("/render", json={"script": SCRIPT, "base_video_url": url})
        assert answer.status_code == 422, answer.text
        assert "base_video_url" in [problem["field"] for problem in answer.json()["detail"]]
        assert "internal error" not in answer.text
