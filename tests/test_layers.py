"""The layers, checked by reading the imports (issue 18): the doors (cli/, web/, api.py) translate
and call the library, and the store imports nothing above it.

No door imports SQLAlchemy or the ORM models (DOOR_DATABASE_USES is empty: the dashboard's accounts
moved below the doors, to records_req.accounts); a new use in a door fails here.
"""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

SRC = Path(__file__).parent.parent / "src" / "records_req"
DATABASE = ("sqlalchemy", "records_req.store.models", "records_req.store.db")

# door module -> the database modules it still imports (to move below the doors, issue 18). The command
# line, the dashboard's pages and the Python API reach the database only through the Workspace and the
# use cases below them; the dashboard's accounts are the web's own.
DOOR_DATABASE_USES: dict[str, set[str]] = {}
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


# --- the review's other rules (architecture-2026-12-b §6), read from the code ---------------------


def _graph() -> Any:
    """scripts/import_graph.py, the drawing of the imports, loaded as a module."""
    spec = importlib.util.spec_from_file_location("import_graph", SRC.parent.parent / "scripts" / "import_graph.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("import_graph", module)
    spec.loader.exec_module(module)
    return module


# The libraries worth importing inside a function, so that a command that does not use them never
# pays for them (tests/test_startup.py): the database, the documents, the web, the readers of
# files and mail, the calendars and the keyring, and the heaviest parts of the standard library.
HEAVY_LIBRARIES = frozenset(
    {"sqlalchemy", "alembic", "psycopg", "docxtpl", "docx", "reportlab", "openpyxl", "pypdf", "olefile"}
    | {"flask", "werkzeug", "jinja2", "babel", "yaml", "icalendar", "holidays", "dateutil", "keyring"}
    | {"defusedxml", "filetype", "platformdirs", "idna", "multiprocessing", "ssl", "email", "smtplib"}
    | {"imaplib", "mailbox", "sqlite3", "zipfile", "pickle", "socket", "tempfile", "urllib", "csv"}
    | {"ctypes"}  # with libpq: the PostgreSQL reader's alone (store/pq.py), never SQLite's
)
# Function-level imports outside cli/ and web/ of something that is not heavy (a light library, or
# one of ours that imports nothing heavy when loaded), by file: what the renovation still has to
# move to the top of its module, or to break apart. The counts may only shrink.
LIGHT_IMPORTS_IN_FUNCTIONS: dict[str, int] = {
    "agencies/contacts.py": 2,
    "agencies/directory.py": 7,
    "agencies/ice_lists.py": 2,
    "agencies/update.py": 1,
    "api.py": 14,
    "calendars.py": 5,
    "errors.py": 1,
    "ice/changes.py": 2,
    "ice/sheets.py": 12,
    "inbox/imap.py": 4,
    "inbox/intake.py": 6,
    "inbox/match.py": 3,
    "laws.py": 3,
    "letters/check.py": 3,
    "letters/compose.py": 7,
    "letters/docx.py": 5,
    "letters/eml.py": 1,
    "letters/pdf.py": 12,
    "letters/render.py": 2,
    "letters/request.py": 16,
    "letters/timing.py": 4,
    "lifecycle.py": 1,
    "mail/message.py": 1,
    "mail/settings.py": 2,
    "output.py": 2,
    "reports/__init__.py": 4,
    "reports/data.py": 1,
    "schedule_cache.py": 11,
    "search.py": 2,
    "store/db.py": 1,
    "store/dump.py": 1,
    "store/models.py": 1,
    "store/reader.py": 10,
    "store/urls.py": 1,
    "topics.py": 3,
    "tracker/bundle.py": 10,
    "tracker/campaign.py": 9,
    "tracker/profiles.py": 2,
    "tracker/service.py": 24,
    "tracker/views.py": 2,
    "views.py": 2,
    "wording.py": 1,
    "workspace.py": 2,
}


def _heavy_module(module: str, known: dict[str, Path], graph: Any, seen: dict[str, bool]) -> bool:
    """Whether loading one of our modules loads a heavy library (through its top-level imports,
    its packages' __init__ included)."""
    if module in seen:
        return seen[module]
    seen[module] = False  # a circle of top-level imports adds nothing heavy by itself
    parts = module.split(".")
    parents = [".".join(parts[:n]) for n in range(1, len(parts)) if ".".join(parts[:n]) in known]
    path = known[module]
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    heavy = any(_heavy_module(parent, known, graph, seen) for parent in parents)
    for item in graph.imported(path, package):
        if heavy:
            break
        if item.in_function:
            continue
        target = graph.resolve(item.name, known)
        if target is None:
            heavy = item.name.split(".")[0] in HEAVY_LIBRARIES
        elif target != module:
            heavy = _heavy_module(target, known, graph, seen)
    seen[module] = heavy
    return heavy


def light_imports_in_functions() -> dict[str, int]:
    graph = _graph()
    known: dict[str, Path] = graph.modules()
    seen: dict[str, bool] = {}
    counts: dict[str, int] = {}
    for module, path in known.items():
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(("cli/", "web/")):
            continue
        package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        for item in graph.imported(path, package):
            if not item.in_function:
                continue
            target = graph.resolve(item.name, known)
            heavy = (
                item.name.split(".")[0] in HEAVY_LIBRARIES
                if target is None
                else _heavy_module(target, known, graph, seen)
            )
            if not heavy:
                counts[relative] = counts.get(relative, 0) + 1
    return counts


def test_function_level_imports_only_at_the_doors_and_for_heavy_libraries() -> None:
    actual = light_imports_in_functions()
    grown = {f: n for f, n in actual.items() if n > LIGHT_IMPORTS_IN_FUNCTIONS.get(f, 0)}
    assert grown == {}, (
        "a light import inside a function (import it at the top of the module; only cli/, web/ and "
        f"the heavy libraries import late): {grown}"
    )
    shrunk = {f: actual.get(f, 0) for f, n in LIGHT_IMPORTS_IN_FUNCTIONS.items() if actual.get(f, 0) < n}
    assert shrunk == {}, f"fewer than listed: lower LIGHT_IMPORTS_IN_FUNCTIONS to {shrunk}"


# Outside the doors, the JSON renderers and the dump, a public function takes typed values, not a
# bag of named values (``options: dict``, any parameter typed dict[str, Any] or Mapping[str, Any]).
# The ones left, by file and function: the list may only shrink.
UNTYPED_BAGS_EXEMPT = ("cli/", "web/", "store/dump.py", "reports/json_report.py")
UNTYPED_BAGS: dict[str, set[str]] = {
    "agencies/watches.py": {"matches"},
    "inbox/imap.py": {"update"},
    "inbox/intake.py": {"confirm"},
    "letters/compose.py": {"from_json", "render_template"},
    "lifecycle.py": {"from_dict"},
    "mail/settings.py": {"update"},
    "reports/data.py": {"build"},
    "tracker/service.py": {"create_request", "edit_last", "log_event", "record_event"},
    "tracker/views.py": {"details_of"},
    "views.py": {"event_shown"},
}


def _bag(annotation: ast.expr | None) -> bool:
    if annotation is None:
        return False
    text = ast.unparse(annotation).replace(" ", "")
    return any(text == f"{kind}[str,Any]" or text.startswith(f"{kind}[str,Any]|") for kind in ("dict", "Mapping"))


def untyped_bags() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if relative.startswith(UNTYPED_BAGS_EXEMPT) or "/migrations/" in relative:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) or node.name.startswith("_"):
                continue
            arguments = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
            if any(_bag(a.annotation) for a in arguments):
                found.setdefault(relative, set()).add(node.name)
    return found


def test_public_functions_take_no_untyped_bag_of_options() -> None:
    actual = untyped_bags()
    new = {f: sorted(names - UNTYPED_BAGS.get(f, set())) for f, names in actual.items()}
    new = {f: names for f, names in new.items() if names}
    assert new == {}, f"a public function takes an untyped dict (give it typed parameters or a NamedTuple): {new}"
    gone = {f: sorted(names - actual.get(f, set())) for f, names in UNTYPED_BAGS.items()}
    gone = {f: names for f, names in gone.items() if names}
    assert gone == {}, f"no longer there: remove from UNTYPED_BAGS: {gone}"


def test_the_checks_see_a_light_import_in_a_function_and_an_options_dict(tmp_path: Path) -> None:
    graph = _graph()
    module = tmp_path / "m.py"
    module.write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import json\n"
        "def f(options: dict[str, Any]) -> None:\n    import re\n    from . import x\n"
    )
    items = graph.imported(module, "records_req.tracker")
    assert [(i.name, i.in_function) for i in items] == [
        ("typing.TYPE_CHECKING", False),
        ("re", True),
        ("records_req.tracker.x", True),
    ]
    assert _bag(ast.parse(module.read_text()).body[2].args.args[0].annotation)  # type: ignore[attr-defined]


def test_the_drawing_of_the_imports_has_no_circle_and_no_arrow_against_the_floors() -> None:
    result = subprocess.run(
        [sys.executable, str(SRC.parent.parent / "scripts" / "import_graph.py")], capture_output=True, text=True
    )
    assert "0 circles, 0 arrows against the floors" in result.stdout, result.stdout[-3000:]
    assert result.returncode == 0
    assert "4 doors" in result.stdout and "0 core" in result.stdout  # the floors, drawn top down


def test_the_drawing_sees_a_circle_and_an_upward_arrow() -> None:
    graph = _graph()
    a, b, core = "records_req.tracker.a", "records_req.tracker.b", "records_req.names"
    arrows = [graph.Arrow(a, b, 1), graph.Arrow(b, a, 1), graph.Arrow(core, a, 1)]
    assert graph.circles([a, b, core], arrows) == [[a, b]]
    assert graph.upward(arrows) == [graph.Arrow(core, a, 1)]
