"""The layers, checked by reading the imports (issue 18): the doors (cli/, web/, api.py) translate
and call the library, and the store imports nothing above it.

The doors' remaining uses of SQLAlchemy and the ORM models are listed in DOOR_DATABASE_USES, each a
step of the Workspace renovation still to come: the list may only shrink. A new module or a new use
in a door fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).parent.parent / "src" / "records_req"
DATABASE = ("sqlalchemy", "records_req.store.models", "records_req.store.db")

# door module -> the database modules it still imports (to move below the doors, issue 18). The command
# line, the dashboard's pages and the Python API reach the database only through the Workspace and the
# use cases below them; the dashboard's accounts are the web's own.
DOOR_DATABASE_USES: dict[str, set[str]] = {
    "web/accounts.py": {"records_req.store.models", "sqlalchemy"},
    "web/guard.py": {"records_req.store.db"},
}
# What the store may import of the rest of the program: the floors below it (the pure core: the law,
# the engine, the lifecycle and its cached schedule, the typed views it builds (records_req.views),
# ICE's sheets and their diff), never the tracker, the letters, the reports or a door.
STORE_MAY_IMPORT = (
    "records_req.store",
    "records_req.errors",
    "records_req.names",
    "records_req.paths",
    "records_req.hygiene",
    "records_req.dates",
    "records_req.laws",
    "records_req.calendars",
    "records_req.deadlines",
    "records_req.lifecycle",
    "records_req.schedule_cache",
    "records_req.views",
    "records_req.ice",
)
# Anything else the store still imports upward: the list may only shrink (it is empty).
STORE_UPWARD: dict[str, set[str]] = {}


def imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (imports inside functions count)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def database_uses(path: Path) -> set[str]:
    return {prefix for name in imports(path) for prefix in DATABASE if name == prefix or name.startswith(prefix + ".")}


def doors() -> list[Path]:
    return sorted([*(SRC / "cli").rglob("*.py"), *(SRC / "web").rglob("*.py"), SRC / "api.py"])


def test_the_doors_use_the_database_only_where_listed_and_the_list_only_shrinks() -> None:
    actual = {str(p.relative_to(SRC)): uses for p in doors() if (uses := database_uses(p))}
    new = {door: sorted(uses - DOOR_DATABASE_USES.get(door, set())) for door, uses in actual.items()}
    new = {door: uses for door, uses in new.items() if uses}
    assert new == {}, f"a door imports the database directly (call a use case below cli/ and web/): {new}"
    gone = {door: sorted(uses - actual.get(door, set())) for door, uses in DOOR_DATABASE_USES.items()}
    gone = {door: uses for door, uses in gone.items() if uses}
    assert gone == {}, f"no longer used: remove from DOOR_DATABASE_USES: {gone}"


def modules(path: Path) -> set[str]:
    """The modules a file imports (not the names it takes from them)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_the_store_imports_only_downward() -> None:
    upward = {
        str(p.relative_to(SRC)): {
            name for name in modules(p) if name.startswith("records_req") and not name.startswith(STORE_MAY_IMPORT)
        }
        for p in (SRC / "store").rglob("*.py")
    }
    new = {path: sorted(names - STORE_UPWARD.get(path, set())) for path, names in upward.items()}
    new = {path: names for path, names in new.items() if names}
    assert new == {}, f"the store imports a layer above it: {new}"
    gone = {path: sorted(names - upward.get(path, set())) for path, names in STORE_UPWARD.items()}
    gone = {path: names for path, names in gone.items() if names}
    assert gone == {}, f"no longer imported: remove from STORE_UPWARD: {gone}"


def test_the_check_sees_a_door_that_imports_the_orm(tmp_path: Path) -> None:
    door = tmp_path / "door.py"
    door.write_text("def f():\n    from records_req.store.models import Request\n    import sqlalchemy\n")
    assert database_uses(door) == {"records_req.store.models", "sqlalchemy"}
