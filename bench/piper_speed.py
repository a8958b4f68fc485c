"""Piper's real-time factor, taken apart (issue 22, item 3).

    .venv/bin/python -m bench.piper_speed [SCRIPT] [--reps 2]

One process loads the bundled voice several ways and speaks the script's sentences with each,
taking turns sentence by sentence (a, b, c, a, b, c, ...) so that the machine's load falls on
all of them alike:

- the model as the product runs it (alignment output, vocoder by windows) at 1 and 2 threads
  (waiting worker threads), and at 2 threads that spin as ONNX Runtime's do by default;
- the whole alignment-patched model (one session) and the plain published model, 1 thread.

For each: real-time factor = seconds of audio per wall second and per CPU second (of this
process; on a loaded machine the CPU figure is the steadier one). Then what the voice stage
does around each model run, timed alone over the same sentences: espeak-ng's phonemes for
the sentence, the word spans (phonemes again, word by word), the speech cache's write and
read, and the silence trimming.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from piper import PiperVoice

from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.tts.piper import PiperEngine, bundled_voice
from videorender.pipeline.tts.speech import speech_bounds

DEFAULT_SCRIPT = Path(__file__).resolve().parent / "scripts" / "short.txt"


@dataclass
class Tally:
    name: str
    audio_s: float = 0.0
    wall_s: float = 0.0
    cpu_s: float = 0.0


def _timed(tally: Tally, work: Callable[[], object]) -> object:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    tally.wall_s += time.perf_counter() - wall
    tally.cpu_s += time.process_time() - cpu
    return result


def engines(cache: Path) -> dict[str, Callable[[str], int]]:
    """Ways to speak one sentence, each returning the number of samples made."""
    model, config = bundled_voice()
    spinning = _spinning(cache)
    ways: dict[str, PiperEngine | PiperVoice] = {
        "product model (windows), 1 thread": PiperEngine(model, config, 1, cache),
        "product model (windows), 2 threads": PiperEngine(model, config, 2, cache),
        "product model (windows), 2 spinning threads (ONNX Runtime's default)": spinning,
        "whole alignment-patched model, 1 thread": PiperEngine(model, config, 1, cache, window=0),
        "plain model, voice.synthesize only, 1 thread": PiperEngine(model, config, 1)._voice,
    }
    return {name: _speaker(way) for name, way in ways.items()}


def _speaker(way: PiperEngine | PiperVoice) -> Callable[[str], int]:
    if isinstance(way, PiperEngine):
        return lambda text: len(way.speak(text).samples)
    return lambda text: sum(len(chunk.audio_int16_array) for chunk in way.synthesize(text))


def _spinning(cache: Path) -> PiperEngine:
    """The product's engine at 2 threads with `session.intra_op.allow_spinning=1`."""
    from videorender.pipeline.tts import piper  # noqa: PLC0415

    make = piper._session_options

    def options(threads: int, mem_arena: bool) -> object:
        made = make(threads, mem_arena)
        made.add_session_config_entry("session.intra_op.allow_spinning", "1")
        return made

    piper._session_options = options
    try:
        model, config = bundled_voice()
        return PiperEngine(model, config, 2, cache)
    finally:
        piper._session_options = make


def overheads(texts: list[str], work: Path) -> dict[str, Tally]:
    """What the voice stage does around the model's run, timed alone."""
    model, config = bundled_voice()
    engine = PiperEngine(model, config, 1, work / "models")
    voice = engine._voice
    spoken = [engine.speak(text) for text in texts]
    chunks = [list(voice.synthesize(text, include_alignments=True)) for text in texts]
    cache = SpeechCache(work / "cache", 1024**3)
    tallies = {
        name: Tally(name)
        for name in ("phonemes of the sentence", "word spans", "cache write", "cache read", "trim")
    }
    for text, speech, made in zip(texts, spoken, chunks, strict=True):
        rate = engine.sample_rate
        _timed(tallies["phonemes of the sentence"], partial(voice.phonemize, text))
        _timed(tallies["word spans"], partial(engine._word_spans, text, made))
        _timed(tallies["cache write"], partial(cache.put, engine.identity, text, speech, rate))
        _timed(tallies["cache read"], partial(cache.get, engine.identity, text, rate))
        _timed(tallies["trim"], partial(speech_bounds, speech.samples, rate))
    return tallies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.piper_speed", description=__doc__)
    parser.add_argument("script", nargs="?", type=Path, default=DEFAULT_SCRIPT)
    parser.add_argument("--reps", type=int, default=2)
    args = parser.parse_args(argv)
    texts = [s.text for s in process_script(args.script.read_text(encoding="utf-8"))]
    print(f"script: {args.script} ({len(texts)} sentences); cpus: {os.cpu_count()}")
    print(f"load average before: {_load()}")
    with tempfile.TemporaryDirectory(prefix="bench-piper-") as tmp:
        started = time.perf_counter()
        ways = engines(Path(tempfile.gettempdir()) / "bench-piper-models")
        print(f"{len(ways)} voices loaded in {time.perf_counter() - started:.1f} s")
        tallies = {name: Tally(name) for name in ways}
        for _ in range(args.reps):
            for text in texts:
                for name, speak in ways.items():
                    samples = _timed(tallies[name], partial(speak, text))
                    tallies[name].audio_s += int(str(samples)) / 22050
        extra = overheads(texts, Path(tmp))
    print(f"load average after: {_load()}")
    print("\n| way | audio s | wall s | CPU s | x real time (wall) | x real time (CPU) |")
    print("|---|---:|---:|---:|---:|---:|")
    for t in tallies.values():
        print(
            f"| {t.name} | {t.audio_s:.1f} | {t.wall_s:.1f} | {t.cpu_s:.1f} "
            f"| {t.audio_s / t.wall_s:.1f} | {t.audio_s / t.cpu_s:.1f} |"
        )
    product = next(iter(tallies.values()))
    print(
        f"\nAround the model's runs, once over the script (the product's speech, 1 thread: "
        f"{product.cpu_s / args.reps:.2f} CPU s, of which these):"
    )
    print("\n| step | wall s | CPU s |")
    print("|---|---:|---:|")
    for t in extra.values():
        print(f"| {t.name} | {t.wall_s:.3f} | {t.cpu_s:.3f} |")
    return 0


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    raise SystemExit(main())
