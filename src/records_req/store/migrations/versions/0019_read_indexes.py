"""Requests: the indexes the fast read path uses at 100,000 requests (issue 21).

- ``ix_requests_schedule_stamp``: whether any cached schedule may be stale is answered by a walk
  over the distinct stamps (a few dozen index seeks: store.reader.Reader.all_fresh), not a scan;
- ``ix_requests_closed_id``: the open (or closed) requests in id order, so that ``list --status
  open``, ``due`` and the dashboard's lists read the open requests, not the whole table.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_requests_schedule_stamp", "requests", ["schedule_stamp"])
    op.create_index("ix_requests_closed_id", "requests", ["closed", "id"])


def downgrade() -> None:
    op.drop_index("ix_requests_closed_id", table_name="requests")
    op.drop_index("ix_requests_schedule_stamp", table_name="requests")
