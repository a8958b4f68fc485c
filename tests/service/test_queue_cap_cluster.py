"""MAX_QUEUED_JOBS is one cap for the whole cluster: two API processes on one PostgreSQL store,
a burst of concurrent submissions to both, and no more jobs queued than the cap."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import create_engine, func, select

from tests.service.conftest import ServiceFactory
from tests.service.servers import Service
from videorender.jobs.db import jobs

CAP = 3
BURST = 40


def _queued_in_store(pg_url: str) -> int:
    engine = create_engine(pg_url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(jobs)).scalar_one())
    finally:
        engine.dispose()


def test_queue_cap_holds_across_two_api_processes_under_a_burst(
    make_service: ServiceFactory, pg_url: str, tmp_path: Path
) -> None:
    env = {"DATABASE_URL": pg_url, "MAX_QUEUED_JOBS": str(CAP)}
    # API only: nothing takes a job off the queue while the burst lands.
    apis = [
        make_service(cli=True, args=("--no-workers",), data_dir=tmp_path / name, **env)
        for name in ("api-a", "api-b")
    ]

    def submit(number: int) -> int:
        api: Service = apis[number % 2]
        body = {"script": f"Burst job {number}.", "size": "160x90"}
        response = api.client.post("/render", json=body)
        assert response.status_code in (202, 429), response.text
        return response.status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        codes = list(pool.map(submit, range(BURST)))

    assert codes.count(202) == CAP, codes
    assert codes.count(429) == BURST - CAP
    assert _queued_in_store(pg_url) == CAP
    for api in apis:
        assert api.client.get("/health").json()["queue"] == {"queued": CAP, "processing": 0}
