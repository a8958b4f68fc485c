"""Claim rate under contention: C claimers against J no-op jobs in one PostgreSQL job store.

    .venv/bin/python -m bench.claim_rate [--jobs 5000] [--processes 1] [--threads 32]
                                         [--database-url URL] [--durable] [--pgbench]

Without --database-url it starts a throwaway cluster (tests/pgcluster.py; fsync off unless
--durable). Queues J jobs, then P processes x T threads each loop `claim` + `complete` (the
whole life of a job that does nothing) until the queue is empty. Prints the claim rate and
the number of double claims (must be 0), checked twice: no job id was handed out twice, and
every job row ends completed with exactly one attempt. With --pgbench, the same two
transactions run from pgbench with --threads clients instead: PostgreSQL's own ceiling.
"""

from __future__ import annotations

import argparse
import subprocess
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from tests.pgcluster import PostgresCluster, find_bindir
from videorender.jobs.db import jobs, open_database
from videorender.jobs.models import Artifacts, JobKind, JobRequest, JobStatus
from videorender.jobs.store import JobStore

LEASE_S = 300.0
START_DELAY_S = 1.0  # every claimer starts at the same moment, after all have connected


@dataclass(frozen=True)
class ClaimRun:
    jobs: int
    claimers: int
    seconds: float
    claimed: list[str]
    double_claims: int  # ids handed out more than once
    rows_not_once: int  # rows not completed with exactly one attempt

    @property
    def rate(self) -> float:
        return len(self.claimed) / self.seconds


def queue_noop_jobs(url: str, count: int) -> None:
    """Insert `count` queued jobs in one statement (setup, not measured)."""
    engine = open_database(url)
    now = time.time()
    request = JobRequest(kind=JobKind.RENDER, script="no-op").to_json()
    rows = [
        {"id": str(uuid.uuid4()), "kind": "render", "status": JobStatus.QUEUED.value,
         "request": request, "attempts": 0, "percent": 0, "created_at": now + n * 1e-6}
        for n in range(count)
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(insert(jobs), rows)
    engine.dispose()


def _claim_until_empty(store: JobStore, start_at: float, out: list[str]) -> None:
    time.sleep(max(0.0, start_at - time.time()))
    empty_in_a_row = 0
    while empty_in_a_row < 3:  # None can also mean "every queued row is locked right now"
        claim = store.claim(LEASE_S)
        if claim is None:
            empty_in_a_row += 1
            continue
        empty_in_a_row = 0
        out.append(claim.job.id)
        store.complete(claim, Artifacts(), ())


def claimer_process(url: str, threads: int, start_at: float) -> tuple[list[str], float]:
    """T claimer threads over one engine; returns the ids claimed and when the last ended."""
    engine = open_database(url, pool_size=threads)
    store = JobStore(engine)
    results: list[list[str]] = [[] for _ in range(threads)]
    workers = [
        threading.Thread(target=_claim_until_empty, args=(store, start_at, results[n]))
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    ended = time.time()
    engine.dispose()
    return [job_id for part in results for job_id in part], ended


def run_claimers(url: str, *, jobs_count: int, processes: int, threads: int) -> ClaimRun:
    """Queue `jobs_count` no-op jobs and drain them with processes x threads claimers."""
    queue_noop_jobs(url, jobs_count)
    if processes == 1:
        start_at = time.time() + START_DELAY_S
        parts = [claimer_process(url, threads, start_at)]
    else:
        with ProcessPoolExecutor(processes) as pool:
            start_at = time.time() + START_DELAY_S * 3  # processes take longer to start
            futures = [pool.submit(claimer_process, url, threads, start_at)
                       for _ in range(processes)]  # fmt: skip
            parts = [f.result() for f in futures]
    claimed = [job_id for ids, _ in parts for job_id in ids]
    seconds = max(ended for _, ended in parts) - start_at
    engine = open_database(url)
    with engine.connect() as conn:
        rows_ok = conn.execute(
            select(func.count()).where(
                jobs.c.status == JobStatus.COMPLETED.value, jobs.c.attempts == 1
            )
        ).scalar_one()
    engine.dispose()
    doubles = sum(n - 1 for n in Counter(claimed).values() if n > 1)
    return ClaimRun(jobs_count, processes * threads, seconds, claimed, doubles,
                    jobs_count - int(rows_ok))  # fmt: skip


# The store's claim and complete, as SQL, for pgbench: what PostgreSQL itself sustains,
# without the Python client (pgbench runs each client's script back to back).
PGBENCH_SCRIPT = """\
BEGIN;
SELECT quote_literal(id) AS job FROM jobs WHERE status = 'queued' ORDER BY created_at, id LIMIT 1
  FOR UPDATE SKIP LOCKED \\gset
UPDATE jobs SET status = 'processing', lease_token = md5(random()::text),
  lease_until = extract(epoch FROM now()) + 300, attempts = attempts + 1
  WHERE id = :job AND status = 'queued';
COMMIT;
UPDATE jobs SET status = 'completed', lease_token = NULL, lease_until = NULL
  WHERE id = :job AND status = 'processing';
"""


def run_pgbench(cluster: PostgresCluster, url: str, *, jobs_count: int, clients: int) -> str:
    """Claim + complete every job with pgbench's `clients` connections; returns its report."""
    queue_noop_jobs(url, jobs_count)
    script = cluster.root / "claim.sql"
    script.write_text(PGBENCH_SCRIPT)
    database = url.rsplit("/", 1)[1]
    result = subprocess.run(
        [str(cluster.bindir / "pgbench"), "-n", "-h", "127.0.0.1", "-p", str(cluster.port),
         "-U", "postgres", "-c", str(clients), "-j", str(min(clients, 4)),
         "-t", str(jobs_count // clients), "-f", str(script), database],
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    engine = open_database(url)
    with engine.connect() as conn:
        doubles = conn.execute(select(func.count()).where(jobs.c.attempts > 1)).scalar_one()
    engine.dispose()
    lines = [ln for ln in result.stdout.splitlines() if ln.startswith(("tps", "latency"))]
    return "\n".join([*lines, f"rows claimed more than once: {doubles}"])


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--processes", type=int, default=1)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a new one)")
    parser.add_argument("--durable", action="store_true", help="throwaway cluster with fsync on")
    parser.add_argument(
        "--pgbench", action="store_true", help="the same SQL from pgbench (no Python client)"
    )
    args = parser.parse_args()
    cluster = None
    url = args.database_url
    if url is None:
        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL is not installed: `make setup`, or pass --database-url")
        cluster = PostgresCluster(bindir, durable=args.durable).start()
        url = cluster.create_database("claim_rate")
    try:
        if args.pgbench:
            if cluster is None:
                raise SystemExit("--pgbench needs the throwaway cluster (no --database-url)")
            print(f"pgbench, {args.threads} clients, {args.jobs} jobs, "
                  f"fsync {'on' if args.durable else 'off'}")  # fmt: skip
            print(run_pgbench(cluster, url, jobs_count=args.jobs, clients=args.threads))
            return
        run = run_claimers(url, jobs_count=args.jobs, processes=args.processes,
                           threads=args.threads)  # fmt: skip
    finally:
        if cluster is not None:
            cluster.stop()
    fsync = "on" if args.durable or args.database_url else "off"
    print(f"{run.claimers} claimers ({args.processes} process(es) x {args.threads} threads), "
          f"{run.jobs} no-op jobs, fsync {fsync}")  # fmt: skip
    print(f"claimed {len(run.claimed)} in {run.seconds:.2f} s: {run.rate:.0f} claims/s "
          "(each claim + complete = 2 transactions)")  # fmt: skip
    print(f"double claims: {run.double_claims}; rows not completed exactly once: "
          f"{run.rows_not_once}")  # fmt: skip


if __name__ == "__main__":
    main()
