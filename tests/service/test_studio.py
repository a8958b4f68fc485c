"""The web studio in a real browser: Debian's chromium, driven by Playwright, against the real
service on 127.0.0.1 (real Piper voice, real FFmpeg, tiny renders).

Set STUDIO_SCREENSHOTS=docs to refresh the screenshots shown in the README.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Page, Playwright, expect, sync_playwright

from tests.conftest import Media
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service

CHROMIUM = Path("/usr/bin/chromium")
SCRIPT = "Hello from the studio. This video is tiny."
DRAFT = "320x180"
JOB_TIMEOUT_MS = 120_000
API_KEY = "studio-test-key-5f1c"

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    assert CHROMIUM.exists(), "chromium is not installed: run `make setup` (apt: chromium)"
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
    yield browser
    browser.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page that fails the test if anything breaks the Content-Security-Policy or is loaded
    from another origin (issue 32)."""
    context = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(30_000)
    problems = watch_policy(page)
    yield page
    context.close()
    assert not problems, problems


def watch_policy(page: Page) -> list[str]:
    """CSP violations and requests to other origins seen on `page`, as they happen. (Tests
    wait with `wait_for_function("() => ...")`: a bare expression is polled with `eval`,
    which the policy refuses.)"""
    problems: list[str] = []
    page.on(
        "console",
        lambda message: (
            problems.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            problems.append(f"another origin: {request.url}")
            if not request.url.startswith(("http://127.0.0.1:", "data:", "blob:"))
            else None
        ),
    )
    return problems


def screenshot(page: Page, name: str, tmp_path: Path) -> None:
    """Every page is photographed; into docs/ when STUDIO_SCREENSHOTS says so."""
    folder = Path(os.environ.get("STUDIO_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(folder / f"studio-{name}.png"), full_page=True)


def fill_form(page: Page, script: str = SCRIPT, style: str = "karaoke") -> None:
    page.get_by_label("Script").fill(script)
    page.get_by_label("Caption style").select_option(style)
    page.get_by_label("Size").select_option(DRAFT)


def wait_completed(page: Page) -> None:
    expect(page.locator("video")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Your video")).to_be_visible()


def test_make_watch_and_download_a_video(
    service_and_page: tuple[Service, Page], tmp_path: Path
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    expect(page.get_by_label("Voice")).to_have_value("")  # GET /voices may not exist: default
    fill_form(page)
    expect(page.locator("#script-count")).to_have_text(re.compile(r"^8 words · about 3 s"))
    preview = page.get_by_alt_text("Caption preview")
    expect(preview).to_have_attribute("src", re.compile(r"style=karaoke"))
    page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
    assert page.evaluate("document.getElementById('preview').naturalWidth") == 480
    screenshot(page, "new", tmp_path)

    page.get_by_role("button", name="Render").click()
    page.wait_for_url(re.compile(r"/studio/jobs/[0-9a-f-]+$"))
    expect(page.get_by_label("Progress")).to_be_visible()
    screenshot(page, "progress", tmp_path)
    # The stream shows 100 % before the page turns into the player.
    expect(page.locator("#percent")).to_have_text("100 %", timeout=JOB_TIMEOUT_MS)
    wait_completed(page)

    # The video plays (time advances) and seeks, through range requests.
    page.evaluate("() => { const v = document.querySelector('video'); v.muted = true; v.play(); }")
    page.wait_for_function("() => document.querySelector('video').currentTime > 0.3")
    seeked = page.evaluate(
        """() => new Promise((resolve) => {
            const v = document.querySelector('video');
            v.addEventListener('seeked', () => resolve(v.currentTime), {once: true});
            v.currentTime = 1.5;
        })"""
    )
    assert seeked >= 1.4
    cues = page.evaluate(
        """() => new Promise((resolve) => {
            const t = document.querySelector('track');
            t.track.mode = 'hidden';  // off by default: the captions are burnt in
            const done = () => resolve(t.track.cues ? t.track.cues.length : 0);
            if (t.readyState === 2) done(); else t.addEventListener('load', done, {once: true});
        })"""
    )
    assert cues >= 1
    page.evaluate("document.querySelector('video').pause()")
    screenshot(page, "job", tmp_path)

    links = page.get_by_role("list").filter(has=page.get_by_role("link", name="Video (MP4)"))
    names = [link.inner_text() for link in links.get_by_role("link").all()]
    assert names == [
        "Video (MP4)", "Captions (SRT)", "Captions (VTT)", "Word timings (words.json)",
        "Thumbnail (JPEG)",
    ]  # fmt: skip
    for link in links.get_by_role("link").all():
        answer = page.request.get(link.get_attribute("href") or "")
        assert answer.status == 200 and len(answer.body()) > 0, link.inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Captions (VTT)").click()
    assert download.value.suggested_filename == "captions.vtt"
    assert Path(download.value.path()).read_text().startswith("WEBVTT")

    page.get_by_role("link", name="Jobs").click()
    row = page.get_by_role("link", name=re.compile("Hello from the studio"))
    expect(row).to_contain_text("Completed")
    expect(row.locator("img")).to_be_visible()
    screenshot(page, "jobs", tmp_path)
    page.get_by_label("Status").select_option("failed")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_text("No jobs with status failed yet.")).to_be_visible()


@pytest.fixture
def service_and_page(make_service: ServiceFactory, page: Page) -> tuple[Service, Page]:
    return make_service(), page


def test_upload_a_base_video(
    service_and_page: tuple[Service, Page], media: Media, tmp_path: Path
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    fill_form(page, style="sentence")
    page.get_by_label("Base video", exact=True).set_input_files(media.base_short)
    expect(page.locator("#base_video_state")).to_have_text(
        re.compile(r"^Uploaded base_short\.mp4 · 2\.0 s")
    )
    upload = page.locator("#base_video_upload").input_value()
    assert re.fullmatch(r"upload://[0-9a-f]{32}\.mp4", upload)
    page.get_by_role("button", name="Render").click()
    wait_completed(page)
    # The upload is a base video for the API too, and not a URL the service downloads.
    answer = service.client.post(
        "/render", json={"script": SCRIPT, "base_video_url": upload, "size": DRAFT}
    )
    assert answer.status_code == 202, answer.text
    assert service.wait_finished(answer.json()["job_id"])["status"] == "completed"


def test_upload_refuses_what_is_not_media(
    service_and_page: tuple[Service, Page], media: Media
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    page.get_by_label("Music", exact=True).set_input_files(media.not_media)
    error = page.locator("#music-error")
    expect(error).to_have_text(re.compile(r"^Music: file: "))
    expect(page.get_by_label("Music", exact=True)).to_have_attribute("aria-invalid", "true")
    answer = service.client.post(
        "/uploads", data={"kind": "base_video"}, files={"file": ("x.mp4", b"not a video")}
    )
    assert answer.status_code == 422 and answer.json()["field"] == "file", answer.text
    answer = service.client.post(
        "/render", json={"script": SCRIPT, "bgm_url": "upload://../jobs.db"}
    )
    assert answer.status_code == 422, answer.text


def test_cancel(service_and_page: tuple[Service, Page]) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    long_script = " ".join(f"This is sentence number {n} of a long script." for n in range(60))
    fill_form(page, script=long_script)
    page.get_by_label("Size").select_option("1920x1080")
    page.get_by_role("button", name="Render").click()
    page.get_by_role("button", name="Cancel").click()
    expect(page.get_by_role("heading", name="Cancelled")).to_be_visible()
    job_id = page.url.rsplit("/", 1)[1]
    assert service.status(job_id)["status"] == "cancelled"
    expect(page.get_by_role("link", name="Edit and retry")).to_be_visible()


def test_failed_job_and_edit_and_retry(
    service_and_page: tuple[Service, Page], files: FileServer, tmp_path: Path
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    fill_form(page)
    page.get_by_label("Base video URL").fill(f"{files.url}/not_media.mp4")
    page.get_by_role("button", name="Render").click()
    failure = page.get_by_role("alert")
    expect(failure).to_contain_text("base video", timeout=JOB_TIMEOUT_MS)
    screenshot(page, "failed", tmp_path)
    page.get_by_role("link", name="Edit and retry").click()
    expect(page.get_by_role("heading", name="Edit and retry")).to_be_visible()
    expect(page.get_by_label("Script")).to_have_value(SCRIPT)
    expect(page.get_by_label("Base video URL")).to_have_value(f"{files.url}/not_media.mp4")
    expect(page.get_by_label("Caption style")).to_have_value("karaoke")
    expect(page.get_by_label("Size")).to_have_value(DRAFT)
    # A bad field is named beside it, without a round trip through a job.
    page.get_by_label("Base video URL").fill("ftp://example.com/a.mp4")
    page.get_by_role("button", name="Render").click()
    expect(page.locator("#base_video-error")).to_have_text(re.compile(r"^Base video: .*http"))


def test_api_key_sign_in(make_service: ServiceFactory, page: Page, tmp_path: Path) -> None:
    service = make_service(API_KEY=API_KEY)
    page.goto(service.url + "/studio/jobs")
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    page.get_by_label("API key").fill("wrong")
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_have_text(re.compile("^API key: "))
    screenshot(page, "sign-in", tmp_path)
    page.get_by_label("API key").fill(API_KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Jobs")).to_be_visible()
    assert page.url == service.url + "/studio/jobs"
    (cookie,) = [c for c in page.context.cookies() if c["name"] == "vr_session"]
    assert cookie["httpOnly"] and cookie["sameSite"] == "Strict" and not cookie["secure"]
    page.goto(service.url + "/")
    assert API_KEY not in page.content() and API_KEY not in cookie["value"]

    # The studio's own requests work with the cookie and the CSRF token ...
    answer = page.evaluate(
        """async () => (await studio.api('/render', {method: 'POST', json: {script: 'Hi.', size: '320x180'}})).status"""
    )
    assert answer == 202
    # ... a POST with the cookie but no CSRF token, and any request without either, do not.
    no_csrf = page.evaluate(
        """async () => (await fetch('/render', {method: 'POST', headers: {'Content-Type': 'application/json'},
              body: JSON.stringify({script: 'Hi.'})})).status"""
    )
    assert no_csrf == 403
    cookies = {"vr_session": cookie["value"]}
    assert httpx.get(service.url + "/jobs").status_code == 401
    assert (
        httpx.post(service.url + "/render", json={"script": "Hi."}, cookies=cookies).status_code
        == 403
    )
    cross_site = {"origin": "https://evil.example", "sec-fetch-site": "cross-site"}
    assert httpx.get(service.url + "/jobs", cookies=cookies, headers=cross_site).status_code == 403
    assert service.client.get("/jobs", headers={"X-API-Key": API_KEY}).status_code == 200


def test_phone_layout(browser: Browser, make_service: ServiceFactory, tmp_path: Path) -> None:
    service = make_service()
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(service.url + "/")
        for label in ("Script", "Voice", "Caption style", "Size"):
            box = page.get_by_label(label, exact=True).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, label
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # Keyboard: Tab from the script reaches the controls in order.
        page.get_by_label("Script").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "add-scene"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "base_video_file"
        page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
        screenshot(page, "phone", tmp_path)
    finally:
        context.close()


PIPER_VOICE = "piper|en_US-joe-medium|en-US"


def test_voice_picker_sample_and_render(service_and_page: tuple[Service, Page]) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    voices = service.client.get("/voices").json()["voices"]
    picker = page.get_by_label("Voice")
    # Every voice of GET /voices is offered, with its engine, speaker and language.
    expect(picker.locator("option")).to_have_count(1 + len(voices))
    for voice in voices:
        option = picker.locator(
            f"option[value='{voice['engine']}|{voice['speaker']}|{voice['language']}']"
        )
        expect(option).to_contain_text(f"{voice['speaker']} · {voice['engine']}")
        expect(option).to_contain_text(voice["language"])
    picker.select_option(PIPER_VOICE)

    page.get_by_role("button", name="Play sample").click()
    expect(page.locator("#voice-state")).not_to_have_text("Speaking a sample…", timeout=60_000)
    expect(page.locator("#voice-error")).to_be_hidden()
    page.wait_for_function(
        "() => document.getElementById('sample').readyState >= 2", timeout=30_000
    )
    source = page.evaluate("document.getElementById('sample').src")
    assert page.request.get(source).body()[:4] == b"RIFF"  # the voiceover's WAV

    fill_form(page, style="sentence")
    with page.expect_request(lambda r: r.url.endswith("/render") and r.method == "POST") as sent:
        page.get_by_role("button", name="Render").click()
    body = sent.value.post_data_json
    assert isinstance(body, dict), body
    assert (body["tts_provider"], body["speaker"]) == ("piper", "en_US-joe-medium")
    assert "language" not in body  # the service's: the voice's, or the script's writing
    wait_completed(page)
    job_id = page.url.rsplit("/", 1)[1]
    assert service.status(job_id)["status"] == "completed"


def test_add_an_uploaded_image_as_a_scene(
    service_and_page: tuple[Service, Page], tmp_path: Path
) -> None:
    service, page = service_and_page
    picture = tmp_path / "harbour.png"
    Image.new("RGB", (64, 36), (200, 60, 30)).save(picture)
    page.goto(service.url + "/")
    fill_form(page, script="Hello from the studio.", style="sentence")
    script = page.get_by_label("Script")
    script.press("End")
    page.get_by_role("button", name="Add scene").click()
    page.get_by_label("Scene image or clip").set_input_files(picture)
    expect(page.locator("#scene_state")).to_have_text("Uploaded harbour.png · an image")
    page.get_by_label("Motion").select_option("zoom-out")
    page.get_by_label("Transition").select_option("fade")
    page.get_by_role("button", name="Insert scene").click()
    expect(page.locator("#scene-panel")).to_be_hidden()
    page.keyboard.type("This video is tiny.")
    text = script.input_value()
    match = re.fullmatch(
        r"Hello from the studio\.\n!\[\]\((upload://[0-9a-f]{32}\.png)\)"
        r"\{motion=zoom-out transition=fade\}\nThis video is tiny\.",
        text,
    )
    assert match, text
    screenshot(page, "scene", tmp_path)
    page.get_by_role("button", name="Render").click()
    wait_completed(page)
    words_url = page.get_by_role("link", name="Word timings (words.json)").get_attribute("href")
    words = page.request.get(words_url or "").json()
    assert len(words["scenes"]) == 2, words.get("scenes")
    # "Edit and retry" gives the script back with its marker.
    job_id = page.url.rsplit("/", 1)[1]
    page.goto(f"{service.url}/?from={job_id}")
    expect(page.get_by_label("Script")).to_have_value(text)


def test_scene_upload_refuses_what_is_no_picture(
    service_and_page: tuple[Service, Page], media: Media
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    page.get_by_role("button", name="Add scene").click()
    page.get_by_label("Scene image or clip").set_input_files(media.not_media)
    expect(page.locator("#scene-error")).to_have_text(re.compile(r"^Scene: file: .*not an image"))
    page.get_by_role("button", name="Insert scene").click()
    expect(page.locator("#scene-error")).to_have_text(re.compile(r"^Scene: choose a file"))
    assert page.get_by_label("Script").input_value() == ""


def test_api_docs_work_under_the_policy_after_sign_in(
    make_service: ServiceFactory, page: Page
) -> None:
    """The studio's "API" link: Swagger UI served by the service itself (issue 32), shown to a
    signed-in person, with nothing from another origin and no CSP violation (the fixture)."""
    service = make_service(API_KEY=API_KEY)
    assert httpx.get(service.url + "/docs").status_code == 401
    page.goto(service.url + "/studio/login")
    page.get_by_label("API key").fill(API_KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="New video")).to_be_visible()
    page.get_by_role("link", name="API").click()
    expect(page.locator(".opblock-summary-path").first).to_be_visible(timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/render" in [path.strip() for path in paths]


def test_a_page_on_another_origin_cannot_upload_to_the_local_service(
    browser: Browser, make_service: ServiceFactory, media: Media, tmp_path: Path
) -> None:
    """Issue 32's repro in a real browser: a page served from another origin (another port)
    posts a multipart upload to the service, which has no API_KEY. Refused (403), nothing
    stored; the studio's own upload still works."""
    service = make_service()
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>elsewhere</title><p>hello</p>")
    other = FileServer(site)
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(other.url + "/index.html")
        status = page.evaluate(
            """async ([url, bytes]) => {
                const form = new FormData();
                form.append('kind', 'base_video');
                form.append('file', new Blob([new Uint8Array(bytes)]), 'x.mp4');
                try {
                    const answer = await fetch(url + '/uploads', {method: 'POST', body: form});
                    return answer.status;
                } catch (error) {
                    return 'blocked: ' + error;  // no CORS headers: the answer is unreadable
                }
            }""",
            [service.url, list(media.base_short.read_bytes()[:4096])],
        )
        assert status != 201
    finally:
        context.close()
        other.close()
    assert 'POST /uploads HTTP/1.1" 403' in service.log()
    assert not list((service.data_dir / "uploads").rglob("inputs/*"))
