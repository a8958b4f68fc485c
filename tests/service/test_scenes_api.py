"""Scenes through the real HTTP API (a uvicorn server on 127.0.0.1, the visuals fetched from
a file server): a request with `scenes` and the same script written with marker lines give
the same video, frame for frame and sample for sample."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service, wait_for


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


@pytest.fixture(scope="module")
def visuals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FileServer]:
    root = tmp_path_factory.mktemp("scene-visuals")
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=s=640x360", "-frames:v", "1", str(root / "a.jpg"))
    _ffmpeg("-f", "lavfi", "-i", "color=c=orange:s=160x284:r=24:d=1", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(root / "b.mp4"))  # fmt: skip
    server = FileServer(root)
    yield server
    server.close()


def _render(service: Service, body: dict[str, Any]) -> dict[str, Any]:
    response = service.client.post("/render", json={"size": "320x180", **body})
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]

    def done() -> dict[str, Any] | None:
        status = service.status(job_id)
        return status if status["status"] in ("completed", "failed") else None

    result: dict[str, Any] = wait_for(done, timeout_s=180, interval_s=0.1, what="the job")
    assert result["status"] == "completed", result["error"]
    return result


def _md5s(video: bytes, folder: Path, name: str) -> list[str]:
    """One checksum per decoded video frame and audio packet (FFmpeg's framemd5)."""
    path = folder / name
    path.write_bytes(video)
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "framemd5", "-"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return [line.rsplit(",", 1)[1].strip() for line in out.splitlines() if line[:1].isdigit()]


def test_scenes_and_markers_give_the_same_video(
    make_service: ServiceFactory, visuals: FileServer, tmp_path: Path
) -> None:
    service = make_service()
    a, b = f"{visuals.url}/a.jpg", f"{visuals.url}/b.mp4"
    scenes = _render(service, {"scenes": [
        {"text": "A test card slowly pans while this sentence is read.", "media_url": a,
         "motion": "pan-right"},
        {"text": "Then an orange clip, shown whole, fades in.", "media_url": b,
         "fit": "contain", "transition": "fade"},
    ]})  # fmt: skip
    script = (
        f"![]({a}){{motion=pan-right}}\n"
        "A test card slowly pans while this sentence is read.\n\n"
        f"![]({b}){{fit=contain transition=fade}}\n"
        "Then an orange clip, shown whole, fades in.\n"
    )
    markers = _render(service, {"script": script})

    videos = [httpx.get(str(done["video_url"])).content for done in (scenes, markers)]
    first, second = (_md5s(v, tmp_path, f"{n}.mp4") for n, v in enumerate(videos))
    assert len(first) > 100  # a few seconds of frames and audio packets
    assert first == second
    spans = [json.loads(httpx.get(str(d["words_url"])).text)["scenes"] for d in (scenes, markers)]
    assert len(spans[0]) == 2 and spans[0] == spans[1]
