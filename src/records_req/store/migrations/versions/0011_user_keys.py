"""Users: a session key and a calendar address of their own, so the server can end sessions.

``users.session_key`` is a random value each signed-in session carries: signing out, changing the
password (``users passwd``) and removing the account replace it or delete it, and every session
made with the old one ends, in every process, at once. An account added again under the same name
gets a new one, so a removed account's sessions never come back. ``users.feed_token`` is the
secret part of the account's calendar address (one per account; a password change replaces it).

Existing accounts get random values: their sessions end once (they sign in again), and the one
calendar address every account shared before stops working (each subscribes again to its own).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-08
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_key", sa.String(64), nullable=True))
        batch.add_column(sa.Column("feed_token", sa.String(64), nullable=True))
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("session_key", sa.String()),
        sa.column("feed_token", sa.String()),
    )
    connection = op.get_bind()
    for (user_id,) in connection.execute(sa.select(users.c.id)).all():
        connection.execute(
            users.update()
            .where(users.c.id == user_id)
            .values(session_key=secrets.token_urlsafe(32), feed_token=secrets.token_urlsafe(32))
        )
    with op.batch_alter_table("users") as batch:
        batch.alter_column("session_key", existing_type=sa.String(64), nullable=False)
        batch.alter_column("feed_token", existing_type=sa.String(64), nullable=False)
        batch.create_unique_constraint("uq_users_feed_token", ["feed_token"])


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_constraint("uq_users_feed_token", type_="unique")
        batch.drop_column("feed_token")
        batch.drop_column("session_key")
