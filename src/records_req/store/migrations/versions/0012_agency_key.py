"""Agencies: one key for every match. ``agencies.name_key`` and ``ice_agreements.agency_key`` are
recomputed with records_req.names.agency_key, so that "The X" and "X", curly and straight
apostrophes, "Ft." and "Fort" are one agency in the directory, new requests, campaigns, contacts
and ICE's lists alike.

Agencies that the new key makes one are never merged: the oldest keeps the key, each other one
gets a distinct key of its own ("<key> #<id>", which no name can produce), and all are reported on
standard error with their requests, so that you can decide which to keep.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07
"""

from __future__ import annotations

import sys

import sqlalchemy as sa
from alembic import op

from records_req.names import agency_key

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    connection = op.get_bind()
    agencies = sa.table(
        "agencies",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.String()),
        sa.column("name", sa.Text()),
        sa.column("name_key", sa.Text()),
    )
    rows = connection.execute(sa.select(agencies.c.id, agencies.c.state, agencies.c.name).order_by(agencies.c.id)).all()
    groups: dict[tuple[str, str], list[tuple[int, str]]] = {}
    for agency_id, state, name in rows:
        groups.setdefault((state, agency_key(name)), []).append((agency_id, name))
    # Two steps, so that no intermediate state breaks the unique (state, name_key) constraint.
    for agency_id, _state, _name in rows:
        connection.execute(agencies.update().where(agencies.c.id == agency_id).values(name_key=f"#{agency_id}"))
    collisions = []
    for (_state, key), members in groups.items():
        for index, (agency_id, _name) in enumerate(members):
            final = key if index == 0 else f"{key} #{agency_id}"
            connection.execute(agencies.update().where(agencies.c.id == agency_id).values(name_key=final))
        if len(members) > 1:
            collisions.append(members)
    agreements = sa.table(
        "ice_agreements",
        sa.column("id", sa.Integer()),
        sa.column("agency", sa.Text()),
        sa.column("agency_key", sa.Text()),
    )
    names = connection.execute(sa.select(agreements.c.agency).distinct()).scalars().all()
    for name in names:
        connection.execute(agreements.update().where(agreements.c.agency == name).values(agency_key=agency_key(name)))
    if collisions:
        lines = [
            f"records-req: {len(collisions)} set{'' if len(collisions) == 1 else 's'} of agencies now have the "
            "same name under the one agency key; they are kept apart (never merged):"
        ]
        for members in collisions:
            lines.append("  " + "; ".join(f"#{agency_id} {name!r}" for agency_id, name in members))
        lines.append("The first of each set is the one new requests and ICE's lists now find.")
        print("\n".join(lines), file=sys.stderr)


def downgrade() -> None:
    """The old key (case and spacing folded, curly apostrophes straightened); a set of agencies
    that the old key would make one keeps distinct keys as in upgrade()."""
    connection = op.get_bind()
    agencies = sa.table(
        "agencies",
        sa.column("id", sa.Integer()),
        sa.column("state", sa.String()),
        sa.column("name", sa.Text()),
        sa.column("name_key", sa.Text()),
    )
    rows = connection.execute(sa.select(agencies.c.id, agencies.c.state, agencies.c.name).order_by(agencies.c.id)).all()
    for agency_id, _state, _name in rows:
        connection.execute(agencies.update().where(agencies.c.id == agency_id).values(name_key=f"#{agency_id}"))
    seen: set[tuple[str, str]] = set()
    for agency_id, state, name in rows:
        old = " ".join(name.replace("\u2019", "'").lower().split())
        key = old if (state, old) not in seen else f"{old} #{agency_id}"
        seen.add((state, old))
        connection.execute(agencies.update().where(agencies.c.id == agency_id).values(name_key=key))
