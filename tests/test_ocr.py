"""OCR of scanned PDFs (budgetlib.ocr): pages are streamed through tesseract, in page order."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from budgetlib import ocr, pdf

from .conftest import PEAK_MB_SOURCE, needs_proc


class _Page:
    """A stand-in for a rendered page image that counts how many are alive at once."""

    alive = 0
    most = 0

    def __init__(self, number: int) -> None:
        self.number = number
        _Page.alive += 1
        _Page.most = max(_Page.most, _Page.alive)

    def __del__(self) -> None:
        _Page.alive -= 1


@pytest.fixture
def fake_ocr(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """render_pages and tesseract replaced: page N reads as the line "page N"; the pages read
    are listed."""
    read: list[int] = []
    _Page.alive = _Page.most = 0

    def render_pages(data: bytes, dpi: int = 200, numbers: object = None) -> Iterator[tuple[int, object]]:
        for number in range(1, int(data) + 1):
            if numbers is None or number in numbers:  # type: ignore[operator]
                yield number, _Page(number)

    def image_lines(image: _Page, language: str = "chi_sim") -> list[str]:
        read.append(image.number)
        return [f"page {image.number}"]

    monkeypatch.setattr(pdf, "render_pages", render_pages)
    monkeypatch.setattr(ocr, "ocr_image_lines", image_lines)
    monkeypatch.setattr(ocr, "_languages", lambda: frozenset({"chi_sim"}))
    ocr.clear_cache()
    yield read
    ocr.clear_cache()


def test_a_long_scan_is_ocrd_a_few_pages_at_a_time_in_page_order(fake_ocr: list[int]) -> None:
    # all 300 pages used to be rendered (≈14 MB each at 200 dpi) before the first was read
    lines = ocr.ocr_pdf(b"300", workers=2)
    assert [(ln.text, ln.location, ln.ocr) for ln in lines] == [(f"page {n}", f"p.{n} l.1", True) for n in range(1, 301)]
    assert _Page.most <= 2 * 2 + 1, f"{_Page.most} rendered pages were held at once"


def test_selected_pages_are_streamed_too_and_cached(fake_ocr: list[int]) -> None:
    pages = ocr.ocr_pages(b"200", tuple(range(2, 201, 2)), workers=3)
    assert list(pages) == list(range(2, 201, 2))
    assert pages[4] == (ocr.SourceLine("page 4", "p.4 l.1", ocr=True),)
    assert _Page.most <= 2 * 3 + 1
    assert ocr.ocr_pages(b"200", tuple(range(2, 201, 2)), workers=3) == pages
    assert len(fake_ocr) == 100  # the second call is served from the cache


def test_a_page_that_fails_stops_the_scan_with_its_error(fake_ocr: list[int], monkeypatch: pytest.MonkeyPatch) -> None:
    def image_lines(image: _Page, language: str = "chi_sim") -> list[str]:
        if image.number == 7:
            raise RuntimeError("tesseract failed on page 7")
        return ["x"]

    monkeypatch.setattr(ocr, "ocr_image_lines", image_lines)
    with pytest.raises(RuntimeError, match="page 7"):
        ocr.ocr_pdf(b"100", workers=2)


def _blank_scan(n_pages: int, width: int = 1654, height: int = 2339) -> bytes:
    """A PDF of ``n_pages`` blank A4 scans at 200 dpi (one shared image): a few KB."""
    image = zlib.compress(b"\xff" * (width * height), 9)
    objects: dict[int, bytes] = {1: b"<< /Type /Catalog /Pages 2 0 R >>"}
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objects[2] = f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode()
    objects[3] = (f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} /ColorSpace /DeviceGray "
                  f"/BitsPerComponent 8 /Filter /FlateDecode /Length {len(image)} >>\nstream\n").encode() + image + b"\nendstream"
    content = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
    for i in range(n_pages):
        objects[4 + 2 * i] = (f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /Im0 3 0 R >> >> "
                              f"/Contents {5 + 2 * i} 0 R >>").encode()
        objects[5 + 2 * i] = f"<< /Length {len(content)} >>\nstream\n".encode() + content + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for key in sorted(objects):
        offsets[key] = len(out)
        out += f"{key} 0 obj\n".encode() + objects[key] + b"\nendobj\n"
    xref, size = len(out), max(objects) + 1
    out += f"xref\n0 {size}\n0000000000 65535 f \n".encode() + b"".join(f"{offsets[k]:010d} 00000 n \n".encode() for k in range(1, size))
    out += f"trailer\n<< /Size {size} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


_PEAK = PEAK_MB_SOURCE + """
import sys
from budgetlib.pdf import render_pages
from budgetlib import ocr
ocr.ocr_image_lines = lambda image, language="chi_sim": []  # tesseract itself is not what is measured
ocr._languages = lambda: frozenset({"chi_sim"})
lines = ocr.ocr_pdf(open(sys.argv[1], "rb").read(), workers=2)
print(len(lines), peak_mb())
"""


@needs_proc
def test_a_long_real_scan_is_rendered_in_bounded_memory(tmp_path: Path) -> None:
    # 40 pages of ~4 MB each (grey, 200 dpi) rendered by pdfium: all at once peaked at ~600 MB
    path = tmp_path / "scan.pdf"
    path.write_bytes(_blank_scan(40))
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_PEAK), str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr[-2000:]
    n_lines, peak_mb = map(int, proc.stdout.split())
    assert n_lines == 0 and peak_mb < 300, f"a {path.stat().st_size // 1024} KB scan of 40 pages peaked at {peak_mb} MB"
