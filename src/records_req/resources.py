"""Where the shipped data and templates are.

In a wheel, ``data/`` and ``templates/`` are installed inside the package. In a source checkout
(editable install, or tests run from the repository) they sit at the repository root.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent


@cache
def _shipped(name: str) -> Path:
    installed = _PACKAGE_DIR / name
    if installed.is_dir():
        return installed
    checkout = _PACKAGE_DIR.parent.parent / name
    if checkout.is_dir():
        return checkout
    raise FileNotFoundError(f"records-req is missing its '{name}' directory (looked in {installed})")


def data_dir() -> Path:
    """The directory holding ``state_pra.yaml`` and the other shipped data."""
    return _shipped("data")


def templates_dir() -> Path:
    """The directory holding the shipped letter templates."""
    return _shipped("templates")


def fonts_dir() -> Path:
    """The Unicode fonts embedded in PDFs (shipped inside the package)."""
    return _PACKAGE_DIR / "fonts"
