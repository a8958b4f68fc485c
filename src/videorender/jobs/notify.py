"""Wake-ups on PostgreSQL: a thread that LISTENs for new claimable jobs.

The store sends `NOTIFY videorender_jobs` whenever a job becomes claimable; this listener,
on its own connection (a LISTEN needs one that stays open and outside any transaction),
turns each notification into a call of `on_notify`. Polling stays as the fallback: if the
connection drops, workers still find jobs at the next poll while the listener reconnects.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

from videorender.jobs.store import NOTIFY_CHANNEL

log = logging.getLogger(__name__)

WAIT_SLICE_S = 1.0  # how often the listener looks up to see whether it should stop
RECONNECT_S = 2.0


def conninfo(database_url: str) -> str:
    """The libpq connection string of a SQLAlchemy `postgresql+psycopg://` URL."""
    url = make_url(database_url).set(drivername="postgresql")
    return url.render_as_string(hide_password=False)


class JobListener:
    """LISTENs on its own connection until stopped; calls `on_notify` for each NOTIFY."""

    def __init__(self, database_url: str, on_notify: Callable[[], None]) -> None:
        self._conninfo = conninfo(database_url)
        self._on_notify = on_notify
        self._stopping = threading.Event()
        self._listening = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="job-listener", daemon=True)
        self._thread.start()

    def wait_listening(self, timeout_s: float) -> bool:
        """True once the LISTEN is in place (for tests and start-up logs)."""
        return self._listening.wait(timeout_s)

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=WAIT_SLICE_S + 1)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._listen()
            except psycopg.Error as exc:
                self._listening.clear()
                log.warning("job listener lost its connection (%s); polling meanwhile", exc)
                self._stopping.wait(RECONNECT_S)

    def _listen(self) -> None:
        with psycopg.connect(self._conninfo, autocommit=True) as conn:
            conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
            self._on_notify()  # jobs may have been queued while we were not listening
            self._listening.set()
            while not self._stopping.is_set():
                for _ in conn.notifies(timeout=WAIT_SLICE_S):
                    self._on_notify()
