"""Webhook events: their payloads (the original service's, field for field), signing
(Standard Webhooks), one delivery attempt, and the retry schedule.

Deliveries to a job's own `webhook_url` go through the SSRF guard (`netguard`); the
operator's WEBHOOK_URL is trusted. Durability lives in the job store's outbox (`jobs.store`),
which the dispatcher drains with `send`. Each event has a stable message id
(`{job_id}.{event}`), so a receiver can drop the duplicate it may get when a job is retried
after a crash.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict
from standardwebhooks.webhooks import Webhook

from videorender.config import Settings
from videorender.errors import UnsafeURLError
from videorender.netguard import NetGuard

RETRY_FACTOR = 3


def utc_timestamp(epoch_s: float | None = None) -> str:
    """`2025-01-12T20:30:45Z`, the timestamp form of the original payloads."""
    moment = datetime.fromtimestamp(time.time() if epoch_s is None else epoch_s, timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Event(BaseModel):
    """Fields common to every event."""

    model_config = ConfigDict(frozen=True)

    event: str
    job_id: str
    timestamp: str
    # The caller's metadata of the job (an addition); left out of the body when there is none.
    metadata: dict[str, Any] | None = None


class VoiceoverUploaded(Event):
    """The narration is stored; sent before the video is rendered."""

    event: str = "voiceover_uploaded"
    voice_url: str


class VideoCompleted(Event):
    """The job finished; `thumbnail_url` is null when no thumbnail could be made."""

    event: str = "video_completed"
    voice_url: str | None
    subtitles_url: str | None
    video_url: str | None
    thumbnail_url: str | None
    # Additions: caption sidecars, word timings, and what the caller should know.
    subtitles_srt_url: str | None = None
    subtitles_vtt_url: str | None = None
    words_url: str | None = None
    warnings: list[str] = []


class JobCancelled(Event):
    """The job was cancelled by a caller (an addition to the spec)."""

    event: str = "job_cancelled"


class JobFailed(Event):
    """The job failed for good; `error` says which stage and why (an addition to the spec)."""

    event: str = "job_failed"
    error: str


def message_id(event: Event) -> str:
    """Stable across retries of the same job, as Standard Webhooks' idempotency key."""
    return f"{event.job_id}.{event.event}"


def encode(event: Event) -> str:
    """The exact body sent (and signed); key order as in the spec's examples, `metadata`
    last and only when the job has some."""
    body = event.model_dump(mode="json")
    metadata = body.pop("metadata", None)
    if metadata is not None:
        body["metadata"] = metadata
    return json.dumps(body, separators=(",", ":"))


@dataclass(frozen=True)
class Delivery:
    """One message to one URL, as stored in the outbox."""

    msg_id: str
    url: str
    body: str


class WebhookSendError(Exception):
    """One attempt failed; the message says why (status code or network error).
    `permanent`: retrying cannot help (the address is refused by the SSRF guard)."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


class WebhookSender:
    """Posts deliveries, signed when WEBHOOK_SECRET is set. One instance per dispatcher thread."""

    def __init__(self, settings: Settings) -> None:
        secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
        self._signer = Webhook(_key(secret)) if secret else None
        self._trusted_url = settings.webhook_url
        self._client = httpx.Client(timeout=settings.webhook_timeout_seconds)
        guard = NetGuard(allow_private=settings.allow_private_inputs)
        # No redirects: a receiver answering 3xx has not received the event.
        self._guarded = guard.client(
            timeout=settings.webhook_timeout_seconds, follow_redirects=False
        )

    def close(self) -> None:
        self._client.close()
        self._guarded.close()

    def headers(self, delivery: Delivery, now: datetime | None = None) -> dict[str, str]:
        """Content type, and the Standard Webhooks headers when signing."""
        headers = {"content-type": "application/json", "user-agent": "videorender-webhooks"}
        if self._signer is not None:
            now = now or datetime.now(timezone.utc)
            headers["webhook-id"] = delivery.msg_id
            headers["webhook-timestamp"] = str(int(now.timestamp()))
            headers["webhook-signature"] = self._signer.sign(delivery.msg_id, now, delivery.body)
        return headers

    def send(self, delivery: Delivery) -> None:
        """One attempt; any 2xx answer counts as delivered.

        Raises:
            WebhookSendError: timeout, network error or a non-2xx status.
        """
        client = self._client if delivery.url == self._trusted_url else self._guarded
        try:
            response = client.post(
                delivery.url, content=delivery.body.encode(), headers=self.headers(delivery)
            )
        except UnsafeURLError as exc:
            raise WebhookSendError(str(exc), permanent=True) from exc
        except httpx.HTTPError as exc:
            raise WebhookSendError(f"{type(exc).__name__}: {exc}") from exc
        if not response.is_success:
            raise WebhookSendError(f"HTTP {response.status_code}")


def _key(secret: str) -> str | bytes:
    # Standard Webhooks secrets are "whsec_" + base64; any other text is used as raw bytes.
    return secret if secret.startswith("whsec_") else secret.encode()


def retry_delay(attempts: int, first_delay_s: float) -> float:
    """Seconds to wait after the `attempts`-th failed try: first_delay_s, then 3x each time."""
    return float(first_delay_s * RETRY_FACTOR ** max(0, attempts - 1))
