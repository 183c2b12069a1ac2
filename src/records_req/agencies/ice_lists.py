"""ICE's 287(g) lists in the database: imports, ICE's newest list of each kind, what changed, each
agency's agreements. Every import is kept whole (file hash, rows, what was skipped), so any two
imports can be compared; contact details users added to an agency are never touched by an import.

"The newest list" has one answer, :func:`newest_import` (ICE's own date, records_req.ice.changes.newest),
and an agency's rows are matched by the one agency key (records_req.names.agency_key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from records_req.ice.changes import AgreementRow, ImportInfo
from records_req.ice.sheets import MOA_NOTE, MODEL_NAMES, DatedBy, ListDate, Reading, Sheet
from records_req.names import agency_key
from records_req.store.models import Agency, IceAgreement, IceImport

if TYPE_CHECKING:
    from records_req.letters.compose import ListedAgreement


class ImportResult(NamedTuple):
    import_id: int
    new: bool  # False: this very file was imported before, and nothing changed
    sheet: Sheet | None
    agreements: int
    agencies: int
    dated: ListDate  # the list's date and how it is known (for a re-import: as first imported)
    newest: bool  # it is now ICE's newest list of its kind in the database

    def to_dict(self, path: Path) -> dict[str, Any]:
        sheet = self.sheet
        return {
            "file": str(path),
            "kind": sheet.kind if sheet else None,
            "listed_on": self.dated.listed_on.isoformat(),
            "dated_by": self.dated.dated_by,
            "downloaded_on": self.dated.downloaded_on.isoformat() if self.dated.downloaded_on else None,
            "newest": self.newest,
            "rows": len(sheet.agreements) + len(sheet.skipped) if sheet else None,
            "agreements": self.agreements,
            "agencies": self.agencies,
            "skipped": [{"row": s.row, "reason": s.reason} for s in sheet.skipped] if sheet else [],
            "warnings": self.warnings(),
            "import_id": self.import_id,
            "new": self.new,
        }

    def warnings(self) -> list[dict[str, Any]]:
        """Rows whose MOA link's file name disagrees with the sheet (the agency's name, or the
        signing date): ``agencies show`` repeats them as notes."""
        if self.sheet is None:
            return []
        return [
            {"row": a.row, "state": a.state, "agency": a.agency, "model": a.model, "warning": note}
            for a in self.sheet.agreements
            for note in a.notes
            if note.startswith(MOA_NOTE)
        ]


def file_hash(path: Path) -> str:
    """The file's SHA-256, read in chunks (never the whole file in memory)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def import_sheet(
    session: Session,
    source: Path | bytes,
    *,
    downloaded_on: dt.date | None = None,
    file_name: str | None = None,
    fallback: tuple[dt.date, DatedBy] | None = None,
    reading: Reading | None = None,
) -> ImportResult:
    """Import one of ICE's sheets, a file or its bytes (then ``file_name`` is required); the same
    sheet twice changes nothing. The list is dated by the date in ICE's file name (``file_name``,
    default the path's), else by ``downloaded_on``, else by ``fallback``, a date and how it is
    known (default: the file's modification time; for bytes, today as the upload date); the result
    says which. ``reading``: the sheet, already being read (ice.sheets.read_in_background)."""
    from records_req.ice.sheets import check_file, list_date, read_sheet

    if isinstance(source, bytes):
        if file_name is None:
            raise ValueError("import_sheet: a sheet given as bytes needs its file_name")
        import tempfile

        from records_req.dates import today

        with tempfile.TemporaryDirectory(prefix="records-req-sheet-") as folder:
            path = Path(folder) / f"sheet{Path(file_name).suffix.lower()}"
            path.write_bytes(source)
            return import_sheet(
                session,
                path,
                downloaded_on=downloaded_on,
                file_name=file_name,
                fallback=fallback or (today(), "upload date"),
                reading=reading,
            )
    path = source
    name = file_name or path.name
    check_file(path, name)  # the suffix and the size, before the file is hashed or read
    fallback_on, fallback_by = fallback or (dt.date.fromtimestamp(path.stat().st_mtime), "file date")
    digest = file_hash(path)
    earlier = session.scalars(select(IceImport).where(IceImport.sha256 == digest)).first()
    if earlier is not None:  # counted in the database, not by loading 1,843 rows
        from sqlalchemy import func

        of_it = IceAgreement.import_id == earlier.id
        count = session.scalar(select(func.count()).select_from(IceAgreement).where(of_it)) or 0
        keys = select(IceAgreement.state, IceAgreement.agency_key).where(of_it).distinct().subquery()
        agencies = session.scalar(select(func.count()).select_from(keys)) or 0
        if reading is not None:
            reading.cancel()
        dated = ListDate(earlier.listed_on, earlier.dated_by, earlier.downloaded_on)  # type: ignore[arg-type]
        latest = newest_import(session, earlier.kind)
        return ImportResult(
            earlier.id, False, None, count, agencies, dated, latest is not None and latest.id == earlier.id
        )
    sheet = reading.result() if reading is not None else read_sheet(path)
    dated = list_date(name, downloaded_on, fallback_on, fallback_by)
    record = IceImport(
        file_name=name,
        sha256=digest,
        kind=sheet.kind,
        listed_on=dated.listed_on,
        dated_by=dated.dated_by,
        downloaded_on=dated.downloaded_on,
        rows=len(sheet.agreements) + len(sheet.skipped),
        skipped=[{"row": s.row, "reason": s.reason} for s in sheet.skipped],
    )
    session.add(record)
    session.flush()
    if sheet.agreements:  # one executemany, not 1,843 ORM objects
        session.connection().execute(
            insert(IceAgreement),
            [
                {
                    "import_id": record.id,
                    "row": a.row,
                    "state": a.state,
                    "agency": a.agency,
                    "agency_key": agency_key(a.agency),
                    "agency_type": a.agency_type,
                    "county": a.county,
                    "model": a.model,
                    "signed": a.signed,
                    "moa_url": a.moa_url,
                    "addendum_url": a.addendum_url,
                    "pending": a.pending,
                    "notes": list(a.notes),
                }
                for a in sheet.agreements
            ],
        )
    _add_listed_agencies(session, sheet)
    latest = newest_import(session, sheet.kind)
    if sheet.kind == "participating" and latest is not None and latest.id == record.id:
        sync_models(session)  # an older list imported now changes nothing of the newest's models
    return ImportResult(
        record.id,
        True,
        sheet,
        len(sheet.agreements),
        sheet.agencies,
        dated,
        latest is not None and latest.id == record.id,
    )


def _add_listed_agencies(session: Session, sheet: Sheet) -> None:
    """The directory gains every agency on the list; contact details are never erased."""
    from records_req.store.models import utcnow

    names: dict[tuple[str, str], str] = {}
    for a in sheet.agreements:
        names.setdefault((a.state, agency_key(a.agency)), a.agency)
    known = {(state, key) for state, key in session.execute(select(Agency.state, Agency.name_key))}
    added = [
        {"state": state, "name": name, "name_key": key, "created_at": utcnow()}
        for (state, key), name in names.items()
        if (state, key) not in known
    ]
    if added:  # executemany, not an object per agency
        session.connection().execute(insert(Agency), added)


def listed_models(session: Session) -> dict[tuple[str, str], str]:
    """The 287(g) models of each agency on ICE's newest participating list, by (state, the
    directory's name key): ``"TFM; WSO"``. What the agency listings show and filter by."""
    latest = newest_import(session, "participating")
    if latest is None:
        return {}
    found: dict[tuple[str, str], set[str]] = {}
    for state, key, model in session.execute(
        select(IceAgreement.state, IceAgreement.agency_key, IceAgreement.model).where(
            IceAgreement.import_id == latest.id
        )
    ):
        found.setdefault((state, key), set()).add(model)
    return {key: "; ".join(sorted(models)) for key, models in found.items()}


def sync_models(session: Session) -> None:
    """Each agency's ``models`` as ICE's newest participating list gives them. An agency that
    list does not name keeps what it had (``agencies set --models`` may have recorded it)."""
    from sqlalchemy import bindparam, update

    listed = listed_models(session)
    changed = [
        {"agency_id": aid, "listed": listed[(state, key)]}
        for aid, state, key, had in session.execute(select(Agency.id, Agency.state, Agency.name_key, Agency.models))
        if (state, key) in listed and had != listed[(state, key)]
    ]
    if changed:
        statement = update(Agency).where(Agency.id == bindparam("agency_id")).values(models=bindparam("listed"))
        session.connection().execute(statement.execution_options(synchronize_session=False), changed)


def imports(session: Session) -> list[IceImport]:
    return list(session.scalars(select(IceImport).order_by(IceImport.id)))


def import_dict(imp: IceImport, newest_ids: set[int] | None = None) -> dict[str, Any]:
    """One import as the listing shows it; ``newest``: it is ICE's newest list of its kind here."""
    return {
        "import_id": imp.id,
        "file": imp.file_name,
        "kind": imp.kind,
        "listed_on": imp.listed_on.isoformat(),
        "dated_by": imp.dated_by,
        "downloaded": imp.downloaded_on.isoformat() if imp.downloaded_on else None,
        "newest": imp.id in (newest_ids or set()),
        "rows": imp.rows,
        "agreements": len(imp.agreements),
        "skipped": len(imp.skipped or []),
    }


def import_rows(session: Session) -> list[dict[str, Any]]:
    """Every import in import order, as the listing shows it (:func:`import_dict`), each marked
    ``newest`` where it is ICE's newest list of its kind here."""
    latest = {i.id for i in (newest_import(session, k) for k in ("participating", "pending")) if i is not None}
    return [import_dict(i, latest) for i in imports(session)]


def import_infos(session: Session, kind: str) -> list[ImportInfo]:
    """The imports of one kind, in import order."""
    found = session.execute(
        select(IceImport.id, IceImport.file_name, IceImport.downloaded_on, IceImport.listed_on, IceImport.dated_by)
        .where(IceImport.kind == kind)
        .order_by(IceImport.id)
    )
    return [ImportInfo(*row) for row in found]


def newest_import(session: Session, kind: str = "participating") -> IceImport | None:
    """ICE's newest list of this kind (records_req.ice.changes.newest: by the list's own date,
    never by when it was downloaded or imported)."""
    from records_req.ice.changes import newest

    latest = newest(import_infos(session, kind))
    return session.get(IceImport, latest.import_id) if latest is not None else None


def list_dict(imp: IceImport | None) -> dict[str, Any] | None:
    """Which list something is built from, as campaigns and listings name it."""
    if imp is None:
        return None
    return {
        "import_id": imp.id,
        "file": imp.file_name,
        "kind": imp.kind,
        "listed_on": imp.listed_on.isoformat(),
        "dated_by": imp.dated_by,
        "downloaded_on": imp.downloaded_on.isoformat() if imp.downloaded_on else None,
    }


def agreements_of(session: Session, state: str, name: str) -> list[IceAgreement]:
    """The agency's agreements on the newest participating list, then its pending applications.
    Only the agency's rows are read (index ``ix_ice_agreements_import_key``): ``new`` asks this
    for every letter."""
    found: list[IceAgreement] = []
    for kind in ("participating", "pending"):
        newest = newest_import(session, kind)
        if newest is not None:
            found += session.scalars(
                select(IceAgreement)
                .where(
                    IceAgreement.import_id == newest.id,
                    IceAgreement.state == state.upper(),
                    IceAgreement.agency_key == agency_key(name),
                )
                .order_by(IceAgreement.id)
            )
    return found


class AgencyAgreement(NamedTuple):
    """One of an agency's agreements on ICE's newest lists (a pending application that a later
    participating list shows signed is left out)."""

    state: str
    model: str  # WSO, JEM or TFM
    model_name: str  # "Warrant Service Officer"...
    signed: dt.date | None
    pending: bool  # an application on ICE's pending list
    pending_since: dt.date | None  # a pending application: the date of the first pending list that named it
    moa_url: str | None
    addendum_url: str | None
    agency: str  # the name as ICE's list writes it
    agency_type: str | None
    county: str | None
    notes: tuple[str, ...]  # ICE's notes and the sheet reader's warnings (MOA_NOTE...)

    def to_dict(self) -> dict[str, Any]:
        """As ``agencies show --json`` gives it: ICE's row (records_req.ice.changes.AgreementRow), and
        ``pending_since`` on a pending application."""
        row = AgreementRow(
            0,
            self.state,
            self.agency,
            "",
            self.agency_type,
            self.county,
            self.model,
            self.signed,
            self.moa_url,
            self.addendum_url,
            self.pending,
            list(self.notes),
        ).to_dict()
        if self.pending:
            row["pending_since"] = self.pending_since.isoformat() if self.pending_since else None
        return row


def agency_agreements(session: Session, state: str, name: str) -> list[AgencyAgreement]:
    """The agency's agreements on ICE's newest lists (:func:`current`); a pending application
    carries ``pending_since``, the date of the first pending list that named it (ICE's date in
    the list's file name, or the day it was downloaded)."""
    from sqlalchemy import func

    rows = []
    for a in current(agreements_of(session, state, name)):
        first = None
        if a.pending:
            first = session.scalar(
                select(func.min(IceImport.listed_on))
                .join(IceAgreement, IceAgreement.import_id == IceImport.id)
                .where(
                    IceImport.kind == "pending",
                    IceAgreement.state == a.state,
                    IceAgreement.agency_key == a.agency_key,
                    IceAgreement.model == a.model,
                )
            )
        rows.append(
            AgencyAgreement(
                state=a.state,
                model=a.model,
                model_name=MODEL_NAMES.get(a.model, a.model),  # type: ignore[call-overload]
                signed=a.signed,
                pending=a.pending,
                pending_since=first,
                moa_url=a.moa_url,
                addendum_url=a.addendum_url,
                agency=a.agency,
                agency_type=a.agency_type,
                county=a.county,
                notes=tuple(a.notes or ()),
            )
        )
    return rows


def listed_agreements(session: Session, state: str, name: str) -> tuple[ListedAgreement, ...]:
    """What an initial letter may say about the agency's place on ICE's newest lists. A pending
    application that a later participating list shows signed is no longer pending, and is left out."""
    return listed_from(agreements_of(session, state, name))


def listed_by_agency(session: Session) -> dict[tuple[str, str], tuple[ListedAgreement, ...]]:
    """:func:`listed_agreements` for every agency at once, by (state, name key): two queries
    instead of four per agency, for a campaign."""
    found: dict[tuple[str, str], list[IceAgreement]] = {}
    for kind in ("participating", "pending"):
        newest = newest_import(session, kind)
        if newest is not None:
            rows = session.scalars(
                select(IceAgreement).where(IceAgreement.import_id == newest.id).order_by(IceAgreement.id)
            )
            for a in rows:
                found.setdefault((a.state, a.agency_key), []).append(a)
    return {key: listed_from(rows) for key, rows in found.items()}


def current(found: Sequence[IceAgreement]) -> list[IceAgreement]:
    """An agency's rows on the newest lists, less a pending application that a participating
    list of the same date or later shows signed (it is no longer pending): what letters say and
    ``agencies show`` lists."""
    signed = {(a.model, a.ice_import.listed_on) for a in found if not a.pending}
    return [
        a for a in found if not (a.pending and any(m == a.model and on >= a.ice_import.listed_on for m, on in signed))
    ]


def listed_from(found: Sequence[IceAgreement]) -> tuple[ListedAgreement, ...]:
    from records_req.letters.compose import ListedAgreement

    return tuple(
        ListedAgreement(
            model_name=MODEL_NAMES.get(a.model, a.model),  # type: ignore[call-overload]
            signed=a.signed,
            moa_url=a.moa_url,
            pending=a.pending,
            listed_on=a.ice_import.listed_on,
            listed_by=a.ice_import.dated_by,
        )
        for a in current(found)
    )


def changes(session: Session, since_import: int | None = None, kind: str = "participating") -> dict[str, Any]:
    """What changed between two imports of one kind (the newest and the one before it, or
    ``since_import``): agreements added, removed, renamed and changed (records_req.ice.changes)."""
    from records_req.ice.changes import COLUMNS, diff, pick

    older, newest = pick(import_infos(session, kind), since_import)
    columns = [getattr(IceAgreement, c) for c in COLUMNS]

    def rows(info: ImportInfo) -> list[AgreementRow]:
        found = session.execute(select(*columns).where(IceAgreement.import_id == info.import_id))
        return [AgreementRow(*r) for r in found]

    return diff(older, newest, rows(older), rows(newest))
