"""What cutting the encode into parts costs: the same frames encoded as 1, 2, 4 and 8 parts
(`ffmpeg.build_video_part_argv`, the render's own builder), then joined by stream copy with
the audio (`ffmpeg.build_join_argv`). CPU seconds are the figure to read on a busy machine.

    python -m bench.parts_cost [--seconds 40] [--size 1920x1080] [--parts 1,2,4,8]

The figures feed `docs/scaling.md` (one long job's parts spread over several workers).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from bench.inputs import InputSpec, prepare_inputs
from bench.measure import measure
from videorender.config import load_settings
from videorender.pipeline.captions.fonts import prepare_fonts_dir
from videorender.pipeline.captions.subtitles import build_subtitles, write_subtitles
from videorender.pipeline.models import Size
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.render.encode import plan_render
from videorender.pipeline.render.media import check_inputs

REPO = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.parts_cost", description=__doc__)
    parser.add_argument("--seconds", type=int, default=40)
    parser.add_argument("--size", type=Size.parse, default=Size(1920, 1080))
    parser.add_argument("--parts", default="1,2,4,8")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "full")
    args = parser.parse_args(argv)
    settings = load_settings()
    inputs = prepare_inputs(args.work / "inputs", InputSpec(), scenes=False)
    with tempfile.TemporaryDirectory(prefix="bench-parts-") as tmp:
        work = Path(tmp)
        voice = work / "voice.wav"
        _silence(voice, args.seconds)
        font = prepare_fonts_dir("captions", work / "fonts")
        write_subtitles(build_subtitles([], args.size, font), work / "subs.ass")
        plan = plan_render(
            inputs=check_inputs(inputs.base, inputs.music), voice=voice,
            voice_ms=args.seconds * 1000 - settings.tail_ms, subtitles=work / "subs.ass",
            fonts_dir=work / "fonts", output=work / "out.mp4", size=args.size,
            config=settings.pipeline_config().render,
        )  # fmt: skip
        total = round(plan.duration_ms * plan.fps / 1000)
        print(f"{total} frames ({plan.duration_ms / 1000:.1f} s) at {args.size}")
        print(
            "| parts | encode wall s | encode CPU s | CPU per part s | join wall s | join CPU s |"
        )
        print("|---:|---:|---:|---:|---:|---:|")
        for count in (int(n) for n in args.parts.split(",")):
            bounds = [total * k // count for k in range(count + 1)]
            paths = [work / f"part-{count}-{k}.mp4" for k in range(count)]
            wall = cpu = 0.0
            for k, path in enumerate(paths):
                argv = ffmpeg.build_video_part_argv(
                    plan, first=bounds[k], frames=bounds[k + 1] - bounds[k],
                    subtitles=work / "subs.ass", output=path,
                )  # fmt: skip
                m = measure(argv, cwd=work)
                wall, cpu = wall + m.wall_s, cpu + m.cpu_s
            listing = work / f"parts-{count}.txt"
            listing.write_text(ffmpeg.concat_list(paths), encoding="utf-8")
            joined = replace(plan, output=work / f"joined-{count}.mp4")
            j = measure(ffmpeg.build_join_argv(joined, listing), cwd=work)
            frames = _frames(joined.output)
            assert frames == total, (frames, total)
            print(
                f"| {count} | {wall:.1f} | {cpu:.1f} | {cpu / count:.2f} "
                f"| {j.wall_s:.1f} | {j.cpu_s:.1f} |"
            )
            sys.stdout.flush()
            for path in paths:
                path.unlink()
    return 0


def _silence(path: Path, seconds: int) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(22050)
        wav.writeframes(b"\0\0" * 22050 * seconds)


def _frames(video: Path) -> int:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-count_packets", "-select_streams", "v",
         "-show_entries", "stream=nb_read_packets", "-of", "csv=p=0", str(video)],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return int(out.strip())


if __name__ == "__main__":
    raise SystemExit(main())
