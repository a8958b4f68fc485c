"""The job store's tables, and the engine they live in.

Plain SQLAlchemy Core, portable SQL: the same code runs on PostgreSQL given a DATABASE_URL.
Everything SQLite needs to behave under concurrent threads is isolated in `_tune_sqlite`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.engine import make_url

metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("script", Text, nullable=False),
    Column("base_video_url", Text),
    Column("bgm_url", Text),
    Column("voiceover_url", Text),
    Column("size", String(16)),
    Column("webhook_url", Text),
    Column("options", Text),  # JobOptions as JSON
    Column("base_url", Text, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("lease_token", String(64)),
    Column("lease_until", Float),
    Column("stage", String(16)),
    Column("percent", Integer, nullable=False, default=0),
    Column("voice_url", Text),
    Column("subtitles_url", Text),
    Column("video_url", Text),
    Column("thumbnail_url", Text),
    Column("subtitles_srt_url", Text),
    Column("subtitles_vtt_url", Text),
    Column("words_url", Text),
    Column("warnings", Text),  # JSON list of strings
    Column("error", Text),
    Column("error_type", String(64)),
    # Times are epoch seconds (float): portable, and cheap to compare in the claim path.
    Column("created_at", Float, nullable=False, index=True),
    Column("started_at", Float),
    Column("finished_at", Float),
    # Issue 11: idempotent submission, caller metadata, what a finished job cost.
    # A key is unique while it is live; once its 24 h are over, the next use of the key
    # clears it on the old row (see JobStore.create_once).
    Column("idempotency_key", String(255)),
    Column("request_hash", String(64)),
    Column("metadata_json", Text),  # the caller's JSON object, as received (<= 1 KB)
    Column("timings_json", Text),  # {"stage": seconds}, on completion
    Column("duration_ms", Integer),  # of the produced media, on completion
    UniqueConstraint("idempotency_key", name="uq_jobs_idempotency_key"),
)

webhook_outbox = Table(
    "webhook_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("job_id", String(36), nullable=False, index=True),
    Column("msg_id", String(80), nullable=False),
    Column("url", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("status", String(16), nullable=False, index=True),  # pending/delivered/failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", Float, nullable=False),
    Column("last_error", Text),
    Column("created_at", Float, nullable=False),
    UniqueConstraint("msg_id", "url", name="uq_outbox_msg_url"),
)


def open_database(url: str) -> Engine:
    """An engine for `url`, with the tables created if missing."""
    parsed = make_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    engine = create_engine(url, **options)
    if parsed.get_backend_name() == "sqlite":
        _tune_sqlite(engine)
    metadata.create_all(engine)
    return engine


def _tune_sqlite(engine: Engine) -> None:
    """WAL (readers never wait for the writer), a busy timeout, and write transactions that
    take the write lock up front (`BEGIN IMMEDIATE`): a deferred transaction that reads and
    then writes can fail at once with "database is locked" when another thread wrote in
    between, whatever the busy timeout."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # transactions are begun below, not by sqlite3
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        write = connection.get_execution_options().get("write", False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")
