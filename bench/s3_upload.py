"""Time and memory of storing a large artifact in S3 (multipart) and reading it back as an input.

    .venv/bin/python -m bench.s3_upload [--mb 100] [--runs 3]

Starts SeaweedFS (tests/s3server.py) on free local ports with its data under bench/work,
writes a file of random bytes, and times `S3Storage.put` (multipart: 8 MB parts, two in
flight) and `S3Storage.fetch` of it, sampling this process's resident memory meanwhile.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path

import psutil

from tests.s3server import SeaweedS3
from videorender.config import load_settings
from videorender.storage import create_storage
from videorender.storage.s3 import S3Storage

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / "work" / "s3_upload"
BUCKET = "bench"
MB = 1024 * 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    server = SeaweedS3(WORK, (BUCKET,), "bench-key", "bench-secret").start()
    try:
        settings = load_settings(
            data_dir=WORK / "data", backblaze_bucket_name=BUCKET, backblaze_key_id="bench-key",
            backblaze_application_key="bench-secret", backblaze_endpoint_url=server.endpoint,
        )  # fmt: skip
        storage = create_storage(settings)
        assert isinstance(storage, S3Storage)
        source = WORK / "artifact.mp4"
        with source.open("wb") as out:
            for _ in range(args.mb):
                out.write(os.urandom(MB))
        key = "uploads/renders/bench-final.mp4"
        location = f"s3://{BUCKET}/{key}"
        cap = (args.mb + 1) * MB
        results = {
            "put (multipart)": _measure(args.runs, lambda: storage.put(source, key)),
            "fetch (as input)": _measure(
                args.runs,
                lambda: storage.fetch(location, WORK / "in.mp4", max_bytes=cap, field="bench"),
            ),
        }
        weed_rss = psutil.Process(server.proc.pid).memory_info().rss if server.proc else 0
    finally:
        server.stop()
    print(f"{args.mb} MB, {args.runs} runs, median (min-max):")
    for name, (times, peaks) in results.items():
        rate = args.mb / statistics.median(times)
        print(f"  {name:17} {_summary(times)} s, {rate:.0f} MB/s, "
              f"peak RSS of this process {max(peaks) / MB:.0f} MB")  # fmt: skip
    print(f"  SeaweedFS RSS at the end: {weed_rss / MB:.0f} MB (GOMEMLIMIT=200MiB)")


def _measure(runs: int, action: Callable[[], None]) -> tuple[list[float], list[int]]:
    me = psutil.Process()
    times: list[float] = []
    peaks: list[int] = []
    for _ in range(runs):
        peak = [me.memory_info().rss]
        done = threading.Event()

        def sample(peak: list[int] = peak, done: threading.Event = done) -> None:
            while not done.wait(0.02):
                peak[0] = max(peak[0], me.memory_info().rss)

        sampler = threading.Thread(target=sample)
        sampler.start()
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
        done.set()
        sampler.join()
        peaks.append(peak[0])
    return times, peaks


def _summary(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} ({min(values):.2f}-{max(values):.2f})"


if __name__ == "__main__":
    main()
