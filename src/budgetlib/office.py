"""Office readers: DOCX and XLSX bytes → lines of text with their locations.

Takes the bytes of a Word document (``.docx``, python-docx) or an Excel workbook (``.xlsx``,
openpyxl) and gives :class:`~budgetlib.read.SourceLine` objects in document order, the same
kind of lines the text reader gives:

* **DOCX** — paragraphs as lines of narrative (``paragraph 14``), tables as tables: each row
  one tab-separated line (``table 2 row 5``). A cell merged across columns keeps its text in
  its first column and leaves the others empty; a cell merged down rows keeps its text in its
  first row. Text wrapped inside a cell is joined.
* **XLSX** — each sheet in order: a line with the sheet's name (``sheet 表1``), then each
  non-empty row as one tab-separated line (``sheet 表1 row 7``; trailing empty cells dropped,
  so a title or a sentence alone in its row is a line of text unless a table row follows it),
  numbers
  printed as the cell's
  number format shows them (``0.00`` → ``5.80``), merged cells in their first cell, columns
  empty on the whole sheet left out. Formulas give their cached values.

Legacy ``.doc``/``.xls`` files are told apart (and refused with advice) by
:mod:`budgetlib.documents`; a damaged file raises :class:`OfficeError`.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator, Sequence

from budgetlib.read import SourceLine, cells_to_line

__all__ = ["OfficeError", "read_docx", "read_xlsx", "format_number"]


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


# ---------------------------------------------------------------------------------------
# DOCX


def read_docx(data: bytes) -> list[SourceLine]:
    """Paragraphs and table rows of a Word document, in document order."""
    try:
        import docx
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises KeyError, BadZipFile, ValueError …
        raise OfficeError(f"the Word document cannot be opened ({type(exc).__name__}): it may be damaged or protected") from exc
    lines: list[SourceLine] = []
    n_paragraph = n_table = 0
    body = document.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            n_paragraph += 1
            text = _clean_cell(Paragraph(child, document).text)
            if text:
                lines.append(SourceLine(text, f"paragraph {n_paragraph}"))
        elif tag == "tbl":
            n_table += 1
            for n_row, cells in enumerate(_docx_rows(Table(child, document)), start=1):
                if any(cells):
                    lines.append(SourceLine(cells_to_line(cells), f"table {n_table} row {n_row}"))
    return lines


def _docx_rows(table: object) -> Iterator[list[str]]:
    """Each row's cell texts; a merged cell's text only where the merge starts."""
    above: list[object] = []
    for row in table.rows:  # type: ignore[attr-defined]
        cells = list(row.cells)
        texts = []
        for i, cell in enumerate(cells):
            repeated_left = i > 0 and cells[i - 1]._tc is cell._tc
            repeated_above = i < len(above) and above[i] is cell._tc
            texts.append("" if repeated_left or repeated_above else _join_wrapped([p.text for p in cell.paragraphs]))
        above = [c._tc for c in cells]
        yield texts


# ---------------------------------------------------------------------------------------
# XLSX


def format_number(value: float | int, number_format: str = "General") -> str:
    """A number as Excel shows it with ``number_format`` (decimals, thousands separators, %).

    >>> format_number(5.8, "0.00"), format_number(3714.62, "#,##0.00"), format_number(236.88190000000003)
    ('5.80', '3,714.62', '236.8819')
    >>> format_number(0.256, "0.0%"), format_number(12.0)
    ('25.6%', '12')
    """
    section = number_format.split(";")[0]
    if section.lower() in ("general", "@", ""):
        if isinstance(value, int) or float(value).is_integer():
            return str(int(value))
        return f"{value:.10f}".rstrip("0").rstrip(".")
    match = re.search(r"0(?:\.(0+))?", section)
    decimals = len(match.group(1) or "") if match else 0
    percent = "%" in section
    number = value * 100 if percent else value
    text = f"{number:,.{decimals}f}" if "," in section else f"{number:.{decimals}f}"
    return text + ("%" if percent else "")


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


def read_xlsx(data: bytes) -> list[SourceLine]:
    """Every sheet of a workbook: its name, then its rows as tab-separated lines."""
    try:
        import openpyxl

        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except Exception as exc:  # openpyxl raises InvalidFileException, KeyError, BadZipFile …
        raise OfficeError(f"the Excel workbook cannot be opened ({type(exc).__name__}): it may be damaged or protected") from exc
    lines: list[SourceLine] = []
    for sheet in book.worksheets:
        rows = [
            (row[0].row, [_xlsx_cell(c.value, c.number_format) for c in row])
            for row in sheet.iter_rows()
            if row
        ]
        width = max((len(cells) for _, cells in rows), default=0)
        used = [i for i in range(width) if any(i < len(cells) and cells[i] for _, cells in rows)]
        lines.append(SourceLine(sheet.title, f"sheet {sheet.title}"))
        table: list[tuple[int, list[str]]] = []
        for number, cells in rows:
            kept = [cells[i] if i < len(cells) else "" for i in used]
            while kept and not kept[-1]:
                kept.pop()
            if kept:
                table.append((number, kept))
        for k, (number, kept) in enumerate(table):
            # a text alone in its row is a title or a sentence (a line of text), unless a table
            # row follows: then it heads or divides that table (一、政府采购情况)
            inside = k < len(table) - 1 and len(table[k + 1][1]) > 1
            cells = kept + [""] if len(kept) == 1 and inside else kept
            lines.append(SourceLine(cells_to_line(cells), f"sheet {sheet.title} row {number}"))
    return lines
