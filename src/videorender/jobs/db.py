"""The job store's tables, the engine they live in, and the migrations that shape them.

Plain SQLAlchemy Core, portable SQL: the same code runs on SQLite (the default, a file in
DATA_DIR) and on PostgreSQL (`DATABASE_URL=postgresql+psycopg://...`). Everything SQLite needs
to behave under concurrent threads is isolated in `_tune_sqlite`.

The schema is owned by the Alembic revisions in `migrations/versions/` (its README says how to
add one); the tables below mirror the newest revision, for queries. `open_database` applies
or checks the migrations before anything else touches the database.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any, Literal

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import make_url

from videorender.errors import ConfigError

log = logging.getLogger(__name__)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
BASELINE_REVISION = "0001"  # the schema of databases made before migrations existed
# Any constant will do: it only has to be the same in every process that migrates.
MIGRATION_LOCK_KEY = 0x76726E64

MigrationMode = Literal["apply", "check"]

metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("status", String(16), nullable=False, index=True),
    Column("request", Text, nullable=False),  # JobRequest.to_json()
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
    Column("timings_json", Text),  # {"stage": seconds}, on completion
    Column("duration_ms", Integer),  # of the produced media, on completion
    UniqueConstraint("idempotency_key", name="uq_jobs_idempotency_key"),
    Index("ix_jobs_status_created_at", "status", "created_at", "id"),
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

# One row per running worker process, refreshed every quarter lease: /health counts the
# rows with a fresh heartbeat as the workers alive.
workers = Table(
    "workers",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("hostname", String(255), nullable=False),
    Column("pid", Integer, nullable=False),
    Column("slots", Integer, nullable=False),  # its MAX_CONCURRENT_JOBS
    Column("active", Integer, nullable=False),  # jobs it was running at the last heartbeat
    Column("started_at", Float, nullable=False),
    Column("heartbeat_at", Float, nullable=False, index=True),
    Column("counters", Text),  # JSON: its TransferCounters at the last heartbeat (/metrics)
)

# Issue 32. A studio session lives while its row does: sign-out deletes it, in every process.
sessions = Table(
    "sessions",
    metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 of the cookie's nonce
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False, index=True),
)

# One row per wrong API key, by client address; rows older than the window are deleted.
key_failures = Table(
    "key_failures",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("client", String(64), nullable=False),
    Column("at", Float, nullable=False),
    Index("ix_key_failures_client_at", "client", "at"),
)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def normalize_url(url: str) -> str:
    """`postgres://` and `postgresql://` (as hosting providers hand them out) mean psycopg 3,
    the driver installed; any other URL is returned as it is."""
    parsed = make_url(url)
    if parsed.drivername in ("postgres", "postgresql"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def is_postgres_url(url: str) -> bool:
    return make_url(normalize_url(url)).get_backend_name() == "postgresql"


def open_database(
    url: str, *, migrations: MigrationMode = "apply", pool_size: int | None = None
) -> Engine:
    """An engine for `url`, its schema migrated to the newest revision (or, with
    `migrations="check"`, verified to be there).

    Raises:
        ConfigError: the database is not at the newest revision and `migrations` is "check".
    """
    url = normalize_url(url)
    parsed = make_url(url)
    options: dict[str, Any] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        options["connect_args"] = {"check_same_thread": False, "timeout": 30}
    elif pool_size is not None:
        options.update(pool_size=pool_size, max_overflow=pool_size)
    engine = create_engine(url, **options)
    if parsed.get_backend_name() == "sqlite":
        _tune_sqlite(engine)
    try:
        migrate(engine, apply=migrations == "apply")
    except BaseException:
        engine.dispose()
        raise
    return engine


def head_revision() -> str:
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, *, apply: bool = True, to: str = "head") -> str | None:
    """Bring the schema to revision `to` (or only check that it is at the newest one).

    One transaction, holding a lock that every migrating process takes (an advisory lock on
    PostgreSQL, the write lock on SQLite): when several processes start at once, one migrates
    and the others then find nothing to do. A database from before migrations (tables, no
    revision) is stamped at the baseline first. Returns the revision reached.

    Raises:
        ConfigError: `apply` is False and the schema is not at the newest revision.
    """
    with engine.execution_options(write=True).connect() as conn:
        if is_postgres(engine):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
        config = _alembic_config(conn)
        current = MigrationContext.configure(conn).get_current_revision()
        if current is None and inspect(conn).has_table("jobs"):
            log.info("job store from before migrations: stamping it at %s", BASELINE_REVISION)
            command.stamp(config, BASELINE_REVISION)
            current = BASELINE_REVISION
        target = head_revision() if to == "head" else to
        if current != target:
            if not apply:
                raise ConfigError(
                    f"the job store's schema is at revision {current or 'none'}, this version "
                    f"needs {target}: run `videorender migrate` (or start with "
                    "DATABASE_MIGRATIONS=apply)"
                )
            log.info("migrating the job store from %s to %s", current or "nothing", target)
            command.upgrade(config, target)
        conn.commit()
        return target


def _alembic_config(conn: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = conn
    return config


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
