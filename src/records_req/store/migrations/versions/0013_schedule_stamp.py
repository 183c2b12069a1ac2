"""Requests: stamp the cached schedule with what it was computed from (the jurisdiction's law
entry as loaded, its closure calendar, the engine's version: schedule_cache), so that
``list``, ``due`` and the dashboard compute it again when the law data or the engine changed.

Existing rows get no stamp: the first read of each computes it again (and stores it where it can
write), as ``records-req db recompute`` does for all of them at once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.add_column(sa.Column("schedule_stamp", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("requests") as batch:
        batch.drop_column("schedule_stamp")
