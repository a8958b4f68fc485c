"""The running service with its default SSRF guard: a caller's URLs to internal addresses fail
the job readably and reach nothing; the operator's WEBHOOK_URL is still delivered."""

from __future__ import annotations

from tests.conftest import Media
from tests.service.conftest import ServiceFactory
from tests.service.servers import FileServer, WebhookReceiver, wait_for

SCRIPT = "A short and valid script."


def test_internal_urls_are_refused(
    make_service: ServiceFactory, files: FileServer, media: Media, receiver: WebhookReceiver
) -> None:
    service = make_service(ALLOW_PRIVATE_INPUTS="false", WEBHOOK_URL=receiver.url)
    port = files.url.rsplit(":", 1)[1]
    cases = [
        ("base_video_url", f"{files.url}/{media.base_short.name}", "127.0.0.1 is a loopback"),
        ("bgm_url", f"http://localhost:{port}/{media.music.name}", "127.0.0.1 is a loopback"),
        ("base_video_url", "http://169.254.169.254/latest/meta-data/", "link-local"),
        ("bgm_url", "http://[::ffff:10.0.0.1]/music.mp3", "10.0.0.1 is a private"),
        ("base_video_url", "http://0.0.0.0:80/", "unspecified"),
    ]
    job_ids = []
    for field, url, _ in cases:
        response = service.client.post("/render", json={"script": SCRIPT, field: url})
        assert response.status_code == 202, response.text
        job_ids.append(response.json()["job_id"])
    for job_id, (field, _, reason) in zip(job_ids, cases, strict=True):
        done = service.wait_finished(job_id)
        assert done["status"] == "failed"
        assert done["error"].startswith(f"inputs: {field}: refused to connect"), done["error"]
        assert reason in done["error"]

    # The synchronous /render-video fetches its voiceover through the same guard.
    response = service.client.post(
        "/render-video",
        json={"script": SCRIPT, "voiceover_url": f"http://[::1]:{port}/{media.music.name}"},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert error.startswith("inputs: voiceover_url: refused to connect"), error
    assert "::1 is a loopback" in error

    # A job's own webhook to an internal address is refused once, not retried; the operator's
    # WEBHOOK_URL (also on 127.0.0.1) is trusted and gets the same event.
    response = service.client.post(
        "/voiceover", json={"script": SCRIPT, "webhook_url": receiver.url.replace("hook", "job")}
    )
    assert response.status_code == 200, response.text
    job_id = response.json()["job_id"]
    wait_for(
        lambda: any(e["job_id"] == job_id for e in receiver.events()),
        timeout_s=30,
        what="the trusted webhook",
    )
    wait_for(lambda: "failed for good" in service.log(), timeout_s=30, what="the refusal")
    line = next(line for line in service.log().splitlines() if "failed for good" in line)
    assert "/job" in line and "after 1 tries" in line and "loopback" in line
    assert all(item.headers.get("host") for item in receiver.received)
