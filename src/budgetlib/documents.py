"""Documents: a file's bytes, whatever its format → numbered lines with their locations.

Takes the bytes of one published document and gives a :class:`LoadedDocument`: the same
numbered, normalised :class:`~budgetlib.read.Line` objects the text reader gives (table rows
as tab-separated cells, narrative as lines of text), the format it was read as, where each
line stands in the original (``p.3 l.12``, ``table 2 row 5``, ``sheet 表1 row 7``) and which
lines OCR read.

The format is told by the content, never by the file name (:func:`detect_format`):

==============  ==========================================  =============================
format          recognised by                                read by
==============  ==========================================  =============================
``pdf``         ``%PDF`` near the start                      :mod:`budgetlib.pdf` (scanned pages
                                                             among them: :mod:`budgetlib.ocr`)
``pdf-ocr``     a PDF whose pages are images (a scan)        :mod:`budgetlib.ocr`
``docx``        a ZIP whose main part is a Word document     :mod:`budgetlib.office`
``xlsx``        a ZIP whose main part is an Excel workbook   :mod:`budgetlib.office`
``html``        an HTML tag first (``<html``, ``<p>``…)      :mod:`budgetlib.webpage`
``csv:<enc>``   text of comma-separated values (a saved sheet) :func:`budgetlib.read.csv_lines`
``text:<enc>``  anything else that decodes as text           :mod:`budgetlib.read`
==============  ==========================================  =============================

The main part of a ZIP is the one its ``_rels/.rels`` names (usually ``word/document.xml`` or
``xl/workbook.xml``). Legacy Word/Excel files (``.doc``/``.xls``, OLE2 containers),
password-protected DOCX/XLSX (OLE2 containers holding an ``EncryptedPackage``) and .doc/.xls
(an encrypted flag in the Word FIB, a FILEPASS record in the Excel workbook stream), images,
OpenDocument files and other binaries raise :class:`UnreadableDocument` saying what the file is and what to convert it
to. Every error is a :class:`budgetlib.read.DecodeError`, so callers need catch only that.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from xml.etree import ElementTree

from budgetlib.office import MAX_INDEX_PART, main_part
from budgetlib.pdf import NeedsOcr, PdfError, PdfSettings, read_pdf
from budgetlib.read import (
    DecodeError,
    Line,
    SourceLine,
    csv_lines,
    decode,
    looks_like_csv,
    normalize_line,
    to_lines,
)
from budgetlib.webpage import looks_like_html

__all__ = [
    "ReadSettings",
    "LoadedDocument",
    "UnreadableDocument",
    "OcrNeeded",
    "detect_format",
    "load_document",
]


class UnreadableDocument(DecodeError):
    """A file that cannot be read as a disclosure, with the reason in plain words."""


class OcrNeeded(UnreadableDocument):
    """A scanned PDF, or scanned pages among text pages, that cannot be OCR'd here (OCR off or
    not installed); the message names the pages."""


@dataclass(frozen=True, slots=True)
class ReadSettings:
    """How documents are read.

    >>> ReadSettings(ocr_dpi=50)
    Traceback (most recent call last):
    ...
    ValueError: ocr_dpi must be between 100 and 600 (got 50)
    """

    #: read scanned PDFs by OCR (tesseract); when False they are reported as needing OCR
    ocr: bool = True
    #: tesseract language(s), e.g. ``chi_sim`` or ``chi_sim+eng``
    ocr_language: str = "chi_sim"
    #: resolution pages are rendered at for OCR
    ocr_dpi: int = 200
    #: pages OCR'd at once (0: one per CPU)
    ocr_workers: int = 0
    pdf: PdfSettings = field(default_factory=PdfSettings)

    def __post_init__(self) -> None:
        if not 100 <= self.ocr_dpi <= 600:
            raise ValueError(f"ocr_dpi must be between 100 and 600 (got {self.ocr_dpi})")
        if self.ocr_workers < 0:
            raise ValueError("ocr_workers must be 0 (one per CPU) or more")


@dataclass(frozen=True, slots=True)
class LoadedDocument:
    """A document read into numbered lines.

    Attributes:
        lines: numbered (from 1), normalised lines; table rows are tab-separated cells.
        source_format: ``text:<encoding>``, ``csv:<encoding>``, ``pdf``, ``pdf-ocr``, ``docx``, ``xlsx`` or ``html``.
        locations: line number → where the line stands in the original (absent for text files,
            whose line number is the location).
        ocr_lines: numbers of the lines whose text came from OCR.
    """

    lines: list[Line]
    source_format: str
    locations: dict[int, str] = field(default_factory=dict)
    ocr_lines: frozenset[int] = frozenset()

    @property
    def encoding(self) -> str | None:
        """The text encoding, for text and CSV files; None for formats that carry Unicode inside."""
        return self.source_format.split(":", 1)[1] if self.source_format.startswith(("text:", "csv:")) else None

    def location(self, line_no: int) -> str | None:
        return self.locations.get(line_no)

    def is_ocr(self, line_no: int) -> bool:
        return line_no in self.ocr_lines


# ---------------------------------------------------------------------------------------
# Telling formats apart

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_IMAGES = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"II*\x00", b"MM\x00*")
_ARCHIVES = (b"Rar!", b"7z\xbc\xaf\x27\x1c", b"\x1f\x8b")


def detect_format(data: bytes) -> str:
    """The format of ``data`` from its content: pdf, docx, xlsx, html, text, or a short
    description of what else it is (``legacy-doc``, ``legacy-xls``, ``legacy-office``, ``encrypted-office``,
    ``encrypted-doc``, ``encrypted-xls``, ``zip``, ``zip-damaged``, ``zip-unsupported``, ``odf``, ``image``, ``archive``).

    >>> detect_format(b"%PDF-1.7 ..."), detect_format(b"<!DOCTYPE html><html>"), detect_format("收入".encode())
    ('pdf', 'html', 'text')
    """
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        return _zip_format(data)
    if data.startswith(_OLE2):
        return _ole_format(data)
    if looks_like_html(head):  # a page, or a fragment of one (<p>, <table> … first)
        return "html"
    if data.startswith(_IMAGES):
        return "image"
    if data.startswith(_ARCHIVES):
        return "archive"
    return "text"


def _zip_format(data: bytes) -> str:
    """What a ZIP holds: ``docx``, ``xlsx``, ``odf``, ``zip``; ``zip-damaged`` when its directory
    cannot be read, ``zip-unsupported`` when it needs a zip feature Python lacks (e.g. a
    "version needed to extract" above 6.3)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            main = _main_part_type(archive)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return "zip-damaged"
    except NotImplementedError:  # zipfile: "zip file version 25.5", unknown compression …
        return "zip-unsupported"
    if "word/document.xml" in names or "wordprocessingml" in main or "ms-word" in main:
        return "docx"
    if "xl/workbook.xml" in names or "spreadsheetml" in main or "ms-excel" in main:
        return "xlsx"
    if "mimetype" in names or "content.xml" in names:
        return "odf"
    return "zip"


def _main_part_type(archive: zipfile.ZipFile) -> str:
    """The content type of an Office file's main part (:func:`budgetlib.office.main_part`), as
    its ``[Content_Types].xml`` gives it; "" if there is none."""
    part = main_part(archive)
    try:
        index = archive.getinfo("[Content_Types].xml")
        if not part or index.file_size > MAX_INDEX_PART:
            return ""  # not an Office file's: this part is a few KB
        types = ElementTree.fromstring(archive.read(index))
    except (KeyError, ElementTree.ParseError):
        return ""
    return next((t.get("ContentType", "") for t in types if t.get("PartName") == "/" + part), "")


def _ole_format(data: bytes) -> str:
    """Legacy Office files are OLE2 containers; their stream names tell Word from Excel. A
    password-protected DOCX/XLSX is one too, holding the encrypted package; a password-protected
    .doc/.xls says so in its main stream (:func:`_doc_encrypted`, :func:`_xls_encrypted`)."""
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "encrypted-office"
    if "WordDocument".encode("utf-16-le") in data:
        return "encrypted-doc" if _doc_encrypted(data) else "legacy-doc"
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "encrypted-xls" if _xls_encrypted(data) else "legacy-xls"
    return "legacy-office"


#: the fEncrypted flag of a Word document's FIB (the 16 bits at offset 10 of WordDocument)
_FIB_ENCRYPTED = 0x0100
#: BIFF records: FILEPASS (the workbook is encrypted) and EOF (the end of the globals part)
_BIFF_FILEPASS, _BIFF_EOF = 0x002F, 0x000A
#: how much of a workbook stream is searched for FILEPASS (it follows the first record, BOF)
_BIFF_HEAD = 8192


def _doc_encrypted(data: bytes) -> bool:
    """Whether a legacy Word document is password-protected: its FIB (magic ``0xA5EC``) has
    the fEncrypted flag set."""
    fib = _ole_stream(data, ("WordDocument",), 12)
    if fib is None or len(fib) < 12 or fib[:2] != b"\xec\xa5":
        return False
    return bool(int.from_bytes(fib[10:12], "little") & _FIB_ENCRYPTED)


def _xls_encrypted(data: bytes) -> bool:
    """Whether a legacy Excel workbook is password-protected: a FILEPASS record among the
    first records of its workbook stream (record headers are never encrypted), before the
    end of its globals part."""
    stream = _ole_stream(data, ("Workbook", "Book"), _BIFF_HEAD) or b""
    at = 0
    while at + 4 <= len(stream):
        kind, size = struct.unpack_from("<HH", stream, at)
        if kind in (_BIFF_FILEPASS, _BIFF_EOF):
            return kind == _BIFF_FILEPASS
        at += 4 + size
    return False


_OLE_LAST_ID = 0xFFFFFFFA  # sector ids above it end a chain (end of chain, free, FAT sectors)
_OLE_NO_ENTRY = 0xFFFFFFFF


def _ole_stream(data: bytes, names: tuple[str, ...], limit: int) -> bytes | None:
    """The first ``limit`` bytes (or fewer) of the first of ``names`` found among the streams
    at the top of an OLE2 compound file; None when there is none or the file's structure
    cannot be followed (damaged or truncated: it is then not known to be encrypted)."""
    try:
        shift, mini_shift = struct.unpack_from("<HH", data, 0x1E)
        if not 7 <= shift <= 16 or not 1 <= mini_shift < shift:
            return None
        sector = 1 << shift
        fat = _ole_fat(data, sector)
        first_directory, cutoff, first_mini_fat = struct.unpack_from("<I4xII", data, 0x30)
        directory = _ole_chain(data, sector, fat, first_directory, len(data))
        entries = [directory[k : k + 128] for k in range(0, len(directory) - 127, 128)]
        entry = _ole_entry(entries, names)
        if entry is None:
            return None
        start, size = struct.unpack_from("<II", entry, 116)
        if size >= cutoff:
            return _ole_chain(data, sector, fat, start, min(size, limit))
        root_start, root_size = struct.unpack_from("<II", entries[0], 116)
        mini_stream = _ole_chain(data, sector, fat, root_start, root_size)
        mini_fat = _ole_ids(_ole_chain(data, sector, fat, first_mini_fat, len(data)))
        return _ole_chain(mini_stream, 1 << mini_shift, mini_fat, start, min(size, limit), first=0)
    except (struct.error, IndexError):
        return None


def _ole_ids(raw: bytes) -> list[int]:
    """Little-endian 32-bit sector ids."""
    return list(struct.unpack_from(f"<{len(raw) // 4}I", raw))


def _ole_fat(data: bytes, sector: int) -> list[int]:
    """The file allocation table: the next sector of each sector, from the FAT sectors the
    header (109 of them) and the DIFAT sectors list."""
    listed = _ole_ids(data[0x4C:0x200])
    difat_id = struct.unpack_from("<I", data, 0x44)[0]
    for _ in range(len(data) // sector):
        if difat_id >= _OLE_LAST_ID:
            break
        ids = _ole_ids(data[(difat_id + 1) * sector : (difat_id + 2) * sector])
        listed.extend(ids[:-1])
        difat_id = ids[-1]
    fat_sectors = list(dict.fromkeys(k for k in listed if k < _OLE_LAST_ID))[: len(data) // sector]  # each once: bounded
    return [n for k in fat_sectors for n in _ole_ids(data[(k + 1) * sector : (k + 2) * sector])]


def _ole_chain(data: bytes, sector: int, table: Sequence[int], start: int, limit: int, first: int = 1) -> bytes:
    """Up to ``limit`` bytes of the chain of sectors from ``start`` (``table`` gives each
    sector's next; sector ``k`` is at ``(k + first) * sector``: ``first`` 1 in the file, after
    its header, 0 in the mini stream). A chain that loops ends where it comes back."""
    parts: list[bytes] = []
    seen: set[int] = set()
    while start < _OLE_LAST_ID and start not in seen and len(parts) * sector < limit:
        seen.add(start)
        parts.append(data[(start + first) * sector : (start + first + 1) * sector])
        start = table[start]
    return b"".join(parts)[:limit]


def _ole_entry(entries: Sequence[bytes], names: tuple[str, ...]) -> bytes | None:
    """The directory entry of the first of ``names`` among the streams at the top of the file
    (the tree of the root storage's children; streams of embedded objects are not searched)."""
    found: dict[str, bytes] = {}
    todo, seen = [struct.unpack_from("<I", entries[0], 76)[0]], set()
    while todo:
        index = todo.pop()
        if index >= len(entries) or index in seen:
            continue
        seen.add(index)
        entry = entries[index]
        length = min(struct.unpack_from("<H", entry, 64)[0], 64)
        if entry[66] == 2:  # a stream
            found[entry[: max(length - 2, 0)].decode("utf-16-le", "replace")] = entry
        todo += [i for i in struct.unpack_from("<II", entry, 68) if i != _OLE_NO_ENTRY]
    return next((found[name] for name in names if name in found), None)


_NOT_READABLE = {
    "legacy-doc": "this is a legacy Word document (.doc), which cannot be read: open it in Word, WPS or LibreOffice and save it as .docx (or export it as PDF)",
    "legacy-xls": "this is a legacy Excel workbook (.xls), which cannot be read: open it in Excel, WPS or LibreOffice and save it as .xlsx",
    "encrypted-office": "this Word/Excel file is password-protected, so it cannot be read: open it in Word, Excel or WPS, remove the password and save it again",
    "encrypted-doc": "this is a password-protected legacy Word document (.doc), which cannot be read: open it in Word or WPS, remove the password and save it as .docx",
    "encrypted-xls": "this is a password-protected legacy Excel workbook (.xls), which cannot be read: open it in Excel or WPS, remove the password and save it as .xlsx",
    "legacy-office": "this is a legacy Microsoft Office file (.doc/.xls/.ppt), which cannot be read: save it as .docx or .xlsx (or export it as PDF)",
    "odf": "this is an OpenDocument file (.odt/.ods): save it as .docx or .xlsx (or export it as PDF)",
    "zip": "this is a ZIP archive, not a document: unpack it and ingest the files inside",
    "zip-damaged": "this looks like a DOCX/XLSX (ZIP) file but it is damaged or truncated: download it again",
    "zip-unsupported": "this looks like a DOCX/XLSX (ZIP) file but the zip container is damaged or uses an unsupported zip feature: download it again, or open it in Word/Excel/WPS and save it again",
    "image": "this is an image, not a document: put the scanned pages into a PDF to have them read by OCR",
    "archive": "this is a compressed archive, not a document: unpack it and ingest the files inside",
}


# ---------------------------------------------------------------------------------------
# Loading


def load_document(data: bytes, settings: ReadSettings | None = None) -> LoadedDocument:
    """Read a document of any supported format into numbered lines with locations.

    Raises:
        UnreadableDocument: the file cannot be read (the message says why and what to do);
            :class:`OcrNeeded` for a scan that cannot be OCR'd here.
        budgetlib.read.DecodeError: a file that is neither a known format nor text.

    >>> doc = load_document("２０２４年部门预算\\n收入\\t3714.62".encode("gb18030"))
    >>> doc.source_format, [ln.text for ln in doc.lines], doc.locations
    ('text:gb18030', ['2024年部门预算', '收入\\t3714.62'], {})
    """
    settings = settings or ReadSettings()
    if not data.strip():
        raise UnreadableDocument("the file is empty")
    fmt = detect_format(data)
    if fmt in _NOT_READABLE:
        raise UnreadableDocument(_NOT_READABLE[fmt])
    if fmt == "text":
        text, encoding = decode(data)
        if looks_like_csv(text):
            return LoadedDocument(csv_lines(text), f"csv:{encoding}")
        return LoadedDocument(to_lines(text), f"text:{encoding}")
    if fmt == "pdf":
        return _load_pdf(data, settings)
    if fmt in ("docx", "xlsx"):
        from budgetlib.office import OfficeError, read_docx, read_xlsx

        try:
            return _numbered((read_docx if fmt == "docx" else read_xlsx)(data), fmt)
        except OfficeError as exc:
            raise UnreadableDocument(str(exc)) from exc
    if fmt == "html":
        from budgetlib.webpage import read_html

        return _numbered(read_html(data), "html")
    raise UnreadableDocument(f"unknown format {fmt}")  # pragma: no cover - detect_format is exhaustive


def _load_pdf(data: bytes, settings: ReadSettings) -> LoadedDocument:
    try:
        return _numbered(read_pdf(data, settings.pdf), "pdf")
    except PdfError as exc:
        raise UnreadableDocument(str(exc)) from exc
    except NeedsOcr as scan:
        return _load_scans(data, scan, settings)


def _load_scans(data: bytes, scan: NeedsOcr, settings: ReadSettings) -> LoadedDocument:
    """A PDF with scanned pages: they are OCR'd and read among the other pages, in page order
    (``pdf-ocr`` when every page is a scan; else ``pdf``, the OCR'd lines flagged). When OCR
    is off or not installed, :class:`OcrNeeded` names the scanned pages: none is dropped
    without a word."""
    if not settings.ocr:
        raise OcrNeeded(f"{_scans(scan)}: it needs OCR, which is switched off here (run without --no-ocr)") from scan
    from budgetlib.ocr import OcrUnavailable, ocr_pages

    try:
        ocred = ocr_pages(data, scan.pages, settings.ocr_language, settings.ocr_dpi, settings.ocr_workers)
    except OcrUnavailable as exc:
        raise OcrNeeded(f"{_scans(scan)}: it needs OCR, but {exc}") from exc
    by_page: dict[int, Sequence[SourceLine]] = {**scan.text_pages, **ocred}
    lines = [line for number in sorted(by_page) for line in by_page[number]]
    return _numbered(lines, "pdf" if any(scan.text_pages.values()) else "pdf-ocr")


def _scans(scan: NeedsOcr) -> str:
    """What is scanned in a PDF, in words: the whole PDF, or the pages among text pages.

    >>> _scans(NeedsOcr((1, 2))), _scans(NeedsOcr((3,), {1: [SourceLine("x", "p.1 l.1")]}))
    ('this PDF has no text layer (2 scanned page(s))', 'page 3 of this PDF has no text layer (a scan)')
    >>> _scans(NeedsOcr((2, 5), {1: [SourceLine("x", "p.1 l.1")]}))
    'pages 2, 5 of this PDF have no text layer (scans)'
    """
    if not any(scan.text_pages.values()):
        return f"this PDF has no text layer ({len(scan.pages)} scanned page(s))"
    if len(scan.pages) == 1:
        return f"page {scan.pages[0]} of this PDF has no text layer (a scan)"
    return f"pages {', '.join(map(str, scan.pages))} of this PDF have no text layer (scans)"


def _numbered(source: list[SourceLine], source_format: str) -> LoadedDocument:
    """Reader lines → numbered, normalised lines with their locations and OCR marks."""
    lines: list[Line] = []
    locations: dict[int, str] = {}
    ocr: set[int] = set()
    for no, sl in enumerate(source, start=1):
        lines.append(Line(no, normalize_line(sl.text)))
        locations[no] = sl.location
        if sl.ocr:
            ocr.add(no)
    return LoadedDocument(lines, source_format, locations, frozenset(ocr))
