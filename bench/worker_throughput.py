"""Render throughput with 1, 2, ... worker processes sharing one PostgreSQL job store.

    .venv/bin/python -m bench.worker_throughput [--jobs 6] [--workers 1 2] [--slots 1]
                                                [--size 640x360] [--sentences 4]

For each worker count W: a fresh database in a throwaway PostgreSQL cluster (fsync on), one
API process (`videorender serve --no-workers`) and W `videorender worker` processes with
MAX_CONCURRENT_JOBS=--slots, all on this machine (local storage, shared DATA_DIR). Once the
W workers show in /health, `--jobs` identical-length renders are queued at once; the clock
stops when the last one completes. Each run has its own empty TTS cache, so every run does
the same work (speech synthesis included). Prints jobs per minute, the CPU busy share, and
the job-store row writes per job (claim, progress, lease renewals, heartbeats, completion).
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import psutil
import psycopg

from bench.status_latency import _free_port, _make_media, _serve, _up, _wait
from tests.pgcluster import PostgresCluster, find_bindir
from videorender.jobs.notify import conninfo

REPO = Path(__file__).resolve().parents[1]
WORK = REPO / "bench" / "work" / "worker_throughput"
VIDEORENDER = str(Path(sys.executable).parent / "videorender")
SENTENCE = "Every worker renders this narration from the shared queue, one job at a time. "


@dataclass(frozen=True)
class Run:
    workers: int
    seconds: float
    cpu_percent: float
    row_writes: int  # rows written in the job store meanwhile (pg_stat_user_tables)

    def jobs_per_minute(self, jobs: int) -> float:
        return jobs * 60 / self.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=6)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--slots", type=int, default=1, help="MAX_CONCURRENT_JOBS per worker")
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--sentences", type=int, default=4, help="narration length per job")
    args = parser.parse_args()
    bindir = find_bindir()
    if bindir is None:
        raise SystemExit("PostgreSQL is not installed: `make setup`")
    shutil.rmtree(WORK, ignore_errors=True)
    media = WORK / "media"
    media.mkdir(parents=True)
    _make_media(media)
    files_url = _serve(media)
    cluster = PostgresCluster(bindir, durable=True).start()
    try:
        runs = [_run(cluster, files_url, count, args) for count in args.workers]
    finally:
        cluster.stop()
    print(f"{args.jobs} renders at {args.size}, {args.sentences} sentences each, "
          f"MAX_CONCURRENT_JOBS={args.slots} per worker, {os.cpu_count()} CPUs")  # fmt: skip
    for run in runs:
        print(
            f"{run.workers} worker process(es): {run.seconds:6.1f} s, "
            f"{run.jobs_per_minute(args.jobs):5.1f} jobs/min, CPU busy {run.cpu_percent:.0f} %, "
            f"{run.row_writes / args.jobs:.0f} job-store row writes per job"
        )
    if len(runs) > 1:
        print(f"speed-up {runs[0].workers}->{runs[-1].workers} workers: "
              f"{runs[0].seconds / runs[-1].seconds:.2f}x")  # fmt: skip


def _run(cluster: PostgresCluster, files_url: str, workers: int, args: argparse.Namespace) -> Run:
    root = WORK / f"w{workers}"
    env = {**os.environ, "DATABASE_URL": cluster.create_database(f"w{workers}"),
           "DATA_DIR": str(root / "data"), "TTS_CACHE_DIR": str(root / "tts"),
           "ALLOW_LOCAL_STORAGE_WITH_POSTGRES": "true", "MAX_CONCURRENT_JOBS": str(args.slots),
           "LOG_LEVEL": "WARNING", "ALLOW_PRIVATE_INPUTS": "true"}  # fmt: skip
    port = _free_port()
    procs = [subprocess.Popen([VIDEORENDER, "serve", "--no-workers", "--port", str(port)],
                              cwd=REPO, env=env)]  # fmt: skip
    try:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as client:
            _wait(lambda: _up(client), 60)
            procs += [subprocess.Popen([VIDEORENDER, "worker"], cwd=REPO, env=env)
                      for _ in range(workers)]  # fmt: skip
            _wait(lambda: client.get("/health").json()["cluster"]["workers_alive"] == workers, 60)
            before = _row_writes(env["DATABASE_URL"])
            run = _measure(client, files_url, workers, args)
            return replace(run, row_writes=_row_writes(env["DATABASE_URL"]) - before)
    finally:
        for proc in reversed(procs):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


def _measure(client: httpx.Client, files_url: str, workers: int, args: argparse.Namespace) -> Run:
    psutil.cpu_percent()
    started = time.monotonic()
    job_ids = []
    for number in range(args.jobs):
        body = {"script": f"Job {number}. " + SENTENCE * args.sentences,
                "base_video_url": f"{files_url}/base.mp4", "bgm_url": f"{files_url}/music.mp3",
                "size": args.size}  # fmt: skip
        job_ids.append(client.post("/render", json=body).json()["job_id"])

    def all_done() -> bool:
        statuses = [client.get(f"/status/{job_id}").json()["status"] for job_id in job_ids]
        if "failed" in statuses:
            raise SystemExit(f"a job failed: {statuses}")
        return statuses == ["completed"] * len(job_ids)

    _wait(all_done, 1800)
    return Run(workers, time.monotonic() - started, psutil.cpu_percent(), row_writes=0)


def _row_writes(url: str) -> int:
    """Rows inserted, updated or deleted in the job store's tables so far. Counted per row,
    not per transaction: reads (the API's, this benchmark's /status polls) do not count."""
    time.sleep(2.0)  # the statistics of other sessions arrive within about a second
    with psycopg.connect(conninfo(url)) as conn:
        row = conn.execute(
            "SELECT sum(n_tup_ins + n_tup_upd + n_tup_del) FROM pg_stat_user_tables"
        ).fetchone()
    assert row is not None
    return int(row[0] or 0)


if __name__ == "__main__":
    main()
