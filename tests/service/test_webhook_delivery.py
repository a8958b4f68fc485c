"""Webhook delivery never holds up a job, retries with backoff, and logs a final failure."""

from __future__ import annotations

from tests.service.conftest import ServiceFactory
from tests.service.servers import WebhookReceiver, free_port, wait_for


def test_receiver_down_job_completes_and_delivery_is_retried(
    make_service: ServiceFactory, receiver: WebhookReceiver
) -> None:
    receiver.down = True
    nobody = f"http://127.0.0.1:{free_port()}/hook"  # nothing listens there
    service = make_service(
        WEBHOOK_URL=receiver.url, WEBHOOK_RETRY_SECONDS="0.3", WEBHOOK_MAX_ATTEMPTS="3"
    )
    response = service.client.post(
        "/voiceover", json={"script": "Nobody hears this webhook at first.", "webhook_url": nobody}
    )
    assert response.status_code == 200, response.text
    job = response.json()
    assert job["status"] == "completed"

    wait_for(lambda: receiver.refused, timeout_s=30, what="a refused delivery")
    receiver.down = False
    wait_for(lambda: receiver.received, timeout_s=30, what="the retried delivery")
    delivered = receiver.received[0].json()
    assert delivered["event"] == "voiceover_uploaded" and delivered["job_id"] == job["job_id"]
    assert receiver.refused[0].body == receiver.received[0].body  # the same message, resent

    wait_for(lambda: "failed for good" in service.log(), timeout_s=30, what="the final failure")
    failure = next(line for line in service.log().splitlines() if "failed for good" in line)
    assert nobody in failure and "after 3 tries" in failure
