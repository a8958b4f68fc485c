"""Columns added to `jobs` while the job store had no migrations yet: per-request options and
the extra artifacts (caption formats, word timings, warnings), then idempotency keys, caller
metadata and timings (issue 11).

Written defensively: a database made by `create_all` at a version that already had some of
these columns has no revision, so it is stamped at the baseline and arrives here with them;
only what is missing is added. All are nullable, so existing rows (queued jobs) stay valid:
`options` NULL reads as the default options.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

COLUMNS: list[sa.Column[Any]] = [
    sa.Column("options", sa.Text),
    sa.Column("subtitles_srt_url", sa.Text),
    sa.Column("subtitles_vtt_url", sa.Text),
    sa.Column("words_url", sa.Text),
    sa.Column("warnings", sa.Text),
    sa.Column("idempotency_key", sa.String(255)),
    sa.Column("request_hash", sa.String(64)),
    sa.Column("metadata_json", sa.Text),
    sa.Column("timings_json", sa.Text),
    sa.Column("duration_ms", sa.Integer),
]
UNIQUE_KEY = "uq_jobs_idempotency_key"


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    present = {column["name"] for column in inspector.get_columns("jobs")}
    unique = {constraint["name"] for constraint in inspector.get_unique_constraints("jobs")}
    missing = [column for column in COLUMNS if column.name not in present]
    if not missing and UNIQUE_KEY in unique:
        return
    with op.batch_alter_table("jobs") as batch:  # SQLite: the table is copied
        for column in missing:
            batch.add_column(column)
        if UNIQUE_KEY not in unique:
            batch.create_unique_constraint(UNIQUE_KEY, ["idempotency_key"])


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.drop_constraint(UNIQUE_KEY, type_="unique")
        for column in reversed(COLUMNS):
            batch.drop_column(column.name)
