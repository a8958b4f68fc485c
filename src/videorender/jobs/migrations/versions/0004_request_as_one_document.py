"""The request a job carries becomes one JSON document, `jobs.request`, written and read by
`JobRequest.to_json` / `from_json` alone, instead of a column per field (the script, the
URLs, `size`, `options`, `base_url`, `metadata_json`) copied field by field. `kind` stays a
column of its own, for queries.

Existing rows (queued jobs above all) are converted here. This revision spells the document
itself rather than importing the application's code, which may change after it is released.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TEXT_FIELDS = ("base_video_url", "bgm_url", "voiceover_url", "webhook_url")
OLD_COLUMNS = ("script", *TEXT_FIELDS, "size", "options", "base_url", "metadata_json")


def upgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("request", sa.Text))
    conn = op.get_bind()
    old = sa.table("jobs", sa.column("id"), sa.column("kind"), sa.column("request"),
                   *(sa.column(name) for name in OLD_COLUMNS))  # fmt: skip
    for row in conn.execute(sa.select(old)).mappings().all():
        conn.execute(old.update().where(old.c.id == row["id"]).values(request=_document(row)))
    with op.batch_alter_table("jobs") as batch:
        batch.alter_column("request", existing_type=sa.Text, nullable=False)
        for name in OLD_COLUMNS:
            batch.drop_column(name)


def _document(row: Any) -> str:
    values: dict[str, Any] = {"kind": row["kind"], "script": row["script"]}
    values.update({name: row[name] for name in TEXT_FIELDS if row[name] is not None})
    options = json.loads(row["options"]) if row["options"] else {}
    options = {name: value for name, value in options.items() if value}
    if row["size"]:
        options["size"] = row["size"]
    if options:
        values["options"] = options
    values["base_url"] = row["base_url"]
    if row["metadata_json"] is not None:
        values["metadata"] = json.loads(row["metadata_json"])
    return json.dumps(values, separators=(",", ":"), ensure_ascii=False)


def downgrade() -> None:
    with op.batch_alter_table("jobs") as batch:
        batch.add_column(sa.Column("script", sa.Text, nullable=False, server_default=""))
        for name in (*TEXT_FIELDS, "options", "metadata_json"):
            batch.add_column(sa.Column(name, sa.Text))
        batch.add_column(sa.Column("size", sa.String(16)))
        batch.add_column(sa.Column("base_url", sa.Text, nullable=False, server_default=""))
    conn = op.get_bind()
    table = sa.table("jobs", sa.column("id"), sa.column("request"),
                     *(sa.column(name) for name in OLD_COLUMNS))  # fmt: skip
    for row in conn.execute(sa.select(table.c.id, table.c.request)).all():
        values = json.loads(row.request)
        options = values.get("options", {})
        size = options.pop("size", None)
        conn.execute(
            table.update()
            .where(table.c.id == row.id)
            .values(
                script=values["script"],
                size=size,
                options=json.dumps(options) if options else None,
                base_url=values["base_url"],
                metadata_json=json.dumps(values["metadata"]) if "metadata" in values else None,
                **{name: values.get(name) for name in TEXT_FIELDS},
            )
        )
    with op.batch_alter_table("jobs") as batch:
        batch.drop_column("request")
