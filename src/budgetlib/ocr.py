"""OCR: a scanned PDF (pages that are images, no text layer) → lines of text, each marked OCR'd.

Takes the bytes of a PDF and gives :class:`~budgetlib.read.SourceLine` objects located as
``p.N l.M`` with ``ocr=True``. Pages are rendered with pypdfium2 and read by tesseract
(Debian ``tesseract-ocr`` + ``tesseract-ocr-chi-sim``, through pytesseract), several pages at
once; pages are rendered only as they are read (a few per OCR thread), so memory does not
grow with the length of a scan. Interword spaces are kept, so columns of a scanned table
stay apart by runs of spaces, which :func:`budgetlib.read.to_rows` reads as cells. Page
numbers (``- 3 -``, ``一1一``) are left out.

OCR misreads digits (``12,954.16`` as ``12.954.16``): every figure read here is flagged in
the outputs (``ocr`` column) so a researcher checks it against the scan, and the audit's
arithmetic shows which OCR'd tables add up. Nothing is cached between runs.

:func:`ocr_available` says whether tesseract and the language are installed;
:func:`ocr_pdf` raises :class:`OcrUnavailable` (with what to install) when they are not.
"""

from __future__ import annotations

import os
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache, lru_cache
from typing import TypeVar

from budgetlib.read import SourceLine

__all__ = ["OcrUnavailable", "ocr_available", "ocr_pdf", "ocr_pages", "ocr_image_lines", "clear_cache"]

_T = TypeVar("_T")
_R = TypeVar("_R")


class OcrUnavailable(RuntimeError):
    """tesseract, or its language data, is not installed here."""


_INSTALL = "install tesseract with Chinese (Debian: apt-get install tesseract-ocr tesseract-ocr-chi-sim; `make setup` does it where it can)"


@cache
def _languages() -> frozenset[str] | None:
    """Languages tesseract has here; None when tesseract itself is missing."""
    try:
        import pytesseract

        pytesseract.get_tesseract_version()
        return frozenset(pytesseract.get_languages(config=""))
    except Exception:  # pytesseract raises TesseractNotFoundError, OSError …
        return None


def ocr_available(language: str = "chi_sim") -> bool:
    """True when tesseract and every language of ``language`` (``chi_sim+eng``) are installed."""
    langs = _languages()
    return langs is not None and all(part in langs for part in language.split("+"))


def _check(language: str) -> None:
    langs = _languages()
    if langs is None:
        raise OcrUnavailable(f"tesseract is not installed here: {_INSTALL}")
    missing = [part for part in language.split("+") if part not in langs]
    if missing:
        raise OcrUnavailable(f"tesseract has no {'+'.join(missing)} language data here: {_INSTALL}")


_PAGE_NUMBER = re.compile(r"^[\s\-—–一_~]*\d{1,4}[\s\-—–一_~]*$|^第\s*\d+\s*页.*$")


def ocr_image_lines(image: object, language: str = "chi_sim") -> list[str]:
    """The text lines tesseract reads on one page image (blank lines and page numbers dropped)."""
    import pytesseract

    text = pytesseract.image_to_string(image, lang=language, config="-c preserve_interword_spaces=1")
    lines = [ln.rstrip() for ln in text.splitlines() if ln.strip()]
    # a page number stands alone at the top or bottom of the page
    for edge in (0, -1):
        if lines and _PAGE_NUMBER.match(lines[edge].strip()):
            lines.pop(edge)
    return [_tidy(ln) for ln in lines]


def _tidy(line: str) -> str:
    """Tesseract puts a space between every Chinese character and its neighbours in some
    fonts; spaces between two Chinese characters carry no meaning and are removed, runs of
    two or more spaces (table columns) are kept.

    >>> _tidy("2022 年 度 长 沙 市    12.954.16   万 元")
    '2022 年度长沙市    12.954.16   万元'
    """
    cjk = r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]"
    return re.sub(rf"(?<={cjk}) (?={cjk})", "", line)


def ocr_pdf(data: bytes, language: str = "chi_sim", dpi: int = 200, workers: int = 0) -> list[SourceLine]:
    """Every line of a scanned PDF, read by tesseract and marked ``ocr=True``.

    OCR takes seconds per page, so the lines of the last few scans read in this process are
    kept in memory (the same bytes give the same lines; nothing is written to disk):
    ingesting a folder twice in one session OCRs its scans once; :func:`clear_cache`
    forgets them.

    Raises :class:`OcrUnavailable` when tesseract or the language data are missing.
    """
    return [line for lines in ocr_pages(data, None, language, dpi, workers).values() for line in lines]


def ocr_pages(data: bytes, numbers: tuple[int, ...] | None, language: str = "chi_sim", dpi: int = 200,
              workers: int = 0) -> dict[int, tuple[SourceLine, ...]]:
    """The lines of the pages ``numbers`` (1-based; None: every page) of a PDF, read by
    tesseract and marked ``ocr=True``: page number → its lines, as :func:`ocr_pdf` (whose
    cache they share). Scanned pages among text pages are read so.

    Raises :class:`OcrUnavailable` when tesseract or the language data are missing.
    """
    _check(language)
    return dict(_ocr_pdf(data, numbers, language, dpi, workers))


def clear_cache() -> None:
    """Forget the scans OCR'd in this process."""
    _ocr_pdf.cache_clear()


@lru_cache(maxsize=8)
def _ocr_pdf(data: bytes, numbers: tuple[int, ...] | None, language: str, dpi: int,
             workers: int) -> tuple[tuple[int, tuple[SourceLine, ...]], ...]:
    from budgetlib.pdf import render_pages

    def read(page: tuple[int, object]) -> tuple[int, tuple[SourceLine, ...]]:
        number, image = page
        lines = ocr_image_lines(image, language)
        return number, tuple(SourceLine(text, f"p.{number} l.{n}", ocr=True) for n, text in enumerate(lines, start=1))

    return tuple(_in_order(read, render_pages(data, dpi, numbers), workers or os.cpu_count() or 1))


def _in_order(work: Callable[[_T], _R], items: Iterable[_T], workers: int) -> Iterator[_R]:
    """``work`` done on each of ``items`` by ``workers`` threads, the results in the order of
    the items. Items are taken from ``items`` only as threads come free (at most two per
    thread waiting or in work), so a long scan is never held in memory whole: a page is
    rendered, OCR'd and dropped. Pending work is cancelled when one item fails.

    >>> list(_in_order(lambda n: n * n, iter(range(5)), 2))
    [0, 1, 4, 9, 16]
    """
    with ThreadPoolExecutor(max_workers=workers) as pool:  # tesseract runs as a subprocess
        pending: deque[Future[_R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(work, item))
                if len(pending) >= 2 * workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for future in pending:
                future.cancel()
