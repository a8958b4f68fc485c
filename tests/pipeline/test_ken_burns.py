"""Ken Burns motion on a photo-like still, made by the render's own segment command, encoded
at a high quality setting and decoded: it moves on every frame, by even steps (measured by
`bench.motion`: phase correlation, refined by Lucas-Kanade)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from bench.ken_burns import _motion, _today_motion, photo_like, raw_luma
from bench.motion import Picture, smoothness
from videorender.pipeline.models import Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import prepare_stills
from videorender.pipeline.render.media import MediaInputs, check_scene_visuals
from videorender.pipeline.render.scene_plan import FrameFormat, Segment, Shot
from videorender.pipeline.text.scenes import Scene, SceneOptions

SIZE = Size(360, 640)
FRAMES = 90  # 3 s: a pan of 54 px, 0.6 px a frame on average, 0.24 at its eased ends


def _encoded_frames(tmp_path: Path, motion: str) -> list[Picture]:
    photo_like(tmp_path / "photo.jpg")
    scene = Scene("Words.", tmp_path / "photo.jpg", SceneOptions(motion=motion))
    (visual,) = prepare_stills(
        check_scene_visuals([scene], MediaInputs()), SIZE, tmp_path, timeout_s=60
    )
    segment = Segment(0, FRAMES, Shot(0, 0, FRAMES))
    argv = ffmpeg.build_segment_argv(segment, [visual], FrameFormat(SIZE, 30, "0x000000"))
    raw = subprocess.run(argv, capture_output=True, check=True, timeout=120).stdout
    (tmp_path / "frames.yuv").write_bytes(raw)
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", str(SIZE),
         "-framerate", "30", "-i", str(tmp_path / "frames.yuv"), "-c:v", "libx264",
         "-preset", "veryfast", "-crf", "12", "-threads", "1", str(tmp_path / "pan.mp4")],
        check=True, timeout=120,
    )  # fmt: skip
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(tmp_path / "pan.mp4"), "-f", "rawvideo",
         "-pix_fmt", "yuv420p", str(tmp_path / "decoded.yuv")],
        check=True, timeout=120,
    )  # fmt: skip
    frames = raw_luma(tmp_path / "decoded.yuv", SIZE)
    assert len(frames) == FRAMES
    if motion.startswith("zoom"):  # a corner: the centre of a zoom does not move
        return [f[40:200, 30:190] for f in frames]
    return [f[160:480, 20:340] for f in frames]


@pytest.mark.parametrize("motion", ["pan-right", "pan-left", "zoom-in"])
def test_a_still_moves_on_every_frame_by_even_steps(tmp_path: Path, motion: str) -> None:
    measured = smoothness(_encoded_frames(tmp_path, motion))
    assert measured.standing == 0, measured
    # No stepping: 90 % of the steps within half the mean step of their neighbours' mean
    # (whole-pixel motion at this speed: 0 and 1 px, over twice the mean).
    assert measured.typical < 0.5, measured


def test_the_whole_pixel_motion_it_replaces_fails_the_same_check(tmp_path: Path) -> None:
    with _motion(_today_motion):
        measured = smoothness(_encoded_frames(tmp_path, "pan-right"))
    assert measured.standing > 10 and measured.typical > 1.0, measured
