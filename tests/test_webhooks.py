"""Webhook payloads and signatures, checked with the reference Standard Webhooks verifier."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from videorender.config import load_settings
from videorender.webhooks import (
    Delivery,
    JobFailed,
    VoiceoverUploaded,
    WebhookSender,
    encode,
    message_id,
    retry_delay,
    utc_timestamp,
)


def test_payload_fields_and_order_are_the_specs() -> None:
    event = VoiceoverUploaded(job_id="j", voice_url="s3://b/k", timestamp=utc_timestamp(0))
    assert encode(event) == (
        '{"event":"voiceover_uploaded","job_id":"j","timestamp":"1970-01-01T00:00:00Z",'
        '"voice_url":"s3://b/k"}'
    )
    failed = JobFailed(job_id="j", error="render failed: x", timestamp="t")
    assert json.loads(encode(failed))["error"] == "render failed: x"
    assert message_id(failed) == "j.job_failed"


@pytest.mark.parametrize("secret", ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "plain words"])
def test_signature_verifies_and_tampering_does_not(secret: str) -> None:
    sender = WebhookSender(load_settings(webhook_secret=secret))
    delivery = Delivery(msg_id="j.video_completed", url="http://x", body='{"a":1}')
    headers = sender.headers(delivery, datetime.now(timezone.utc))
    sender.close()
    verifier = Webhook(secret if secret.startswith("whsec_") else secret.encode())
    assert verifier.verify(delivery.body, headers) == {"a": 1}
    with pytest.raises(WebhookVerificationError):
        verifier.verify('{"a":2}', headers)


def test_no_secret_no_signature() -> None:
    sender = WebhookSender(load_settings(webhook_secret=None))
    headers = sender.headers(Delivery("m", "http://x", "{}"))
    sender.close()
    assert "webhook-signature" not in headers


def test_backoff_grows_threefold() -> None:
    assert [retry_delay(n, 5) for n in (1, 2, 3, 4)] == [5, 15, 45, 135]
