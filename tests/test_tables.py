"""Unit tests for budgetlib.tables, on small inline tables and on the real samples."""

from __future__ import annotations

from pathlib import Path

import pytest

from budgetlib.checks import Doc, audit_document
from budgetlib.numbers import parse_amount
from budgetlib.pipeline import DocumentResult, process_bytes
from budgetlib.read import load_lines, to_lines, to_rows
from budgetlib.tables import (
    MAX_WRAPPED_LINES,
    detect_unit,
    find_tables,
    line_items,
    match_title,
    table_specs,
)

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _tables(text: str):
    return find_tables(to_rows(to_lines(text)))


def _items(text: str, doc_kind: str = "budget"):
    return [i for t in _tables(text) for i in line_items(t, doc_kind)]


PAGED = """部门预算支出总表
473 某县医疗保障局
单位：万元
序号\t功能分类科目\t\t合计\t基本支出\t项目支出
\t科目编码\t科目名称\t\t\t
栏次\t1\t2\t3\t4\t5
1\t\t合计\t5350.22 78\t467.515\t4882.71 28
2\t2101\t信息
473 某县医疗保障局
单位：万元
序号\t功能分类科目\t\t合计\t基本支出\t项目支出
\t科目编码\t科目名称\t\t\t
栏次\t1\t2\t3\t4\t5
\t504\t化建设\t\t\t
3\t2101 202\t财政对城乡居民基本医疗保\t4718.71 28\t\t4718.71 28
\t\t险基金的补助\t\t\t
"""


def test_page_headers_repeated_headers_and_wrapped_rows() -> None:
    items = _items(PAGED)
    rows = {(i.code, i.row_label, i.measure): i.value_wan for i in items}
    assert rows[(None, "合计", "total")] == pytest.approx(5350.2278)
    assert rows[(None, "合计", "project")] == pytest.approx(4882.7128)
    assert rows[("2101202", "财政对城乡居民基本医疗保险基金的补助", "project")] == pytest.approx(4718.7128)
    # the code split across the page break is joined back, with its wrapped name
    tables = _tables(PAGED)
    assert len(tables) == 1
    labels = {i.row_label for i in items}
    assert "合计" in labels


def test_split_code_across_page_break_is_joined() -> None:
    text = PAGED.replace("2\t2101\t信息\n", "2\t2101\t信息\t6.00\t\t6.00\n")
    items = _items(text)
    assert any(i.code == "2101504" and i.row_label == "信息化建设" for i in items)


def test_unit_in_yuan_converts_to_wan_and_keeps_original() -> None:
    text = "表5\n一般公共预算支出明细表（按支出功能分类科目）\n单位：元\n功能科目编码\t功能科目名称\t合计\t人员经费支出\n\t合计\t2368819\t2137019\n"
    items = _items(text)
    total = next(i for i in items if i.measure == "total")
    assert total.value == 2368819 and total.value_wan == pytest.approx(236.8819)
    assert total.unit == "元" and total.value_original == "2368819"
    assert next(i for i in items if i.measure == "personnel").value_wan == pytest.approx(213.7019)


def test_side_by_side_blocks() -> None:
    text = "收入支出决算总表\n金额单位：万元\n收入\t\t\t支出\t\t\n项目\t行次\t金额\t项目\t行次\t金额\n本年收入合计\t27\t392.51\t本年支出合计\t58\t392.50\n"
    items = _items(text, "final")
    assert {(i.block, i.row_key, i.value_wan) for i in items} == {(0, "本年收入合计", 392.51), (1, "本年支出合计", 392.50)}


def test_one_cell_per_line_key_value_table() -> None:
    text = "某单位固定资产占用情况表\n\n\t项目\n\t数量\n\t价值（金额单位：万元）\n\n\t资产总额\n\t226\n\t12.23\n\n\t2、车辆（台、辆）\n\t2\n\t23.35\n\n"
    items = _items(text)
    got = {(i.row_key, i.measure): (i.value, i.value_wan) for i in items}
    assert got[("资产总额", "total")] == (12.23, 12.23)
    assert got[("车辆(台、辆)", "quantity")] == (2.0, None)  # a count is not money


def test_continued_table_with_repeated_title_is_stitched() -> None:
    part = "表7\n一般公共预算基本支出明细表（按支出功能分类科目）\n单位：元\n功能科目编码\t功能科目名称\t合计\n"
    text = part + "221\t住房保障支出\t182017\n" + part + "2210201\t住房公积金\t182017\n"
    tables = _tables(text)
    assert len(tables) == 1 and tables[0].continued == 1
    assert [i.code for i in line_items(tables[0])] == ["221", "2210201"]


@pytest.mark.parametrize(
    "text",
    ["部门预算收支总表.....\t2", "一、收入支出决算总表\t6", "收支预算总表支出栏、基本支出表、项目支出表按经济分类编制，反映单位预算。"],
)
def test_table_of_contents_and_sentences_are_not_titles(text: str) -> None:
    assert match_title(to_rows(to_lines(text))[0]) is None


@pytest.mark.parametrize(
    ("title", "table_id"),
    [
        ("部门收支总表", "summary"),
        ("部门预算财政拨款收支总表", "fiscal_summary"),
        ("财政拨款收入支出决算总表", "fiscal_summary"),
        ("收入决算表", "revenue"),
        ("部门预算一般公共预算财政拨款基本支出表", "gpb_basic"),
        ("一般公共预算财政拨款基本支出决算明细表", "gpb_basic"),
        ("部门综合预算一般公共预算支出明细表（按支出经济分类科目）", "gpb_expenditure_econ"),
        ("财政拨款“三公”经费支出决算表", "three_public"),
        ("部门综合预算一般公共预算拨款“三公”经费及会议费、培训费支出预算表", "three_public"),
        ("政府性基金预算财政拨款收入支出决算表", "gov_fund"),
        ("国有资本经营预算财政拨款支出决算表", "state_capital"),
        ("部门决算公开相关信息统计表", "final_info"),
        ("11、城乡居民基本医疗保险绩效目标表", "performance"),
    ],
)
def test_titles_and_aliases(title: str, table_id: str) -> None:
    assert match_title(to_rows(to_lines(title))[0]) == table_id
    assert table_id in table_specs()


def _sample_items(name: str, kind: str):
    lines, _ = load_lines((RAW / name).read_bytes())
    return [i for t in find_tables(to_rows(lines)) for i in line_items(t, kind)]


def test_golden_yuanshi_function_codes() -> None:
    items = _sample_items("yuanshi_2023_budget.txt", "budget")
    subsidy = [i for i in items if i.code == "2101202" and i.measure == "total"]
    assert {i.table_id for i in subsidy} >= {"revenue", "expenditure", "gpb_expenditure"}
    assert all(i.value_wan == pytest.approx(4718.7128) for i in subsidy)
    # the code split over a page break (2101 / 504) is read as 2101504 信息化建设
    assert any(i.code == "2101504" and i.row_key == "信息化建设" for i in items if i.table_id == "revenue")


def test_golden_lanxian_side_by_side_basic_table() -> None:
    items = _sample_items("lanxian_2024_final.txt", "final")
    basic = {(i.code, i.value_wan) for i in items if i.table_id == "gpb_basic"}
    assert ("301", 342.90) in basic and ("302", 18.92) in basic and ("30201", 1.55) in basic


def test_golden_xixiang_tables_in_yuan() -> None:
    items = _sample_items("xixiang_2024_budget.txt", "budget")
    basic_total = [i for i in items if i.table_id == "gpb_basic_func" and i.row_key == "合计" and i.measure == "total"]
    assert basic_total and basic_total[0].value_wan == pytest.approx(228.8819)
    assert basic_total[0].unit == "元"


@pytest.mark.parametrize(("line", "unit"), [
    ("单位：人民币元", "元"), ("单位：人民币万元", "万元"), ("金额单位：百万元", "百万元"), ("单位：圆", "元"),
    ("(人民币万元)", "万元"), ("单位:千元", "千元"), ("单位：亿元", "亿元"),
    ("合计（千元）", "千元"), ("合计(亿元)", "亿元"), ("合计（百万元）", "百万元"), ("金额单位：万元人民币", "万元"),
    # the name of the unit that publishes (编制单位：元氏县…) is not a money unit
    ("编制单位：元氏县医疗保障局\t\t单位：万元", "万元"), ("填报单位：元阳县医疗保障局     金额单位：万元", "万元"),
    ("编制单位：元氏县医疗保障局", None), ("填报单位:元江县财政局", None), ("单位：元", "元"), ("单位：元）", "元"),
])
def test_money_units_as_written(line: str, unit: str | None) -> None:
    """A unit read wrongly scales every figure of its table (元 taken for 万元 is 10,000× too large)."""
    assert detect_unit(line) == unit


def test_a_table_in_renminbi_yuan_is_converted(tmp_path: Path) -> None:
    text = ("某县医疗保障局2024年部门预算\n部门预算支出总表\n单位：人民币元\n科目编码\t科目名称\t合计\n\t合计\t1234500\n"
            "部门预算财政拨款“三公”经费支出表\n单位：百万元\n序号\t项目\t合计\n1\t合计\t0.0806\n")
    result = process_bytes(text.encode(), "t.txt")
    values = {(i["table_id"], i["unit"]): i["value_wan"] for i in result.line_items}
    assert values[("expenditure", "元")] == pytest.approx(123.45) and values[("three_public", "百万元")] == pytest.approx(8.06)


def test_a_wrapped_name_takes_at_most_a_few_lines() -> None:
    """A name wraps over a few lines; thousands of short lines after a row are not all its name
    (merging them all cost time and memory growing with the square of their number)."""
    text = "部门预算支出总表\n单位：万元\n科目编码\t科目名称\t合计\n210\t卫生健康支出\t5.00\n" + "\t段\t\n" * 50 + "211\t节能环保支出\t1.00\n"
    found = find_tables(to_rows(to_lines(text)))
    items = [i for t in found for i in line_items(t)]
    labels = [i.row_label for i in items]
    assert labels == ["卫生健康支出" + "段" * MAX_WRAPPED_LINES, "节能环保支出"]
    assert [i.value for i in items] == [5.0, 1.0]


@pytest.mark.parametrize("row", ["部门预算支出总表\t\t单位：元", "表3\t部门预算支出总表", "部门预算支出总表\t公开03表",
                                 "附表1\t部门预算支出总表\t单位:元", "部门预算支出总表\t2024年\t单位：元"])
def test_a_title_sharing_its_row_with_its_number_or_unit(row: str) -> None:
    """A title beside its table number (表3, 公开03表) or its unit is still the title (the
    table was lost), and a unit beside it is the table's."""
    text = "某县医疗保障局2024年部门预算\n" + row + ("\n" if "单位" in row else "\n单位：元\n") + "科目编码\t科目名称\t合计\n\t合计\t1234500\n"
    assert [t.table_id for t in find_tables(to_rows(to_lines(text)))] == ["expenditure"]
    result = process_bytes(text.encode(), "t.txt")
    assert [(i["unit"], i["value_wan"]) for i in result.line_items] == [("元", pytest.approx(123.45))]


@pytest.mark.parametrize("row", ["部门预算支出总表\t123.45", "部门预算支出总表\t收入总表", "合计\t部门预算支出总表\t5.00"])
def test_a_title_beside_a_figure_or_another_name_is_not_a_title(row: str) -> None:
    assert match_title(to_rows(to_lines(row))[0]) is None


def test_code_parts_in_columns_without_a_header_are_joined_not_read_as_figures() -> None:
    """A code printed over 类 | 款 | 项 columns whose 类/款/项 header shares its line with the 合计
    row (as a PDF of the Shanghai 普陀 final accounts gives it): the 款 and 项 parts (06, 01) were
    read as figures of 6 and 1 万元, and the row's real figures lost their code."""
    text = (
        "支出决算表\n单位:万元\n"
        "项目\t\t\t\t本年支出合计\t基本支出\t项目支出\n"
        "支出功能分类\t\t\t科目名称\t\t\t\n"
        "科目编码\t\t\t\t\t\t\n"
        "类\t款\t项\t合计\t2,106.66\t1,503.52\t603.14\n"
        "201\t\t\t一般公共服务支出\t2,106.66\t1,503.52\t603.14\n"
        "201\t06\t\t财政事务\t2,106.66\t1,503.52\t603.14\n"
        "201\t06\t01\t行政运行\t1,511.89\t1,503.52\t8.37\n"
        "201\t06\t99\t其他财政事务支出\t594.77\t\t594.77\n"
    )
    items = _items(text, "final")
    assert {i.value_original for i in items} == {"2,106.66", "1,503.52", "603.14", "1,511.89", "8.37", "594.77"}
    assert {(i.row_label, i.code) for i in items} == {
        ("合计", None), ("一般公共服务支出", "201"), ("财政事务", "20106"), ("行政运行", "2010601"), ("其他财政事务支出", "2010699")}


# ---------------------------------------------------------------------------------------
# Realistic variants of real tables (adversarial round 4): titles, page breaks, codes, dashes,
# percentages, year columns, △, units printed before a title

ADV_HEAD = "某县医疗保障局2024年部门预算信息公开\n"

# a consistent expenditure table (every total adds up)
ADV_BODY = """科目编码\t科目名称\t合计\t基本支出\t项目支出
\t合计\t135.46\t35.46\t100.00
210\t卫生健康支出\t135.46\t35.46\t100.00
21011\t行政事业单位医疗\t35.46\t35.46\t
2101101\t行政单位医疗\t6.35\t6.35\t
2101102\t事业单位医疗\t29.11\t29.11\t
21012\t财政对基本医疗保险基金的补助\t100.00\t\t100.00
2101202\t财政对城乡居民基本医疗保险基金的补助\t100.00\t\t100.00
"""


def _adv_run(text: str) -> DocumentResult:
    return process_bytes(text.encode("utf-8"), "t.txt")


def _adv_errors(result: DocumentResult) -> list[tuple[str, str | None, str | None]]:
    d = result.document
    doc = Doc(str(d["doc_id"]), str(d["source_file"]), d["doc_kind"], d["province"], result.line_items,  # type: ignore[arg-type]
              result.facts, result.tables, result.indicator_sources, result.indicators)
    return [(f.rule_id, f.table_ref, f.row_ref) for f in audit_document(doc) if f.severity == "error"]


# ---------------------------------------------------------------------------------------
# (was) tables.find_tables: a table's unit printed on the line just before its title (the page's
# header line “公开03表  单位：元”, above the title) is only used when no table is open. After
# another table (which already has its own unit, 万元), it is dropped and the 元 table is read
# in 万元: every figure is 10,000 times too large (1,354,600 万元), with no finding.
def test_unit_line_before_the_title_after_another_table() -> None:
    text = ADV_HEAD + """部门收入总表
单位：万元
科目编码\t科目名称\t合计\t财政拨款
\t合计\t135.46\t135.46
210\t卫生健康支出\t135.46\t135.46
公开03表\t\t单位：元
部门预算支出总表
科目编码\t科目名称\t合计\t基本支出\t项目支出
\t合计\t1354600.00\t354600.00\t1000000.00
210\t卫生健康支出\t1354600.00\t354600.00\t1000000.00
"""
    result = _adv_run(text)
    units = {t["table_id"]: t["table_unit"] for t in result.tables}
    assert units == {"revenue": "万元", "expenditure": "元"}
    total = next(i for i in result.line_items if i["table_id"] == "expenditure" and i["row_key"] == "合计" and i["measure"] == "total")
    assert total["value_wan"] == pytest.approx(135.46)


def test_a_units_own_line_under_its_title_wins_over_a_unit_line_above_it() -> None:
    text = ADV_HEAD + """部门收入总表
单位：万元
科目编码\t科目名称\t合计\t财政拨款
\t合计\t135.46\t135.46
单位：万元
部门预算支出总表
单位：元
科目编码\t科目名称\t合计\t基本支出\t项目支出
\t合计\t1354600.00\t354600.00\t1000000.00
"""
    result = _adv_run(text)
    assert {t["table_id"]: t["table_unit"] for t in result.tables} == {"revenue": "万元", "expenditure": "元"}
# (was) tables._columns / reference/columns.csv: percentage and ratio columns (增减%, 增长率,
# 比上年增长(%), 占比(%), 决算数为调整预算数的%) are read as money: unit 万元 and value_wan =
# the percentage (−20 % becomes −20 万元). A share column is even audited as money: the code
# hierarchy reports “210 卫生健康支出（占比(%)）为10万元” — a false error. A percentage is not an
# amount in 万元 (value_wan must be blank, the unit not 万元) and is not summed by the audit.
@pytest.mark.parametrize("header", ["增减%", "增长率", "比上年增长(%)", "占比(%)", "决算数为调整预算数的%"])
def test_percentage_columns_are_not_money(header: str) -> None:
    text = ADV_HEAD + f"""部门预算支出总表
单位：万元
科目编码\t科目名称\t合计\t{header}
\t合计\t135.46\t10.00
210\t卫生健康支出\t135.46\t10.00
21011\t行政事业单位医疗\t35.46\t10.00
2101101\t行政单位医疗\t35.46\t5.00
21012\t财政对基本医疗保险基金的补助\t100.00\t10.00
2101202\t财政对城乡居民基本医疗保险基金的补助\t100.00\t10.00
"""
    result = _adv_run(text)
    pct = [i for i in result.line_items if i["column_header"] == header]
    assert pct and all(i["value_wan"] is None and i["unit"] != "万元" for i in pct)
    assert _adv_errors(result) == []
# (was) tables._period / reference/periods.csv: columns headed with explicit years
# (2023年预算数 | 2024年预算数) are all period “current” in a 2024 document: the 2023 figure is
# taken for this year's (三公 total 10.00 instead of 8.00; revenue_total 150 instead of 135.46),
# and the 收支总表 gets false summary_sums errors (its two year columns summed together).
# A column of an earlier year than the document's is the prior year's.
def test_explicit_year_columns_three_public() -> None:
    text = ADV_HEAD + """部门预算财政拨款“三公”经费支出表
单位：万元
项目\t2023年预算数\t2024年预算数\t增减额
合计\t10.00\t8.00\t-2.00
因公出国（境）费\t0.00\t0.00\t0.00
公务接待费\t4.00\t3.00\t-1.00
公务用车购置及运行维护费\t6.00\t5.00\t-1.00
其中：公务用车购置费\t0.00\t0.00\t0.00
公务用车运行维护费\t6.00\t5.00\t-1.00
"""
    result = _adv_run(text)
    assert result.indicators.get("three_public_total") == pytest.approx(8.0)
    assert result.indicators.get("three_public_reception") == pytest.approx(3.0)
    prior = [i for i in result.line_items if i["column_header"] == "2023年预算数"]
    assert prior and all(i["period"] == "prior" for i in prior)


def test_explicit_year_columns_summary() -> None:
    text = ADV_HEAD + """部门收支总表
单位：万元
收入\t\t\t支出\t\t
项目\t2023年预算数\t2024年预算数\t项目\t2023年预算数\t2024年预算数
一、一般公共预算拨款收入\t150.00\t135.46\t一、卫生健康支出\t150.00\t135.46
本年收入合计\t150.00\t135.46\t本年支出合计\t150.00\t135.46
收入总计\t150.00\t135.46\t支出总计\t150.00\t135.46
"""
    result = _adv_run(text)
    assert result.indicators.get("revenue_total") == pytest.approx(135.46)
    assert result.indicators.get("expenditure_total") == pytest.approx(135.46)
    assert _adv_errors(result) == []
# (was) tables.match_title / title_key (_TITLE_PREFIX, reference/table_aliases.csv):
# common ways a title line is printed make the WHOLE table disappear (no table, no line
# item, no finding): the unit inside the title cell (“表一 收支总表（单位：元）”, listed in the
# brief), the table number in Chinese numerals or followed by a colon (表三 …, 表3：…), or the
# unit's name before the title (某县医疗保障局2024年部门预算支出总表). Each must be read as the
# 支出总表, and a unit inside the title must be the table's unit.
@pytest.mark.parametrize(("title", "unit", "scale"), [
    ("表三 部门预算支出总表（单位：元）", "元", 10000),
    ("部门预算支出总表（单位：万元）", "万元", 1),
    ("部门预算支出总表（万元）", "万元", 1),
    ("表三 部门预算支出总表\n单位：万元", "万元", 1),
    ("表3：部门预算支出总表\n单位：万元", "万元", 1),
    ("某县医疗保障局2024年部门预算支出总表\n单位：万元", "万元", 1),
])
def test_title_line_variants_do_not_lose_the_table(title: str, unit: str, scale: int) -> None:
    body = ADV_BODY if scale == 1 else ADV_BODY.replace("135.46", "1354600.00").replace("35.46", "354600.00") \
        .replace("100.00", "1000000.00").replace("6.35", "63500.00").replace("29.11", "291100.00")
    result = _adv_run(ADV_HEAD + title + "\n" + body)
    assert [t["table_id"] for t in result.tables] == ["expenditure"]
    total = [i for i in result.line_items if i["row_key"] == "合计" and i["measure"] == "total"]
    assert [(i["unit"], i["value_wan"]) for i in total] == [(unit, pytest.approx(135.46))]


# (was) tables.find_tables / _other_table_title: the title repeated on the next page with
# “（续）” / “（续表）” (部门预算支出总表（续）) is taken for the title of some other table, which
# ends the table: the rows of the second page are lost (2101102, 2101202 …), the resident
# subsidy indicator is blank, and the audit reports false code_hierarchy errors. A continued
# title must continue the table (like the plain repeated title already does).
@pytest.mark.parametrize("continued", ["部门预算支出总表（续）", "部门预算支出总表（续表）"])
def test_continued_title_with_xu_continues_the_table(continued: str) -> None:
    lines = ADV_BODY.splitlines()
    split = "\n".join(lines[:5]) + "\n" + continued + "\n单位：万元\n" + lines[0] + "\n" + "\n".join(lines[5:]) + "\n"
    result = _adv_run(ADV_HEAD + "部门预算支出总表\n单位：万元\n" + split)
    assert {"2101102", "2101202"} <= {i["code"] for i in result.line_items}
    assert result.indicators.get("resident_subsidy") == pytest.approx(100.0)
    assert _adv_errors(result) == []


# (was) tables._merge_continuations / _is_continuation: a page-number line between the two pages
# of a table (第 3 页, - 3 -, a bare 3) is taken for the wrapped rest of the last row's code
# (“2101101第 3 页”), so that row loses its code (code None) and the audit reports a false
# code_hierarchy error (21011 ≠ its 项). A page number is no part of a row: the code must stay
# 2101101 and the consistent document must have no error.
@pytest.mark.parametrize("page_line", ["第 3 页", "- 3 -", "第3页 共5页", "3"])
def test_page_number_line_between_pages_is_not_part_of_a_row(page_line: str) -> None:
    lines = ADV_BODY.splitlines()
    split = "\n".join(lines[:5]) + "\n" + page_line + "\n" + lines[0] + "\n" + "\n".join(lines[5:]) + "\n"
    result = _adv_run(ADV_HEAD + "部门预算支出总表\n单位：万元\n" + split)
    codes = {i["code"] for i in result.line_items}
    assert "2101101" in codes
    assert _adv_errors(result) == []


# (was) tables._row_label / numbers.parse_code: a code and its name in ONE cell
# (“2101202 财政对城乡居民基本医疗保险基金的补助”, 科目编码及名称 column) gives code None: the
# resident subsidy (read by code 2101202) is blank and the code hierarchy is not audited at all.
# The code must be split off the name.
def test_code_and_name_in_one_cell() -> None:
    out = []
    for line in ADV_BODY.splitlines():
        cells = line.split("\t")
        if line.startswith("科目编码"):
            out.append("\t".join(["科目编码及名称", *cells[2:]]))
        elif cells[0]:
            out.append("\t".join([cells[0] + " " + cells[1], *cells[2:]]))
        else:
            out.append("\t".join(cells[1:]))
    result = _adv_run(ADV_HEAD + "部门预算支出总表\n单位：万元\n" + "\n".join(out) + "\n")
    item = next(i for i in result.line_items if i["row_label"].endswith("财政对城乡居民基本医疗保险基金的补助"))
    assert item["code"] == "2101202"
    assert result.indicators.get("resident_subsidy") == pytest.approx(100.0)


# (was) tables._role_from_data: a zero written as a dash (-, —, －, /) counts as TEXT when the
# column's role is guessed from its cells. A value column whose header names no known measure
# and whose cells are dashes becomes a label column and starts a new side-by-side block:
# (a) in a revenue table (… | 用事业基金弥补收支差额 | 其他收入) every 其他收入 figure gets the
#     row label “-” and no code;
# (b) in a one-row 三公 table (合计 | 因公出国(境)费 | … with “—” for nothing) the table falls
#     apart and every “三公” indicator is blank, although 0.00 in the same cells reads fine.
# A dash is an empty figure, never a label.
def test_dash_column_does_not_become_a_label_column() -> None:
    text = ADV_HEAD + """部门收入总表
单位：万元
科目编码\t科目名称\t合计\t财政拨款\t用事业基金弥补收支差额\t其他收入
\t合计\t135.46\t135.46\t-\t0.00
210\t卫生健康支出\t135.46\t135.46\t-\t0.00
21012\t财政对基本医疗保险基金的补助\t135.46\t135.46\t-\t0.00
2101202\t财政对城乡居民基本医疗保险基金的补助\t135.46\t135.46\t-\t0.00
"""
    other = [i for i in _adv_run(text).line_items if i["column_header"] == "其他收入"]
    assert [i["row_label"] for i in other] == ["合计", "卫生健康支出", "财政对基本医疗保险基金的补助", "财政对城乡居民基本医疗保险基金的补助"]
    assert [i["code"] for i in other] == [None, "210", "21012", "2101202"]


@pytest.mark.parametrize("dash", ["—", "-", "－", "/"])
def test_dash_zeros_in_a_one_row_three_public_table(dash: str) -> None:
    text = ADV_HEAD + f"""部门预算财政拨款“三公”经费支出表
单位：万元
合计\t因公出国（境）费\t公务用车购置及运行维护费\t\t\t公务接待费
\t\t小计\t公务用车购置费\t公务用车运行维护费\t
8.00\t{dash}\t5.00\t{dash}\t5.00\t3.00
"""
    ind = _adv_run(text).indicators
    assert ind.get("three_public_total") == pytest.approx(8.0)
    assert ind.get("three_public_vehicle_operation") == pytest.approx(5.0)
    assert ind.get("three_public_reception") == pytest.approx(3.0)




def test_scores_of_a_performance_evaluation_are_not_money() -> None:
    text = ADV_HEAD + "部门整体支出绩效自评表\n单位：万元\n指标\t年度指标值\t分值\t得分\n产出指标\t100%\t20\t19.5\n总分\t\t100\t97.9\n"
    items = [i for i in _adv_run(text).line_items if i["column_header"] in ("分值", "得分")]
    assert items and all(i["value_wan"] is None and i["unit"] == "分" for i in items)
# (was) numbers.parse_amount (and checks.check_unreadable_figures): △ marks a negative figure
# in Chinese fiscal tables (△2.00 = −2.00). It is read as None and, unlike other unreadable
# figures, not even reported (△ is not in _FIGURE_LIKE): the decrease is silently lost.
def test_triangle_marks_a_negative_figure() -> None:
    assert parse_amount("△2.00") == pytest.approx(-2.0)
    text = ADV_HEAD + """部门预算财政拨款“三公”经费支出表
单位：万元
项目\t上年预算数\t本年预算数\t增减金额
合计\t10.00\t8.00\t△2.00
因公出国（境）费\t0.00\t0.00\t0.00
公务接待费\t4.00\t3.00\t△1.00
公务用车购置及运行维护费\t6.00\t5.00\t△1.00
其中：公务用车购置费\t0.00\t0.00\t0.00
公务用车运行维护费\t6.00\t5.00\t△1.00
"""
    change = {i["row_key"]: i["value_wan"] for i in _adv_run(text).line_items if i["period"] == "change"}
    assert change["合计"] == pytest.approx(-2.0) and change["公务接待费"] == pytest.approx(-1.0)




_SENTENCE = "本表反映部门本年度收入预算情况，本部门没有其他收入来源，所有收入均为财政拨款收入，本年度无结转结余资金，特此说明。"
_SPLIT = [["某县医疗保障局2024年部门预算"], ["部门收入总表"], ["单位：万元"], ["项目", "合计", "财政拨款"],
          ["合计", "100.00", "100.00"], ["卫生健康支出", "100.00", "100.00"], [_SENTENCE], ["项目", "金额", "备注"],
          ["培训费", "20.00", "无"]]


def _split_xlsx(merged: bool) -> bytes:
    import io

    import openpyxl

    book = openpyxl.Workbook()
    for number, row in enumerate(_SPLIT, start=1):
        for column, value in enumerate(row, start=1):
            book.active.cell(number, column, value)
        if merged and len(row) == 1:
            book.active.merge_cells(start_row=number, start_column=1, end_row=number, end_column=3)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _split_docx() -> bytes:
    import io

    import docx

    document = docx.Document()
    for row in _SPLIT[:3]:
        document.add_paragraph(row[0])
    table = document.add_table(rows=0, cols=3)
    for row in _SPLIT[3:]:
        cells = table.add_row().cells
        if len(row) == 1:  # one cell across the table (w:gridSpan)
            cells[0].merge(cells[2]).text = row[0]
        for cell, value in zip(cells, row if len(row) > 1 else [], strict=False):
            cell.text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _split_html() -> bytes:
    cells = ("<td colspan=3>{}</td>".format(*r) if len(r) == 1 else "".join(f"<td>{c}</td>" for c in r) for r in _SPLIT)
    return ("<html><body><table>" + "".join(f"<tr>{c}</tr>\n" for c in cells) + "</table></body></html>").encode()


# a sentence in a row of its own inside a table ends it in every format, as a line of text does
@pytest.mark.parametrize("build", [lambda: "\n".join("\t".join(r) for r in _SPLIT).encode(), lambda: _split_xlsx(False),
                                   lambda: _split_xlsx(True), _split_docx, _split_html],
                         ids=["text", "xlsx", "xlsx-merged", "docx-gridspan", "html-colspan"])
def test_a_sentence_in_a_row_of_its_own_ends_the_table(build) -> None:  # type: ignore[no-untyped-def]
    figures = {(i["table_id"], i["row_label"], i["value_wan"]) for i in process_bytes(build(), "doc").line_items}
    assert figures == {("revenue", "合计", 100.0), ("revenue", "卫生健康支出", 100.0)}


# a row of cells ends the table only when its one text, in its first cell, is a sentence: a
# heading, a key: value line, a note, a unit line or a short text divides or belongs to the table
@pytest.mark.parametrize(("row", "ends"), [
    (_SENTENCE + "\t\t", True), ("本表无数据，本部门本年度没有政府性基金预算财政拨款收入和支出。\t", True),
    ("一、政府采购情况\t\t", False), ("项目名称：城乡居民基本医疗保险县级配套资金项目\t\t", False), ("单位：万元\t\t", False),
    ("注：本表反映部门本年度收入预算情况，本部门没有其他收入来源，所有收入均为财政拨款收入。\t\t", False),
    ("\t" + _SENTENCE + "\t", False), (_SENTENCE + "\t\t20.00", False),
], ids=["sentence", "short-sentence", "heading", "key-value", "unit", "note", "not-first-cell", "with-figure"])
def test_only_a_sentence_in_a_row_of_cells_ends_the_table(row: str, ends: bool) -> None:
    text = "部门收入总表\n单位：万元\n项目\t合计\t财政拨款\n合计\t100.00\t100.00\n" + row + "\n培训费\t20.00\t20.00\n"
    (table,) = _tables(text)
    assert any(r.cells[0] == "培训费" for r in table.rows) is not ends


def test_a_plain_contents_entry_is_no_table() -> None:
    """A 目录 entry without dot leaders or page numbers, followed by more of the contents, is no
    (empty) table: the table is missing, and the audit says so."""
    lines = (RAW / "yuanshi_2023_budget.txt").read_text(encoding="utf-8").split("\n")
    lines = [line.split(".....")[0] if i < 30 else line for i, line in enumerate(lines)]
    start = lines.index("部门预算财政拨款“三公”经费支出表", 100)
    end = next(i for i in range(start, len(lines)) if "情况说明" in lines[i])
    result = process_bytes("\n".join(lines[:start] + lines[end:]).encode("utf-8"), "yuanshi_2023_budget.txt")
    d = result.document
    doc = Doc(str(d["doc_id"]), str(d["source_file"]), d["doc_kind"], d["province"], result.line_items,  # type: ignore[arg-type]
              result.facts, result.tables, result.indicator_sources, result.indicators)
    about = [(f.rule_id, f.table_ref) for f in audit_document(doc) if f.table_ref == "three_public"]
    assert ("required_table_missing", "three_public") in about and ("empty_table_unexplained", "three_public") not in about
