"""Contention on a real PostgreSQL: 32 claimers against 5,000 no-op jobs, no double claims.

The claim rate is printed (run with -s to see it); the figures for docs/scaling.md come from
`bench/claim_rate.py`, which runs the same harness. No wall-clock assertion.
"""

from __future__ import annotations

from bench.claim_rate import run_claimers

JOBS = 5000
CLAIMERS = 32


def test_32_claimers_5000_jobs_zero_double_claims(pg_url: str) -> None:
    run = run_claimers(pg_url, jobs_count=JOBS, processes=1, threads=CLAIMERS)
    assert run.double_claims == 0
    assert sorted(set(run.claimed)) == sorted(run.claimed)
    assert len(run.claimed) == JOBS  # every job, each once
    assert run.rows_not_once == 0  # and the rows agree: completed, attempts == 1
    print(f"\n{CLAIMERS} claimers, {JOBS} jobs: {run.rate:.0f} claims/s over {run.seconds:.2f} s")
