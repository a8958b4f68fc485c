"""The benchmark runner: `python -m bench [--quick] [...]` (or `make bench`).

Generates the inputs, runs every job with each contender interleaved (ours, floor, MoviePy,
ours, floor, MoviePy, ...) so that a change in the machine's load hits all three alike, measures
Piper alone, and writes `docs/benchmarks.md` with a chart. Results are saved after every run.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.inputs import Inputs, InputSpec, prepare_inputs
from bench.jobs import JOBS, Contender, Job, Run, floor_argv, moviepy_argv, ours_argv
from bench.measure import Measurement, child_env, measure
from bench.report import write_report
from bench.results import Record, Results, TTSRecord, machine_info
from bench.sweep import VARIANTS, Variant
from videorender.config import Settings, load_settings
from videorender.pipeline.models import MediaInfo
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.tts.piper import load_piper, unload_piper

REPO = Path(__file__).resolve().parent.parent
QUICK_SPEC = InputSpec(
    base_seconds=12,
    music_seconds=20,
    short_words=30,
    long_words=60,
    scene_words=60,
    many_scene_words=200,
)


@dataclass(frozen=True)
class Plan:
    jobs: tuple[Job, ...]
    contenders: tuple[Contender, ...]
    reps: int
    long_moviepy_reps: int  # MoviePy on J4 takes longest: it may run fewer times
    variants: tuple[Variant, ...] = (Variant("defaults", {}),)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    # Absolute: the renders run in their own folders, where a relative path would nest.
    work: Path = args.work.resolve() / ("quick" if args.quick else "full")
    if not args.report_only:
        command = _command(list(argv) if argv is not None else sys.argv[1:])
        results = _run(args, work, command)
        results.save(work / ("sweep.json" if args.sweep else "results.json"))
    main_results = _load(work / "results.json")
    # The sweep compares settings on the quick media (memory and CPU are stable at that length
    # and it takes minutes, not hours), so the full report shows the quick sweep if it has none.
    sweep = _load(work / "sweep.json") or _load(args.work / "quick" / "sweep.json")
    docs: Path = args.docs or (REPO / "docs" if not args.quick else work / "docs")
    print(f"wrote {write_report(main_results or Results(), sweep, docs)}")
    return 0


def _variants(specs: Sequence[str]) -> list[Variant]:
    variants = []
    for spec in specs:
        env = dict(item.split("=", 1) for item in spec.split(",") if "=" in item)
        variants.append(Variant(" ".join(f"{k}={v}" for k, v in env.items()), env))
    return variants


def _load(path: Path) -> Results | None:
    return Results.load(path) if path.is_file() else None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="short media, 1 repetition")
    parser.add_argument("--reps", type=int, help="repetitions (default 3, quick 1)")
    parser.add_argument("--long-moviepy-reps", type=int, help="MoviePy repetitions on J4")
    parser.add_argument(
        "--jobs",
        default="J1,J2,J3,J4",
        help="comma-separated job names; J5 and J6 (scenes) only when named",
    )
    parser.add_argument("--no-moviepy", action="store_true", help="skip the MoviePy baseline")
    parser.add_argument("--no-tts", action="store_true", help="skip the Piper-alone runs")
    parser.add_argument("--sweep", action="store_true", help="compare settings (ours only)")
    parser.add_argument(
        "--add",
        action="store_true",
        help="keep the saved results and add this run's (e.g. a job an earlier run lacked)",
    )
    parser.add_argument(
        "--variant",
        action="append",
        default=[],
        metavar="NAME=VALUE[,NAME=VALUE]",
        help="also run ours with these settings in every round (repeatable), e.g. "
        "RENDER_OVERLAP=off",
    )
    parser.add_argument("--report-only", action="store_true", help="rewrite the report")
    parser.add_argument("--work", type=Path, default=REPO / "bench" / "work")
    parser.add_argument("--docs", type=Path, help="where the report goes (default docs/)")
    return parser


def _run(args: argparse.Namespace, work: Path, command: str) -> Results:
    reps = args.reps or (1 if args.quick else 3)
    names = {name.strip().upper() for name in args.jobs.split(",")}
    if args.sweep:
        plan = Plan(
            jobs=tuple(j for j in JOBS if j.name in names & {"J1", "J3"}),
            contenders=(Contender.OURS,),
            reps=reps,
            long_moviepy_reps=0,
            variants=VARIANTS,
        )
    else:
        contenders = [Contender.OURS, Contender.FLOOR]
        if not args.no_moviepy:
            contenders.append(Contender.MOVIEPY)
        plan = Plan(
            jobs=tuple(j for j in JOBS if j.name in names),
            contenders=tuple(contenders),
            reps=reps,
            long_moviepy_reps=args.long_moviepy_reps or reps,
            variants=(Variant("defaults"), *_variants(args.variant)),
        )
    spec = QUICK_SPEC if args.quick else InputSpec()
    inputs = prepare_inputs(work / "inputs", spec, scenes=any(job.scenes for job in plan.jobs))
    results_path = work / ("sweep.json" if args.sweep else "results.json")
    if args.add and results_path.is_file():
        results = Results.load(results_path)
        added = {k: v for k, v in machine_info().items() if k in ("started", "load_before", "git")}
        results.meta.setdefault("added", []).append({"command": command, **added})
    else:
        results = Results(meta=machine_info())
        results.meta.update(
            mode="quick" if args.quick else "full",
            command=command,
            settings=_settings_summary(load_settings()),
            reps=reps,
            long_moviepy_reps=plan.long_moviepy_reps,
        )
    if not args.sweep and not args.no_tts:
        results.tts.extend(run_tts(inputs, work / "runs", reps))
        results.save(results_path)

    def keep(record: Record) -> None:
        results.records.append(record)
        results.save(results_path)

    run_jobs(plan, inputs, work / "runs", on_record=keep)
    load_after = [round(x, 2) for x in os.getloadavg()]
    if args.add and results.meta.get("added"):
        results.meta["added"][-1]["load_after"] = load_after
    else:
        results.meta["load_after"] = load_after
    return results


def run_jobs(
    plan: Plan, inputs: Inputs, runs_dir: Path, *, on_record: Callable[[Record], object]
) -> None:
    """Each job: `plan.reps` rounds, each round every variant x contender once, in order."""
    settings = load_settings()
    base_info = ffmpeg.probe(inputs.base, what="base video")
    models = _patched_models(runs_dir)
    for job in plan.jobs:
        duration_ms, voice = 0, None
        for rep in range(plan.reps):
            for variant in plan.variants:
                for contender in plan.contenders:
                    if _skipped(plan, job, contender, rep, variant):
                        continue
                    out = runs_dir / f"{job.name}-{contender.value}-{variant.name}-{rep}"
                    run = Run(job, inputs, out, duration_ms, voice)
                    record = _measure_run(
                        contender, run, base_info, settings, models, variant=variant, rep=rep
                    )
                    if contender is Contender.OURS:
                        duration_ms = round(record.video_s * 1000)
                        voice = out / "voice.wav" if (out / "voice.wav").is_file() else None
                    print(_progress_line(record), flush=True)
                    on_record(record)


def _patched_models(runs_dir: Path) -> Path:
    """A folder holding the voice model patched for word timings, made once here so that no
    measured run pays for patching it: a user's renders find it made, after their first."""
    models = runs_dir / "patched-models"
    load_piper(None, None, 1, models)
    unload_piper()
    return models


def _skipped(plan: Plan, job: Job, contender: Contender, rep: int, variant: Variant) -> bool:
    if variant.env and contender is not Contender.OURS:
        return True  # a variant of our settings: the others run once per round
    if contender is Contender.MOVIEPY and job.scenes:  # bench.moviepy_job has no scenes
        return True
    if contender is Contender.FLOOR and job.name == "J6":  # J6 has a memory target only
        return True
    return contender is Contender.MOVIEPY and job.name == "J4" and rep >= plan.long_moviepy_reps


def _measure_run(
    contender: Contender,
    run: Run,
    base_info: MediaInfo,
    settings: Settings,
    models: Path,
    *,
    variant: Variant,
    rep: int,
) -> Record:
    if contender is Contender.FLOOR and not run.duration_ms:
        raise RuntimeError("the floor needs a duration: run ours first")
    shutil.rmtree(run.out_dir, ignore_errors=True)
    (run.out_dir / "tts-cache").mkdir(parents=True)
    (run.out_dir / "tts-cache" / "models").symlink_to(models.resolve(), target_is_directory=True)
    argv = {
        Contender.OURS: lambda: ours_argv(run),
        Contender.FLOOR: lambda: floor_argv(run, base_info, settings),
        Contender.MOVIEPY: lambda: moviepy_argv(run),
    }[contender]()
    env = child_env(
        # A fresh speech cache every run: the narration is synthesised, never a cache hit
        # (the patched voice model in it is shared: see `_patched_models`).
        TTS_CACHE_DIR=str(run.out_dir / "tts-cache"),
        # MoviePy uses the same FFmpeg build as everyone else, not the one imageio bundles.
        FFMPEG_BINARY=shutil.which("ffmpeg") or "ffmpeg",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
        **variant.env,
    )
    measurement = measure(argv, env=env, cwd=run.out_dir)
    return _record(contender, run, measurement, variant, rep)


def _record(contender: Contender, run: Run, m: Measurement, variant: Variant, rep: int) -> Record:
    summary_path = run.out_dir / "summary.json"
    summary = json.loads(summary_path.read_text()) if summary_path.is_file() else {}
    video = run.out_dir / "final.mp4"
    duration_ms = summary.get("duration_ms", run.duration_ms)
    record = Record(
        job=run.job.name,
        contender=contender.value,
        rep=rep,
        wall_s=round(m.wall_s, 3),
        cpu_s=round(m.cpu_s, 3),
        peak_mb=round(m.peak_mb, 1),
        video_s=duration_ms / 1000,
        output_mb=round(video.stat().st_size / 1024**2, 2) if video.is_file() else 0.0,
        stages=summary.get("stage_seconds", {}),
        variant=variant.name,
    )
    for path in run.out_dir.glob("*.mp4"):  # keep the disk small; summaries stay
        path.unlink()
    shutil.rmtree(run.out_dir / "tts-cache", ignore_errors=True)
    return record


def run_tts(inputs: Inputs, runs_dir: Path, reps: int) -> list[TTSRecord]:
    """Piper alone on the long script, each repetition in a fresh process."""
    records = []
    for rep in range(reps):
        result = runs_dir / f"tts-{rep}.json"
        result.parent.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, "-m", "bench.tts_probe", str(inputs.long_script), str(result)]
        env = child_env(PYTHONPATH=str(REPO))
        m = measure(argv, env=env, cwd=REPO)
        data = json.loads(result.read_text())
        records.append(
            TTSRecord(
                rep=rep,
                audio_s=data["audio_s"],
                load_s=data["load_s"],
                cold_rtf=data["cold_rtf"],
                warm_rtf=data["warm_rtf"],
                cached_rtf=data["cached_rtf"],
                peak_mb=round(m.peak_mb, 1),
            )
        )
        print(f"tts rep {rep}: {data}", flush=True)
    return records


def _progress_line(r: Record) -> str:
    return (
        f"{r.job} {r.contender:<8} {r.variant:<18} rep {r.rep}: {r.wall_s:7.1f} s wall "
        f"{r.cpu_s:7.1f} s cpu {r.peak_mb:6.0f} MB  video {r.video_s:.1f} s"
    )


def _settings_summary(settings: Settings) -> dict[str, object]:
    return {
        "VIDEO_PRESET": settings.video_preset,
        "VIDEO_CRF": settings.video_crf,
        "FFMPEG_THREADS": settings.ffmpeg_threads,
        "FFMPEG_LOOKAHEAD": settings.ffmpeg_lookahead,
        # `auto` resolved as the bench's renders resolve it (the CLI's one job: every core).
        "PIPER_THREADS": f"{settings.piper_threads} ({settings.speech_threads})",
        "PIPER_MEM_ARENA": settings.piper_mem_arena,
        "TTS_KEEP_LOADED": settings.tts_keep_loaded,
        "RENDER_OVERLAP": settings.render_overlap,
    }


def _command(args: list[str]) -> str:
    return shlex.join(["python", "-m", "bench", *args])
