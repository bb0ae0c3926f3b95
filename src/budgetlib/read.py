"""Reader: bytes → text → lines → rows of cells, each with its source line number.

Takes the raw bytes of a disclosure saved as text (UTF-8, UTF-8 with BOM, UTF-16 with BOM,
GB18030/GBK) and gives:

* :func:`decode` — the text and the name of the encoding it was read with;
* :func:`normalize_line` — one line with full-width digits and punctuation made ASCII,
  markdown/HTML emphasis and heading markers removed (tabs are kept: they separate cells);
* :func:`to_lines` — numbered, normalised :class:`Line` objects;
* :func:`looks_like_csv` and :func:`csv_lines` — the same for a table saved as comma-separated
  values (rows as tab-separated cells, each numbered by the line where it starts; a text alone
  in its row is kept a row of cells when a table row follows it, :func:`sheet_row_cells`, as the
  XLSX reader does);
* :func:`to_rows` — :class:`Row` objects (cells with line numbers), whatever the layout:
  tab-separated rows, one cell per tab-indented line with blank lines between rows,
  markdown tables, or rows aligned with runs of spaces.

Nothing here knows about budget tables; :mod:`budgetlib.tables` gives rows their meaning.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "DecodeError",
    "INVISIBLE_MARKS",
    "Line",
    "Row",
    "SourceLine",
    "cells_to_line",
    "csv_lines",
    "looks_like_csv",
    "sheet_row_cells",
    "decode",
    "normalize_line",
    "to_lines",
    "to_rows",
    "load_lines",
]


class DecodeError(ValueError):
    """The bytes are not text in any encoding we read (binary, PDF, image …)."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line of the source text, normalised, with its 1-based line number."""

    no: int
    text: str


@dataclass(frozen=True, slots=True)
class SourceLine:
    """A line as a document reader gives it (PDF, DOCX, XLSX, OCR), before numbering:
    its text (table rows as tab-separated cells), where it stands in the document
    (``p.3 l.12``, ``table 2 row 5`` …) and whether OCR read it."""

    text: str
    location: str
    ocr: bool = False


@dataclass(frozen=True, slots=True)
class Row:
    """A row of cells; ``line_nos`` holds the source line of each cell."""

    cells: tuple[str, ...]
    line_nos: tuple[int, ...]
    layout: str = "text"  # text (a plain line) | cells (tab/markdown/aligned) | block (cell per line)

    @property
    def first_line(self) -> int:
        return self.line_nos[0] if self.line_nos else 0


# ---------------------------------------------------------------------------------------
# Decoding

_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)

_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF", "a PDF file"),
    (b"PK\x03\x04", "a ZIP container (DOCX/XLSX)"),
    (b"\xd0\xcf\x11\xe0", "a legacy Office file (DOC/XLS)"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)


def decode(data: bytes) -> tuple[str, str]:
    """Decode ``data`` and say which encoding was used.

    >>> decode("收入".encode("gb18030"))
    ('收入', 'gb18030')
    >>> decode(b"\\xef\\xbb\\xbf" + "收入".encode())
    ('收入', 'utf-8-sig')
    """
    text, name = _decode(data)
    text = text.rstrip("\x00")  # NUL padding after the end (a download cut short) holds nothing
    if "\x00" in text:  # a NUL is never part of a disclosure: the file is damaged, or binary
        raise DecodeError(f"contains a NUL byte at line {_line_of(text, text.index(chr(0)))}: the file is damaged or binary")
    return text, name


def _line_of(text: str | bytes, offset: int) -> int:
    """The 1-based line number of ``offset`` in ``text``."""
    if isinstance(text, str):
        return len(_LINE_END.findall(text, 0, offset)) + 1
    return len(_LINE_END_BYTES.findall(text, 0, offset)) + 1


def _decode(data: bytes) -> tuple[str, str]:
    for magic, what in _BINARY_MAGIC:
        if data.startswith(magic):
            raise DecodeError(f"this is {what}, not text")
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise DecodeError(f"starts with a {name} byte-order mark but is not {name}") from exc
    if data[:4096].count(b"\x00") > 0:
        # UTF-16 without BOM shows NUL bytes in every other position for CJK/ASCII text.
        for name in ("utf-16-le", "utf-16-be"):
            try:
                text = data.decode(name)
            except UnicodeDecodeError:
                continue
            if _looks_like_text(text):
                return text, name
        data = data.rstrip(b"\x00")  # text padded with NULs after its end
        if b"\x00" in data[:4096]:
            raise DecodeError("contains NUL bytes: binary data, not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as exc:
        utf8_error = exc
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise DecodeError(
            "not valid UTF-8, UTF-16 or GB18030/GBK text: "
            f"not UTF-8 from byte {utf8_error.start:,} (line {_line_of(data, utf8_error.start)}), "
            f"not GB18030 from byte {exc.start:,} (line {_line_of(data, exc.start)}) — "
            "if both are far into the file, it mixes two encodings: save it again in one"
        ) from exc
    if not _looks_like_text(text):
        start = utf8_error.start
        if start and _looks_like_text(data[:start].decode("utf-8")):
            raise DecodeError(f"UTF-8 text up to line {_line_of(data, start)}, then bytes that are not UTF-8 (byte {start:,}): "
                              "the file mixes two encodings or is damaged there — save it again in one encoding")
        raise DecodeError("decodes as GB18030 but reads as noise: binary data, not text")
    return text, "gb18030"


def _is_common_char(ch: str) -> bool:
    """Characters a Chinese disclosure is made of: ASCII, CJK, CJK and full-width punctuation."""
    cp = ord(ch)
    return (
        (32 <= cp < 127)
        or ch in "\t\r\n\f"
        or 0x4E00 <= cp <= 0x9FFF  # CJK unified ideographs
        or 0x3000 <= cp <= 0x303F  # CJK punctuation
        or 0xFF00 <= cp <= 0xFFEF  # full-width forms
        or 0x2000 <= cp <= 0x206F  # general punctuation (quotes, dashes)
        or cp in (0xA0, 0xB7, 0xD7, 0x2030)
        or 0x2460 <= cp <= 0x25FF  # circled numbers, box drawing, shapes
        or 0x3400 <= cp <= 0x4DBF  # CJK extension A
    )


def _looks_like_text(text: str) -> bool:
    """True when nearly all characters are ones a Chinese disclosure is made of."""
    if not text:
        return True
    sample = text[:20000]
    common = sum(1 for ch in sample if _is_common_char(ch))
    return common / len(sample) >= 0.95


# ---------------------------------------------------------------------------------------
# Normalising one line

_FULLWIDTH: dict[int, int | None] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
# Chinese sentence punctuation keeps its meaning (a Chinese comma is never a thousands
# separator), so these stay as they are.
for _keep in "，。；、！？":
    _FULLWIDTH.pop(ord(_keep), None)
_FULLWIDTH.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20})
_FULLWIDTH[0x2212] = ord("-")
# colons by other names: ratio ∶, small ﹕, vertical ︰ (单位∶元 must read as 单位:元)
_FULLWIDTH.update(dict.fromkeys((0x2236, 0xFE55, 0xFE30), ord(":")))
#: marks that show nothing, dropped from text: zero-width space and byte-order mark, direction
#: marks and embeddings, joiners, invisible operators, the soft hyphen; left in, they break a
#: title (部门预算\u200f支出总表) or a figure
INVISIBLE_MARKS = (0x00AD, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2060, 0x2065),
                   *range(0x2066, 0x206A), 0xFEFF)
_FULLWIDTH.update(dict.fromkeys(INVISIBLE_MARKS, None))

#: the same mapping as a regex: only the few characters to change cost anything (str.translate
#: looks up every character of the line)
_WIDE_CHARS = {chr(k): "" if v is None else chr(v) for k, v in _FULLWIDTH.items()}
_WIDE_RE = re.compile("[" + re.escape("".join(sorted(_WIDE_CHARS))) + "]")


def _narrow(match: re.Match[str]) -> str:
    return _WIDE_CHARS[match.group()]


_HTML_TAG = re.compile(r"</?(?:b|strong|i|em|u|span|font|br|p)\b[^>]*>", re.IGNORECASE)
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_MD_BULLET = re.compile(r"^\s{0,3}[-*+]\s+(?=\S)")
_MD_EMPHASIS = re.compile(r"\*\*|__")


def normalize_line(text: str) -> str:
    """Normalise one line of text; tabs are kept as cell separators.

    >>> normalize_line("## 收入　决算表（万元）")
    '收入 决算表(万元)'
    >>> normalize_line("**西乡县医疗保险业务经办中心")
    '西乡县医疗保险业务经办中心'
    >>> normalize_line("- 1、一般公共预算拨款收入：**指")
    '1、一般公共预算拨款收入:指'
    >>> normalize_line("３７１４．６２万元，其中")
    '3714.62万元，其中'
    """
    text = _WIDE_RE.sub(_narrow, text).rstrip("\r\n")
    if "<" in text:
        text = _HTML_TAG.sub("", text)
    if "#" in text:
        text = _MD_HEADING.sub("", text)
    if text[:4].lstrip()[:1] in ("-", "*", "+"):
        text = _MD_BULLET.sub("", text)
    if "**" in text or "__" in text:
        text = _MD_EMPHASIS.sub("", text)
    return text.rstrip(" \f\v")


_LINE_END = re.compile(r"\r\n|\r|\n")
_LINE_END_BYTES = re.compile(rb"\r\n|\r|\n")
#: breaks that are not line ends: a page break (form feed) is dropped; a line break inside a
#: cell (vertical tab, the separators U+001C–U+001E, U+0085, U+2028, U+2029) becomes a space
_INNER_BREAKS = {0x0C: None, **{cp: " " for cp in (0x0B, 0x1C, 0x1D, 0x1E, 0x85, 0x2028, 0x2029)}}
_INNER_BREAK = re.compile("[" + "".join(map(chr, _INNER_BREAKS)) + "]")


def to_lines(text: str) -> list[Line]:
    """Split decoded text into numbered, normalised lines: CR, CRLF and LF end a line, and
    nothing else does, so line numbers are the file's own (what an editor shows).

    A row of tab-separated cells saved by a spreadsheet (Excel, WPS), where a cell holding line
    breaks, a tab or a quote is put in double quotes, is one line numbered by its first line
    (see :func:`_quoted_row`).
    """
    raw_lines = _LINE_END.split(text)
    if raw_lines and not raw_lines[-1]:
        raw_lines.pop()  # the end of the last line, not an empty line after it
    lines: list[Line] = []
    i = 0
    while i < len(raw_lines):
        raw, used = raw_lines[i], 1
        if '"' in raw:
            raw, used = _quoted_row(raw_lines, i) or (raw, 1)
        lines.append(Line(i + 1, normalize_line(_inner_breaks(raw))))
        i += used
    return lines


#: lines a quoted cell may run over; a quote left open longer is a quote, not a cell
MAX_QUOTED_CELL_LINES = 30
_BREAKS_IN_CELL = re.compile(r"\s*[\n\t]\s*")


def _quoted_row(raw_lines: Sequence[str], first: int) -> tuple[str, int] | None:
    """The row of tab-separated cells starting at ``raw_lines[first]`` in which a cell is
    quoted as a spreadsheet quotes it (``"..."`` up to a tab or the end of the row, ``""``
    for a quote), with its quotes taken off and its line breaks and tabs made spaces, and the
    number of lines it spans; None when the line holds no such cell (``"三公"经费`` is text),
    or a quote opens a cell and is not closed within :data:`MAX_QUOTED_CELL_LINES` lines.

    >>> _quoted_row(['1\\t"财政对城乡居民', '基金的补助"\\t60.00'], 0)
    ('1\\t财政对城乡居民 基金的补助\\t60.00', 2)
    >>> _quoted_row(['"三公"经费\\t12.00'], 0), _quoted_row(['"标题"'], 0)
    (None, None)
    """
    cells: list[str] = []
    quoted = False
    k, line, pos = first, raw_lines[first], 0
    while True:
        if line.startswith('"', pos):  # a quoted cell: up to a quote followed by a tab or the row's end
            parts, j = [], pos + 1
            while True:
                q = line.find('"', j)
                if q < 0:  # a line break inside the cell
                    parts.append(line[j:] + "\n")
                    k += 1
                    if k >= len(raw_lines) or k - first >= MAX_QUOTED_CELL_LINES:
                        return None
                    line, j = raw_lines[k], 0
                elif line.startswith('"', q + 1):  # a doubled quote: one quote
                    parts.append(line[j:q + 1])
                    j = q + 2
                elif q + 1 == len(line) or line[q + 1] == "\t":
                    parts.append(line[j:q])
                    pos = q + 1
                    break
                else:  # text after the closing quote: not a quoted cell
                    return None
            cells.append(_BREAKS_IN_CELL.sub(" ", "".join(parts)).strip())
            quoted = True
        else:
            end = line.find("\t", pos)
            cells.append(line[pos:] if end < 0 else line[pos:end])
            pos = len(line) if end < 0 else end
        if pos >= len(line):
            break
        pos += 1  # the tab between two cells
        if pos == len(line):
            cells.append("")
            break
    if not quoted or len(cells) < 2:
        return None
    return "\t".join(cells), k - first + 1


def _inner_breaks(raw: str) -> str:
    return raw.translate(_INNER_BREAKS) if _INNER_BREAK.search(raw) else raw


# ---------------------------------------------------------------------------------------
# Comma-separated values (a sheet saved as CSV)

_QUOTED_FIELD = re.compile(r'"[^"]*"')
#: a comma that separates fields: not one between a digit and three more (1,234.56)
_FIELD_COMMA = re.compile(r"(?<!\d),|,(?!\d{3}(?!\d))")
#: how far into a text the test for CSV looks
_CSV_SAMPLE = 200_000


def looks_like_csv(text: str) -> bool:
    """Whether ``text`` is a table saved as comma-separated values: no tabs, and at least a
    third of its lines (two or more) hold a comma that separates fields (outside quotes, and
    not a thousands separator: prose and space-aligned figures like ``1,234.56`` are not CSV).

    >>> looks_like_csv("科目,合计\\n卫生健康支出,5.80\\n"), looks_like_csv("合计 1,234.56\\n支出 1,000.00\\n")
    (True, False)
    """
    sample = text[:_CSV_SAMPLE]
    if "\t" in sample:
        return False
    lines = [line for line in _LINE_END.split(sample) if line.strip()]
    separated = sum(1 for line in lines if _FIELD_COMMA.search(_QUOTED_FIELD.sub("", line)))
    return separated >= 2 and separated * 3 >= len(lines)


def csv_lines(text: str) -> list[Line]:
    """The rows of a CSV text as numbered, normalised lines of tab-separated cells: each
    numbered by the line where it starts (a quoted cell may run over lines, its breaks made
    spaces), empty cells at the end of a row dropped, empty rows left out; a text alone in
    its row stays a row of cells when a table row follows it (:func:`sheet_row_cells`), as
    the XLSX reader gives the same sheet.

    Raises :class:`DecodeError` naming the line where the CSV cannot be read.
    """
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for row in reader:
            cells = [_BREAKS_IN_CELL.sub(" ", cell).strip() for cell in row]
            while cells and not cells[-1]:
                cells.pop()
            if cells:
                rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise DecodeError(f"line {start}: the comma-separated values cannot be read ({exc})") from exc
    following = [cells for _, cells in rows[1:]] + [None]
    return [Line(no, normalize_line(_inner_breaks(cells_to_line(sheet_row_cells(cells, after)))))
            for (no, cells), after in zip(rows, following, strict=True)]


def sheet_row_cells(cells: list[str], following: Sequence[str] | None) -> list[str]:
    """A sheet's row (trailing empty cells dropped) as a reader gives it, ``following`` being
    the next row with content (None at the end): a text alone in its row is a title or a
    sentence (a line of text), unless a table row follows it: then it heads or divides that
    table (一、政府采购情况) and stays a row of cells.

    >>> sheet_row_cells(["一、政府采购情况"], ["项目", "统计数"]), sheet_row_cells(["标题"], ["说明"])
    (['一、政府采购情况', ''], ['标题'])
    """
    return [*cells, ""] if len(cells) == 1 and following is not None and len(following) > 1 else cells


def cells_to_line(cells: Sequence[str]) -> str:
    """One table row as a line of tab-separated cells (empty cells kept), as the document
    readers (PDF, DOCX, XLSX, HTML) write rows.

    A row whose only text follows one empty cell gets a trailing tab, so it stays a row of
    cells and is not read as the one-cell-per-line layout:

    >>> cells_to_line(["", "合计"]), cells_to_line(["合计", "5.80"]), cells_to_line(["标题"])
    ('\\t合计\\t', '合计\\t5.80', '标题')
    """
    parts = [c.replace("\t", " ").strip() for c in cells]
    if len(parts) == 1:
        return parts[0]
    text = "\t".join(parts)
    if text.count("\t") == 1 and text.startswith("\t"):
        text += "\t"
    return text


def load_lines(data: bytes) -> tuple[list[Line], str]:
    """Bytes → normalised lines and the encoding name."""
    text, encoding = decode(data)
    return to_lines(text), encoding


# ---------------------------------------------------------------------------------------
# Rows of cells

_MD_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$")
_SPACE_COLUMNS = re.compile(r"\s{2,}")


def _split_cells(text: str) -> list[str] | None:
    """Cells of one line, or None when the line is not a multi-cell row."""
    if "\t" in text:
        return [c.strip() for c in text.split("\t")]
    stripped = text.strip()
    if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
        if _MD_TABLE_RULE.match(stripped):
            return []
        return [c.strip() for c in stripped[1:-1].split("|")]
    if _SPACE_COLUMNS.search(stripped):
        parts = _SPACE_COLUMNS.split(stripped)
        # Two or more aligned columns of which at least one holds a number: a table row.
        if len(parts) >= 3 and any(re.search(r"\d", p) for p in parts[1:]):
            return parts
    return None


# Pipe tables without outer pipes (``a | b`` over ``--- | ---``)


def _pipe_cells(text: str, outer: tuple[bool, bool]) -> list[str]:
    """Cells of a pipe-table row; a pipe at the start or end is taken off only where the
    table's header has one there (``outer``), so `` | 合计 | 5.00`` under a header without
    outer pipes keeps its empty first cell."""
    stripped = text.strip()
    if outer[0] and stripped.startswith("|"):
        stripped = stripped[1:]
    if outer[1] and stripped.endswith("|"):
        stripped = stripped[:-1]
    return [c.strip() for c in stripped.split("|")]


def _pipe_tables(lines: Sequence[Line]) -> dict[int, list[str]]:
    """Cells (``[]`` for the rule row) of the lines of pipe tables that lack an outer pipe
    on either side, by index: a header row with pipes over a rule row of as many columns
    (``--- | ---:``), and the rows with pipes after it. Tables with both outer pipes are read
    line by line (:func:`_split_cells`)."""
    found: dict[int, list[str]] = {}
    i = 0
    while i + 1 < len(lines):
        header, rule = lines[i].text.strip(), lines[i + 1].text.strip()
        if (
            "|" in header
            and "|" in rule
            and "\t" not in header
            and not (header.startswith("|") and header.endswith("|"))
            and _MD_TABLE_RULE.match(rule)
        ):
            outer = (header.startswith("|"), header.endswith("|"))
            cells = _pipe_cells(header, outer)
            if len(cells) >= 2 and len(cells) == len(_pipe_cells(rule, (rule.startswith("|"), rule.endswith("|")))):
                found[i], found[i + 1] = cells, []
                i += 2
                while i < len(lines) and "|" in lines[i].text and "\t" not in lines[i].text:
                    found[i] = _pipe_cells(lines[i].text, outer)
                    i += 1
                continue
        i += 1
    return found


# Space-aligned tables (pdftotext -layout, tabs expanded by an editor)

#: text with single spaces inside: a cell of a space-aligned row
_ALIGNED_TOKEN = re.compile(r"\S+(?: \S+)*")
#: a figure standing alone in its cell (``1,234.56``, ``(12.00)``, ``5350.22 78``, ``12%``)
_FIGURE_TOKEN = re.compile(r"[-+(]?\d[\d, ]*(?:\.[\d ]*\d)?\)?%?")
_SENTENCE_END = re.compile(r"[。；！？]")
#: blank lines a space-aligned table may hold between two of its rows
MAX_BLANK_LINES_IN_TABLE = 3

Span = tuple[int, int, str]  # first column, column after the last, text


def _width(text: str, wide: bool) -> int:
    """Columns ``text`` takes: one per character, or two per wide (CJK) one when ``wide``."""
    if not wide:
        return len(text)
    return len(text) + sum(1 for ch in text if ch >= "\u1100" and unicodedata.east_asian_width(ch) in "WF")


def _spans(text: str, wide: bool) -> list[Span]:
    """The cells of a space-aligned line with the columns each takes."""
    spans: list[Span] = []
    column = end = 0
    for match in _ALIGNED_TOKEN.finditer(text):
        column += match.start() - end  # the gap is spaces: one column each
        width = _width(match.group(), wide)
        spans.append((column, column + width, match.group()))
        column += width
        end = match.end()
    return spans


def _is_figure_row(spans: Sequence[Span]) -> bool:
    return len(spans) >= 2 and any(_FIGURE_TOKEN.fullmatch(text) for _, _, text in spans[1:])


def _columns(rows: Sequence[Sequence[Span]]) -> list[tuple[int, int]] | None:
    """The columns of a space-aligned table: the spans of its rows with figures, joined where
    they overlap; None when two cells of one such row fall in one column (not aligned)."""
    figure_rows = [row for row in rows if _is_figure_row(row)]
    columns: list[list[int]] = []
    for a, b in sorted((a, b) for row in figure_rows for a, b, _ in row):
        if columns and a < columns[-1][1]:
            columns[-1][1] = max(columns[-1][1], b)
        else:
            columns.append([a, b])
    if any(len({_column_of(columns, a, b) for a, b, _ in row}) < len(row) for row in figure_rows):
        return None
    return [(a, b) for a, b in columns]


def _column_of(columns: Sequence[Sequence[int]], a: int, b: int) -> int | None:
    """Index of the first column that ``[a, b)`` overlaps, or None."""
    for k, (start, end) in enumerate(columns):
        if a < end and start < b:
            return k
    return None


def _cut(rows: Sequence[Sequence[Span]], columns: list[tuple[int, int]]) -> tuple[list[list[str]], int]:
    """Each row's cells under ``columns`` (text over no column gets a column of its own), and
    how many columns hold the text of one row only (fewer: the better reading)."""
    columns = list(columns)
    for row in rows:
        for a, b, _ in row:
            if _column_of(columns, a, b) is None:
                columns.append((a, b))
    columns.sort()
    cells = [[""] * len(columns) for _ in rows]
    used = [0] * len(columns)
    for row, out in zip(rows, cells, strict=True):
        seen = set()
        for a, b, text in row:
            k = _column_of(columns, a, b)
            assert k is not None
            out[k] = f"{out[k]} {text}" if out[k] else text
            seen.add(k)
        for k in seen:
            used[k] += 1
    return cells, sum(1 for n in used if n == 1)


def _aligned_group(lines: Sequence[Line]) -> list[list[str]] | None:
    """Cells of a run of space-aligned lines, cut where the rows with figures have gaps, with
    columns counted in characters or in display width (CJK two), whichever lines the rows up
    better; None when the run holds no figures or is not aligned either way."""
    best: tuple[int, list[list[str]]] | None = None
    for wide in (True, False):
        rows = [_spans(line.text, wide) for line in lines]
        columns = _columns(rows)
        if not columns or len(columns) < 2:
            continue
        cells, lone = _cut(rows, columns)
        if best is None or lone < best[0]:
            best = (lone, cells)
    return best[1] if best else None


def _aligned_tables(lines: Sequence[Line]) -> dict[int, list[str]]:
    """Cells of the lines of space-aligned tables, by index: runs of lines with two or more
    cells apart by runs of spaces (blank lines between them allowed), holding figures."""
    found: dict[int, list[str]] = {}
    run: list[int] = []
    blanks = 0

    def close() -> None:
        if run:
            cells = _aligned_group([lines[i] for i in run])
            if cells is not None:
                found.update(zip(run, cells, strict=True))
            run.clear()

    for i, line in enumerate(lines):
        text = line.text
        if not text.strip():
            blanks += 1
            if blanks > MAX_BLANK_LINES_IN_TABLE:
                close()
            continue
        stripped = text.strip()
        if "  " in stripped and "\t" not in text and "|" not in stripped[:1] and not _SENTENCE_END.search(text):
            run.append(i)
        else:
            close()
        blanks = 0
    close()
    return found


def _is_cell_per_line_block(block: Sequence[Line]) -> bool:
    """A run of lines that each start with a tab and hold at most one cell."""
    return len(block) >= 1 and all(
        ln.text.startswith("\t") and "\t" not in ln.text[1:] for ln in block
    )


def to_rows(lines: Iterable[Line]) -> list[Row]:
    """Turn lines into rows of cells.

    * a line with tabs (or ``|`` markdown cells, or 2+ space-aligned columns) is one row;
      the rows of a space-aligned table are cut where its rows with figures have gaps, so a
      header without figures keeps its columns and an empty cell its place
      (:func:`_aligned_tables`); a pipe table may lack outer pipes (:func:`_pipe_tables`);
    * in the one-cell-per-line layout (each line starts with one tab and holds one cell,
      rows separated by blank lines) each blank-line-separated block is one row;
    * any other non-blank line is a one-cell row (a title, a sentence, a note).
    """
    rows: list[Row] = []
    block: list[Line] = []

    def flush() -> None:
        if block:
            cells = tuple(ln.text.strip() for ln in block)
            rows.append(Row(cells, tuple(ln.no for ln in block), "block"))
            block.clear()

    numbered = list(lines)
    known = _aligned_tables(numbered) if any("  " in ln.text for ln in numbered) else {}
    if any("|" in ln.text for ln in numbered):
        known.update(_pipe_tables(numbered))
    for index, line in enumerate(numbered):
        if not line.text.strip():
            # blank: ends a one-cell-per-line row; a lone tab line is an empty cell.
            if line.text.startswith("\t"):
                block.append(Line(line.no, "\t"))
                continue
            flush()
            continue
        if _is_cell_per_line_block([line]):
            block.append(line)
            continue
        flush()
        cells = known[index] if index in known else _split_cells(line.text)
        if cells == []:
            continue
        if cells is None:
            rows.append(Row((line.text.strip(),), (line.no,)))
        else:
            rows.append(Row(tuple(cells), tuple(line.no for _ in cells), "cells"))
    flush()
    return rows
