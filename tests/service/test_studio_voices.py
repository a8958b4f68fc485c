"""The studio's "More voices" in a real browser (Debian's chromium) against a service and
the catalogue mirror on 127.0.0.1: signed in with the key, a voice of the catalogue is
fetched with its progress shown and is at once in GET /voices; without a catalogue the page
says so in one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.service.conftest import ServiceFactory
from tests.service.test_studio import API_KEY, browser, page, playwright, screenshot
from tests.voice_mirror import TESTA, VoiceMirror

__all__ = ["browser", "page", "playwright"]  # the browser fixtures, shared

pytestmark = pytest.mark.timeout(300)


def _sign_in(page: Page, url: str) -> None:
    page.goto(url + "/studio/voices")
    page.get_by_label("API key").fill(API_KEY)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="More voices")).to_be_visible()


def test_more_voices_fetches_one_with_progress(
    make_service: ServiceFactory, page: Page, mirror: VoiceMirror, tmp_path: Path
) -> None:
    service = make_service(API_KEY=API_KEY, VOICES_CATALOG_URL=mirror.url)
    assert service.client.post(f"/studio/voices/{TESTA}/fetch").status_code == 401
    _sign_in(page, service.url)
    row = page.locator(f"tr[data-voice='{TESTA}']")
    expect(row).to_contain_text("English (Great Britain)")
    expect(row).to_contain_text("Testa (medium)")
    expect(page.locator("tr[data-voice='en_US-joe-medium']")).to_have_count(0)  # installed

    row.get_by_role("button", name="Fetch").click()
    expect(row.locator(".fetch-state")).to_have_text(
        "Installed: pick it in the Voice menu.", timeout=60_000
    )
    screenshot(page, "voices", tmp_path)
    voices = service.client.get("/voices", headers={"X-API-Key": API_KEY}).json()["voices"]
    assert TESTA in [v["speaker"] for v in voices]
    page.reload()
    expect(page.locator(f"li[data-installed='{TESTA}']")).to_contain_text("Testa (medium)")

    page.locator("tr[data-voice='en_US-badsum-medium']").get_by_role("button").click()
    expect(page.locator("tr[data-voice='en_US-badsum-medium'] .fetch-state")).to_have_text(
        re.compile(r"^en_US-badsum-medium\.onnx has MD5 "), timeout=60_000
    )


def test_more_voices_without_a_catalogue_says_so_in_one_line(
    make_service: ServiceFactory, page: Page
) -> None:
    service = make_service(VOICES_CATALOG_URL="http://127.0.0.1:9/")
    page.goto(service.url + "/studio/voices")
    problem = page.locator("#catalog-problem")
    expect(problem).to_have_text(re.compile(r"^No voice catalogue: .*cannot be reached"))
    expect(page.locator("li[data-installed='en_US-joe-medium']")).to_be_visible()
