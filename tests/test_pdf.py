"""PDF reader: a damaged page is a clear error naming the page, with either backend (never a
library exception, never a page skipped without a word); text that does not show, tables side
by side, scanned pages among text pages, watermarks, fake bold, wrapped figures, turned tables."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from budgetlib import ocr
from budgetlib.documents import OcrNeeded, ReadSettings, load_document
from budgetlib.pdf import BACKENDS, NeedsOcr, PdfError, PdfSettings, read_pdf
from budgetlib.pipeline import process_bytes

from .conftest import RAW

SAMPLE = RAW / "fuzhou_medical_insurance_2026_budget.pdf"


def _page_object_id(data: bytes, number: int) -> int:
    """The object number of page ``number`` (1-based), from the PDF's page tree."""
    from pdfminer.pdfdocument import PDFDocument
    from pdfminer.pdfpage import PDFPage
    from pdfminer.pdfparser import PDFParser

    document = PDFDocument(PDFParser(io.BytesIO(data)))
    pages = list(PDFPage.create_pages(document))
    return int(pages[number - 1].pageid)


def _damage_page(data: bytes, number: int) -> bytes:
    """``data`` with page ``number``'s ``/Type /Page`` changed to ``/Type /Pxge`` (same length,
    so the cross-reference table still holds)."""
    start = re.search(rb"(?<!\d)%d 0 obj" % _page_object_id(data, number), data)
    assert start is not None
    match = re.compile(rb"/Type\s*/Page(?![s\w])").search(data, start.end())
    assert match is not None
    return data[: match.end() - 3] + b"x" + data[match.end() - 2:]


@pytest.mark.parametrize("backend", BACKENDS)
def test_page_type_broken_pdf_names_the_damaged_page(backend: str) -> None:
    data = _damage_page(SAMPLE.read_bytes(), 3)
    with pytest.raises(PdfError, match=r"^page 3 cannot be read: the PDF is damaged"):
        read_pdf(data, PdfSettings(backend=backend))


# ---------------------------------------------------------------------------------------
# Text that does not show


def _pdf(content: bytes, image: bool = False) -> bytes:
    """A one-page PDF drawing ``content`` with a Chinese font (F1) and, when ``image``, a
    grey image (Im1) to draw with ``Do``."""
    font = (b"<< /Type /Font /Subtype /Type0 /BaseFont /STSong-Light /Encoding /UniGB-UCS2-H /DescendantFonts [<< "
            b"/Type /Font /Subtype /CIDFontType0 /BaseFont /STSong-Light /CIDSystemInfo << /Registry (Adobe) "
            b"/Ordering (GB1) /Supplement 2 >> /DW 1000 /FontDescriptor << /Type /FontDescriptor /FontName "
            b"/STSong-Light /Flags 6 /FontBBox [-25 -254 1000 880] /ItalicAngle 0 /Ascent 880 /Descent -120 "
            b"/CapHeight 880 /StemV 93 >> >>] >>")
    xobject = b" /XObject << /Im1 6 0 R >>" if image else b""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>", font,
               b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 3 0 R >>"
               + xobject + b" >> >>",
               b"<< /Type /XObject /Subtype /Image /Width 2 /Height 2 /ColorSpace /DeviceGray /BitsPerComponent 8 "
               b"/Length 4 >>\nstream\n\x80\x90\xa0\xb0\nendstream"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1) + b"".join(b"%010d 00000 n \n" % o for o in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


def _text(x: float, y: float, text: str, state: str = "0 g") -> bytes:
    return f"BT {state} /F1 12 Tf {x} {y} Td <{text.encode('utf-16-be').hex()}> Tj ET\n".encode()


def _read(content: bytes, backend: str, image: bool = False) -> list[str]:
    return [line.text for line in read_pdf(_pdf(content, image), PdfSettings(backend=backend))]


@pytest.mark.parametrize("backend", BACKENDS)
def test_white_text_on_the_page_is_not_read(backend: str) -> None:
    """A white 999.00 in a cell that shows empty (a figure hidden in a spreadsheet, printed to
    PDF) would be read as the cell's figure."""
    content = _text(40, 800, "合计") + _text(120, 800, "999.00", "1 g") + _text(40, 780, "支出") + _text(120, 780, "5.00")
    assert _read(content, backend) == ["合计", "支出\t5.00"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_white_text_on_a_dark_background_is_read(backend: str) -> None:
    content = b"0 0 0.5 rg 30 790 200 30 re f\n" + _text(40, 800, "合计") + _text(120, 800, "5.00", "1 g") + _text(40, 760, "支出")
    assert _read(content, backend) == ["合计\t5.00", "支出"]


def test_invisible_text_is_not_read_but_over_an_image_it_is_the_scan_text() -> None:
    """Render mode 3 draws nothing: alone on a page it is hidden; over an image it is the text
    layer of a scan made searchable (OCR), which is what the page shows."""
    hidden = _text(40, 800, "支出合计数") + _text(120, 800, "999.00", "3 Tr")
    assert _read(hidden, "pypdfium2") == ["支出合计数"]
    scan = b"q 300 0 0 100 30 760 cm /Im1 Do Q\n" + _text(40, 800, "支出合计数", "3 Tr") + _text(120, 800, "5.00", "3 Tr")
    assert _read(scan, "pypdfium2", image=True) == ["支出合计数\t5.00"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_pdf_without_pages_says_so(backend: str) -> None:
    empty = _pdf(b"").replace(b"/Kids [5 0 R] /Count 1", b"/Kids [] /Count 0").replace(b"/Type /Page /", b"/Type /Pxge /")
    with pytest.raises(PdfError, match="^the PDF has no pages$"):
        read_pdf(empty, PdfSettings(backend=backend))


def test_the_putuo_final_accounts_codes_over_three_columns_are_codes_not_figures() -> None:
    from budgetlib.documents import ReadSettings
    from budgetlib.pipeline import process_path

    result = process_path(RAW / "shanghai_putuo_finance_2024_final.pdf", ReadSettings(ocr=False))
    assert not isinstance(result, Exception)
    expenditure = [i for i in result.line_items if i["table_id"] == "expenditure"]
    assert not [i for i in expenditure if re.fullmatch(r"\d\d", i["value_original"])]  # 06, 01: parts of 2010601
    assert {i["code"] for i in expenditure if i["row_label"] == "行政运行"} == {"2010601"}


def _ruled(x0: float, y0: float, rows: list[list[str]], widths: tuple[float, ...], h: float = 20) -> bytes:
    """A table drawn with rules, its top left corner at (x0, y0), its cells' text inside."""
    xs = [x0]
    for w in widths:
        xs.append(xs[-1] + w)
    out = b""
    for k, row in enumerate(rows):
        for i, cell in enumerate(row):
            if cell:
                out += _text(xs[i] + 3, y0 - k * h - 15, cell)
    for k in range(len(rows) + 1):
        out += f"{xs[0]} {y0 - k * h} m {xs[-1]} {y0 - k * h} l S\n".encode()
    for x in xs:
        out += f"{x} {y0} m {x} {y0 - len(rows) * h} l S\n".encode()
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_two_tables_side_by_side_are_read_one_after_the_other(backend: str) -> None:
    """Two ruled tables side by side on a page, each with its title above it: their rows were
    interleaved line by line (收入总表's row, then 支出总表's …), and neither table was found."""
    left = [["项目", "金额"], ["收入合计", "120.50"], ["财政拨款", "100.50"]]
    right = [["项目", "金额"], ["支出合计", "120.50"], ["基本支出", "20.00"]]
    content = (_text(30, 790, "部门收入总表") + _text(30, 772, "单位：万元") + _ruled(30, 760, left, (150, 100))
               + _text(310, 790, "部门支出总表") + _text(310, 772, "单位：万元") + _ruled(310, 760, right, (150, 100))
               + _text(200, 600, "第一部分说明"))
    assert _read(content, backend) == ["部门收入总表", "单位：万元", "项目\t金额", "收入合计\t120.50", "财政拨款\t100.50",
                                       "部门支出总表", "单位：万元", "项目\t金额", "支出合计\t120.50", "基本支出\t20.00",
                                       "第一部分说明"]


# ---------------------------------------------------------------------------------------
# PDFs made with Typst, read as the same table given as text

FONTS = ["/usr/share/fonts/opentype/noto"]
PAGE = '#set page(paper: "a4", margin: 2cm)\n'
TYPST_TEXT = '#set text(font: "Noto Serif CJK SC", size: 10pt, lang: "zh")\n'
HEADER = ["科目编码", "科目名称", "合计", "基本支出", "项目支出"]
ROWS = [
    ["", "合计", "1234.56", "1000.00", "234.56"],
    ["2010601", "行政运行", "1000.00", "1000.00", ""],
    ["2010602", "一般行政管理事务", "234.56", "", "234.56"],
]
TITLE = "某某县财政局2024年部门预算"


def _typst(tmp_path: Path, body: str, page: str = PAGE, name: str = "doc") -> bytes:
    """The PDF Typst makes of ``body`` (Noto CJK fonts, A4)."""
    typst = pytest.importorskip("typst")
    src = tmp_path / f"{name}.typ"
    src.write_text(page + TYPST_TEXT + body, encoding="utf-8")
    out = tmp_path / f"{name}.pdf"
    typst.compile(str(src), output=str(out), font_paths=FONTS)
    return out.read_bytes()


def _table(rows: list[list[str]], columns: str = "5", extra: str = "") -> str:
    cells = ",\n".join(f"[{c}]" for row in rows for c in row)
    return f"#table(columns: {columns}, {extra}\n{cells})\n"


def _doc(table: str) -> str:
    return f"{TITLE}\n\n一般公共预算支出表\n\n单位：万元\n\n{table}"


def _text_version(rows: list[list[str]]) -> bytes:
    return "\n".join([TITLE, "一般公共预算支出表", "单位：万元", *("\t".join(r) for r in [HEADER, *rows])]).encode()


def _figures(data: bytes, name: str, settings: ReadSettings | None = None) -> list[tuple[object, ...]]:
    """(row label, code, column header, value) of every figure read, in order."""
    return [(i["row_label"], i["code"], i["column_header"], i["value"]) for i in process_bytes(data, name, settings).line_items]


def _mixed(tmp_path: Path) -> bytes:
    """Two pages: narrative with a text layer, then a scan (an image) of a table."""
    import pypdfium2 as pdfium

    scan = _typst(tmp_path, "#set text(size: 14pt)\n一般公共预算支出表\n\n单位：万元\n\n" + _table([HEADER, *ROWS]), name="scan")
    pdfium.PdfDocument(scan)[0].render(scale=200 / 72).to_pil().save(tmp_path / "scan.png")
    body = f"{TITLE}\n\n第一部分 部门概况\n\n本部门主要职责是管理财政收支。\n\n#pagebreak()\n#image(\"scan.png\", width: 100%)\n"
    return _typst(tmp_path, body, name="mixed")


def test_a_scanned_page_among_text_pages_is_read_by_ocr(tmp_path: Path) -> None:
    """The scanned page 2 of a PDF whose page 1 has a text layer was dropped without a word
    (OCR ran only when every page was a scan)."""
    if not ocr.ocr_available("chi_sim"):
        pytest.skip("tesseract with chi_sim is not installed here")
    doc = load_document(_mixed(tmp_path))
    assert doc.source_format == "pdf"
    pages = [doc.locations[ln.no].split()[0] for ln in doc.lines]
    assert pages == sorted(pages) and {"p.1", "p.2"} <= set(pages)
    assert doc.ocr_lines == frozenset(ln.no for ln in doc.lines if doc.locations[ln.no].startswith("p.2 "))
    assert any("一般公共预算支出表" in ln.text for ln in doc.lines if ln.no in doc.ocr_lines)


def test_a_scanned_page_among_text_pages_without_ocr_is_an_error_naming_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = _mixed(tmp_path)
    with pytest.raises(NeedsOcr) as info:
        read_pdf(data)
    assert info.value.pages == (2,) and [ln.location.split()[0] for ln in info.value.text_pages[1]] == ["p.1"] * 3
    with pytest.raises(OcrNeeded, match=r"^page 2 of this PDF has no text layer \(a scan\): it needs OCR, which is switched off"):
        load_document(data, ReadSettings(ocr=False))
    monkeypatch.setattr(ocr, "_languages", lambda: None)
    with pytest.raises(OcrNeeded, match=r"^page 2 of this PDF has no text layer \(a scan\): it needs OCR, but tesseract is not installed"):
        load_document(data)


def test_a_diagonal_watermark_does_not_break_the_table(tmp_path: Path) -> None:
    """A light grey watermark at 30° across a table (county portals stamp their PDFs so): its
    glyphs were read as horizontal text, one or two per line, between the table's rows."""
    page = ('#set page(paper: "a4", margin: 2cm, background: rotate(-30deg, '
            'text(size: 40pt, fill: luma(85%))[某某县人民政府网 2024-06-01]))\n')
    data = _typst(tmp_path, f"{TITLE}\n\n#v(7cm)\n" + _doc(_table([HEADER, *ROWS])).split("\n\n", 1)[1], page=page)
    for backend in BACKENDS:
        assert _figures(data, "a.pdf", ReadSettings(pdf=PdfSettings(backend=backend))) == _figures(_text_version(ROWS), "a.txt")


@pytest.mark.parametrize("dx", ["0.2pt", "0.5pt", "1pt"])
def test_fake_bold_is_read_once_with_both_backends(tmp_path: Path, dx: str) -> None:
    """Each character printed twice a fraction of a point apart: pdfplumber read "12234.556"
    (copies were recognised only at the same rounded position)."""
    def bold(s: str) -> str:
        return f"#box[#place(dx: {dx})[{s}]{s}]"

    rows = [["", bold("合计"), bold("1234.56"), bold("1000.00"), bold("234.56")], *ROWS[1:]]
    data = _typst(tmp_path, _doc(_table([HEADER, *rows])))
    pdfium = [ln.text for ln in read_pdf(data, PdfSettings(backend="pypdfium2"))]
    plumber = [ln.text for ln in read_pdf(data, PdfSettings(backend="pdfplumber"))]
    assert "\t合计\t1234.56\t1000.00\t234.56" in pdfium
    assert plumber == pdfium


def test_a_figure_wrapped_in_its_cell_is_one_figure(tmp_path: Path) -> None:
    """"12,345," over "678.90" in a narrow ruled cell was taken for two unruled rows."""
    def wrap(v: str) -> str:
        head, tail = v.rsplit(",", 1)
        return f"{head},#linebreak(){tail}"

    big = [["", "合计", "12,345,678.90", "10,000,000.00", "2,345,678.90"], ["2010601", "行政运行", "10,000,000.00", "10,000,000.00", ""]]
    pdf_rows = [[c if "," not in c else wrap(c) for c in r] for r in big]
    data = _typst(tmp_path, _doc(_table([HEADER, *pdf_rows], "(2cm, 3cm, 1.6cm, 1.6cm, 1.6cm)", "align: (left, left, right, right, right),")))
    for backend in BACKENDS:
        assert _figures(data, "a.pdf", ReadSettings(pdf=PdfSettings(backend=backend))) == _figures(_text_version(big), "a.txt")


def test_a_table_turned_sideways_on_a_portrait_page_is_read(tmp_path: Path) -> None:
    """A wide table turned a quarter on a portrait page without /Rotate (the reader turns the
    paper): its glyphs were grouped by their height on the page, one character of each column
    per line, and every figure was lost without a word."""
    inner = "[一般公共预算支出表\n\n单位：万元\n\n" + _table([HEADER, *ROWS], "(3cm, 5cm, 3cm, 3cm, 3cm)") + "]"
    for angle in ("-90deg", "90deg"):
        data = _typst(tmp_path, f"{TITLE}\n\n#rotate({angle}, reflow: true, block(width: 24cm, {inner}))\n")
        for backend in BACKENDS:
            got = _figures(data, "a.pdf", ReadSettings(pdf=PdfSettings(backend=backend)))
            assert got == _figures(_text_version(ROWS), "a.txt"), (angle, backend)


@pytest.mark.parametrize("stroke", ["(x: none, y: 0.5pt)", "none"], ids=["horizontal-rules-only", "no-rules"])
def test_a_table_without_vertical_rules_keeps_its_empty_cells(tmp_path: Path, stroke: str) -> None:
    """A 三线表 (or a table with no rules): each printed line was split at its gaps, so an empty
    cell vanished and the figures after it moved one column left."""
    extra = f"stroke: {stroke}, align: (left, left, right, right, right),"
    data = _typst(tmp_path, _doc(_table([HEADER, *ROWS], "(2cm, 4cm, 2.5cm, 2.5cm, 2.5cm)", extra)))
    for backend in BACKENDS:
        assert _figures(data, "a.pdf", ReadSettings(pdf=PdfSettings(backend=backend))) == _figures(_text_version(ROWS), "a.txt")


def test_an_unruled_row_with_a_name_wrapped_around_its_figures_is_one_row(tmp_path: Path) -> None:
    """A name on two lines with the figures centred on them (Excel's default): the row was read
    as three lines, labelled "234.56"."""
    rows = [
        ["2010601", "行政运行", "1000.00", "1000.00", "0.00"],
        ["2010602", "一般行政管理事务（含信息化建设及运维）", "234.56", "0.00", "234.56"],
        ["2010650", "事业运行", "10.00", "10.00", "0.00"],
    ]
    centred = "align: (left + horizon, left + horizon, right + horizon, right + horizon, right + horizon),"
    data = _typst(tmp_path, _doc(_table([HEADER, *rows], "(2cm, 4cm, 2.5cm, 2.5cm, 2.5cm)", f"stroke: (x: none, y: 0.5pt), {centred}")))
    assert "2010602\t一般行政管理事务（含信息化建设及运维）\t234.56\t0.00\t234.56" in [ln.text for ln in read_pdf(data)]
    assert _figures(data, "a.pdf") == _figures(_text_version(rows), "a.txt")


@pytest.mark.parametrize("backend", BACKENDS)
def test_unruled_columns_come_from_the_figure_rows_and_lines_that_do_not_fit_stay_text(backend: str) -> None:
    """Columns are where the cells of the figure rows stand: 收入合计's figure is under 100.50,
    so its middle cell is empty. Lines whose cells do not fall into three or more columns
    (a figure across two others) are read as before."""
    table = (_text(40, 800, "收入合计") + _text(200, 800, "120.50") + _text(40, 780, "其中") + _text(100, 780, "财政拨款")
             + _text(170, 780, "100.50") + _text(40, 760, "第一部分说明"))
    assert _read(table, backend) == ["收入合计\t\t120.50", "其中\t财政拨款\t100.50", "第一部分说明"]
    not_table = (_text(40, 800, "收入合计") + _text(150, 800, "1,234,567.89") + _text(40, 780, "其中") + _text(110, 780, "财政拨款")
                 + _text(200, 780, "100.50"))
    assert _read(not_table, backend) == ["收入合计\t1,234,567.89", "其中\t财政拨款\t100.50"]
