"""What an ICE sheet import costs at its bounds (issue 17): peak memory and time of a whole
``records-req agencies import`` process (SQLite) for ICE's real May 2026 list, the largest sheet
the bounds accept, and the bombs they refuse (built as tests/test_sheet_limits.py builds them).

Prints figures; asserts nothing. Peak memory is ru_maxrss of the process and of the child that
reads the sheet while the database starts (resource.getrusage).

    python bench/sheet_limits.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
REAL = ROOT.parent / "shared" / "data" / "ice-287g" / "participatingAgencies05182026am.xlsx"

CHILD = """
import json, resource, sys, time
from records_req.cli import cli
start = time.perf_counter()
try:
    cli.main(sys.argv[1:], prog_name="records-req", standalone_mode=True)
    code = 0
except SystemExit as exc:
    code = exc.code or 0
mine = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"code": code, "seconds": time.perf_counter() - start, "peak_kb": max(mine, children)}),
      file=sys.stderr)
"""


def largest_accepted(path: Path) -> Path:
    """49,999 agreements of ICE-like rows, each with its MOA hyperlink, names padded so that the
    parts unpack to near MAX_UNPACKED_BYTES (50 MB): 13 million characters of text."""
    from tests.sheet_files import DECL, HEADER, PKG, REL, parts, row_xml, sheet_xml, write_xlsx

    from records_req.ice.sheets import MAX_ROWS

    rows = [row_xml(1, HEADER)]
    links, rels = [], []
    for n in range(2, MAX_ROWS + 1):
        name = f"Agency {n} " + "Sheriff's Office of the County " * 6  # about 200 characters
        cells = ("TEXAS", name, "County", f"County {n}", "Task Force Model", "45845", "link")
        rows.append(row_xml(n, cells))
        links.append(f'<hyperlink ref="G{n}" r:id="rId{n}"/>')
        rels.append(
            f'<Relationship Id="rId{n}" Type="{REL}/hyperlink" '
            f'Target="https://www.ice.gov/doclib/287gMOA/Agency{n}TX_TFM_MOA_07072025.pdf" TargetMode="External"/>'
        )
    sheet = sheet_xml(rows).replace(
        "</sheetData></worksheet>",
        f'</sheetData><hyperlinks xmlns:r="{REL}">{"".join(links)}</hyperlinks></worksheet>',
    )
    members = parts(sheet=sheet)
    members["xl/worksheets/_rels/sheet1.xml.rels"] = (
        f'{DECL}<Relationships xmlns="{PKG}">{"".join(rels)}</Relationships>'
    ).encode()
    return write_xlsx(path, members)


BUILT = [  # label, builder in tests/test_sheet_limits.py (or here), file name
    ("largest accepted (49,999 rows)", "largest_accepted", "largest.xlsx"),
    ("billion laughs", "laughs", "laughs.xlsx"),
    ("zip bomb (300 MB part)", "zip_bomb", "bomb.xlsx"),
    ("shared-string bomb (600M chars)", "string_bomb", "strings.xlsx"),
    ("row 1,000,000", "many_rows", "rows.xlsx"),
    ("sparse 1 GB CSV", "sparse_csv", "sparse.csv"),
    ("damaged stream", "damaged", "damaged.xlsx"),
]


def build(folder: Path) -> None:
    from tests import test_sheet_limits as hostile

    for _, builder, name in BUILT:
        made = globals().get(builder) or getattr(hostile, builder)
        made(folder / name)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        # built in another process: a child inherits its parent's peak memory (ru_maxrss) at fork
        subprocess.run([sys.executable, __file__, "--build", str(folder)], check=True)
        cases: list[tuple[str, Path]] = []
        if REAL.exists():
            cases.append(("ICE's May 2026 list (1,843 rows)", REAL))
        cases += [(label, folder / name) for label, _, name in BUILT]
        print(f"{'case':36} {'file':>10} {'exit':>4} {'seconds':>8} {'peak MB':>8}")
        for label, path in cases:
            db = folder / f"{path.stem}.db"
            began = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-c", CHILD, "--db", f"sqlite:///{db}", "agencies", "import", str(path)],
                capture_output=True,
                text=True,
                check=False,
            )
            wall = time.perf_counter() - began
            figures = json.loads(done.stderr.strip().splitlines()[-1])
            size = path.stat().st_size
            print(
                f"{label:36} {size / 2**20:>8.2f}MB {figures['code']:>4} {wall:>8.2f} {figures['peak_kb'] / 1024:>8.0f}"
            )
            if figures["code"]:
                print(f"    {done.stderr.strip().splitlines()[0][:160]}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--build"]:
        build(Path(sys.argv[2]))
    else:
        main()
