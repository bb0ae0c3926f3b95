"""Web pages: HTML bytes (a page saved from a government site, often under a ``.pdf`` name)
→ lines of text with their locations.

Takes the bytes of an HTML page and gives :class:`~budgetlib.read.SourceLine` objects in page
order: each block of text (paragraph, heading, list item, ``<br>``-separated line) as a line
(``block 14``), each table row as one tab-separated line (``table 2 row 5``; a cell spanning
columns keeps its text in its first column). Scripts, styles and other non-content elements
are skipped. The page's ``<title>`` comes first. The bytes are decoded like a text file
(:func:`budgetlib.read.decode`: UTF-8, UTF-16, GB18030).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

from budgetlib.read import SourceLine, cells_to_line, decode

__all__ = ["read_html"]

_BLOCK = {
    "p", "div", "section", "article", "header", "footer", "main", "aside", "nav", "h1", "h2", "h3",
    "h4", "h5", "h6", "li", "ul", "ol", "dl", "dt", "dd", "blockquote", "pre", "center", "form",
    "hr", "address", "figure", "figcaption", "caption", "body",
}
_SKIP = {"script", "style", "noscript", "template", "svg", "head", "iframe", "object"}


@dataclass(slots=True)
class _Table:
    """An open <table>: rows read so far, the row and the cell being read."""

    rows: int = 0
    row: list[str] | None = None
    cell: list[str] | None = None
    span: int = 1


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[SourceLine] = []
        self.text: list[str] = []
        self.skip = 0
        self.in_title = False
        self.title = ""
        self.n_block = 0
        self.n_table = 0
        self.tables: list[_Table] = []  # open tables (a nested one is read into its cell)

    # text outside tables ------------------------------------------------------------
    def _flush(self) -> None:
        text = _squash("".join(self.text))
        self.text = []
        if text:
            self.n_block += 1
            self.lines.append(SourceLine(text, f"block {self.n_block}"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP and tag != "head":
            self.skip += 1
            return
        if tag == "title":
            self.in_title = True
            return
        if self.skip:
            return
        if tag == "table":
            if not self.tables:
                self._flush()
                self.n_table += 1
            self.tables.append(_Table())
            return
        if self.tables:
            table = self.tables[-1]
            if tag == "tr":
                table.row = []
            elif tag in ("td", "th"):
                span = dict(attrs).get("colspan") or "1"
                table.cell, table.span = [], int(span) if span.isdigit() else 1
            elif tag == "br" and table.cell is not None:
                table.cell.append("\n")
            return
        if tag == "br":
            self._flush()
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP and tag != "head":
            self.skip = max(0, self.skip - 1)
            return
        if tag == "title":
            self.in_title = False
            return
        if self.skip:
            return
        if self.tables:
            table = self.tables[-1]
            if tag in ("td", "th") and table.cell is not None and table.row is not None:
                cell = "".join(_squash(p) for p in "".join(table.cell).split("\n"))
                table.row.extend([cell] + [""] * (table.span - 1))
                table.cell = None
                outer = self.tables[-2] if len(self.tables) > 1 else None
                if outer is not None and outer.cell is not None and cell:
                    outer.cell.append(cell + " ")  # a table inside a cell: its text joins the cell
            elif tag == "tr" and table.row is not None:
                table.rows += 1
                if len(self.tables) == 1 and any(table.row):
                    self.lines.append(SourceLine(cells_to_line(table.row), f"table {self.n_table} row {table.rows}"))
                table.row = None
            elif tag == "table":
                self.tables.pop()
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
            cell = self.tables[-1].cell
            if cell is not None:
                cell.append(data)
            return
        self.text.append(data)

    def close(self) -> None:
        super().close()
        self._flush()


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def read_html(data: bytes) -> list[SourceLine]:
    """The text of a web page as lines: title, blocks of text, table rows.

    >>> lines = read_html("<html><title>某局2024年部门预算</title><body><p>一、收支总表</p>"
    ...     "<table><tr><td>项目</td><td>金额</td></tr><tr><td>合计</td><td>5.80</td></tr></table>"
    ...     "</body></html>".encode())
    >>> [(ln.text, ln.location) for ln in lines]
    [('某局2024年部门预算', 'title'), ('一、收支总表', 'block 1'), ('项目\\t金额', 'table 1 row 1'), ('合计\\t5.80', 'table 1 row 2')]
    """
    text, _ = decode(data)
    reader = _Reader()
    reader.feed(text)
    reader.close()
    title = _squash(reader.title)
    return ([SourceLine(title, "title")] if title else []) + reader.lines
