"""The drawing of the imports: which floor each module of records_req stands on, what it imports,
and any circle or arrow against the floors (issue 18).

    python scripts/import_graph.py            # the floors, then the circles and upward arrows
    python scripts/import_graph.py --edges    # and every arrow between two packages

The floors, lowest first: the core's leaf modules (the law, the engine, the lifecycle, the views'
shapes, the words, ICE's sheet reader); the store; the wings (accounts, agencies, letters, tracker, reports,
inbox, mail, search); the front hall (workspace, api); the doors (cli, web). A module may import
its own floor and the floors below it; an import from a lower floor to a higher one is an arrow
against the floors. The imports are read with ast, not run: every ``import`` counts, at the top of
a module or inside a function (a function-level import is still a dependency), except those under
``if TYPE_CHECKING:`` (types only, never executed). A circle is a set of modules that import each
other, directly or through others (a strongly connected component of more than one module).

Exit status: 0 when there is no circle and no upward arrow, 1 otherwise.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

SRC = Path(__file__).resolve().parent.parent / "src" / "records_req"
PACKAGE = "records_req"

FLOORS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("core", ()),  # every top-level module not named below, and ice/ (a pure sheet reader)
    ("store", ("store",)),
    ("wings", ("accounts", "agencies", "letters", "tracker", "reports", "inbox", "mail", "search")),
    ("front hall", ("workspace", "api")),
    ("doors", ("cli", "web", "__main__")),
)


class Arrow(NamedTuple):
    source: str
    target: str
    line: int


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def floor_of(module: str) -> int:
    """The floor's number (0 the lowest) of a module, by its first name under the package."""
    parts = module.split(".")
    first = parts[1] if len(parts) > 1 else ""
    for number, (_, names) in enumerate(FLOORS):
        if first in names:
            return number
    return 0


def _type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_nodes(tree: ast.AST, in_function: bool = False) -> Iterator[tuple[ast.AST, bool]]:
    """Every node with whether it sits inside a function, leaving out the bodies of ``if
    TYPE_CHECKING:`` blocks."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node.test):
            for other in node.orelse:
                yield other, in_function
                yield from _runtime_nodes(other, in_function)
            continue
        yield node, in_function
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
        yield from _runtime_nodes(node, inside)


class Imported(NamedTuple):
    """One name an import statement reaches: ``from a.b import c`` gives ``a.b.c`` (the module
    ``a.b.c`` if there is one, else the name ``c`` of ``a.b``)."""

    name: str
    line: int
    in_function: bool


def imported(path: Path, package: str) -> list[Imported]:
    """What a file imports when it runs (relative imports resolved against ``package``)."""
    found: list[Imported] = []
    for node, in_function in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [Imported(alias.name, node.lineno, in_function) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found += [Imported(f"{base}.{alias.name}", node.lineno, in_function) for alias in node.names]
    return found


def resolve(name: str, known: dict[str, Path]) -> str | None:
    """The package's module a dotted name lies in (``records_req.x.y`` of the name ``...x.y.z``)."""
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def arrows(known: dict[str, Path]) -> list[Arrow]:
    """Each import of one of the package's modules by another, at the top of a module or inside a
    function (an import of a package also runs its ``__init__``: not drawn, it is one floor)."""
    found: list[Arrow] = []
    for source, path in known.items():
        package = source if path.name == "__init__.py" else source.rpartition(".")[0]
        for item in imported(path, package):
            target = resolve(item.name, known)
            if target and target != source:
                found.append(Arrow(source, target, item.line))
    return found


def upward(found: list[Arrow]) -> list[Arrow]:
    return [a for a in found if floor_of(a.target) > floor_of(a.source)]


def circles(names: list[str], found: list[Arrow]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    graph: dict[str, set[str]] = {name: set() for name in names}
    for a in found:
        graph[a.source].add(a.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10 * len(names)))
    for name in sorted(graph):
        if name not in index:
            visit(name)
    return sorted(out)


def short(module: str) -> str:
    return module.removeprefix(PACKAGE + ".")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edges", action="store_true", help="also print every arrow between two packages")
    args = parser.parse_args(argv)
    known = modules()
    found = arrows(known)
    for number in range(len(FLOORS) - 1, -1, -1):
        members = sorted(short(m) for m in known if floor_of(m) == number)
        print(f"{number} {FLOORS[number][0]} ({len(members)} modules)")
        print("  " + " ".join(members))
    if args.edges:
        edges = sorted({(short(a.source).split(".")[0], short(a.target).split(".")[0]) for a in found})
        print("arrows between packages:")
        for source, target in edges:
            if source != target:
                print(f"  {source} -> {target}")
    rings = circles(sorted(known), found)
    against = upward(found)
    print(f"{len(found)} imports, {len(rings)} circles, {len(against)} arrows against the floors")
    for ring in rings:
        print("circle: " + " <-> ".join(short(m) for m in ring))
    for a in against:
        print(
            f"upward: {short(a.source)}:{a.line} ({FLOORS[floor_of(a.source)][0]}) imports "
            f"{short(a.target)} ({FLOORS[floor_of(a.target)][0]})"
        )
    return 1 if rings or against else 0


if __name__ == "__main__":
    sys.exit(main())
