"""A still image's segment, made by real FFmpeg as `render_scenes` makes it (decoded and
fitted once, then read by its segment): a JPEG stored sideways with an EXIF orientation tag
is shown upright, turned once, whatever FFmpeg itself does with the tag."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from videorender.pipeline.models import Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import prepare_stills
from videorender.pipeline.render.media import MediaInputs, check_scene_visuals
from videorender.pipeline.render.scene_plan import FrameFormat, Segment, Shot
from videorender.pipeline.text.scenes import Scene, SceneOptions

SIZE = Size(180, 320)


def _frames(visual_path: Path, work: Path, frames: int = 3) -> np.ndarray:
    options = SceneOptions(motion="none")
    visuals = check_scene_visuals([Scene("Words.", visual_path, options)], MediaInputs())
    visuals = prepare_stills(visuals, SIZE, work, timeout_s=60)
    assert visuals[0].prepared is not None and visuals[0].prepared.is_file()
    segment = Segment(0, frames, Shot(0, 0, frames))
    argv = ffmpeg.build_segment_argv(segment, visuals, FrameFormat(SIZE, 30, "0x000000"))
    raw = subprocess.run(argv, capture_output=True, check=True).stdout
    luma = np.frombuffer(raw, dtype=np.uint8)[: SIZE.width * SIZE.height]
    return luma.reshape(SIZE.height, SIZE.width)


@pytest.mark.parametrize(("orientation", "top_is_bright"), [(6, True), (8, False), (1, None)])
def test_an_exif_turned_jpeg_is_shown_upright(
    tmp_path: Path, orientation: int, top_is_bright: bool | None
) -> None:
    # Stored 320x180 (landscape): the left half white, the right half black.
    stored = np.zeros((180, 320, 3), dtype=np.uint8)
    stored[:, :160] = 255
    path = tmp_path / "sideways.jpg"
    image = Image.fromarray(stored)
    exif = image.getexif()
    exif[0x0112] = orientation
    image.save(path, exif=exif, quality=95)

    luma = _frames(path, tmp_path)
    top, bottom = luma[: SIZE.height // 4].mean(), luma[-SIZE.height // 4 :].mean()
    if top_is_bright is None:  # not turned: a landscape image cropped to its centre
        assert luma.shape == (320, 180)
        return
    # 6: turn 90 degrees clockwise to display (the stored left side on top); 8: the other way.
    bright, dark = (top, bottom) if top_is_bright else (bottom, top)
    assert bright > 200 and dark < 60, (top, bottom)


@pytest.mark.parametrize("transition", ["fade", "wipe"])
def test_a_body_and_its_transition_out_made_together_are_the_same_frames(
    tmp_path: Path, transition: str
) -> None:
    clip, still = tmp_path / "clip.mp4", tmp_path / "still.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=240x136:r=25:d=2",
                    "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(clip)],
                   check=True)  # fmt: skip
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=400x300",
                    "-frames:v", "1", str(still)], check=True)  # fmt: skip
    scenes = [Scene("One.", clip), Scene("Two.", still, SceneOptions(transition=transition))]
    visuals = prepare_stills(check_scene_visuals(scenes, MediaInputs()), SIZE, tmp_path,
                             timeout_s=60)  # fmt: skip
    # Scene 0 from its 7th frame (after a transition in), 40 frames, then 10 into scene 1.
    body = Segment(0, 40, Shot(0, 6, 51))
    out = Segment(40, 10, Shot(0, 46, 51), Shot(1, 0, 30), transition)
    frame = FrameFormat(SIZE, 30.0, "0x000000")

    def frames(argv: list[str]) -> bytes:
        return subprocess.run(argv, capture_output=True, check=True).stdout

    apart = frames(ffmpeg.build_segment_argv(body, visuals, frame))
    apart += frames(ffmpeg.build_segment_argv(out, visuals, frame))
    together = frames(ffmpeg.build_joined_argv(body, out, visuals, frame))
    assert len(apart) == 50 * SIZE.width * SIZE.height * 3 // 2
    assert together == apart
