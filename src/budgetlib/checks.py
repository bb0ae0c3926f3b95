"""Checks (the audit): ingested data → findings, every place a disclosure contradicts itself.

Takes the output frames of ingest (``documents``, ``tables``, ``line_items``, ``facts``,
``indicators``, ``indicator_sources``) and gives a ``findings`` frame: one row per problem,
with the rule, its severity, the table and row, what was expected and what was found, a
message a researcher understands (in Chinese) and the evidence — the source line numbers and
the text of those lines.

The rules are listed, with their severity and meaning, in ``reference/rules.csv``; each is one
small function below, registered in :data:`RULES`. Tolerance is rounding only, never more: each
printed figure may be off by half a unit of its last digit, in the unit it was printed in (a
table's figures taken to the decimals the table prints), so a total of n parts may be off by the
sum of their n + 1 roundings. Tables are audited as printed: two tables of one title (a
department's and its unit's) are two tables.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

import polars as pl

from budgetlib import schemas
from budgetlib.indicators import of_the_other_kind
from budgetlib.numbers import MONEY_UNITS, rounding, usual_decimals
from budgetlib.tables import table_specs

__all__ = ["Finding", "RuleSpec", "rule_specs", "RULES", "audit_document", "run_checks"]

Row = dict[str, object]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    rule_id: str
    severity: str
    name_zh: str
    description_zh: str
    description_en: str


def _read_reference(name: str) -> list[dict[str, str]]:
    text = resources.files("budgetlib.reference").joinpath(name).read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


@cache
def rule_specs() -> dict[str, RuleSpec]:
    """The audit rules of ``reference/rules.csv``, by id."""
    return {r["rule_id"]: RuleSpec(**r) for r in _read_reference("rules.csv")}


@dataclass(frozen=True, slots=True)
class Finding:
    rule_id: str
    table_ref: str | None
    row_ref: str | None
    expected: float | None
    found: float | None
    message: str
    evidence: tuple[tuple[int, str], ...]  # (line number, line text)

    @property
    def severity(self) -> str:
        return rule_specs()[self.rule_id].severity


@dataclass(slots=True)
class Doc:
    """One document's ingested data, as plain rows."""

    doc_id: str
    source_file: str
    doc_kind: str | None
    province: str | None
    items: list[Row]
    facts: list[Row]
    tables: list[Row]
    sources: list[Row]
    indicators: Row
    #: :func:`_instances`, worked out once for all the checks
    instances: dict[tuple[str, int], list[Row]] | None = field(default=None, repr=False, compare=False)


def _num(row: Row, key: str) -> float:
    """A numeric field of a row (the callers have checked it is not null)."""
    value = row[key]
    assert isinstance(value, (int, float)), f"{key} is not a number: {value!r}"
    return float(value)


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.6f}".rstrip("0").rstrip(".")


def _ev(rows: Iterable[Row]) -> tuple[tuple[int, str], ...]:
    seen: dict[int, str] = {}
    for r in rows:
        line = r.get("line_no")
        if isinstance(line, int) and line not in seen:
            seen[line] = str(r.get("line_text") or "")
    return tuple(sorted(seen.items()))


def _table_name(table_id: str) -> str:
    spec = table_specs().get(table_id)
    return spec.name_zh.split(" / ")[0] if spec else table_id


def _current(items: Iterable[Row]) -> list[Row]:
    return [i for i in items if i["period"] == "current" and i["value_wan"] is not None]


def _instances(doc: Doc) -> dict[tuple[str, int], list[Row]]:
    """This year's figures by the table they are printed in (its id and title line), each with
    its ``rounding`` in 万元: half a unit of its last printed digit in the table's unit, the
    figure taken to the decimals its table prints (:func:`budgetlib.numbers.usual_decimals`).
    Worked out once per document (kept in ``doc.instances``)."""
    if doc.instances is None:
        doc.instances = _grouped_with_rounding(doc)
    return doc.instances


def _grouped_with_rounding(doc: Doc) -> dict[tuple[str, int], list[Row]]:
    """:func:`_instances`, worked out."""
    titles: dict[str, list[int]] = defaultdict(list)
    for t in doc.tables:
        titles[str(t["table_id"])].append(int(_num(t, "title_line")))
    grouped: dict[tuple[str, int], list[Row]] = defaultdict(list)
    for i in _current(doc.items):
        line = int(_num(i, "line_no"))
        grouped[(str(i["table_id"]), max((t for t in titles[str(i["table_id"])] if t <= line), default=0))].append(i)
    out: dict[tuple[str, int], list[Row]] = {}
    for key, items in grouped.items():
        decimals = usual_decimals(str(i["value_original"]) for i in items)
        out[key] = [{**i, "rounding": rounding(str(i["value_original"]), MONEY_UNITS.get(str(i["unit"] or "万元"), 1.0), decimals)}
                    for i in items]
    return out


def _agree(a: Row, b: Row) -> bool:
    """Two figures of :func:`_instances` equal within their rounding."""
    return abs(_num(a, "value_wan") - _num(b, "value_wan")) <= _num(a, "rounding") + _num(b, "rounding") + 1e-9


def _sum_mismatch(rule_id: str, table_id: str, row_ref: str, total: Row, parts: Sequence[Row], printed: str, summed: str) -> Finding | None:
    """A finding when ``total`` differs from the sum of ``parts`` (rows of :func:`_instances`)
    beyond the rounding of the printed figures, worded "<printed>为…万元，<summed>为…万元，相差…万元。"."""
    got = sum(_num(p, "value_wan") for p in parts)
    want = _num(total, "value_wan")
    if abs(got - want) <= sum(_num(r, "rounding") for r in (total, *parts)) + 1e-9:
        return None
    message = f"{printed}为{_fmt(want)}万元，{summed}为{_fmt(got)}万元，相差{_fmt(want - got)}万元。"
    return Finding(rule_id, table_id, row_ref, got, want, message, _ev([total, *parts]))


# ---------------------------------------------------------------------------------------
# Arithmetic inside a table

_TOTAL_KEYS = {"合计", "总计"}


def check_table_total_rows(doc: Doc) -> list[Finding]:
    """合计 row = sum of the 类 rows, column by column."""
    out: list[Finding] = []
    for (table_id, _), items in _instances(doc).items():
        systems = {i["code_system"] for i in items if i["code_level"] == "类"}
        for system in systems:
            columns: dict[tuple[object, str], list[Row]] = defaultdict(list)
            for i in items:
                columns[(i["block"], str(i["measure"]))].append(i)
            for (_, measure), col in columns.items():
                totals = [i for i in col if i["row_key"] in _TOTAL_KEYS and i["code"] is None]
                parts = [i for i in col if i["code_level"] == "类" and i["code_system"] == system]
                if not totals or not parts:
                    continue
                total = totals[0]
                finding = _sum_mismatch("table_total_rows", table_id, f"合计/{measure}", total, parts,
                                        f"{_table_name(table_id)}“合计”行（{total['column_header'] or measure}）", "各类科目之和")
                if finding:
                    out.append(finding)
    return out


_SUMMARY_TOTAL = re.compile(r"本年(收入|支出)合计")
_LEVELS = (re.compile(r"^[一二三四五六七八九十]+、"), re.compile(r"^\d+[、.．](?!\d)"), re.compile(r"^[(（]\d+[)）]"))


def _level(label: str) -> int | None:
    for depth, rx in enumerate(_LEVELS):
        if rx.match(label.strip()):
            return depth
    return None


def check_summary_sums(doc: Doc) -> list[Finding]:
    """本年收入合计 / 本年支出合计 = the sum of the top-level rows above it (side by side blocks)."""
    out: list[Finding] = []
    groups: dict[tuple[tuple[str, int], object, str], list[Row]] = defaultdict(list)
    for table, items in _instances(doc).items():
        for i in items:
            groups[(table, i["block"], str(i["measure"]))].append(i)
    for ((table_id, _), _, _), col in groups.items():
        total = next((i for i in col if _SUMMARY_TOTAL.fullmatch(str(i["row_key"]))), None)
        if total is None:
            continue
        above = [i for i in col if int(_num(i, "row_index")) < int(_num(total, "row_index"))]
        levels = [lv for lv in (_level(str(i["row_label"])) for i in above) if lv is not None]
        if levels:
            top = min(levels)
            above = [i for i in above if _level(str(i["row_label"])) == top]
        if not above:
            continue
        finding = _sum_mismatch("summary_sums", table_id, str(total["row_label"]), total, above,
                                f"{_table_name(table_id)}“{total['row_label']}”", "其上各项之和")
        if finding:
            out.append(finding)
    return out


def check_code_hierarchy(doc: Doc) -> list[Finding]:
    """Each 类 = sum of its 款, each 款 = sum of its 项 (function and economic codes)."""
    out: list[Finding] = []
    groups: dict[tuple[tuple[str, int], str], list[Row]] = defaultdict(list)
    for table, items in _instances(doc).items():
        for i in items:
            if i["code"] is not None:
                groups[(table, str(i["measure"]))].append(i)
    for ((table_id, _), measure), items in groups.items():
        by_code: dict[str, Row] = {}
        for i in items:
            by_code.setdefault(str(i["code"]), i)
        children: dict[str, list[Row]] = defaultdict(list)
        for i in by_code.values():
            if i["parent_code"] is not None:
                children[str(i["parent_code"])].append(i)
        for parent, kids in children.items():
            if parent not in by_code:
                continue
            p = by_code[parent]
            level = "类" if len(parent) == 3 else "款"
            finding = _sum_mismatch("code_hierarchy", table_id, parent, p, kids,
                                    f"{_table_name(table_id)}中{level}级科目{parent} {p['row_label']}（{p['column_header'] or measure}）",
                                    "其下级科目之和")
            if finding:
                out.append(finding)
    return out


# total = sum of parts, within one row (measure names from reference/columns.csv)
_EXPENDITURE_PARTS = ("basic", "project", "operating_exp", "remit_upper", "subsidy_affiliated")
_INCOME_PARTS = ("fiscal", "special_account", "business_income", "operating_income", "upper_subsidy", "affiliated_income", "other_income")
_FISCAL_PARTS = ("fiscal_gpb", "fiscal_fund", "fiscal_soe")


def _equations(measures: set[str]) -> list[tuple[str, tuple[str, ...]]]:
    """The column equations that apply to a table with these measures."""
    eqs: list[tuple[str, tuple[str, ...]]] = []
    exp_parts = tuple(m for m in _EXPENDITURE_PARTS if m in measures)
    if "basic" not in measures:
        exp_parts += tuple(m for m in ("personnel", "public") if m in measures)
    if len(exp_parts) >= 2:
        eqs.append(("total", exp_parts))
        eqs.append(("current_total", exp_parts))
    if "basic" in measures and {"personnel", "public"} <= measures:
        eqs.append(("basic", ("personnel", "public")))
    if {"current_total", "carryover"} <= measures:
        eqs.append(("total", ("current_total", "carryover")))
    income = tuple(m for m in _INCOME_PARTS if m in measures)
    if "fiscal" not in measures:  # revenue tables that split the fiscal appropriation by budget instead
        income += tuple(m for m in _FISCAL_PARTS if m in measures)
    if len(income) >= 2 or (income and "current_total" in measures):
        eqs.append(("current_total", income))
        if "current_total" not in measures:
            eqs.append(("total", income + (("carryover",) if "carryover" in measures else ())))
    fiscal = tuple(m for m in _FISCAL_PARTS if m in measures)
    if "fiscal" in measures and len(fiscal) >= 2:  # 财政拨款 小计 | 一般公共预算 | 政府性基金
        eqs.append(("fiscal", fiscal))
    return [(left, parts) for left, parts in eqs if left in measures and left not in parts]


def check_column_sums(doc: Doc) -> list[Finding]:
    """Within a row: total = basic + project …, basic = personnel + public, etc."""
    out: list[Finding] = []
    for (table_id, _), items in _instances(doc).items():
        blocks: dict[object, list[Row]] = defaultdict(list)
        for i in items:
            blocks[i["block"]].append(i)
        for block_items in blocks.values():
            measures = {str(i["measure"]) for i in block_items}
            eqs = _equations(measures)
            if not eqs:
                continue
            rows: dict[object, dict[str, Row]] = defaultdict(dict)
            for i in block_items:
                rows[i["row_index"]].setdefault(str(i["measure"]), i)
            for cells in rows.values():
                for left, parts in eqs:
                    if left not in cells or not any(p in cells for p in parts):
                        continue
                    lead, present = cells[left], [cells[p] for p in parts if p in cells]
                    names = "+".join(str(c["column_header"] or c["measure"]) for c in present)
                    finding = _sum_mismatch("column_sums", table_id, str(lead["code"] or lead["row_label"]), lead, present,
                                            f"{_table_name(table_id)}“{lead['row_label']}”行：{lead['column_header'] or left}", f"而{names}")
                    if finding:
                        out.append(finding)
    return out


@cache
def _row_sums() -> tuple[tuple[str, re.Pattern[str], tuple[re.Pattern[str], ...]], ...]:
    return tuple(
        (r["table_id"], re.compile(r["total_row"]), tuple(re.compile(p) for p in r["part_rows"].split(";")))
        for r in _read_reference("row_sums.csv")
    )


def _row(col: Sequence[Row], rx: re.Pattern[str]) -> Row | None:
    """The first row of a column whose key is ``rx``."""
    return next((i for i in col if rx.fullmatch(str(i["row_key"]))), None)


def _part_rows(table_id: str, part_rxs: Sequence[re.Pattern[str]], col: Sequence[Row]) -> list[Row]:
    """The rows of the parts a column prints; a part it does not print is stood for by the rows
    of its own parts, where reference/row_sums.csv has it as a total (no 公务用车购置及运行维护费
    row, but 购置费 and 运行维护费)."""
    out: list[Row] = []
    for rx in part_rxs:
        row = _row(col, rx)
        if row is not None:
            out.append(row)
            continue
        for sub_table, total_rx, sub_rxs in _row_sums():
            if sub_table == table_id and total_rx.pattern == rx.pattern:
                out.extend(r for r in (_row(col, sub) for sub in sub_rxs) if r is not None)
    return out


def check_row_sums(doc: Doc) -> list[Finding]:
    """A total row = the sum of its part rows (reference/row_sums.csv), column by column."""
    out: list[Finding] = []
    for (table_id, _), items in _instances(doc).items():
        columns: dict[tuple[object, str], list[Row]] = defaultdict(list)
        for i in items:
            columns[(i["block"], str(i["measure"]))].append(i)
        for rule_table, total_rx, part_rxs in _row_sums():
            if rule_table != table_id:
                continue
            for (_, measure), col in columns.items():
                total = _row(col, total_rx)
                present = _part_rows(table_id, part_rxs, col) if total is not None else []
                if total is None or not present:
                    continue
                finding = _sum_mismatch("row_sums", table_id, str(total["row_label"]), total, present,
                                        f"{_table_name(table_id)}“{total['row_label']}”（{total['column_header'] or measure}）", "分项之和")
                if finding:
                    out.append(finding)
    return out


# ---------------------------------------------------------------------------------------
# Across tables

_CODE_TABLES = ("revenue", "expenditure", "gpb_expenditure")


def _has_other_budgets(doc: Doc) -> bool:
    """True when government-fund or state-capital tables hold figures (then the general
    public budget tables cover only part of the expenditure)."""
    return any(i["table_id"] in ("gov_fund", "state_capital") and i["value_wan"] not in (None, 0.0) for i in doc.items)


def _codes_by_label(doc: Doc, tables: Sequence[str]) -> dict[str, str]:
    """Row name → function code, for names that carry exactly one code in the code tables.

    A row whose printed code cannot be read (``210101`` for 2101101) is still compared by name.
    """
    codes: dict[str, set[str]] = defaultdict(set)
    for i in doc.items:
        if i["table_id"] in tables and i["code_system"] == "function" and i["code"] is not None:
            codes[str(i["row_key"])].add(str(i["code"]))
    return {label: next(iter(c)) for label, c in codes.items() if len(c) == 1}


def check_same_code_across_tables(doc: Doc) -> list[Finding]:
    """A function code printed in two tables has the same amount (and basic/project split)."""
    out: list[Finding] = []
    tables = ("revenue", "expenditure") if _has_other_budgets(doc) else _CODE_TABLES
    readings: dict[tuple[str, str], dict[str, Row]] = defaultdict(dict)
    label_codes = _codes_by_label(doc, tables)
    for i in (i for items in _instances(doc).values() for i in items):
        if i["table_id"] not in tables:
            continue
        if i["code"] is None and label_codes.get(str(i["row_key"])):
            i = {**i, "code": label_codes[str(i["row_key"])], "code_system": "function"}  # a misprinted code, known by its name
        if i["code_system"] != "function" or i["code"] is None:
            continue
        measure = str(i["measure"])
        if measure == "current_total" and i["table_id"] != "revenue":
            measure = "total"
        if measure not in ("total", "basic", "project"):
            continue
        readings[(str(i["code"]), measure)].setdefault(str(i["table_id"]), i)
    for (code, measure), by_table in readings.items():
        if len(by_table) < 2:
            continue
        # the figure most tables agree with; each other table is a finding
        chosen = max(by_table.values(), key=lambda r: sum(_agree(r, w) for w in by_table.values()))
        best = _num(chosen, "value_wan")
        support = sum(_agree(chosen, w) for w in by_table.values())
        for table_id, row in by_table.items():
            if _agree(row, chosen):
                continue
            value = _num(row, "value_wan")
            others = [r for t, r in by_table.items() if t != table_id]
            basis = "其他表" if support > 1 else next(_table_name(t) for t in by_table if t != table_id)
            out.append(Finding(
                "same_code_across_tables", table_id, code, best, value,
                f"科目{code} {row['row_label']}（{measure}）在{_table_name(table_id)}中为{_fmt(value)}万元，"
                f"{basis}为{_fmt(best)}万元，相差{_fmt(value - best)}万元。",
                _ev([row, *others]),
            ))
    return out


def _reading_rows(doc: Doc) -> dict[str, list[Row]]:
    grouped: dict[str, list[Row]] = defaultdict(list)
    for s in doc.sources:
        grouped[str(s["indicator"])].append(s)
    return grouped


def _line_text(doc: Doc, line: object) -> str:
    for i in doc.items:
        if i["line_no"] == line:
            return str(i["line_text"])
    for f in doc.facts:
        if f["line_no"] == line:
            return str(f["line_text"])
    return ""


def check_readings(doc: Doc) -> list[Finding]:
    """Readings of one figure that disagree with the figure most sources support:
    table against table, narrative against table, or the narrative's own arithmetic."""
    out: list[Finding] = []
    for indicator, rows in _reading_rows(doc).items():
        chosen = next((r for r in rows if r["chosen"]), None)
        if chosen is None:
            continue
        cv = _num(chosen, "value")
        for r in rows:
            if r is chosen:
                continue
            rv = _num(r, "value")
            if abs(rv - cv) <= _num(r, "precision") + _num(chosen, "precision") + 1e-9:  # as indicators.agree
                continue
            kinds = {r["source_kind"], chosen["source_kind"]}
            if "derived" in kinds:
                rule = "narrative_arithmetic"
            elif kinds == {"narrative"}:
                rule = "narrative_self"
            elif "narrative" in kinds:
                rule = "narrative_vs_table"
            else:
                rule = "cross_table_figure"
            name = schemas.FIELDS[indicator].zh
            where = str(r["source_ref"]).split(":")[0].split("@")[0]
            out.append(Finding(
                rule, where if r["source_kind"] == "table" else None, indicator, cv, rv,
                f"{name}：{_describe(r)}为{_fmt(rv)}，而{_describe(chosen)}为{_fmt(cv)}"
                f"（{chosen['agreeing']}处一致），相差{_fmt(rv - cv)}。",
                tuple(sorted({(int(x["line_no"]), _line_text(doc, x["line_no"])) for x in (r, chosen) if isinstance(x["line_no"], int)})),
            ))
    return out


def _describe(reading: Row) -> str:
    ref = str(reading["source_ref"])
    if reading["source_kind"] == "table":
        table_id, _, row = ref.partition(":")
        return f"{_table_name(table_id)}“{row}”"
    if reading["source_kind"] == "derived":
        return f"按说明中的增减额推算（{reading['original']}）"
    return f"情况说明（第{reading['line_no']}行）"


# ---------------------------------------------------------------------------------------
# “三公”

_PARTS = ("three_public_abroad", "three_public_vehicle_purchase", "three_public_vehicle_operation", "three_public_reception")


_THREE_PUBLIC_EQUATIONS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("three_public_total", _PARTS, "因公出国(境)费、公务用车购置费、公务用车运行维护费、公务接待费之和"),
    ("three_public_total", ("three_public_abroad", "three_public_vehicle", "three_public_reception"),
     "因公出国(境)费、公务用车购置及运行维护费、公务接待费之和"),
    ("three_public_vehicle", ("three_public_vehicle_purchase", "three_public_vehicle_operation"), "公务用车购置费与运行维护费之和"),
)
_THREE_PUBLIC_NAMES = {"three_public_total": "“三公”经费合计", "three_public_vehicle": "公务用车购置及运行维护费"}


def check_three_public_parts(doc: Doc) -> list[Finding]:
    """The narrative's “三公” figures add up: total = its parts; vehicles = purchase + operation
    (this year and last). A 决算's budget figure (or a 预算's final one) is not among them."""
    out: list[Finding] = []
    by_name: dict[str, list[Row]] = defaultdict(list)
    for f in doc.facts:
        if f["value"] is not None and not of_the_other_kind(str(f["qualifier"] or ""), doc.doc_kind):
            by_name[str(f["fact_name"])].append(f)
    for suffix, when in (("", "本年"), ("_prev", "上年")):
        for left, parts, what in _THREE_PUBLIC_EQUATIONS:
            totals = by_name.get(left + suffix, [])
            found = [by_name.get(p + suffix, []) for p in parts]
            if not totals or not all(found):
                continue
            total, chosen_parts = totals[0], [p[0] for p in found]
            got = sum(_num(p, "value") for p in chosen_parts)
            want = _num(total, "value")
            if abs(got - want) > 0.01 + 1e-9:
                out.append(Finding(
                    "three_public_parts", "three_public", left + suffix, got, want,
                    f"情况说明中{when}{_THREE_PUBLIC_NAMES[left]}为{_fmt(want)}万元，而{what}为{_fmt(got)}万元。",
                    _ev([total, *chosen_parts]),
                ))
    return out


def check_three_public_reason(doc: Doc) -> list[Finding]:
    """A change of the “三公” total comes with a reason."""
    ind = doc.indicators
    if ind.get("three_public_total") is None or ind.get("three_public_prev_total") is None:
        return []
    now, prev = _num(ind, "three_public_total"), _num(ind, "three_public_prev_total")
    if abs(now - prev) <= 0.01 or ind.get("three_public_change_reason"):
        return []
    facts = [f for f in doc.facts if str(f["fact_name"]).startswith("three_public_total")]
    return [Finding(
        "three_public_reason", "three_public", "three_public_total", prev, now,
        f"“三公”经费由上年{_fmt(prev)}万元变为{_fmt(now)}万元，情况说明未给出增减原因。",
        _ev(facts),
    )]


# ---------------------------------------------------------------------------------------
# Completeness


@cache
def _templates() -> dict[tuple[str, str], tuple[str, ...]]:
    found: dict[tuple[str, str], list[str]] = defaultdict(list)
    for r in _read_reference("province_templates.csv"):
        found[(r["province"], r["doc_kind"])].append(r["table_id"])
    return {k: tuple(v) for k, v in found.items()}


def required_tables(doc_kind: str | None, province: str | None) -> tuple[str, ...]:
    """The tables a document of this kind (and province, where its template is known) must have."""
    if doc_kind not in ("budget", "final"):
        return ()
    required = [t.table_id for t in table_specs().values() if t.required_in in ("both", doc_kind)]
    for table_id in _templates().get((province or "", doc_kind), ()):
        if table_id not in required:
            required.append(table_id)
    return tuple(required)


def check_required_tables(doc: Doc) -> list[Finding]:
    present = {str(t["table_id"]) for t in doc.tables}
    out = []
    for table_id in required_tables(doc.doc_kind, doc.province):
        if table_id not in present:
            kind = "部门预算" if doc.doc_kind == "budget" else "部门决算"
            out.append(Finding(
                "required_table_missing", table_id, None, None, None,
                f"{kind}应公开{_table_name(table_id)}，文本中未找到该表（若所读文本为摘录，请核对原文件）。", (),
            ))
    return out


_EMPTY_STATEMENT = re.compile(r"(无|空表|不涉及|没有|未安排|本表无数据)")


def check_empty_tables(doc: Doc) -> list[Finding]:
    out = []
    for t in doc.tables:
        spec = table_specs().get(str(t["table_id"]))
        if spec is None or not spec.has_figures:
            continue
        if t["is_empty"] and not _EMPTY_STATEMENT.search(str(t["notes"] or "")):
            out.append(Finding(
                "empty_table_unexplained", str(t["table_id"]), None, None, None,
                f"{t['table_title']}为空表，但未注明原因（如“本部门无…，空表列示”）。",
                ((int(_num(t, "title_line")), str(t["table_title"])),),
            ))
    return out


#: a cell written as a figure (digits and the marks around figures: separators, signs, dashes, quotes)
_FIGURE_LIKE = re.compile(r"^[\d\s.,'’＇·()（）+\-−﹣－—–¥￥\"“”△]*\d[\d\s.,'’＇·()（）+\-−﹣－—–¥￥\"“”△]*$")


def check_unreadable_figures(doc: Doc) -> list[Finding]:
    """A cell of a money table written as a figure that cannot be read (1'234.56, —12.3): its
    value is missing (never 0), and said so. Targets and words in text columns are not figures."""
    out = []
    for i in doc.items:
        spec = table_specs().get(str(i["table_id"]))
        if i["value"] is not None or spec is None or not spec.has_figures or not _FIGURE_LIKE.match(str(i["value_original"])):
            continue
        out.append(Finding("unreadable_figure", str(i["table_id"]), str(i["code"] or i["row_label"]), None, None,
                           f"{_table_name(str(i['table_id']))}“{i['row_label']}”行{i['column_header'] or ''}栏的“{i['value_original']}”"
                           "不是可读的数字，该数缺失（未按0计）。", _ev([i])))
    return out


def check_explained(doc: Doc) -> list[Finding]:
    names = {str(f["fact_name"]) for f in doc.facts}
    out = []
    if not any(n.startswith("three_public") for n in names):
        out.append(Finding("not_explained", None, "three_public_total", None, None, "情况说明未说明“三公”经费。", ()))
    if "org_running_cost" not in names:
        out.append(Finding("not_explained", None, "org_running_cost", None, None, "情况说明未说明机关运行经费。", ()))
    return out


RULES: dict[str, Callable[[Doc], list[Finding]]] = {
    "table_total_rows": check_table_total_rows,
    "summary_sums": check_summary_sums,
    "code_hierarchy": check_code_hierarchy,
    "column_sums": check_column_sums,
    "row_sums": check_row_sums,
    "same_code_across_tables": check_same_code_across_tables,
    "readings": check_readings,  # cross_table_figure, narrative_vs_table, narrative_self, narrative_arithmetic
    "three_public_parts": check_three_public_parts,
    "three_public_reason": check_three_public_reason,
    "required_table_missing": check_required_tables,
    "empty_table_unexplained": check_empty_tables,
    "unreadable_figure": check_unreadable_figures,
    "not_explained": check_explained,
}


def audit_document(doc: Doc) -> list[Finding]:
    """Every finding of one document, in rule order. A rule that fails on a layout nobody
    foresaw gives an ``audit_incomplete`` finding naming it; the other rules still run."""
    findings: list[Finding] = []
    for rule_id, check in RULES.items():
        try:
            findings.extend(check(doc))
        except Exception as exc:  # one rule never stops the audit of a document, or of a batch
            findings.append(Finding("audit_incomplete", None, rule_id, None, None,
                                    f"规则 {rule_id} 未能完成（{type(exc).__name__}: {exc}），本文档该项未经核对。", ()))
    return findings


def _key(row: Row) -> tuple[str, str]:
    """A document of the batch: identical copies share a doc_id, so the file name comes too."""
    return str(row["doc_id"]), str(row["source_file"])


def _group(frame: pl.DataFrame) -> dict[tuple[str, str], list[Row]]:
    grouped: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in frame.iter_rows(named=True):
        grouped[_key(r)].append(r)
    return grouped


def run_checks(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Audit every document of a batch → the validated ``findings`` frame."""
    items, facts, tables, sources = (_group(frames[n]) for n in ("line_items", "facts", "tables", "indicator_sources"))
    indicators = {_key(r): r for r in frames["indicators"].iter_rows(named=True)}
    rows: list[Row] = []
    for d in frames["documents"].iter_rows(named=True):
        key = _key(d)
        doc = Doc(key[0], key[1], d["doc_kind"], d["province"], items.get(key, []), facts.get(key, []),
                  tables.get(key, []), sources.get(key, []), indicators.get(key, {}))
        for f in audit_document(doc):
            rows.append({
                "doc_id": doc.doc_id, "source_file": doc.source_file, "rule_id": f.rule_id, "severity": f.severity,
                "table_ref": f.table_ref, "row_ref": f.row_ref, "expected": f.expected, "found": f.found,
                "difference": None if f.expected is None or f.found is None else round(f.found - f.expected, 6),
                "message": f.message, "evidence_lines": ";".join(str(n) for n, _ in f.evidence) or None,
                "evidence_text": "\n".join(f"{n}: {t}" for n, t in f.evidence) or None,
            })
    return schemas.validate("findings", schemas.frame("findings", rows))


def rules_table() -> Sequence[RuleSpec]:
    """The rules, in the order they run."""
    return list(rule_specs().values())
