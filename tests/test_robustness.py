"""Bad input never loses data: each gets a clear error or a correct result, the batch goes on,
memory stays bounded, nothing is silently 0; the dask engine gives the default engine's outputs."""

from __future__ import annotations

import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from budgetlib.cli import app
from budgetlib.pipeline import ingest, process_path, write_outputs

from .conftest import RAW

runner = CliRunner()
GOOD = "yuanshi_2023_budget.txt"


def _text() -> str:
    return (RAW / GOOD).read_text(encoding="utf-8")


def test_truncated_table_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    lines = _text().splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("14\t2101202"))
    path = tmp_path / "truncated.txt"
    path.write_text("\n".join(lines[: cut + 1]), encoding="utf-8")
    result = process_path(path)
    assert not isinstance(result, Exception)
    assert result.indicators["resident_subsidy"] == pytest.approx(4718.7128)
    assert result.indicators["three_public_total"] is None  # the 三公 table and narrative are gone: blank, not 0
    assert result.indicators["vehicles"] is None


def test_mixed_units_in_one_document(tmp_path: Path) -> None:
    text = ("某县医疗保障局2024年部门预算\n部门预算支出总表\n单位：元\n科目编码\t科目名称\t合计\n\t合计\t1234500\n"
            "部门预算财政拨款“三公”经费支出表\n单位：万元\n序号\t项目\t合计\n1\t合计\t8.06\n")
    path = tmp_path / "mixed.txt"
    path.write_text(text, encoding="utf-8")
    result = process_path(path)
    assert not isinstance(result, Exception)
    values = {(i["table_id"], i["unit"]): i["value_wan"] for i in result.line_items}
    assert values[("expenditure", "元")] == pytest.approx(123.45) and values[("three_public", "万元")] == pytest.approx(8.06)


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-16", "utf-16-le", "utf-8-sig"])
def test_encodings(tmp_path: Path, encoding: str) -> None:
    path = tmp_path / f"{encoding}.txt"
    path.write_bytes(_text().encode(encoding, errors="strict") if encoding != "gbk" else _text().encode("gbk", errors="replace"))
    result = process_path(path)
    assert not isinstance(result, Exception), result
    assert result.indicators["expenditure_total"] == pytest.approx(5350.2278)


def test_a_huge_file_is_refused_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BUDGETLIB_MAX_FILE_MB", "1")
    path = tmp_path / "huge.txt"
    with path.open("wb") as f:  # 100 MB sparse file: no memory, no disk
        f.truncate(100 * 1024 * 1024)
    result = process_path(path)
    assert isinstance(result, Exception) and "100 MB" in result.message and "BUDGETLIB_MAX_FILE_MB" in result.message


@pytest.mark.parametrize("name", ["a file with spaces.txt", "中文文件名 2023.txt", "x" * 200 + ".txt", "-leading-dash.txt", "--two.txt"])
def test_odd_file_names(tmp_path: Path, name: str) -> None:
    shutil.copy(RAW / GOOD, tmp_path / name)
    result = runner.invoke(app, ["ingest", "--out", str(tmp_path / "out"), "--", str(tmp_path / name)])
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(tmp_path / "out" / "indicators.csv")
    assert frame["source_file"].to_list() == [name]


def test_markup_in_a_unit_name_stays_text(tmp_path: Path) -> None:
    evil = _text().replace("元氏县医疗保障局", "元氏县<script>alert(1)</script>**医保局**")
    path = tmp_path / "evil.txt"
    path.write_text(evil, encoding="utf-8")
    result = process_path(path)
    assert not isinstance(result, Exception)
    from budgetlib import charts

    header = charts.report_header(result.indicators)
    assert "<script>" not in header
    # wherever a document's text reaches a report it is escaped
    row = {**result.indicators, "unit_name": "元氏县<script>alert(1)</script>**医保局**"}
    assert "&lt;script&gt;" in charts.report_header(row) and "<script>" not in charts.report_header(row)
    assert "<script>" not in charts.key_figures(row) and "<script>" not in charts.matching_summary(row)


def test_duplicates_are_reported_not_double_counted(tmp_path: Path) -> None:
    shutil.copy(RAW / GOOD, tmp_path / "a.txt")
    shutil.copy(RAW / GOOD, tmp_path / "copy of a.txt")
    outputs = ingest([tmp_path])
    assert outputs.frames["panel"].height == 1
    assert outputs.frames["panel_duplicates"].height == 2


def test_dask_engine_gives_the_same_outputs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("dask.distributed", reason="the dask engine is the optional extra budgetlib[dask]")
    import budgetlib.pipeline as pipeline
    sample = tmp_path / "in"
    sample.mkdir()
    for p in sorted(RAW.glob("*.txt")):
        shutil.copy(p, sample / p.name)
    (sample / "empty.txt").write_bytes(b"")
    local = tmp_path / "local"
    dask = tmp_path / "dask"
    write_outputs(ingest([sample]), local)
    monkeypatch.setattr(pipeline, "CHUNK_DOCUMENTS", 2)  # several chunks, more than the workers take at once
    write_outputs(ingest([sample], engine="dask"), dask)
    for f in sorted(local.iterdir()):
        assert f.read_bytes() == (dask / f.name).read_bytes(), f.name


def test_unknown_engine_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown engine"):
        ingest([RAW / GOOD], engine="spark")
