"""Web pages: HTML bytes (a page saved from a government site, often under a ``.pdf`` name)
→ lines of text with their locations.

Takes the bytes of an HTML page and gives :class:`~budgetlib.read.SourceLine` objects in page
order: each block of text (paragraph, heading, list item, ``<br>``-separated line) as a line
(``block 14``), each table row as one tab-separated line (``table 2 row 5``; a cell spanning
columns keeps its text in its first column). Scripts, styles and other non-content elements
are skipped. The page's ``<title>`` comes first. The bytes are decoded like a text file
(:func:`budgetlib.read.decode`: UTF-8, UTF-16, GB18030).

Pages saved from real sites are often not well-formed; they are read the way a browser reads
them (the HTML5 parsing rules), so no figure is lost:

* end tags that HTML5 lets an author leave out are implied: a new ``<td>``/``<th>`` closes the
  open cell; a new ``<tr>``, ``<thead>``, ``<tbody>``, ``<tfoot>`` or ``<caption>`` closes the
  open cell and row; ``</tr>`` closes the open cell; ``</table>`` closes all three; the end of
  the page closes everything still open (so ``<tr><td>a<td>b`` is a row of two cells);
* a ``<table>`` that starts directly inside another table, not inside one of its cells, closes
  that table first (so a lost ``</table>`` does not swallow the tables after it);
* text and paragraphs that stand inside a table but outside its cells (browsers move them
  before the table) are read as blocks, in page order: between two rows, before the next row;
  inside a row (between its cells, where a ``<br>``, a ``<p>``, a stray ``</p>`` or text is
  often left), after that row — they never split the row, so its label keeps its figures;
* invisible characters (zero-width space U+200B, word joiner U+2060, a stray byte-order mark
  U+FEFF) count as nothing and no-break and other Unicode spaces as spaces, in cells and blocks;
* a ``<caption>`` (often the table's title and unit) is read as blocks before the table's rows;
* a ``colspan`` above :data:`MAX_COLSPAN` counts as :data:`MAX_COLSPAN` (as in browsers);
* a ``<script>``, ``<style>`` or other skipped element that is never closed hides everything
  after it — in a browser too. When that text holds page markup (paragraphs, tables, line
  breaks with text) :func:`read_html` raises :class:`UnreadablePage` naming the line, rather
  than return a page with its figures gone. Tags inside the code's own string literals,
  comments and ``/<…/`` regular expressions (``var nav = '<li>…</li>'``, a page cut off in its
  last script) are code, not markup: see :func:`_hidden_content`.

HTML without ``<html>``/``<!DOCTYPE>`` (a fragment copied out of a page) is recognised by
:func:`looks_like_html`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from budgetlib.read import DecodeError, SourceLine, cells_to_line, decode

__all__ = ["MAX_COLSPAN", "UnreadablePage", "looks_like_html", "read_html"]

MAX_COLSPAN = 1_000
"""The most columns one cell may span. Real budget tables are a few dozen columns wide; a
larger ``colspan`` (a damaged page, or ``colspan="2000000000"``) is clamped to this, as the
HTML standard and browsers do, so that one cell cannot exhaust memory."""

_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "h1", "h2", "h3",
    "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "center", "form",
    "hr", "address", "figure", "figcaption", "caption", "body",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "iframe", "object"}
_SECTIONS = {"thead", "tbody", "tfoot", "colgroup", "caption"}  # start one: the open row ends
# Start tags of page content: an unclosed skipped element that holds one of these hides content.
_CONTENT_TAG = re.compile(
    r"<(?:p|div|table|tr|td|th|br|h[1-6]|li|span|font|pre|center|section|article)(?:\s[^<>]*)?/?>", re.IGNORECASE)
# What a script's code holds that is not markup: string literals ('…' and "…" end on their line,
# `…` may span lines), comments (// not after ``:``, as in http://), regexes that start ``/<``.
_JS_NOT_MARKUP = re.compile(
    r"'(?:\\[\s\S]|[^'\\\n])*'|\"(?:\\[\s\S]|[^\"\\\n])*\"|`(?:\\[\s\S]|[^`\\])*`"
    r"|/\*[\s\S]*?\*/|(?<!:)//[^\n]*|/<(?:\\.|[^/\\\n])*/")
_CSS_NOT_MARKUP = re.compile(r"'(?:\\[\s\S]|[^'\\\n])*'|\"(?:\\[\s\S]|[^\"\\\n])*\"|/\*[\s\S]*?\*/")
# Characters that show nothing: dropped from text.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u2060\ufeff"))


class UnreadablePage(DecodeError):
    """A web page whose content cannot be read as it stands (the message says why and where)."""


@dataclass(slots=True)
class _Table:
    """An open <table>: rows read so far, the row and the cell being read."""

    rows: int = 0
    row: list[str] | None = None
    cell: list[str] | None = None
    span: int = 1
    caption: bool = False


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[SourceLine] = []
        self.text: list[str] = []
        self.skip = 0
        self.skip_start: tuple[str, int, int] | None = None  # outermost open skipped element
        self.in_title = False
        self.title = ""
        self.n_block = 0
        self.n_table = 0
        self.tables: list[_Table] = []  # open tables (a nested one is read into its cell)
        self.held: list[str] = []  # blocks met in the open top-level row, outside its cells

    # text outside tables ------------------------------------------------------------
    def _flush(self) -> None:
        text = _squash("".join(self.text))
        self.text = []
        if text:
            self.n_block += 1
            self.lines.append(SourceLine(text, f"block {self.n_block}"))

    def _end_block(self, table: _Table) -> None:
        """A block ends (``<p>``, ``</div>``, ``<br>`` …) inside the top-level ``table``,
        outside its cells: its text is a block now, or after the row if a row is open."""
        if table.row is None:
            self._flush()
            return
        text = _squash("".join(self.text))
        self.text = []
        if text:
            self.held.append(text)

    # table structure: every close is a no-op when there is nothing open --------------
    def _open_row(self, table: _Table) -> None:
        if len(self.tables) == 1:
            self._flush()  # text that stood in the table before this row comes before it
        table.row = []

    def _close_cell(self, table: _Table) -> None:
        if table.cell is None or table.row is None:
            return
        cell = "".join(_squash(p) for p in "".join(table.cell).split("\n"))
        table.row.extend([cell] + [""] * (table.span - 1))
        table.cell = None
        outer = self.tables[-2] if len(self.tables) > 1 else None
        if outer is not None and outer.cell is not None and cell:
            outer.cell.append(cell + " ")  # a table inside a cell: its text joins the cell

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        if table.row is None:
            return
        table.rows += 1
        row, table.row = table.row, None
        if len(self.tables) > 1:
            return
        if any(row):
            self.lines.append(SourceLine(cells_to_line(row), f"table {self.n_table} row {table.rows}"))
        for text in self.held:  # what stood in the row outside its cells follows it
            self.n_block += 1
            self.lines.append(SourceLine(text, f"block {self.n_block}"))
        self.held = []
        self._flush()

    def _close_table(self) -> None:
        self._close_row(self.tables[-1])
        self.tables.pop()

    def _fostering(self, table: _Table) -> bool:
        """Whether text and blocks met now stand in the top-level ``table`` outside its cells
        (and its caption): browsers show them before the table; they are read in page order."""
        return len(self.tables) == 1 and table.cell is None and not table.caption

    def _table_start(self, table: _Table, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("td", "th"):
            self._close_cell(table)
            table.caption = False
            if table.row is None:
                self._open_row(table)
            elif len(self.tables) == 1:
                self._end_block(table)  # text on either side of a cell is not one block
            table.cell, table.span = [], _colspan(dict(attrs).get("colspan"))
        elif tag == "tr":
            self._close_row(table)
            table.caption = False
            self._open_row(table)
        elif tag in _SECTIONS:
            self._close_row(table)
            table.caption = tag == "caption"
        elif table.cell is not None:
            if tag == "br":
                table.cell.append("\n")
        elif table.caption and (tag == "br" or tag in _BLOCK):
            self._flush()  # a caption of two lines (title, unit) gives two blocks
        elif (tag == "br" or tag in _BLOCK) and self._fostering(table):
            self._end_block(table)  # a paragraph left inside a table, outside its cells

    def _table_end(self, table: _Table, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell(table)
        elif tag in ("tr", "thead", "tbody", "tfoot"):
            self._close_row(table)
        elif tag == "caption":
            table.caption = False
            self._flush()
        elif tag == "table":
            self._close_table()
        elif tag in _BLOCK and self._fostering(table):
            self._end_block(table)

    # parser callbacks -----------------------------------------------------------------
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            if not self.skip:
                self.skip_start = (tag, *self.getpos())
            self.skip += 1
            return
        if tag == "title":
            self.in_title = True
            return
        if self.skip:
            return
        if tag == "table":
            if self.tables and self.tables[-1].cell is None:
                self._close_table()  # <table> directly in a table: that table has ended
            if not self.tables:
                self._flush()
                self.n_table += 1
            self.tables.append(_Table())
            return
        if self.tables:
            self._table_start(self.tables[-1], tag, attrs)
            return
        if tag == "br":
            self._flush()
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip = max(0, self.skip - 1)
            if not self.skip:
                self.skip_start = None
            return
        if tag == "title":
            self.in_title = False
            return
        if self.skip:
            return
        if self.tables:
            self._table_end(self.tables[-1], tag)
            return
        if tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
            return
        if self.skip:
            return
        if self.tables:
            table = self.tables[-1]
            if table.cell is not None:
                table.cell.append(data)
            elif table.caption and len(self.tables) == 1:
                self.text.append(data)  # the caption: the table's title and unit, a block before its rows
            elif self._fostering(table):
                self.text.append(data)  # text inside a table but outside its cells: never ends a row
            return
        self.text.append(data)

    def close(self) -> None:
        super().close()
        while self.tables:  # the end of the page closes every open cell, row and table
            self._close_table()
        self._flush()


def _squash(text: str) -> str:
    """``text`` with its invisible characters dropped and runs of white space (any Unicode
    space) as one space, trimmed.

    >>> _squash("\\u200b 收入\\u00a0 合计\\u3000\\ufeff\\n")
    '收入 合计'
    """
    return re.sub(r"\s+", " ", text.translate(_INVISIBLE)).strip()


def _colspan(value: str | None) -> int:
    """The columns a cell spans: its ``colspan`` if a plain number, at most :data:`MAX_COLSPAN`.

    >>> _colspan("3"), _colspan(None), _colspan("x"), _colspan("²"), _colspan("2000000000")
    (3, 1, 1, 1, 1000)
    """
    if value is None or not value.isdecimal():
        return 1
    return min(int(value), MAX_COLSPAN)


def _hidden_content(text: str, line: int, column: int, tag: str) -> bool:
    """Whether the never-closed ``<tag>`` at (``line``, ``column``) of ``text`` — 1-based line
    and 0-based column as :meth:`HTMLParser.getpos` gives them — hides page content.

    To the parser everything after an open ``<script>``/``<style>`` is raw text, code or the
    page alike. Code writes its markup in string literals (``'<li>…</li>'``, ``"…"``,
    `` `…` ``), comments and ``/<br>/g`` regexes, so these are blanked first (a quote in page
    text blanks at most the rest of its line). The tail hides content when what is left holds a
    whole start tag of page content (``<p>``, ``<table …>``, ``<br/>`` …, not ``i<tr.length``)
    and the tail, read from that tag as a page of its own, gives at least one line of text.
    Other skipped elements (``<noscript>``, ``<svg>`` …) hold markup, not code.

    >>> page = "<p>a</p>\\n<script>var a;\\n<p>b</p>"
    >>> _hidden_content(page, 2, 0, "script"), _hidden_content("<script>x=1", 1, 0, "script")
    (True, False)
    >>> _hidden_content("<script>nav = '<li>a</li>'; f(nav);", 1, 0, "script")
    False
    """
    offset = 0
    for _ in range(line - 1):
        offset = text.index("\n", offset) + 1
    tail = text[offset + column:]
    code = {"script": _JS_NOT_MARKUP, "style": _CSS_NOT_MARKUP}.get(tag)
    seen = tail if code is None else code.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), tail)
    found = _CONTENT_TAG.search(seen)
    if found is None:
        return False
    reader = _Reader()
    reader.feed(tail[found.start():])
    reader.close()
    return bool(reader.lines)


def _unclosed_message(tag: str, line: int) -> str:
    return (f"line {line}: a <{tag}> opened here is never closed, so everything after it is hidden "
            f"inside it (a browser shows nothing after it either); the page is damaged or was saved "
            f"incompletely: save it again, or add the missing </{tag}>")


# An HTML page or fragment starts (after a BOM, white space and comments) with one of these.
_HTML_START = re.compile(
    rb"(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|title|style|script|link|p|div|table|thead"
    rb"|tbody|tr|td|th|br|hr|h[1-6]|ul|ol|li|dl|center|section|article|header|form|pre|blockquote)"
    rb"(?:\s[^<>]*)?/?>",
    re.IGNORECASE | re.DOTALL,
)


def looks_like_html(data: bytes) -> bool:
    """Whether ``data`` is HTML, even a fragment without ``<html>`` or ``<!DOCTYPE>``: after a
    byte-order mark, white space and comments it starts with an HTML structure tag
    (``<p>``, ``<div>``, ``<table>``, ``<tr>``, ``<td>``, ``<br>``, ``<h2>`` …). Text that merely
    contains ``<`` (``收入<支出``, ``<1>``) or inline tags (``<b>第一部分</b>``) is not HTML: read
    as HTML its lines would run together.

    >>> looks_like_html(b"<p>text</p>"), looks_like_html(b"\\n<!-- saved -->\\n<TABLE border=1><tr>")
    (True, True)
    >>> looks_like_html("收入<支出，注<1>".encode()), looks_like_html("<b>第一部分</b>\\t1<br>".encode())
    (False, False)
    """
    head = data[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", "ignore").encode("utf-8")
    return _HTML_START.match(head.removeprefix(b"\xef\xbb\xbf").lstrip()) is not None


def read_html(data: bytes) -> list[SourceLine]:
    """The text of a web page as lines: title, blocks of text, table rows.

    Raises:
        UnreadablePage: a ``<script>``, ``<style>`` (or other skipped element) is never closed
            and hides page content after it.

    >>> lines = read_html("<html><title>某局2024年部门预算</title><body><p>一、收支总表</p>"
    ...     "<table><tr><td>项目</td><td>金额</td></tr><tr><td>合计</td><td>5.80</td></tr></table>"
    ...     "</body></html>".encode())
    >>> [(ln.text, ln.location) for ln in lines]
    [('某局2024年部门预算', 'title'), ('一、收支总表', 'block 1'), ('项目\\t金额', 'table 1 row 1'), ('合计\\t5.80', 'table 1 row 2')]
    >>> [ln.text for ln in read_html(b"<table><tr><td>a<td>1<tr><td>b<td>2")]
    ['a\\t1', 'b\\t2']
    """
    text, _ = decode(data)
    reader = _Reader()
    reader.feed(text)
    reader.close()
    if reader.skip_start is not None:
        tag, line, column = reader.skip_start
        if _hidden_content(text, line, column, tag):
            raise UnreadablePage(_unclosed_message(tag, line))
    title = _squash(reader.title)
    return ([SourceLine(title, "title")] if title else []) + reader.lines
