"""How long loading the voice stalls other Python threads (in the service: the API's event
loop), measured by a thread that sleeps 10 ms at a time beside the load and records its gaps.

    TTS_CACHE_DIR=$(mktemp -d) python -m bench.voice_load_stall   # a cold load: patches the voice
    python -m bench.voice_load_stall                               # a warm load
"""

from __future__ import annotations

import argparse
import threading
import time
from collections.abc import Sequence

from videorender.config import load_settings
from videorender.pipeline.tts import create_engine

TICK_S = 0.01


def main(argv: Sequence[str] | None = None) -> int:
    argparse.ArgumentParser(
        prog="python -m bench.voice_load_stall",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    ).parse_args(argv)
    gaps: list[float] = []
    done = threading.Event()

    def tick() -> None:
        last = time.perf_counter()
        while not done.is_set():
            time.sleep(TICK_S)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    ticker = threading.Thread(target=tick, daemon=True)
    ticker.start()
    started = time.perf_counter()
    engine = create_engine(load_settings().pipeline_config().tts)
    loaded = time.perf_counter()
    engine.speak("Ready to render.")
    spoken = time.perf_counter()
    done.set()
    ticker.join()
    print(
        f"load {loaded - started:.2f} s, first sentence {spoken - loaded:.2f} s; "
        f"longest stall of the other thread {max(gaps):.2f} s, "
        f"stalls over 0.5 s {sum(g for g in gaps if g > 0.5):.2f} s in all"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
