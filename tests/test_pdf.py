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
