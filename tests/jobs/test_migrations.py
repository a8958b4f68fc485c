"""Migrations on SQLite and PostgreSQL: a database made by the previous schema version (the
baseline revision, or main's `create_all` with no revision at all) upgrades with its queued
jobs intact, and the migrated schema is exactly what the code's table definitions say."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, text

from videorender.errors import ConfigError
from videorender.jobs.db import (
    BASELINE_REVISION,
    current_revision,
    head_revision,
    metadata,
    migrate,
    open_database,
)
from videorender.jobs.models import JobStatus
from videorender.jobs.registry import WorkerRegistry
from videorender.jobs.store import JobStore
from videorender.pipeline.models import CaptionOptions, Color, RenderOptions, Size

# Columns of the baseline revision, spelled out: later revisions may add columns to `jobs`,
# and a test of the upgrade must write what the *old* schema had.
INSERT_BASELINE_JOB = text(
    "INSERT INTO jobs (id, kind, status, script, size, base_url, attempts, percent, created_at)"
    " VALUES (:id, 'render', :status, :script, '160x90', 'http://127.0.0.1:8000/', :attempts, 0,"
    " :created_at)"
)


@pytest.fixture
def old_engine(url: str) -> Iterator[Engine]:
    """A database at the baseline revision holding three queued jobs and one processing."""
    engine = create_engine(url)
    assert migrate(engine, to=BASELINE_REVISION) == BASELINE_REVISION
    with engine.begin() as conn:
        for n, status in enumerate(["queued", "queued", "processing", "queued"]):
            conn.execute(
                INSERT_BASELINE_JOB,
                {"id": f"job-{n}", "status": status, "script": f"Script {n}.",
                 "attempts": 1 if status == "processing" else 0, "created_at": 1000.0 + n},
            )  # fmt: skip
    yield engine
    engine.dispose()


def _schema_drift(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        diff: list[object] = compare_metadata(MigrationContext.configure(conn), metadata)
    return diff


def test_upgrade_keeps_queued_jobs_and_they_run(url: str, old_engine: Engine) -> None:
    assert head_revision() != BASELINE_REVISION  # there is a real upgrade to make
    engine = open_database(url)  # what the service does at start-up
    try:
        assert current_revision(engine) == head_revision()
        store = JobStore(engine)
        for n, status in enumerate(["queued", "queued", "processing", "queued"]):
            job = store.get(f"job-{n}")
            assert job is not None
            assert (job.status.value, job.request.script) == (status, f"Script {n}.")
            assert job.request.options.size == Size(160, 90)
        claim = store.claim(60)  # the oldest queued job, on the new schema
        assert claim is not None and claim.job.id == "job-0" and claim.job.attempts == 1
        assert store.counts().queued == 2
        assert (
            WorkerRegistry(engine).cluster(alive_within_s=60).workers_alive == 0
        )  # the new table is there
        assert _schema_drift(engine) == []
    finally:
        engine.dispose()


def test_database_from_before_migrations_is_stamped_then_upgraded(
    url: str, old_engine: Engine
) -> None:
    with old_engine.begin() as conn:  # main made its tables with create_all: no revision
        conn.execute(text("DROP TABLE alembic_version"))
    assert current_revision(old_engine) is None
    engine = open_database(url)
    try:
        assert current_revision(engine) == head_revision()
        job = JobStore(engine).get("job-3")
        assert job is not None and job.status is JobStatus.QUEUED
    finally:
        engine.dispose()


def test_database_made_by_create_all_with_later_columns_upgrades(url: str) -> None:
    """Versions between the baseline and migrations made their tables with `create_all`,
    already holding some of the columns that revision 0003 adds: only the rest is added."""
    engine = create_engine(url)
    assert migrate(engine, to="0003") == "0003"  # the columns create_all made then, and more
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE alembic_version"))  # create_all left no revision
        conn.execute(text("DROP TABLE workers"))
        conn.execute(text("DROP INDEX ix_jobs_status_created_at"))  # not in those versions
        conn.execute(
            INSERT_BASELINE_JOB, {"id": "kept", "status": "queued", "script": "Kept.",
                                  "attempts": 0, "created_at": 1.0},
        )  # fmt: skip
        conn.execute(text("UPDATE jobs SET idempotency_key = 'k', request_hash = 'h'"))
    engine.dispose()
    migrated = open_database(url)
    try:
        assert current_revision(migrated) == head_revision()
        assert _schema_drift(migrated) == []
        job = JobStore(migrated).get("kept")
        assert job is not None and job.status is JobStatus.QUEUED
        with migrated.connect() as conn:
            key = conn.execute(text("SELECT idempotency_key FROM jobs")).scalar_one()
        assert key == "k"
    finally:
        migrated.dispose()


def test_requests_stored_field_by_field_become_one_document(url: str) -> None:
    """Revision 0004 turns the columns of a request (0003) into the document that
    `JobRequest.from_json` reads: every option, the URLs and the caller's metadata survive."""
    engine = create_engine(url)
    migrate(engine, to="0003")
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO jobs (id, kind, status, script, size, base_url, attempts, percent,"
                " created_at, bgm_url, webhook_url, options, metadata_json) VALUES ('old',"
                " 'render', 'queued', 'Hi.', '1080x1920', 'http://h/', 0, 0, 1.0,"
                " 'https://m/a.mp3', 'https://w/h', :options, :metadata)"
            ),
            {"options": '{"speaker": "af_bella", "subtitle_style": "karaoke", '
                        '"tts_provider": null, "captions": {"text_color": "#ff0000", "outline": 2}}',
             "metadata": '{"n":1}'},
        )  # fmt: skip
    engine.dispose()
    migrated = open_database(url)
    try:
        job = JobStore(migrated).get("old")
        assert job is not None
        request = job.request
        assert (request.script, request.bgm_url, request.webhook_url) == (
            "Hi.",
            "https://m/a.mp3",
            "https://w/h",
        )
        assert request.base_url == "http://h/" and request.metadata == {"n": 1}
        assert request.options == RenderOptions(
            size=Size(1080, 1920),
            speaker="af_bella",
            subtitle_style="karaoke",
            captions=CaptionOptions(text_color=Color(255, 0, 0), outline=2),
        )
    finally:
        migrated.dispose()


def test_check_mode_refuses_an_old_schema_and_changes_nothing(url: str, old_engine: Engine) -> None:
    with pytest.raises(ConfigError, match="videorender migrate"):
        open_database(url, migrations="check")
    assert current_revision(old_engine) == BASELINE_REVISION
    open_database(url).dispose()  # apply
    open_database(url, migrations="check").dispose()  # now it passes


def test_a_new_database_matches_the_table_definitions(url: str) -> None:
    engine = open_database(url)
    try:
        assert _schema_drift(engine) == []
    finally:
        engine.dispose()


def test_processes_starting_together_migrate_once(url: str) -> None:
    errors: list[BaseException] = []
    start = time.monotonic() + 0.2

    def start_up() -> None:
        time.sleep(max(0.0, start - time.monotonic()))
        try:
            open_database(url).dispose()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=start_up) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    engine = create_engine(url)
    assert current_revision(engine) == head_revision()
    engine.dispose()
