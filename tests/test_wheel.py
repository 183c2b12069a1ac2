"""The built wheel carries data/ and templates/ and works from any directory."""

from __future__ import annotations

import json
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from .conftest import REPO, subprocess_env

pytestmark = pytest.mark.slow


def test_wheel_installs_into_a_fresh_venv_and_runs_from_elsewhere(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(REPO)],
        check=True,
        env=subprocess_env(),
    )
    (wheel,) = dist.glob("records_req-*.whl")
    env_dir = tmp_path / "venv"
    venv.create(env_dir)  # no pip of its own: this pip installs into it (--python), without compiling
    bin_dir = env_dir / ("Scripts" if sys.platform == "win32" else "bin")
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "--python", str(bin_dir / "python"), "install", "-q", "--no-compile"),
            *("--no-deps", str(wheel)),
        ],
        check=True,
        env=subprocess_env(),
    )
    # The dependencies are this environment's, reached through a .pth file (found after the new
    # venv's own site-packages, and not itself a site directory: this checkout's editable install
    # is not seen); installing them again would take most of the test's time. What is tested is
    # what the wheel carries. (Its declared dependencies are what `.ci/run` installs from.)
    ours = [p for p in map(Path, sys.path) if p.name == "site-packages" and p.is_dir()]
    (theirs,) = (
        (env_dir / "lib").glob("python3*/site-packages")
        if sys.platform != "win32"
        else [env_dir / "Lib" / "site-packages"]
    )
    (theirs / "dependencies.pth").write_text("".join(f"{p}\n" for p in ours))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    result = subprocess.run(
        [str(bin_dir / "records-req"), "states"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=subprocess_env(),
    )
    assert result.returncode == 0, result.stderr
    assert "52 jurisdictions" in result.stdout
    located = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "from records_req.resources import data_dir, templates_dir;print(data_dir()); print(templates_dir())",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        check=True,
        env=subprocess_env(),
    ).stdout.split()
    assert all(str(env_dir) in p for p in located), located
    assert (Path(located[0]) / "state_pra.yaml").is_file()
    assert (Path(located[0]) / "closures.json").is_file()

    # The README's main job, from the installed wheel: letter, tracked request, report.
    home = tmp_path / "home"
    env = subprocess_env(RECORDS_REQ_HOME=str(home))
    new = subprocess.run(
        [
            str(bin_dir / "records-req"),
            "new",
            "--state",
            "FL",
            "--agency",
            "Lee County Sheriff's Office",
            "--topic",
            "wso",
            "--requester-name",
            "Ana Núñez",
            "--requester-email",
            "ana@example.org",
            "--requester-state",
            "FL",
            "--json",
        ],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert new.returncode == 0, new.stderr
    files = json.loads(new.stdout)["files"]
    assert all((elsewhere / f).is_file() for f in files.values())
    assert (home / "records.db").is_file()
    for args in (
        ["sent", "1", "--via", "email"],
        ["show", "1"],
        ["report", "--format", "pdf", "-o", "report.pdf"],
        ["report", "--format", "html", "-o", "report.html", "--lang", "es"],
    ):
        done = subprocess.run(
            [str(bin_dir / "records-req"), *args], cwd=elsewhere, capture_output=True, text=True, env=env
        )
        assert done.returncode == 0, (args, done.stderr)
    assert (elsewhere / "report.pdf").read_bytes().startswith(b"%PDF")
