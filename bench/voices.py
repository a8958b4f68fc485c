"""Speed and memory of each TTS engine on the same script, one fresh process per engine.

    .venv/bin/python bench/voices.py [SCRIPT] [--engines piper kokoro] [--language ja]

Each engine runs in its own process, so its peak memory (max RSS) is its own: load the
model, then speak the script sentence by sentence as a render does (speech cache off; the
patched model copy is cached as in production). Prints a table and the machine's load, since
the numbers depend on what else is running.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from videorender.config import load_settings
from videorender.pipeline.text.languages import ENGLISH, get_language
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.speech import synthesize_voice

DEFAULT_SCRIPT = Path(__file__).resolve().parent.parent / "examples" / "script.txt"


def measure(engine_name: str, script: Path, language: str | None) -> dict[str, float | str]:
    """Load one engine and speak the script; runs inside the child process."""
    settings = load_settings(tts_provider=engine_name, tts_cache_max_mb=0)
    started = time.perf_counter()
    engine = create_engine(settings.pipeline_config().tts, language=language)
    lang = get_language(language) if language else ENGLISH
    sentences = process_script(script.read_text(encoding="utf-8"), lang)
    loaded = time.perf_counter()
    with tempfile.TemporaryDirectory() as work:
        track = synthesize_voice(engine, sentences, Path(work) / "voice.wav", pause_ms=250)
    spoken = time.perf_counter()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    threads = settings.piper_threads if engine_name == "piper" else settings.kokoro_threads
    return {
        "engine": engine_name,
        "threads": threads,
        "load_s": loaded - started,
        "synth_s": spoken - loaded,
        "audio_s": track.duration_ms / 1000,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "peak_mb": usage.ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("script", nargs="?", type=Path, default=DEFAULT_SCRIPT)
    parser.add_argument("--engines", nargs="+", default=["piper", "kokoro"])
    parser.add_argument("--language", help="BCP-47 tag of the script's language (default: en)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.script, args.language)))
        return 0
    print(f"script: {args.script} ({len(args.script.read_text(encoding='utf-8'))} characters)")
    print(f"cpus: {os.cpu_count()}, load average before: {os.getloadavg()[0]:.2f}")
    header = f"{'engine':<8}{'threads':>8}{'load s':>8}{'speak s':>9}{'audio s':>9}"
    print(header + f"{'x realtime':>12}{'cpu s':>8}{'peak MB':>9}")
    for engine in args.engines:
        child = subprocess.run(
            [sys.executable, __file__, "--child", engine, str(args.script)]
            + (["--language", args.language] if args.language else []),
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        row = json.loads(child.stdout.strip().splitlines()[-1])
        speed = float(row["audio_s"]) / float(row["synth_s"])
        print(
            f"{row['engine']:<8}{row['threads']:>8}{row['load_s']:>8.2f}{row['synth_s']:>9.2f}"
            f"{row['audio_s']:>9.1f}{speed:>11.1f}x{row['cpu_s']:>8.1f}{row['peak_mb']:>9.0f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
