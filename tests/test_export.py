"""Exports: the same values and Chinese labels in XLSX, Stata and CSV; a valid Fiscal Data
Package with its fiscal model; the data dictionary; byte-identical reruns."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyreadstat
import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from budgetlib import schemas
from budgetlib.cli import app
from budgetlib.export import dictionary_markdown, export_all, starts_formula, stata_name
from budgetlib.pipeline import ingest, write_outputs

from .conftest import RAW

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("export")
    write_outputs(ingest([RAW]), base / "processed")
    export_all(base / "processed", base / "data")
    return base / "data"


def test_csv_xlsx_dta_hold_the_same_values_and_chinese_labels(exported: Path) -> None:
    csv = pl.read_csv(exported / "panel.csv", infer_schema_length=0)
    assert (exported / "panel.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    wb = load_workbook(exported / "budgetlib.xlsx")
    assert wb.sheetnames == ["panel", "indicators", "说明"]
    ws = wb["panel"]
    zh = [c.value for c in ws[1]]
    en = [c.value for c in ws[2]]
    assert en == csv.columns and zh[en.index("expenditure_total")] == "本年支出合计"
    assert ws.freeze_panes == "A3"
    xlsx_rows = {r[en.index("source_file")]: r for r in ws.iter_rows(min_row=3, values_only=True)}
    dta, meta = pyreadstat.read_dta(str(exported / "panel.dta"), output_format="polars")
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    assert labels["expenditure_total"].startswith("本年支出合计")
    assert meta.variable_value_labels["doc_kind"] == {1: "预算 budget", 2: "决算 final", 3: "调整预算 adjusted budget"}
    for row in csv.iter_rows(named=True):
        x = xlsx_rows[row["source_file"]]
        d = dta.filter(pl.col("source_file") == row["source_file"]).to_dicts()[0]
        for col in ("expenditure_total", "three_public_total", "resident_subsidy_per_capita_yuan"):
            values = [row[col], x[en.index(col)], d[stata_name(col)]]
            if row[col] in (None, ""):
                assert all(v in (None, "") or v != v for v in values[1:]), (col, values)
            else:
                assert values[1] == pytest.approx(float(row[col])) and values[2] == pytest.approx(float(row[col])), (col, values)
        # Stata strings cannot be missing: a blank county is "" there, None in Excel and CSV
        assert (x[en.index("county")] or "") == (row["county"] or "") == (d["county"] or "")
    money = en.index("expenditure_total") + 1
    assert ws.cell(row=3, column=money).number_format == "#,##0.00"
    notes = [r for r in wb["说明"].iter_rows(min_row=2, values_only=True)]
    assert any(r[1] == "resident_subsidy_per_capita_yuan" and r[2] == "人均补助(元)" for r in notes)


def test_line_items_and_findings_as_csv_and_parquet(exported: Path) -> None:
    for table in ("line_items", "findings"):
        a = pl.read_csv(exported / f"{table}.csv", infer_schema_length=0)
        b = pl.read_parquet(exported / f"{table}.parquet")
        assert a.height == b.height > 0 and a.columns == list(schemas.TABLE_COLUMNS[table])


def test_fiscal_data_package_validates_offline(exported: Path) -> None:
    from frictionless import validate

    report = validate(str(exported / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])


def test_fiscal_model_has_its_required_parts(exported: Path) -> None:
    descriptor = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    model = descriptor["model"]
    fields = {f["name"] for f in descriptor["resources"][0]["schema"]["fields"]}
    assert model["measures"], "at least one measure"
    for measure in model["measures"].values():
        assert measure["currency"] == "CNY" and measure["factor"] == 10000 and measure["source"] in fields
        assert measure["phase"] in {"proposed", "approved", "adjusted", "executed"}
    dims = model["dimensions"]
    assert {"administrative_unit", "functional_classification", "economic_classification", "fiscal_period", "phase"} <= set(dims)
    assert dims["functional_classification"]["classificationType"] == "functional"
    assert dims["economic_classification"]["classificationType"] == "economic"
    for dim in dims.values():
        assert dim["attributes"] and dim["primaryKey"]
        keys = dim["primaryKey"] if isinstance(dim["primaryKey"], list) else [dim["primaryKey"]]
        assert set(keys) <= set(dim["attributes"])
        for attr in dim["attributes"].values():
            assert attr["source"] in fields
            if "parent" in attr:
                assert attr["parent"] in dim["attributes"]
    rows = pl.read_csv(exported / "fiscal_line_items.csv", infer_schema_length=0)
    sub = rows.filter(pl.col("function_code") == "2101202")
    assert sub.height and (sub["function_class"] == "210").all() and (sub["function_kuan"] == "21012").all()


def test_exports_are_byte_identical_on_rerun(exported: Path, tmp_path: Path) -> None:
    processed = exported.parent / "processed"
    again = tmp_path / "again"
    export_all(processed, again)
    for f in sorted(exported.iterdir()):
        assert f.read_bytes() == (again / f.name).read_bytes(), f.name


def test_dictionary_doc_is_current() -> None:
    assert (ROOT / "docs" / "dictionary.md").read_text(encoding="utf-8") == dictionary_markdown(), (
        "docs/dictionary.md is stale: regenerate it with `make docs`")


def test_stata_names_are_valid_and_unique() -> None:
    names = [stata_name(c) for c in schemas.TABLE_COLUMNS["panel"]]
    assert all(len(n) <= 32 for n in names)


def test_export_command(tmp_path: Path) -> None:
    write_outputs(ingest([RAW]), tmp_path / "p")
    result = runner.invoke(app, ["export", str(tmp_path / "p"), "--to", str(tmp_path / "d")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "d" / "index.html").exists() and (tmp_path / "d" / "dictionary.html").exists()


def test_fiscal_data_package_line_key_identifies_one_row(exported: Path) -> None:
    """The 收入 and 支出 blocks of one printed line of a 收支总表 (and columns of one measure) shared
    the declared key: a consumer honouring it kept one figure and dropped the others."""
    descriptor = json.loads((exported / "datapackage.json").read_text(encoding="utf-8"))
    key = descriptor["model"]["dimensions"]["line"]["primaryKey"]
    rows = pl.read_csv(exported / "fiscal_line_items.csv", infer_schema_length=0)
    assert rows.height and rows.select(key).is_duplicated().sum() == 0


def _export_one(tmp_path: Path, name: str, text: str) -> Path:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / name).write_text(text, encoding="utf-8")
    write_outputs(ingest([tmp_path / "in"]), tmp_path / "processed")
    export_all(tmp_path / "processed", tmp_path / "data")
    return tmp_path / "data"


def test_xlsx_text_that_looks_like_a_formula_stays_text(tmp_path: Path) -> None:
    """openpyxl makes every string that starts with = a formula: a file named =HYPERLINK(…) was a
    live link in budgetlib.xlsx, and its name was lost."""
    name = '=HYPERLINK("http:evil.example",1+1).txt'
    data = _export_one(tmp_path, name, (RAW / "xixiang_2024_budget.txt").read_text(encoding="utf-8"))
    book = load_workbook(data / "budgetlib.xlsx")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    assert not [c for c in cells if c.data_type == "f"]
    assert name in {c.value for c in cells}


def test_xlsx_export_survives_control_characters_in_document_text(tmp_path: Path) -> None:
    """openpyxl refuses control characters (IllegalCharacterError): one ESC in a 三公 reason stopped
    the whole export."""
    text = (RAW / "yuanshi_2023_budget.txt").read_text(encoding="utf-8")
    assert "主要是2022年购置车辆1台" in text
    data = _export_one(tmp_path, "a.txt", text.replace("主要是2022年购置车辆1台", "主要是2022年购置车辆\x1b1台"))
    book = load_workbook(data / "budgetlib.xlsx")
    reasons = [c.value for row in book["indicators"].iter_rows() for c in row if isinstance(c.value, str) and "购置车辆" in c.value]
    assert reasons and all("\x1b" not in r and "1台" in r for r in reasons)


def test_exported_files_can_be_read_like_any_file_the_user_writes(tmp_path: Path) -> None:
    """Written through mkstemp, every export was readable by its owner only (0600)."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        data = _export_one(tmp_path, "x.txt", (RAW / "xixiang_2024_budget.txt").read_text(encoding="utf-8"))
    finally:
        os.umask(old)
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in data.iterdir()} == {p.name: 0o644 for p in data.iterdir()}


def test_csv_text_never_starts_a_spreadsheet_formula(tmp_path: Path) -> None:
    """A unit name read as "=元氏县医疗保障局" opens as text in Excel (a leading '), as in the
    workbook (a text cell); figures stay numbers, and Parquet keeps the exact text."""
    raw = tmp_path / "raw"
    raw.mkdir()
    text = (RAW / "yuanshi_2023_budget.txt").read_text(encoding="utf-8")
    (raw / "doc.txt").write_text(text.replace("元氏县医疗保障局", "= 元氏县医疗保障局"), encoding="utf-8")
    write_outputs(ingest([raw]), tmp_path / "processed")
    export_all(tmp_path / "processed", tmp_path / "data")
    exact = pl.read_parquet(tmp_path / "data" / "panel.parquet")
    assert exact["unit_name"][0] == "=元氏县医疗保障局"
    csv = pl.read_csv(tmp_path / "data" / "panel.csv", infer_schema_length=0)
    assert csv["unit_name"][0] == "'=元氏县医疗保障局"
    assert float(csv["expenditure_total"][0]) == pytest.approx(exact["expenditure_total"][0])
    ws = load_workbook(tmp_path / "data" / "budgetlib.xlsx")["panel"]
    cell = ws.cell(row=3, column=[c.value for c in ws[2]].index("unit_name") + 1)
    assert cell.value == "=元氏县医疗保障局" and cell.data_type == "s"
    for table in ("line_items", "findings", "indicators"):
        frame = pl.read_csv(tmp_path / "data" / f"{table}.csv", infer_schema_length=0)
        texts = [v for c in frame.columns for v in frame[c].drop_nulls().to_list()]
        assert not [v for v in texts if starts_formula(v)], table


@pytest.mark.parametrize(("text", "formula"), [
    ("=SUM(A1:A2)", True), ("+1+cmd|' /C calc'!A0", True), ("-2+3", True), ("@SUM(A1)", True), ("\t=1", True),
    ("\r=1", True), ("-12.5", False), ("+3", False), ("-1,234.00", False), ("-5%", False), ("元氏县", False), ("", False),
])
def test_starts_formula(text: str, formula: bool) -> None:
    assert starts_formula(text) is formula
