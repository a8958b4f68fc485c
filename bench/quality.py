"""The video stream's quality against an earlier version's output at the same settings:

    python -m bench.quality --base-src ../main-checkout/src [--jobs J1]

Renders each job with the earlier code (`--base-src`, its `src` folder) and then with this
checkout's, sharing one speech cache so that both get the same narration, and compares the
video streams frame by frame with FFmpeg's `psnr` filter. The average PSNR (None: identical)
goes into the saved results (`meta.psnr`), where the report's targets table shows it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.inputs import InputSpec, prepare_inputs
from bench.jobs import JOBS, Run, ours_argv
from bench.measure import child_env, measure
from bench.results import Results

REPO = Path(__file__).resolve().parent.parent


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.quality", description=__doc__)
    parser.add_argument("--base-src", type=Path, required=True, help="the earlier code's src/")
    parser.add_argument("--jobs", default="J1")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "full")
    args = parser.parse_args(argv)
    inputs = prepare_inputs(args.work / "inputs", InputSpec(), scenes=False)
    results_path = args.work / "results.json"
    for name in args.jobs.upper().split(","):
        job = next(j for j in JOBS if j.name == name)
        root = args.work / "quality" / name
        shutil.rmtree(root, ignore_errors=True)
        cache = root / "tts-cache"
        videos = []
        for label, src in (("before", args.base_src.resolve()), ("after", REPO / "src")):
            run = Run(job, inputs, root / label, 0)
            run.out_dir.mkdir(parents=True)
            env = child_env(
                TTS_CACHE_DIR=str(cache),
                PYTHONPATH=os.pathsep.join([str(src), str(REPO)]),
            )
            m = measure(ours_argv(run), env=env, cwd=run.out_dir)
            print(f"{name} {label}: {m.wall_s:.1f} s wall, {m.cpu_s:.1f} s CPU", flush=True)
            videos.append(run.out_dir / "final.mp4")
        psnr = video_psnr(videos[0], videos[1])
        print(f"{name}: PSNR {'identical' if psnr is None else f'{psnr:.2f} dB'}", flush=True)
        if results_path.is_file():
            results = Results.load(results_path)
            results.meta.setdefault("psnr", {})[name] = psnr
            results.save(results_path)
    return 0


def video_psnr(reference: Path, video: Path) -> float | None:
    """The average PSNR (dB) of `video`'s frames against `reference`'s; None if identical.

    Raises:
        RuntimeError: the frame counts differ, or FFmpeg printed no PSNR.
    """
    result = subprocess.run(
        [shutil.which("ffmpeg") or "ffmpeg", "-hide_banner", "-nostats",
         "-i", str(video), "-i", str(reference),
         "-lavfi", "[0:v][1:v]psnr=shortest=0", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    match = re.search(r"PSNR .*average:(\S+)", result.stderr)
    if match is None:
        raise RuntimeError(result.stderr[-2000:])
    return None if match.group(1) == "inf" else float(match.group(1))


if __name__ == "__main__":
    sys.exit(main())
