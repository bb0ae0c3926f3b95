"""Audit tests: each rule on a small document, the genuine findings of the real samples (each
with its reason), and fault injection — one figure mutated at a time must be found."""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from budgetlib.checks import RULES, Doc, audit_document, rule_specs
from budgetlib.cli import app
from budgetlib.pipeline import DocumentResult, process_bytes

from .conftest import RAW, text_samples

runner = CliRunner()


def as_doc(result: DocumentResult) -> Doc:
    d = result.document
    return Doc(str(d["doc_id"]), str(d["source_file"]), d["doc_kind"], d["province"], result.line_items,  # type: ignore[arg-type]
               result.facts, result.tables, result.indicator_sources, result.indicators)


def audit_text(text: str) -> list:
    return audit_document(as_doc(process_bytes(text.encode("utf-8"), "t.txt")))


def errors_of(findings: list) -> set[tuple[str, str | None, str | None]]:
    return {(f.rule_id, f.table_ref, f.row_ref) for f in findings if f.severity == "error"}


HEAD = "某县医疗保障局2024年部门预算信息公开\n"
EXPENDITURE = """部门预算支出总表
单位：万元
科目编码\t科目名称\t合计\t基本支出\t项目支出
\t合计\t{total}\t{basic}\t{project}
210\t卫生健康支出\t{c210}\t{basic}\t{project}
21011\t行政事业单位医疗\t35.46\t35.46\t
2101101\t行政单位医疗\t6.35\t6.35\t
2101102\t事业单位医疗\t{leaf}\t{leaf}\t
21012\t财政对基本医疗保险基金的补助\t100.00\t\t100.00
2101202\t财政对城乡居民基本医疗保险基金的补助\t100.00\t\t100.00
"""
GOOD = dict(total="135.46", basic="35.46", project="100.00", c210="135.46", leaf="29.11")


def test_rules_are_documented_and_each_has_a_check() -> None:
    specs = rule_specs()
    assert {"table_total_rows", "code_hierarchy", "column_sums", "row_sums", "summary_sums", "same_code_across_tables",
            "cross_table_figure", "narrative_vs_table", "narrative_self", "narrative_arithmetic", "three_public_parts",
            "three_public_reason", "required_table_missing", "empty_table_unexplained", "not_explained"} <= set(specs)
    for spec in specs.values():
        assert spec.severity in {"error", "warning", "info"} and spec.name_zh and spec.description_en
    assert len(RULES) >= 10
    result = runner.invoke(app, ["rules"])
    assert result.exit_code == 0 and "code_hierarchy" in result.output


def test_a_consistent_table_raises_no_error() -> None:
    assert errors_of(audit_text(HEAD + EXPENDITURE.format(**GOOD))) == set()


def test_code_hierarchy_leaf_change() -> None:
    found = errors_of(audit_text(HEAD + EXPENDITURE.format(**{**GOOD, "leaf": "30.11"})))
    assert ("code_hierarchy", "expenditure", "21011") in found


def test_total_row_and_column_sums() -> None:
    found = errors_of(audit_text(HEAD + EXPENDITURE.format(**{**GOOD, "total": "140.46"})))
    assert ("table_total_rows", "expenditure", "合计/total") in found
    assert ("column_sums", "expenditure", "合计") in found


def test_tolerance_is_rounding_only() -> None:
    # 0.01 of the table's unit passes, 0.02 does not
    assert errors_of(audit_text(HEAD + EXPENDITURE.format(**{**GOOD, "total": "135.47", "c210": "135.47"}))) <= {
        ("column_sums", "expenditure", "合计"), ("column_sums", "expenditure", "210")} and not any(
        f.rule_id == "table_total_rows" for f in audit_text(HEAD + EXPENDITURE.format(**{**GOOD, "total": "135.47", "c210": "135.46"})) if f.severity == "error")
    assert any(f.rule_id == "table_total_rows" for f in audit_text(HEAD + EXPENDITURE.format(**{**GOOD, "total": "135.48", "c210": "135.46"})))


def test_same_code_in_two_tables() -> None:
    gpb = EXPENDITURE.format(**GOOD).replace("部门预算支出总表", "部门预算一般公共预算财政拨款支出表").replace("\t6.35\t6.35\t", "\t6.45\t6.45\t")
    found = errors_of(audit_text(HEAD + EXPENDITURE.format(**GOOD) + gpb))
    assert any(rule == "same_code_across_tables" and row == "2101101" for rule, _, row in found)


def test_narrative_against_table() -> None:
    text = HEAD + EXPENDITURE.format(**GOOD) + "二、部门预算安排的总体情况\n2024年单位支出预算为140.46万元，其中基本支出35.46万元，项目支出100.00万元。\n"
    found = errors_of(audit_text(text))
    assert ("narrative_vs_table", None, "expenditure_total") in found


THREE = """部门预算财政拨款“三公”经费支出表
单位：万元
序号\t项目\t合计
1\t合计\t{total}
2\t一、因公出国（境）费\t0
3\t二、公务用车购置及运维费\t{vehicle}
4\t其中：公务用车购置费\t0
5\t公务用车运行维护费\t{vehicle}
6\t三、公务接待费\t0.26
"""


def test_three_public_row_sums_and_reason() -> None:
    assert not errors_of(audit_text(HEAD + THREE.format(total="8.06", vehicle="7.80")))
    found = errors_of(audit_text(HEAD + THREE.format(total="9.06", vehicle="7.80")))
    assert ("row_sums", "three_public", "合计") in found
    text = HEAD + THREE.format(total="8.06", vehicle="7.80") + "四、财政拨款“三公”经费预算情况\n2024年“三公”经费预算安排8.06万元，较上年减少12万元。\n"
    assert any(f.rule_id == "three_public_reason" for f in audit_text(text))


def test_empty_table_needs_a_statement() -> None:
    table = "部门预算政府性基金预算财政拨款支出表\n单位：万元\n科目编码\t科目名称\t合计\n\t合计\t\n"
    assert any(f.rule_id == "empty_table_unexplained" for f in audit_text(HEAD + table))
    assert not any(f.rule_id == "empty_table_unexplained" for f in audit_text(HEAD + table + "注：本部门无政府性基金预算财政拨款收支，空表列示。\n"))


def test_required_tables_by_kind_and_province() -> None:
    found = {f.table_ref for f in audit_text(HEAD + EXPENDITURE.format(**GOOD)) if f.rule_id == "required_table_missing"}
    assert {"summary", "revenue", "fiscal_summary", "three_public"} <= found and "expenditure" not in found


# ---------------------------------------------------------------------------------------
# The real samples: every genuine error finding, with its reason

GENUINE = {
    "yuanshi_2023_budget.txt": {
        # the five errors the issue lists
        ("cross_table_figure", "fiscal_summary", "fiscal_gpb_revenue"): "财政拨款收支总表 gives 5394.2278 where every other table says 5344.2278",
        ("summary_sums", "fiscal_summary", "本年收入合计"): "the same table's own 本年收入合计 5344.2278 ≠ its 一般公共预算拨款 5394.2278",
        ("table_total_rows", "expenditure", "合计/total"): "支出总表 合计 5344.2278, its 类 rows sum to 5350.2278",
        ("cross_table_figure", "expenditure", "expenditure_total"): "the same 5344.2278 against 5350.2278 in 收支总表 and 一般公共预算支出表",
        ("table_total_rows", "expenditure", "合计/project"): "支出总表 项目支出 4882.2128, its 类 rows give 4882.7128",
        ("cross_table_figure", "expenditure", "project_expenditure"): "项目支出 4882.2128 against 4882.7128 elsewhere",
        ("code_hierarchy", "expenditure", "21015"): "2101506 reads 304.765 where 21015 minus its other 项 gives 309.765",
        ("code_hierarchy", "gpb_expenditure", "21015"): "the same in 一般公共预算支出表",
        ("same_code_across_tables", "revenue", "2101506"): "收入总表 prints 309.765 for 2101506, the 支出 tables 304.765",
        ("same_code_across_tables", "revenue", "2101101"): "收入总表 lists 2101101 (printed 210101) as 35.46, the 支出 tables 6.35",
        ("same_code_across_tables", "revenue", "2101102"): "收入总表 lists 2101102 (printed 210102) as 35.46, the 支出 tables 29.11",
        # further genuine contradictions in the same document
        ("column_sums", "expenditure", "合计"): "支出总表 合计 5344.2278 ≠ 基本 467.515 + 项目 4882.2128",
        ("column_sums", "expenditure", "21015"): "21015 合计 473.425 ≠ 基本 195.29 + 项目 108",
        ("column_sums", "expenditure", "2101506"): "2101506 合计 304.765 ≠ 基本 161.25 + 项目 5.00",
        ("column_sums", "gpb_expenditure", "21015"): "the same row in 一般公共预算支出表",
        ("column_sums", "gpb_expenditure", "2101506"): "the same row in 一般公共预算支出表",
        ("code_hierarchy", "expenditure", "210"): "210 基本支出 400.885 ≠ its 款 35.46 + 195.29",
        ("code_hierarchy", "gpb_expenditure", "210"): "the same in 一般公共预算支出表",
        ("table_total_rows", "revenue", "合计/total"): "收入总表 合计 5350.2278 but its 类 rows give 5344.2278 (208 leaves out the 6.00 carry-over)",
        ("code_hierarchy", "revenue", "208"): "收入总表 208 reads 54.07, its 款 sum to 60.07",
        ("same_code_across_tables", "revenue", "208"): "收入总表 208 54.07 against 60.07 in the 支出 tables",
        ("table_total_rows", "gpb_basic", "合计/personnel"): "基本支出表 人员经费 433.76 includes 303's 10.88, which the table prints under 公用经费",
        ("table_total_rows", "gpb_basic", "合计/public"): "the same misplaced 10.88 seen from the 公用经费 column",
        ("code_hierarchy", "gpb_basic", "301"): "301 工资福利支出 422.88, its 款 sum to 354.41 (31111 is a misprint of 30111, and 55.77 is missing)",
        ("code_hierarchy", "gpb_basic", "302"): "302 商品和服务支出 33.755, its 款 sum to 33.255",
        ("three_public_parts", "three_public", "three_public_total"): "the narrative's 公务用车购置及运维费 0万元 leaves its 8.06 total unexplained (its own 运维费 is 7.8)",
        ("narrative_vs_table", None, "resident_subsidy"): "the narrative's 县级配套 4707.2128 against 4718.7128 on the 2101202 line",
    },
}


@pytest.fixture(scope="module")
def sample_findings() -> dict[str, list]:
    return {name: audit_document(as_doc(process_bytes((RAW / name).read_bytes(), name))) for name in text_samples()}


@pytest.mark.parametrize("name", text_samples())
def test_every_genuine_error_is_listed_with_its_reason(sample_findings: dict[str, list], name: str) -> None:
    found = errors_of(sample_findings[name])
    listed = set(GENUINE.get(name, {}))
    assert found == listed, f"{name}: unexpected {sorted(map(str, found - listed))}, missing {sorted(map(str, listed - found))}"


def test_error_findings_carry_their_evidence_lines(sample_findings: dict[str, list]) -> None:
    lines = (RAW / "yuanshi_2023_budget.txt").read_text(encoding="utf-8").splitlines()
    for f in sample_findings["yuanshi_2023_budget.txt"]:
        if f.severity != "error":
            continue
        assert f.evidence, f
        for number, text in f.evidence:
            assert text and text.replace("\t", "").replace(" ", "")[:10] in lines[number - 1].replace("\t", "").replace(" ", ""), (f, number)


def test_the_listed_yuanshi_figures_are_in_the_evidence(sample_findings: dict[str, list]) -> None:
    by_key = {(f.rule_id, f.table_ref, f.row_ref): f for f in sample_findings["yuanshi_2023_budget.txt"]}
    assert "5394.2278" in " ".join(t for _, t in by_key[("cross_table_figure", "fiscal_summary", "fiscal_gpb_revenue")].evidence)
    assert "304.765" in " ".join(t for _, t in by_key[("code_hierarchy", "expenditure", "21015")].evidence)
    assert "4882.21 28" in " ".join(t for _, t in by_key[("cross_table_figure", "expenditure", "project_expenditure")].evidence)


# ---------------------------------------------------------------------------------------
# Fault injection

_NUMBER = re.compile(r"\d[\d ,]*(?:\.\s?\d[\d ]*)?")


def _mutate(line: str, original: str) -> str | None:
    """The line with the first occurrence of ``original``'s number changed by a clear amount."""
    match = _NUMBER.search(original)
    if not match:
        return None
    number = match.group(0).strip()
    # where the figure stands: the whole original (number and unit) if it is in the line,
    # else the number where no other digit touches it
    at = line.find(original.strip())
    if at >= 0:
        at += original.strip().find(number)
    else:
        standalone = re.search(rf"(?<![\d.]){re.escape(number)}(?![\d])", line)
        if standalone is None:
            return None
        at = standalone.start()
    digits = number.replace(" ", "").replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    # amounts move by 3.17 in their own unit; counts (no decimals) by a whole 3
    new = f"{float(digits) + 3.17:.{max(decimals, 2)}f}" if decimals else str(int(digits) + 3)
    return line[:at] + new + line[at + len(number):]


def _mutations(result: DocumentResult) -> list[tuple[str, int, str]]:
    """(kind, line, original) for the figures the audit can check: table cells of code rows
    and total rows, “三公” cells, and narrative figures the document also states elsewhere."""
    out: list[tuple[str, int, str]] = []
    for item in result.line_items:
        if item["period"] != "current" or item["value_wan"] is None or item["table_id"] in ("performance", "performance_eval"):
            continue
        if item["code_level"] == "项":
            out.append(("leaf", int(item["line_no"]), str(item["value_original"])))  # type: ignore[call-overload]
        elif item["row_key"] in ("合计", "本年收入合计", "本年支出合计"):
            out.append(("total", int(item["line_no"]), str(item["value_original"])))  # type: ignore[call-overload]
        elif item["table_id"] == "three_public":
            out.append(("three_public", int(item["line_no"]), str(item["value_original"])))  # type: ignore[call-overload]
    readings: dict[str, list[dict]] = {}
    for s in result.indicator_sources:
        readings.setdefault(str(s["indicator"]), []).append(s)
    for rows in readings.values():
        independent = {str(r["source_ref"]).split(":")[0] if r["source_kind"] == "table" else str(r["source_ref"]) for r in rows if r["source_kind"] != "derived"}
        if len(independent) < 2:
            continue  # stated once: nothing in the document can contradict a change to it
        for r in rows:
            if r["source_kind"] == "narrative" and isinstance(r["line_no"], int):
                out.append(("narrative", r["line_no"], str(r["original"])))
    return sorted(set(out))


def test_fault_injection_finds_at_least_95_percent(capsys: pytest.CaptureFixture[str]) -> None:
    tried = found = 0
    missed: list[str] = []
    for name in text_samples():
        data = (RAW / name).read_bytes()
        text = data.decode("utf-8")
        base = process_bytes(data, name)
        baseline = {(f.rule_id, f.table_ref, f.row_ref, f.found) for f in audit_document(as_doc(base))}
        lines = text.split("\n")
        for kind, line_no, original in _mutations(base):
            changed = _mutate(lines[line_no - 1], original)
            if changed is None:
                continue
            mutated = "\n".join(lines[: line_no - 1] + [changed] + lines[line_no:])
            result = process_bytes(mutated.encode("utf-8"), name)
            new = [f for f in audit_document(as_doc(result)) if f.severity == "error"
                   and (f.rule_id, f.table_ref, f.row_ref, f.found) not in baseline]
            tried += 1
            if any(line_no in {n for n, _ in f.evidence} for f in new):
                found += 1
            else:
                missed.append(f"{name}:{line_no} {kind} {original!r}")
    share = found / tried
    with capsys.disabled():
        print(f"\nfault injection: {found}/{tried} mutations found ({share:.1%})")
    assert tried >= 50
    assert share >= 0.95, "missed:\n" + "\n".join(missed)
    if missed:
        with capsys.disabled():
            print("missed:\n  " + "\n  ".join(missed))


def test_audit_command_reruns_on_an_ingested_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    runner.invoke(app, ["ingest", str(RAW), "--out", str(out)])
    (out / "findings.csv").unlink()
    result = runner.invoke(app, ["audit", str(out)])
    assert result.exit_code == 1  # 元氏 has errors
    assert (out / "findings.csv").exists()
    missing = runner.invoke(app, ["audit", str(tmp_path / "nothing")])
    assert missing.exit_code == 2


def test_three_public_total_is_the_three_public_row_not_a_wider_total() -> None:
    """江苏's “三公” table adds 会议费 and 培训费 into its 合计: the 合计 is not the “三公” total,
    so it must neither be read as one nor be reported as contradicting the “三公”经费 column."""
    text = HEAD + (
        "财政拨款“三公”经费支出表\n单位：万元\n"
        "合计\t“三公”经费\t因公出国(境)费\t公务用车购置及运行维护费\t公务接待费\t会议费\t培训费\n"
        "1276.7\t418.26\t80\t237\t101.26\t158.44\t700\n"
    )
    result = process_bytes(text.encode("utf-8"), "t.txt")
    assert result.indicators["three_public_total"] == 418.26
    assert not [f for f in audit_document(as_doc(result)) if f.rule_id == "cross_table_figure"]


def test_a_rule_that_fails_on_one_document_leaves_the_rest_of_the_audit(monkeypatch: pytest.MonkeyPatch) -> None:
    """A check that raises (a layout nobody foresaw) becomes an ``audit_incomplete`` finding
    naming the rule and the problem; the other rules and documents are still audited."""
    import budgetlib.checks as checks

    def broken(doc: Doc) -> list[checks.Finding]:
        raise KeyError("block")

    monkeypatch.setitem(checks.RULES, "code_hierarchy", broken)
    findings = audit_text(HEAD + EXPENDITURE.format(**{**GOOD, "total": "999.00"}))
    incomplete = [f for f in findings if f.rule_id == "audit_incomplete"]
    assert len(incomplete) == 1 and "code_hierarchy" in incomplete[0].message and "KeyError" in incomplete[0].message
    assert incomplete[0].severity == rule_specs()["audit_incomplete"].severity
    assert any(f.rule_id == "table_total_rows" for f in findings)  # the other rules still ran


def test_a_figure_that_cannot_be_read_is_reported() -> None:
    """A value cell with digits that is not a number (1'234.56, —12.3) is kept as a missing
    value, never 0, and the audit names it so a researcher can read it by hand."""
    findings = audit_text(HEAD + EXPENDITURE.format(**{**GOOD, "leaf": "29'11"}))
    unread = [f for f in findings if f.rule_id == "unreadable_figure"]
    assert len(unread) == 2 and all("29'11" in f.message for f in unread)  # the 合计 and 基本支出 columns
    assert unread[0].table_ref == "expenditure" and unread[0].row_ref == "2101102"
    assert unread[0].evidence and "29'11" in unread[0].evidence[0][1]


def test_identical_copies_are_audited_each_on_its_own(tmp_path: Path) -> None:
    """Copies share a doc_id (it hashes the bytes); the audit must not pool their rows."""
    from budgetlib.pipeline import ingest

    name = "lanxian_2024_final.txt"
    alone = ingest([RAW / name]).frames["findings"]
    for copy in ("a.txt", "b.txt"):
        (tmp_path / copy).write_bytes((RAW / name).read_bytes())
    both = ingest([tmp_path]).frames["findings"]
    for copy in ("a.txt", "b.txt"):
        mine = both.filter(pl.col("source_file") == copy).drop("source_file")
        assert mine.equals(alone.drop("source_file")), copy


# ---------------------------------------------------------------------------------------
# The kind of account, the printed precision, and tables read as printed

FINAL_HEAD = "某县医疗保障局2024年度部门决算公开\n"


def test_a_final_accounts_budget_figure_is_not_the_three_public_total() -> None:
    """In a 决算, “全年预算10万元，支出决算6.5万元” states the budget too: the 10 is no reading of
    the year's total, so it is neither set against the table nor against the parts."""
    text = FINAL_HEAD + (
        "财政拨款“三公”经费支出决算表\n金额单位：万元\n"
        "合计\t因公出国(境)费\t公务用车购置及运行维护费\t公务接待费\n"
        "6.50\t0\t5.20\t1.30\n"
        "九、财政拨款“三公”经费支出决算情况说明\n"
        "2024年度“三公”经费财政拨款支出全年预算10万元，支出决算6.5万元，比上年决算增加1.5万元，主要原因是车辆维修增加。"
        "其中：因公出国（境）费支出0万元，公务用车购置费支出0万元，公务用车运行维护费支出5.2万元，公务接待费支出1.3万元。\n"
    )
    assert errors_of(audit_text(text)) == set()


def test_a_final_accounts_budgeted_expenditure_is_not_the_years_expenditure() -> None:
    text = (RAW / "lanxian_2024_final.txt").read_text(encoding="utf-8")
    original = "2024年一般公共预算财政拨款决算支出392.51万元"
    assert original in text
    text = text.replace(original, "2024年一般公共预算财政拨款支出预算为891.55万元，决算支出392.51万元")
    assert errors_of(audit_document(as_doc(process_bytes(text.encode("utf-8"), "lanxian_2024_final.txt")))) == set()


YUAN_SUMMARY = """部门预算收支总表
单位：元
收入\t\t支出\t
项目\t预算数\t项目\t预算数
一、一般公共预算拨款收入\t1354568\t一、卫生健康支出\t1354568
本年收入合计\t1354568\t本年支出合计\t1354568
部门预算支出总表
单位：元
科目编码\t科目名称\t合计\t基本支出\t项目支出
\t合计\t{total}\t{total}\t
"""


def test_figures_of_yuan_tables_are_compared_at_the_yuan() -> None:
    """Two tables printed in whole 元 agree within 1 元, not within 1 万元: 4,568 元 apart is a finding."""
    assert ("cross_table_figure", "expenditure", "expenditure_total") in errors_of(audit_text(HEAD + YUAN_SUMMARY.format(total="1350000")))
    assert not errors_of(audit_text(HEAD + YUAN_SUMMARY.format(total="1354568")))


def test_the_narrative_against_a_whole_yuan_table() -> None:
    table = THREE.format(total="100000", vehicle="78000").replace("单位：万元", "单位：元").replace("\t0.26\n", "\t22000\n")
    stated = "四、财政拨款“三公”经费预算情况\n2024年“三公”经费预算{}万元，与上年持平。\n"
    assert ("narrative_vs_table", None, "three_public_total") in errors_of(audit_text(HEAD + table + stated.format("9.6")))
    assert not errors_of(audit_text(HEAD + table + stated.format("10")))


def test_a_narrative_figure_in_yi_yuan_is_rounded_at_its_own_digit() -> None:
    """0.0135亿元 is 135 万元 ± 0.5 万元: 135.46 万元 in the table is the same figure."""
    text = HEAD + EXPENDITURE.format(**GOOD) + "二、部门预算安排的总体情况\n2024年支出预算{}亿元。\n"
    assert not errors_of(audit_text(text.format("0.0135")))
    assert ("narrative_vs_table", None, "expenditure_total") in errors_of(audit_text(text.format("0.0145")))


def test_the_rounding_allowance_grows_with_the_parts_summed() -> None:
    """Each printed figure is rounded at half a unit of its last digit: twelve parts printed to
    0.01 may be 0.06 off their total, and a whole-元 table 1 元 off three parts is rounding."""
    econ = "部门预算一般公共预算财政拨款基本支出表\n单位：万元\n科目编码\t科目名称\t合计\t人员经费\t公用经费\n"
    parts = "".join(f"302{k:02d}\t款{k}\t{{v}}\t\t{{v}}\n" for k in range(1, 13))
    total = "302\t商品和服务支出\t{t}\t\t{t}\n"
    assert not errors_of(audit_text(HEAD + econ + total.format(t="120.06") + parts.format(v="10.00")))
    assert ("code_hierarchy", "gpb_basic", "302") in errors_of(audit_text(HEAD + econ + total.format(t="120.07") + parts.format(v="10.00")))
    yuan = ("部门预算支出总表\n单位：元\n科目编码\t科目名称\t合计\t基本支出\t项目支出\n\t合计\t{t}\t{t}\t\n"
            "201\t一般公共服务支出\t10000\t10000\t\n208\t社会保障和就业支出\t10000\t10000\t\n210\t卫生健康支出\t10000\t10000\t\n")
    assert not errors_of(audit_text(HEAD + yuan.format(t="30001")))
    assert ("table_total_rows", "expenditure", "合计/total") in errors_of(audit_text(HEAD + yuan.format(t="30003")))


def test_twelve_rounded_parts_of_a_real_final_account_are_rounding() -> None:
    """上海普陀 prints 302 商品和服务支出 171.07 over twelve 款 that add up to 171.09 (尾数误差)."""
    name = "shanghai_putuo_finance_2024_final.pdf"
    found = errors_of(audit_document(as_doc(process_bytes((RAW / name).read_bytes(), name))))
    assert not [f for f in found if f[0] == "code_hierarchy"], found


def test_three_public_table_with_four_parts_and_no_vehicle_subtotal() -> None:
    """Without a 公务用车购置及运行维护费 row, its two parts stand for it in the 合计."""
    table = ("部门预算财政拨款“三公”经费支出表\n单位：万元\n"
             "合计\t因公出国（境）费\t公务用车购置费\t公务用车运行维护费\t公务接待费\n{}\t0\t0\t7.80\t2.20\n")
    assert errors_of(audit_text(HEAD + table.format("10.00"))) == set()
    assert ("row_sums", "three_public", "合计") in errors_of(audit_text(HEAD + table.format("11.00")))


REVENUE_SPLIT = """部门预算收入总表
单位：万元
科目编码\t科目名称\t合计\t{carry}财政拨款收入\t\t\t事业收入
\t\t\t{blank}小计\t一般公共预算\t政府性基金\t
\t合计\t{total}\t{c}{fiscal}\t{gpb}\t10.00\t10.00
210\t卫生健康支出\t{total}\t{c}{fiscal}\t{gpb}\t10.00\t10.00
"""


def test_a_revenue_table_that_splits_the_fiscal_appropriation() -> None:
    """财政拨款 小计 | 一般公共预算 | 政府性基金: the 小计 is their sum, the total the sum of the
    小计, the other income and the carry-over; the 小计 is no reading of 一般公共预算."""
    carried = dict(carry="上年结转\t", blank="\t", c="10.00\t")
    assert errors_of(audit_text(HEAD + REVENUE_SPLIT.format(**carried, total="150.00", fiscal="130.00", gpb="120.00"))) == set()
    found = errors_of(audit_text(HEAD + REVENUE_SPLIT.format(carry="", blank="", c="", total="140.00", fiscal="130.00", gpb="130.00")))
    assert ("column_sums", "revenue", "合计") in found


def test_two_tables_of_one_title_are_audited_each_on_its_own() -> None:
    """部门汇总 then 本级, under the same titles: each table is summed alone, and each table's
    code hierarchy is checked."""
    exp = ("部门预算支出总表\n单位：万元\n科目编码\t科目名称\t合计\t基本支出\t项目支出\n"
           "\t合计\t{t}\t{t}\t\n210\t卫生健康支出\t{t}\t{t}\t\n21011\t行政事业单位医疗\t{t}\t{t}\t\n"
           "2101101\t行政单位医疗\t{leaf}\t{leaf}\t\n")
    rev = ("部门预算收入总表\n单位：万元\n科目编码\t科目名称\t合计\t财政拨款收入\n"
           "\t合计\t{t}\t{t}\n210\t卫生健康支出\t{t}\t{t}\n21011\t行政事业单位医疗\t{t}\t{t}\n"
           "2101101\t行政单位医疗\t{t}\t{t}\n")

    def text(leaf: str) -> str:
        return (HEAD + "一、部门汇总\n" + rev.format(t="50.00") + exp.format(t="50.00", leaf="50.00")
                + "二、单位：某县医疗保险服务中心（本级）\n" + rev.format(t="20.00") + exp.format(t="20.00", leaf=leaf))

    assert errors_of(audit_text(text("20.00"))) == set()
    assert ("code_hierarchy", "expenditure", "21011") in errors_of(audit_text(text("21.00")))


def test_every_figure_read_is_named_in_chinese() -> None:
    """Audit-only figures (一般公共预算拨款收入, 支出总计) have a Chinese name like the others."""
    from budgetlib import indicators, schemas

    assert all(schemas.FIELDS[r.indicator].zh for r in indicators.rules())


def test_findings_name_the_figure_in_chinese(sample_findings: dict[str, list]) -> None:
    messages = [f.message for f in sample_findings["yuanshi_2023_budget.txt"]
                if f.rule_id in ("cross_table_figure", "narrative_vs_table", "narrative_self")]
    assert messages and not [m for m in messages if re.search(r"[A-Za-z_]", m.split("：")[0])], messages
