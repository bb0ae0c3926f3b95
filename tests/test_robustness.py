"""Bad input never loses data: each gets a clear error or a correct result, the batch goes on,
memory stays bounded, nothing is silently 0; the dask engine gives the default engine's outputs."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from budgetlib.cli import app
from budgetlib.pipeline import DocumentResult, ingest, process_path, write_outputs

from .conftest import RAW

runner = CliRunner()
GOOD = "yuanshi_2023_budget.txt"


def _text() -> str:
    return (RAW / GOOD).read_text(encoding="utf-8")


def _read(path: Path, text: str) -> DocumentResult:
    """``text`` saved at ``path`` and read: it must be read, not refused."""
    path.write_text(text, encoding="utf-8")
    result = process_path(path)
    assert not isinstance(result, Exception), result
    return result


def test_truncated_table_is_read_as_far_as_it_goes(tmp_path: Path) -> None:
    lines = _text().splitlines()
    cut = next(i for i, line in enumerate(lines) if line.startswith("14\t2101202"))
    result = _read(tmp_path / "truncated.txt", "\n".join(lines[: cut + 1]))
    assert result.indicators["resident_subsidy"] == pytest.approx(4718.7128)
    assert result.indicators["three_public_total"] is None  # the 三公 table and narrative are gone: blank, not 0
    assert result.indicators["vehicles"] is None



def test_a_spreadsheet_export_with_a_quoted_cell_over_two_lines(tmp_path: Path) -> None:
    # saved from Excel as tab-separated text: a name wrapped in its cell is quoted, over two lines
    text = _text().replace("\t财政对城乡居民基本医疗保险基金的补助\t", '\t"财政对城乡居民基本医疗保险\n基金的补助"\t')
    result = _read(tmp_path / "export.txt", text)
    assert result.indicators["resident_subsidy"] == pytest.approx(4718.7128)
    rows = {i["line_no"] for i in result.line_items if i["code"] == "2101202"}
    assert rows and all(text.splitlines()[n - 1].startswith("14\t2101") for n in rows)


def test_a_publisher_whose_name_starts_with_yuan_is_not_the_unit_yuan(tmp_path: Path) -> None:
    # 编制单位：元氏县… holds 单位：元; read as the unit, every figure was 10,000× too small
    text = _text().replace("\n473 元氏县医疗保障局\n", "\n编制单位：元氏县医疗保障局\n")
    assert "编制单位：元氏县" in text
    result = _read(tmp_path / "publisher.txt", text)
    assert result.indicators["resident_subsidy"] == pytest.approx(4718.7128)
    assert result.indicators["revenue_total"] == pytest.approx(5344.2278)


@pytest.mark.parametrize("colon", ["\u2236", "\ufe55"])
def test_a_unit_line_written_with_a_ratio_colon(tmp_path: Path, colon: str) -> None:
    text = (RAW / "xixiang_2024_budget.txt").read_text(encoding="utf-8").replace("\n单位：元\n", f"\n单位{colon}元\n")
    result = _read(tmp_path / "ratio.txt", text)
    assert result.indicators["personnel_expenditure"] == pytest.approx(213.7019)

def test_mixed_units_in_one_document(tmp_path: Path) -> None:
    text = ("某县医疗保障局2024年部门预算\n部门预算支出总表\n单位：元\n科目编码\t科目名称\t合计\n\t合计\t1234500\n"
            "部门预算财政拨款“三公”经费支出表\n单位：万元\n序号\t项目\t合计\n1\t合计\t8.06\n")
    result = _read(tmp_path / "mixed.txt", text)
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
    result = _read(tmp_path / "evil.txt", evil)
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


def test_a_file_name_that_is_not_utf8_is_kept_with_its_bytes_escaped(tmp_path: Path) -> None:
    shutil.copy(RAW / GOOD, tmp_path / "good.txt")
    odd = os.fsdecode("正定县2018预算.txt".encode("gbk"))  # a name written on a GBK system
    shutil.copy(RAW / GOOD, tmp_path / odd)
    outputs = ingest([tmp_path])
    names = outputs.frames["documents"]["source_file"].to_list()
    odd_name = next(n for n in names if n != "good.txt")
    assert len(names) == 2 and odd_name.startswith("\\xd5\\xfd\\xb6\\xa8\\xcf\\xd82018") and odd_name.endswith(".txt")
    write_outputs(outputs, tmp_path / "out")  # and the name can be written


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_special_files_are_refused_not_read(tmp_path: Path) -> None:
    """A pipe would block for ever, a device never ends: only regular files are read, and
    what is skipped says why (a broken link, a link to a folder)."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(RAW / GOOD, folder / GOOD)
    os.mkfifo(folder / "pipe.txt")
    (folder / "broken.txt").symlink_to(tmp_path / "gone.txt")
    (tmp_path / "elsewhere").mkdir()
    (folder / "linked").symlink_to(tmp_path / "elsewhere")
    outputs = ingest([folder, Path("/dev/zero")])
    errors = {r["source_file"]: r["message"] for r in outputs.errors.iter_rows(named=True)}
    assert outputs.frames["documents"]["source_file"].to_list() == [GOOD]
    assert "not a regular file" in errors["pipe.txt"] and "pipe" in errors["pipe.txt"]
    assert "not a regular file" in errors["zero"] and "device" in errors["zero"]
    assert "broken link" in errors["broken.txt"]
    assert "link to a folder" in errors["linked"]


def test_a_folder_that_cannot_be_listed_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "locked").mkdir()
    shutil.copy(RAW / GOOD, tmp_path / GOOD)
    real = os.scandir

    def scandir(path: object = ".") -> object:
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", scandir)
    outputs = ingest([tmp_path])
    errors = {r["source_file"]: r["message"] for r in outputs.errors.iter_rows(named=True)}
    assert outputs.frames["documents"].height == 1
    assert "cannot list the folder" in errors["locked"] and "Permission denied" in errors["locked"]


def test_files_of_the_same_name_in_two_folders_are_told_apart(tmp_path: Path) -> None:
    for sub in ("c", "d"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "report.txt").write_bytes(b"")
    outputs = ingest([tmp_path])
    assert sorted(outputs.errors["source_file"].to_list()) == ["c/report.txt", "d/report.txt"]


def test_document_text_is_not_terminal_markup(tmp_path: Path) -> None:
    evil = _text().replace("元氏县医疗保障局", "元氏县[/]医疗[bold]保障局")
    (tmp_path / "budget[b]2023[i].txt").write_text(evil, encoding="utf-8")
    (tmp_path / "bad[red]name.txt").write_bytes(b"")
    result = runner.invoke(app, ["ingest", "--out", str(tmp_path / "out"), str(tmp_path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output  # the empty file failed, nothing crashed
    assert "bad[red]name.txt: read: the file is empty" in result.output  # printed as it is, not as a colour
    documents = pl.read_parquet(tmp_path / "out" / "documents.parquet")
    assert documents["unit_name"].to_list() == ["元氏县[/]医疗[bold]保障局"]


def test_a_table_thousands_of_columns_wide_is_refused_quickly(tmp_path: Path) -> None:
    """No disclosure table has hundreds of columns; reading one would cost time that grows with
    the square of its width (minutes here), so it is refused with a clear error."""
    wide = "\t".join(["项目"] + [f"列{i}" for i in range(5000)])
    rows = "\n".join("\t".join([f"行{r}"] + ["1.00"] * 5000) for r in range(50))
    path = tmp_path / "wide.txt"
    path.write_text(f"某县医疗保障局2024年部门预算\n部门预算支出总表\n单位：万元\n{wide}\n{rows}\n", encoding="utf-8")
    result = process_path(path)
    assert isinstance(result, Exception) and result.stage == "parse"
    assert "5001 columns" in result.message and "unexpected" not in result.message


def test_files_of_the_same_name_in_two_folders_given_are_told_apart(tmp_path: Path) -> None:
    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "report.txt").write_bytes(b"")
    (tmp_path / "a" / "only.txt").write_bytes(b"")
    outputs = ingest([tmp_path / "a", tmp_path / "b"])
    assert sorted(outputs.errors["source_file"].to_list()) == ["a/report.txt", "b/report.txt", "only.txt"]


def test_an_output_folder_inside_the_input_folder_is_not_read_back(tmp_path: Path) -> None:
    """`budgetlib ingest in --out in/out`, run twice: the second run must not read the first
    run's outputs as documents (they became a "budget" and 13 errors), and both runs agree."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(RAW / GOOD, folder / GOOD)
    runner = CliRunner()
    outputs = []
    for _ in range(2):
        result = runner.invoke(app, ["ingest", str(folder), "--out", str(folder / "out")])
        assert result.exit_code == 0, result.output
        outputs.append({p.name: p.read_bytes() for p in sorted((folder / "out").iterdir()) if p.is_file()})
    assert outputs[0] == outputs[1]
    docs = pl.read_parquet(folder / "out" / "documents.parquet")
    assert docs["source_file"].to_list() == [GOOD] and pl.read_csv(folder / "out" / "errors.csv").height == 0


def test_a_sample_saved_as_csv_gives_the_same_figures(tmp_path: Path) -> None:
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for line in _text().splitlines():
        writer.writerow(line.split("\t"))
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "yuanshi.csv").write_text(out.getvalue(), encoding="utf-8")
    (tmp_path / "txt").mkdir()
    shutil.copy(RAW / GOOD, tmp_path / "txt" / GOOD)
    as_csv, as_text = (process_path(tmp_path / kind / name) for kind, name in (("csv", "yuanshi.csv"), ("txt", GOOD)))
    assert not isinstance(as_csv, Exception) and not isinstance(as_text, Exception)
    assert as_csv.document["source_format"] == "csv:utf-8"
    same = lambda d: {k: v for k, v in d.items() if k not in ("doc_id", "source_file")}  # noqa: E731
    assert same(as_csv.indicators) == same(as_text.indicators)
    figures = lambda r: [(i["table_id"], i["row_label"], i["column_header"], i["value"], i["line_no"]) for i in r.line_items]  # noqa: E731
    assert figures(as_csv) == figures(as_text)


def _space_aligned(text: str) -> str:
    """``text`` with its tab-separated rows aligned with spaces, as an editor that expands tabs
    or a text export padded to display width (CJK characters two columns) writes them."""
    import unicodedata

    def width(cell: str) -> int:
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in cell)

    out: list[str] = []
    block: list[list[str]] = []

    def flush() -> None:
        if block:
            widths = [max(width(r[k]) if k < len(r) else 0 for r in block) for k in range(max(map(len, block)))]
            out.extend("  ".join(c + " " * (widths[k] - width(c)) for k, c in enumerate(r)).rstrip() for r in block)
            block.clear()

    for line in text.splitlines():
        if "\t" in line.strip():
            block.append(line.split("\t"))
        else:
            flush()
            out.append(line)
    flush()
    return "\n".join(out) + "\n"


def test_a_sample_aligned_with_spaces_gives_the_figures_of_its_tables(tmp_path: Path) -> None:
    aligned = _read(tmp_path / "aligned.txt", _space_aligned(_text()))
    tabbed = process_path(RAW / GOOD)
    assert not isinstance(tabbed, Exception)
    figures = lambda r: {(i["row_label"], i["column_header"], i["value"]) for i in r.line_items}  # noqa: E731
    assert len(figures(aligned) & figures(tabbed)) >= 0.95 * len(figures(tabbed))
    for name in ("resident_subsidy", "vehicles", "expenditure_grand_total", "three_public_total"):
        assert aligned.indicators[name] == tabbed.indicators[name], name


def test_a_pipe_table_without_outer_pipes_is_read(tmp_path: Path) -> None:
    text = (
        "某县医疗保障局2024年部门预算\n部门预算支出总表\n单位：万元\n"
        "科目编码 | 科目名称 | 合计 | 基本支出 | 项目支出\n--- | --- | --- | --- | ---\n | 合计 | 123.45 | 100.00 | 23.45\n"
    )
    result = _read(tmp_path / "t.md", text)
    values = {(i["row_label"], i["column_header"]): i["value_wan"] for i in result.line_items}
    assert values[("合计", "合计")] == pytest.approx(123.45) and values[("合计", "项目支出")] == pytest.approx(23.45)
