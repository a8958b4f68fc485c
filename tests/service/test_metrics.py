"""GET /metrics: the Prometheus text format, parsed with prometheus-client's own parser, whose
figures move as jobs run and add up across two worker processes on PostgreSQL; and its
access rule (API_KEY, unless METRICS_PUBLIC=true)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import Media
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service, WebhookReceiver, wait_for
from tests.service.test_cluster import Worker, WorkerFactory, api, cluster_env

__all__ = ["api", "cluster_env"]  # fixtures, shared with test_cluster

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


@pytest.fixture
def hooked_workers(
    api: Service, cluster_env: dict[str, str], receiver: WebhookReceiver
) -> Iterator[WorkerFactory]:
    """Workers (they run the webhook dispatcher) that send webhooks to `receiver`."""
    made: list[Worker] = []

    def make(name: str) -> Worker:
        worker = Worker(api.data_dir, {**cluster_env, "WEBHOOK_URL": receiver.url}, name)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        worker.stop()


def _scrape(service: Service, **headers: str) -> Samples:
    response = service.client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def _value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


def _total(samples: Samples, name: str) -> float:
    """The sum over every series of `name` (e.g. every worker process)."""
    return sum(value for (found, _), value in samples.items() if found == name)


def _series(samples: Samples, name: str) -> int:
    return sum(found == name for found, _ in samples)


def test_metrics_move_as_jobs_run_across_two_worker_processes(
    api: Service, hooked_workers: WorkerFactory, files: FileServer, media: Media,
    receiver: WebhookReceiver,
) -> None:  # fmt: skip
    hooked_workers("worker-a")
    hooked_workers("worker-b")
    wait_for(lambda: _total(_scrape(api), "videorender_workers_alive") == 2, timeout_s=60,
             what="2 workers in /metrics")  # fmt: skip
    before = _scrape(api)
    assert _total(before, "videorender_jobs_submitted_total") == 0
    assert _series(before, "videorender_worker_heartbeat_timestamp_seconds") == 2

    base = f"{files.url}/{media.base_short.name}"

    def submit(script: str, base_video_url: str) -> str:
        body = {"script": script, "base_video_url": base_video_url, "size": "160x90"}
        response = api.client.post("/render", json=body)
        assert response.status_code == 202, response.text
        job_id: str = response.json()["job_id"]
        return job_id

    done = [submit(f"Metrics job {n}.", base) for n in range(2)]
    missing = submit("This input is missing.", f"{files.url}/no-such-file.mp4")
    cancelled = submit("Cancelled at once.", base)
    assert api.client.post(f"/jobs/{cancelled}/cancel").status_code == 200
    for job_id in done:
        assert api.wait_finished(job_id, timeout_s=180)["status"] == "completed"
    assert api.wait_finished(missing, timeout_s=180)["status"] == "failed"

    def settled() -> Samples | None:
        # Transfer counters arrive with the next heartbeat (every quarter lease), webhooks
        # with the dispatcher: poll until both show.
        found = _scrape(api)
        moved = (_total(found, "videorender_upload_bytes_total") > 0
                 and _total(found, "videorender_download_failures_total") >= 1
                 and _total(found, "videorender_webhook_deliveries_total") >= 3)  # fmt: skip
        return found if moved else None

    after: Samples = wait_for(settled, timeout_s=60, what="the counters to move")
    render = {"kind": "render"}
    assert _value(after, "videorender_jobs_submitted_total", **render) == 4
    assert _value(after, "videorender_jobs_finished_total", **render, status="completed") == 2
    assert _value(after, "videorender_jobs_finished_total", **render, status="failed") == 1
    assert _value(after, "videorender_jobs_finished_total", **render, status="cancelled") == 1
    assert _value(after, "videorender_queue_depth") == 0
    assert _value(after, "videorender_jobs_running") == 0
    assert _value(after, "videorender_job_duration_seconds_count", **render) == 2
    assert _value(after, "videorender_job_duration_seconds_bucket", **render, le="+Inf") == 2
    assert _value(after, "videorender_job_duration_seconds_sum", **render) > 0
    for stage in ("tts", "render", "upload"):
        assert _value(after, "videorender_stage_duration_seconds_count", stage=stage) == 2
    assert _total(after, "videorender_download_bytes_total") >= 2 * media.base_short.stat().st_size
    assert _value(after, "videorender_outbox_pending") >= 0
    delivered = _value(after, "videorender_webhook_deliveries_total", outcome="delivered")
    assert 3 <= delivered <= len(receiver.received)  # recorded before it is marked delivered
    assert _series(after, "videorender_upload_bytes_total") == 2  # one series per process
    # A second scrape reads only what finished since: the histograms do not count twice.
    again = _scrape(api)
    assert _value(again, "videorender_job_duration_seconds_count", **render) == 2


def test_metrics_need_the_api_key_unless_public(
    make_service: ServiceFactory, tmp_path: Path
) -> None:
    private = make_service(API_KEY="metrics-key", data_dir=tmp_path / "private")
    assert private.client.get("/metrics").status_code == 401
    assert (
        "videorender_queue_depth"
        in private.client.get("/metrics", headers={"Authorization": "Bearer metrics-key"}).text
    )
    public = make_service(
        API_KEY="metrics-key", METRICS_PUBLIC="true", data_dir=tmp_path / "public"
    )
    samples = _scrape(public)
    assert _value(samples, "videorender_queue_depth") == 0
    assert public.client.get("/jobs").status_code == 401  # only /metrics is opened
