"""Requests: the duplicate rule held by the database. ``requests.open_key`` is an open request's
sorted topics (NULL once it closes, and for a deliberate second request made with --again), and
a unique index on (agency_id, open_key) lets only one open request per agency and set of topics
hold it, so that two campaigns or two writers at once can never both make the same request.

Existing open requests: the oldest of each agency and set of topics takes the key. Duplicates
made before this revision are kept as they are (never merged or deleted) and reported on
standard error, so that you can close the one you do not want.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-08
"""

from __future__ import annotations

import json
import sys
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _key(topics: Any) -> str:
    """As records_req.tracker.service.open_key computes it (kept here as it was)."""
    if isinstance(topics, str):
        topics = json.loads(topics)
    return json.dumps(sorted(str(t) for t in topics or []), ensure_ascii=False, separators=(",", ":"))


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("open_key", sa.Text(), nullable=True))
    requests = sa.table(
        "requests",
        sa.column("id", sa.Integer()),
        sa.column("agency_id", sa.Integer()),
        sa.column("topics", sa.JSON()),
        sa.column("closed", sa.Boolean()),
        sa.column("open_key", sa.Text()),
    )
    agencies = sa.table("agencies", sa.column("id", sa.Integer()), sa.column("name", sa.Text()))
    connection = op.get_bind()
    rows = connection.execute(
        sa.select(requests.c.id, requests.c.agency_id, requests.c.topics, agencies.c.name)
        .join(agencies, agencies.c.id == requests.c.agency_id)
        .where(requests.c.closed.is_(False))
        .order_by(requests.c.id)
    ).all()
    groups: dict[tuple[int, str], list[tuple[int, str]]] = {}
    for request_id, agency_id, topics, agency_name in rows:
        groups.setdefault((agency_id, _key(topics)), []).append((request_id, agency_name))
    for (_agency_id, key), members in groups.items():
        connection.execute(requests.update().where(requests.c.id == members[0][0]).values(open_key=key))
    with op.batch_alter_table("requests") as batch:
        batch.create_index(
            "uq_requests_open_key",
            ["agency_id", "open_key"],
            unique=True,
            sqlite_where=sa.text("open_key IS NOT NULL"),
            postgresql_where=sa.text("open_key IS NOT NULL"),
        )
    duplicates = [(key, members) for (_a, key), members in groups.items() if len(members) > 1]
    if duplicates:
        lines = [
            f"records-req: {len(duplicates)} agenc{'y has' if len(duplicates) == 1 else 'ies have'} more than one "
            "open request for the same records, made before the database enforced the rule; all are kept:"
        ]
        for key, members in duplicates:
            ids = " and ".join(f"#{request_id}" for request_id, _ in members)
            lines.append(f"  requests {ids} to {members[0][1]} for {', '.join(json.loads(key)) or 'these records'}")
        lines.append("Close the ones you do not want: records-req log ID withdrawn (--force if it was never sent).")
        print("\n".join(lines), file=sys.stderr)


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_index("uq_requests_open_key")
        batch.drop_column("open_key")
