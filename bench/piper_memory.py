"""What Piper holds while it speaks, and what each memory lever gives (issue 23, item 5).

    .venv/bin/python -m bench.piper_memory [SCRIPT] [--reps 2] [--variants NAME ...]
    .venv/bin/python -m bench.piper_memory [SCRIPT] --compare

Each variant runs in a fresh process that imports what `videorender render` imports, loads
the bundled voice with the variant's settings and speaks the script sentence by sentence as
the TTS stage does (speech cache off). The parent measures the child like `bench/measure.py`
measures a job: peak RSS of the process tree sampled every 50 ms, and CPU seconds. The child
reports its own RSS after the imports, after loading and after speaking. Variants are
interleaved (a, b, c, a, b, c, ...) so the machine's load falls on all alike; medians shown.

`--compare` speaks the script with the vocoder run whole and by windows in one process
(without noise, so both runs are deterministic) and counts the samples that differ and the
word spans that moved: the "no audible cost" check of the windowed vocoder.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.measure import MB, measure

DEFAULT_SCRIPT = Path(__file__).resolve().parent / "scripts" / "short.txt"


@dataclass(frozen=True)
class Variant:
    name: str
    engine: dict[str, object] = field(default_factory=dict)  # PiperEngine keyword arguments
    session: dict[str, str] = field(default_factory=dict)  # ONNX Runtime session config entries


VARIANTS: tuple[Variant, ...] = (
    Variant("before: whole model, arena on+shrunk", {"window": 0}),
    Variant("whole model, arena off", {"window": 0, "mem_arena": False}),
    Variant("whole model, no alignment output (plain)", {"window": 0, "model_cache": None}),
    Variant("whole model, prepacking off", {"window": 0}, {"session.disable_prepacking": "1"}),
    Variant("now: vocoder by windows of 150 frames", {}),
    Variant("vocoder by windows of 80 frames", {"window": 80}),
    Variant("vocoder by windows of 300 frames", {"window": 300}),
    Variant("vocoder by windows, arena off", {"mem_arena": False}),
    Variant("vocoder by windows, 2 threads", {"threads": 2}),
)


def child(script: Path, variant: Variant) -> dict[str, float]:
    """Runs in the measured process: import, load, speak; report RSS at each step."""
    import psutil  # noqa: PLC0415

    import videorender.cli  # noqa: F401, PLC0415 - what the render command has imported
    from videorender.pipeline.text.script import process_script  # noqa: PLC0415
    from videorender.pipeline.tts import piper  # noqa: PLC0415
    from videorender.pipeline.tts.speech import synthesize_voice  # noqa: PLC0415

    rss = psutil.Process().memory_info
    imported = rss().rss / MB
    if variant.session:
        _add_session_entries(piper, variant.session)
    model, config = piper.bundled_voice()
    options: dict[str, object] = {
        "threads": 1,
        "model_cache": Path(tempfile.gettempdir()) / "bench-piper-models",
        **variant.engine,
    }
    engine = piper.PiperEngine(model, config, **options)  # type: ignore[arg-type]
    loaded = rss().rss / MB
    sentences = process_script(script.read_text(encoding="utf-8"))
    cpu = time.process_time()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        track = synthesize_voice(engine, sentences, Path(work) / "voice.wav", pause_ms=250)
    return {
        "imports_mb": imported,
        "loaded_mb": loaded,
        "after_mb": rss().rss / MB,
        "speak_s": time.perf_counter() - started,
        "speak_cpu_s": time.process_time() - cpu,
        "audio_s": track.duration_ms / 1000,
    }


def _add_session_entries(piper: object, entries: dict[str, str]) -> None:
    make = piper._session_options  # type: ignore[attr-defined]

    def options(threads: int, mem_arena: bool) -> object:
        made = make(threads, mem_arena)
        for key, value in entries.items():
            made.add_session_config_entry(key, value)
        return made

    piper._session_options = options  # type: ignore[attr-defined]


def compare(script: Path) -> dict[str, object]:
    """Whole vocoder against windows, noise off, in one process."""
    import numpy as np  # noqa: PLC0415
    from piper import SynthesisConfig  # noqa: PLC0415

    from videorender.pipeline.text.script import process_script  # noqa: PLC0415
    from videorender.pipeline.tts import piper  # noqa: PLC0415

    model, config = piper.bundled_voice()
    cache = Path(tempfile.gettempdir()) / "bench-piper-models"
    whole = piper.PiperEngine(model, config, 1, cache, window=0)
    windowed = piper.PiperEngine(model, config, 1, cache)
    for engine in (whole, windowed):
        engine._config = SynthesisConfig(noise_scale=0, noise_w_scale=0)
    samples = differing = largest = words_moved = joins = 0
    jump_whole = jump_windowed = 0
    for sentence in process_script(script.read_text(encoding="utf-8")):
        a, b = whole.speak(sentence.text), windowed.speak(sentence.text)
        if len(a.samples) != len(b.samples):
            raise SystemExit(f"lengths differ for {sentence.text!r}")
        diff = np.abs(a.samples.astype(np.int32) - b.samples.astype(np.int32))
        samples += len(diff)
        differing += int((diff > 0).sum())
        largest = max(largest, int(diff.max(initial=0)))
        words_moved += sum(x != y for x, y in zip(a.words, b.words, strict=True))
        # The largest step between neighbouring samples at the windows' joins (a click would
        # be a step far above the speech's own).
        for at in _joins(len(b.samples) // 256):
            joins += 1
            jump_whole = max(jump_whole, _step(a.samples, at * 256))
            jump_windowed = max(jump_windowed, _step(b.samples, at * 256))
    return {
        "samples": samples,
        "samples_differing": differing,
        "largest_difference": largest,
        "word_spans_moved": words_moved,
        "joins": joins,
        "largest_step_at_joins_whole": jump_whole,
        "largest_step_at_joins_windowed": jump_windowed,
    }


def _joins(frames: int) -> list[int]:
    from videorender.pipeline.tts.vocoder_windows import WINDOW_FRAMES  # noqa: PLC0415

    if frames <= WINDOW_FRAMES:
        return []
    step = -(-frames // -(-frames // WINDOW_FRAMES))
    return list(range(step, frames, step))


def _step(samples: object, at: int) -> int:
    window = samples[max(0, at - 2) : at + 2].astype(int)  # type: ignore[index]
    return int(abs(window[1:] - window[:-1]).max(initial=0))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.piper_memory", description=__doc__)
    parser.add_argument("script", nargs="?", type=Path, default=DEFAULT_SCRIPT)
    parser.add_argument("--reps", type=int, default=2)
    parser.add_argument("--variants", nargs="+", help="names (prefixes) of variants to run")
    parser.add_argument("--compare", action="store_true", help="whole vocoder vs windows")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.compare:
        print(json.dumps(compare(args.script), indent=1))
        return 0
    if args.child is not None:
        print(json.dumps(child(args.script, VARIANTS[args.child])))
        return 0
    chosen = [
        i
        for i, v in enumerate(VARIANTS)
        if not args.variants or any(v.name.startswith(p) for p in args.variants)
    ]
    print(f"script: {args.script}; load average before: {_load()}")
    rows: dict[int, list[dict[str, float]]] = {i: [] for i in chosen}
    for _ in range(args.reps):
        for index in chosen:
            rows[index].append(_run(args.script, index))
    print(f"load average after: {_load()}")
    print(
        "| variant | peak MB (tree) | after imports | voice loaded | after speaking "
        "| CPU s (process) | speech CPU s | x real time per CPU s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for index in chosen:
        runs = rows[index]
        med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(
            f"| {VARIANTS[index].name} | {med['peak_mb']:.0f} | {med['imports_mb']:.0f} "
            f"| {med['loaded_mb']:.0f} | {med['after_mb']:.0f} | {med['cpu_s']:.1f} "
            f"| {med['speak_cpu_s']:.1f} | {med['audio_s'] / med['speak_cpu_s']:.1f} |"
        )
    return 0


def _run(script: Path, index: int) -> dict[str, float]:
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    argv = [sys.executable, "-c", _CHILD, str(script), str(index), str(out)]
    measured = measure(argv, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    row: dict[str, float] = json.loads(out.read_text(encoding="utf-8"))
    out.unlink()
    return {**row, "peak_mb": measured.peak_mb, "cpu_s": measured.cpu_s}


# The child writes its figures to a file (its stdout belongs to the measured command).
_CHILD = (
    "import json, sys; from pathlib import Path; from bench.piper_memory import VARIANTS, child;"
    " row = child(Path(sys.argv[1]), VARIANTS[int(sys.argv[2])]);"
    " Path(sys.argv[3]).write_text(json.dumps(row))"
)


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())
