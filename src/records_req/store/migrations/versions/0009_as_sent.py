"""Requests: what the initial letter asked for, as sent (its numbered items with their date
rules, the search terms and custodians, the date windows), so that follow-ups and appeals restate
the request exactly, never rebuilt from topics that may have changed.

Existing requests keep an empty value: their later letters are rebuilt from their topics as
before, with the automatic items an initial letter carries.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("as_sent", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("as_sent")
