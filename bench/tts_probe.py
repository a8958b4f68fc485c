"""Piper alone, in a fresh process: real-time factor cold, warm and from the speech cache.

Real-time factor = seconds of audio made per wall-clock second (higher is faster).

- cold: loading the voice (ONNX session creation) plus the first synthesis of the script;
- warm: the same script again with the loaded voice, cache off;
- cached: the script again with every sentence in the speech cache.

    python -m bench.tts_probe SCRIPT RESULT.json
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

from videorender.config import load_settings
from videorender.pipeline.text.script import process_script
from videorender.pipeline.tts import create_engine
from videorender.pipeline.tts.cache import SpeechCache
from videorender.pipeline.tts.speech import synthesize_voice

CACHE_BYTES = 1024**3


def main(argv: list[str]) -> int:
    script, result = Path(argv[0]), Path(argv[1])
    settings = load_settings()
    sentences = process_script(script.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="bench-tts-") as tmp:
        work = Path(tmp)
        wav = work / "voice.wav"
        started = time.perf_counter()
        engine = create_engine(
            settings.pipeline_config().tts, provider="piper"
        )  # as a job loads it
        load_s = time.perf_counter() - started
        cold = synthesize_voice(engine, sentences, wav, pause_ms=settings.sentence_pause_ms)
        cold_s = time.perf_counter() - started

        started = time.perf_counter()
        warm = synthesize_voice(engine, sentences, wav, pause_ms=settings.sentence_pause_ms)
        warm_s = time.perf_counter() - started

        cache = SpeechCache(work / "cache", CACHE_BYTES)
        synthesize_voice(engine, sentences, wav, pause_ms=settings.sentence_pause_ms, cache=cache)
        started = time.perf_counter()
        cached = synthesize_voice(
            engine, sentences, wav, pause_ms=settings.sentence_pause_ms, cache=cache
        )
        cached_s = time.perf_counter() - started
    report = {
        "sentences": len(sentences),
        "load_s": round(load_s, 3),
        "cold_s": round(cold_s, 3),
        "warm_s": round(warm_s, 3),
        "cached_s": round(cached_s, 3),
        "cold_rtf": round(cold.duration_ms / 1000 / cold_s, 2),
        "warm_rtf": round(warm.duration_ms / 1000 / warm_s, 2),
        "cached_rtf": round(cached.duration_ms / 1000 / cached_s, 2),
        "audio_s": round(warm.duration_ms / 1000, 2),
    }
    result.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
