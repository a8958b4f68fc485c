"""Transcribe a talking recording (default 10 minutes) and report its cost and accuracy.

    .venv/bin/python -m bench.transcribe [--minutes 10] [--cores 2] [--seed 17]
        [--work bench/work/transcribe]

Two child processes, each measured on its own (peak memory summed over its process tree):
1. `make`: a talking recording of a generated script, three voices in turn (Piper, espeak-ng
   en-us+f2 and en-gb+m3), uneven pauses, room tone at -48 dBFS and 2 s of digital silence at
   each end, with its true sentence starts (`--seed` picks other sentences and pauses: a
   recording the code was not tuned on; the pauses' seed is 10 less, so 17 is the recording of
   the earlier figures);
   the model is rebuilt from its wheels here too, once;
2. `transcribe`: the whole transcription stage as `videorender captions` runs it (probe,
   decode, Whisper base int8 with `--cores` threads, pinned to that many cores, then the
   acoustic aligner), with WHISPER_THREADS = `--cores`.
Prints the real-time factor (stage seconds / audio seconds), CPU seconds, peak RSS, the word
error rate and the sentence start errors, and what a 10-minute video costs at that rate.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from bench.align_text import script_sentences
from bench.measure import measure
from tests.corpus import start_errors, word_error_rate
from tests.recordings import (
    espeak_speaker,
    make_recording,
    pauses_between,
    piper_speaker,
    taking_turns,
)
from videorender.pipeline.stage_config import TranscribeConfig
from videorender.pipeline.text.script import process_script
from videorender.pipeline.transcribe import transcribe
from videorender.pipeline.transcribe.model import base_model_dir

WORDS_PER_MINUTE_WITH_PAUSES = 140
TEN_MINUTES_S = 600


def _sentences(minutes: float, seed: int) -> list[str]:
    count = max(2, int(minutes * WORDS_PER_MINUTE_WITH_PAUSES / 15))
    return [s.text for s in process_script(" ".join(script_sentences(count, seed=seed)))]


def make(work: Path, minutes: float, seed: int) -> dict[str, object]:
    sentences = _sentences(minutes, seed)
    speaker = taking_turns(
        piper_speaker(1.0, work / "models"),
        espeak_speaker(165, "en-us+f2"),
        espeak_speaker(175, "en-gb+m3"),
    )
    started = time.perf_counter()
    recording = make_recording(
        sentences, speaker, work / "talking.wav",
        pauses_ms=pauses_between(len(sentences) - 1, 200, 2500, seed=seed - 10), speech_dbfs=-20.0,
        noise_db=-48.0, noise_tilt=0.4, lead_ms=3000, tail_ms=3000, silent_ends_ms=2000,
    )  # fmt: skip
    (work / "truth.json").write_text(json.dumps({"starts": recording.starts_ms}))
    base_model_dir(work / "whisper")  # rebuilt once, here: not part of a job's cost
    return {
        "sentences": len(sentences),
        "recording_s": recording.duration_ms / 1000,
        "seconds": round(time.perf_counter() - started, 1),
    }


def run(work: Path, minutes: float, cores: int, seed: int) -> dict[str, object]:
    config = TranscribeConfig(cache_dir=work / "whisper", threads=cores)
    started, cpu = time.perf_counter(), time.process_time()
    found = transcribe(work / "talking.wav", config, workdir=work, timeout_s=3 * 3600)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    truth = json.loads((work / "truth.json").read_text())["starts"]
    errors = start_errors(truth, [s.start_ms for s in found.timings])
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "method": found.method.value,
        "language": found.language,
        "word_error_rate": round(
            word_error_rate("\n".join(_sentences(minutes, seed)), found.text), 4
        ),
        "sentence_start_error_ms": {
            "median": float(np.median(errors)),
            "p95": float(np.percentile(errors, 95)),
            "worst": int(errors.max()),
        },
    }


def _child(phase: str, args: argparse.Namespace) -> dict[str, object]:
    argv = [
        sys.executable, "-m", "bench.transcribe", "--phase", phase, "--work", str(args.work),
        "--minutes", str(args.minutes), "--cores", str(args.cores), "--seed", str(args.seed),
    ]  # fmt: skip
    out = args.work / f"{phase}.json"
    cost = measure([*argv, "--out", str(out)], timeout_s=6 * 3600)
    return {
        **json.loads(out.read_text()),
        "wall_s": round(cost.wall_s, 2),
        "cpu_s": round(cost.cpu_s, 2),
        "peak_mb": round(cost.peak_mb, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=17)
    parser.add_argument("--work", type=Path, default=Path("bench/work/transcribe"))
    parser.add_argument("--phase", choices=["make", "transcribe"])
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.phase is not None:
        if args.phase == "transcribe" and hasattr(os, "sched_setaffinity"):
            usable = sorted(os.sched_getaffinity(0))
            os.sched_setaffinity(0, usable[: args.cores])
        result = make(args.work, args.minutes, args.seed) if args.phase == "make" else None
        result = result or run(args.work, args.minutes, args.cores, args.seed)
        args.out.write_text(json.dumps(result))
        return
    made = _child("make", args)
    done = _child("transcribe", args)
    audio_s = float(str(made["recording_s"]))
    factor = float(str(done["seconds"])) / audio_s
    report = {
        "recording_s": audio_s,
        "seed": args.seed,
        "cores": args.cores,
        "load_average": os.getloadavg(),  # the machine's: other work slows the wall clock
        "make": made,
        "transcribe": done,
        "real_time_factor": round(factor, 3),
        "ten_minute_video": {
            "seconds": round(factor * TEN_MINUTES_S, 1),
            "peak_mb": done["peak_mb"] if audio_s >= TEN_MINUTES_S * 0.9 else "run --minutes 10",
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
