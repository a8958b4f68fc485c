"""The webhook dispatcher: one thread draining the outbox, retrying with exponential backoff.

Deliveries never hold up a job: the worker only writes the event to the outbox. Because the
outbox is in the database, a delivery pending at a crash or restart is sent after it. A
delivery that fails every attempt is marked failed and logged, never dropped silently.
Every process running workers runs a dispatcher; each delivery is taken by one of them at a
time (`Outbox.take_deliveries`).
"""

from __future__ import annotations

import logging
import threading
import time

from videorender.config import Settings
from videorender.jobs.outbox import Outbox, OutboxItem
from videorender.logs import job_context
from videorender.webhooks import WebhookSender, WebhookSendError, retry_delay

log = logging.getLogger(__name__)

POLL_SECONDS = 0.5
HOLD_MARGIN_S = 5.0  # a taken delivery is someone else's to retry only after its send timed out


class WebhookDispatcher:
    def __init__(self, outbox: Outbox, settings: Settings) -> None:
        self._outbox = outbox
        self._settings = settings
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="webhooks", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float) -> None:
        self._stopping.set()
        self._wakeup.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)

    def _loop(self) -> None:
        sender = WebhookSender(self._settings)
        try:
            while not self._stopping.is_set():
                try:
                    hold_s = 2 * self._settings.webhook_timeout_seconds + HOLD_MARGIN_S
                    due = self._outbox.take_deliveries(hold_s)
                    for item in due:
                        if self._stopping.is_set():
                            break
                        with job_context(item.job_id):
                            self._attempt(sender, item)
                except Exception:  # a database hiccup must not end deliveries for good
                    log.exception("webhook dispatch failed; retrying")
                    due = []
                if not due:
                    self._wakeup.wait(POLL_SECONDS)
                    self._wakeup.clear()
        finally:
            sender.close()

    def _attempt(self, sender: WebhookSender, item: OutboxItem) -> None:
        settings = self._settings
        try:
            sender.send(item.delivery)
        except WebhookSendError as exc:
            tries = item.attempts + 1
            if tries >= settings.webhook_max_attempts or exc.permanent:
                log.error(
                    "webhook %s to %s failed for good after %d tries: %s",
                    item.delivery.msg_id, item.delivery.url, tries, exc,
                )  # fmt: skip
                self._outbox.delivery_failed(item.id, str(exc), retry_at=None)
                return
            delay = retry_delay(tries, settings.webhook_retry_seconds)
            log.warning(
                "webhook %s to %s failed (try %d): %s; retrying in %.1f s",
                item.delivery.msg_id, item.delivery.url, tries, exc, delay,
            )  # fmt: skip
            self._outbox.delivery_failed(item.id, str(exc), retry_at=time.time() + delay)
            return
        self._outbox.delivered(item.id)
        log.info("webhook %s delivered to %s", item.delivery.msg_id, item.delivery.url)
