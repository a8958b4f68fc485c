"""Studio sessions that sign-out ends for every process, and wrong API keys counted per
client address across processes (issue 32).

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 of the cookie's nonce
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("expires_at", sa.Float, nullable=False),
    )
    op.create_index("ix_sessions_expires_at", "sessions", ["expires_at"])
    op.create_table(
        "key_failures",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("client", sa.String(64), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
    )
    op.create_index("ix_key_failures_client_at", "key_failures", ["client", "at"])


def downgrade() -> None:
    op.drop_index("ix_key_failures_client_at", table_name="key_failures")
    op.drop_table("key_failures")
    op.drop_index("ix_sessions_expires_at", table_name="sessions")
    op.drop_table("sessions")
