"""Wrong API keys counted per client address in the job store, so that every process of
the service slows the same guesser (issue 32).

A client with `max_failures` wrong keys within the last `window_s` seconds is refused until
the oldest of them leaves the window. Refused attempts are not counted: the refusal ends at
most `window_s` after the last counted failure, so the right key is never locked out for good.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from sqlalchemy import Engine, delete, insert, select

from videorender.jobs.db import key_failures


@dataclass(frozen=True)
class KeyFailureLimits:
    """MAX_KEY_FAILURES wrong keys per KEY_FAILURE_WINDOW_SECONDS and client address."""

    max_failures: int = 10
    window_s: float = 60.0


class KeyFailures:
    """Counts wrong keys and says how long a client must wait."""

    def __init__(self, engine: Engine, limits: KeyFailureLimits | None = None) -> None:
        self._engine = engine
        self.limits = limits or KeyFailureLimits()

    def retry_after(self, client: str, now: float | None = None) -> int:
        """Whole seconds until `client` may try a key again; 0: now."""
        now = time.time() if now is None else now
        limits = self.limits
        query = (
            select(key_failures.c.at)
            .where(key_failures.c.client == client, key_failures.c.at > now - limits.window_s)
            .order_by(key_failures.c.at.desc())
            .limit(limits.max_failures)
        )
        with self._engine.connect() as conn:
            recent = [row.at for row in conn.execute(query)]
        if len(recent) < limits.max_failures:
            return 0
        # Free again when the oldest of the last `max_failures` leaves the window.
        return max(1, math.ceil(float(recent[-1]) + limits.window_s - now))

    def record(self, client: str, now: float | None = None) -> None:
        """One wrong key from `client` (old rows of every client are swept)."""
        now = time.time() if now is None else now
        stale = key_failures.c.at <= now - self.limits.window_s
        with self._engine.execution_options(write=True).begin() as conn:
            conn.execute(delete(key_failures).where(stale))
            conn.execute(insert(key_failures).values(client=client[:64], at=now))
