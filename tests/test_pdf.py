"""PDF reader: a damaged page is a clear error naming the page, with either backend (never a
library exception, never a page skipped without a word)."""

from __future__ import annotations

import io
import re

import pytest

from budgetlib.pdf import BACKENDS, PdfError, PdfSettings, read_pdf

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
