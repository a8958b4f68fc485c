"""What the animated caption styles and the smooth Ken Burns motion cost: the same job
rendered with each caption style against `sentence`, and a job of moving stills with the
current motion against today's (whole pixels, `bench.ken_burns._today_motion`).

    python -m bench.style_cost [--quick] [--reps 3] [--size 1080x1920]

Each render is `videorender render` in a fresh process (through `run` below, which can swap
the motion in), measured by `bench.measure` (CPU seconds and peak MB of the process tree).
Speech comes from a warmed speech cache, so that the voice costs the same in every run and
the differences are the captions' and the motion's. Runs alternate between the variants.
Prints each variant's median CPU seconds and peak MB, and its ratio to the reference.

`--quick`: 360x640, two sentences, one run each (to check that it runs; take figures without
it, on a quiet machine).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from bench.ken_burns import _motion, _today_motion, photo_like
from bench.measure import Measurement, child_env, measure
from videorender.cli import main as cli_main
from videorender.pipeline.captions import DEFAULT_STYLE, STYLES
from videorender.pipeline.models import Size

SCRIPT = Path(__file__).parent / "scripts" / "short.txt"
MOTIONS = ("zoom-in", "pan-right", "zoom-out", "pan-left")


def run(argv: list[str]) -> int:
    """`videorender render ARGS`, with today's motion if the first argument says so."""
    if argv[:1] == ["--today-motion"]:
        with _motion(_today_motion):
            return cli_main(argv[1:])
    return cli_main(argv)


def _render(args: list[str], out: Path, env: dict[str, str], today: bool = False) -> Measurement:
    flag = ["--today-motion"] if today else []
    argv = [sys.executable, "-m", "bench.style_cost", "run", *flag, "render", *args,
            "-o", str(out)]  # fmt: skip
    return measure(argv, env=env, cwd=Path(__file__).parent.parent)


def _scenes_script(folder: Path, text: str) -> Path:
    sentences = [s.strip() + "." for s in text.split(".") if s.strip()]
    lines = []
    for number, sentence in enumerate(sentences):
        if number % 2 == 0:
            picture = folder / f"still-{number}.jpg"
            photo_like(picture, seed=number)
            motion = MOTIONS[(number // 2) % len(MOTIONS)]
            lines += ["", f"![]({picture.name}){{motion={motion}}}"]
        lines.append(sentence)
    script = folder / "scenes.txt"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return script


def _report(title: str, results: dict[str, list[Measurement]], reference: str) -> None:
    print(title)
    base_cpu = statistics.median(m.cpu_s for m in results[reference])
    base_mb = statistics.median(m.peak_mb for m in results[reference])
    for name, runs in results.items():
        cpu = statistics.median(m.cpu_s for m in runs)
        peak = statistics.median(m.peak_mb for m in runs)
        print(
            f"  {name:10} cpu {cpu:6.2f} s ({cpu / base_cpu:4.2f}x)"
            f"  peak {peak:6.0f} MB ({peak / base_mb:4.2f}x)"
        )


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["run"]:
        return run(args_in[1:])
    parser = argparse.ArgumentParser(prog="python -m bench.style_cost", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--size", type=Size.parse, default=Size(1080, 1920))
    args = parser.parse_args(args_in)
    size, reps = (Size(360, 640), 1) if args.quick else (args.size, args.reps)
    text = SCRIPT.read_text(encoding="utf-8")
    if args.quick:
        text = ". ".join(text.split(". ")[:2]) + "."
    with tempfile.TemporaryDirectory(prefix="style-cost-") as folder:
        work = Path(folder)
        (work / "script.txt").write_text(text, encoding="utf-8")
        env = child_env(TTS_CACHE_DIR=str(work / "cache"), DATA_DIR=str(work / "data"))
        common = ["--size", str(size)]
        plain = [str(work / "script.txt"), *common]
        _render([*plain, "--subtitle-style", DEFAULT_STYLE], work / "warm", env)
        styles: dict[str, list[Measurement]] = {name: [] for name in STYLES}
        for rep in range(reps):
            for name in STYLES:
                out = work / f"{name}-{rep}"
                styles[name].append(_render([*plain, "--subtitle-style", name], out, env))
        _report(f"caption styles, {size}, against {DEFAULT_STYLE}:", styles, DEFAULT_STYLE)
        scenes = [str(_scenes_script(work, text)), *common]
        _render(scenes, work / "warm-scenes", env)
        motions: dict[str, list[Measurement]] = {"today": [], "smooth": []}
        for rep in range(reps):
            for name, runs in motions.items():
                out = work / f"motion-{name}-{rep}"
                runs.append(_render(scenes, out, env, today=name == "today"))
        _report(f"moving stills, {size}, against today's motion:", motions, "today")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
