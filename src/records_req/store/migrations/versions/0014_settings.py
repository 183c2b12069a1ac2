"""Settings: facts about the database itself, one row per key; the first is ``database_id``.

``database_id`` is a random identifier made once, when the database is created or migrated to
this revision, and never changed: the calendar (reports/ics.py) puts it in every event's UID, so
that two databases (a team's and a personal one) never give two events the same UID, and a
calendar that subscribes to both keeps both. A copy made with ``db import`` is another database
and gets its own.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    settings = op.create_table(
        "settings",
        sa.Column("key", sa.String(80), primary_key=True),
        sa.Column("value", sa.Text(), nullable=False),
    )
    op.bulk_insert(settings, [{"key": "database_id", "value": uuid.uuid4().hex}])


def downgrade() -> None:
    op.drop_table("settings")
