"""Numbers and classification codes as printed in disclosures → typed values.

Takes one cell's text; gives:

* :func:`parse_amount` — a float, or ``None`` when the cell holds no readable number
  (blank, a dash, a word). Repairs what PDF/Word extraction does to numbers: digits split by
  stray spaces (``5350.22 78``, ``5344. 2278``), thousands separators (``1,293.69``),
  full-width digits, a trailing unit or percent sign is *not* an amount.
* :func:`rounding` — how far a printed figure may be from the amount it rounds: half a unit
  of its last printed digit (:func:`printed_decimals`; a table's figures printed without their
  trailing zeros are taken to the decimals the table prints, :func:`usual_decimals`).
* :func:`parse_code` — a budget classification code (``2101 202`` → ``2101202``) with its
  system (支出功能分类 function codes start with 2, 部门经济分类 with 3, 政府经济分类 with 5),
  level (类/款/项) and parent.

All functions are pure; nothing here knows about tables.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Code", "MONEY_UNITS", "parse_amount", "parse_code", "is_amount", "is_dash", "to_wan", "printed_decimals",
           "usual_decimals", "rounding"]

#: money units a disclosure may declare, as 万元 per unit (the one place they are listed)
MONEY_UNITS = {"元": 1e-4, "千元": 0.1, "万元": 1.0, "百万元": 100.0, "亿元": 1e4}

_DASHES = {"-", "--", "—", "——", "–", "－", "－－", "/", "*", "…", "……"}
_AMOUNT = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$")
_SPLIT_DIGITS = re.compile(r"(?<=[\d.,])\s+(?=[\d.,])")
_PAREN_NEGATIVE = re.compile(r"^\((.+)\)$")
#: △ before a figure marks a decrease in Chinese fiscal tables: △2.00 is -2.00
_TRIANGLE_NEGATIVE = re.compile(r"^△\s*(\d.*)$")


_WIDE = {0x3000: 0x20, 0xA0: 0x20, 0xFF0C: ord(","), 0xFF0E: ord("."), **{cp: cp - 0xFEE0 for cp in range(0xFF10, 0xFF1A)},
         0x2212: ord("-"), 0xFE63: ord("-"), 0xFF0D: ord("-")}  # minus signs: −, ﹣, －
#: what may wrap a figure in a cell: a currency sign before it, quotes around it (text exported from a spreadsheet)
_WRAPPING = "¥￥\"'“”‘’"
#: pure functions of one cell's text are memoised: a batch repeats the same cells (0.00, codes,
#: figures carried from table to table) many times. Bounded, so memory stays bounded.
CACHE_SIZE = 1 << 16


def _clean(text: str) -> str:
    text = text.strip().translate(_WIDE).strip(_WRAPPING).strip()
    if not _SPLIT_DIGITS.search(text):
        return text
    if "." not in text and any(len(piece) != 3 for piece in text.split()[1:]):
        return text  # whole numbers side by side (1234500 1000000): not one figure split by a stray space
    return _SPLIT_DIGITS.sub("", text)


@lru_cache(maxsize=CACHE_SIZE)
def parse_amount(text: str | None) -> float | None:
    """Read an amount from one cell; ``None`` when there is none to read.

    >>> parse_amount("5350.22 78")
    5350.2278
    >>> parse_amount("5344. 2278")
    5344.2278
    >>> parse_amount("1,293.69")
    1293.69
    >>> parse_amount("-27.15"), parse_amount("(27.15)"), parse_amount("△27.15")
    (-27.15, -27.15, -27.15)
    >>> parse_amount("") is None, parse_amount("－－") is None, parse_amount("≥95%") is None
    (True, True, True)
    """
    if text is None:
        return None
    cleaned = _clean(text)
    if not cleaned or cleaned in _DASHES:
        return None
    negative = _PAREN_NEGATIVE.match(cleaned) or _TRIANGLE_NEGATIVE.match(cleaned)
    if negative:
        cleaned = "-" + negative.group(1)
    if not _AMOUNT.match(cleaned):
        return None
    value = float(cleaned.replace(",", ""))
    return value if math.isfinite(value) else None  # 400 digits: no figure, not infinity


def is_dash(text: str | None) -> bool:
    """True when a figure cell holds a dash, a slash or an ellipsis: no figure (a zero or
    nothing), never a word.

    >>> is_dash("—"), is_dash(" / "), is_dash("0.00"), is_dash("无")
    (True, True, False, False)
    """
    return text is not None and _clean(text) in _DASHES


def is_amount(text: str | None) -> bool:
    """True when the cell holds a readable amount."""
    return parse_amount(text) is not None


def to_wan(value: float | None, unit: str) -> float | None:
    """Convert an amount in ``unit`` (one of :data:`MONEY_UNITS`) to 万元.

    >>> to_wan(2368819.0, "元")
    236.8819
    >>> to_wan(5.8, "万元")
    5.8
    """
    if value is None:
        return None
    return round(value * MONEY_UNITS[unit], 10)


_FIGURE = re.compile(r"\d[\d,]*(?:\.(\d+))?")


@lru_cache(maxsize=CACHE_SIZE)
def printed_decimals(original: str) -> int:
    """How many digits the first figure of ``original`` prints after its decimal point (digits
    split by stray spaces are one figure).

    >>> printed_decimals("5350.22 78"), printed_decimals("1,354,568"), printed_decimals("0.0135亿元"), printed_decimals("—")
    (4, 0, 4, 0)
    """
    match = _FIGURE.search(_SPLIT_DIGITS.sub("", original))
    return len(match.group(1)) if match and match.group(1) else 0


def usual_decimals(originals: Iterable[str]) -> int:
    """The decimals a table prints its figures to: the most common count among its figures
    printed with a decimal point (the fewer on a tie), 0 when none is. Spreadsheets drop
    trailing zeros, so 100 beside 35.46 is 100.00.

    >>> usual_decimals(["35.46", "100", "5344.2278", "0.26"]), usual_decimals(["1354568", "0"])
    (2, 0)
    """
    counts = Counter(d for d in map(printed_decimals, originals) if d)
    return max(counts, key=lambda d: (counts[d], -d)) if counts else 0


def rounding(original: str, unit_factor: float = 1.0, decimals: int = 0) -> float:
    """How far the printed figure ``original`` may be from the amount it rounds: half a unit of
    its last digit, the figure taken to at least ``decimals`` decimals, times ``unit_factor``
    (the unit it was printed in, e.g. :data:`MONEY_UNITS` for 万元).

    >>> rounding("1354568", MONEY_UNITS["元"]), rounding("35.46"), rounding("100", 1.0, 2), rounding("0.0135亿元", MONEY_UNITS["亿元"])
    (5e-05, 0.005, 0.005, 0.5)
    """
    return 0.5 * 10.0 ** -max(printed_decimals(original), decimals) * unit_factor


# ---------------------------------------------------------------------------------------
# Classification codes

_CODE_SYSTEMS = {"1": "revenue", "2": "function", "3": "econ", "5": "gov_econ"}
_LEVELS = {
    "function": {3: "类", 5: "款", 7: "项"},
    "revenue": {3: "类", 5: "款", 7: "项", 9: "目"},
    "econ": {3: "类", 5: "款"},
    "gov_econ": {3: "类", 5: "款"},
}
_CODE_TEXT = re.compile(r"^\d[\d ]*$")


@dataclass(frozen=True, slots=True)
class Code:
    """A budget classification code."""

    code: str
    system: str  # function | econ | gov_econ | revenue
    level: str  # 类 | 款 | 项 | 目
    parent: str | None


@lru_cache(maxsize=CACHE_SIZE)
def parse_code(text: str | None) -> Code | None:
    """Read a classification code from one cell; ``None`` when the cell is not one.

    >>> parse_code("2101 202")
    Code(code='2101202', system='function', level='项', parent='21012')
    >>> parse_code("30101")
    Code(code='30101', system='econ', level='款', parent='301')
    >>> parse_code("210")
    Code(code='210', system='function', level='类', parent=None)
    >>> parse_code("2089") is None, parse_code("12") is None
    (True, True)
    """
    if text is None:
        return None
    cleaned = text.strip()
    if not _CODE_TEXT.match(cleaned):
        return None
    digits = cleaned.replace(" ", "")
    system = _CODE_SYSTEMS.get(digits[:1])
    if system is None:
        return None
    level = _LEVELS[system].get(len(digits))
    if level is None:
        return None
    parent = None if len(digits) == 3 else digits[: len(digits) - 2]
    return Code(digits, system, level, parent)
