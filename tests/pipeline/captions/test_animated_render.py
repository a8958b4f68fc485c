"""The animated caption styles burned into real 1080x1920 renders over a plain background,
checked on decoded frames against the words' times in words.json (the issue's "done when")."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import numpy.typing as npt

from tests.decode import gray_frame
from videorender.config import Settings
from videorender.pipeline.models import CaptionOptions, Color, RenderOptions, Size
from videorender.pipeline.run import RenderJob, render

SCRIPT = "Captions can follow every single word as it is spoken aloud by the voice."
PORTRAIT = Size(1080, 1920)
SMALL = Size(270, 480)  # frames compared at a quarter of the size: one decode for them all
FPS = 30
GREEN = Color(0, 200, 70)


def _render(settings: Settings, out: Path, style: str, **captions: object) -> list[dict[str, int]]:
    options = RenderOptions(
        size=PORTRAIT,
        subtitle_style=style,
        captions=CaptionOptions(**captions),  # type: ignore[arg-type]
    )
    render(RenderJob(SCRIPT, out, options=options), settings.pipeline_config())
    data = json.loads((out / "words.json").read_text(encoding="utf-8"))
    return [w for s in data["sentences"] for w in s["words"]]


def _small_frames(video: Path) -> npt.NDArray[np.int16]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(video), "-vf", f"scale={SMALL.width}:{SMALL.height}",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    frames = np.frombuffer(raw, dtype=np.uint8).reshape(-1, SMALL.height, SMALL.width)
    return frames.astype(np.int16)


def _changes_into_words(video: Path, words: list[dict[str, int]]) -> list[int]:
    """For each word that is alone on screen for its first 260 ms (the next one starts after),
    how many pixels change between 60 ms and 220 ms into it."""
    frames = _small_frames(video)
    changed = []
    for word, following in zip(words, [*words[1:], None], strict=True):
        if following is not None and following["start_ms"] < word["start_ms"] + 260:
            continue
        early, late = (round((word["start_ms"] + ms) * FPS / 1000) for ms in (60, 220))
        changed.append(int((np.abs(frames[late] - frames[early]) > 25).sum()))
    return changed


def test_pop_and_bounce_words_change_as_they_are_spoken_and_karaoke_words_do_not(
    settings: Settings, tmp_path: Path
) -> None:
    changes, words = {}, {}
    for style in ("pop", "bounce", "karaoke"):
        words[style] = _render(settings, tmp_path / style, style)
        changes[style] = _changes_into_words(tmp_path / style / "final.mp4", words[style])
        assert len(changes[style]) >= 4
    for style in ("pop", "bounce"):
        assert sum(n > 40 for n in changes[style]) >= 0.8 * len(changes[style]), changes
    assert sum(n > 40 for n in changes["karaoke"]) <= 0.2 * len(changes["karaoke"]), changes
    # pop's text is large: a line of it at least 90 px tall from its top to its bottom.
    tallest = 0
    for word in words["pop"][:6]:
        at_ms = word["end_ms"] - 20
        frame = gray_frame(tmp_path / "pop" / "final.mp4", at_ms, PORTRAIT.width, PORTRAIT.height)
        rows = np.flatnonzero((frame > 180).sum(axis=1) > 2)  # the text's fill, white or lit
        runs = np.split(rows, np.flatnonzero(np.diff(rows) > 3) + 1)  # one run per line
        tallest = max([tallest, *(int(run[-1] - run[0] + 1) for run in runs if len(run))])
    assert tallest >= 90


def _rgb_frame(video: Path, at_ms: int) -> npt.NDArray[np.int16]:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-ss", f"{at_ms / 1000:.3f}", "-i", str(video),
         "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        capture_output=True, check=True,
    ).stdout  # fmt: skip
    return (
        np.frombuffer(raw, dtype=np.uint8)
        .reshape(PORTRAIT.height, PORTRAIT.width, 3)
        .astype(np.int16)
    )


def test_box_sits_behind_the_spoken_word_and_moves_along_the_line(
    settings: Settings, tmp_path: Path
) -> None:
    words = _render(settings, tmp_path, "box", highlight_color=GREEN)
    centres = []
    for word in words[:3]:  # the first words of the first page
        frame = _rgb_frame(tmp_path / "final.mp4", (word["start_ms"] + word["end_ms"]) // 2 + 60)
        red, green, blue = frame[..., 0], frame[..., 1], frame[..., 2]
        box = (abs(red - GREEN.r) < 40) & (abs(green - GREEN.g) < 40) & (abs(blue - GREEN.b) < 40)
        ys, xs = np.nonzero(box)
        assert len(xs) > 3000, word  # a box, not a few stray pixels
        # The word is drawn on it: white text inside the box's bounds.
        inside = frame[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
        assert ((inside > 200).all(axis=2)).sum() > 300
        centres.append((float(xs.mean()), float(ys.mean())))
    (x1, y1), (x2, y2), (x3, y3) = centres
    assert (x2 > x1 + 40 or y2 > y1 + 40) and (x3 > x2 + 40 or y3 > y2 + 40), centres
