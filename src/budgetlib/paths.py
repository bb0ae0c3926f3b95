"""Paths: every project folder, derived from the project root, each overridable by environment.

Takes the environment; gives the folders the pipeline reads and writes. ``BUDGETLIB_ROOT``
moves the whole project; ``BUDGETLIB_RAW``, ``BUDGETLIB_PROCESSED`` and ``BUDGETLIB_REPORTS``
move one folder each.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["project_root", "raw_dir", "processed_dir", "reports_dir"]


def project_root() -> Path:
    """The project root: ``BUDGETLIB_ROOT`` or the folder holding ``pyproject.toml``."""
    env = os.environ.get("BUDGETLIB_ROOT")
    if env:
        return Path(env)
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists() and (parent / "data").is_dir():
            return parent
    return Path.cwd()


def _folder(variable: str, default: str) -> Path:
    env = os.environ.get(variable)
    return Path(env) if env else project_root() / default


def raw_dir() -> Path:
    return _folder("BUDGETLIB_RAW", "data/raw")


def processed_dir() -> Path:
    return _folder("BUDGETLIB_PROCESSED", "data/processed")


def reports_dir() -> Path:
    return _folder("BUDGETLIB_REPORTS", "reports")
