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
* invisible characters (:data:`budgetlib.read.INVISIBLE_MARKS`: zero-width space, word joiner,
  a stray byte-order mark, direction marks …) count as nothing and no-break and other Unicode
  spaces as spaces, in cells and blocks;
* a ``<caption>`` (often the table's title and unit) is read as blocks before the table's rows;
* a cell spanning rows (``rowspan``) keeps its text in its first row and its columns empty in
  the rows below, so their cells stay under their own headers; a span ends with its row group
  (``<thead>``/``<tbody>``/``<tfoot>``), as in browsers;
* a table inside a cell is a table of its own when it has more than one row or the cell also
  holds paragraphs: the cell was layout (a whole page laid out in one cell), so the cell's text
  around it is read as blocks, in page order, and the cell is left empty; a one-row table in a
  cell of plain text is part of the cell's text.
  Tables nested deeper than :data:`MAX_TABLE_DEPTH` are read as the text of their cell;
* a ``colspan`` above :data:`MAX_COLSPAN` counts as :data:`MAX_COLSPAN` (as in browsers); a
  page whose tables hold more than :data:`budgetlib.office.MAX_CELLS` cells (counting those
  that cells spanning rows and columns cover) is refused with :class:`UnreadablePage`, as a
  Word document or workbook is: it is damaged or hostile, not a disclosure;
* text a browser does not show is not read: an inline element (``<span>``, ``<font>`` …) with
  the ``hidden`` attribute or a style of ``display:none`` or ``visibility:hidden`` (a hidden
  ``9`` in ``12<span style="display:none">9</span>3.45`` would make 1293.45). Left open, it
  hides no more than the rest of its cell or paragraph. ``<sup>``/``<sub>`` digits are read as
  superscript/subscript characters (``m²``), so a footnote mark after a figure (``123.45¹``)
  leaves the figure unreadable rather than wrong (123.451);
* a ``<script>``, ``<style>`` or other skipped element that is never closed hides everything
  after it — in a browser too. When that text holds page markup (paragraphs, tables, line
  breaks with text) :func:`read_html` raises :class:`UnreadablePage` naming the line, rather
  than return a page with its figures gone. Tags inside the code's own string literals,
  comments and ``/<…/`` regular expressions (``var nav = '<li>…</li>'``, a page cut off in its
  last script) are code, not markup: see :func:`_hidden_content`;
* so does a comment that never ends (``<!--`` without ``-->``) or a tag that never ends (no
  ``>``, or an attribute's quote left open): per the HTML standard it runs to the end of the
  page (a page cut off in its last comment is read up to it), and when it hides page content
  :class:`UnreadablePage` is raised naming the line. The page is read in time linear in its
  size (Python's own parser, before its fix for CVE-2025-6069, read such markup again from
  each later ``<``: hours for a few MB).

HTML without ``<html>``/``<!DOCTYPE>`` (a fragment copied out of a page) is recognised by
:func:`looks_like_html`.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from budgetlib.office import MAX_CELLS
from budgetlib.read import INVISIBLE_MARKS, DecodeError, SourceLine, cells_to_line, decode

__all__ = ["MAX_COLSPAN", "MAX_ROWSPAN", "MAX_TABLE_DEPTH", "UnreadablePage", "looks_like_html", "read_html"]

MAX_COLSPAN = 1_000
"""The most columns one cell may span. Real budget tables are a few dozen columns wide; a
larger ``colspan`` (a damaged page, or ``colspan="2000000000"``) is clamped to this, as the
HTML standard and browsers do, so that one cell cannot exhaust memory."""

MAX_ROWSPAN = 65_534
"""The most rows one cell may span (the HTML standard's limit); ``rowspan="0"`` spans the rest
of its row group."""

MAX_TABLE_DEPTH = 32
"""Tables nested deeper than this are read as the text of the cell they stand in. Real pages
nest a few levels (a layout table or two); a damaged or hostile page nesting thousands would
otherwise cost time growing with the square of its depth."""

# Where a block (a paragraph, a heading, a <br>) ends inside a cell. A cell's text runs on over
# it; a layout cell's text is split there into blocks. Never in decoded text (NUL is refused).
_BLOCK_END = "\x00"

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
# Inline elements: one that is hidden hides its text up to its end, or to the next block, cell
# or row (an inline element cannot hold those). Void elements inside it are skipped with it.
_INLINE = {"span", "font", "b", "i", "em", "strong", "u", "s", "strike", "small", "big", "a", "label", "sup", "sub",
           "code", "abbr", "cite", "q", "mark", "ins", "del", "tt", "var", "kbd", "samp", "nobr"}
_VOID = {"br", "wbr", "img", "input", "hr"}
_HIDING_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
_RAISED = {"sup": str.maketrans("0123456789+-=()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾"), "sub": str.maketrans("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎")}
# Characters that show nothing: dropped from text (as from the lines of every reader).
_INVISIBLE = dict.fromkeys(INVISIBLE_MARKS)
# Where a cell's text breaks: a <br>, or the end of a block inside it.
_CELL_BREAK = re.compile(f"[\n{_BLOCK_END}]")


class UnreadablePage(DecodeError):
    """A web page whose content cannot be read as it stands (the message says why and where)."""


@dataclass(slots=True)
class _Table:
    """An open <table>: rows read so far, the row and the cell being read."""

    rows: int = 0
    row: list[str] | None = None
    cell: list[str] | None = None
    span: int = 1
    row_span: int = 1
    caption: bool = False
    #: the rows of a table inside a cell, kept until it ends (one row: part of the cell's text)
    kept: list[list[str]] = field(default_factory=list)
    #: columns taken by cells spanning down from rows above: column → the number of the first
    #: row (counting from 0, as ``rows``) it is free again
    spanned: dict[int, int] = field(default_factory=dict)
    #: the open cell held a table of its own: its text is blocks, not a cell
    layout: bool = False


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
        self.tables: list[_Table] = []  # open tables, the innermost last
        self.ignored = 0  # <table> tags open beyond MAX_TABLE_DEPTH
        self.held: list[str] = []  # blocks met in the open top-level row, outside its cells
        self.hidden: list[str] = []  # open inline elements that hide their text, the outermost first
        self.raised: list[str] = []  # open <sup>/<sub>
        self.n_cells = 0  # cells in the page's tables so far, spanned ones too
        self.cut: tuple[str, int, int] | None = None  # how markup that never ends starts, and where

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

    def _open_cell(self, table: _Table, attrs: list[tuple[str, str | None]]) -> None:
        assert table.row is not None
        start = len(table.row)
        while table.spanned.get(len(table.row), 0) > table.rows:  # columns taken by cells spanning down from above
            table.row.append("")
        self._grow(len(table.row) - start)
        values = dict(attrs)
        table.cell, table.span, table.row_span = [], _colspan(values.get("colspan")), _rowspan(values.get("rowspan"))

    def _close_cell(self, table: _Table) -> None:
        if table.cell is None or table.row is None:
            return
        text = "".join(table.cell)
        if table.layout:  # the cell held a table of its own: what is left of its text is blocks
            self._blocks(text)
            text, table.layout = "", False
        cell = "".join(_squash(p) for p in _CELL_BREAK.split(text))
        self._grow(table.span)
        if table.row_span > 1:
            for column in range(len(table.row), len(table.row) + table.span):
                table.spanned[column] = table.rows + table.row_span  # this row, then row_span - 1 below
        table.row.extend([cell] + [""] * (table.span - 1))
        table.cell = None

    def _blocks(self, text: str) -> None:
        """The text of a layout cell: a block for each paragraph, heading or line."""
        for part in _CELL_BREAK.split(text):
            self.text.append(part)
            self._flush()

    def _grow(self, n: int) -> None:
        """``n`` more cells in the page's tables: a page beyond :data:`MAX_CELLS` is refused."""
        self.n_cells += n
        if self.n_cells > MAX_CELLS:
            raise UnreadablePage(
                f"the page's tables have more than {MAX_CELLS:,} cells (counting those cells spanning rows and "
                f"columns cover; passed in table {self.n_table}): it is damaged or not a disclosure")

    def _close_row(self, table: _Table) -> None:
        self._close_cell(table)
        if table.row is None:
            return
        table.rows += 1
        row, table.row = table.row, None
        if len(self.tables) > 1:
            table.kept.append(row)
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
        table = self.tables.pop()
        if not self.tables:
            return
        outer = self.tables[-1]
        if outer.cell is None:
            return
        held = "".join(outer.cell)
        if len(table.kept) <= 1 and not outer.layout and _BLOCK_END not in held:
            # one row in a cell of plain text: part of the cell (合计<table><tr><td>5.80</td></tr></table>)
            outer.cell.extend(cell + " " for row in table.kept for cell in row if cell)
            return
        # a table of its own: the cell holding it, or paragraphs with it, was layout
        self._blocks(held)
        outer.cell, outer.layout = [], True
        self.n_table += 1
        for number, row in enumerate(table.kept, start=1):
            if any(row):
                self.lines.append(SourceLine(cells_to_line(row), f"table {self.n_table} row {number}"))

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
            self._open_cell(table, attrs)
        elif tag == "tr":
            self._close_row(table)
            table.caption = False
            self._open_row(table)
        elif tag in _SECTIONS:
            self._close_row(table)
            if tag != "caption" and tag != "colgroup":
                table.spanned = {}  # a new row group: spans from the last one end
            table.caption = tag == "caption"
        elif table.cell is not None:
            if tag == "br":
                table.cell.append("\n")
            elif tag in _BLOCK:
                table.cell.append(_BLOCK_END)
        elif table.caption and (tag == "br" or tag in _BLOCK):
            self._flush()  # a caption of two lines (title, unit) gives two blocks
        elif (tag == "br" or tag in _BLOCK) and self._fostering(table):
            self._end_block(table)  # a paragraph left inside a table, outside its cells

    def _table_end(self, table: _Table, tag: str) -> None:
        if tag in ("td", "th"):
            self._close_cell(table)
        elif table.cell is not None and tag in _BLOCK:
            table.cell.append(_BLOCK_END)
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
        if self.skip or self._hides_start(tag, attrs):
            return
        if tag == "table":
            if len(self.tables) >= MAX_TABLE_DEPTH:
                self.ignored += 1
                return
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
        if self.skip or self._hides_end(tag):
            return
        if tag == "table" and self.ignored:
            self.ignored -= 1
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
        if self.skip or self.hidden:
            return
        if self.raised:
            data = data.translate(_RAISED[self.raised[-1]])
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

    # text a browser does not show -------------------------------------------------------
    def _hides_start(self, tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        """Whether the start tag ``tag`` is hidden or starts hiding; a block, cell or row
        ends what an inline element left open hid."""
        if self.hidden:
            if tag in _INLINE:
                self.hidden.append(tag)
                return True
            if tag in _VOID:
                return True
            self.hidden.clear()
        if tag in _INLINE and _is_hidden(attrs):
            self.hidden.append(tag)
            return True
        if tag in _RAISED:
            self.raised.append(tag)
        elif tag not in _INLINE and tag not in _VOID:
            self.raised.clear()  # a <sup> left open ends with its block, cell or row
        return False

    def _hides_end(self, tag: str) -> bool:
        """Whether the end tag ``tag`` is hidden (or ends hiding)."""
        if self.hidden:
            if tag in _INLINE:
                _close_last(self.hidden, tag)
                return True
            self.hidden.clear()
        if tag in _RAISED and tag in self.raised:
            _close_last(self.raised, tag)
        elif tag not in _INLINE:
            self.raised.clear()  # a <sup> left open ends with its block, cell or row
        return False

    def close(self) -> None:
        if _unended(self.rawdata) and not self.cdata_elem:
            # markup never ended runs to the end of the page, as in browsers (and in Python's
            # parser since CVE-2025-6069, which before read it again from each later "<")
            self.cut = (_markup_start(self.rawdata), *self.getpos())
            self.rawdata = ""
        super().close()
        while self.tables:  # the end of the page closes every open cell, row and table
            self._close_table()
        self._flush()


def _unended(rest: str) -> bool:
    """Whether ``rest``, what the parser left unread at the end of the page, starts with markup
    that never ends (a comment without ``-->``, a tag without ``>``); ``<`` and ``</`` alone are
    text.

    >>> _unended("<!-- x"), _unended('<a href="x'), _unended("</"), _unended("&amp"), _unended("")
    (True, True, False, False, False)
    """
    return rest.startswith("<") and rest not in ("<", "</")


def _markup_start(rest: str) -> str:
    """How the markup at the start of ``rest`` begins, to name it: ``<!--`` or ``<`` and its tag name.

    >>> _markup_start("<!-- x -- y"), _markup_start('<td class="a'), _markup_start("</table"), _markup_start("<!DOCTYPE")
    ('<!--', '<td', '</table', '<!DOCTYPE')
    """
    if rest.startswith("<!--"):
        return "<!--"
    name = re.match(r"<[/!?]?[^\s<>/\"'=]{0,20}", rest)
    return name.group() if name else rest[:1]


def _close_last(open_tags: list[str], tag: str) -> None:
    """End the last open ``tag`` in ``open_tags`` and those opened inside it, if it is open.

    >>> tags = ["span", "b", "span", "i"]; _close_last(tags, "span"); tags
    ['span', 'b']
    """
    if tag in open_tags:
        del open_tags[len(open_tags) - 1 - open_tags[::-1].index(tag):]


def _is_hidden(attrs: list[tuple[str, str | None]]) -> bool:
    """Whether an element's attributes hide it: ``hidden``, or ``display:none`` or
    ``visibility:hidden`` in its style.

    >>> _is_hidden([("style", "color:red; DISPLAY : none")]), _is_hidden([("hidden", None)]), _is_hidden([("style", "")])
    (True, True, False)
    """
    return any(name == "hidden" or (name == "style" and value and _HIDING_STYLE.search(value)) for name, value in attrs)


#: white space holding a line break between two wide (CJK) characters: a browser shows nothing there
_WIDE_BREAK = re.compile(r"(?<=[\u3000-\u303f\u3400-\u9fff\uff01-\uff60])[ \t\r]*\n\s*(?=[\u3000-\u303f\u3400-\u9fff\uff01-\uff60])")


def _squash(text: str) -> str:
    """``text`` with its invisible characters dropped, a line break of the source between two
    Chinese characters dropped (a browser shows none: ``基本\\n支出`` is 基本支出), and other
    runs of white space (any Unicode space) as one space, trimmed.

    >>> _squash("\\u200b 收入\\u00a0 合计\\u3000\\ufeff\\n"), _squash("基本\\r\\n  支出 5.80\\n元")
    ('收入 合计', '基本支出 5.80 元')
    """
    text = text.translate(_INVISIBLE)
    if "\n" in text:
        text = _WIDE_BREAK.sub("", text)
    return re.sub(r"\s+", " ", text).strip()


def _colspan(value: str | None) -> int:
    """The columns a cell spans: its ``colspan`` if a plain number, at most :data:`MAX_COLSPAN`.

    >>> _colspan("3"), _colspan(None), _colspan("x"), _colspan("²"), _colspan("2000000000")
    (3, 1, 1, 1, 1000)
    """
    if value is None or not value.isdecimal():
        return 1
    return min(int(value), MAX_COLSPAN)


def _rowspan(value: str | None) -> int:
    """The rows a cell spans: its ``rowspan`` if a plain number, 0 meaning the rest of its row
    group; at most :data:`MAX_ROWSPAN`.

    >>> _rowspan("2"), _rowspan(None), _rowspan("x"), _rowspan("0"), _rowspan("999999")
    (2, 1, 1, 65534, 65534)
    """
    if value is None or not value.strip().isdecimal():
        return 1
    return min(int(value) or MAX_ROWSPAN, MAX_ROWSPAN)


def _hidden_content(text: str, line: int, column: int, tag: str) -> bool:
    """Whether the never-closed ``<tag>`` (``!--`` for a comment or tag that never ends) at
    (``line``, ``column``) of ``text`` — 1-based line and 0-based column as
    :meth:`HTMLParser.getpos` gives them — hides page content.

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


def _unended_message(start: str, line: int) -> str:
    what = ("a comment (<!--) opened here has no -->" if start == "<!--"
            else f"the tag {start} opened here never ends (no >, or a quote left open in it)")
    return (f"line {line}: {what}, so everything after it is hidden inside it (a browser shows nothing after it "
            f"either); the page is damaged or was saved incompletely: save it again, or end it")


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
    elif b"\x00" in head:  # UTF-16 without a byte-order mark (read.decode reads it so)
        return any(_HTML_START.match(head.decode(name, "ignore").encode("utf-8").lstrip()) for name in ("utf-16-le", "utf-16-be"))
    return _HTML_START.match(head.removeprefix(b"\xef\xbb\xbf").lstrip()) is not None


_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)", re.IGNORECASE)


#: charsets a page's declaration is trusted for: multi-byte CJK encodings other than GB (whose
#: bytes GB18030 would also take, as noise). Declarations of UTF-8, GB2312/GBK or Latin-1 are
#: often wrong, so those pages are read as any text file is.
DECLARED_CHARSETS = frozenset({"big5", "big5hkscs", "cp950", "shift_jis", "cp932", "euc_jp", "euc_kr", "cp949", "iso2022_jp"})


def _declared_charset(data: bytes) -> str | None:
    """The charset a page declares in a ``<meta>`` tag near its start (``<meta charset=big5>``,
    ``<meta http-equiv=Content-Type content="text/html; charset=big5">``), by Python's name for
    it, when it is one of :data:`DECLARED_CHARSETS`."""
    match = _META_CHARSET.search(data[:4096])
    if not match:
        return None
    try:
        name = codecs.lookup(match.group(1).decode("ascii")).name.replace("-", "_")
    except LookupError:
        return None
    return name if name in DECLARED_CHARSETS else None


def _decode_page(data: bytes) -> str:
    """The text of a page: in the charset it declares when that is a CJK encoding other than
    GB (Big5 …) and the page is not UTF-8; else as any text file (:func:`budgetlib.read.decode`)."""
    charset = _declared_charset(data)
    if charset is not None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                return data.decode(charset)
            except UnicodeDecodeError as exc:
                raise DecodeError(
                    f"the page declares charset {charset} but is not {charset} text from byte {exc.start:,} "
                    "(nor UTF-8): the file is damaged there or mixes encodings"
                ) from exc
    return decode(data)[0]


def read_html(data: bytes) -> list[SourceLine]:
    """The text of a web page as lines: title, blocks of text, table rows.

    Raises:
        UnreadablePage: a ``<script>``, ``<style>`` (or other skipped element) is never closed,
            or a comment or tag never ends, and hides page content after it; the page's tables
            have more than :data:`budgetlib.office.MAX_CELLS` cells.

    >>> lines = read_html("<html><title>某局2024年部门预算</title><body><p>一、收支总表</p>"
    ...     "<table><tr><td>项目</td><td>金额</td></tr><tr><td>合计</td><td>5.80</td></tr></table>"
    ...     "</body></html>".encode())
    >>> [(ln.text, ln.location) for ln in lines]
    [('某局2024年部门预算', 'title'), ('一、收支总表', 'block 1'), ('项目\\t金额', 'table 1 row 1'), ('合计\\t5.80', 'table 1 row 2')]
    >>> [ln.text for ln in read_html(b"<table><tr><td>a<td>1<tr><td>b<td>2")]
    ['a\\t1', 'b\\t2']
    """
    text = _decode_page(data)
    reader = _Reader()
    reader.feed(text)
    reader.close()
    if reader.skip_start is not None:
        tag, line, column = reader.skip_start
        if _hidden_content(text, line, column, tag):
            raise UnreadablePage(_unclosed_message(tag, line))
    if reader.cut is not None:
        start, line, column = reader.cut
        if _hidden_content(text, line, column + 1, "!--"):  # what follows its "<" holds page content
            raise UnreadablePage(_unended_message(start, line))
    title = _squash(reader.title)
    return ([SourceLine(title, "title")] if title else []) + reader.lines
