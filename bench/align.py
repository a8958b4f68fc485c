"""Align a long voiceover (default 30 minutes) and report seconds and peak memory.

    .venv/bin/python -m bench.align [--minutes 30] [--work bench/work/align]

Three child processes, so each peak RSS is its own:
1. `make`: an espeak-ng "human" recording of a generated script (1-3 s pauses, room noise),
   with its true sentence starts;
2. `reference`: our Piper voice speaks the script (what the TTS stage would cost anyway);
3. `align`: decode the recording, features, DTW twice (path + confidence), sentence times.
In the service the last two run in one worker process: its peak is the larger of the two.
"""

from __future__ import annotations

import argparse
import json
import pickle
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.align_text import script_sentences
from tests.recordings import espeak_speaker, human_pauses, make_recording
from videorender.pipeline.align.voiceover import Reference, align_recording, speak_reference
from videorender.pipeline.script import process_script
from videorender.pipeline.tts.piper import load_piper

WORDS_PER_MINUTE_WITH_PAUSES = 140  # espeak-ng at 165 wpm, plus our pauses


def _peak_mb() -> float:
    # This process only: a child's ru_maxrss counts the forked copy of Python before FFmpeg's
    # exec, so RUSAGE_CHILDREN would report our own size, not FFmpeg's (which is small).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _script(minutes: float) -> str:
    sentences = script_sentences(max(2, int(minutes * WORDS_PER_MINUTE_WITH_PAUSES / 15)))
    return " ".join(sentences)


def make(work: Path, minutes: float) -> dict[str, object]:
    chunks = [s.text for s in process_script(_script(minutes))]
    started = time.perf_counter()
    recording = make_recording(
        chunks, espeak_speaker(), work / "voiceover.wav", pauses_ms=human_pauses(len(chunks) - 1)
    )
    (work / "truth.json").write_text(json.dumps(list(recording.starts_ms)))
    return {
        "sentences": len(chunks),
        "recording_s": recording.duration_ms / 1000,
        "seconds": time.perf_counter() - started,
    }


def reference(work: Path, minutes: float) -> dict[str, object]:
    started = time.perf_counter()
    ref = speak_reference(load_piper(None, None, 1), process_script(_script(minutes)))
    seconds = time.perf_counter() - started
    (work / "reference.pickle").write_bytes(pickle.dumps(ref))
    return {"reference_s": ref.duration_ms / 1000, "seconds": seconds, "peak_mb": _peak_mb()}


def align(work: Path) -> dict[str, object]:
    ref: Reference = pickle.loads((work / "reference.pickle").read_bytes())
    truth = np.array(json.loads((work / "truth.json").read_text()))
    base_mb = _peak_mb()
    started = time.perf_counter()
    result = align_recording(ref, work / "voiceover.wav", workdir=work, timeout_s=3600)
    seconds = time.perf_counter() - started
    errors = np.abs(np.array([s.start_ms for s in result.sentences]) - truth)
    return {
        "seconds": seconds,
        "peak_mb": _peak_mb(),
        "peak_mb_before_align": base_mb,
        "confidence": result.confidence,
        "method": result.method.value,
        "error_ms": {
            "median": float(np.median(errors)),
            "p95": float(np.percentile(errors, 95)),
            "worst": int(errors.max()),
        },
    }


def _child(phase: str, work: Path, minutes: float) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.align", "--phase", phase, "--work", str(work),
         "--minutes", str(minutes)],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--work", type=Path, default=Path("bench/work/align"))
    parser.add_argument("--phase", choices=["make", "reference", "align"])
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.phase == "make":
        print(json.dumps(make(args.work, args.minutes)))
    elif args.phase == "reference":
        print(json.dumps(reference(args.work, args.minutes)))
    elif args.phase == "align":
        print(json.dumps(align(args.work)))
    else:
        report = {phase: _child(phase, args.work, args.minutes) for phase in ("make",)}
        for phase in ("reference", "align"):
            report[phase] = _child(phase, args.work, args.minutes)
            print(phase, json.dumps(report[phase]), flush=True)
        minutes = float(str(report["make"]["recording_s"])) / 60
        print(json.dumps({"recording_minutes": round(minutes, 2), **report}, indent=2))


if __name__ == "__main__":
    main()
