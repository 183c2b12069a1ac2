"""Watches on ICE's 287(g) lists: a state, and maybe a county and a model; after each update the
new agreements that match are listed.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "watches",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("county", sa.Text(), nullable=True),
        sa.Column("model", sa.String(3), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("watches")
