"""Unit tests for budgetlib.indicators: readings, agreement within rounding, derivations."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from budgetlib.indicators import Reading, agree, choose, compute, extend
from budgetlib.pipeline import process_bytes
from budgetlib.tables import LineItem

from .conftest import RAW


@dataclass(frozen=True)
class F:
    name: str
    value: float | None
    original: str
    line_no: int = 1
    unit: str = "万元"
    sentence: str = ""
    qualifier: str = ""
    text: str | None = None


def item(table_id: str, row_key: str, measure: str, value: float, original: str | None = None, code: str | None = None, line: int = 1) -> LineItem:
    return LineItem(table_id, table_id, 0, 0, row_key, row_key, code, None, None, None, measure, "current", measure,
                    value, value, original or f"{value}", "万元", False, line)


def r(value: float, precision: float = 0.00005, ref: str = "t:x", priority: int = 1) -> Reading:
    return Reading("x", value, precision, "table", ref, 1, str(value), priority)


def test_agreement_is_rounding_only() -> None:
    assert agree(r(236.8819), r(236.88, 0.005))
    assert not agree(r(236.8819), r(236.87, 0.005))
    assert not agree(r(5344.2278), r(5350.2278))


def test_majority_of_independent_sources_wins_over_priority() -> None:
    readings = [r(4882.2128, ref="expenditure:合计", priority=1), r(4882.7128, ref="gpb_expenditure:合计", priority=2),
                Reading("x", 4882.7128, 0.00005, "narrative", "project@5", 5, "4882.7128万元", 3)]
    winner, agreeing = choose(readings)
    assert winner is not None and winner.value == pytest.approx(4882.7128)
    assert agreeing[readings[0]] == 1 and agreeing[readings[1]] == 2


def test_ties_go_to_priority() -> None:
    readings = [r(1.0, ref="a:x", priority=2), r(2.0, ref="b:x", priority=1)]
    assert choose(readings)[0].value == 2.0  # type: ignore[union-attr]


def test_rows_of_one_table_count_once() -> None:
    readings = [r(10.0, ref="summary:a"), r(10.0, ref="summary:b"), r(9.0, ref="x:a"), r(9.0, ref="y:a")]
    assert choose(readings)[0].value == 9.0  # type: ignore[union-attr]


def test_nothing_read_is_blank_not_zero() -> None:
    values, sources = compute([], [])
    assert values["expenditure_total"] is None and values["vehicles"] is None and values["three_public_total"] is None
    assert sources == []


def test_prior_year_total_from_stated_change() -> None:
    items = [item("summary", "本年支出合计", "total", 5350.2278, "5350.2278")]
    facts = [F("expenditure_total_change", -157.0522, "157.0522万元", 9)]
    values, sources = compute(items, facts)
    assert values["prev_expenditure_total"] == pytest.approx(5507.28)
    assert any(s[0].source_kind == "derived" and s[1] for s in sources)


def test_three_public_total_from_parts_and_missing_part_from_total() -> None:
    parts = [F("three_public_abroad", 0, "0万元"), F("three_public_vehicle_purchase", 1, "1万元"),
             F("three_public_vehicle_operation", 2.5, "2.5万元"), F("three_public_reception", 0.5, "0.5万元")]
    values, _ = compute([], parts)
    assert values["three_public_total"] == pytest.approx(4.0)
    values, _ = compute([], [F("three_public_total", 4, "4万元"), *parts[:1], *parts[2:]])
    assert values["three_public_vehicle_purchase"] == pytest.approx(1.0)


def test_counts_use_the_printed_value_not_wan() -> None:
    values, _ = compute([item("assets", "车辆(台、辆)", "quantity", 3, "3")], [])
    assert values["vehicles"] == 3


def test_subsidy_by_function_code() -> None:
    values, _ = compute([item("expenditure", "财政对城乡居民基本医疗保险基金的补助", "total", 4718.7128, code="2101202")], [])
    assert values["resident_subsidy"] == pytest.approx(4718.7128)


def test_actual_insured_residents_beat_a_target() -> None:
    facts = [F("insured_residents", 146030, "146030人", 1, "人", qualifier="target"),
             F("insured_residents", 141909, "141909人", 2, "人", qualifier="actual")]
    values, _ = compute([], facts)
    assert values["insured_residents"] == 141909


def test_carryover_from_the_revenue_tables_own_arithmetic() -> None:
    items = [item("revenue", "合计", "total", 24169.74, "24,169.74"), item("revenue", "合计", "current_total", 24169.74, "24,169.74")]
    values, sources = compute(items, [])
    assert values["carryover_in"] == pytest.approx(0.0)
    assert any(s[0].indicator == "carryover_in" and s[0].source_kind == "derived" for s in sources)
    # a stated carry-over wins; nothing is derived then
    values, _ = compute([*items, item("summary", "上年结转", "total", 6.0, "6.00")], [])
    assert values["carryover_in"] == pytest.approx(6.0)


def test_prior_three_public_total_from_the_parts_prior_values() -> None:
    facts = [F("three_public_abroad", 0, "0万元"), F("three_public_abroad_change", 0, "持平", qualifier="stated_zero"),
             F("three_public_vehicle_purchase", 0, "0万元"), F("three_public_vehicle_purchase_change", -40, "40万元"),
             F("three_public_vehicle_operation", 16, "16万元"), F("three_public_vehicle_operation_change", -1, "1万元"),
             F("three_public_reception", 1, "1万元"), F("three_public_reception_change", 0, "持平", qualifier="stated_zero")]
    values, _ = compute([], facts)
    assert values["three_public_prev_total"] == pytest.approx(58.0)


def test_a_grand_total_change_is_taken_from_the_grand_total() -> None:
    items = [item("summary", "本年支出合计", "total", 2940.05, "2940.05"), item("summary", "总计", "total", 2995.39, "2995.39")]
    facts = [F("expenditure_total_change", -56.95, "56.95万元", qualifier="grand_total")]
    values, _ = compute(items, facts)
    assert values["prev_expenditure_total"] == pytest.approx(3052.34)


# When only the change of 支出总计 (carry-forward included) is stated, the prior-year figure derived
# from it is the prior year's grand total; the change was then figured as this year's 本年支出合计
# minus it — a change the document never states. Like is compared with like: the grand totals.
def test_a_grand_total_change_is_not_mixed_with_this_years_total() -> None:
    items = [item("summary", "本年支出合计", "total", 2940.05, "2940.05"), item("summary", "总计", "total", 2995.39, "2995.39")]
    facts = [F("expenditure_total_change", -56.95, "56.95万元", qualifier="grand_total")]
    out = extend(compute(items, facts)[0], 2024, None)
    assert out["expenditure_total_change"] == pytest.approx(-56.95)
    assert out["expenditure_total_change_pct"] == pytest.approx(-56.95 / 3052.34 * 100)
    # a change of this year's total is still this year's total minus the prior year's
    plain = extend(compute(items, [F("expenditure_total_change", -60.0, "60万元")])[0], 2024, None)
    assert plain["prev_expenditure_total"] == pytest.approx(3000.05) and plain["expenditure_total_change"] == pytest.approx(-60.0)


def test_a_grand_total_change_with_a_carry_forward_in_a_document() -> None:
    src = (RAW / "lanxian_2024_final.txt").read_text(encoding="utf-8")
    text = (src.replace("年初结转和结余\t29\t", "年初结转和结余\t29\t100.00")
               .replace("年末结转和结余\t60\t0.00", "年末结转和结余\t60\t100.00")
               .replace("总计\t31\t392.51\t总计\t62\t392.51", "总计\t31\t492.51\t总计\t62\t492.51")
               .replace("2024年度收入总计392.51万元，支出总计392.51万元。与上年相比",
                        "2024年度收入总计492.51万元，支出总计492.51万元。与上年相比"))
    assert text.count("492.51") == 4
    row = process_bytes(text.encode("utf-8"), "x.txt").indicators
    assert row["expenditure_total"] == pytest.approx(392.51)
    assert row["expenditure_total_change"] == pytest.approx(-570.56)  # the document: 支出总计…减少570.56万元


def test_carryover_from_the_summary_tables_income_side() -> None:
    grand = LineItem("summary", "收支总表", 0, 9, "收入合计", "收入合计", None, None, None, None, "total", "current", "金额",
                     24169.74, 24169.74, "24,169.74", "万元", False, 30)
    current = LineItem("summary", "收支总表", 0, 7, "当年收入小计", "当年收入小计", None, None, None, None, "total", "current", "金额",
                       24169.74, 24169.74, "24,169.74", "万元", False, 28)
    values, _ = compute([grand, current], [])
    assert values["carryover_in"] == pytest.approx(0.0)


def test_a_label_repeated_further_down_a_table_is_not_read_again() -> None:
    # 财政拨款收支总表: "一、一般公共预算财政拨款" leads the income side and again, with another
    # figure, as a sub-row of 年初财政拨款结转和结余 further down (上海普陀 2024)
    first = LineItem("fiscal_summary", "财政拨款收支总表", 0, 0, "一、一般公共预算财政拨款", "一般公共预算财政拨款", None, None, None,
                     None, "total", "current", "金额", 2940.05, 2940.05, "2940.05", "万元", False, 10)
    later = LineItem("fiscal_summary", "财政拨款收支总表", 0, 28, "一、一般公共预算财政拨款", "一般公共预算财政拨款", None, None, None,
                     None, "total", "current", "金额", 21.63, 21.63, "21.63", "万元", False, 38)
    _, sources = compute([first, later], [])
    readings = [s[0] for s in sources if s[0].indicator == "fiscal_gpb_revenue"]
    assert [r.value for r in readings] == [2940.05]


@pytest.mark.parametrize(("value", "unit"), [(1.5, "辆"), (1e23, "辆"), (float("inf"), "辆"), (-2.0, "辆")])
def test_a_count_that_is_no_count_is_not_read(value: float, unit: str) -> None:
    """1.5 辆 was stored as 2 vehicles; 10^23 辆 does not fit the Int64 column and stopped the batch."""
    values, _ = compute([], [F("vehicles", value, f"{value}{unit}", unit=unit)])
    assert values["vehicles"] is None


def test_a_count_in_wan_persons_is_made_whole() -> None:
    values, _ = compute([], [F("insured_residents", 123456.78, "12.345678万人", unit="万人")])
    assert values["insured_residents"] == 123457


# A sentence's budget and 决算 figure of one item (全年预算10万元，支出决算8万元): the document's
# own kind decides; the first figure won the tie before, so a 决算 reported its budget.
@pytest.mark.parametrize(("doc_kind", "expected"), [("final", 8.0), ("budget", 10.0)])
def test_the_documents_kind_picks_the_budget_or_the_final_figure(doc_kind: str, expected: float) -> None:
    facts = [F("three_public_total", 10, "10万元", qualifier="budget"), F("three_public_total", 8, "8万元", 2, qualifier="final")]
    values, _ = compute([], facts, doc_kind)
    assert values["three_public_total"] == pytest.approx(expected)
