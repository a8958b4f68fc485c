"""Where a scene render's time goes: each of J5's visuals made into frames by its segment's
FFmpeg (frames discarded), the transitions, and the final encode of raw frames, each measured
in CPU seconds (the figure to read on a busy machine) per second of output.

    python -m bench.profile_scenes [--seconds 3] [--size 1080x1920] [--only image,clip]

Nothing here spells FFmpeg arguments: the segments' come from `pipeline/render/ffmpeg/`.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from bench.inputs import InputSpec, prepare_inputs
from bench.measure import MB, TreeMemorySampler
from videorender.pipeline.models import Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.media import MediaInputs, check_scene_visuals
from videorender.pipeline.render.scene_plan import FrameFormat, Segment, Shot, Visual
from videorender.pipeline.text.scenes import Scene, SceneOptions

REPO = Path(__file__).resolve().parent.parent
FPS = 30.0


@dataclass(frozen=True)
class Cost:
    wall_s: float
    cpu_s: float
    peak_mb: float = 0.0


def run_discarding(argv: list[str]) -> Cost:
    """Run a segment's FFmpeg, its raw frames thrown away; CPU of the child only."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with (
        subprocess.Popen(argv, stdout=subprocess.DEVNULL) as proc,
        TreeMemorySampler(proc.pid) as sampler,
    ):
        if proc.wait() != 0:
            raise subprocess.CalledProcessError(proc.returncode, argv)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Cost(wall, cpu, sampler.peak_bytes / MB)


def segment_argv(segment: Segment, visuals: Sequence[Visual], size: Size) -> list[str]:
    return ffmpeg.build_segment_argv(segment, visuals, FrameFormat(size, FPS, "0x1b2a4e"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile_scenes")
    parser.add_argument("--seconds", type=float, default=3.0, help="output seconds per visual")
    parser.add_argument("--size", type=Size.parse, default=Size(1080, 1920))
    parser.add_argument("--only", default="", help="e.g. i02,c07 (name prefixes)")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "full")
    parser.add_argument(
        "--decode-stills", action="store_true", help="segments decode stills themselves"
    )
    args = parser.parse_args(argv)
    inputs = prepare_inputs(args.work / "inputs", InputSpec())
    assert inputs.scenes_script is not None
    folder = inputs.scenes_script.parent
    media = sorted(p for p in folder.iterdir() if p.name[:1] in "ic" and "-" in p.name)
    media = [p for p in media if not p.name.startswith("raw-")]
    if args.only:
        media = [p for p in media if p.name.startswith(tuple(args.only.split(",")))]
    frames = round(args.seconds * FPS)
    total = Cost(0.0, 0.0)
    print(f"{'visual':<28} {'options':<26} {'wall s':>7} {'CPU s':>7} {'CPU/out s':>9} {'MB':>5}")
    for path in media:
        for options in _variants(path):
            visual = check_scene_visuals([Scene("x", path, options)], _no_base())[0]
            if visual.kind == "image" and not args.decode_stills:  # as render_scenes does
                visual = _prepared(visual, args.size, args.work)
            cost = run_discarding(segment_argv(_single(frames), [visual], args.size))
            total = Cost(
                total.wall_s + cost.wall_s,
                total.cpu_s + cost.cpu_s,
                max(total.peak_mb, cost.peak_mb),
            )
            label = " ".join(f"{k}={v}" for k, v in options.to_mapping().items()) or "defaults"
            print(
                f"{path.name:<28} {label:<26} {cost.wall_s:7.2f} {cost.cpu_s:7.2f} "
                f"{cost.cpu_s / args.seconds:9.2f} {cost.peak_mb:5.0f}",
                flush=True,
            )
    if len(media) >= 2 and not args.only:
        pair = [
            check_scene_visuals([Scene("x", p, SceneOptions())], _no_base())[0] for p in media[:2]
        ]
        pair = [
            _prepared(v, args.size, args.work)
            if v.kind == "image" and not args.decode_stills
            else v
            for v in pair
        ]
        half = round(0.2 * FPS)
        fade = Segment(0, 2 * half, Shot(0, frames - half, frames), Shot(1, 0, frames), "fade")
        cost = run_discarding(segment_argv(fade, pair, args.size))
        print(
            f"{'xfade ' + str(2 * half) + ' frames':<55} {cost.wall_s:7.2f} {cost.cpu_s:7.2f}"
            f" {'':9} {cost.peak_mb:5.0f}"
        )
        one = run_discarding(segment_argv(_single(1), pair[:1], args.size))
        print(
            f"{'one frame (start-up + decode)':<55} {one.wall_s:7.2f} {one.cpu_s:7.2f}"
            f" {'':9} {one.peak_mb:5.0f}"
        )
    print(f"total: {total.wall_s:.2f} s wall, {total.cpu_s:.2f} CPU s")
    return 0


def _prepared(visual: Visual, size: Size, work: Path) -> Visual:
    """The still decoded and fitted once (its cost printed), as `render_scenes` does."""
    folder = work / "profile-stills"
    folder.mkdir(parents=True, exist_ok=True)
    assert visual.path is not None
    output = folder / f"{visual.path.stem}-{ffmpeg.still_canvas(visual, size)}.yuv"
    cost = run_discarding(ffmpeg.build_still_argv(visual, size, output))
    print(
        f"{'  (decode + fit once)':<55} {cost.wall_s:7.2f} {cost.cpu_s:7.2f} {'':9} "
        f"{cost.peak_mb:5.0f}"
    )
    return replace(visual, prepared=output)


def _single(frames: int) -> Segment:
    return Segment(0, frames, Shot(0, 0, frames))


def _variants(path: Path) -> list[SceneOptions]:
    base = SceneOptions()
    if path.suffix in (".jpg", ".png", ".webp"):
        return [base, replace(base, motion="pan-left"), replace(base, fit="contain")]
    return [base, replace(base, fit="contain")]


def _no_base() -> MediaInputs:
    return MediaInputs(base_video=None, base_info=None, music=None)


if __name__ == "__main__":
    raise SystemExit(main())
