"""Each caption style burned into real renders, checked on decoded frames."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pysubs2
import pytest

from tests.decode import gray_frame, streams
from videorender.config import Settings
from videorender.pipeline.models import RenderOptions, Size
from videorender.pipeline.run import RenderJob, render

SCRIPT = "Captions can follow every single word as it is spoken aloud by the voice."
WIDE = Size(640, 360)


def _render(settings: Settings, out: Path, style: str, size: Size) -> dict[str, object]:
    options = RenderOptions(size=size, subtitle_style=style)
    result = render(RenderJob(SCRIPT, out, options=options), settings.pipeline_config())
    video = streams(result.video)["video"]
    assert (video["width"], video["height"]) == (size.width, size.height)
    assert len(pysubs2.load(str(out / "subs.ass"))) >= 1
    words: dict[str, object] = json.loads((out / "words.json").read_text(encoding="utf-8"))
    return words


def _lit_pixels(a: npt.NDArray[np.uint8], b: npt.NDArray[np.uint8]) -> int:
    return int((np.abs(a.astype(int) - b.astype(int)) > 25).sum())


def test_karaoke_frames_change_with_the_spoken_word_and_sentence_frames_do_not(
    settings: Settings, tmp_path: Path
) -> None:
    frames = {}
    for style in ("karaoke", "sentence"):
        words = _render(settings, tmp_path / style, style, WIDE)
        sentence = words["sentences"][0]  # type: ignore[index]
        first, later = sentence["words"][1], sentence["words"][5]
        times = [(w["start_ms"] + w["end_ms"]) // 2 for w in (first, later)]
        frames[style] = [
            gray_frame(tmp_path / style / "final.mp4", t, WIDE.width, WIDE.height) for t in times
        ]
    karaoke, plain = frames["karaoke"], frames["sentence"]
    assert _lit_pixels(*karaoke) > 30  # the highlight moved from one word to another
    assert _lit_pixels(*plain) < _lit_pixels(*karaoke) / 10  # same caption, no highlight
    # The highlight is in the caption, at the bottom of the frame.
    difference = np.abs(karaoke[0].astype(int) - karaoke[1].astype(int)) > 25
    assert difference[: WIDE.height // 2].sum() < difference[WIDE.height // 2 :].sum() / 10


@pytest.mark.parametrize("size", [WIDE, Size(360, 640)])
def test_words_style_shows_a_few_words_in_the_middle(
    settings: Settings, tmp_path: Path, size: Size
) -> None:
    words = _render(settings, tmp_path / "out", "words", size)
    events = list(pysubs2.load(str(tmp_path / "out" / "subs.ass")))
    spoken = [w["text"] for s in words["sentences"] for w in s["words"]]  # type: ignore[attr-defined]
    assert [w for e in events for w in e.plaintext.split()] == spoken
    assert all(1 <= len(e.plaintext.split()) <= 3 for e in events)
    middle = events[len(events) // 2]
    frame = gray_frame(tmp_path / "out" / "final.mp4", (middle.start + middle.end) // 2,
                       size.width, size.height)  # fmt: skip
    bright = frame > 200  # white caption text on the dark plain background
    band = size.height // 4
    assert bright[band : 3 * band].sum() > 10 * max(
        1, bright[:band].sum() + bright[3 * band :].sum()
    )
