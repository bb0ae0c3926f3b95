"""Golden tests: `budgetlib ingest` over the real sample documents matches the hand-read
values of expected.json — also re-encoded, with CRLF, renamed, and with tables reordered."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from budgetlib.cli import app
from budgetlib.read import decode, load_lines, to_rows
from budgetlib.tables import find_tables

from .conftest import RAW, load_expected, mismatches, text_samples

runner = CliRunner()


def _ingest(folder: Path, out: Path) -> pl.DataFrame:
    result = runner.invoke(app, ["ingest", str(folder), "--out", str(out)])
    assert result.exit_code == 0, result.output
    return pl.read_csv(out / "indicators.csv", infer_schema_length=0)


@pytest.fixture(scope="module")
def golden(tmp_path_factory: pytest.TempPathFactory) -> pl.DataFrame:
    tmp = tmp_path_factory.mktemp("golden")
    return _ingest(RAW, tmp / "out")


def _row(frame: pl.DataFrame, source_file: str) -> dict[str, object]:
    rows = frame.filter(pl.col("source_file") == source_file).to_dicts()
    assert len(rows) == 1, f"{source_file}: expected exactly one indicators row, got {len(rows)}"
    return rows[0]


@pytest.mark.parametrize("name", text_samples())
def test_indicators_match_hand_read_values(golden: pl.DataFrame, name: str) -> None:
    problems = mismatches(load_expected()[name], _row(golden, name))
    assert not problems, f"{name}:\n  " + "\n  ".join(problems)


def test_one_row_per_document_with_the_required_columns(golden: pl.DataFrame) -> None:
    required = (
        "source_file doc_id unit_name province city county adcode doc_kind year revenue_total carryover_in "
        "expenditure_total basic_expenditure project_expenditure personnel_expenditure public_expenditure "
        "three_public_total three_public_abroad three_public_vehicle_purchase three_public_vehicle_operation "
        "three_public_reception three_public_prev_total three_public_change_reason org_running_cost "
        "resident_subsidy insured_residents medical_assistance procurement_total fixed_assets_total vehicles "
        "prev_expenditure_total"
    ).split()
    assert set(required) <= set(golden.columns)
    assert golden.height == len(list(RAW.glob("*.txt")))
    assert golden["doc_id"].n_unique() == golden.height


def _reorder_tables(text: str) -> str:
    """Move the document's table sections into reverse order (narrative stays in place)."""
    lines = text.splitlines(keepends=True)
    parsed, _ = load_lines(text.encode("utf-8"))
    tables = find_tables(to_rows(parsed))
    if len(tables) < 2:
        return text
    cuts = [t.title_line - 1 for t in tables] + [tables[-1].last_line]
    chunks = ["".join(lines[a:b]) for a, b in zip(cuts, cuts[1:], strict=False)]
    return "".join(lines[: cuts[0]]) + "".join(reversed(chunks)) + "".join(lines[cuts[-1] :])


VARIANTS = {
    "gb18030": lambda t: t.encode("gb18030"),
    "utf-8-bom": lambda t: t.encode("utf-8-sig"),
    "utf-16": lambda t: t.encode("utf-16"),
    "crlf": lambda t: t.replace("\n", "\r\n").encode("utf-8"),
    "tables-reordered": lambda t: _reorder_tables(t).encode("utf-8"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_same_result_re_encoded_renamed_and_reordered(tmp_path: Path, golden: pl.DataFrame, variant: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    renamed = {}
    for i, name in enumerate(text_samples()):
        text, _ = decode((RAW / name).read_bytes())
        new_name = f"文件 {i} - {variant}.dat"  # arbitrary names: metadata never comes from them
        (folder / new_name).write_bytes(VARIANTS[variant](text))
        renamed[new_name] = name
    frame = _ingest(folder, tmp_path / "out")
    for new_name, name in renamed.items():
        row = _row(frame, new_name)
        problems = mismatches(load_expected()[name], row)
        assert not problems, f"{name} as {variant}:\n  " + "\n  ".join(problems)


def test_processed_outputs_are_written(tmp_path: Path) -> None:
    shutil.copy(RAW / text_samples()[0], tmp_path / "a.txt")
    out = tmp_path / "out"
    _ingest(tmp_path, out)
    for name in ("documents", "tables", "line_items", "facts", "indicators", "indicator_sources", "errors"):
        assert (out / f"{name}.parquet").exists(), name
    assert (out / "indicators.csv").read_bytes().startswith(b"source_file,doc_id,")
