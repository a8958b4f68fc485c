"""One bench job rendered by two checkouts, interleaved: before/after figures for a change.

    .venv/bin/python -m bench.ab_render --before /work/main [--job J3] [--reps 2]
        [--after-env PIPER_THREADS=1 ...] [--inputs bench/work/full/inputs]

Each checkout renders with its own `.venv/bin/python` (`videorender render` as `bench.jobs`
spells it), in a fresh process with the speech cache off; runs alternate (before, after,
after with `--after-env`, before, ...) so the machine's load falls on all alike. Prints one
JSON line per run: wall and CPU seconds and peak memory of the process tree (as
`bench/measure.py` measures them) and the stage seconds of the render's summary. Patched voice
models are made before the first run, so that no run pays for them.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench.inputs import InputSpec, prepare_inputs
from bench.jobs import JOBS, Run, ours_argv
from bench.measure import measure

REPO = Path(__file__).resolve().parent.parent
_WARM = (
    "from pathlib import Path; from videorender.pipeline.tts.piper import load_piper;"
    " import sys; load_piper(None, None, 1, Path(sys.argv[1]))"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.ab_render", description=__doc__)
    parser.add_argument("--before", type=Path, required=True, help="the other checkout")
    parser.add_argument("--job", default="J3")
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--after-env", nargs="*", default=[], help="a third variant: NAME=VALUE")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work" / "ab")
    parser.add_argument(
        "--inputs", type=Path, help="generated inputs to reuse (default: WORK/inputs)"
    )
    args = parser.parse_args(argv)
    job = next(j for j in JOBS if j.name == args.job)
    inputs = prepare_inputs(args.inputs or args.work / "inputs", InputSpec(), scenes=job.scenes > 0)
    variants: dict[str, tuple[Path, dict[str, str]]] = {
        "before": (args.before, {}),
        "after": (REPO, {}),
    }
    if args.after_env:
        extra = dict(item.split("=", 1) for item in args.after_env)
        variants[f"after {' '.join(args.after_env)}"] = (REPO, extra)
    cache = Path(tempfile.mkdtemp(prefix="bench-ab-"))
    for checkout, _ in variants.values():
        models = cache / "videorender" / "tts" / "models"
        subprocess.run([_python(checkout), "-c", _WARM, str(models)], check=True, cwd=checkout)
    print(json.dumps({"load_before": os.getloadavg()}), flush=True)
    for rep in range(args.reps):
        for name, (checkout, env) in variants.items():
            out = args.work / "runs" / f"{rep}-{len(env)}-{name.split()[0]}"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            command = ours_argv(Run(job, inputs, out, 0))
            command[command.index("-m") - 1] = _python(checkout)
            run_env = {
                **os.environ,
                "XDG_CACHE_HOME": str(cache),
                "TTS_CACHE_MAX_MB": "0",
                **env,
            }
            cost = measure(command, env=run_env, cwd=checkout)
            summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
            row = {
                "variant": name,
                "rep": rep,
                "wall_s": round(cost.wall_s, 1),
                "cpu_s": round(cost.cpu_s, 1),
                "peak_mb": round(cost.peak_mb),
                "stage_seconds": summary.get("stage_seconds"),
            }
            print(json.dumps(row), flush=True)
    print(json.dumps({"load_after": os.getloadavg()}), flush=True)
    shutil.rmtree(cache, ignore_errors=True)
    return 0


def _python(checkout: Path) -> str:
    return str(checkout / ".venv" / "bin" / "python")


if __name__ == "__main__":
    raise SystemExit(main())
