"""Sentence start errors of the aligner against the naive timing, per kind of recording.

    .venv/bin/python -m bench.align_errors [--sentences 40] [--work bench/work/align_errors]

The naive timing is what the service did before alignment: our TTS's sentence times stretched
to the length of the recording. Prints a Markdown table (median, p95, worst error in ms).
"""

from __future__ import annotations

import argparse
import subprocess
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt

from bench.align_text import script_sentences
from tests.recordings import Recording, Speaker, espeak_speaker, make_recording, piper_speaker
from videorender.pipeline.align.voiceover import Reference, align_recording, speak_reference
from videorender.pipeline.script import process_script
from videorender.pipeline.tts.piper import load_piper


def _pauses(count: int, low: int, high: int, seed: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(rng.integers(low, high + 1)) for _ in range(count)]


def _stats(errors: npt.NDArray[np.int64]) -> str:
    return f"{np.median(errors):.0f} / {np.percentile(errors, 95):.0f} / {errors.max()}"


def _row(name: str, reference: Reference, recording: Recording, work: Path) -> str:
    started = time.perf_counter()
    result = align_recording(reference, recording.path, workdir=work, timeout_s=600)
    seconds = time.perf_counter() - started
    truth = np.array(recording.starts_ms)
    aligned = np.abs(np.array([s.start_ms for s in result.sentences]) - truth)
    naive = np.array([s.start_ms for s in reference.sentences])
    naive = naive * recording.duration_ms // reference.duration_ms
    return (
        f"| {name} | {recording.duration_ms / 1000:.0f} | {_stats(aligned)} "
        f"| {_stats(np.abs(naive - truth))} | {result.confidence:.2f} {result.method.value} "
        f"| {seconds:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=40)
    parser.add_argument("--work", type=Path, default=Path("bench/work/align_errors"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    chunks = process_script(" ".join(script_sentences(args.sentences, seed=23)))
    texts = [c.text for c in chunks]
    gaps = len(texts) - 1
    breaths = _pauses(gaps, 250, 600, 1)
    human = [
        p if n % 3 != 1 else q
        for n, (p, q) in enumerate(zip(breaths, _pauses(gaps, 1000, 3000, 2), strict=True))
    ]
    kinds: list[tuple[str, Speaker, list[int], str]] = [
        ("espeak-ng 165 wpm, 1-3 s pauses, MP3", espeak_speaker(), human, ".mp3"),
        ("espeak-ng 130 wpm, 1-3 s pauses", espeak_speaker(130), human, ".wav"),
        ("espeak-ng 200 wpm, short pauses", espeak_speaker(200), breaths, ".wav"),
        ("espeak-ng en-gb voice, 1-3 s pauses", espeak_speaker(165, "en-gb"), human, ".wav"),
        ("Piper x0.8, 1-3 s pauses", piper_speaker(0.8), human, ".wav"),
        ("Piper x1.3, 1-3 s pauses, M4A", piper_speaker(1.3), human, ".m4a"),
    ]
    reference = speak_reference(load_piper(None, None, 1), chunks)
    print(f"{len(texts)} sentences; errors in ms as median / p95 / worst\n")
    print("| recording | seconds | aligned | naive (TTS pacing) | confidence | align s |")
    print("|---|---|---|---|---|---|")
    for number, (name, speaker, pauses, suffix) in enumerate(kinds):
        made = make_recording(
            texts, speaker, args.work / f"{number}.wav", pauses_ms=pauses, seed=number
        )
        path = made.path
        if suffix != ".wav":
            path = made.path.with_suffix(suffix)
            subprocess.run(
                ["ffmpeg", "-v", "error", "-y", "-i", str(made.path), str(path)],
                check=True, timeout=300,
            )  # fmt: skip
        recording = Recording(path, made.starts_ms, made.ends_ms, made.duration_ms)
        print(_row(name, reference, recording, args.work), flush=True)


if __name__ == "__main__":
    main()
