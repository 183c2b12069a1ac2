"""Events: an index on (kind, on), so that 'due' finds reminders without a full scan.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from __future__ import annotations

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_events_kind_on", "events", ["kind", "on"])


def downgrade() -> None:
    op.drop_index("ix_events_kind_on", table_name="events")
