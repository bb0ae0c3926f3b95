"""Office reader (DOCX/XLSX): bounded memory whatever the file claims, clear errors for what
cannot be read, and no figure lost silently. Files are made in the test with python-docx,
openpyxl and zipfile (edited XML where those libraries cannot write the case)."""

from __future__ import annotations

import io
import re
import tracemalloc
import zipfile
from collections.abc import Callable

import pytest

from budgetlib import office
from budgetlib.office import OfficeError, read_docx, read_xlsx

#: a reader of a small file must stay far below this (the bugs needed gigabytes)
SMALL_PEAK_BYTES = 64 * 1024 * 1024


def _peak(read: Callable[[], object]) -> int:
    """Peak Python memory (bytes) while ``read`` runs."""
    tracemalloc.start()
    try:
        read()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _rezip(data: bytes, name: str, edit: Callable[[str], str]) -> bytes:
    """The zip ``data`` with the XML part ``name`` rewritten by ``edit``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename == name:
                content = edit(content.decode("utf-8")).encode("utf-8")
            zout.writestr(item, content)
    return out.getvalue()


def _xlsx(rows: list[list[object]], title: str = "表1", extra: Callable[[object], None] | None = None) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = title
    for row in rows:
        sheet.append(row)
    if extra:
        extra(sheet)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TABLE = [["部门预算支出总表"], ["科目编码", "科目名称", "合计"], ["210", "卫生健康支出", 135.46], ["", "合计", 135.46]]


# ---------------------------------------------------------------------------------------
# XLSX


def test_xlsx_reads_rows_merges_and_number_formats() -> None:
    def merge(sheet: object) -> None:
        sheet.merge_cells("A1:C1")  # type: ignore[attr-defined]
        sheet["C3"].number_format = "0.00"  # type: ignore[index]

    lines = read_xlsx(_xlsx(TABLE, extra=merge))
    assert [(ln.text, ln.location) for ln in lines] == [
        ("表1", "sheet 表1"),
        ("部门预算支出总表\t", "sheet 表1 row 1"),
        ("科目编码\t科目名称\t合计", "sheet 表1 row 2"),
        ("210\t卫生健康支出\t135.46", "sheet 表1 row 3"),
        ("\t合计\t135.46", "sheet 表1 row 4"),
    ]


def test_xlsx_text_in_a_cell_hidden_by_a_merge_is_not_read() -> None:
    # Excel keeps a merged range's text in its first cell; text stored under the rest of the
    # range is not shown, so it is not read either
    data = _xlsx([["标题", "", "隐藏"], ["收入", 1]])
    data = _rezip(data, "xl/worksheets/sheet1.xml", lambda x: x.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells>'))
    assert [ln.text for ln in read_xlsx(data)] == ["表1", "标题\t", "收入\t1"]


def test_far_cell_xlsx_reads_only_the_cells_present() -> None:
    # one cell at XFD1048576 made the reader walk 17 billion empty cells
    data = _xlsx(TABLE, extra=lambda sheet: sheet.cell(1048576, 16384, "注"))  # type: ignore[attr-defined]
    lines: list[object] = []
    assert _peak(lambda: lines.extend(read_xlsx(data))) < SMALL_PEAK_BYTES
    assert [(ln.text, ln.location) for ln in lines[-2:]] == [("\t合计\t135.46", "sheet 表1 row 4"), ("\t\t\t注", "sheet 表1 row 1048576")]  # type: ignore[attr-defined]


def test_merge_huge_xlsx_does_not_expand_the_merged_range() -> None:
    # a merged range A2000:XFD1048576 was expanded into 17 billion merged cells on loading
    data = _rezip(_xlsx(TABLE), "xl/worksheets/sheet1.xml",
                  lambda x: x.replace("</sheetData>", '</sheetData><mergeCells count="1"><mergeCell ref="A2000:XFD1048576"/></mergeCells>'))
    lines: list[object] = []
    assert _peak(lambda: lines.extend(read_xlsx(data))) < SMALL_PEAK_BYTES
    assert [ln.text for ln in lines] == [ln.text for ln in read_xlsx(_xlsx(TABLE))]  # type: ignore[attr-defined]


def test_a_huge_dimension_claim_is_ignored() -> None:
    data = _rezip(_xlsx(TABLE), "xl/worksheets/sheet1.xml", lambda x: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:XFD1048576"/>', x))
    assert _peak(lambda: read_xlsx(data)) < SMALL_PEAK_BYTES
    assert [ln.text for ln in read_xlsx(data)] == [ln.text for ln in read_xlsx(_xlsx(TABLE))]


def test_a_sheet_wider_than_the_column_cap_is_refused() -> None:
    data = _xlsx([[f"列{i}" for i in range(office.MAX_COLUMNS + 1)]])
    with pytest.raises(OfficeError, match=r"sheet 表1 has 1,001 columns with content, more than the 1,000"):
        read_xlsx(data)


def test_a_sheet_with_more_cells_than_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_CELLS", 5)
    with pytest.raises(OfficeError, match=r"the workbook has more than 5 cells with content \(passed on sheet 表1\)"):
        read_xlsx(_xlsx(TABLE))


def test_formulas_without_saved_values_are_an_error_not_lost_figures() -> None:
    # openpyxl and pandas write formulas without their results: the figures would be blank
    data = _xlsx([["科目名称", "合计"], ["卫生健康支出", "=100+35.46"], ["合计", "=B2"]])
    with pytest.raises(OfficeError, match=r"formulas have no saved values \(2 cells, first at sheet 表1 cell B2\).*"
                                          r"open it in Excel, WPS or LibreOffice and save it"):
        read_xlsx(data)


def test_formulas_with_saved_values_are_read() -> None:
    # as Excel saves them: the result in <v>; a formula whose result is empty text is fine
    data = _xlsx([["科目名称", "合计", "备注"], ["卫生健康支出", "=100+35.46", '=""']])
    data = _rezip(data, "xl/worksheets/sheet1.xml",
                  lambda x: x.replace("<f>100+35.46</f><v></v>", "<f>100+35.46</f><v>135.46</v>")
                  .replace('<c r="C2"><f>""</f><v></v></c>', '<c r="C2" t="str"><f>""</f><v></v></c>'))
    assert [ln.text for ln in read_xlsx(data)] == ["表1", "科目名称\t合计\t备注", "卫生健康支出\t135.46"]


def _as_saved(data: bytes, sheet_edit: Callable[[str], str], recalculate_on_open: bool) -> bytes:
    """``data`` with its sheet rewritten, and its workbook asking (``fullCalcOnLoad``) or not
    asking the spreadsheet to recalculate when it opens (Excel leaves that out once it has)."""
    data = _rezip(data, "xl/worksheets/sheet1.xml", sheet_edit)
    calc = '<calcPr calcId="124519" fullCalcOnLoad="1"/>' if recalculate_on_open else '<calcPr calcId="191029"/>'
    return _rezip(data, "xl/workbook.xml", lambda x: re.sub(r"<calcPr[^>]*/>", calc, x))


def test_placeholder_zero_results_of_a_writer_that_did_not_calculate_are_an_error() -> None:
    # xlsxwriter (and others) save each formula with a result of 0 and ask the spreadsheet to
    # recalculate on opening: those 0s are placeholders, not figures
    data = _xlsx([["科目名称", "合计"], ["卫生健康支出", "=100+35.46"], ["三公经费", "=0*1"]])
    data = _as_saved(data, lambda x: x.replace("<v></v>", "<v>0</v>"), recalculate_on_open=True)
    with pytest.raises(OfficeError, match=r"formulas were saved with 0 in place of their results \(2 cells, first at sheet 表1 cell B2\).*"
                                          r"open it in Excel, WPS or LibreOffice and save it"):
        read_xlsx(data)


def test_a_calculated_zero_is_read_as_zero() -> None:
    # the same cells as Excel saves them (no recalculation asked): 0 is the formula's result;
    # and a writer that asks for recalculation but saved real results is read as it saved them
    data = _xlsx([["科目名称", "合计"], ["卫生健康支出", "=100+35.46"], ["三公经费", "=0*1"]])
    results = lambda x: x.replace("<f>100+35.46</f><v></v>", "<f>100+35.46</f><v>135.46</v>").replace("<v></v>", "<v>0</v>")  # noqa: E731
    expected = ["表1", "科目名称\t合计", "卫生健康支出\t135.46", "三公经费\t0"]
    assert [ln.text for ln in read_xlsx(_as_saved(data, results, recalculate_on_open=False))] == expected
    assert [ln.text for ln in read_xlsx(_as_saved(data, lambda x: x.replace("<v></v>", "<v>7</v>"), recalculate_on_open=True))][2:] == [
        "卫生健康支出\t7", "三公经费\t7"]


def test_a_zip_part_expanding_beyond_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(OfficeError, match=r"unpacks to more than"):
        read_xlsx(_xlsx(TABLE))


# ---------------------------------------------------------------------------------------
# DOCX


def _docx(build: Callable[[object], None]) -> bytes:
    import docx

    document = docx.Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _table(rows: int, cols: int) -> Callable[[object], None]:
    def build(document: object) -> None:
        table = document.add_table(rows=rows, cols=cols)  # type: ignore[attr-defined]
        for r in range(rows):
            for c in range(cols):
                table.cell(r, c).text = f"{r}.{c}"

    return build


def test_gridspan_huge_docx_is_clamped_to_the_table() -> None:
    # w:gridSpan=100000000 made every row 100 million cells long
    data = _docx(_table(2, 3))
    data = _rezip(data, "word/document.xml", lambda x: x.replace("<w:tcPr>", '<w:tcPr><w:gridSpan w:val="100000000"/>', 1))
    lines: list[object] = []
    assert _peak(lambda: lines.extend(read_docx(data))) < SMALL_PEAK_BYTES
    assert [ln.text for ln in lines] == ["0.0\t\t\t0.1\t0.2", "1.0\t1.1\t1.2"]  # type: ignore[attr-defined]


def test_a_docx_table_wider_than_the_column_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_COLUMNS", 2)
    with pytest.raises(OfficeError, match=r"table 1 has 3 columns, more than the 2"):
        read_docx(_docx(_table(2, 3)))


def test_a_docx_table_with_more_cells_than_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_CELLS", 5)
    with pytest.raises(OfficeError, match=r"the document's tables have more than 5 cells \(passed in table 1\)"):
        read_docx(_docx(_table(2, 3)))


def _vmerge(rows: int, first: str) -> Callable[[object], None]:
    """A two-column table whose second column is one cell merged down every row."""

    def build(document: object) -> None:
        table = document.add_table(rows=rows, cols=2)  # type: ignore[attr-defined]
        for r, row in enumerate(table.rows):
            row.cells[0].text = f"行{r + 1}"
        table.rows[0].cells[1].text = "合并"
        for r, tr in enumerate(table._tbl.tr_lst):  # in the XML: python-docx's cells would follow the merge
            tr.tc_lst[1].vMerge = first if r == 0 else "continue"

    return build


def test_a_long_vertical_merge_is_read_without_recursion() -> None:
    # python-docx resolves each continued cell by recursing up the merge: RecursionError
    lines = read_docx(_docx(_vmerge(3000, "restart")))
    assert [ln.text for ln in lines[:2]] == ["行1\t合并", "行2\t"] and len(lines) == 3000


def test_a_vertical_merge_continuing_from_nowhere_is_read() -> None:
    # a first row marked as continuing a merge: python-docx raised ValueError
    lines = read_docx(_docx(_vmerge(2, "continue")))
    assert [ln.text for ln in lines] == ["行1\t合并", "行2\t"]


def test_docx_merged_cells_keep_their_text_once() -> None:
    def build(document: object) -> None:
        table = document.add_table(rows=3, cols=3)  # type: ignore[attr-defined]
        table.cell(0, 0).merge(table.cell(1, 0)).text = "项目"
        table.cell(0, 1).merge(table.cell(0, 2)).text = "预算数"
        table.cell(1, 1).text, table.cell(1, 2).text = "基本支出", "项目支出"
        table.cell(2, 0).text, table.cell(2, 1).text, table.cell(2, 2).text = "合计", "35.46", "100.00"

    lines = read_docx(_docx(build))
    assert [ln.text for ln in lines] == ["项目\t预算数\t", "\t基本支出\t项目支出", "合计\t35.46\t100.00"]


def test_a_docx_part_expanding_beyond_the_cap_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(office, "MAX_UNZIPPED_BYTES", 1000)
    with pytest.raises(OfficeError, match=r"unpacks to more than"):
        read_docx(_docx(_table(1, 1)))
