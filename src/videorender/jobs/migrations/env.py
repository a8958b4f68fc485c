"""Alembic's entry point. Always called by `videorender.jobs.db.migrate` with an open
connection in `config.attributes["connection"]`; there is no alembic.ini and no URL here."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from videorender.jobs.db import metadata

connection: Connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things: batch mode copies the table
    transaction_per_migration=True,
)
with context.begin_transaction():
    context.run_migrations()
