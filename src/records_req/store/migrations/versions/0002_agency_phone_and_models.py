"""Agencies: a phone number, and the 287(g) models the agency is known to run.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.add_column(sa.Column("phone", sa.Text()))
        batch.add_column(sa.Column("models", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("agencies") as batch:
        batch.drop_column("models")
        batch.drop_column("phone")
