"""Letters sent by email from the user's own mailbox: one row per request and letter (unique, so a
letter is never sent twice), with its Message-ID, when the server accepted it, its status and the
server's error. (The reference token in a subject names the database by the start of its
database_id, migration 0014.)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outgoing_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", ondelete="CASCADE", name="fk_outgoing_messages_request_id_requests"),
            nullable=False,
        ),
        sa.Column(
            "document_id",
            sa.Integer(),
            sa.ForeignKey("documents.id", ondelete="CASCADE", name="fk_outgoing_messages_document_id_documents"),
            nullable=False,
        ),
        sa.Column("letter_kind", sa.String(20), nullable=False),
        sa.Column("letter_path", sa.Text(), nullable=False),
        sa.Column("to_address", sa.Text(), nullable=False),
        sa.Column("from_address", sa.Text(), nullable=False),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("accepted_at", sa.DateTime(), nullable=True),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="SET NULL", name="fk_outgoing_messages_event_id_events"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("request_id", "document_id", name="uq_outgoing_messages_request_id"),
        sa.UniqueConstraint("message_id", name="uq_outgoing_messages_message_id"),
    )
    op.create_index("ix_outgoing_messages_request_id", "outgoing_messages", ["request_id"])


def downgrade() -> None:
    op.drop_index("ix_outgoing_messages_request_id", table_name="outgoing_messages")
    op.drop_table("outgoing_messages")
