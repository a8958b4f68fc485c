"""GET /status (and /health) latency while MAX_CONCURRENT_JOBS renders saturate the CPU.

    .venv/bin/python -m bench.status_latency [--jobs 3] [--size 1280x720] [--seconds 30]

Starts `uvicorn main:app` on 127.0.0.1 with a fresh data folder under bench/work, serves a
generated base video and music over HTTP, submits `--jobs` renders of a script long enough to
keep them busy, and polls /status of one job back to back (one request at a time, as a client
would) while all of them are processing. Prints the median and p99 latency with the CPU load
seen meanwhile.
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import psutil

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / "work" / "status_latency"
SENTENCE = "This sentence is part of a long narration that keeps the renderer busy for a while. "


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=3)
    parser.add_argument("--size", default="1280x720")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long to measure")
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    media = WORK / "media"
    media.mkdir(parents=True)
    _make_media(media)
    files_url = _serve(media)
    port = _free_port()
    env = {**os.environ, "DATA_DIR": str(WORK / "data"), "MAX_CONCURRENT_JOBS": str(args.jobs),
           "TTS_CACHE_DIR": str(WORK / "tts"), "LOG_LEVEL": "WARNING",
           "ALLOW_PRIVATE_INPUTS": "true"}  # fmt: skip
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port),
         "--no-access-log"],
        cwd=REPO, env=env,
    )  # fmt: skip
    try:
        _measure(f"http://127.0.0.1:{port}", files_url, args)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)


def _measure(url: str, files_url: str, args: argparse.Namespace) -> None:
    with httpx.Client(base_url=url, timeout=30) as client:
        _wait(lambda: _up(client), 60)
        job_ids = []
        for number in range(args.jobs):
            body = {
                "script": f"Narration number {number}. " + SENTENCE * 12,
                "base_video_url": f"{files_url}/base.mp4",
                "bgm_url": f"{files_url}/music.mp3",
                "size": args.size,
            }
            job_ids.append(client.post("/render", json=body).json()["job_id"])
        _wait(lambda: client.get("/health").json()["queue"]["processing"] == args.jobs, 120)
        psutil.cpu_percent()  # start the CPU measurement window
        status_ms, health_ms = [], []
        started = time.monotonic()
        while time.monotonic() - started < args.seconds:
            t0 = time.perf_counter()
            client.get(f"/status/{job_ids[0]}")
            t1 = time.perf_counter()
            health = client.get("/health").json()
            t2 = time.perf_counter()
            if health["queue"]["processing"] < args.jobs:
                break  # a job finished: no longer all of them rendering
            status_ms.append((t1 - t0) * 1000)
            health_ms.append((t2 - t1) * 1000)
            time.sleep(0.01)
        cpu = psutil.cpu_percent()
    print(f"{args.jobs} renders at {args.size} on {os.cpu_count()} CPUs, CPU busy {cpu:.0f} %")
    for name, samples in (("/status", status_ms), ("/health", health_ms)):
        print(
            f"{name:8} n={len(samples)} median={statistics.median(samples):.1f} ms "
            f"p99={_p99(samples):.1f} ms max={max(samples):.1f} ms"
        )


def _p99(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def _up(client: httpx.Client) -> bool:
    try:
        return client.get("/health").status_code == 200
    except httpx.TransportError:
        return False


def _wait(check: Callable[[], bool], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit("timed out waiting for the service")
        time.sleep(0.05)


def _make_media(folder: Path) -> None:
    ffmpeg = ["ffmpeg", "-v", "error", "-y"]
    subprocess.run(
        [*ffmpeg, "-f", "lavfi", "-i", "testsrc2=s=1280x720:r=30:d=10", "-c:v", "libx264",
         "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(folder / "base.mp4")],
        check=True,
    )  # fmt: skip
    subprocess.run(
        [*ffmpeg, "-f", "lavfi", "-i", "sine=f=220:d=20", "-c:a", "libmp3lame",
         str(folder / "music.mp3")],
        check=True,
    )  # fmt: skip


def _serve(folder: Path) -> str:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


if __name__ == "__main__":
    main()
