"""Tables: rows of cells → recognised, stitched, typed standard tables → line items.

Takes the :class:`~budgetlib.read.Row` objects of one document and gives

* :func:`find_tables` — the standard tables it contains, each recognised by its title
  (aliases in ``reference/table_aliases.csv``), with a table continued across pages stitched
  back together (repeated titles, page headers and header rows dropped, names and codes
  wrapped onto the next row joined back);
* :func:`line_items` — one :class:`LineItem` per amount cell: the table, the row's label and
  classification code, what the column means (``reference/columns.csv``, ``periods.csv``),
  the value as printed, its unit and its value in 万元, and the source line.

Everything a table "knows" (titles, column meanings) lives in the reference CSV files; this
module only applies them. Pure functions, no I/O beyond reading the package's reference data.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from functools import cache, lru_cache
from importlib import resources

from budgetlib.numbers import CACHE_SIZE, MONEY_UNITS, is_dash, parse_amount, parse_code, to_wan
from budgetlib.read import Row

__all__ = [
    "MAX_WRAPPED_LINES",
    "TableSpec",
    "Table",
    "LineItem",
    "table_specs",
    "match_title",
    "title_key",
    "label_key",
    "find_tables",
    "line_items",
    "detect_unit",
]


# ---------------------------------------------------------------------------------------
# Reference data


@dataclass(frozen=True, slots=True)
class TableSpec:
    table_id: str
    name_zh: str
    name_en: str
    required_in: str  # budget | final | both | none
    has_figures: bool  # a money table (an empty one needs a statement); False for 绩效 tables


def _read_reference(name: str) -> list[dict[str, str]]:
    text = resources.files("budgetlib.reference").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def table_specs() -> dict[str, TableSpec]:
    """The standard tables, keyed by table id (``reference/tables.csv``)."""
    return {
        r["table_id"]: TableSpec(r["table_id"], r["name_zh"], r["name_en"], r["required_in"], r["has_figures"] == "true")
        for r in _read_reference("tables.csv")
    }


@cache
def _aliases() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple(
        (r["table_id"], re.compile(r["pattern"])) for r in _read_reference("table_aliases.csv")
    )


@cache
def _measures() -> tuple[tuple[str, re.Pattern[str]], ...]:
    return tuple((r["measure"], re.compile(r["pattern"])) for r in _read_reference("columns.csv"))


@cache
def _periods() -> tuple[tuple[str, re.Pattern[str], str], ...]:
    return tuple(
        (r["period"], re.compile(r["pattern"]), r["applies_to"])
        for r in _read_reference("periods.csv")
    )


# ---------------------------------------------------------------------------------------
# Titles

_TITLE_PREFIX = re.compile(
    r"^(?:(?:附表|表|公开)\s*(?:\d+|[一二三四五六七八九十]{1,3})(?:-\d+)?(?:表)?[:：]?|第[一二三四五六七八九十]+部分|"
    r"[一二三四五六七八九十]+、|\(?[一二三四五六七八九十]+\)|\d+(?:\.\d+)*[、.．]|(?:部门|单位)(?=.{3,}))"
)
_TITLE_NOISE = re.compile(r"(?:\d{4}年度?|部门综合预算|部门预算|单位预算|部门决算|单位决算|预算单位|决算单位|部门\(单位\)|[“”\"'‘’])")
_TOC_DOTS = re.compile(r"[.…·]{3,}")
_MAX_TITLE_LEN = 120


_DIGIT = re.compile(r"\d")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_SENTENCE_PUNCT = re.compile(r"[。；，]")
_NUMBERED = re.compile(r"^[一二三四五六七八九十\d]+[、.．]")
_PARENS = {0xFF08: ord("("), 0xFF09: ord(")")}
_PARENS_COLON = {**_PARENS, 0xFF1A: ord(":")}
_LABEL_PREFIX = re.compile(r"^(?:[一二三四五六七八九十]+、|\d+[、.．](?!\d)|\(\d+\)|\([一二三四五六七八九十]+\)|其中:|其中)")


#: the publishing unit's name before a title (某县医疗保障局2024年部门预算支出总表)
_TITLE_ORG = re.compile(r"^[\u4e00-\u9fff()]{2,30}?(?:局|中心|委员会|办公室|院|所|站|队|处|厅|委|办|馆|社)")


@lru_cache(maxsize=CACHE_SIZE)
def title_key(text: str) -> str:
    """Reduce a title to what identifies the table.

    >>> title_key("表5 部门综合预算一般公共预算支出明细表（按支出功能分类科目）")
    '一般公共预算支出明细表(按支出功能分类科目)'
    >>> title_key("部门预算财政拨款“三公”经费支出表")
    '财政拨款三公经费支出表'
    >>> title_key("2026 年度预算单位收入预算总表"), title_key("表三 部门预算支出总表（续）（单位：元）")
    ('收入预算总表', '支出总表')
    """
    text = "".join(text.translate(_PARENS).split())
    return _TITLE_SUFFIX.sub("", _strip_prefixes(_TITLE_PREFIX, _TITLE_NOISE.sub("", text)))


def match_title(row: Row) -> str | None:
    """The table id when ``row`` is a table title, else ``None``.

    A title is a row whose only non-empty cell names a standard table (table-of-contents
    entries with dot leaders or page numbers, and sentences that mention a table, are not),
    but for the table's number, year or unit beside it (``表3 | 部门预算支出总表 | 单位：元``).
    """
    text = title_cell(row)
    return None if text is None else _title_table_id(text)


#: what may stand beside a title in its row: the table's number (表3, 附表1-2, 公开03表,
#: 预算表01), a year, a page
_TITLE_COMPANION = re.compile(
    r"^(?:[\u4e00-\u9fff]{0,4}表\s*[一二三四五六七八九十\d]{1,3}(?:-\d{1,2})?|[\u4e00-\u9fff]{0,4}\d{1,3}表(?:-\d{1,2})?"
    r"|\(?\d{4}年度?\)?|第\s*\d+\s*页(?:\s*[/,，]?\s*共\s*\d+\s*页)?)$")


def title_cell(row: Row) -> str | None:
    """The cell of ``row`` that may be a title: its only non-empty cell, or its one cell that
    is not the table's number, year or unit.

    >>> title_cell(Row(("表3", "部门预算支出总表", "单位：元"), (1, 1, 1)))
    '部门预算支出总表'
    >>> title_cell(Row(("合计", "5.00"), (1, 1))) is None
    True
    """
    text = _only_cell(row.cells)
    if text is not None or len(row.cells) > 6:
        return text
    filled = [c for c in row.cells if c.strip()]
    if len(filled) > 3:  # a title, its number, its year or unit: a row of more is a table's
        return None
    others = [c for c in filled if not _is_title_companion(c.strip())]
    return others[0] if len(others) == 1 else None


def _is_title_companion(text: str) -> bool:
    return bool(_TITLE_COMPANION.match(text)) or (len(text) <= 20 and detect_unit(text) is not None)


def _only_cell(cells: Sequence[str]) -> str | None:
    """The one non-empty cell of a row, or None when there are none or several."""
    found = None
    for cell in cells:
        if cell.strip():
            if found is not None:
                return None
            found = cell
    return found


@lru_cache(maxsize=CACHE_SIZE)
def _title_table_id(text: str) -> str | None:
    if len(text) > _MAX_TITLE_LEN or _TOC_DOTS.search(text) or _SENTENCE_PUNCT.search(text):
        return None  # a table-of-contents entry or a sentence that mentions a table
    key = title_key(text)
    if not key:
        return None
    for candidate in dict.fromkeys((key, _TITLE_ORG.sub("", key))):  # with the unit's name before it, or without
        for table_id, pattern in _aliases():
            if pattern.fullmatch(candidate):
                return table_id
    return None


@lru_cache(maxsize=CACHE_SIZE)
def label_key(text: str) -> str:
    """A row label without spaces, numbering or 其中: prefixes.

    >>> label_key("七、上级补助收入")
    '上级补助收入'
    >>> label_key("其中：公务 用车购置费")
    '公务用车购置费'
    >>> label_key("(1)一般公共预算拨款")
    '一般公共预算拨款'
    """
    return _strip_prefixes(_LABEL_PREFIX, "".join(text.translate(_PARENS_COLON).split()))


def _strip_prefixes(prefix: re.Pattern[str], text: str) -> str:
    """``text`` with ``prefix`` removed from its start as many times as it occurs there."""
    previous = None
    while previous != text:
        previous = text
        text = prefix.sub("", text)
    return text


# ---------------------------------------------------------------------------------------
# Units

_UNITS = "|".join(sorted(MONEY_UNITS, key=len, reverse=True))  # the longest first: 百万元 before 万元 before 元
# a unit word ends there: 编制单位：元氏县医疗保障局 names the unit that publishes, not 元
_UNIT_END = r"(?:人民币)?(?![\u3400-\u9fff])"
#: the unit printed inside a title, at its end: 部门预算支出总表（单位：元）, …（万元）
_TITLE_UNIT = rf"\((?:金额)?(?:单位[:：]?)?(?:人民币)?(?:{_UNITS})\)"
#: what may end a title but names no table: its unit, and （续）/（续表）/续表 on a later page
_TITLE_SUFFIX = re.compile(rf"(?:{_TITLE_UNIT}|\(续表?\)|续表)+$")
_TITLE_UNIT_AT_END = re.compile(rf"{_TITLE_UNIT}$")
_UNIT = re.compile(
    rf"(?:金额)?单位[:：]?\s*(?:人民币)?({_UNITS}){_UNIT_END}|\((?:人民币)?({_UNITS})\)|价值\(金额单位[:：]({_UNITS})\)"
)


def detect_unit(text: str) -> str | None:
    """The money unit a line declares, if any.

    >>> detect_unit("单位：元"), detect_unit("金额单位:万元"), detect_unit("资金金额 (万元)"), detect_unit("合计（千元）")
    ('元', '万元', '万元', '千元')
    >>> detect_unit("收入"), detect_unit("编制单位：元氏县医疗保障局")
    (None, None)
    """
    if "元" not in text and "圆" not in text:  # every unit ends in 元 (圆 in formal writing)
        return None
    text = text.translate(_PARENS).replace("圆", "元")
    match = _UNIT.search(text.replace(" ", ""))
    if not match:
        return None
    return next(g for g in match.groups() if g)


# ---------------------------------------------------------------------------------------
# Segmenting a document into tables

_SECTION_HEADING = re.compile(
    r"^(?:第[一二三四五六七八九十]+部分|[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\)|（[一二三四五六七八九十]+）)"
)
_NOTE = re.compile(r"^(?:注|说明|备注)\s*[:：\d]")
_META = re.compile(r"^[^:：]{1,12}[:：]")
_YEARISH = re.compile(r"^(?:\(?\d{4}\)?\s*年?度?\)?|\(\d{4}年度?\))$")


@dataclass(slots=True)
class Table:
    """One standard table found in a document, stitched across pages."""

    table_id: str
    title: str
    title_line: int
    unit: str | None = None
    unit_line: int | None = None
    rows: list[Row] = field(default_factory=list)  # everything after the title, in order
    notes: list[Row] = field(default_factory=list)
    continued: int = 0  # how many times the title was repeated (page breaks)

    @property
    def spec(self) -> TableSpec:
        return table_specs()[self.table_id]

    @property
    def last_line(self) -> int:
        lines = [r.line_nos[-1] for r in self.rows if r.line_nos]
        return max(lines, default=self.title_line)


def _is_prose(row: Row) -> bool:
    """A row that is running text, not part of a table: a line of text that is a sentence or
    a section heading, or a row of cells whose only text, in its first cell, is a sentence (a
    sentence in a row of its own inside a table, as readers give a cell spanning the table).
    A heading or a title alone in a row of cells heads or divides its table (一、政府采购情况)."""
    if row.layout == "text":
        text = row.cells[0].strip()
        heading = bool(_SECTION_HEADING.match(text)) and not parse_amount(text)
    else:
        text = "" if any(c.strip() for c in row.cells[1:]) else row.cells[0].strip()
        heading = False
    if not text or _NOTE.match(text) or _META.match(text):
        return False
    return heading or _is_sentence(text)


def _is_sentence(text: str) -> bool:
    """Running text by its length: longer than a title or a label, or holding a full stop and
    longer than a short remark."""
    return len(text) > 60 or ("。" in text and len(text) > 25)


_OTHER_TABLE_TITLE = re.compile(r"表(?:\([^()]{1,20}\))?$")
_MAX_OTHER_TITLE_LEN = 50


def _other_table_title(row: Row) -> bool:
    """A title of a table that is not a standard one (一般公共预算机关运行经费支出预算表,
    财政拨款支出预算表(功能科目) …): it ends the table before it."""
    cell = _only_cell(row.cells)
    return cell is not None and _is_other_title(cell.strip())


@lru_cache(maxsize=CACHE_SIZE)
def _is_other_title(text: str) -> bool:
    if len(text) > _MAX_OTHER_TITLE_LEN or _TOC_DOTS.search(text) or _NOTE.match(text) or _META.match(text):
        return False
    if _TITLE_STOPS.search(text):
        return False
    key = title_key(text)
    return len(key) >= 3 and bool(_OTHER_TABLE_TITLE.search(key))


_TITLE_STOPS = re.compile(r"[，。；:：!！?？《》]")


def _is_placeholder(table: Table) -> bool:
    """A title with no unit, no note and nothing under it but lines of text without a figure
    (the next entries of a table of contents printed without dot leaders and page numbers):
    a table-of-contents entry, not a table. A table, even an empty one, has a header of cells."""
    lines_of_text = all(len(_nonempty(r.cells)) <= 1 and not _row_has_amount(r.cells) for r in table.rows)
    return lines_of_text and not table.notes and table.unit is None


def _title_unit(title: str) -> str | None:
    """The unit printed at the end of a title (部门预算支出总表（单位：元）)."""
    match = _TITLE_UNIT_AT_END.search("".join(title.translate(_PARENS).split()))
    return detect_unit(match.group()) if match else None


def _unit_from_above(table: Table) -> bool:
    """The table's unit was read above its title, and no row of it has been read yet."""
    return table.unit_line is not None and table.unit_line < table.title_line and not table.rows


def find_tables(rows: Sequence[Row]) -> list[Table]:
    """Cut a document's rows into the standard tables it contains.

    A table starts at its title and runs until the next title (of a standard table or any
    other), or the next stretch of prose. A title that repeats the table just read (a page
    break) continues it. A title with nothing under it but lines of text (a table-of-contents
    entry) is dropped.
    """
    tables: list[Table] = []
    current: Table | None = None
    pending_unit: tuple[str, int] | None = None

    def close() -> None:
        if current is not None and _is_placeholder(current):
            tables.remove(current)

    for row in rows:
        table_id = match_title(row)
        if table_id is not None:
            title = title_cell(row) or ""
            if current is not None and current.table_id == table_id and title_key(title) == title_key(current.title):
                current.continued += 1
                continue
            close()
            current = Table(table_id, title.strip(), row.first_line)
            unit = detect_unit(" ".join(c for c in row.cells if c.strip() and c != title)) or _title_unit(title)
            if unit:  # beside the title
                current.unit, current.unit_line = unit, row.first_line
            elif pending_unit and row.first_line - pending_unit[1] <= 3:
                current.unit, current.unit_line = pending_unit
            tables.append(current)
            continue
        joined = " ".join(c for c in row.cells if c.strip())
        unit = detect_unit(joined)
        if current is None:
            if unit:
                pending_unit = (unit, row.first_line)
            continue
        if _other_table_title(row):
            close()
            current = None
            pending_unit = None
            continue
        if unit and (current.unit is None or _unit_from_above(current)):
            current.unit, current.unit_line = unit, row.first_line  # the table's own unit line wins over one above its title
        elif unit:  # the open table has its unit: this one is the next table's, printed above its title
            pending_unit = (unit, row.first_line)
        if _is_prose(row):
            close()
            current = None
            pending_unit = None
            continue
        if _NOTE.match(joined):
            current.notes.append(row)
            continue
        current.rows.append(row)
    close()
    return tables


# ---------------------------------------------------------------------------------------
# Inside a table: header, columns, data rows


def _nonempty(cells: Sequence[str]) -> list[str]:
    return [c for c in cells if c.strip()]


#: a page number printed between the pages of a table: 第3页, 第3页共5页, -3-, —3—
_PAGE_NUMBER = re.compile(r"第\d+页(?:[/,，]?共\d+页)?|[-—–－]+\d+[-—–－]+")


def _is_meta_row(row: Row) -> bool:
    """Page headers and key: value lines (单位:万元, 部门名称:…, 预算年度:, 2023, 公开01表)."""
    cells = _nonempty(row.cells)
    if not cells:
        return True
    if all(_META.match(c) for c in cells):
        return True
    if len(cells) == 1:
        text = cells[0].replace(" ", "")
        return bool(
            _YEARISH.match(text)
            or re.fullmatch(r"公开\d+表|表\d+(-\d+)?|预算年度:?|预算年|度:?|\d{3,}\D{2,40}|\(?\d{4}\)?年度", text)
            or _PAGE_NUMBER.fullmatch(text)
            or detect_unit(text)
        )
    return False


def _is_column_number_row(cells: Sequence[str]) -> bool:
    """栏次 rows: 1 2 3 … (optionally led by 栏次/档次)."""
    values = [c.replace(" ", "") for c in cells if c.strip()]
    if values and values[0] in {"栏次", "档次", "栏", "行次"}:
        return True
    ints = [v for v in values if v.isdigit()]
    if len(values) >= 3 and len(ints) == len(values):
        numbers = [int(v) for v in ints]
        return numbers == list(range(numbers[0], numbers[0] + len(numbers)))
    return False


def _row_has_amount(cells: Sequence[str]) -> bool:
    return any(parse_amount(c) is not None for c in cells)


def _is_total_label(cells: Sequence[str]) -> bool:
    """The row's first label (after a printed row number) is 合计/总计."""
    for cell in cells:
        text = cell.strip()
        if not text or text.isdigit():
            continue
        return label_key(text) in {"合计", "总计"}
    return False


@dataclass(frozen=True, slots=True)
class Column:
    index: int
    header: str  # header parts joined with "/"
    measure: str  # from reference/columns.csv; "label" for text columns; "" when unknown
    period: str  # current | prior | change | budgeted
    block: int  # side-by-side blocks (收入 | 支出) numbered from 0
    role: str  # seq | code | label | value


def _header_text(header_rows: Sequence[Sequence[str]], width: int) -> list[list[str]]:
    """Header parts for each column, with spanning group headers filled to the right."""
    parts: list[list[str]] = [[] for _ in range(width)]
    for depth, cells in enumerate(header_rows):
        padded = list(cells) + [""] * (width - len(cells))
        last = depth == len(header_rows) - 1
        above = [list(p) for p in parts]  # a spanning header stays under its own parent
        carry = ""
        carry_parent: list[str] = []
        for i, cell in enumerate(padded[:width]):
            cell = "".join(cell.split())
            if cell:
                carry, carry_parent = cell, above[i]
            elif not last and carry and above[i] == carry_parent and any(
                (hr[i] if i < len(hr) else "").strip() for hr in header_rows[depth + 1 :]
            ):
                cell = carry
            else:
                carry = "" if last else carry
            if cell and (not parts[i] or parts[i][-1] != cell):
                parts[i].append(cell)
    return parts


@lru_cache(maxsize=CACHE_SIZE)
def _measure(header: str) -> str:
    for measure, pattern in _measures():
        if pattern.search(header):
            return measure
    return ""


#: a header part that is a year, or starts with one before a few words (2023年预算数, 2023年度)
_HEADER_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?[^\d/]{0,8}")


@lru_cache(maxsize=CACHE_SIZE)
def _period(header: str, doc_kind: str | None, year: int | None = None) -> str:
    """The period of a column: by :file:`reference/periods.csv`, or ``prior`` when its header
    names a year before the document's (``2023年预算数`` in a 2024 budget) and is no change column."""
    period = next((name for name, pattern, applies_to in _periods()
                   if applies_to in ("both", doc_kind) and pattern.search(header)), "current")
    named = [m for m in map(_HEADER_YEAR.fullmatch, header.split("/")) if m]
    if period != "change" and named and year is not None and int(named[-1].group(1)) < year:
        return "prior"
    return period


_LABEL_HEADER = re.compile(
    r"^(?:项目|项目名称|.*科目名称|名称|.*\(项目\)名称|.*分类科目(?:\(按大类\))?|科目|摘要|采购项目名称|单位名称)$"
)
_VALUE_MEASURES_EXCLUDED = {"seq", "code"}


def _role_from_header(header: str) -> str | None:
    """seq | code | label | value from a column's header, deepest part first."""
    parts = [p for p in header.split("/") if p]
    for part in reversed(parts):
        measure = _measure(part)
        if measure == "seq":
            return "seq"
        if measure == "code":
            return "code"
        if _LABEL_HEADER.match(part):
            return "label"
        if measure:
            return "value"
    return None


def _role_from_data(cells: Sequence[str], index: int) -> str:
    """seq | code | label | value from a column's cells, when its header says nothing; a dash
    (no figure) counts for nothing."""
    cells = [c for c in cells if not is_dash(c)]
    if not cells:
        return "value"
    amounts = sum(1 for c in cells if parse_amount(c) is not None)
    texts = len(cells) - amounts
    if index == 0 and all(c.strip().isdigit() and len(c.strip()) <= 3 for c in cells):
        return "seq"
    if all(parse_code(c) for c in cells) and any(len(c.replace(" ", "")) >= 5 for c in cells):
        return "code"
    if texts > amounts:
        return "label"
    return "value"


_CODE_PART = re.compile(r"\d{2}")


def _column_roles(data: Sequence[Sequence[str]], headers: list[str], width: int) -> list[str]:
    """Each column's role (:func:`_role_from_header`, else :func:`_role_from_data`); a column
    of two-digit parts (``06``, ``01``) right of a code column, its header silent, is the
    next part of the code (``code_part``): 201 | 06 | 01 is 2010601, not figures of 6 and 1."""
    roles: list[str] = []
    for i in range(width):
        role = _role_from_header(headers[i])
        if role is None:
            cells = [r[i].strip() for r in data if i < len(r) and r[i].strip()]
            role = _role_from_data(cells, i)
            parts = [c for c in cells if c not in _CODE_PARTS]  # less the 类/款/项 header on a row's line
            if i and roles[-1] in ("code", "code_part") and parts and all(_CODE_PART.fullmatch(c) for c in parts):
                role = "code_part"
        roles.append(role)
    return roles


def _columns(header_rows: Sequence[Sequence[str]], data: Sequence[Sequence[str]], doc_kind: str | None,
             year: int | None = None) -> list[Column]:
    width = max([len(r) for r in header_rows] + [len(r) for r in data] + [0])
    parts = _header_text(header_rows, width)
    headers = ["/".join(p) for p in parts]
    roles = _column_roles(data, headers, width)
    columns: list[Column] = []
    block = 0
    seen_value = False
    for i in range(width):
        role, part = roles[i], roles[i] == "code_part"
        role = "code" if part else role
        if role in ("label", "code", "seq") and seen_value:
            block += 1
            seen_value = False
        if role == "value":
            seen_value = True
        measure = "code_part" if part else {"seq": "seq", "code": "code", "label": "label"}.get(role) or _measure(headers[i]) or "amount"
        if measure in ("seq", "code", "label") and role == "value":
            measure = "amount"
        columns.append(Column(i, headers[i], measure, _period(headers[i], doc_kind, year), block, role))
    return columns


def _is_word_row(cells: Sequence[str]) -> bool:
    """Three or more cells, all words: column headers (合计 | 因公出国(境)费 | 公务接待费 …),
    not a total row whose figures are blank."""
    words = [c for c in cells if c.strip()]
    return len(words) >= 3 and all(_CJK.search(c) for c in words)


def _this_year_totals(columns: list[Column]) -> list[Column]:
    """In a revenue table with no carry-over column, the 合计 column adds up this year's
    sources only (合计 | 财政拨款收入 | 事业收入 | 其他收入): its measure is ``current_total``."""
    if any(c.measure == "carryover" for c in columns):
        return columns
    return [
        replace(c, measure="current_total")
        if c.role == "value" and c.measure == "total" and c.header.split("/")[-1] in {"合计", "小计"} and c.period == "current"
        else c
        for c in columns
    ]


def _split_header_and_data(rows: Sequence[Row]) -> tuple[list[Row], list[Row]]:
    """Header rows (before the first data row) and data rows (repeated headers dropped)."""
    body = [r for r in rows if not _is_meta_row(r)]
    header: list[Row] = []
    data: list[Row] = []
    header_keys: set[str] = set()
    for row in body:
        key = "".join("".join(row.cells).split())
        if _is_column_number_row(row.cells):
            header_keys.add(key)
            continue
        if not data and not _row_has_amount(row.cells) and (not _is_total_label(row.cells) or _is_word_row(row.cells)) and not any(parse_code(c) for c in row.cells):
            header.append(row)
            header_keys.add(key)
            continue
        if key in header_keys:
            continue  # a header repeated after a page break
        data.append(row)
    return header, data


#: lines a wrapped name or code may take after its row's first line; short lines beyond them
#: are rows of their own (merged without end, thousands cost time growing with their square)
MAX_WRAPPED_LINES = 8


def _merge_continuations(data: Sequence[Row], columns: Sequence[Column]) -> list[Row]:
    """Join rows that only carry the wrapped rest of the previous row's name or code (at most
    :data:`MAX_WRAPPED_LINES` of them)."""
    merged: list[Row] = []
    wrapped = 0  # lines joined to the last row
    value_cols = {c.index for c in columns if c.role == "value"}
    seq_cols = {c.index for c in columns if c.role == "seq"}
    code_cols = [c.index for c in columns if c.role == "code"]
    for row in data:
        cells = list(row.cells)
        if merged and wrapped < MAX_WRAPPED_LINES and _is_continuation(cells, merged[-1].cells, value_cols, seq_cols, code_cols):
            wrapped += 1
            prev = merged[-1]
            width = max(len(prev.cells), len(cells))
            pc = list(prev.cells) + [""] * (width - len(prev.cells))
            pl = list(prev.line_nos) + [prev.line_nos[-1]] * (width - len(prev.line_nos))
            for i, cell in enumerate(cells):
                if cell.strip():
                    pc[i] = (pc[i].strip() + cell.strip()) if i in code_cols else pc[i] + cell.strip()
            merged[-1] = Row(tuple(pc), tuple(pl))
            continue
        merged.append(row)
        wrapped = 0
    return merged


def _is_continuation(
    cells: Sequence[str], prev: Sequence[str], value_cols: set[int], seq_cols: set[int], code_cols: list[int]
) -> bool:
    nonempty = [i for i, c in enumerate(cells) if c.strip()]
    if not nonempty:
        return False
    if any(i in value_cols and parse_amount(cells[i]) is not None for i in nonempty):
        return False
    if any(i in value_cols and not _DIGIT.search(cells[i]) and len(cells[i].strip()) > 1 for i in nonempty):
        return False  # words in a figure column: not a wrapped label (a heading after the table)
    if any(i in seq_cols for i in nonempty):
        return False
    if any(label_key(c).endswith(("合计", "小计", "总计")) for c in prev if c.strip() and parse_amount(c) is None):
        return False  # nothing wraps out of a total row (当年收入小计 / 上年结转资金 are two rows)
    if _is_total_label(cells):
        return False
    for i in code_cols:
        here = cells[i].strip() if i < len(cells) else ""
        before = prev[i].strip() if i < len(prev) else ""
        if here and before and parse_code(before) is not None and parse_code(here) is not None:
            return False  # a complete code after a complete code: a row of its own
        if here and not before:
            return False
        if here and parse_code(before) is not None and parse_code(before + here) is None:
            return False  # a complete code does not go on into a page number (2101101 | 3)
    # a wrapped label continues the cells of the row above: a short fragment, no numbering
    texts = [cells[i] for i in nonempty if i not in code_cols]
    return all(len(t.strip()) <= 20 and not _NUMBERED.match(t.strip()) for t in texts)


# ---------------------------------------------------------------------------------------
# Line items


@dataclass(frozen=True, slots=True)
class LineItem:
    table_id: str
    table_title: str
    block: int
    row_index: int
    row_label: str
    row_key: str
    code: str | None
    code_system: str | None
    code_level: str | None
    parent_code: str | None
    measure: str
    period: str
    column_header: str
    value: float | None
    value_wan: float | None
    value_original: str
    unit: str
    unit_assumed: bool
    line_no: int

    def as_row(self) -> dict[str, object]:
        """The item as a plain dict (much faster than dataclasses.asdict, which deep-copies)."""
        return {name: getattr(self, name) for name in _LINE_ITEM_FIELDS}


_LINE_ITEM_FIELDS = tuple(f.name for f in fields(LineItem))
#: measures that are not money: the figure is kept as printed, with no 万元 value
_NOT_MONEY = {"quantity": "", "percent": "%", "score": "分"}


def line_items(table: Table, doc_kind: str | None = None, default_unit: str = "万元", year: int | None = None) -> list[LineItem]:
    """One item per value cell of ``table`` (blank cells give no item; unreadable text
    in a value cell gives an item whose value is null, so nothing is silently dropped).
    ``year`` is the document's fiscal year: a column headed with an earlier year is the prior year's."""
    header, data = _split_header_and_data(table.rows)
    header_cells = [list(r.cells) for r in header]
    columns = _columns(header_cells, [list(r.cells) for r in data], doc_kind, year)
    if table.table_id == "revenue":
        columns = _this_year_totals(columns)
    data = _merge_continuations(data, columns)
    unit = table.unit or default_unit
    unit_assumed = table.unit is None
    # no label, code or row-number column: the items are the columns (合计 | 因公出国(境)费 | …)
    transposed = bool(header) and not any(c.role in ("label", "code", "seq") for c in columns)
    items: list[LineItem] = []
    for row_index, row in enumerate(data):
        cells = list(row.cells) + [""] * (len(columns) - len(row.cells))
        for col in columns:
            if col.role != "value":
                continue
            raw = cells[col.index].strip()
            if not raw:
                continue
            if transposed:
                label, code = _column_item(col.header), None
            else:
                label, code = _row_label(cells, columns, col.block, col.index)
            value = parse_amount(raw)
            if value is None and not _DIGIT.search(raw):
                continue  # a dash or a word in a value column: not a figure
            parsed_code = parse_code(code) if code else None
            not_money = col.measure in _NOT_MONEY
            line_no = row.line_nos[col.index] if col.index < len(row.line_nos) else row.first_line
            items.append(
                LineItem(
                    table_id=table.table_id,
                    table_title=table.title,
                    block=col.block,
                    row_index=row_index,
                    row_label=label,
                    row_key=label_key(label),
                    code=parsed_code.code if parsed_code else None,
                    code_system=parsed_code.system if parsed_code else None,
                    code_level=parsed_code.level if parsed_code else None,
                    parent_code=parsed_code.parent if parsed_code else None,
                    measure="total" if transposed and not not_money else col.measure,
                    period=col.period,
                    column_header=col.header,
                    value=value,
                    value_wan=None if not_money else to_wan(value, unit),
                    value_original=raw,
                    unit=_NOT_MONEY[col.measure] if not_money else unit,
                    unit_assumed=unit_assumed and not not_money,
                    line_no=line_no,
                )
            )
    return items


_MEASURE_ONLY = re.compile(r"^(?:\d{4}年度?)?(?:年初|全年|调整后?)?(?:预算|决算|执行|统计)?(?:数|金额)?$|^金额$")
_GROUP_TOTAL = {"合计", "小计", "总计"}
_CODE_PARTS = {"类", "款", "项", "目"}


def _column_item(header: str) -> str:
    """The item a column of a transposed table stands for, from its header parts: measure
    words dropped (预算数, 决算数), a 小计/合计 under a group being the group itself.

    >>> _column_item("“三公”经费预算数/合计"), _column_item("“三公”经费/公务用车购置及运行维护费/小计")
    ('“三公”经费', '公务用车购置及运行维护费')
    >>> _column_item("合计"), _column_item("财政拨款“三公”经费/因公出国(境)费/决算数")
    ('合计', '因公出国(境)费')
    """
    items = []
    for part in (p for p in header.split("/") if p):
        part = re.sub(r"(?<=.)(?:预算|决算)数$", "", part)
        if _MEASURE_ONLY.match(part):
            continue
        items.append(part)
    while len(items) > 1 and items[-1] in _GROUP_TOTAL:
        items.pop()
    return items[-1] if items else header


_CODE_AND_NAME = re.compile(r"(\d[\d ]*\d)\s*([^\d\s].*)")


def _split_code(text: str) -> tuple[str, str]:
    """A code cell's code and the name printed after it in the same cell, if any.

    >>> _split_code("2101202 财政对城乡居民基本医疗保险基金的补助"), _split_code("2101202")
    (('2101202', '财政对城乡居民基本医疗保险基金的补助'), ('2101202', ''))
    """
    match = _CODE_AND_NAME.fullmatch(text)
    if match and parse_code(match.group(1)) is not None:
        return match.group(1), match.group(2).strip()
    return text, ""


def _row_label(cells: Sequence[str], columns: Sequence[Column], block: int, at: int | None = None) -> tuple[str, str | None]:
    """The label and code of a row within one side-by-side block; when the block has none,
    the nearest label to the left of the value at column ``at`` (a name printed across
    blocks: 当年支出小计), else the row's first label.
    A code printed over 类 | 款 | 项 columns (``208 | 05 | 01``) is joined (``2080501``)."""
    label = code = ""
    for col in columns:
        if col.block != block:
            continue
        text = cells[col.index].strip() if col.index < len(cells) else ""
        if col.role == "label" and text and not label:
            label = text
        elif col.role == "code" and text in _CODE_PARTS:
            continue  # the 类 | 款 | 项 header, printed on the line of the first row
        elif col.role == "code" and text and not _DIGIT.search(text):
            label = label or text  # a name printed across the code columns (人员经费合计)
        elif col.role == "code" and text and (col.header.split("/")[-1] in _CODE_PARTS or col.measure == "code_part"):
            code += text
        elif col.role == "code" and text and not code:
            code, name = _split_code(text)
            label = label or name
    if not label and not code:
        labels = [
            (col.index, cells[col.index].strip())
            for col in columns
            if col.role == "label" and col.index < len(cells) and cells[col.index].strip()
        ]
        left = [text for index, text in labels if at is not None and index < at]
        if left:
            label = left[-1]
        elif labels:
            label = labels[0][1]
    if not label:
        # key-value layouts: the nearest text cell to the left of the first value
        for text in cells:
            if text.strip() and parse_amount(text) is None:
                label = text.strip()
                break
    if code and not label:
        label = code
    return label, (code or None)
