"""The agency's replies (issue 20, section 3): the messages taken in (raw bytes kept by hash in the
data directory), their attachments, the files received (stored once by hash) with their text per
page, the events read from each reply waiting for the user's confirmation, and where each IMAP
folder was read up to (UIDVALIDITY and the last UID).

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbound_messages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("message_id", sa.Text(), nullable=True),
        sa.Column("in_reply_to", sa.Text(), nullable=True),
        sa.Column("references", sa.Text(), nullable=True),
        sa.Column("from_address", sa.Text(), nullable=True),
        sa.Column("from_name", sa.Text(), nullable=True),
        sa.Column("to_address", sa.Text(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("raw_path", sa.Text(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_from", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column(
            "request_id",
            sa.Integer(),
            sa.ForeignKey("requests.id", ondelete="SET NULL", name="fk_inbound_messages_request_id_requests"),
            nullable=True,
        ),
        sa.Column("matched_by", sa.String(20), nullable=True),
        sa.Column("match_note", sa.Text(), nullable=True),
        sa.Column("notes", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("sha256", name="uq_inbound_messages_sha256"),
    )
    op.create_index("ix_inbound_messages_message_id", "inbound_messages", ["message_id"])
    op.create_index("ix_inbound_messages_request_id", "inbound_messages", ["request_id"])
    op.create_table(
        "received_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("extension", sa.String(10), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("text_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_table(
        "received_pages",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "sha256",
            sa.String(64),
            sa.ForeignKey("received_files.sha256", ondelete="CASCADE", name="fk_received_pages_sha256_received_files"),
            nullable=False,
        ),
        sa.Column("page", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.UniqueConstraint("sha256", "page", name="uq_received_pages_sha256"),
    )
    op.create_table(
        "message_attachments",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey(
                "inbound_messages.id", ondelete="CASCADE", name="fk_message_attachments_message_id_inbound_messages"
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column(
            "sha256",
            sa.String(64),
            sa.ForeignKey(
                "received_files.sha256", ondelete="SET NULL", name="fk_message_attachments_sha256_received_files"
            ),
            nullable=True,
        ),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
    )
    op.create_index("ix_message_attachments_message_id", "message_attachments", ["message_id"])
    op.create_table(
        "inbox_proposals",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "message_id",
            sa.Integer(),
            sa.ForeignKey(
                "inbound_messages.id", ondelete="CASCADE", name="fk_inbox_proposals_message_id_inbound_messages"
            ),
            nullable=False,
        ),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column(
            "event_id",
            sa.Integer(),
            sa.ForeignKey("events.id", ondelete="SET NULL", name="fk_inbox_proposals_event_id_events"),
            nullable=True,
        ),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_inbox_proposals_message_id", "inbox_proposals", ["message_id"])
    op.create_table(
        "imap_folders",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("account", sa.Text(), nullable=False),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("uidvalidity", sa.BigInteger(), nullable=False),
        sa.Column("last_uid", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("account", "folder", name="uq_imap_folders_account"),
    )


def downgrade() -> None:
    op.drop_table("imap_folders")
    op.drop_index("ix_inbox_proposals_message_id", table_name="inbox_proposals")
    op.drop_table("inbox_proposals")
    op.drop_index("ix_message_attachments_message_id", table_name="message_attachments")
    op.drop_table("message_attachments")
    op.drop_table("received_pages")
    op.drop_table("received_files")
    op.drop_index("ix_inbound_messages_request_id", table_name="inbound_messages")
    op.drop_index("ix_inbound_messages_message_id", table_name="inbound_messages")
    op.drop_table("inbound_messages")
