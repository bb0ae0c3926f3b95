"""Office readers: DOCX and XLSX bytes → lines of text with their locations.

Takes the bytes of a Word document (``.docx``, python-docx) or an Excel workbook (``.xlsx``,
openpyxl) and gives :class:`~budgetlib.read.SourceLine` objects in document order, the same
kind of lines the text reader gives:

* **DOCX** — paragraphs as lines of narrative (``paragraph 14``), tables as tables: each row
  one tab-separated line (``table 2 row 5``). Text reads as Word shows it with tracked changes
  accepted: runs inside insertions, fields, content controls, smart tags, custom XML and
  hyperlinks are read, deleted and moved-away text is not; paragraphs, tables, rows and cells
  inside content controls (``w:sdt``) and custom XML are read in document order. A cell merged
  across columns keeps its text in its first column and leaves the others empty; a cell
  merged down rows keeps its text in its first row; grid columns a row skips
  (``w:gridBefore``/``w:gridAfter``) are empty cells. Text wrapped inside a cell is joined. A
  cell holding a table lays out the page: it is empty in its row, and its paragraphs (lines
  located at the row) and tables (numbered on from the document's tables) follow the row.
* **XLSX** — each visible sheet in order (hidden and very hidden sheets are not part of what
  was published, and are not read; hidden rows and columns are): a line with the sheet's
  name (``sheet 表1``), then each non-empty row as one tab-separated line (``sheet 表1 row
  7``; trailing empty cells dropped, so a title or a sentence alone in its row is a line of
  text unless a table row follows it), numbers printed as the cell's number format shows them
  (``0.00`` → ``5.80``; with the section the value meets, ``[>=10000]0!.0,"万";0.00``
  showing 1234.5 as ``1234.50``; a format that scales the value, ``#,##0.00,`` or ``0!.0000``, as
  Excel shows it; one that does not show one figure is refused, naming the cell: see
  :func:`format_number`), merged cells in their first cell, columns empty on the whole sheet
  left out. A workbook with no visible sheet, or saved as Strict Open XML, is refused saying
  so. Formulas give their cached values; a workbook whose
  formulas were saved without values (written by openpyxl or pandas, never opened in a
  spreadsheet program) is refused rather than read with its figures missing, and so is one
  whose formulas were saved with 0 in place of their results by a writer that asks the
  spreadsheet to recalculate on opening (xlsxwriter), rather than read with its figures 0.

Memory follows what the file really holds, never what it claims: only the cells stored in a
sheet are read (not the grid up to its last cell or its ``dimension``), a merged range or a
``w:gridSpan`` never spans beyond the content, and files beyond :data:`MAX_COLUMNS`,
:data:`MAX_CELLS` or :data:`MAX_UNZIPPED_BYTES` are refused, and so are Word documents whose
XML (held whole in memory by python-docx) passes :data:`MAX_WORD_XML_BYTES` or
:data:`MAX_WORD_TAGS`, before it is parsed.

Legacy ``.doc``/``.xls`` and password-protected files are told apart (and refused with
advice) by :mod:`budgetlib.documents`; a damaged file raises :class:`OfficeError`.
"""

from __future__ import annotations

import datetime as dt
import io
import operator
import re
import warnings
import zipfile
import zlib
from bisect import bisect_left, bisect_right
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any
from xml.etree import ElementTree

from budgetlib.read import SourceLine, cells_to_line, sheet_row_cells

__all__ = ["OfficeError", "read_docx", "read_xlsx", "format_number", "main_part", "MAX_COLUMNS", "MAX_CELLS", "MAX_INDEX_PART",
           "MAX_UNZIPPED_BYTES", "MAX_WORD_XML_BYTES", "MAX_WORD_TAGS"]

# Limits that keep memory proportional to what a file holds. A budget disclosure has tables of
# a few dozen columns and tens of thousands of cells in all; files far beyond that are damaged
# or hostile (a few KB of XML can claim billions of cells), and are refused with a clear error.

#: columns with content in one sheet, or grid columns in one Word table
MAX_COLUMNS = 1_000
#: cells in the tables of a whole workbook (per sheet: rows with content × columns with content)
#: or of a whole Word document; the later stages need about 1 KB per cell
MAX_CELLS = 1_000_000
#: bytes the parts of a DOCX/XLSX may unpack to (XML compresses 10-50 times: a zip bomb stops here)
MAX_UNZIPPED_BYTES = 512 * 1024 * 1024
#: bytes the XML parts of a Word document may unpack to. python-docx holds them whole as element
#: trees (a workbook's sheets are streamed instead); a Word disclosure of 40,000 table cells has
#: about 10 MB of XML
MAX_WORD_XML_BYTES = 64 * 1024 * 1024
#: tags (start and end, ``<``) in the XML parts of a Word document: python-docx needs ~150 bytes
#: per element, so this bounds its memory to some 600 MB; a Word disclosure of 40,000 table
#: cells has about 800,000 (a 90 KB file can unpack to 10,000,000 empty paragraphs)
MAX_WORD_TAGS = 4_000_000


class OfficeError(ValueError):
    """The DOCX/XLSX file cannot be read (damaged, truncated, password-protected)."""


def _join_wrapped(parts: Sequence[str]) -> str:
    """Lines of one cell joined back: no space between Chinese text, one between words."""
    out = ""
    for part in (p.strip() for p in parts):
        if not part:
            continue
        if out and out[-1].isascii() and out[-1].isalnum() and part[0].isascii() and part[0].isalnum():
            out += " "
        out += part
    return out


def _clean_cell(text: str) -> str:
    return _join_wrapped(re.split(r"[\r\n\t\v]+", text))


def _check_unzipped_size(data: bytes, what: str) -> None:
    """Refuse a zip whose parts would unpack to more than :data:`MAX_UNZIPPED_BYTES`.

    The sizes are those the zip directory declares; :mod:`zipfile` never unpacks more than
    that, so they bound what the readers hold in memory.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            size = sum(item.file_size for item in archive.infolist())
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError) as exc:
        raise OfficeError(f"the {what} cannot be opened: the zip container is damaged or uses an unsupported zip feature") from exc
    if size > MAX_UNZIPPED_BYTES:
        raise OfficeError(
            f"the {what} unpacks to more than {MAX_UNZIPPED_BYTES // 1024 // 1024:,} MB "
            f"({size / 1024 / 1024:,.0f} MB): it is damaged or not a disclosure"
        )


# ---------------------------------------------------------------------------------------
# DOCX


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes) -> list[SourceLine]:
    """Paragraphs and table rows of a Word document, in document order.

    Raises :class:`OfficeError` for a damaged document, and one beyond :data:`MAX_COLUMNS`,
    :data:`MAX_CELLS`, :data:`MAX_UNZIPPED_BYTES`, :data:`MAX_WORD_XML_BYTES` or
    :data:`MAX_WORD_TAGS`.
    """
    _check_unzipped_size(data, "Word document")
    _check_word_xml(data)
    try:
        import docx

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, BadZipFile, ValueError …
        raise OfficeError(f"the Word document cannot be opened ({type(exc).__name__}): it may be damaged or protected") from exc
    reader = _DocxReader()
    for block in _content(document.element.body, ("p", "tbl")):
        if block.tag == f"{_W}p":
            reader.paragraph(block)
        else:
            reader.table(block)
    return reader.lines


def _check_word_xml(data: bytes) -> None:
    """Refuse a Word document whose XML parts (:func:`_is_xml`) unpack to more than
    :data:`MAX_WORD_XML_BYTES` or hold more than :data:`MAX_WORD_TAGS` tags, before python-docx
    builds them in memory. The tags are counted as the parts are unpacked, a MB at a time; a
    part that cannot be unpacked is left to python-docx to report."""
    tags = size = 0
    with zipfile.ZipFile(io.BytesIO(data)) as archive:  # opened by _check_unzipped_size already
        for item in archive.infolist():
            try:
                with archive.open(item) as part:
                    chunk = part.read(1024 * 1024)
                    if not _is_xml(chunk[:64]):
                        continue
                    size += item.file_size
                    while chunk:
                        tags += chunk.count(b"<")
                        chunk = part.read(1024 * 1024)
            except (zipfile.BadZipFile, zlib.error, NotImplementedError, ValueError, OSError, EOFError):
                continue
            if size > MAX_WORD_XML_BYTES:
                raise OfficeError(f"the Word document's XML unpacks to more than {MAX_WORD_XML_BYTES // 1024 // 1024:,} MB "
                                  f"(passed in {item.filename}): it is damaged or not a disclosure")
            if tags > MAX_WORD_TAGS:
                raise OfficeError(f"the Word document's XML holds more than {MAX_WORD_TAGS:,} tags (passed in "
                                  f"{item.filename}; a disclosure has a few hundred thousand): it is damaged or not a disclosure")


def _is_xml(head: bytes) -> bool:
    """Whether a part starting with ``head`` is XML (python-docx would parse it): ``<`` first,
    after a byte-order mark and white space, in UTF-8 or UTF-16; not an image or font.

    >>> _is_xml(b'<?xml version="1.0"?>'), _is_xml(b"\\xef\\xbb\\xbf\\r\\n<w:document"), _is_xml("<a/>".encode("utf-16"))
    (True, True, True)
    >>> _is_xml(b"\\x89PNG\\r\\n"), _is_xml(b"")
    (False, False)
    """
    return head.removeprefix(b"\xef\xbb\xbf").replace(b"\x00", b"").lstrip(b" \t\r\n\xff\xfe").startswith(b"<")


def _content(parent: Any, tags: tuple[str, ...]) -> Iterator[Any]:
    """The children of ``parent`` named ``tags`` (``p``/``tbl`` of a body or cell, ``tr`` of a
    table, ``tc`` of a row) in document order, also those wrapped in content controls
    (``w:sdt``) and custom XML elements (``w:customXml``), as Word shows them."""
    wanted = {f"{_W}{tag}" for tag in tags}
    for child in parent:
        if child.tag in wanted:
            yield child
        elif child.tag == f"{_W}customXml":
            yield from _content(child, tags)
        elif child.tag == f"{_W}sdt":
            for inner in child.iterchildren(f"{_W}sdtContent"):
                yield from _content(inner, tags)


class _DocxReader:
    """Lines of a Word document as its paragraphs and tables are met, counting them (body
    paragraphs and tables, nested tables too, in document order) and the cells read."""

    def __init__(self) -> None:
        self.lines: list[SourceLine] = []
        self.n_paragraph = self.n_table = self.n_cells = 0

    def paragraph(self, p: Any) -> None:
        self.n_paragraph += 1
        text = _clean_cell(_paragraph_text(p))
        if text:
            self.lines.append(SourceLine(text, f"paragraph {self.n_paragraph}"))

    def table(self, tbl: Any) -> None:
        """A table's rows, each followed by what its cells holding a table hold: their
        paragraphs as lines of text (located at the row) and their tables."""
        self.n_table += 1
        name = f"table {self.n_table}"
        for n_row, (cells, held) in enumerate(_docx_rows(tbl, name), start=1):
            self.n_cells += len(cells)
            if self.n_cells > MAX_CELLS:
                raise OfficeError(
                    f"the document's tables have more than {MAX_CELLS:,} cells (passed in {name}): it is damaged or not a disclosure"
                )
            if any(cells):
                self.lines.append(SourceLine(cells_to_line(cells), f"{name} row {n_row}"))
            for block in held:
                if block.tag == f"{_W}tbl":
                    self.table(block)
                elif text := _clean_cell(_paragraph_text(block)):
                    self.lines.append(SourceLine(text, f"{name} row {n_row}"))


#: what a run's text is made of (as python-docx reads it): text, tabs, breaks, hyphens
_RUN_TEXT = {f"{_W}t": None, f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
#: what a paragraph's text is never read from: removed text (tracked deletions, the old place
#: of moved text) and properties
_NOT_TEXT = {f"{_W}{tag}" for tag in ("del", "moveFrom", "pPr", "rPr", "sdtPr", "sdtEndPr")}


def _paragraph_text(p: Any) -> str:
    """The text of a paragraph (``w:p``) as Word shows it with its tracked changes accepted.

    Its runs are read wherever they sit in the paragraph: directly, or inside insertions
    (``w:ins``, ``w:moveTo``), fields (``w:fldSimple``), content controls (``w:sdt``), smart
    tags, custom XML and hyperlinks; never inside deletions (``w:del``, ``w:moveFrom``). A
    run's tabs are ``\\t`` and its line breaks ``\\n``; a run's drawings (text boxes) are not
    part of the paragraph.
    """
    parts: list[str] = []
    for child in p:
        if not isinstance(child.tag, str):  # an XML comment or processing instruction
            continue
        if child.tag == f"{_W}r":
            parts.extend(_run_text(child))
        elif child.tag not in _NOT_TEXT and not child.tag.endswith("}Choice"):  # mc:AlternateContent: its Fallback
            parts.append(_paragraph_text(child))
    return "".join(parts)


def _run_text(r: Any) -> Iterator[str]:
    """The pieces of a run's (``w:r``) text, as python-docx reads them (a page or column break
    is no text)."""
    for item in r:
        if item.tag == f"{_W}br":
            yield "\n" if item.get(f"{_W}type", "textWrapping") == "textWrapping" else ""
        elif item.tag in _RUN_TEXT:
            yield _RUN_TEXT[item.tag] or item.text or ""


def _docx_width(tbl: Any) -> int:
    """A Word table's real width: its grid columns, or its most cells in one row if more."""
    grid = len(tbl.xpath("./w:tblGrid/w:gridCol"))
    return max([grid, *(len(list(_content(tr, ("tc",)))) for tr in _content(tbl, ("tr",)))])


def _grid_span(tc: Any, room: int) -> int:
    """Grid columns a cell covers (``w:gridSpan``), at least 1 and no more than ``room``, the
    columns left in the table after it (a span of 100,000,000 is a damaged file, not a table)."""
    try:
        span = int(tc.grid_span)
    except (TypeError, ValueError):  # w:gridSpan="abc"
        span = 1
    return max(1, min(span, room))


def _grid_skip(tr: Any, which: str, room: int) -> int:
    """Grid columns a row leaves empty before its first cell (``which`` ``gridBefore``) or
    after its last (``gridAfter``), no more than ``room``."""
    found = tr.find(f"{_W}trPr/{_W}{which}")
    try:
        skip = int(found.get(f"{_W}val")) if found is not None else 0
    except (TypeError, ValueError):
        skip = 0
    return max(0, min(skip, room))


def _docx_rows(tbl: Any, name: str) -> Iterator[tuple[list[str], list[Any]]]:
    """Each row's cell texts, one per grid column, and the content (paragraphs and tables) of
    its cells that hold a table: such a cell lays out a page, so it is empty in the row.

    A merged cell's text is only where it starts. Read from the XML rather than python-docx's
    ``row.cells``, which expands ``w:gridSpan`` without a limit and follows a vertical merge by
    recursion (one level per row). A cell that continues a merge from the row above
    (``w:vMerge``) stands for the cell it continues; one with nothing above it is read as an
    ordinary cell. The grid columns a row skips (``w:gridBefore``, ``w:gridAfter``) are empty
    cells, so the cells after them stay in their columns.
    """
    width = _docx_width(tbl)
    if width > MAX_COLUMNS:
        raise OfficeError(f"{name} has {width:,} columns, more than the {MAX_COLUMNS:,} a table can have: the document is damaged")
    above: list[object] = []  # the cell (w:tc) each grid column of the row above belongs to
    for tr in _content(tbl, ("tr",)):
        cells = list(_content(tr, ("tc",)))
        skip = _grid_skip(tr, "gridBefore", width - len(cells))
        owners: list[object] = [None] * skip
        texts: list[str] = [""] * skip
        held: list[Any] = []
        for tc in cells:
            owner, span, text = _docx_cell(tc, above, len(owners), width)
            blocks = list(_content(tc, ("p", "tbl")))
            if any(block.tag == f"{_W}tbl" for block in blocks):
                held += blocks
                text = ""
            for i in range(len(owners), len(owners) + span):
                repeated_left = bool(owners) and owners[-1] is owner
                repeated_above = i < len(above) and above[i] is owner
                owners.append(owner)
                texts.append("" if repeated_left or repeated_above else text)
        skip = _grid_skip(tr, "gridAfter", width - len(owners))
        owners += [None] * skip
        texts += [""] * skip
        above = owners
        yield texts, held


def _docx_cell(tc: Any, above: list[object], offset: int, width: int) -> tuple[object, int, str]:
    """The cell a ``w:tc`` at grid column ``offset`` stands for, the grid columns it covers and
    its text (its paragraphs joined; empty for a cell continuing a merge from above)."""
    if tc.vMerge == "continue" and offset < len(above) and above[offset] is not None:
        owner = above[offset]
        span = 1
        while offset + span < len(above) and above[offset + span] is owner:
            span += 1
        return owner, span, ""
    text = _join_wrapped([_paragraph_text(p) for p in _content(tc, ("p",))])
    return tc, _grid_span(tc, width - offset), text


# ---------------------------------------------------------------------------------------
# XLSX


def format_number(value: float | int, number_format: str = "General") -> str:
    """A number as Excel shows it with ``number_format`` (decimals, thousands separators, %).

    The value is shown with the section of the format Excel picks for it (:func:`_section`:
    positive;negative;zero, or the first section whose condition such as ``[>=10000]`` it
    meets), its sign always shown as ``-``, with codes in brackets (locale ``[$-804]``, colour
    ``[Red]``, ``[DBNum1]``, conditions), spacing (``_x``, ``*x``) and literal text
    (``"万元"``) left out; a section without digits (``"-"`` for zero) shows the value as it is.
    A format that scales the value is applied as Excel shows it: each comma after the last
    digit shows thousands (``#,##0.00,``), and a literal point among the digits (``0!.0000``,
    ``0"."0000``, ``0\\.0000``, a trick to show 元 as 万元) shows the value divided by ten for
    each digit after it. Raises ValueError for a format that does not show the value as one
    figure (literal text among its digits, several literal points, no section for the value).

    >>> format_number(5.8, "0.00"), format_number(3714.62, "#,##0.00"), format_number(236.88190000000003)
    ('5.80', '3,714.62', '236.8819')
    >>> format_number(0.256, "0.0%"), format_number(12.0), format_number(120.5, "[$-804]0.00")
    ('25.6%', '12', '120.50')
    >>> format_number(1205000, "0!.0000"), format_number(120500, "#,##0.00,"), format_number(5.83, "0.0#")
    ('120.5000', '120.50', '5.83')
    >>> format_number(123450, '[>=10000]0!.0,"万";0.00'), format_number(1234.5, '[>=10000]0!.0,"万";0.00')
    ('12.3', '1234.50')
    """
    pattern, general = _number_pattern(_section(value, number_format))
    if general:
        if isinstance(value, int) or float(value).is_integer():
            return str(int(value))
        return f"{value:.10f}".rstrip("0").rstrip(".")
    digits = re.search(r"[0#?](?:[0#?,.LT]*[0#?])?,*", pattern)
    if not digits:  # no digit placeholder: Excel shows only the literal text; read the value
        return format_number(value)
    number, decimals, optional = _scaled(value, digits.group(0), number_format)
    number *= 100 ** pattern.count("%")
    grouped = "," in digits.group(0).split(".")[0].rstrip(",")
    text = f"{number:,.{decimals}f}" if grouped else f"{number:.{decimals}f}"
    if optional and "." in text:  # optional decimals (#, ?): shown only when not 0
        text = text[: len(text) - optional] + text[len(text) - optional :].rstrip("0")
        text = text.rstrip(".")
    return text + "%" * pattern.count("%")


_FORMAT_TOKEN = re.compile(r'"[^"]*"|\\.|!.|_.|\*.|\[[^\]]*\]|.', re.DOTALL)
_CONDITION = re.compile(r"\[\s*(<=|>=|<>|<|>|=)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\]")
_COMPARE = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "=": operator.eq, "<>": operator.ne}


def _section(value: float | int, number_format: str) -> list[str]:
    """The tokens of the section of ``number_format`` Excel shows ``value`` with.

    Of up to four sections, the fourth (or a last one holding ``@``) is for text. Without
    conditions: one section for all numbers; two for ≥ 0 and < 0; three for > 0, < 0 and 0.
    With conditions (in the first two sections only): the first of those two whose condition
    the value meets (one without a condition stands for > 0, the second for < 0), else the
    third section, or the second when it has no condition and there is no third. Raises
    ValueError when no section is for the value.

    >>> ["".join(_section(v, '[>=10000]0.0,;[<0]"减"0;"-"')) for v in (12000, -5, 0)]
    ['[>=10000]0.0,', '[<0]"减"0', '"-"']
    """
    sections: list[list[str]] = [[]]
    for token in _FORMAT_TOKEN.findall(number_format):
        if token == ";":
            sections.append([])
        else:
            sections[-1].append(token)
    if len(sections) == 4 or len(sections) > 1 and "@" in sections[-1]:
        sections.pop()  # the text section
    numeric = sections[:3]
    conditions = [next(filter(None, map(_CONDITION.fullmatch, tokens)), None) for tokens in numeric[:2]]
    if not any(conditions):  # positive (and zero, without a third section); negative; zero
        if value < 0 and len(numeric) > 1:
            return numeric[1]
        return numeric[2] if value == 0 and len(numeric) > 2 else numeric[0]
    otherwise: list[str] | None
    if len(numeric) == 2 and conditions[1] is None:
        tested, otherwise = numeric[:1], numeric[1]
    else:
        tested, otherwise = numeric[:2], numeric[2] if len(numeric) == 3 else None
    for tokens, condition, default in zip(tested, conditions, (">", "<"), strict=False):
        compare, bound = condition.groups() if condition else (default, "0")
        if _COMPARE[compare](float(value), float(bound)):
            return tokens
    if otherwise is None:
        raise ValueError(f"the number format {number_format!r} has no section for the value {value}")
    return otherwise


def _number_pattern(tokens: Sequence[str]) -> tuple[str, bool]:
    """The digit pattern of a number format's section (placeholders ``0#?``, ``.``, ``,``,
    ``%``, and ``L`` for a literal point), and whether it is ``General``."""
    kept = [t for t in tokens if not (t.startswith("[") or t[0] in "_*")]
    if "".join(kept).strip().lower() in ("general", "@", ""):
        return "", True
    pattern = ""
    for token in kept:
        literal = token.strip('"') if token.startswith('"') else token[1:] if token[0] in "\\!" and len(token) == 2 else None
        if token in ("E", "e"):  # scientific: the exponent's digits are not the figure's
            break
        if literal is None:
            pattern += token if token in "0#?.,%" else ""
        else:
            pattern += "L" if literal == "." else "T" * len(literal)
    return pattern, False


def _scaled(value: float | int, digits: str, number_format: str) -> tuple[float | int, int, int]:
    """The value as the digit placeholders ``digits`` show it (scaled by trailing commas and a
    literal point), its decimals, and how many of them are optional (``#``/``?``)."""
    scale = 1000 ** (len(digits) - len(digits.rstrip(",")))
    whole, point, fraction = digits.rstrip(",").partition(".")
    scale *= 1000 ** (len(whole) - len(whole.rstrip(",")))  # 0,.00 too shows thousands
    if "T" in digits or digits.count("L") + (point == ".") > 1:
        raise ValueError(f"the number format {number_format!r} does not show the value as one figure")
    if "L" in whole:
        shifted = whole.split("L")[1].replace(",", "")
        return value / scale / 10 ** len(shifted), len(shifted), 0
    fraction = fraction.replace(",", "")
    return (value / scale if scale > 1 else value), len(fraction), len(fraction) - len(fraction.rstrip("#?"))


def _xlsx_cell(value: object, number_format: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return format_number(value, number_format or "General")
    if isinstance(value, (dt.datetime, dt.date)):
        return value.date().isoformat() if isinstance(value, dt.datetime) else value.isoformat()
    return _clean_cell(str(value))


def _shown(value: object, number_format: str, title: str, cell: dict[str, Any]) -> str:
    """A cell's text as the sheet shows it (:func:`_xlsx_cell`); :class:`OfficeError` naming
    the cell where its number format does not show one figure."""
    try:
        return _xlsx_cell(value, number_format)
    except ValueError as exc:
        from openpyxl.utils import get_column_letter

        raise OfficeError(f"sheet {title} cell {get_column_letter(cell['column'])}{cell['row']} cannot be read: {exc}; "
                          "give it a number format that shows the figure (such as 0.00)") from exc


def read_xlsx(data: bytes) -> list[SourceLine]:
    """Every sheet of a workbook: its name, then its rows as tab-separated lines.

    Raises :class:`OfficeError` for a damaged workbook, one beyond :data:`MAX_COLUMNS` or
    :data:`MAX_CELLS`, and one whose formulas were saved without their values.
    """
    _check_unzipped_size(data, "Excel workbook")
    try:
        import openpyxl

        # read-only: sheets are streamed and merged ranges are not expanded into cells; openpyxl
        # warns of parts it does not know (a Strict workbook's), which are reported below instead
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises InvalidFileException, KeyError, BadZipFile …
        raise OfficeError(f"the Excel workbook cannot be opened ({type(exc).__name__}): it may be damaged or protected") from exc
    lines: list[SourceLine] = []
    n_cells = 0
    unsaved: dict[str, list[str]] = {"missing": [], "zero": []}  # formula cells, by how their result was saved
    # a writer that did not calculate may save 0 for each result and ask for a recalculation
    zero_is_placeholder = _asks_recalculation(data)
    try:
        sheets = _published_sheets(book)
        if not sheets:
            raise OfficeError(_no_sheets(data, len(book.worksheets)))
        for sheet in sheets:
            rows, unsaved_here = _sheet_cells(sheet, n_cells, zero_is_placeholder)
            n_cells += _grid_size(rows)
            if n_cells > MAX_CELLS:
                raise OfficeError(_too_many_cells(sheet.title))
            for kind, cells in unsaved_here.items():
                unsaved[kind].extend(f"sheet {sheet.title} cell {cell}" for cell in cells)
            lines.append(SourceLine(sheet.title, f"sheet {sheet.title}"))
            lines.extend(_sheet_lines(rows, sheet.title))
    finally:
        book.close()
    for kind, cells in unsaved.items():
        if cells:
            raise OfficeError(_UNSAVED[kind].format(n=len(cells), first=cells[0]) + _RESAVE)
    return lines


def _published_sheets(book: Any) -> list[Any]:
    """The worksheets a reader of the workbook sees: hidden and very hidden sheets are left
    out (drafts and lookups, not part of what was published)."""
    return [sheet for sheet in book.worksheets if sheet.sheet_state == "visible"]


def _asks_recalculation(data: bytes) -> bool:
    """Whether the workbook asks the spreadsheet to recalculate every formula on opening
    (``<calcPr fullCalcOnLoad="1"/>``), as writers that do not calculate do. Read from the XML
    itself: openpyxl takes the attribute's absence for yes.

    >>> import openpyxl; out = io.BytesIO(); openpyxl.Workbook().save(out); _asks_recalculation(out.getvalue())
    True
    """
    workbook = _workbook_part(data)
    calc = next((e for e in workbook if e.tag.rsplit("}", 1)[-1] == "calcPr"), None) if workbook is not None else None
    return calc is not None and calc.get("fullCalcOnLoad", "0").strip().lower() in ("1", "true")


def _workbook_part(data: bytes) -> ElementTree.Element | None:
    """The workbook's main part (:func:`main_part`), or None if it cannot be read (openpyxl
    opened the workbook: a part it does without)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return ElementTree.fromstring(archive.read(main_part(archive) or "xl/workbook.xml"))
    except (KeyError, ElementTree.ParseError, zipfile.BadZipFile, ValueError):
        return None


#: bytes the parts naming an Office file's main part (``_rels/.rels``, ``[Content_Types].xml``)
#: may have: a few KB in any real file
MAX_INDEX_PART = 1024 * 1024


def main_part(archive: zipfile.ZipFile) -> str:
    """The path of an Office file's main part, the one its ``_rels/.rels`` names (usually
    ``word/document.xml`` or ``xl/workbook.xml``; Word Online saves ``word/document2.xml``);
    "" when there is no such part to read."""
    try:
        index = archive.getinfo("_rels/.rels")
        if index.file_size > MAX_INDEX_PART:
            return ""
        relations = ElementTree.fromstring(archive.read(index))
    except (KeyError, ElementTree.ParseError):
        return ""
    return next((r.get("Target", "") for r in relations if r.get("Type", "").endswith("/officeDocument")), "").lstrip("/")


_STRICT = "{http://purl.oclc.org/ooxml/spreadsheetml/main}"


def _no_sheets(data: bytes, n_hidden: int) -> str:
    """Why a workbook gives no sheet to read: saved as Strict Open XML (which openpyxl reads as
    a workbook without sheets), or no worksheet that is not hidden."""
    workbook = _workbook_part(data)
    if workbook is not None and workbook.tag.startswith(_STRICT):
        return ("the Excel workbook is saved as Strict Open XML, which cannot be read: open it in Excel, WPS or "
                "LibreOffice and save it as a normal Excel Workbook (.xlsx)")
    hidden = f" ({n_hidden:,} hidden)" if n_hidden else ""
    return f"the Excel workbook has no sheets to read{hidden}: it holds no worksheet that is shown"


_UNSAVED = {
    "missing": "the workbook's formulas have no saved values ({n:,} cells, first at {first}): it was written by a "
               "program that does not calculate formulas (such as openpyxl or pandas), so its figures would be missing",
    "zero": "the workbook's formulas were saved with 0 in place of their results ({n:,} cells, first at {first}): it was "
            "written by a program that does not calculate formulas and asks the spreadsheet to recalculate on opening "
            "(such as xlsxwriter), so its figures would be 0",
}
_RESAVE = "; open it in Excel, WPS or LibreOffice and save it, then read it again"


def _too_many_cells(title: str) -> str:
    return f"the workbook has more than {MAX_CELLS:,} cells with content (passed on sheet {title}): it is damaged or not a disclosure"


def _unsaved_result(cell_type: str, saved: str | None, zero_is_placeholder: bool) -> str | None:
    """How a formula cell's result was not saved: ``"missing"`` (no ``<v>``, or an empty one
    where the result is not text: Excel saves a formula giving empty text as ``t="str"`` and
    ``<v></v>``), ``"zero"`` (a numeric 0 where the workbook says 0 is a placeholder), or None
    (the result was saved).

    >>> [_unsaved_result("n", v, False) for v in (None, "", "3", "0")]
    ['missing', 'missing', None, None]
    >>> _unsaved_result("str", "", False), _unsaved_result("n", "0", True), _unsaved_result("n", "0.0", True), _unsaved_result("b", "0", True)
    (None, 'zero', 'zero', None)
    """
    if saved is None or (not saved and cell_type != "str"):
        return "missing"
    if zero_is_placeholder and cell_type == "n" and _is_zero(saved):
        return "zero"
    return None


def _is_zero(text: str) -> bool:
    try:
        return float(text) == 0
    except ValueError:
        return False


@cache
def _sheet_parser() -> type:
    """openpyxl's sheet parser (it streams the sheet one row at a time), also listing the
    formula cells saved without their result (see :func:`_unsaved_result`), which openpyxl
    reads as empty or as 0."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet._reader import FORMULA_TAG, VALUE_TAG, WorkSheetParser

    class Parser(WorkSheetParser):  # type: ignore[misc]
        def __init__(self, *args: Any, zero_is_placeholder: bool = False, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.zero_is_placeholder = zero_is_placeholder
            self.unsaved: dict[str, list[str]] = {"missing": [], "zero": []}

        def parse_cell(self, element: Any) -> dict[str, Any]:
            cell: dict[str, Any] = super().parse_cell(element)
            if element.find(FORMULA_TAG) is not None:
                kind = _unsaved_result(element.get("t", "n"), element.findtext(VALUE_TAG), self.zero_is_placeholder)
                if kind:
                    self.unsaved[kind].append(f"{get_column_letter(cell['column'])}{cell['row']}")
            return cell

    return Parser


def _parsed_rows(parser: Any, title: str) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    """The rows ``parser`` reads, its failures (a damaged sheet) as :class:`OfficeError`."""
    rows = parser.parse()
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # lxml, openpyxl and int() raise many kinds for damaged XML
            raise OfficeError(f"sheet {title} of the Excel workbook cannot be read ({type(exc).__name__}): it is damaged") from exc
        yield row


def _sheet_cells(sheet: Any, n_before: int, zero_is_placeholder: bool) -> tuple[dict[int, dict[int, str]], dict[str, list[str]]]:
    """The text of each cell with content, by row and column, and the formula cells saved
    without their result, by how (:func:`_unsaved_result`).

    Only the cells stored in the sheet are read, never the grid up to its last cell or its
    declared dimension (one cell at XFD1048576 is one cell). ``n_before`` cells were read from
    earlier sheets; together they may not pass :data:`MAX_CELLS`.
    """
    from openpyxl.cell.read_only import ReadOnlyCell

    book = sheet.parent
    rows: dict[int, dict[int, str]] = {}
    columns: set[int] = set()
    n_cells = n_before
    formats: dict[int, str] = {}  # number format by style
    # the private parts below are those openpyxl's ReadOnlyWorksheet uses to stream a sheet
    with sheet._get_source() as source:
        parser = _sheet_parser()(source, sheet._shared_strings, data_only=True, epoch=book.epoch,
                                 date_formats=book._date_formats, timedelta_formats=book._timedelta_formats,
                                 zero_is_placeholder=zero_is_placeholder)
        for _, cells in _parsed_rows(parser, sheet.title):
            for cell in cells:
                value = cell["value"]
                if value is not None and cell["style_id"] not in formats:
                    formats[cell["style_id"]] = ReadOnlyCell(sheet, **cell).number_format
                text = "" if value is None else _shown(value, formats[cell["style_id"]], sheet.title, cell)
                if not text:
                    rows.get(cell["row"], {}).pop(cell["column"], None)  # a cell stored twice: the last counts
                    continue
                rows.setdefault(cell["row"], {})[cell["column"]] = text
                columns.add(cell["column"])
                n_cells += 1
                if len(columns) > MAX_COLUMNS:
                    raise OfficeError(
                        f"sheet {sheet.title} has {len(columns):,} columns with content, more than the "
                        f"{MAX_COLUMNS:,} a table can have: the workbook is damaged or not a disclosure"
                    )
                if n_cells > MAX_CELLS:
                    raise OfficeError(_too_many_cells(sheet.title))
    merged = parser.merged_cells.mergeCell if parser.merged_cells is not None else []
    _drop_merged(rows, merged)
    return rows, parser.unsaved


def _drop_merged(rows: dict[int, dict[int, str]], ranges: Sequence[Any]) -> None:
    """Drop (in place) the cells a merged range hides: all but its first, as Excel shows it.

    Only the rows with content inside a range are visited, so a range ``A2000:XFD1048576``
    costs what is stored there, not the 17 billion cells it names.
    """
    numbers = sorted(rows)
    for merge in ranges:
        lo, hi = bisect_left(numbers, merge.min_row), bisect_right(numbers, merge.max_row)
        for number in numbers[lo:hi]:
            cells = rows[number]
            hidden = [c for c in cells if merge.min_col <= c <= merge.max_col and (number, c) != (merge.min_row, merge.min_col)]
            for column in hidden:
                del cells[column]


def _used_columns(rows: dict[int, dict[int, str]]) -> list[int]:
    """Columns with content somewhere on the sheet, in order (empty columns are left out)."""
    return sorted({c for cells in rows.values() for c in cells})


def _grid_size(rows: dict[int, dict[int, str]]) -> int:
    """Cells of the table a sheet makes: its rows with content × its columns with content."""
    return sum(1 for cells in rows.values() if cells) * len(_used_columns(rows))


def _sheet_lines(rows: dict[int, dict[int, str]], title: str) -> list[SourceLine]:
    """A sheet's rows with content as tab-separated lines (trailing empty cells dropped; a
    text alone in its row followed by a table row stays a row of cells:
    :func:`~budgetlib.read.sheet_row_cells`)."""
    used = _used_columns(rows)
    table: list[tuple[int, list[str]]] = []
    for number in sorted(rows):
        stored = rows[number]
        if not stored:
            continue
        last = bisect_right(used, max(stored))
        table.append((number, [stored.get(c, "") for c in used[:last]]))
    following = [kept for _, kept in table[1:]] + [None]
    return [SourceLine(cells_to_line(sheet_row_cells(kept, after)), f"sheet {title} row {number}")
            for (number, kept), after in zip(table, following, strict=True)]
