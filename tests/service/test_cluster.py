"""Scale-out, end to end on a real PostgreSQL: one API process (`serve --no-workers`) and two
`videorender worker` processes sharing the job store (and, on this one machine, DATA_DIR)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import Media
from tests.service.conftest import ServiceFactory
from tests.service.servers import REPO, FileServer, Service, wait_for
from videorender.storage import Artifact

ARTIFACTS_PER_JOB = len(Artifact)  # every kind of file a render stores
LEASE_S = 3.0
VIDEORENDER = str(Path(sys.executable).parent / "videorender")


class Worker:
    """`videorender worker` in a subprocess, its log in a file."""

    def __init__(self, data_dir: Path, env: dict[str, str], name: str) -> None:
        self.log_path = data_dir.parent / f"{name}.log"
        data_dir.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [VIDEORENDER, "worker"],
                cwd=REPO,
                env={**os.environ, "DATA_DIR": str(data_dir), **env},
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def started_jobs(self) -> list[str]:
        return [line.rsplit("[job ", 1)[1].rstrip("]")
                for line in self.log().splitlines() if "job started" in line]  # fmt: skip

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


WorkerFactory = Callable[[str], Worker]


@pytest.fixture
def cluster_env(pg_url: str, tts_cache: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": pg_url,
        "ALLOW_LOCAL_STORAGE_WITH_POSTGRES": "true",  # one machine: DATA_DIR is shared
        "ALLOW_PRIVATE_INPUTS": "true",  # the file server is on 127.0.0.1
        "MAX_CONCURRENT_JOBS": "1",
        "JOB_LEASE_SECONDS": str(LEASE_S),
        "TTS_CACHE_DIR": str(tts_cache),
        "VIDEO_PRESET": "ultrafast",
        "FFMPEG_THREADS": "1",
        "WEBHOOK_URL": "",
        "API_KEY": "",
    }


@pytest.fixture
def api(make_service: ServiceFactory, cluster_env: dict[str, str]) -> Service:
    return make_service(cli=True, args=("--no-workers",), **cluster_env)


@pytest.fixture
def make_worker(api: Service, cluster_env: dict[str, str]) -> Iterator[WorkerFactory]:
    workers: list[Worker] = []

    def make(name: str) -> Worker:
        worker = Worker(api.data_dir, cluster_env, name)
        workers.append(worker)
        return worker

    yield make
    for worker in workers:
        worker.stop()


def _cluster(api: Service) -> dict[str, int]:
    body: dict[str, int] = api.client.get("/health").json()["cluster"]
    return body


def _submit(api: Service, files: FileServer, media: Media, text: str) -> str:
    response = api.client.post(
        "/render",
        json={"script": text, "base_video_url": f"{files.url}/{media.base_short.name}",
              "size": "160x90"},
    )  # fmt: skip
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


def test_one_api_two_workers_render_12_jobs_each_exactly_once(
    api: Service, make_worker: WorkerFactory, files: FileServer, media: Media
) -> None:
    health = api.client.get("/health").json()
    assert health["workers"] == {"active": 0, "max_concurrent_jobs": 0}  # API only
    workers = [make_worker("worker-a"), make_worker("worker-b")]
    wait_for(lambda: _cluster(api)["workers_alive"] == 2, timeout_s=60, what="2 workers alive")
    assert _cluster(api)["slots"] == 2

    job_ids = [_submit(api, files, media, f"Cluster job {n}. It renders once.")
               for n in range(12)]  # fmt: skip
    for job_id in job_ids:
        done = api.wait_finished(job_id, timeout_s=240)
        assert done["status"] == "completed", done
    assert _cluster(api)["queued"] == 0 and _cluster(api)["processing"] == 0

    # Attempt counts: each job ran once, and the two workers together started 12 renders.
    attempts = {job_id: _attempts(api, job_id) for job_id in job_ids}
    assert set(attempts.values()) == {1}, attempts
    started = [job_id for worker in workers for job_id in worker.started_jobs()]
    assert sorted(started) == sorted(job_ids)
    assert all(worker.started_jobs() for worker in workers)  # both took work
    # Artifacts: every kind once per job, none twice, none left over; the API serves them.
    uploads = sorted(p.name for p in api.data_dir.rglob("uploads/*/*"))
    assert len(uploads) == ARTIFACTS_PER_JOB * len(job_ids), uploads
    for job_id in job_ids:
        assert sum(name.startswith(job_id) for name in uploads) == ARTIFACTS_PER_JOB
    video = api.client.get(api.status(job_ids[0])["video_url"].replace(api.url, ""))
    assert video.status_code == 200 and len(video.content) > 1000


def _attempts(api: Service, job_id: str) -> int:
    # /status does not show attempts; the job store does (the API process's own view).
    from sqlalchemy import create_engine, select  # noqa: PLC0415

    from videorender.jobs.db import jobs  # noqa: PLC0415

    engine = create_engine(api.env["DATABASE_URL"])
    try:
        with engine.connect() as conn:
            value = conn.execute(select(jobs.c.attempts).where(jobs.c.id == job_id)).scalar_one()
    finally:
        engine.dispose()
    return int(value)


def test_kill_9_a_worker_mid_job_the_other_finishes_it_within_the_lease(
    api: Service, make_worker: WorkerFactory, files: FileServer, media: Media
) -> None:
    workers = {name: make_worker(name) for name in ("worker-a", "worker-b")}
    wait_for(lambda: _cluster(api)["workers_alive"] == 2, timeout_s=60, what="2 workers alive")
    job_id = _submit(api, files, media, "This job loses its worker. Another one finishes it.")

    def holder() -> str | None:
        return next((n for n, w in workers.items() if job_id in w.started_jobs()), None)

    victim = wait_for(holder, timeout_s=60, interval_s=0.01, what="a worker to start the job")
    assert api.status(job_id)["status"] == "processing"
    workers[victim].kill()
    killed_at = time.monotonic()

    survivor = next(w for n, w in workers.items() if n != victim)
    wait_for(lambda: job_id in survivor.started_jobs(), timeout_s=LEASE_S * 4,
             interval_s=0.05, what="the other worker to take the job over")  # fmt: skip
    taken_over_s = time.monotonic() - killed_at
    # The lease runs out at most LEASE_S after the last renewal; the survivor looks every
    # quarter lease. Slack for a loaded 2-core machine.
    assert taken_over_s <= LEASE_S * 1.25 + 2.0, taken_over_s
    done = api.wait_finished(job_id, timeout_s=120)
    assert done["status"] == "completed", done
    assert _attempts(api, job_id) == 2
    assert "taken back" in survivor.log()
    wait_for(lambda: _cluster(api)["workers_alive"] == 1, timeout_s=LEASE_S * 3,
             what="the killed worker to drop out of /health")  # fmt: skip
    uploads = sorted(p.name for p in api.data_dir.rglob("uploads/*/*"))
    assert len(uploads) == ARTIFACTS_PER_JOB, uploads


@pytest.mark.parametrize("argv", [["worker"], ["serve", "--port", "0"]])
def test_workers_refuse_postgres_with_local_storage(
    argv: list[str], pg_url: str, tmp_path: Path
) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k != "ALLOW_LOCAL_STORAGE_WITH_POSTGRES" and not k.startswith("BACKBLAZE_")
    }
    env.update(DATA_DIR=str(tmp_path / "data"), DATABASE_URL=pg_url)  # fmt: skip
    result = subprocess.run([VIDEORENDER, *argv], check=False, cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=60)  # fmt: skip
    assert result.returncode == 2, result.stderr
    message = " ".join(result.stderr.split())
    assert "refusing to start workers" in message and "local storage" in message
    assert "ALLOW_LOCAL_STORAGE_WITH_POSTGRES" in message
