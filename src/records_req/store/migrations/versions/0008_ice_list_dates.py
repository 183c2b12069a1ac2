"""ICE's lists: each import's own date (ICE's, from the file name) and how it is known; the
download date only when the user gave it.

Existing imports are dated by the date in their stored file name
(``participatingAgencies05182026am.xlsx`` is 2026-05-18), else by their download date, which
they keep.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# As records_req.ice.sheets.date_in_list_name reads ICE's file names (kept here as it was, so
# this migration means the same thing whatever that module becomes).
_LIST_NAME = re.compile(
    r"^(participating|pending)agencies(\d{2})(\d{2})(\d{4})(am|pm)?(?:[ _-]*\(?\d{1,3}\)?)?\.[a-z]+$", re.IGNORECASE
)


def _named(file_name: str) -> dt.date | None:
    match = _LIST_NAME.match(file_name.strip())
    if not match:
        return None
    try:
        return dt.date(int(match[4]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def upgrade() -> None:
    with op.batch_alter_table("ice_imports") as batch:
        batch.add_column(sa.Column("listed_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("dated_by", sa.String(20), nullable=True))
    imports = sa.table(
        "ice_imports",
        sa.column("id", sa.Integer()),
        sa.column("file_name", sa.Text()),
        sa.column("downloaded_on", sa.Date()),
        sa.column("listed_on", sa.Date()),
        sa.column("dated_by", sa.String(20)),
    )
    connection = op.get_bind()
    for import_id, file_name, downloaded_on in connection.execute(
        sa.select(imports.c.id, imports.c.file_name, imports.c.downloaded_on)
    ).all():
        named = _named(file_name)
        connection.execute(
            imports.update()
            .where(imports.c.id == import_id)
            .values(listed_on=named or downloaded_on, dated_by="file name" if named else "downloaded")
        )
    with op.batch_alter_table("ice_imports") as batch:
        batch.alter_column("listed_on", existing_type=sa.Date(), nullable=False)
        batch.alter_column("dated_by", existing_type=sa.String(20), nullable=False)
        batch.alter_column("downloaded_on", existing_type=sa.Date(), nullable=True)


def downgrade() -> None:
    imports = sa.table(
        "ice_imports",
        sa.column("downloaded_on", sa.Date()),
        sa.column("listed_on", sa.Date()),
    )
    op.get_bind().execute(
        imports.update().where(imports.c.downloaded_on.is_(None)).values(downloaded_on=imports.c.listed_on)
    )
    with op.batch_alter_table("ice_imports") as batch:
        batch.alter_column("downloaded_on", existing_type=sa.Date(), nullable=False)
        batch.drop_column("dated_by")
        batch.drop_column("listed_on")
