"""Unit and property tests for budgetlib.numbers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetlib.numbers import MONEY_UNITS, parse_amount, parse_code, to_wan

amounts = st.decimals(min_value=0, max_value=10**9, places=4, allow_nan=False, allow_infinity=False)


@given(amounts, st.integers(min_value=1, max_value=12))
def test_a_stray_space_inside_a_number_is_repaired(value, cut) -> None:
    text = f"{value:.4f}"
    cut = min(cut, len(text) - 1)
    split = text[:cut] + " " + text[cut:]
    assert parse_amount(split) == float(text)


@given(st.integers(min_value=1000, max_value=10**12), st.integers(min_value=0, max_value=99))
def test_thousands_separators(whole, cents) -> None:
    text = f"{whole:,}.{cents:02d}"
    assert parse_amount(text) == float(f"{whole}.{cents:02d}")


@given(amounts)
def test_fullwidth_digits(value) -> None:
    text = f"{value:.2f}"
    full = text.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789."})
    assert parse_amount(full) == float(text)


@given(st.text(alphabet="合计项目经费万元≥≤%（）", min_size=1, max_size=8))
def test_words_are_not_amounts(text) -> None:
    assert parse_amount(text) is None


def test_blank_and_dashes_are_missing_not_zero() -> None:
    for text in ("", "   ", "-", "－－", "——", "—", "/"):
        assert parse_amount(text) is None
    assert parse_amount("0.00") == 0.0


def test_negative_amounts() -> None:
    assert parse_amount("-27.15") == -27.15
    assert parse_amount("(27.15)") == -27.15


def test_units_convert_to_wan() -> None:
    assert to_wan(2368819.0, "元") == 236.8819
    assert to_wan(1.5, "亿元") == 15000.0
    assert to_wan(None, "元") is None


@given(st.sampled_from(["2", "3", "5"]), st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=99),
       st.integers(min_value=0, max_value=99), st.integers(min_value=1, max_value=6))
def test_split_codes_are_joined_and_levelled(first, a, b, c, cut) -> None:
    code = f"{first}{a:02d}{b:02d}{c:02d}" if first == "2" else f"{first}{a:02d}{b:02d}"
    cut = min(cut, len(code) - 1)
    parsed = parse_code(code[:cut] + " " + code[cut:])
    assert parsed is not None
    assert parsed.code == code
    assert parsed.parent == code[:-2]


def test_code_hierarchy() -> None:
    assert parse_code("2101202").parent == "21012"  # type: ignore[union-attr]
    assert parse_code("21012").parent == "210"  # type: ignore[union-attr]
    assert parse_code("210").parent is None  # type: ignore[union-attr]
    assert parse_code("210").level == "类"  # type: ignore[union-attr]
    assert parse_code("2101202").level == "项"  # type: ignore[union-attr]
    assert parse_code("30101").system == "econ"  # type: ignore[union-attr]
    assert parse_code("50501").system == "gov_econ"  # type: ignore[union-attr]


def test_not_codes() -> None:
    for text in ("", "2089", "12", "合计", "2101.5", "910", "21012x"):
        assert parse_code(text) is None


def test_every_money_unit_converts_to_wan() -> None:
    assert {unit: to_wan(1.0, unit) for unit in MONEY_UNITS} == {"元": 0.0001, "千元": 0.1, "万元": 1.0, "百万元": 100.0, "亿元": 10000.0}


@pytest.mark.parametrize(("cell", "value"), [
    ("¥5344.22", 5344.22), ("¥ 5344.22", 5344.22), ("￥5,344.22", 5344.22), ('"5344.22"', 5344.22), ("“5344.22”", 5344.22),
    ("﹣12.3", -12.3), ("−12.3", -12.3), ("(12.3)", -12.3),
])
def test_amounts_as_spreadsheets_and_typists_write_them(cell: str, value: float) -> None:
    assert parse_amount(cell) == pytest.approx(value)


@pytest.mark.parametrize("cell", ["—12.3", "1'234.56", "12.3.4", "5344.22元", "12%", "1.", "5344."])
def test_ambiguous_cells_stay_unread(cell: str) -> None:
    """Unread is not 0: the figure is missing, and the audit says so (``unreadable_figure``).
    ``1.`` is a row number (1. 2. 3.), not an amount, so a figure never ends in a bare point."""
    assert parse_amount(cell) is None


@pytest.mark.parametrize(("text", "value"), [
    ("1234500 1000000", None),   # two figures one space apart (a space-aligned table): not one figure
    ("53 50", None), ("2101 20", None),
    ("1 234 500", 1234500.0),    # thousands grouped by spaces
    ("5350.22 78", 5350.2278), ("53 50.2278", 5350.2278),
])
def test_a_space_between_digits_joins_only_what_can_be_one_figure(text: str, value: float | None) -> None:
    """A stray space inside a figure (PDF extraction) is repaired where the pieces hold its
    decimal point or are groups of three; two whole numbers side by side stay unread."""
    assert parse_amount(text) == value


def test_a_figure_too_large_for_a_float_is_not_read() -> None:
    assert parse_amount("9" * 400) is None and parse_amount("9" * 400 + ".00") is None
