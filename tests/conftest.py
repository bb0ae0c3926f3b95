"""Shared fixtures: paths to the sample documents and their hand-read expected values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SHARED_EXPECTED = ROOT.parent / "shared" / "corpus" / "expected.json"
LOCAL_EXPECTED = Path(__file__).resolve().parent / "data" / "expected.json"

#: Python source of ``peak_mb()``, the peak memory (MB) of the process running it, for tests that
#: measure a reader in a fresh interpreter. Read from VmHWM: ``ru_maxrss`` would include the
#: memory of the test process that started it (Linux keeps it across exec).
PEAK_MB_SOURCE = """
def peak_mb():
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmHWM:"))
"""
needs_proc = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="peak memory is read from /proc (Linux)")


def load_expected() -> dict[str, dict[str, object]]:
    """Hand-read values (../shared/corpus/expected.json when present, else the committed copy)."""
    path = SHARED_EXPECTED if SHARED_EXPECTED.exists() else LOCAL_EXPECTED
    data = json.loads(path.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def text_samples() -> list[str]:
    """The text samples in data/raw that have hand-read values."""
    return sorted(name for name in load_expected() if (RAW / name).exists() and name.endswith(".txt"))


def pdf_samples() -> list[str]:
    """The PDFs in data/raw with hand-read values (not those expected to fail)."""
    return sorted(
        name for name, fields in load_expected().items()
        if (RAW / name).exists() and name.endswith(".pdf") and "expect_error" not in fields
    )


def error_samples() -> list[str]:
    """Files in data/raw that must end as a clear error (expected.json's expect_error)."""
    return sorted(name for name, fields in load_expected().items() if (RAW / name).exists() and "expect_error" in fields)


def mismatches(expected: dict[str, object], row: dict[str, object], tolerance: float = 0.01) -> list[str]:
    """Fields of ``row`` that do not match ``expected`` (None = must be blank; list = any of)."""
    problems = []
    for field, want in expected.items():
        if field.startswith("expect_"):
            continue
        got = row.get(field)
        options = want if isinstance(want, list) else [want]
        if not any(_same(got, option, tolerance) for option in options):
            problems.append(f"{field}: expected {want!r}, got {got!r}")
    return problems


def _same(got: object, want: object, tolerance: float) -> bool:
    if want is None:
        return got is None or got == ""
    if got is None or got == "":
        return False
    if isinstance(want, (int, float)) and not isinstance(want, bool):
        try:
            return abs(float(got) - float(want)) <= tolerance + 1e-9  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return False
    return str(got) == str(want)


@pytest.fixture(scope="session")
def expected() -> dict[str, dict[str, object]]:
    return load_expected()
