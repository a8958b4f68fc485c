"""Ken Burns motion on a still, today's (whole pixels) against the smooth one, and what the
x264 encode does to a slow pan.

    python -m bench.ken_burns [--quick] [--size 1080x1920] [--seconds 8]

1. A photo-like still (seeded: noise at several scales, 1/f like a photograph, and a few
   hard edges) is panned across, as a scene of `--seconds`, by the pipeline's own segment
   command (`ffmpeg.build_segment_argv`), once with today's motion (frozen below as
   `_today_motion`) and once with the current one (`ffmpeg.motion.still_motion`). Printed:
   CPU seconds and peak MB of making the frames, and their smoothness (`bench.motion`:
   standing frames, unevenness), on the lossless frames.
2. The smooth frames are encoded by x264 at our default settings (`Encoder()`: veryfast,
   crf 23) and with the settings that decide whether a slow pan survives (skip decisions,
   DCT decimation, dead zones, psychovisual settings, a lower crf), each decoded and measured
   again, with its CPU seconds and size.

`--quick`: 360x640, 3 s (to check that it runs; take figures without it, on a quiet machine).
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from bench.measure import Measurement, measure
from bench.motion import Picture, Smoothness, smoothness
from videorender.pipeline.models import Encoder, Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import prepare_stills
from videorender.pipeline.render.ffmpeg import motion as motion_filter
from videorender.pipeline.render.media import MediaInputs, check_scene_visuals
from videorender.pipeline.render.scene_plan import FrameFormat, Segment, Shot, Visual
from videorender.pipeline.text.scenes import Scene, SceneOptions

FPS = 30
# x264 settings tried on the smooth pan, by what they change (added to `Encoder()`'s).
X264_VARIANTS: dict[str, list[str]] = {
    "default (veryfast crf 23)": [],
    "no fast P-skip": ["-x264-params", "fast-pskip=0"],
    "no DCT decimation": ["-x264-params", "dct-decimate=0"],
    "no fast P-skip, no decimation": ["-x264-params", "fast-pskip=0:dct-decimate=0"],
    "small inter dead zone": ["-x264-params", "deadzone-inter=6"],
    "psy-rd off": ["-x264-params", "psy-rd=0.0,0.0"],
    "aq-mode 3": ["-x264-params", "aq-mode=3"],
    "crf 20": ["-crf", "20"],
    "crf 18": ["-crf", "18"],
    "crf 12": ["-crf", "12"],
}


def photo_like(path: Path, size: tuple[int, int] = (1600, 1200), seed: int = 29) -> None:
    """A seeded picture with a photograph's spread of detail: octaves of blurred noise, each
    half as strong as the next coarser one, and a few hard-edged shapes."""
    rng = np.random.default_rng(seed)
    width, height = size
    picture = np.zeros((height, width, 3))
    for octave in range(6):
        cells = (max(2, width >> (7 - octave)), max(2, height >> (7 - octave)))
        noise = Image.fromarray((rng.random((cells[1], cells[0], 3)) * 255).astype(np.uint8))
        layer = np.asarray(noise.resize(size, Image.Resampling.BICUBIC), dtype=np.float64)
        picture += (layer - 128) / (2**octave)
    image = Image.fromarray(np.clip(picture / 2 + 128, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        r = int(rng.integers(20, 120))
        shade = tuple(int(v) for v in rng.integers(0, 255, 3))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=shade)
    image.filter(ImageFilter.GaussianBlur(0.8)).save(path, quality=92)


def _today_motion(motion: str, shot: Shot, size: Size, canvas: Size, number: int) -> str:
    """The motion as it shipped before issue 29, frozen here for the comparison: crops and
    scales in whole pixels, over frames stamped in the still's 1/25 s time base."""
    del canvas, number
    stamp = f",settb=1/25,setpts=N/({FPS}*TB)"
    w, h, extra = size.width, size.height, ffmpeg.MOTION_ZOOM - 1
    if motion in ("zoom-in", "zoom-out"):
        progress = f"min(1,(n-1+{shot.first})/{max(1, shot.length - 1)})"
        zoom = (
            f"(1+{extra:.4f}*{progress})"
            if motion == "zoom-in"
            else f"({ffmpeg.MOTION_ZOOM:.4f}-{extra:.4f}*{progress})"
        )
        zoom = f"if(eq(n,0),{ffmpeg.MOTION_ZOOM:.4f},{zoom})"
        width, height = f"2*trunc({w}*{zoom}/2)", f"2*trunc({h}*{zoom}/2)"
        return (
            f"{stamp},scale=w='{width}':h='{height}':eval=frame:flags=bilinear"
            f",crop={w}:{h}:x='({width}-{w})/2':y='({height}-{h})/2':exact=1"
            ",trim=start_frame=1,setpts=PTS-STARTPTS"
        )
    progress = f"min(1,(n+{shot.first})/{max(1, shot.length - 1)})"
    along = f"(1-{progress})" if motion == "pan-left" else progress
    return f"{stamp},crop={w}:{h}:x='(in_w-{w})*{along}':y='(in_h-{h})/2':exact=1"


@contextmanager
def _motion(function: Callable[[str, Shot, Size, Size, int], str] | None) -> Iterator[None]:
    saved = motion_filter.still_motion
    if function is not None:
        vars(motion_filter)["still_motion"] = function
    try:
        yield
    finally:
        vars(motion_filter)["still_motion"] = saved


def make_frames(visual: Visual, size: Size, frames: int, out: Path) -> Measurement:
    """The pan's raw yuv420p frames into `out`, as the render makes them."""
    segment = Segment(0, frames, Shot(0, 0, frames))
    argv = ffmpeg.build_segment_argv(segment, [visual], FrameFormat(size, FPS, "0x000000"))
    return measure([*argv[:-1], "-y", str(out)])


def raw_luma(path: Path, size: Size, box: tuple[int, int, int, int] | None = None) -> list[Picture]:
    """The luma of each raw yuv420p frame in `path` (read from disk as needed), or of the
    part of it in `box` (x, y, width, height)."""
    frame_bytes = size.width * size.height * 3 // 2
    data = np.memmap(path, dtype=np.uint8, mode="r")
    x, y, w, h = box or (0, 0, size.width, size.height)
    pictures: list[Picture] = []
    for number in range(len(data) // frame_bytes):
        start = number * frame_bytes
        luma = data[start : start + size.width * size.height].reshape(size.height, size.width)
        pictures.append(np.array(luma[y : y + h, x : x + w]))
    return pictures


def centre(size: Size) -> tuple[int, int, int, int]:
    """A square from the middle of the frame: enough to follow, quick to correlate."""
    side = min(size.width, size.height, 512) // 2 * 2
    return (size.width - side) // 2, (size.height - side) // 2, side, side


def encode(raw: Path, size: Size, extra: list[str], out: Path) -> Measurement:
    encoder = Encoder()
    argv = [
        "ffmpeg", "-v", "error", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p",
        "-s", str(size), "-framerate", str(FPS), "-i", str(raw),
        "-c:v", "libx264", "-preset", encoder.preset, "-crf", str(encoder.crf),
        "-threads", str(encoder.threads), "-rc-lookahead", str(encoder.lookahead),
        *extra, "-pix_fmt", "yuv420p", str(out),
    ]  # fmt: skip
    return measure(argv)


def decoded_luma(video: Path, size: Size, work: Path) -> list[Picture]:
    raw = work / "decoded.yuv"
    measure(["ffmpeg", "-v", "error", "-y", "-i", str(video), "-f", "rawvideo",
             "-pix_fmt", "yuv420p", str(raw)])  # fmt: skip
    frames = raw_luma(raw, size, centre(size))
    raw.unlink()
    return frames


def _row(name: str, cost: Measurement, smooth: Smoothness, extra: str = "") -> str:
    return (
        f"{name:36} cpu {cost.cpu_s:6.2f} s  peak {cost.peak_mb:6.0f} MB  "
        f"standing {smooth.standing:3d}/{len(smooth.steps)}  uneven {smooth.unevenness:5.2f}"
        f" (p90 {smooth.typical:4.2f})"
        f"{extra}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ken_burns", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--size", type=Size.parse, default=Size(1080, 1920))
    parser.add_argument("--seconds", type=float, default=8.0)
    args = parser.parse_args(argv)
    size, seconds = (Size(360, 640), 3.0) if args.quick else (args.size, args.seconds)
    frames = round(seconds * FPS)
    with tempfile.TemporaryDirectory(prefix="ken-burns-") as folder:
        work = Path(folder)
        photo_like(work / "photo.jpg")
        scene = Scene("Words.", work / "photo.jpg", SceneOptions(motion="pan-right"))
        visuals = check_scene_visuals([scene], MediaInputs())
        (visual,) = prepare_stills(visuals, size, work, timeout_s=120)
        print(f"pan-right over {seconds:g} s at {size}, {FPS} fps")
        costs: dict[str, float] = {}
        for name, function in (("today", _today_motion), ("smooth", None)):
            with _motion(function):
                cost = make_frames(visual, size, frames, work / f"{name}.yuv")
            costs[name] = cost.cpu_s
            print(
                _row(
                    f"frames: {name}",
                    cost,
                    smoothness(raw_luma(work / f"{name}.yuv", size, centre(size))),
                )
            )
        print(f"frames CPU ratio smooth/today: {costs['smooth'] / max(costs['today'], 1e-9):.2f}")
        for name, extra in X264_VARIANTS.items():
            video = work / "encoded.mp4"
            cost = encode(work / "smooth.yuv", size, extra, video)
            kilobytes = video.stat().st_size / 1024
            smooth = smoothness(decoded_luma(video, size, work))
            print(_row(f"x264: {name}", cost, smooth, f"  {kilobytes:7.0f} KB"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
