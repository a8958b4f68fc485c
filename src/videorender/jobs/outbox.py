"""The webhook outbox: events waiting to be delivered, one row per event and target URL.

An event is enqueued inside the caller's transaction, the one that makes the state change
it announces (a transactional outbox): the event is never lost between the two, and a
retried job re-announces nothing already announced. The dispatcher (`jobs.dispatch`) takes
due rows, at most one per job and URL at a time, so each receiver gets a job's events in
order.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from videorender.jobs.db import webhook_outbox
from videorender.jobs.models import Job
from videorender.webhooks import Delivery, Event, encode, message_id


@dataclass(frozen=True)
class OutboxItem:
    """A pending webhook delivery and how often it has been tried."""

    id: int
    job_id: str
    delivery: Delivery
    attempts: int


class Outbox:
    """Pending webhook deliveries: enqueued with a job's state change, taken by dispatchers."""

    def __init__(self, engine: Engine, *, webhook_url: str | None = None) -> None:
        self._engine = engine
        self._writer = engine.execution_options(write=True)
        self._webhook_url = webhook_url

    def enqueue(self, conn: Connection, job: Job, event: Event) -> None:
        """Queue `event` for WEBHOOK_URL and the job's own `webhook_url`, in `conn`'s
        transaction (the caller's, which makes the state change the event announces)."""
        urls = dict.fromkeys(u for u in (self._webhook_url, job.request.webhook_url) if u)
        if job.request.metadata is not None:
            event = event.model_copy(update={"metadata": dict(job.request.metadata)})
        for url in urls:
            msg_id = message_id(event)
            exists = conn.execute(
                select(webhook_outbox.c.id).where(
                    webhook_outbox.c.msg_id == msg_id, webhook_outbox.c.url == url
                )
            ).first()
            if exists:  # a retried job re-announces nothing already announced
                continue
            now = time.time()
            try:
                with conn.begin_nested():
                    conn.execute(
                        insert(webhook_outbox).values(
                            job_id=job.id,
                            msg_id=msg_id,
                            url=url,
                            body=encode(event),
                            status="pending",
                            attempts=0,
                            next_attempt_at=now,
                            created_at=now,
                        )
                    )
            except IntegrityError:
                continue  # queued concurrently by another process: same message, keep theirs

    def due_deliveries(self, limit: int = 20) -> list[OutboxItem]:
        """Pending deliveries due now, at most one per job and target URL (the oldest), so
        that each receiver gets a job's events in order."""
        # The head of each lane is chosen in SQL, among all pending rows: however many lanes
        # wait on a retry, a due head behind them is still found.
        heads = (
            select(func.min(webhook_outbox.c.id).label("id"))
            .where(webhook_outbox.c.status == "pending")
            .group_by(webhook_outbox.c.job_id, webhook_outbox.c.url)
            .subquery()
        )
        with self._engine.connect() as conn:
            rows = conn.execute(
                select(webhook_outbox)
                .join(heads, webhook_outbox.c.id == heads.c.id)
                .where(webhook_outbox.c.next_attempt_at <= time.time())
                .order_by(webhook_outbox.c.id)
                .limit(limit)
            ).all()
        return [
            OutboxItem(
                row.id,
                row.job_id,
                Delivery(msg_id=row.msg_id, url=row.url, body=row.body),
                row.attempts,
            )
            for row in rows
        ]

    def take_deliveries(self, hold_s: float, limit: int = 20) -> list[OutboxItem]:
        """`due_deliveries`, each one held for this caller for `hold_s` (its next attempt
        moved out by that much, guarded by the time it had), so that dispatchers in several
        processes never send the same delivery at once. A dispatcher that dies mid-send
        leaves it due again after `hold_s`: at least once, never lost."""
        taken = []
        hold_until = time.time() + hold_s
        for item in self.due_deliveries(limit):
            with self._writer.begin() as conn:
                if conn.execute(
                    update(webhook_outbox)
                    .where(
                        webhook_outbox.c.id == item.id,
                        webhook_outbox.c.status == "pending",
                        webhook_outbox.c.attempts == item.attempts,
                        webhook_outbox.c.next_attempt_at <= time.time(),
                    )
                    .values(next_attempt_at=hold_until)
                ).rowcount:
                    taken.append(item)
        return taken

    def delivered(self, item_id: int) -> None:
        self._set_delivery(item_id, status="delivered", attempts=webhook_outbox.c.attempts + 1)

    def delivery_failed(self, item_id: int, error: str, retry_at: float | None) -> None:
        """Record a failed try: retry at `retry_at`, or give up when it is None."""
        self._set_delivery(
            item_id,
            status="pending" if retry_at is not None else "failed",
            attempts=webhook_outbox.c.attempts + 1,
            last_error=error[:500],
            next_attempt_at=retry_at if retry_at is not None else time.time(),
        )

    def _set_delivery(self, item_id: int, **values: object) -> None:
        with self._writer.begin() as conn:
            conn.execute(
                update(webhook_outbox).where(webhook_outbox.c.id == item_id).values(**values)
            )
