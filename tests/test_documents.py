"""Documents: format told by content, PDF text layer and tables, DOCX/XLSX giving the same line
items as the text, clear errors for what cannot be read, OCR of the scanned sample."""

from __future__ import annotations

import io
import re
import struct
import zipfile
from pathlib import Path

import pytest

from budgetlib import ocr
from budgetlib.documents import (
    LoadedDocument,
    OcrNeeded,
    ReadSettings,
    UnreadableDocument,
    detect_format,
    load_document,
)
from budgetlib.numbers import parse_amount
from budgetlib.pdf import PdfSettings, read_pdf
from budgetlib.pipeline import DocumentResult, IngestError, process_bytes
from budgetlib.read import DecodeError, decode, normalize_line, to_rows

from .conftest import RAW, error_samples, text_samples

SHANGHAI = RAW / "shanghai_medical_insurance_center_2026_budget.pdf"


@pytest.fixture(scope="module")
def shanghai() -> LoadedDocument:
    return load_document(SHANGHAI.read_bytes())


# ---------------------------------------------------------------------------------------
# Telling formats apart by content


def test_pdf_bytes_named_txt_are_read_as_pdf() -> None:
    result = process_bytes(SHANGHAI.read_bytes(), "budget.txt")
    assert result.document["source_format"] == "pdf" and result.document["encoding"] is None
    assert result.document["unit_name"] == "上海市医疗保险事业管理中心"


HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>某县医疗保障局2024年部门预算</title>
<style>p {color: red}</style><script>var x = "收入 999";</script></head><body>
<h2>某县医疗保障局2024年部门预算信息公开</h2>
<p>2024年收入预算135.46万元，其中基本支出35.46万元。</p>
<p>部门预算支出总表</p><p>单位：万元</p>
<table><tr><th>科目编码</th><th>科目名称</th><th>合计</th><th>基本支出</th><th>项目支出</th></tr>
<tr><td></td><td>合计</td><td>135.46</td><td>35.46</td><td>100.00</td></tr>
<tr><td>210</td><td>卫生健康支出</td><td>135.46</td><td>35.46</td><td>100.00</td></tr>
<tr><td colspan="2">注：本表含项目支出</td><td></td><td></td><td></td></tr></table></body></html>"""


def test_html_saved_as_pdf_is_read_as_a_web_page() -> None:
    data = HTML.encode("utf-8")
    assert detect_format(data) == "html"
    doc = load_document(data)
    assert doc.source_format == "html"
    texts = [ln.text for ln in doc.lines]
    assert texts[0] == "某县医疗保障局2024年部门预算" and not any("999" in t or "color" in t for t in texts)
    assert "\t合计\t135.46\t35.46\t100.00" in texts
    result = process_bytes(data, "disclosure.pdf")
    assert result.indicators["expenditure_total"] == pytest.approx(135.46)
    assert result.indicators["basic_expenditure"] == pytest.approx(35.46)
    located = {i["location"] for i in result.line_items}
    assert located == {"table 1 row 2", "table 1 row 3"}


def _ole2(stream: str) -> bytes:
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + stream.encode("utf-16-le") + b"\x00" * 64


@pytest.mark.parametrize(("stream", "advice"), [("WordDocument", ".docx"), ("Workbook", ".xlsx")])
def test_legacy_doc_and_xls_say_what_to_convert_to(stream: str, advice: str) -> None:
    with pytest.raises(UnreadableDocument, match=re.escape(advice)):
        load_document(_ole2(stream))
    with pytest.raises(IngestError) as info:
        process_bytes(_ole2(stream), "budget.pdf")
    assert info.value.stage == "read" and "legacy" in info.value.message


def test_a_password_protected_docx_or_xlsx_says_so() -> None:
    # Word and Excel save a document with a password as an OLE2 file holding the encrypted
    # package: it was called a legacy .doc/.xls and the advice was to save it as .docx/.xlsx
    data = _ole2("EncryptionInfo") + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64
    assert detect_format(data) == "encrypted-office"
    with pytest.raises(UnreadableDocument, match=r"password-protected.*remove the password and save it again") as info:
        load_document(data)
    assert "legacy" not in str(info.value)


_END, _NONE = 0xFFFFFFFE, 0xFFFFFFFF


def _compound(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (512-byte sectors): sector 0 the FAT, 1 the directory (at
    most 3 streams), 2 the mini FAT, then the mini stream (streams under 4096 bytes, in 64-byte
    sectors) and the larger streams."""
    mini, mini_fat, starts = b"", [], {}
    for name, body in streams.items():
        if len(body) < 4096:
            starts[name], count = len(mini_fat), -(-len(body) // 64)
            mini_fat += [starts[name] + k + 1 for k in range(count - 1)] + [_END]
            mini += body.ljust(count * 64, b"\0")
    large = {name: body for name, body in streams.items() if len(body) >= 4096}
    fat, sectors = [0xFFFFFFFD, _END, _END], b""
    for name, body in {"": mini, **large}.items():
        starts[name], count = len(fat), max(1, -(-len(body) // 512))
        fat += [starts[name] + k + 1 for k in range(count - 1)] + [_END]
        sectors += body.ljust(count * 512, b"\0")

    def entry(name: str, kind: int, size: int, right: int = _NONE, child: int = _NONE) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBBIII", len(raw), kind, 1, _NONE, right, child) + b"\0" * 36
                + struct.pack("<IQ", starts[name if kind == 2 else ""], size))

    names = list(streams)
    directory = entry("Root Entry", 5, len(mini), child=1) + b"".join(
        entry(name, 2, len(streams[name]), right=k + 2 if k + 1 < len(names) else _NONE) for k, name in enumerate(names))
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16 + struct.pack("<HHHHH6x", 0x3E, 3, 0xFFFE, 9, 6)
              + struct.pack("<9I", 0, 1, 1, 0, 4096, 2, 1, _END, 0) + struct.pack("<I", 0) + b"\xff" * 432)
    def table(ids: list[int]) -> bytes:
        return struct.pack(f"<{len(ids)}I", *ids).ljust(512, b"\xff")

    return header + table(fat) + directory.ljust(512, b"\0") + table(mini_fat) + sectors


def _fib(flags: int, size: int) -> bytes:
    """The start of a Word document's WordDocument stream: its FIB (magic 0xA5EC, flags at 10)."""
    return (b"\xec\xa5\xc1\x00" + b"\0" * 6 + struct.pack("<H", flags)).ljust(size, b"\0")


def _biff(*kinds: int) -> bytes:
    """A workbook stream: BOF, then records of ``kinds`` (FILEPASS 0x2F, EOF 0x0A …)."""
    return struct.pack("<HH", 0x0809, 16) + b"\0" * 16 + b"".join(struct.pack("<HH", k, 6) + b"\0" * 6 for k in kinds)


# a password-protected .doc/.xls was called a plain legacy file (advice: save it as .docx/.xlsx)
@pytest.mark.parametrize(("streams", "fmt"), [
    ({"WordDocument": _fib(0x0100, 5000), "1Table": b"\0" * 100}, "encrypted-doc"),  # fEncrypted, in sectors
    ({"1Table": b"\0" * 100, "WordDocument": _fib(0x0100, 600)}, "encrypted-doc"),  # in the mini stream
    ({"WordDocument": _fib(0x0200, 5000), "1Table": b"\0" * 100}, "legacy-doc"),
    ({"Workbook": _biff(0x2F, 0x0A)}, "encrypted-xls"),
    ({"Workbook": _biff(0x86, 0x2F, 0x0A).ljust(4500, b"\0")}, "encrypted-xls"),  # after WRITEPROT
    ({"Book": _biff(0x2F, 0x0A)}, "encrypted-xls"),  # Excel 5/95
    ({"Workbook": _biff(0x0A, 0x2F)}, "legacy-xls"),  # FILEPASS of a later part is not the workbook's
    ({"Workbook": _biff(0x0A)}, "legacy-xls"),
])
def test_a_password_protected_doc_or_xls_says_so(streams: dict[str, bytes], fmt: str) -> None:
    data = _compound(streams)
    assert detect_format(data) == fmt
    with pytest.raises(IngestError) as info:
        process_bytes(data, "budget.doc")
    assert info.value.stage == "read" and ("password-protected" in info.value.message) is fmt.startswith("encrypted")


def test_a_damaged_compound_file_is_a_legacy_file() -> None:
    # its structure cannot be followed: it is not known to be encrypted
    data = _compound({"WordDocument": _fib(0x0100, 5000)})
    assert detect_format(data[:1200]) == "legacy-doc"
    assert detect_format(data[:0x30] + b"\xff" * 4 + data[0x34:]) == "legacy-doc"  # its directory is nowhere


def test_a_docx_whose_main_part_has_another_name_is_read() -> None:
    # the main part is named in _rels/.rels (word/document2.xml from Word Online), not always
    # word/document.xml: the file was called "a ZIP archive, not a document"
    from .test_office import _docx, _table

    renamed = {"word/document.xml": "word/document2.xml", "word/_rels/document.xml.rels": "word/_rels/document2.xml.rels"}
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_docx(_table(1, 2)))) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            content = zin.read(item.filename)
            if item.filename in ("[Content_Types].xml", "_rels/.rels"):
                content = content.replace(b"word/document.xml", b"word/document2.xml")
            zout.writestr(renamed.get(item.filename, item.filename), content)
    assert detect_format(out.getvalue()) == "docx"
    assert [ln.text for ln in load_document(out.getvalue()).lines] == ["0.0\t0.1"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"PK\x03\x04" + b"\x00" * 40, "damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "damaged or truncated"),
    ],
    ids=["empty", "broken-zip", "png", "pdf-header-only"],
)
def test_unreadable_input_gets_a_clear_error(data: bytes, words: str) -> None:
    with pytest.raises(DecodeError, match=words):
        load_document(data)


def test_a_truncated_pdf_is_a_clear_error() -> None:
    data = SHANGHAI.read_bytes()
    with pytest.raises(UnreadableDocument, match="damaged or truncated"):
        load_document(data[: len(data) // 3])


def _zip_needing_version(version: int) -> bytes:
    """A small DOCX whose first central-directory entry asks for zip ``version`` (×10) to extract."""
    import docx

    out = io.BytesIO()
    docx.Document().save(out)
    data = bytearray(out.getvalue())
    entry = data.index(b"PK\x01\x02")
    data[entry + 6] = version  # "version needed to extract"
    return bytes(data)


def test_zip_version_docx_is_a_clear_read_error() -> None:
    data = _zip_needing_version(255)  # zip 25.5: zipfile raised NotImplementedError
    with pytest.raises(UnreadableDocument, match="the zip container is damaged or uses an unsupported zip feature"):
        load_document(data)
    with pytest.raises(IngestError) as info:
        process_bytes(data, "budget.docx")
    assert info.value.stage == "read" and "unsupported zip feature" in info.value.message


def test_page_type_broken_pdf_is_a_read_error_naming_the_page() -> None:
    from .test_pdf import SAMPLE, _damage_page

    with pytest.raises(IngestError) as info:
        process_bytes(_damage_page(SAMPLE.read_bytes(), 3), SAMPLE.name)
    assert info.value.stage == "read" and info.value.message.startswith("page 3 cannot be read: the PDF is damaged")


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_an_office_memory_bomb_is_a_read_error(fmt: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from budgetlib import office

    from .test_office import TABLE, _docx, _table, _xlsx

    monkeypatch.setattr(office, "MAX_CELLS", 5)
    data = _docx(_table(2, 3)) if fmt == "docx" else _xlsx(TABLE)
    with pytest.raises(IngestError) as info:
        process_bytes(data, f"budget.{fmt}")
    assert info.value.stage == "read" and "more than 5 cells" in info.value.message


def test_text_is_read_exactly_as_before() -> None:
    for name in text_samples():
        data = (RAW / name).read_bytes()
        doc = load_document(data)
        text, encoding = decode(data)
        assert doc.source_format == f"text:{encoding}" and doc.locations == {} and not doc.ocr_lines
        assert [ln.text for ln in doc.lines][:50] == [ln.text for ln in load_document(text.encode("gb18030")).lines][:50]


# ---------------------------------------------------------------------------------------
# PDF with a text layer


def test_pdf_lines_keep_page_and_line(shanghai: LoadedDocument) -> None:
    assert shanghai.source_format == "pdf"
    assert all(re.fullmatch(r"p\.\d+ l\.\d+", shanghai.locations[ln.no]) for ln in shanghai.lines)
    by_location = {shanghai.locations[ln.no]: ln.text for ln in shanghai.lines}
    # the “三公” table: header spanning columns, figures in their columns
    assert by_location["p.19 l.6"] == "27.00\t20.00\t7.00\t\t\t\t902.68"
    # a code printed over 类 | 款 | 项 columns, a row continued on the next page
    assert by_location["p.8 l.8"].startswith("208\t05\t01\t行政单位离退休\t1,058,456")
    assert by_location["p.9 l.1"].startswith("210\t15\t99\t其他医疗保障管理事务支出\t24,088,400")
    # no page numbers, no letter-spacing inside Chinese words
    assert not any(re.fullmatch(r"\d{1,3}", ln.text) for ln in shanghai.lines)


def test_wrapped_cells_are_joined_and_justified_text_is_not_spaced() -> None:
    doc = load_document((RAW / "fuzhou_medical_insurance_2026_budget.pdf").read_bytes())
    texts = [ln.text for ln in doc.lines]
    # 机关事业单位基本养老保险缴费支 / 出 wraps inside its cell
    assert "2080505\t机关事业单位基本养老保险缴费支出\t553.54\t553.54\t" in texts
    jiangsu = load_document((RAW / "jiangsu_procuratorate_2019_budget.pdf").read_bytes())
    # printed letter-spaced (江 苏 省 人 民 检 察 院 2019 年 度 …): read as words again
    assert "江苏省人民检察院 2019 年度收入、支出预算总计" in [ln.text for ln in jiangsu.lines]


def test_both_pdf_libraries_give_the_same_lines() -> None:
    data = SHANGHAI.read_bytes()
    pdfium = [(ln.text, ln.location) for ln in read_pdf(data, PdfSettings(backend="pypdfium2"))]
    plumber = [(ln.text, ln.location) for ln in read_pdf(data, PdfSettings(backend="pdfplumber"))]
    assert pdfium == plumber


def _placed(page_index: int, rotate: bool) -> bytes:
    """One page of the Shanghai sample drawn inside a form XObject: shifted by 20 pt, or
    turned a quarter left on a portrait page shown with /Rotate 90 (upright again)."""
    import pypdfium2 as pdfium

    src = pdfium.PdfDocument(SHANGHAI.read_bytes())
    dest = pdfium.PdfDocument.new()
    w, h = src[page_index].get_size()
    form = src.page_as_xobject(page_index, dest).as_pageobject()
    if rotate:
        page = dest.new_page(h, w)
        form.transform(pdfium.PdfMatrix().rotate(90, ccw=True).translate(h, 0))
    else:
        page = dest.new_page(w + 40, h + 40)
        form.transform(pdfium.PdfMatrix().translate(20, 20))
    page.insert_obj(form)
    page.gen_content()
    if rotate:
        page.set_rotation(90)
    out = io.BytesIO()
    dest.save(out)
    return out.getvalue()


@pytest.mark.parametrize("rotate", [False, True], ids=["form-xobject", "rotated-page"])
def test_tables_inside_forms_and_on_rotated_pages(shanghai: LoadedDocument, rotate: bool) -> None:
    want = [ln.text for ln in shanghai.lines if shanghai.locations[ln.no].startswith("p.19 ")]
    data = _placed(18, rotate)
    for backend in ("pypdfium2", "pdfplumber"):
        assert [normalize_line(ln.text) for ln in read_pdf(data, PdfSettings(backend=backend))] == want, backend


def test_figures_from_a_pdf_cite_page_and_line() -> None:
    result = process_bytes(SHANGHAI.read_bytes(), "x.pdf")
    item = next(i for i in result.line_items if i["table_id"] == "three_public" and i["row_key"] == "因公出国(境)费")
    assert (item["location"], item["ocr"], item["value_wan"]) == ("p.19 l.6", False, 20.0)
    fact = next(f for f in result.facts if f["fact_name"] == "org_running_cost")
    assert fact["location"] == "p.20 l.9" and "902.68" in str(fact["line_text"])


# ---------------------------------------------------------------------------------------
# DOCX and XLSX made from the text samples give the same line items as the text


def _rows(name: str) -> list[tuple[str, list[str]]]:
    """The sample's rows: ("text", [line]) for prose and titles, ("cells", cells) for table rows."""
    text, _ = decode((RAW / name).read_bytes())
    from budgetlib.read import to_lines

    return [("text" if row.layout == "text" else "cells", list(row.cells)) for row in to_rows(to_lines(text))]


def _docx(name: str) -> bytes:
    import docx

    document = docx.Document()
    block: list[list[str]] = []

    def flush() -> None:
        if block:
            width = max(len(r) for r in block)
            table = document.add_table(rows=len(block), cols=width)
            for row, cells in zip(table.rows, block, strict=True):
                for target, cell in zip(row.cells, cells, strict=False):
                    target.text = cell
            block.clear()

    for kind, cells in _rows(name):
        if kind == "cells":
            block.append(cells)
            continue
        flush()
        document.add_paragraph(cells[0])
    flush()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _xlsx(name: str) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "预算公开"
    for r, (_, cells) in enumerate(_rows(name), start=1):
        for c, cell in enumerate(cells, start=1):
            target = sheet.cell(row=r, column=c)
            amount = parse_amount(cell)
            if amount is not None and "." in cell:  # figures as numbers, shown with their decimals
                decimals = len(cell.replace(" ", "").split(".")[1])
                target.value = amount
                target.number_format = ("#,##0." if "," in cell else "0.") + "0" * decimals
            else:
                target.value = cell
                target.data_type = "s"  # text as typed (=1293.69万元 is not a formula)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _items(result: DocumentResult) -> list[tuple[object, ...]]:
    keys = ("table_id", "block", "row_index", "row_label", "code", "measure", "period", "value_wan")
    return [tuple(i[k] for k in keys) for i in result.line_items]


@pytest.mark.parametrize("name", text_samples())
@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_docx_and_xlsx_give_the_same_line_items_as_the_text(fmt: str, name: str) -> None:
    text = process_bytes((RAW / name).read_bytes(), name)
    data = _docx(name) if fmt == "docx" else _xlsx(name)
    office = process_bytes(data, f"{name}.{fmt}")
    assert office.document["source_format"] == fmt
    assert _items(office) == _items(text)
    assert [(f["fact_name"], f["value"]) for f in office.facts] == [(f["fact_name"], f["value"]) for f in text.facts]
    expected_location = r"table \d+ row \d+" if fmt == "docx" else r"sheet 预算公开 row \d+"
    assert all(re.fullmatch(expected_location, str(i["location"])) for i in office.line_items)


def test_docx_merged_cells_keep_their_text_once() -> None:
    import docx

    document = docx.Document()
    table = document.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(1, 0)).text = "项目"
    table.cell(0, 1).merge(table.cell(0, 2)).text = "预算数"
    table.cell(1, 1).text, table.cell(1, 2).text = "基本支出", "项目支出"
    table.cell(2, 0).text, table.cell(2, 1).text, table.cell(2, 2).text = "合计", "35.46", "100.00"
    out = io.BytesIO()
    document.save(out)
    doc = load_document(out.getvalue())
    assert [ln.text for ln in doc.lines] == ["项目\t预算数\t", "\t基本支出\t项目支出", "合计\t35.46\t100.00"]
    assert [doc.locations[ln.no] for ln in doc.lines] == ["table 1 row 1", "table 1 row 2", "table 1 row 3"]


# ---------------------------------------------------------------------------------------
# Scanned PDF: OCR, or a clear error saying OCR is needed

SCAN = RAW / error_samples()[0] if error_samples() else Path("missing.pdf")


def test_a_scan_without_ocr_says_it_needs_ocr() -> None:
    with pytest.raises(OcrNeeded, match="no text layer.*needs OCR"):
        load_document(SCAN.read_bytes(), ReadSettings(ocr=False))


def test_a_scan_where_tesseract_is_missing_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "_languages", lambda: None)
    with pytest.raises(OcrNeeded, match="needs OCR, but tesseract is not installed"):
        load_document(SCAN.read_bytes())
    with pytest.raises(IngestError) as info:
        process_bytes(SCAN.read_bytes(), SCAN.name)
    assert info.value.stage == "read" and "needs OCR" in info.value.message


@pytest.mark.skipif(
    not ocr.ocr_available("chi_sim"),
    reason="tesseract with chi_sim is not installed here (Debian: tesseract-ocr tesseract-ocr-chi-sim; `make setup`)",
)
def test_the_scanned_sample_is_read_by_ocr_and_is_not_a_disclosure() -> None:
    # the one OCR of the suite (~15 s on 2 cores); later ingests of data/raw reuse its lines
    data = SCAN.read_bytes()
    doc = load_document(data)
    assert doc.source_format == "pdf-ocr"
    assert doc.ocr_lines == frozenset(ln.no for ln in doc.lines)  # every line flagged
    assert all(re.fullmatch(r"p\.[1-6] l\.\d+", doc.locations[ln.no]) for ln in doc.lines)
    text = "\n".join(ln.text for ln in doc.lines)
    assert "长沙市市场监督管理局" in text and "绩效评价" in text
    with pytest.raises(IngestError) as info:
        process_bytes(data, SCAN.name)
    assert info.value.stage == "recognise"
    assert "not a budget or final-accounts disclosure" in info.value.message and "OCR" in info.value.message
