"""Sessions and wrong-key counts in the job store, on SQLite and PostgreSQL (issue 32): what
one process ends or counts, another sees."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from videorender.jobs.db import open_database
from videorender.jobs.key_failures import KeyFailureLimits, KeyFailures
from videorender.jobs.sessions import SessionStore


@pytest.fixture
def engines(url: str) -> Iterator[tuple[Engine, Engine]]:
    """Two engines on one database: two processes of the service."""
    first, second = open_database(url), open_database(url)
    yield first, second
    first.dispose()
    second.dispose()


def test_a_session_ended_in_one_process_is_ended_in_the_other(
    engines: tuple[Engine, Engine],
) -> None:
    here, there = SessionStore(engines[0]), SessionStore(engines[1])
    here.begin("nonce-a", expires_at=2000.0, now=1000.0)
    here.begin("nonce-b", expires_at=2000.0, now=1000.0)
    assert there.alive("nonce-a", now=1500.0) and there.alive("nonce-b", now=1500.0)
    there.end("nonce-a")
    assert not here.alive("nonce-a", now=1500.0)
    assert here.alive("nonce-b", now=1500.0)
    assert not here.alive("nonce-b", now=2001.0)  # expired
    assert not here.alive("never-begun", now=1500.0)


def test_expired_sessions_are_swept_when_one_begins(engines: tuple[Engine, Engine]) -> None:
    store = SessionStore(engines[0])
    store.begin("old", expires_at=1100.0, now=1000.0)
    store.begin("new", expires_at=5000.0, now=1200.0)
    with engines[0].connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM sessions").scalar() == 1


def test_wrong_keys_are_counted_across_processes_and_the_wait_ends(
    engines: tuple[Engine, Engine],
) -> None:
    limits = KeyFailureLimits(max_failures=3, window_s=60.0)
    here, there = KeyFailures(engines[0], limits), KeyFailures(engines[1], limits)
    here.record("10.0.0.1", now=1000.0)
    there.record("10.0.0.1", now=1010.0)
    assert here.retry_after("10.0.0.1", now=1011.0) == 0
    here.record("10.0.0.1", now=1020.0)
    # Three within the minute: refused until the first (at 1000) is a minute old.
    assert there.retry_after("10.0.0.1", now=1021.0) == 39
    assert there.retry_after("10.0.0.2", now=1021.0) == 0  # per client address
    assert there.retry_after("10.0.0.1", now=1060.5) == 0
    here.record("10.0.0.1", now=1061.0)
    assert here.retry_after("10.0.0.1", now=1062.0) == 8  # 1010 + 60 - 1062
