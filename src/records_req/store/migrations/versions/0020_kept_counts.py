"""Requests: counts kept current as events are written (issue 21), so the dashboard and the lists
answer from what they show, not from every request.

- ``request_counts``: how many requests per (state, status, closed) and per month sent;
- ``request_stages``: for each request, the spans of days on which its cached answer has a due
  date, overdue or not (lifecycle.kept_of), indexed by (overdue, due date): "overdue today"
  and "due in the next 7 days" are an index range;
- ``open_reminders``: the reminders in force of the open requests, which ``due`` and the dashboard
  list;
- ``request_kept``: what each request adds to the counts now (taken away when it changes);
- indexes on requests (state, id) and (status, id): a page of the list by state or status in id
  order on PostgreSQL too.

All are filled here from the requests as stored (store.kept.rebuild), then kept by every write
(store.kept's session hook, or store.kept.recount for a writer without the ORM).

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "request_counts",
        sa.Column("name", sa.String(80), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_request_counts"),
    )
    op.create_table(
        "request_stages",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("start", sa.Date(), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("overdue", sa.Boolean(), nullable=False),
        sa.Column("jurisdiction", sa.String(2), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_request_stages_request_id_requests", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("request_id", "start", name="pk_request_stages"),
    )
    op.create_index(
        "ix_request_stages_overdue_due",
        "request_stages",
        ["overdue", "due_on", "request_id", "start", "until", "jurisdiction"],
    )
    op.create_table(
        "request_kept",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("status_name", sa.String(80), nullable=False),
        sa.Column("month_name", sa.String(80), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_request_kept_request_id_requests", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("request_id", name="pk_request_kept"),
    )
    op.create_table(
        "open_reminders",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name="fk_open_reminders_event_id_events", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name="fk_open_reminders_request_id_requests", ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("event_id", name="pk_open_reminders"),
    )
    op.create_index("ix_open_reminders_on", "open_reminders", ["on", "event_id"])
    op.create_index("ix_open_reminders_request_id", "open_reminders", ["request_id"])
    op.create_index("ix_requests_jurisdiction_id", "requests", ["jurisdiction", "id"])
    op.create_index("ix_requests_status_id", "requests", ["status", "id"])
    from records_req.store.kept import rebuild

    rebuild(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_requests_status_id", table_name="requests")
    op.drop_index("ix_requests_jurisdiction_id", table_name="requests")
    op.drop_index("ix_open_reminders_request_id", table_name="open_reminders")
    op.drop_index("ix_open_reminders_on", table_name="open_reminders")
    op.drop_table("open_reminders")
    op.drop_table("request_kept")
    op.drop_index("ix_request_stages_overdue_due", table_name="request_stages")
    op.drop_table("request_stages")
    op.drop_table("request_counts")
