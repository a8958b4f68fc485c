"""Faults injected into the running service: FFmpeg killed mid-render (as the OOM killer
would), the service itself killed with its job's last attempt in flight, and a webhook
receiver that is slow or answers 500."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psutil
import pytest

from tests.conftest import Media
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, Service, wait_for

SCRIPT = "This render is interrupted on purpose. It should still end well."


def _render_ffmpeg(service: Service) -> psutil.Process | None:
    """The FFmpeg process encoding the video (not the loudness scan), if it is running."""
    assert service.proc is not None
    for child in psutil.Process(service.proc.pid).children(recursive=True):
        try:
            if child.name() == "ffmpeg" and "libx264" in child.cmdline():
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def _submit(service: Service, files: FileServer, media: Media) -> str:
    response = service.client.post(
        "/render",
        json={"script": SCRIPT, "base_video_url": f"{files.url}/{media.base_long.name}",
              "size": "1280x720"},
    )  # fmt: skip
    assert response.status_code == 202, response.text
    job_id: str = response.json()["job_id"]
    return job_id


@pytest.mark.parametrize(("attempts", "outcome"), [("3", "completed"), ("1", "failed")])
def test_ffmpeg_killed_mid_render(
    make_service: ServiceFactory, files: FileServer, media: Media, attempts: str, outcome: str
) -> None:
    service = make_service(MAX_ATTEMPTS=attempts)
    job_id = _submit(service, files, media)
    victim = wait_for(lambda: _render_ffmpeg(service), timeout_s=120, interval_s=0.01,
                      what="the render's FFmpeg")  # fmt: skip
    victim.send_signal(signal.SIGKILL)
    done = service.wait_finished(job_id, timeout_s=170)
    assert done["status"] == outcome, done["error"]
    if outcome == "completed":  # retried within the attempt budget
        assert "job failed, will retry: render failed: ffmpeg was killed by SIGKILL" in (
            service.log()
        )
        assert done["video_url"]
    else:  # the budget is spent: a readable error
        assert done["error"].startswith(
            "render failed: ffmpeg was killed by SIGKILL (out of memory?)"
        ), done["error"]
    assert service.client.get("/health").json()["queue"] == {"queued": 0, "processing": 0}


def test_service_killed_on_the_last_attempt_fails_readably(
    make_service: ServiceFactory, files: FileServer, media: Media
) -> None:
    settings = {"MAX_ATTEMPTS": "1", "JOB_LEASE_SECONDS": "2"}
    first = make_service(**settings)
    job_id = _submit(first, files, media)
    wait_for(lambda: _render_ffmpeg(first), timeout_s=120, interval_s=0.01, what="the render")
    first.kill()
    second = make_service(data_dir=first.data_dir, **settings)
    done = second.wait_finished(job_id, timeout_s=60)
    assert done["status"] == "failed"  # never stuck in processing
    assert "worker stopped responding (lease expired) on each of 1 attempts" in done["error"]


class SlowReceiver:
    """A webhook receiver that can be slow (answers after `delay_s`) or answer 500."""

    def __init__(self) -> None:
        self.mode = "ok"  # "ok", "slow" or "error"
        self.delay_s = 0.0
        self.attempts: list[tuple[str, str]] = []  # (mode, webhook-id) of every request
        self.delivered: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                mode = receiver.mode
                receiver.attempts.append((mode, self.headers.get("webhook-id", "")))
                if mode == "slow":
                    time.sleep(receiver.delay_s)  # the peer is slow, not the test
                if mode == "ok":
                    receiver.delivered.append(body)
                self.send_response(500 if mode == "error" else 204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture
def slow_receiver() -> Iterator[SlowReceiver]:
    server = SlowReceiver()
    yield server
    server.close()


@pytest.mark.parametrize("mode", ["slow", "error"])
def test_webhook_receiver_slow_or_failing(
    make_service: ServiceFactory, slow_receiver: SlowReceiver, mode: str
) -> None:
    slow_receiver.mode, slow_receiver.delay_s = mode, 3.0
    service = make_service(WEBHOOK_URL=slow_receiver.url, WEBHOOK_TIMEOUT_SECONDS="1",
                           WEBHOOK_RETRY_SECONDS="0.2", WEBHOOK_SECRET="test-secret")  # fmt: skip
    response = service.client.post("/voiceover", json={"script": "Webhooks may be slow."})
    assert response.status_code == 200 and response.json()["status"] == "completed"
    job_id = response.json()["job_id"]
    # Jobs are not held up: the webhook is retried in the background until the receiver heals.
    wait_for(lambda: len(slow_receiver.attempts) >= 2, timeout_s=60, what="two failed tries")
    slow_receiver.mode = "ok"
    wait_for(lambda: slow_receiver.delivered, timeout_s=60, what="the delivery")
    ids = {webhook_id for _, webhook_id in slow_receiver.attempts}
    assert ids == {f"{job_id}.voiceover_uploaded"}  # one message, retried under one id
    reason = "ReadTimeout" if mode == "slow" else "HTTP 500"
    assert reason in service.log()
