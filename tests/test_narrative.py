"""Tests for budgetlib.narrative: facts read from the prose of budget / final-accounts disclosures.

Golden tests run over the five sample documents in data/raw against the hand-read values in
/work/shared/corpus/expected.json (for the fields each document's narrative states); unit tests
cover each family of patterns on small inline texts.
"""

from __future__ import annotations

import dataclasses
import json
import re
from itertools import product
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budgetlib.narrative import FACT_DESCRIPTIONS, FACT_NAMES, Fact, build_segments, extract_facts
from budgetlib.read import Line, load_lines, to_lines

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
EXPECTED_PATH = Path("/work/shared/corpus/expected.json")
TOLERANCE = 0.01

# ---------------------------------------------------------------------------------------
# Golden tests

#: expected.json fields each document's narrative states (the others are only in its tables).
STATED_IN_NARRATIVE: dict[str, tuple[str, ...]] = {
    "huailai_2024_budget.txt": (
        "revenue_total",
        "expenditure_total",
        "basic_expenditure",
        "project_expenditure",
        "personnel_expenditure",
        "public_expenditure",
        "three_public_total",
        "three_public_abroad",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
        "three_public_prev_total",
        "org_running_cost",
        "resident_subsidy",
        "procurement_total",
        "fixed_assets_total",
        "prev_expenditure_total",
    ),
    "yuanshi_2023_budget.txt": (
        "revenue_total",
        "expenditure_total",
        "basic_expenditure",
        "project_expenditure",
        "personnel_expenditure",
        "public_expenditure",
        "three_public_total",
        "three_public_abroad",
        "three_public_vehicle_operation",
        "three_public_reception",
        "three_public_prev_total",
        "org_running_cost",
        "resident_subsidy",
        "insured_residents",
        "medical_assistance",
        "procurement_total",
        "fixed_assets_total",
        "prev_expenditure_total",
        "carryover_in",
    ),
    "zhengding_2018_budget.txt": (
        "revenue_total",
        "expenditure_total",
        "basic_expenditure",
        "project_expenditure",
        "personnel_expenditure",
        "public_expenditure",
        "three_public_total",
        "three_public_abroad",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
        "three_public_prev_total",
        "org_running_cost",
        "resident_subsidy",
        "procurement_total",
        "fixed_assets_total",
        "prev_expenditure_total",
    ),
    "lanxian_2024_final.txt": (
        "revenue_total",
        "expenditure_total",
        "basic_expenditure",
        "project_expenditure",
        "personnel_expenditure",
        "public_expenditure",
        "three_public_total",
        "three_public_abroad",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
        "three_public_prev_total",
        "org_running_cost",
        "resident_subsidy",
        "insured_residents",
        "procurement_total",
        "vehicles",
        "prev_expenditure_total",
    ),
    "xixiang_2024_budget.txt": (
        "revenue_total",
        "expenditure_total",
        "public_expenditure",
        "three_public_total",
        "three_public_abroad",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
        "three_public_prev_total",
        "procurement_total",
        "vehicles",
        "prev_expenditure_total",
    ),
}

#: fields expected.json gives as null that have a fact name: the narrative must not yield them.
ABSENT_FACTS = ("insured_residents", "resident_subsidy", "org_running_cost")


def _load_expected() -> dict[str, dict[str, object]]:
    if not EXPECTED_PATH.exists():
        pytest.skip(f"{EXPECTED_PATH} not available")
    return json.loads(EXPECTED_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def expected() -> dict[str, dict[str, object]]:
    return _load_expected()


@pytest.fixture(scope="module")
def documents() -> dict[str, tuple[list[Line], list[Fact]]]:
    docs = {}
    for name in STATED_IN_NARRATIVE:
        lines, _ = load_lines((RAW / name).read_bytes())
        docs[name] = (lines, extract_facts(lines))
    return docs


def _values(facts: list[Fact], *names: str) -> list[float]:
    return [f.value for f in facts if f.name in names and f.value is not None]


def _prev_from(facts: list[Fact], level: tuple[str, ...], change: str, prev: str) -> list[float]:
    """Prior-year readings: stated, or computed as value − change."""
    computed = [v - c for v, c in product(_values(facts, *level), _values(facts, change))]
    return _values(facts, prev) + computed


def readings(facts: list[Fact], field: str) -> list[float]:
    """The values the facts allow for an expected.json field."""
    if field == "three_public_prev_total":
        return _prev_from(
            facts, ("three_public_total",), "three_public_total_change", "three_public_total_prev"
        )
    if field == "prev_expenditure_total":
        return _prev_from(
            facts,
            ("expenditure_total", "expenditure_grand_total"),
            "expenditure_total_change",
            "expenditure_total_prev",
        )
    return _values(facts, field)


def _accepted(value: object) -> list[float]:
    items = value if isinstance(value, list) else [value]
    return [float(v) for v in items if isinstance(v, int | float)]


GOLDEN_CASES = [(doc, field) for doc, fields in STATED_IN_NARRATIVE.items() for field in fields]


@pytest.mark.parametrize(
    ("doc", "field"), GOLDEN_CASES, ids=[f"{d.split('_')[0]}-{f}" for d, f in GOLDEN_CASES]
)
def test_golden_value_among_readings(doc: str, field: str, expected, documents) -> None:
    want = _accepted(expected[doc][field])
    assert want, f"{doc}:{field} is null in expected.json"
    got = readings(documents[doc][1], field)
    assert any(abs(g - w) <= TOLERANCE for g, w in product(got, want)), (
        f"{doc}:{field}: want {want}, readings {got}"
    )


@pytest.mark.parametrize("doc", list(STATED_IN_NARRATIVE))
def test_golden_null_fields_give_no_reading(doc: str, expected, documents) -> None:
    facts = documents[doc][1]
    for field in ABSENT_FACTS:
        if field in expected[doc] and expected[doc][field] is None:
            assert not _values(facts, field), f"{doc}: {field} is not disclosed but was read"


@pytest.mark.parametrize("doc", list(STATED_IN_NARRATIVE))
def test_golden_line_numbers_point_at_the_number(doc: str, documents) -> None:
    lines, facts = documents[doc]
    text_of = {ln.no: ln.text for ln in lines}
    assert facts
    for fact in facts:
        line = text_of[fact.line_no]
        if fact.unit:  # a figure: its digits stand on that line
            number = re.match(r"[\d,.]+", fact.original)
            assert number and number.group(0) in line, (fact, line)
        else:  # a statement or a reason: it starts on that line
            assert fact.original[:2] in line, (fact, line)
        assert fact.sentence and len(fact.sentence) <= 300


@pytest.mark.parametrize("doc", list(STATED_IN_NARRATIVE))
def test_golden_names_are_in_the_vocabulary(doc: str, documents) -> None:
    assert {f.name for f in documents[doc][1]} <= set(FACT_NAMES)


def test_golden_three_public_reason(documents) -> None:
    reasons = {
        doc: [f.text for f in facts if f.name == "three_public_change_reason"]
        for doc, (_, facts) in documents.items()
    }
    assert reasons["yuanshi_2023_budget.txt"] == ["主要是2022年购置车辆1台"]
    assert reasons["huailai_2024_budget.txt"] == [
        "原因为我单位本年度以及上年度均未安排“三公”经费预算"
    ]


def test_golden_insured_residents_qualifiers(documents) -> None:
    yuanshi = [f for f in documents["yuanshi_2023_budget.txt"][1] if f.name == "insured_residents"]
    lanxian = [f for f in documents["lanxian_2024_final.txt"][1] if f.name == "insured_residents"]
    assert [(f.value, f.qualifier, f.unit) for f in yuanshi] == [(372900.0, "target", "万人")]
    assert (141909.0, "actual") in [(f.value, f.qualifier) for f in lanxian]


# ---------------------------------------------------------------------------------------
# Unit tests, one family at a time


def facts_of(text: str) -> list[Fact]:
    return extract_facts(to_lines(text))


def pairs(text: str) -> set[tuple[str, float | None]]:
    return {(f.name, f.value) for f in facts_of(text)}


def test_vocabulary_is_described() -> None:
    assert FACT_NAMES == tuple(FACT_DESCRIPTIONS)
    assert all(FACT_DESCRIPTIONS[name] for name in FACT_NAMES)
    assert len(set(FACT_NAMES)) == len(FACT_NAMES)


def test_fact_is_frozen() -> None:
    fact = facts_of("2024年预算收入3714.62万元。")[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        fact.value = 1.0  # type: ignore[misc]


def test_revenue_and_expenditure_breakdown() -> None:
    text = (
        "2024年预算收入3714.62万元，其中:一般公共预算收入3714.62万元，基金预算收入0万元。"
        "2024年单位支出预算为3714.62万元，其中基本支出171.62万元，包括人员经费165.82万元和日常公用经费5.80万元；"
        "项目支出3543.00万元。"
    )
    assert pairs(text) == {
        ("revenue_total", 3714.62),
        ("expenditure_total", 3714.62),
        ("basic_expenditure", 171.62),
        ("personnel_expenditure", 165.82),
        ("public_expenditure", 5.8),
        ("project_expenditure", 3543.0),
    }


def test_fact_fields() -> None:
    (fact,) = facts_of("我单位上年末固定资产金额为12.23万元(详见下表)。")
    assert fact == Fact(
        name="fixed_assets_total",
        value=12.23,
        unit="万元",
        original="12.23万元",
        line_no=1,
        sentence="我单位上年末固定资产金额为12.23万元(详见下表)。",
    )


def test_grand_totals_and_carryover() -> None:
    got = pairs(
        "2023年单位预算收入5344.2278万元，年初财政拨款结转和结余6万元。2024年度收入总计392.51万元，支出总计392.51万元。"
    )
    assert got == {
        ("revenue_total", 5344.2278),
        ("carryover_in", 6.0),
        ("revenue_grand_total", 392.51),
        ("expenditure_grand_total", 392.51),
    }


def test_yuan_converted_to_wan_yuan() -> None:
    (fact,) = facts_of("本年支出合计2368819.00元。")
    assert (fact.name, fact.unit, fact.original) == ("expenditure_total", "元", "2368819.00元")
    assert fact.value == pytest.approx(236.8819)


def test_yi_yuan_converted_to_wan_yuan() -> None:
    (fact,) = facts_of("其中基本支出1.5亿元。")
    assert (fact.name, fact.value, fact.unit) == ("basic_expenditure", 15000.0, "亿元")


def test_thousands_separator() -> None:
    (fact,) = facts_of("2024年收入预算1,234.56万元。")
    assert (fact.name, fact.value, fact.original) == ("revenue_total", 1234.56, "1,234.56万元")


def test_spaces_around_numbers_are_kept_in_original() -> None:
    (fact,) = facts_of("本单位当年预算收入 236.88 万元。")
    assert (fact.value, fact.original) == (236.88, "236.88 万元")


def test_negative_change_and_prior_year_value() -> None:
    got = facts_of(
        "2024年，单位预算收支安排3714.62万元，较上年6305.01万元减少2590.39万元，其中:基本支出减少88.39万元，主要是人员经费减少87.67万元；项目支出增加12万元。"
    )
    assert {(f.name, f.value) for f in got} == {
        ("expenditure_total", 3714.62),
        ("expenditure_total_prev", 6305.01),
        ("expenditure_total_change", -2590.39),
        ("basic_expenditure_change", -88.39),
        ("project_expenditure_change", 12.0),
    }  # a change of 人员经费 is neither a level of it nor in the vocabulary


def test_change_of_a_list_refers_back_to_its_head() -> None:
    text = "本单位当年预算收入 236.88 万元，其中一般公共预算拨款收入 236.88 万元、政府性基金拨款收入 0 万元，较上年减少 1.43 万元。"
    assert pairs(text) == {("revenue_total", 236.88), ("revenue_total_change", -1.43)}


def test_change_after_one_listed_item_is_that_items() -> None:
    text = "本单位当年一般公共预算支出 236.88 万元，其中:工资福利支出(301)213.65 万元，较上年减少 1.1 万元。"
    assert pairs(text) == {("expenditure_total", 236.88)}


def test_grand_total_change_sides() -> None:
    got = facts_of(
        "与上年相比，收入总计减少570.56万元，下降59.24%，支出总计减少570.56万元，下降59.24%。"
    )
    assert [(f.name, f.value, f.qualifier) for f in got] == [
        ("revenue_total_change", -570.56, "grand_total"),
        ("expenditure_total_change", -570.56, "grand_total"),
    ]


def test_combined_revenue_and_expenditure_statement() -> None:
    got = pairs(
        "2023年度收入、支出总计均为1234.56万元。与上年相比，收入、支出总计各增加100.5万元，增长8.9%。"
    )
    assert got == {
        ("revenue_grand_total", 1234.56),
        ("expenditure_grand_total", 1234.56),
        ("revenue_total_change", 100.5),
        ("expenditure_total_change", 100.5),
    }


def test_fiscal_scope_is_marked() -> None:
    got = facts_of("2024年度财政拨款收入总计392.51万元。2024年度财政拨款基本支出369.24万元。")
    assert [(f.name, f.qualifier) for f in got] == [
        ("revenue_grand_total", "fiscal"),
        ("basic_expenditure", "fiscal"),
    ]


def test_three_public_breakdown_and_change_with_reason() -> None:
    text = (
        "2023年，我部门财政拨款“三公”经费预算安排8.06万元，较2022年减少12万元，降低59.82%，主要是2022年购置车辆1台。"
        "其中:因公出国(境)费0万元，与上年持平，无增减变化；公务用车购置及运维费0万元，较2022年减少 12 万元；"
        "公务用车运维费 7.8 万元，与上年持平；公务接待费 0.26 万元，与上年持平。"
    )
    got = facts_of(text)
    assert {(f.name, f.value, f.qualifier) for f in got} == {
        ("three_public_total", 8.06, ""),
        ("three_public_total_change", -12.0, ""),
        ("three_public_change_reason", None, ""),
        ("three_public_abroad", 0.0, ""),
        ("three_public_abroad_change", 0.0, "stated_zero"),
        ("three_public_vehicle", 0.0, ""),
        ("three_public_vehicle_change", -12.0, ""),
        ("three_public_vehicle_operation", 7.8, ""),
        ("three_public_vehicle_operation_change", 0.0, "stated_zero"),
        ("three_public_reception", 0.26, ""),
        ("three_public_reception_change", 0.0, "stated_zero"),
    }
    (reason,) = [f for f in got if f.name == "three_public_change_reason"]
    assert reason.text == reason.original == "主要是2022年购置车辆1台"


def test_three_public_purchase_and_operation_in_parentheses() -> None:
    text = "公务用车购置及运维费 2.85万元(包含:公务用车购置费0万元，公务用车运行维护费2.85万元)；公务接待费0万元。"
    assert pairs(text) == {
        ("three_public_vehicle", 2.85),
        ("three_public_vehicle_purchase", 0.0),
        ("three_public_vehicle_operation", 2.85),
        ("three_public_reception", 0.0),
    }


def test_generic_words_do_not_override_a_specific_label() -> None:
    assert pairs("2023年本部门“三公”经费预算支出为5万元，与上年预算持平。") == {
        ("three_public_total", 5.0),
        ("three_public_total_change", 0.0),
    }


def test_three_public_prior_year_stated() -> None:
    assert pairs("2024年“三公”经费预算8万元，上年“三公”经费预算为20.06万元。") == {
        ("three_public_total", 8.0),
        ("three_public_total_prev", 20.06),
    }


def test_chiping_gives_stated_zero_change() -> None:
    (fact,) = facts_of("我部门财政拨款三公经费与上年持平，无增减变化。")
    assert (fact.name, fact.value, fact.qualifier, fact.unit) == (
        "three_public_total_change",
        0.0,
        "stated_zero",
        "",
    )
    assert fact.original == "与上年持平"


def test_xiangtong_gives_stated_zero_change() -> None:
    got = pairs("因公出国(境)费支出0万元，与上年相同，主要原因是:本单位无因公出国(境)费支出；")
    assert got == {("three_public_abroad", 0.0), ("three_public_abroad_change", 0.0)}


def test_reduced_by_zero_is_a_change_of_zero() -> None:
    (fact,) = facts_of("“三公”经费比上年减少0万元。")
    assert (fact.name, fact.value, fact.qualifier) == ("three_public_total_change", 0.0, "")
    assert str(fact.value) == "0.0"  # not -0.0


def test_no_three_public_both_years() -> None:
    got = facts_of("上年及本年度，本单位无“三公”经费预算及会议费、培训费。")
    names = {f.name for f in got}
    assert all(f.value == 0.0 and f.qualifier == "stated_zero" for f in got)
    assert {
        "three_public_total",
        "three_public_total_prev",
        "three_public_abroad",
        "three_public_vehicle_purchase",
        "three_public_vehicle_operation",
        "three_public_reception",
    } <= names


def test_no_three_public_this_year_only_gives_no_prior_year() -> None:
    names = {f.name for f in facts_of("本单位2024年无“三公”经费预算。")}
    assert "three_public_total" in names and "three_public_total_prev" not in names


def test_org_running_cost() -> None:
    assert pairs("2024年，我单位机关运行经费共计安排40.8万元，主要用于办公费。") == {
        ("org_running_cost", 40.8)
    }
    assert pairs("2023年，我部门运行经费共安排33.755万元。") == {("org_running_cost", 33.755)}
    (fact,) = facts_of("本部门(单位)无机关运行经费。")
    assert (fact.name, fact.value, fact.qualifier) == ("org_running_cost", 0.0, "stated_zero")


def test_public_expenditure_is_not_org_running_cost() -> None:
    assert pairs("本单位当年公用经费预算安排 15.18 万元，较上年减少 3.34 万元。") == {
        ("public_expenditure", 15.18)
    }


def test_procurement() -> None:
    assert pairs("2024年，我单位安排政府采购预算0.00万元。") == {("procurement_total", 0.0)}
    text = "2024年度政府采购支出总额1.83万元，其中:政府采购货物支出1.83万元、政府采购工程支出0万元。政府采购授予中小企业合同金额1.83万元。"
    assert [(f.name, f.value) for f in facts_of(text)] == [("procurement_total", 1.83)]
    (fact,) = facts_of("本单位当年无政府采购预算，并已公开空表。")
    assert (fact.name, fact.value, fact.qualifier) == ("procurement_total", 0.0, "stated_zero")


def test_fixed_assets() -> None:
    text = "我单位上年末固定资产金额为12.23万元，本年度拟购置固定资产总额为0.00万元。2018年我部门拟安排固定资产购置预算8.6万元:分别是台式电脑16台7.21万元。"
    assert pairs(text) == {
        ("fixed_assets_total", 12.23),
        ("fixed_assets_purchase", 0.0),
        ("fixed_assets_purchase", 8.6),
    }


def test_vehicles() -> None:
    assert pairs("截止上年底，本单位共有车辆 0 辆，单价 20 万元以上的设备 0 台(套)。") == {
        ("vehicles", 0.0)
    }
    assert pairs("截至2023年12月31日，本单位共有车辆2辆。") == {("vehicles", 2.0)}
    # vehicles bought in the year are not the fleet
    assert pairs("当年部门预算安排购置车辆 1 辆。使用财政拨款共购置公务用车1辆。") == set()


def test_insured_residents_wan_ren_target() -> None:
    lines = [
        Line(
            7,
            "绩效目标\t\t\t1.城乡居民医疗保险参保人数约为 37.29 万人 2.县级配套资金到位率 95%以上",
        )
    ]
    (fact,) = extract_facts(lines)
    assert (fact.name, fact.value, fact.unit, fact.original) == (
        "insured_residents",
        372900.0,
        "万人",
        "37.29 万人",
    )
    assert (fact.qualifier, fact.line_no) == ("target", 7)


def test_insured_residents_actual_and_not_employees() -> None:
    got = facts_of(
        "1、实际完成率。完成城乡居民基本医疗保险参保人数141909人。本单位职工参保人数12000人。"
    )
    assert [(f.name, f.value, f.qualifier) for f in got] == [
        ("insured_residents", 141909.0, "actual")
    ]


def test_insured_residents_need_residents_in_the_sentence() -> None:
    text = "2024年参保人数达到30万人。全县城乡居民基本医疗保险参保356,000人，职工医保参保5万人。"
    assert [(f.name, f.value, f.original) for f in facts_of(text)] == [
        ("insured_residents", 356000.0, "356,000人")
    ]


def test_resident_subsidy_variants() -> None:
    text = (
        "项目支出3543.00万元，主要为财政对城乡居民基本医疗保险基金的补助3500.00万元，居民医保代办员补助8.00万元。"
        "城乡居民医疗保险县级财政补助资金项目3606.05万元、省级城乡居民基本医疗保险代办员补助项目9万元。"
        "截止2024年12月31日，城乡居民县级配套资金项目已完成，款项499.51968万元已全部足额支付到位。"
        "城乡居民基本养老保险补助资金500万元。"
    )
    assert {v for n, v in pairs(text) if n == "resident_subsidy"} == {3500.0, 3606.05, 499.51968}


def test_resident_subsidy_change_is_not_a_level() -> None:
    text = (
        "项目支出减少2502.00万元，主要是由于财政对城乡居民基本医疗保险基金的补助减少了1500.00万元。"
    )
    assert pairs(text) == {("project_expenditure_change", -2502.0)}


def test_medical_assistance_and_compound_items() -> None:
    text = "项目支出4882.7128万元，项目支出主要包括:县级配套医疗救助补助资金34万元、劳务派遣人员经费45万元、专项公用经费5万元。"
    assert pairs(text) == {("project_expenditure", 4882.7128), ("medical_assistance", 34.0)}


def test_sentence_wrapped_over_two_lines() -> None:
    text = "2023年单位支出预算为5350.2278万元。其中基本支出为467.515万元，包括人员经费\n\n433.76万元和日常公用经费33.755万元。"
    got = facts_of(text)
    personnel = next(f for f in got if f.name == "personnel_expenditure")
    assert (personnel.value, personnel.line_no) == (433.76, 3)
    assert "包括人员经费433.76万元" in personnel.sentence


def test_change_wrapped_mid_word() -> None:
    got = facts_of("公务用车购置及运维费0万元，较2022年减\n\n少 12 万元，减少 100%。")
    assert [(f.name, f.value, f.line_no) for f in got] == [
        ("three_public_vehicle", 0.0, 1),
        ("three_public_vehicle_change", -12.0, 3),
    ]


def test_headings_and_titles_are_not_joined() -> None:
    segments = build_segments(
        to_lines(
            "六、一般公共预算财政拨款基本支出决算情况说明\n2024年度财政拨款基本支出369.24万元。\n部门政府采购预算\n473 元氏县医疗保障局\n单位:万元"
        )
    )
    assert [s.text for s in segments] == [
        "六、一般公共预算财政拨款基本支出决算情况说明",
        "2024年度财政拨款基本支出369.24万元。",
        "部门政府采购预算",
        "473 元氏县医疗保障局",
        "单位:万元",
    ]
    assert pairs("部门政府采购预算\n473 元氏县医疗保障局") == set()


def test_table_label_and_number_cells_do_not_pair() -> None:
    assert (
        facts_of(
            "\t任务1\t人员经费\t213.7019\t213.7019\t0\n本年收入合计\t27\t392.51\t本年支出合计\t58\t392.51"
        )
        == []
    )


@pytest.mark.parametrize(
    "text",
    [
        "7、“三公”经费:纳入省级财政预算管理的“三公”经费，是指省级部门用财政拨款安排的因公出国(境)费、公务用车购置及运行费和公务接待费。",
        "8、机关运行经费:指为保障行政单位运行用于购买货物和服务的各项资金，单价在20万元以下的设备购置费5万元。",
        "十二、机关运行经费:指行政单位和参照公务员法管理的事业单位财政拨款基本支出中的公用经费支出。",
        "\t成本指标\t预算控制数\t预算控制数\t≤3500万元\t2024县级预算编制通知",
        "城乡居民基本医疗保险预算控制数≤3500万元。",
        "补助参保人数不低于37.29 万人。",
        "单价在 20 万元以上的设备 0 台(套)。",
        "出国(境)团组共0个，0人次。",
        "该项目2024年城乡居民人均筹资标准35.2元/人。",
        "年度救助对象人次规模与上年持平。",
        "我单位无其他需要说明的事项。本年度无此项收支。",
        "社会保障和就业支出年初预算369.25万元，支出决算364.58万元，较上年决算减少82.17万元。",
    ],
)
def test_unrelated_sentences_give_no_facts(text: str) -> None:
    assert facts_of(text) == []


def test_segment_line_at_points_at_each_wrapped_line() -> None:
    (segment,) = build_segments(to_lines("基本支出包括人员经费，\n\n公用经费100万元，\n其中人员经费50万元。"))
    text = segment.text
    assert [segment.line_at(text.index(s)) for s in ("基本", "公用", "其中")] == [1, 3, 4]
    assert segment.line_at(-5) == 1 and segment.line_at(10_000) == 4


def test_table_cells_kept_only_when_they_may_state_something() -> None:
    lines = to_lines("收入\t100万元\t持平\t2101202\t合计\n一、说明")
    kept = build_segments(lines, lambda t: "万元" in t or "持平" in t)
    assert [(s.text, s.cell) for s in kept] == [("100万元", True), ("持平", True), ("一、说明", False)]


_STATEMENT_ALPHABET = "持平相同一致等不变无增减变化没有未安排发生列支涉及原因是为主要由于因上年度与和比较，。；:三公经费 12"


@given(st.text(alphabet=_STATEMENT_ALPHABET, max_size=40))
def test_every_statement_has_a_hint_word(text: str) -> None:
    """A cell without STATEMENT_HINT_RE is skipped: that is safe only if every statement the
    readers look for contains one of its words."""
    from budgetlib.narrative import NONE_RE, REASON_RE, STATEMENT_HINT_RE, ZERO_CHANGE_RE

    if ZERO_CHANGE_RE.search(text) or NONE_RE.search(text) or REASON_RE.search(text):
        assert STATEMENT_HINT_RE.search(text)


# ---------------------------------------------------------------------------------------
# Phrasings of other counties (adversarial round 5): prior-year values, statements, reasons

BUDGET_TITLE = "元氏县医疗保障局2024年部门预算公开"
FINAL_TITLE = "元氏县医疗保障局2024年度部门决算公开"
PARTS = ("three_public_abroad", "three_public_vehicle_purchase", "three_public_vehicle_operation", "three_public_reception")


def indicators(text: str, title: str = BUDGET_TITLE) -> dict:
    from budgetlib.pipeline import process_bytes

    return process_bytes(f"{title}\n{text}\n".encode(), "doc.txt").indicators


# "上年预算数为10万元" after the “三公” clause is a prior-year value; "上年" was taken for the
# name of another item (NOISE_RE did not strip it) and the stated prior-year total was lost.
@pytest.mark.parametrize(
    "text",
    [
        "2024年“三公”经费预算8万元，上年预算数为10万元。",
        "2024年“三公”经费预算8万元，上年为10万元。",
    ],
    ids=["prev-budget-is", "prev-is"],
)
def test_unlabelled_prior_year_value_of_three_public(text: str) -> None:
    row = indicators(text)
    assert row["three_public_total"] == pytest.approx(8.0)
    assert row["three_public_prev_total"] == pytest.approx(10.0)


# Chinese-numeral years: COMPARE_RE knew only "\d{4}年", so "比二〇二三年减少2万元" was no
# change (and the prior-year total was blank).
def test_comparison_with_a_year_in_chinese_numerals() -> None:
    row = indicators("二〇二四年“三公”经费预算8万元，比二〇二三年减少2万元。")
    assert row["three_public_total"] == pytest.approx(8.0)
    assert row["three_public_prev_total"] == pytest.approx(10.0)
    assert row["three_public_change"] == pytest.approx(-2.0)


# An earlier year's “三公” figure in the sentence (in brackets after 较上年预算数, 2023年预算数为…,
# or the earlier year first) was taken for this year's total; it is the prior-year total.
@pytest.mark.parametrize(
    ("text", "total", "prev"),
    [
        ("2024年“三公”经费预算8万元，较上年预算数（10.5万元）减少2.5万元。", 8.0, 10.5),
        ("2024年“三公”经费预算数为8万元，2023年预算数为10.56万元。", 8.0, 10.56),
        ("2023年“三公”经费预算为10万元，2024年“三公”经费预算为8万元。", 8.0, 10.0),
        ("2023年“三公”经费决算数为10万元，2024年预算数为8万元，减少2万元。", 8.0, 10.0),
    ],
    ids=["prior-in-brackets", "earlier-year-after", "earlier-year-first", "earlier-final-first"],
)
def test_earlier_years_three_public_figure_is_not_this_years_total(text: str, total: float, prev: float) -> None:
    row = indicators(text)
    assert row["three_public_total"] == pytest.approx(total)
    assert row["three_public_prev_total"] == pytest.approx(prev)


# A later year's dates do not make this year's figures earlier ones: only years that date an
# amount count (用于2025年…), and a stock (上年末固定资产) keeps its reading.
def test_a_year_that_dates_no_amount_does_not_date_the_others() -> None:
    assert pairs("2024年“三公”经费预算8万元，用于2025年初的接待。") == {("three_public_total", 8.0)}
    assert pairs("截至2023年末固定资产12.23万元，2024年拟购置固定资产8.6万元。") == {
        ("fixed_assets_total", 12.23),
        ("fixed_assets_purchase", 8.6),
    }


# A 决算 sentence states the year's budget and the actual spending of an item; both were level
# readings and the first (the budget) won. A final-accounts document reports the 决算 figure.
@pytest.mark.parametrize(
    ("text", "field", "expected"),
    [
        (
            "2024年度“三公”经费财政拨款支出全年预算10万元，支出决算8万元，完成预算的80%，决算数小于预算数的主要原因是厉行节约。",
            "three_public_total",
            8.0,
        ),
        ("2024年度“三公”经费财政拨款支出预算为10万元，支出决算为8万元，完成预算的80%。", "three_public_total", 8.0),
        (
            "公务用车运行维护费全年预算6万元，支出决算5万元，决算数小于预算数的主要原因是厉行节约。",
            "three_public_vehicle_operation",
            5.0,
        ),
    ],
    ids=["total-full-year-budget", "total-budget-is", "operation-full-year-budget"],
)
def test_final_accounts_take_the_final_figure_not_the_budget(text: str, field: str, expected: float) -> None:
    row = indicators(text, FINAL_TITLE)
    assert row["doc_kind"] == "final"
    assert row[field] == pytest.approx(expected)


# The budget and the 决算 figure of one item in one sentence are marked as such (both kept);
# equal figures, or a 决算 figure of another item, mark nothing.
def test_budget_and_final_figures_of_one_item_are_marked() -> None:
    got = facts_of("“三公”经费全年预算10万元，支出决算8万元。")
    assert [(f.name, f.value, f.qualifier) for f in got] == [
        ("three_public_total", 10.0, "budget"),
        ("three_public_total", 8.0, "final"),
    ]
    assert {f.qualifier for f in facts_of("“三公”经费财政拨款支出全年预算0万元，支出决算0万元。")} == {""}


# "“三公”经费预算为0" / "为零" without a unit is an explicit 0, not "not disclosed".
@pytest.mark.parametrize("text", ["2024年“三公”经费预算为0。", "2024年“三公”经费预算为零。"], ids=["digit-zero", "chinese-zero"])
def test_three_public_stated_as_bare_zero(text: str) -> None:
    assert indicators(text)["three_public_total"] == 0.0


# Several levels' subsidies in one sentence: resident_subsidy is the county's matching, never
# the provincial / central / city share (which won the tie when listed first).
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "项目支出4256.5万元，包括城乡居民基本医疗保险省级补助资金项目650.5万元、城乡居民医疗保险县级财政补助资金项目3606万元。",
            3606.0,
        ),
        ("项目支出4256.5万元，包括城乡居民医保中央补助资金650.5万元、城乡居民医保县级配套3606万元。", 3606.0),
        ("城乡居民医保省级补助资金1000万元，县级配套资金500万元。", 500.0),
        ("城乡居民医保省级配套1000万元、市级配套500万元、县级配套300万元。", 300.0),
    ],
    ids=["province-then-county-project", "central-then-county", "province-then-county", "province-city-county"],
)
def test_resident_subsidy_is_the_county_matching_not_another_levels(text: str, expected: float) -> None:
    assert indicators(text)["resident_subsidy"] == pytest.approx(expected)


# 县级配套 names the residents' subsidy only in a sentence about 城乡居民医保 (not 养老保险).
def test_county_matching_needs_residents_medical_insurance() -> None:
    assert pairs("城乡居民基本养老保险县级配套资金500万元。") == set()
    assert pairs("县级配套资金500万元。") == set()


# 医疗救助 (medical assistance) is another scheme: its county matching (城乡居民医疗救助县级配套资金) is
# not the subsidy to the residents' insurance fund, whichever label would name it, and whether
# it comes before or after the insurance's own matching (it won the tie when listed first).
@pytest.mark.parametrize(
    "text",
    [
        "项目支出包括：城乡居民医疗救助县级配套资金34万元、城乡居民基本医疗保险县级配套资金3500万元。",
        "城乡居民医保县级配套资金3500万元、医疗救助县级配套资金34万元。",
        "城乡居民医保县级配套资金3500万元，城乡居民医疗救助县级配套资金34万元。",
    ],
    ids=["assistance-first", "assistance-after-county-label", "assistance-after-residents-label"],
)
def test_medical_assistance_matching_is_not_the_resident_insurance_subsidy(text: str) -> None:
    assert ("resident_subsidy", 34.0) not in pairs(text)
    assert indicators(text)["resident_subsidy"] == pytest.approx(3500.0)


# A flow of an earlier year (the subsidy of 2023 in a 2024 document) is not this year's: it was
# read as this year's subsidy, and the first reading won. Without a prior-year fact name for
# the item, an earlier year's figure gives nothing.
def test_prior_year_subsidy_is_not_this_years_subsidy() -> None:
    text = "2023年城乡居民医保县级配套资金4000万元。2024年城乡居民医保县级配套资金4200万元。"
    assert indicators(text)["resident_subsidy"] == pytest.approx(4200.0)
    assert indicators("2023年城乡居民医保县级配套资金4000万元。")["resident_subsidy"] is None
    assert indicators("2023年机关运行经费12万元，2024年机关运行经费10万元。")["org_running_cost"] == pytest.approx(10.0)


# 城乡居民 counted in the breakdown of all the insured (其中城乡居民…，职工…) are the insured residents.
@pytest.mark.parametrize(
    "text",
    [
        "截至2023年末，全县基本医疗保险参保人数26.76万人，其中城乡居民23.56万人，职工3.2万人。",
        "截至2023年末，全县基本医疗保险参保人数26.76万人，其中职工3.2万人，城乡居民23.56万人。",
    ],
    ids=["residents-first", "employees-first"],
)
def test_insured_residents_in_the_breakdown_of_all_insured(text: str) -> None:
    assert indicators(text)["insured_residents"] == 235600


# A count of 城乡居民 is the insured residents only in a sentence about 参保.
def test_residents_count_needs_insurance_in_the_sentence() -> None:
    assert pairs("全县常住人口30万人，其中城乡居民23.56万人。") == set()


# "上年无“三公”经费预算" is about the prior year only: it set this year's four parts to 0, and
# they no longer added up to the stated total. This year's parts stay blank.
@pytest.mark.parametrize(
    "text",
    [
        "2024年“三公”经费预算2万元，较上年增加2万元。上年无“三公”经费预算。",
        "2024年“三公”经费预算2万元，较上年增加2万元，主要原因是上年无“三公”经费预算，本年新增公务接待费。",
    ],
    ids=["own-sentence", "in-reason"],
)
def test_prior_year_none_statement_does_not_zero_this_years_parts(text: str) -> None:
    row = indicators(text)
    assert row["three_public_total"] == pytest.approx(2.0)
    assert row["three_public_prev_total"] == pytest.approx(0.0)
    assert {p: row[p] for p in PARTS} == {p: None for p in PARTS}


# ---------------------------------------------------------------------------------------
# “三公”: the stated reason


# (was) The reason in the sentence after the change (the commonest layout: "…下降23.8%。主要原因是…。")
# is dropped: narrative._read_sentence only looks for REASON_RE in the sentence that holds
# the change. Correct: three_public_change_reason = that reason. (The percentage is correctly
# not read as money.)
@pytest.mark.parametrize(
    "text",
    [
        "2024年“三公”经费预算数为8.06万元，比2023年预算数减少2.5万元，下降23.8%。主要原因是严格落实过紧日子要求。",
        "2024年度“三公”经费财政拨款支出决算8万元，较上年决算数增加2万元，增长33.33%。主要原因是严格落实过紧日子要求。",
    ],
    ids=["budget", "final"],
)
def test_reason_in_the_next_sentence(text: str) -> None:
    row = indicators(text)
    assert row["three_public_change"] is not None
    assert row["three_public_change_reason"] is not None
    assert "严格落实过紧日子要求" in row["three_public_change_reason"]


# (was) A reason listed as 一是…；二是… is cut at the first "；" (REASON_RE is "[^。；]*"), so the
# indicator keeps half of the stated reason. Correct: both parts.
def test_reason_listed_over_clauses_is_kept_whole() -> None:
    row = indicators(
        "2024年“三公”经费预算8万元，较上年减少2万元，主要原因是：一是落实过紧日子要求；二是公车改革后车辆减少。"
    )
    reason = row["three_public_change_reason"] or ""
    assert "落实过紧日子要求" in reason and "公车改革后车辆减少" in reason


# (was) 资助参保 (people whose contribution the government pays: 特困、低保 …) is a small subgroup,
# not the number of insured residents. The `参保` label accepts it because the sentence
# contains 居民, so insured_residents = 21000 and the yuan per insured resident is ~11×
# too high (571 元 against a 670 元 national standard). Correct: blank (the document does
# not state the insured residents).
def test_subsidised_enrolment_is_not_insured_residents() -> None:
    row = indicators("2024年资助城乡居民参保2.1万人。2024年城乡居民基本医疗保险县级配套资金1200万元。")
    assert row["resident_subsidy"] == pytest.approx(1200.0)
    assert row["insured_residents"] is None
    assert row["resident_subsidy_per_capita_yuan"] is None

