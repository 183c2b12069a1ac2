"""ICE's 287(g) lists: every imported sheet, whole, and its agreements.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ice_imports",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("file_name", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("downloaded_on", sa.Date(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("skipped", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
    )
    op.create_index("ix_ice_imports_sha256", "ice_imports", ["sha256"])
    op.create_table(
        "ice_agreements",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("import_id", sa.Integer(), sa.ForeignKey("ice_imports.id", ondelete="CASCADE"), nullable=False),
        sa.Column("row", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(2), nullable=False),
        sa.Column("agency", sa.Text(), nullable=False),
        sa.Column("agency_key", sa.Text(), nullable=False),
        sa.Column("agency_type", sa.Text(), nullable=True),
        sa.Column("county", sa.Text(), nullable=True),
        sa.Column("model", sa.String(3), nullable=False),
        sa.Column("signed", sa.Date(), nullable=True),
        sa.Column("moa_url", sa.Text(), nullable=True),
        sa.Column("addendum_url", sa.Text(), nullable=True),
        sa.Column("pending", sa.Boolean(), nullable=False),
        sa.Column("notes", sa.JSON(), nullable=False),
    )
    op.create_index("ix_ice_agreements_import_key", "ice_agreements", ["import_id", "state", "agency_key"])


def downgrade() -> None:
    op.drop_index("ix_ice_agreements_import_key", table_name="ice_agreements")
    op.drop_table("ice_agreements")
    op.drop_index("ix_ice_imports_sha256", table_name="ice_imports")
    op.drop_table("ice_imports")
