"""Studio sessions kept in the job store, so that signing out ends a session for every
process that shares the store (issue 32). The cookie stays signed (`videorender.auth`); this is the
list of sessions not yet ended. Only a hash of the cookie's nonce is stored."""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import Engine, delete, insert, select

from videorender.jobs.db import sessions


def session_id(nonce: str) -> str:
    return hashlib.sha256(nonce.encode()).hexdigest()


class SessionStore:
    """Sessions begun and ended; expired ones are swept when a new one begins."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def begin(self, nonce: str, expires_at: float, now: float | None = None) -> None:
        now = time.time() if now is None else now
        with self._engine.execution_options(write=True).begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.expires_at < now))
            conn.execute(
                insert(sessions).values(id=session_id(nonce), created_at=now, expires_at=expires_at)
            )

    def alive(self, nonce: str, now: float | None = None) -> bool:
        """Whether the session has begun, has not been ended, and has not expired."""
        now = time.time() if now is None else now
        query = select(sessions.c.id).where(
            sessions.c.id == session_id(nonce), sessions.c.expires_at >= now
        )
        with self._engine.connect() as conn:
            return conn.execute(query).first() is not None

    def end(self, nonce: str) -> None:
        with self._engine.execution_options(write=True).begin() as conn:
            conn.execute(delete(sessions).where(sessions.c.id == session_id(nonce)))
