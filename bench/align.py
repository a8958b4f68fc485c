"""Align a long English voiceover (default 30 minutes) and report seconds and peak memory.

    .venv/bin/python -m bench.align [--minutes 30] [--work bench/work/align]

Two child processes, so each peak RSS is its own:
1. `make`: an espeak-ng "human" recording of a generated script (en-us+f2 at 165 words a
   minute, breaths and 1-3 s pauses, room noise), with its true sentence and word starts;
2. `align`: the whole align stage as `pipeline.run` runs it for a provided voiceover: probe the
   file, decode it, find every word with PocketSphinx (`timings_for_voiceover`), and convert
   the recording into the job's voice track. No TTS reference: English needs none.
Prints wall and CPU seconds, peak RSS and the sentence and word start errors.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from bench.align_text import script_sentences
from tests.recordings import espeak_speaker, human_pauses, make_recording
from videorender.pipeline.align import timings_for_voiceover
from videorender.pipeline.render import ffmpeg
from videorender.pipeline.stage_config import TTSConfig
from videorender.pipeline.text.script import process_script

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
        chunks,
        espeak_speaker(165, "en-us+f2"),
        work / "voiceover.wav",
        pauses_ms=human_pauses(len(chunks) - 1),
    )
    truth = {"sentences": recording.starts_ms, "words": recording.word_starts_ms}
    (work / "truth.json").write_text(json.dumps(truth))
    return {
        "sentences": len(chunks),
        "recording_s": recording.duration_ms / 1000,
        "seconds": time.perf_counter() - started,
    }


def align(work: Path, minutes: float) -> dict[str, object]:
    sentences = process_script(_script(minutes))
    truth = json.loads((work / "truth.json").read_text())
    base_mb = _peak_mb()
    started, cpu = time.perf_counter(), time.process_time()
    result = timings_for_voiceover(
        sentences, work / "voiceover.wav", TTSConfig(), workdir=work, timeout_s=3600
    )
    ffmpeg.run_ffmpeg(
        ffmpeg.build_voice_wav_argv(work / "voiceover.wav", work / "voice.wav"),
        stage="align (voice track)",
        timeout_s=3600,
    )
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    sentence_errors = np.abs(np.array([s.start_ms for s in result.sentences]) - truth["sentences"])
    words = [w.start_ms for s in result.sentences for w in s.words]
    word_errors = np.abs(
        np.array([w - t for w, t in zip(words, truth["words"], strict=True) if t is not None])
    )
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_mb": round(_peak_mb(), 1),
        "peak_mb_before_align": round(base_mb, 1),
        "confidence": result.confidence,
        "method": result.method.value,
        "sentence_error_ms": _stats(sentence_errors),
        "word_error_ms": _stats(word_errors),
    }


def _stats(errors: np.typing.NDArray[np.int64]) -> dict[str, float]:
    return {
        "median": float(np.median(errors)),
        "p95": float(np.percentile(errors, 95)),
        "worst": int(errors.max()),
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
    parser.add_argument("--phase", choices=["make", "align"])
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    if args.phase == "make":
        print(json.dumps(make(args.work, args.minutes)))
    elif args.phase == "align":
        print(json.dumps(align(args.work, args.minutes)))
    else:
        report = {"make": _child("make", args.work, args.minutes)}
        report["align"] = _child("align", args.work, args.minutes)
        minutes = float(str(report["make"]["recording_s"])) / 60
        load = os.getloadavg()  # the machine's, not ours: other jobs slow the wall clock
        summary = {"recording_minutes": round(minutes, 2), "load_average": load, **report}
        print(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
