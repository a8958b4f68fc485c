"""Baseline: the schema of the first HTTP service (jobs + webhook outbox).

A database made before migrations existed (by `metadata.create_all`) has exactly these
tables; `videorender.jobs.db.migrate` stamps it at this revision instead of creating them.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("script", sa.Text, nullable=False),
        sa.Column("base_video_url", sa.Text),
        sa.Column("bgm_url", sa.Text),
        sa.Column("voiceover_url", sa.Text),
        sa.Column("size", sa.String(16)),
        sa.Column("webhook_url", sa.Text),
        sa.Column("base_url", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("lease_token", sa.String(64)),
        sa.Column("lease_until", sa.Float),
        sa.Column("stage", sa.String(16)),
        sa.Column("percent", sa.Integer, nullable=False),
        sa.Column("voice_url", sa.Text),
        sa.Column("subtitles_url", sa.Text),
        sa.Column("video_url", sa.Text),
        sa.Column("thumbnail_url", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("error_type", sa.String(64)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("finished_at", sa.Float),
    )
    op.create_index("ix_jobs_status", "jobs", ["status"])
    op.create_index("ix_jobs_created_at", "jobs", ["created_at"])
    op.create_table(
        "webhook_outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column("msg_id", sa.String(80), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.Float, nullable=False),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.UniqueConstraint("msg_id", "url", name="uq_outbox_msg_url"),
    )
    op.create_index("ix_webhook_outbox_job_id", "webhook_outbox", ["job_id"])
    op.create_index("ix_webhook_outbox_status", "webhook_outbox", ["status"])


def downgrade() -> None:
    op.drop_table("webhook_outbox")
    op.drop_table("jobs")
