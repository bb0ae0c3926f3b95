"""Office reader (DOCX/XLSX): bounded memory whatever the file claims, clear errors for what
cannot be read, and no figure lost silently. Files are made in the test with python-docx,
openpyxl and zipfile (edited XML where those libraries cannot write the case)."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from budgetlib import office
from budgetlib.office import OfficeError, read_docx, read_xlsx

from .conftest import PEAK_MB_SOURCE, needs_proc

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


#: reads one Word document in a fresh interpreter: prints "<peak RSS MB> <outcome>"
_PEAK_DOCX = PEAK_MB_SOURCE + """
import sys
from budgetlib.office import OfficeError, read_docx
try:
    outcome = f"{len(read_docx(open(sys.argv[1], 'rb').read()))} lines"
except OfficeError as exc:
    outcome = f"refused: {exc}"
print(peak_mb(), outcome)
"""


@needs_proc
def test_a_small_docx_unzipping_to_millions_of_paragraphs_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    # 88 KB holding 10,000,000 empty paragraphs (60 MB of XML, within MAX_UNZIPPED_BYTES):
    # python-docx's tree of it peaked at 1.35 GB
    path = tmp_path / "bomb.docx"
    path.write_bytes(_rezip(_docx(_table(1, 1)), "word/document.xml", lambda xml: xml.replace("<w:body>", "<w:body>" + "<w:p/>" * 10_000_000)))
    proc = subprocess.run([sys.executable, "-c", _PEAK_DOCX, str(path)], capture_output=True, text=True, timeout=60)
    peak_mb, outcome = proc.stdout.strip().split(" ", 1)
    assert outcome.startswith("refused: the Word document's XML holds more than 4,000,000 tags (passed in word/document.xml"), (
        outcome, proc.stderr[-2000:])
    assert int(peak_mb) < 300, f"a {path.stat().st_size // 1024} KB .docx peaked at {peak_mb} MB"


def test_the_word_xml_caps_count_xml_parts_only(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _docx(_table(20, 5))
    assert len(read_docx(data)) == 20
    monkeypatch.setattr(office, "MAX_WORD_TAGS", 300)
    with pytest.raises(OfficeError, match=r"XML holds more than 300 tags \(passed in word/"):
        read_docx(data)
    monkeypatch.setattr(office, "MAX_WORD_TAGS", 4_000_000)
    monkeypatch.setattr(office, "MAX_WORD_XML_BYTES", 10_000)
    with pytest.raises(OfficeError, match=r"XML unpacks to more than 0 MB \(passed in "):
        read_docx(data)
    # an image full of "<" is no XML: neither its bytes nor its "<" count
    monkeypatch.setattr(office, "MAX_WORD_XML_BYTES", 64 * 1024 * 1024)
    monkeypatch.setattr(office, "MAX_WORD_TAGS", 1_000_000)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("word/media/image1.png", b"\x89PNG\r\n\x1a\n" + b"<" * 100_000_000)
    assert len(read_docx(out.getvalue())) == 20


_REVISION = 'w:id="{}" w:author="审校" w:date="2024-01-01T00:00:00Z"'
_WRAPPERS = {
    "ins": f"<w:ins {_REVISION.format(1)}>{{}}</w:ins>",
    "moveTo": f"<w:moveTo {_REVISION.format(2)}>{{}}</w:moveTo>",
    "fldSimple": '<w:fldSimple w:instr=" =SUM(ABOVE) ">{}</w:fldSimple>',
    "sdt": "<w:sdt><w:sdtPr/><w:sdtContent>{}</w:sdtContent></w:sdt>",
    "smartTag": '<w:smartTag w:uri="urn:x" w:element="n">{}</w:smartTag>',
    "customXml": '<w:customXml w:element="n">{}</w:customXml>',
    "hyperlink": '<w:hyperlink w:anchor="x">{}</w:hyperlink>',
}


@pytest.mark.parametrize("wrapper", list(_WRAPPERS))
def test_docx_text_in_wrapped_runs_is_read(wrapper: str) -> None:
    # python-docx reads only the runs directly in a paragraph (and hyperlinks): a figure in an
    # inserted run, a field, a content control, a smart tag … was read without it (12.50 for
    # the 120.50 Word shows) or not at all
    def build(document: object) -> None:
        document.add_paragraph("收入总计120.50万元")  # type: ignore[attr-defined]
        _table(1, 2)(document)

    def wrap(xml: str) -> str:
        xml = xml.replace("<w:r><w:t>收入总计120.50万元</w:t></w:r>", "<w:r><w:t>收入总计12</w:t></w:r>"
                          + _WRAPPERS[wrapper].format("<w:r><w:t>0</w:t></w:r>") + "<w:r><w:t>.50万元</w:t></w:r>")
        return xml.replace("<w:r><w:t>0.1</w:t></w:r>", _WRAPPERS[wrapper].format("<w:r><w:t>0.1</w:t></w:r>"))

    assert [ln.text for ln in read_docx(_rezip(_docx(build), "word/document.xml", wrap))] == ["收入总计120.50万元", "0.0\t0.1"]


@pytest.mark.parametrize("removed", ["del", "moveFrom"])
def test_docx_deleted_and_moved_away_text_is_not_read(removed: str) -> None:
    # a tracked deletion (w:del, w:delText) or the old place of moved text (w:moveFrom) is not
    # what the document says once its changes are accepted
    old = f"<w:{removed} {_REVISION.format(3)}><w:r><w:delText>999.00</w:delText></w:r><w:r><w:t>888.00</w:t></w:r></w:{removed}>"
    data = _rezip(_docx(_table(1, 2)), "word/document.xml", lambda x: x.replace("<w:r><w:t>0.1</w:t></w:r>", old + "<w:r><w:t>0.1</w:t></w:r>"))
    assert [ln.text for ln in read_docx(data)] == ["0.0\t0.1"]


def test_docx_tabs_breaks_and_text_in_drawings_are_read_as_before() -> None:
    # a tab or line break in a paragraph splits its text as before; the text of a text box
    # (inside a run's drawing) is not part of the paragraph, nor is an XML comment
    def build(document: object) -> None:
        paragraph = document.add_paragraph("收入")  # type: ignore[attr-defined]
        paragraph.add_run().add_tab()
        paragraph.add_run("120.50")
        paragraph.add_run().add_break()
        paragraph.add_run("支出")

    box = "<!-- 注释 --><w:r><w:drawing><w:txbxContent><w:p><w:r><w:t>框内</w:t></w:r></w:p></w:txbxContent></w:drawing></w:r>"
    data = _rezip(_docx(build), "word/document.xml", lambda x: x.replace("<w:r><w:t>支出</w:t></w:r>", "<w:r><w:t>支出</w:t></w:r>" + box))
    assert [ln.text for ln in read_docx(data)] == ["收入120.50支出"]


@pytest.mark.parametrize(("open_", "close"), [("<w:sdt><w:sdtPr/><w:sdtContent>", "</w:sdtContent></w:sdt>"),
                                              ('<w:customXml w:element="t">', "</w:customXml>")], ids=["sdt", "customXml"])
def test_docx_tables_rows_cells_and_paragraphs_inside_content_controls_are_read(open_: str, close: str) -> None:
    # a table (or a paragraph) inside a body-level content control or custom XML element was
    # skipped, the whole table lost without an error; rows and cells can be wrapped the same way
    def build(document: object) -> None:
        document.add_paragraph("部门收支总表")  # type: ignore[attr-defined]
        _table(2, 2)(document)
        document.add_paragraph("单位：万元")  # type: ignore[attr-defined]

    def wrap(xml: str) -> str:
        xml = xml.replace("<w:tbl>", open_ + "<w:tbl>").replace("</w:tbl>", "</w:tbl>" + close)
        xml = re.sub(r"(<w:tr[ >].*?</w:tr>)", lambda m: open_ + m.group(1) + close, xml, count=1)
        xml = re.sub(r"(<w:tc>(?:(?!<w:tc>).)*?1\.1.*?</w:tc>)", lambda m: open_ + m.group(1) + close, xml, count=1)
        at = xml.index("<w:p>", xml.index("</w:tbl>"))
        return xml[:at] + open_ + xml[at:].replace("</w:p>", "</w:p>" + close, 1)

    lines = read_docx(_rezip(_docx(build), "word/document.xml", wrap))
    assert [(ln.text, ln.location) for ln in lines] == [
        ("部门收支总表", "paragraph 1"), ("0.0\t0.1", "table 1 row 1"), ("1.0\t1.1", "table 1 row 2"), ("单位：万元", "paragraph 2")]


def test_docx_a_cell_holding_a_table_is_read_as_paragraphs_and_tables_after_its_row() -> None:
    # a layout table holding the budget table in a cell: the inner table was never read; the
    # cell's paragraphs (title, unit) are lines of their own, not text wrapped in one cell
    def build(document: object) -> None:
        outer = document.add_table(rows=2, cols=2)  # type: ignore[attr-defined]
        layout = outer.cell(0, 0)
        layout.text, outer.cell(0, 1).text, outer.cell(1, 0).text = "部门收支总表", "附", "注"
        layout.add_paragraph("单位：万元")
        inner = layout.add_table(rows=2, cols=2)
        for r, row in enumerate([["收入", "预算数"], ["收入总计", "120.50"]]):
            for c, text in enumerate(row):
                inner.cell(r, c).text = text

    lines = read_docx(_docx(build))
    assert [(ln.text, ln.location) for ln in lines] == [
        ("\t附\t", "table 1 row 1"), ("部门收支总表", "table 1 row 1"), ("单位：万元", "table 1 row 1"),
        ("收入\t预算数", "table 2 row 1"), ("收入总计\t120.50", "table 2 row 2"), ("注\t", "table 1 row 2")]


def test_docx_grid_before_and_after_keep_cells_in_their_columns() -> None:
    # a row starting in the third grid column (w:gridBefore="2") had its cells read in the
    # first two: an expenditure read on the revenue side; a row ending early (w:gridAfter)
    # keeps the table's width
    def third_column_only(xml: str) -> str:
        row = re.search(r"<w:tr[ >](?:(?!</w:tr>).)*?2\.0.*?</w:tr>", xml)
        assert row is not None
        cell = re.search(r"<w:tc>(?:(?!<w:tc>).)*?2\.2.*?</w:tc>", row.group(0))
        assert cell is not None
        tr = row.group(0)[: row.group(0).index(">") + 1]
        new = tr + '<w:trPr><w:gridBefore w:val="2"/><w:gridAfter w:val="1"/></w:trPr>' + cell.group(0) + "</w:tr>"
        return xml.replace(row.group(0), new)

    data = _rezip(_docx(_table(3, 4)), "word/document.xml", third_column_only)
    assert [ln.text for ln in read_docx(data)] == ["0.0\t0.1\t0.2\t0.3", "1.0\t1.1\t1.2\t1.3", "\t\t2.2\t"]


@pytest.mark.parametrize(
    ("number_format", "value", "shown"),
    [
        ("[$-804]0.00", 120.5, "120.50"),  # the 0 of a locale code was taken for the figure's: 121
        ("[$-804]#,##0.00", 1234.5, "1,234.50"),
        ("[Color10]#,##0.00;[Red]-#,##0.00", 120.5, "120.50"),
        ("[DBNum1][$-804]General", 120.5, "120.5"),  # shown in Chinese numerals: the full value
        ("[$-804]General", 120.456, "120.456"),
        ("[>=100]0.00;0.0", 120.5, "120.50"),
        ('0.00"万元"', 5.8, "5.80"),
        ('_ * #,##0.00_ ;_ * -#,##0.00_ ;_ * "-"??_ ;_ @_ ', 1234.5, "1,234.50"),
        ("0!.0000", 1205000, "120.5000"),  # 元 shown as 万元 by a literal point: 1,205,000 was read
        ('0"."0000', 1205000, "120.5000"),
        ("0\\.0000", 12, "0.0012"),
        ("#,##0.00,", 120500, "120.50"),  # a trailing comma shows thousands
        ("#,##0,,", 3500000, "4"),
        ('0.0,"千元"', 120500, "120.5"),
    ],
)
def test_number_formats_show_the_figure_excel_shows(number_format: str, value: float, shown: str) -> None:
    assert office.format_number(value, number_format) == shown


# the section Excel shows a value with: positive;negative;zero, or the first whose condition it
# meets (the first section was used for every value: 1234.5 in [>=10000]0!.0,"万";0.00 read 0.1)
@pytest.mark.parametrize(
    ("number_format", "value", "shown"),
    [
        ('[>=10000]0!.0,"万";0.00', 1234.5, "1234.50"),
        ('[>=10000]0!.0,"万";0.00', 123450, "12.3"),
        ("[>1000]0.0,;General;0.00", 999, "999.00"),  # no second condition met: the third section
        ('[>=1000000]0.0,,"百万";[>=1000]0.0,"千";0', 5000, "5.0"),
        ('[=0]"-";0.00', 5, "5.00"),
        ('#,##0.00,;-#,##0.00;"-"', -1500, "-1,500.00"),  # the negative section, not the scaled first one
        ('#,##0.00,;-#,##0.00;"-"', 0, "0"),  # a section without digits: the value as it is
        ("0.00;(0.00)", -5, "-5.00"),  # the sign is always shown as -
    ],
)
def test_a_conditional_number_format_shows_the_section_the_value_meets(number_format: str, value: float, shown: str) -> None:
    assert office.format_number(value, number_format) == shown


def test_a_cell_scaled_by_its_number_format_is_read_as_shown() -> None:
    def formats(sheet: object) -> None:
        sheet["C2"].number_format = "[$-804]0.00"  # type: ignore[index]
        sheet["C3"].number_format = "0!.0000"  # type: ignore[index]

    data = _xlsx([["科目名称", "单位：万元", "合计"], ["卫生健康支出", "", 135.46], ["合计", "", 1354600]], extra=formats)
    assert [ln.text for ln in read_xlsx(data)][2:] == ["卫生健康支出\t\t135.46", "合计\t\t135.4600"]


@pytest.mark.parametrize("number_format", ['0"-"0000', "0!.00!.00", "[<100]0.00"])
def test_a_number_format_not_showing_one_figure_is_an_error_naming_the_cell(number_format: str) -> None:
    # the reader of the sheet sees no figure (1-2050, 1.20.50): read as a figure it would be wrong
    data = _xlsx([["科目名称", "合计"], ["卫生健康支出", 12050]], extra=lambda sheet: setattr(sheet["B2"], "number_format", number_format))  # type: ignore[index]
    with pytest.raises(OfficeError, match=rf"sheet 表1 cell B2 .*number format {re.escape(repr(number_format))}"):
        read_xlsx(data)


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_hidden_sheets_are_not_read(state: str) -> None:
    # a hidden draft sheet is not part of what was published: its figures were read and could
    # stand for the visible table's
    def draft(sheet: object) -> None:
        hidden = sheet.parent.create_sheet("草稿", 0)  # type: ignore[attr-defined]
        hidden.append(["合计", 999])
        hidden.sheet_state = state

    assert [ln.text for ln in read_xlsx(_xlsx(TABLE[1:], extra=draft))] == ["表1", "科目编码\t科目名称\t合计", "210\t卫生健康支出\t135.46", "\t合计\t135.46"]


def test_a_strict_open_xml_workbook_is_an_error_saying_so() -> None:
    # Excel's "Strict Open XML Spreadsheet": openpyxl finds no sheets in it, and the workbook
    # was read as empty (then "not a budget disclosure")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_xlsx(TABLE))) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            xml = zin.read(item.filename).decode("utf-8")
            xml = xml.replace("http://schemas.openxmlformats.org/spreadsheetml/2006/main", "http://purl.oclc.org/ooxml/spreadsheetml/main")
            zout.writestr(item, xml.replace("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                            "http://purl.oclc.org/ooxml/officeDocument/relationships"))
    with pytest.raises(OfficeError, match=r"Strict Open XML.*save it as a normal Excel Workbook \(\.xlsx\)"):
        read_xlsx(out.getvalue())


def test_a_workbook_without_visible_sheets_is_an_error_saying_so() -> None:
    data = _rezip(_xlsx(TABLE), "xl/workbook.xml", lambda x: x.replace('state="visible" r:id', 'state="hidden" r:id'))
    with pytest.raises(OfficeError, match=r"the Excel workbook has no sheets to read \(1 hidden\)"):
        read_xlsx(data)
