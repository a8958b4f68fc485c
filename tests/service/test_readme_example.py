"""The README's first API example runs as printed: its curl's JSON body, posted to a real
service with nothing else running, renders a video."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.decode import streams
from tests.service.conftest import ServiceFactory
from tests.service.servers import REPO

FIRST_CURL = re.compile(
    r"```console\n\$ (curl -s localhost:8000/render -H 'content-type: application/json' "
    r"-d '(.*?)')\n",
    re.S,
)


def _first_example() -> tuple[str, dict[str, object]]:
    """The first `curl .../render` of the README's HTTP service section, and its body."""
    readme = (REPO / "README.md").read_text()
    section = readme.split("## HTTP service", 1)[1]
    match = FIRST_CURL.search(section)
    assert match is not None, "no curl example for /render in the README's HTTP service section"
    body: dict[str, object] = json.loads(match.group(2))
    return match.group(1), body


def test_the_first_example_needs_no_media_of_its_own() -> None:
    command, body = _first_example()
    assert "localhost:8000/render" in command
    assert not any(key.endswith("_url") for key in body)  # nothing to download


def test_readme_first_example_renders_as_printed(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    _, body = _first_example()
    service = make_service()
    response = service.client.post("/render", json=body)
    assert response.status_code == 202, response.text
    done = service.wait_finished(response.json()["job_id"], timeout_s=300)
    assert done["status"] == "completed", done["error"]
    video = service.client.get(done["video_url"].replace(service.url, ""))
    assert video.status_code == 200
    path = tmp_path / "first.mp4"
    path.write_bytes(video.content)
    found = streams(path)
    assert "audio" in found and (found["video"]["width"], found["video"]["height"]) == (1920, 1080)
