"""The studio's "Caption a video" page in a real browser (Debian's chromium, Playwright) against
the real service: upload a talking video, pick a style, Render, and watch the captioned video."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from tests.recordings import Recording
from tests.service.conftest import ServiceFactory
from tests.service.test_studio import JOB_TIMEOUT_MS, browser, page, playwright

__all__ = ["browser", "page", "playwright"]  # fixtures shared with the studio's own tests


def test_caption_an_uploaded_video(
    make_service: ServiceFactory,
    page: Page,
    talking_video: Recording,
    whisper_cache: Path,
) -> None:
    service = make_service(WHISPER_CACHE_DIR=str(whisper_cache))
    page.goto(service.url + "/")
    page.get_by_role("link", name="Caption a video").click()
    expect(page.get_by_role("heading", name="Caption a video")).to_be_visible()
    page.get_by_role("button", name="Render").click()  # nothing chosen yet
    expect(page.locator("#video-error")).to_have_text(re.compile("choose a video"))
    page.get_by_label("Video file").set_input_files(talking_video.path)
    expect(page.locator("#video_state")).to_have_text(re.compile(r"^Uploaded "))
    assert page.locator("#video_upload").input_value().startswith("upload://")
    page.get_by_label("Caption style").select_option("karaoke")
    page.get_by_role("button", name="Render").click()
    expect(page).to_have_url(re.compile(r"/studio/jobs/[0-9a-f-]+$"))
    expect(page.locator("video")).to_be_visible(timeout=JOB_TIMEOUT_MS * 3)
    job_id = page.url.rsplit("/", 1)[-1]
    done = service.status(job_id)
    assert done["status"] == "completed" and done["kind"] == "caption_video"
    assert (
        done["subtitles_srt_url"]
        and "wall"
        in (service.data_dir / done["subtitles_srt_url"].removeprefix(f"{service.url}/"))
        .read_text()
        .lower()
    )
