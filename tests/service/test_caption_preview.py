"""The studio's caption previews on a real service: the moving one (`/studio/preview.mp4`),
an MP4 of the sample sentence whose animated captions move, and the refusals of both."""

from __future__ import annotations

import itertools
import subprocess

import numpy as np

from tests.service.conftest import ServiceFactory

SIZE = (270, 480)


def _frames(mp4: bytes) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        input=mp4, capture_output=True, check=True, timeout=60,
    ).stdout  # fmt: skip
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, SIZE[1], SIZE[0]).astype(np.int16)


def test_the_moving_preview_shows_the_style_in_motion(make_service: ServiceFactory) -> None:
    service = make_service()
    query = {"style": "pop", "size": "270x480", "uppercase": "true", "highlight_color": "#00ff00"}
    response = service.client.get("/studio/preview.mp4", params=query)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "video/mp4"
    frames = _frames(response.content)
    assert len(frames) >= 50  # the sample sentence (2.2 s) and a pause, at 25 fps
    # Words pop in one after another: the picture keeps changing along the sentence.
    changes = [int((np.abs(b - a) > 25).sum()) for a, b in itertools.pairwise(frames)]
    assert sum(c > 20 for c in changes[:50]) >= 20
    still = service.client.get("/studio/preview.png", params=query)
    assert still.status_code == 200 and still.headers["content-type"] == "image/png"


def test_a_bad_preview_query_is_refused_naming_the_field(make_service: ServiceFactory) -> None:
    service = make_service()
    for query, field in (
        ({"style": "wiggle"}, "subtitle_style"),
        ({"words_per_caption": "9"}, "words_per_caption"),
        ({"size": "4000x4000"}, "size"),
        ({"position": "left"}, "position"),
    ):
        for path in ("/studio/preview.mp4", "/studio/preview.png"):
            response = service.client.get(path, params=query)
            assert response.status_code == 422, (path, query, response.text)
            assert field in response.text, (path, query, response.text)
