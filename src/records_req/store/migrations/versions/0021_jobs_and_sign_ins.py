"""The dashboard's long jobs and its failed sign-ins, kept in the database (issue 19).

- ``jobs``: a campaign's letters being written, or a campaign's letters being sent by email, from
  the dashboard: what it runs with (``params``), how far it is (``done`` of ``total``), its result
  or error, and the server process that runs it (``runner``, ``beat_at``), so that a restart shows
  it interrupted and offers to resume it. ``active`` holds a digest of the job's kind and campaign
  while it runs, unique: a second start of the same job is refused by the database itself.
- ``sign_in_failures``: one row per failed sign-in, per client address and per account name, so
  that the throttle's moving windows survive a restart and are shared by every server process.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("tag", sa.Text(), nullable=False),
        sa.Column("active", sa.String(64), nullable=True),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_by", sa.String(80), nullable=True),
        sa.Column("runner", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.UniqueConstraint("active", name="uq_jobs_active"),
    )
    op.create_table(
        "sign_in_failures",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("key", sa.String(100), nullable=False),
        sa.Column("at", sa.Float(), nullable=False),
    )
    op.create_index("ix_sign_in_failures_scope_key_at", "sign_in_failures", ["scope", "key", "at"])
    op.create_index("ix_sign_in_failures_at", "sign_in_failures", ["at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_failures_at", table_name="sign_in_failures")
    op.drop_index("ix_sign_in_failures_scope_key_at", table_name="sign_in_failures")
    op.drop_table("sign_in_failures")
    op.drop_table("jobs")
