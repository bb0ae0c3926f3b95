"""Indicators: one document's line items and narrative facts → one row of indicators.

Takes the :class:`~budgetlib.tables.LineItem` and :class:`~budgetlib.narrative.Fact` objects of
one document and gives, for every indicator of ``schemas.TABLE_COLUMNS["indicators"]``:

* every *reading* of it the document offers (a table cell or a sentence, selected by the rules
  in ``reference/indicator_rules.csv``, plus readings derived by arithmetic, such as the prior
  year's total = this year's total − the stated change);
* the value chosen: the reading most independent sources agree with (agreement means equal
  within the rounding of the printed numbers, never more), ties going to the rule's priority.

Where a sentence gives both the budget and the final (决算) figure of an item, the one of the
other kind of account than the document's is no reading (a 决算 reports what was spent).

A document that contradicts itself therefore still yields the figure most of it supports, and
every reading (chosen or not) is kept in ``indicator_sources`` with its line, so the audit and a
researcher can see the disagreement. An indicator with no reading is blank, never 0.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Protocol

from budgetlib.numbers import MONEY_UNITS, rounding, usual_decimals
from budgetlib.tables import LineItem

__all__ = ["Reading", "Rule", "rules", "collect_readings", "choose", "compute", "extend", "describe", "is_count", "COUNT_INDICATORS",
           "of_the_other_kind"]

COUNT_INDICATORS = frozenset({"vehicles", "insured_residents"})
_UNIT_FACTOR = {**MONEY_UNITS, "人": 1.0, "万人": 1e4, "辆": 1.0, "": 1.0}


class FactLike(Protocol):
    """What indicators need of a narrative fact (:class:`budgetlib.narrative.Fact`)."""

    @property
    def name(self) -> str: ...
    @property
    def value(self) -> float | None: ...
    @property
    def unit(self) -> str: ...
    @property
    def original(self) -> str: ...
    @property
    def line_no(self) -> int: ...
    @property
    def qualifier(self) -> str: ...
    @property
    def text(self) -> str | None: ...


@dataclass(frozen=True, slots=True)
class Rule:
    indicator: str
    source: str  # table | narrative
    table_id: re.Pattern[str] | None
    row_key: re.Pattern[str] | None
    code: str
    measure: re.Pattern[str] | None
    fact: str
    qualifier: str
    priority: int


@dataclass(frozen=True, slots=True)
class Reading:
    """One reading of an indicator, with where it came from."""

    indicator: str
    value: float
    precision: float  # half a unit of the last printed digit, in the indicator's unit
    source_kind: str  # table | narrative | derived
    source_ref: str  # table id + row, or fact name; readings with one ref count once
    line_no: int | None
    original: str
    priority: int


@cache
def rules() -> tuple[Rule, ...]:
    """The indicator rules of ``reference/indicator_rules.csv``."""
    text = resources.files("budgetlib.reference").joinpath("indicator_rules.csv").read_text(encoding="utf-8")

    def rx(value: str) -> re.Pattern[str] | None:
        return re.compile(value) if value else None

    return tuple(
        Rule(r["indicator"], r["source"], rx(r["table_id"] and f"^(?:{r['table_id']})$"), rx(r["row_key"]),
             r["code"], rx(r["measure"]), r["fact"], r["qualifier"], int(r["priority"]))
        for r in csv.DictReader(text.splitlines())
    )


def _qualifier_ok(wanted: str, qualifier: str) -> bool:
    """``actual`` needs the fact to carry that qualifier; ``!fiscal`` needs it not to.

    >>> _qualifier_ok("actual", "actual"), _qualifier_ok("!fiscal", "fiscal,grand_total"), _qualifier_ok("!fiscal", "")
    (True, False, True)
    """
    have = set(filter(None, qualifier.split(",")))
    return all((q[1:] not in have) if q.startswith("!") else (q in have) for q in wanted.split(","))


def _precision(original: str, unit: str, count: bool, decimals: int = 0) -> float:
    """Half a unit of the last printed digit of ``original`` (taken to at least ``decimals``
    decimals, those its table prints), in 万元 (or persons/vehicles)."""
    factor = 1.0 if count and unit not in ("万人",) else _UNIT_FACTOR.get(unit, 1.0)
    return rounding(original, factor, decimals)


def _row_matches(rule: Rule, item: LineItem) -> bool:
    """Whether ``item``, of a table the rule applies to (see :func:`_runs`), is the rule's row and column."""
    if rule.code and item.code != rule.code:
        return False
    if rule.row_key is not None and not rule.row_key.search(item.row_key):
        return False
    return rule.measure is None or rule.measure.match(item.measure) is not None


def _runs(items: Sequence[LineItem]) -> list[tuple[str, list[LineItem], int]]:
    """This year's items in runs of one table, in document order (a rule skips whole tables),
    each with the decimals its table prints its amounts to (:func:`budgetlib.numbers.usual_decimals`)."""
    runs: list[tuple[str, list[LineItem]]] = []
    for item in items:
        if item.period != "current":
            continue
        if not runs or runs[-1][0] != item.table_id:
            runs.append((item.table_id, []))
        runs[-1][1].append(item)
    return [(table_id, run, usual_decimals(i.value_original for i in run if i.value_wan is not None)) for table_id, run in runs]


#: counts must stay below this to fit the Int64 columns
COUNT_LIMIT = 2**63


def is_count(value: float, unit: str) -> bool:
    """Whether ``value`` can be a count of persons or vehicles: whole (1.5 辆 is no count;
    in 万人 a fraction is rounding of the printed figure), not negative, and not beyond what
    the Int64 columns hold.

    >>> is_count(3.0, "辆"), is_count(1.5, "辆"), is_count(123456.78, "万人"), is_count(1e23, "人")
    (True, False, True, False)
    """
    if not (0 <= value < COUNT_LIMIT):  # also false for NaN
        return False
    return value == int(value) or unit.startswith("万")


def of_the_other_kind(qualifier: str, doc_kind: str | None) -> bool:
    """Whether a fact is the figure of the other kind of account than the document's: a sentence
    stating an item's budget and its final figure marks them "budget" / "final" (see
    :func:`budgetlib.narrative.extract_facts`); a 决算 reports the final one, a 预算 (or 调整预算)
    the budget. Of a document of unknown kind both are read.

    >>> of_the_other_kind("budget", "final"), of_the_other_kind("fiscal,final", "final"), of_the_other_kind("budget", None)
    (True, False, False)
    """
    other = {"budget": "final", "adjusted_budget": "final", "final": "budget"}.get(doc_kind or "")
    return other is not None and other in qualifier.split(",")


def collect_readings(items: Sequence[LineItem], facts: Sequence[FactLike], doc_kind: str | None = None) -> dict[str, list[Reading]]:
    """Every direct reading of every indicator (no derived ones) of a document of ``doc_kind``
    ("budget" / "final", None if unknown)."""
    found: dict[str, list[Reading]] = {}
    in_table: dict[str, list[tuple[str, Reading]]] = {}  # indicator -> (table title, reading)
    runs = _runs(items)
    for rule in rules():
        count = rule.indicator in COUNT_INDICATORS
        if rule.source == "table":
            seen: set[tuple[str, int, str]] = set()
            candidates = ((item, decimals) for table_id, run, decimals in runs
                          if rule.table_id is None or rule.table_id.match(table_id) for item in run)
            for item, decimals in candidates:
                if not _row_matches(rule, item):
                    continue
                # a label repeated further down a table (a carry-over sub-row re-using 一般公共预算财政拨款)
                # is another figure: the first row that matches is the table's reading
                column = (item.table_title, item.block, item.measure)
                if column in seen:
                    continue
                seen.add(column)
                value = item.value if count else item.value_wan
                if value is None or (count and not is_count(value, item.unit)):
                    continue
                in_table.setdefault(rule.indicator, []).append((item.table_title, Reading(
                    rule.indicator, value, _precision(item.value_original, item.unit, count, 0 if count else decimals), "table",
                    f"{item.table_id}:{item.row_key}", item.line_no, item.value_original, rule.priority)))
        else:
            for fact in facts:
                if fact.name != rule.fact or fact.value is None:
                    continue
                if count and not is_count(fact.value, fact.unit):
                    continue
                if rule.qualifier and not _qualifier_ok(rule.qualifier, fact.qualifier):
                    continue
                if of_the_other_kind(fact.qualifier, doc_kind):
                    continue
                found.setdefault(rule.indicator, []).append(
                    Reading(rule.indicator, fact.value, _precision(fact.original, fact.unit, count), "narrative",
                            f"{fact.name}@{fact.line_no}", fact.line_no, fact.original, rule.priority)
                )
    for indicator, pairs in in_table.items():
        found.setdefault(indicator, []).extend(_most_specific(pairs))
    return {k: _dedupe(v) for k, v in found.items()}


def _most_specific(pairs: Sequence[tuple[str, Reading]]) -> list[Reading]:
    """Within one table, only the readings of the most specific rule (lowest priority number):
    where a table prints a row or column named for the item (“三公”经费), its 合计 — which may
    add other items (会议费, 培训费) — is not a reading of that item."""
    best: dict[str, int] = {}
    for table, reading in pairs:
        best[table] = min(best.get(table, reading.priority), reading.priority)
    return [reading for table, reading in pairs if reading.priority == best[table]]


def _dedupe(readings: list[Reading]) -> list[Reading]:
    """One reading per (source, line): a fact matched by two rules counts once, at its best priority."""
    best: dict[tuple[str, int | None, float], Reading] = {}
    for r in readings:
        key = (r.source_ref, r.line_no, r.value)
        if key not in best or r.priority < best[key].priority:
            best[key] = r
    return sorted(best.values(), key=lambda r: (r.priority, r.line_no or 0))


def agree(a: Reading, b: Reading) -> bool:
    """Equal within the rounding of the two printed numbers.

    >>> r = lambda v, p: Reading("x", v, p, "table", "t", 1, str(v), 1)
    >>> agree(r(236.8819, 0.00005), r(236.88, 0.005)), agree(r(5344.2278, 5e-5), r(5350.2278, 5e-5))
    (True, False)
    """
    return abs(a.value - b.value) <= a.precision + b.precision + 1e-9


def choose(readings: Sequence[Reading]) -> tuple[Reading | None, dict[Reading, int]]:
    """The reading the most independent sources agree with, and each reading's agreement count."""
    if not readings:
        return None, {}
    groups: list[list[Reading]] = []
    for reading in sorted(readings, key=lambda r: (r.priority, -_digits(r))):
        for group in groups:
            if agree(group[0], reading):
                group.append(reading)
                break
        else:
            groups.append([reading])
    support = {id(g): len({_source_key(r) for r in g}) for g in groups}
    winner = max(groups, key=lambda g: (support[id(g)], -min(r.priority for r in g)))
    agreeing = {r: support[id(g)] for g in groups for r in g}
    return winner[0], agreeing


def _source_key(r: Reading) -> str:
    """Readings from one table count once; each sentence counts once."""
    return r.source_ref.split(":")[0] if r.source_kind == "table" else r.source_ref


def _digits(r: Reading) -> int:
    return len(r.original.split(".")[-1]) if "." in r.original else 0


# ---------------------------------------------------------------------------------------
# Derived readings

_THREE_PUBLIC_PARTS = (
    "three_public_abroad",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
)


def _line_of(*readings: Reading | None) -> int | None:
    """The source line of the first input that has one (the evidence of a derived reading)."""
    return next((r.line_no for r in readings if r is not None and r.line_no is not None), None)


def _derived(name: str, value: float, precision: float, ref: str, line: int | None, original: str, priority: int = 5) -> Reading:
    return Reading(name, round(value, 10), precision, "derived", ref, line, original, priority)


def _stated_changes(facts: Sequence[FactLike], change_names: Iterable[str]) -> tuple[list[FactLike], bool]:
    """The stated changes a prior-year value is derived from, and whether they are changes of the
    grand total (收支总计, carry-over included): those only when nothing closer is stated. A change
    of the fiscal appropriations alone is not a change of the unit's total.

    >>> from budgetlib.narrative import Fact
    >>> grand = Fact("expenditure_total_change", -5.0, "万元", "5万元", 1, "", "grand_total")
    >>> _stated_changes([grand], ("expenditure_total_change",))[1], _stated_changes([], ("expenditure_total_change",))[1]
    (True, False)
    """
    names = set(change_names)
    changes = [f for f in facts if f.name in names and f.value is not None and "fiscal" not in f.qualifier.split(",")]
    plain = [f for f in changes if "grand_total" not in f.qualifier.split(",")]
    return (plain, False) if plain else (changes, bool(changes))


def _change_readings(target: str, base: Reading | None, facts: Sequence[FactLike], change_names: Iterable[str], priority: int,
                     grand_base: Reading | None = None) -> list[Reading]:
    """Prior-year value = this year's value − the stated change (:func:`_stated_changes`); a
    change of the grand total against the grand total (``grand_base``), never against this
    year's total — the prior-year value is then the prior year's grand total.
    """
    out: list[Reading] = []
    changes, of_grand = _stated_changes(facts, change_names)
    if of_grand:
        base = grand_base
    if base is None:
        return out
    for fact in changes:
        if fact.value is not None:
            prec = base.precision + _precision(fact.original, fact.unit, False)
            out.append(_derived(target, base.value - fact.value, prec, f"{fact.name}@{fact.line_no}", fact.line_no,
                                f"{base.original} − ({fact.value:+g})", priority))
    return out


_GRAND_INCOME = re.compile(r"^(收入总计|收入合计|总计)$")
_CURRENT_INCOME = re.compile(r"^(本年收入合计|本年收入小计|当年收入小计|当年收入合计)$")


def _carryover_from_revenue_table(items: Sequence[LineItem]) -> list[Reading]:
    """Carry-over = the revenue table's 合计 − its 本年收入 (小计), or the summary table's 收入总计
    − 本年收入合计 (income side), when no cell or sentence states it: the tables' own
    arithmetic, not a blank read as 0."""
    out = []
    for table_title in dict.fromkeys(i.table_title for i in items if i.table_id == "summary"):
        income = [i for i in items if i.table_title == table_title and i.block == 0 and i.period == "current" and i.value_wan is not None]
        grand = next((i for i in income if _GRAND_INCOME.match(i.row_key)), None)
        current = next((i for i in income if _CURRENT_INCOME.match(i.row_key)), None)
        if grand is not None and current is not None and grand.value_wan is not None and current.value_wan is not None:
            precision = _precision(grand.value_original, grand.unit, False) + _precision(current.value_original, current.unit, False)
            out.append(_derived("carryover_in", grand.value_wan - current.value_wan, precision, f"summary:{grand.row_key}−{current.row_key}",
                                grand.line_no, f"{grand.value_original} − {current.value_original}", 4))
    for table_title in dict.fromkeys(i.table_title for i in items if i.table_id == "revenue"):
        row = {i.measure: i for i in items if i.table_title == table_title and i.row_key in ("合计", "总计") and i.period == "current"}
        total, current = row.get("total"), row.get("current_total")
        if total is None or current is None or total.value_wan is None or current.value_wan is None:
            continue
        precision = _precision(total.value_original, total.unit, False) + _precision(current.value_original, current.unit, False)
        out.append(_derived("carryover_in", total.value_wan - current.value_wan, precision, "revenue:合计−本年收入", total.line_no,
                            f"{total.value_original} − {current.value_original}", 4))
    return out


def compute(items: Sequence[LineItem], facts: Sequence[FactLike], doc_kind: str | None = None
            ) -> tuple[dict[str, float | int | str | None], list[tuple[Reading, bool, int]]]:
    """The indicators of one document of ``doc_kind`` ("budget" / "final", None if unknown) and
    every reading behind them.

    Returns ``(values, sources)`` where ``values`` maps indicator → chosen value (None when the
    document does not disclose it) and ``sources`` lists ``(reading, chosen, agreeing)``.
    """
    found = collect_readings(items, facts, doc_kind)
    chosen: dict[str, Reading | None] = {}
    sources: list[tuple[Reading, bool, int]] = []

    def settle(name: str, extra: Sequence[Reading] = ()) -> Reading | None:
        # a derived reading must point at a line of its inputs, like every reading (evidence)
        readings = list(found.get(name, [])) + [r for r in extra if r.line_no is not None]
        winner, agreeing = choose(readings)
        chosen[name] = winner
        sources.extend((r, r is winner, agreeing[r]) for r in readings)
        return winner

    for name in ("revenue_total", "expenditure_total", "personnel_expenditure", "public_expenditure",
                 "project_expenditure", *_THREE_PUBLIC_PARTS, "org_running_cost", "resident_subsidy", "medical_assistance",
                 "procurement_total", "fixed_assets_total", "vehicles", "insured_residents"):
        settle(name)
    settle("carryover_in", [] if found.get("carryover_in") else _carryover_from_revenue_table(items))

    # basic = personnel + public, when no reading states it
    basic_extra: list[Reading] = []
    if not found.get("basic_expenditure") and chosen["personnel_expenditure"] and chosen["public_expenditure"]:
        p, q = chosen["personnel_expenditure"], chosen["public_expenditure"]
        basic_extra.append(_derived("basic_expenditure", p.value + q.value, p.precision + q.precision, "personnel+public",
                                    _line_of(p, q), f"{p.original} + {q.original}"))
    settle("basic_expenditure", basic_extra)

    # “三公” total = sum of its four parts, when no reading states it
    total_extra: list[Reading] = []
    parts = [chosen[p] for p in _THREE_PUBLIC_PARTS]
    if not found.get("three_public_total") and all(parts):
        total_extra.append(_derived("three_public_total", sum(p.value for p in parts if p), sum(p.precision for p in parts if p),
                                    "sum of parts", _line_of(*parts), " + ".join(p.original for p in parts if p)))
    total = settle("three_public_total", total_extra)
    # one part not stated, the total and the other three are: the part is their difference
    missing = [p for p in _THREE_PUBLIC_PARTS if chosen[p] is None]
    if total is not None and len(missing) == 1:
        known = [chosen[p] for p in _THREE_PUBLIC_PARTS if chosen[p] is not None]
        value = total.value - sum(k.value for k in known if k)
        precision = total.precision + sum(k.precision for k in known if k)
        settle(missing[0], [_derived(missing[0], value, precision, "total minus other parts", total.line_no,
                                     f"{total.original} − ({' + '.join(k.original for k in known if k)})")])

    for part in _THREE_PUBLIC_PARTS:
        settle(f"{part}_prev", _change_readings(f"{part}_prev", chosen[part], facts, (f"{part}_change",), 2))
    prev_extra = _change_readings("three_public_prev_total", total, facts, ("three_public_total_change",), 2)
    prev_parts = [chosen[f"{p}_prev"] for p in _THREE_PUBLIC_PARTS]
    if not found.get("three_public_prev_total") and not prev_extra and all(prev_parts):
        # no prior-year total stated: the sum of the four parts' prior-year values
        prev_extra.append(_derived("three_public_prev_total", sum(p.value for p in prev_parts if p),
                                   sum(p.precision for p in prev_parts if p), "sum of prior-year parts",
                                   _line_of(*prev_parts),
                                   " + ".join(f"{p.value:g}" for p in prev_parts if p), 3))
    settle("three_public_prev_total", prev_extra)
    grand = settle("expenditure_grand_total")
    expenditure_changes = ("expenditure_total_change", "expenditure_grand_total_change")
    prev = settle("prev_expenditure_total", _change_readings(
        "prev_expenditure_total", chosen["expenditure_total"], facts, expenditure_changes, 2, grand_base=grand))

    # figures read only for the audit (they have no column in the indicators table)
    for name in dict.fromkeys(r.indicator for r in rules()):
        if name not in chosen:
            settle(name)

    values: dict[str, float | int | str | None] = {}
    for name, reading in chosen.items():
        if reading is None:
            values[name] = None
        elif name in COUNT_INDICATORS:
            values[name] = int(round(reading.value))
        else:
            values[name] = round(reading.value, 6)
    if grand is not None and prev is not None and prev.source_kind == "derived" and _stated_changes(facts, expenditure_changes)[1]:
        # the prior year's grand total: the change is of the grand totals (like with like), see extend
        values["expenditure_total_change"] = round(grand.value - prev.value, 6)
    values["three_public_change_reason"] = _reason(facts)
    values["resident_subsidy_source"] = describe(chosen.get("resident_subsidy"))
    values["insured_residents_source"] = describe(chosen.get("insured_residents"))
    return values, sources


def describe(reading: Reading | None) -> str | None:
    """Where a chosen value came from, in words: a table line or a sentence of the narrative."""
    if reading is None:
        return None
    where = f"第{reading.line_no}行" if reading.line_no else ""
    if reading.source_kind == "table":
        table_id, _, row = reading.source_ref.partition(":")
        return f"table {table_id} “{row}” {reading.original} ({where})"
    if reading.source_kind == "narrative":
        return f"narrative {reading.original} ({where})"
    return f"derived {reading.original}"


def _ratio(a: object, b: object, scale: float = 1.0) -> float | None:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)) or b == 0:
        return None
    return round(a / b * scale, 10)


def _minus(a: object, b: object) -> float | None:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        return None
    return round(a - b, 6)


def extend(values: Mapping[str, object], year: int | None, province: str | None) -> dict[str, object]:
    """Indicators computed from the chosen values and the reference standards.

    城乡居民医保 matching: yuan per insured resident against the year's national standard, and —
    where the share rules allow — the county's expected share and the gap. “三公”: change and
    percent change, total and parts. Structure: shares of basic/project/personnel, YoY of the
    total against the prior year the document states (of the grand totals where the document
    states only the change of its 支出总计: ``values`` then gives the change). Blank whenever an
    input is blank.
    """
    from budgetlib import standards  # reference data: loaded once, cached

    out = dict(values)
    per_capita = _ratio(values.get("resident_subsidy"), values.get("insured_residents"), 10000.0)
    standard = standards.national_standard(year)
    central = standards.central_share(province, year)
    county = standards.county_share(province, year)
    out["resident_subsidy_per_capita_yuan"] = per_capita
    out["national_standard_per_capita_yuan"] = standard
    out["subsidy_to_standard_ratio"] = _ratio(per_capita, standard)
    out["central_share_pct"] = central
    local = None if standard is None or central is None else round(standard * (1 - central / 100), 6)
    out["expected_local_share_per_capita_yuan"] = local
    out["county_share_pct"] = county
    expected_county = None if local is None or county is None else round(local * county / 100, 6)
    out["expected_county_share_per_capita_yuan"] = expected_county
    out["county_share_gap_per_capita_yuan"] = _minus(per_capita, expected_county)
    for name in ("three_public_total", *_THREE_PUBLIC_PARTS):
        prev_name = "three_public_prev_total" if name == "three_public_total" else f"{name}_prev"
        stem = "three_public" if name == "three_public_total" else name
        out[f"{stem}_change"] = _minus(values.get(name), values.get(prev_name))
        out[f"{stem}_change_pct"] = _ratio(out[f"{stem}_change"], values.get(prev_name), 100.0)
    out["basic_share_pct"] = _ratio(values.get("basic_expenditure"), values.get("expenditure_total"), 100.0)
    out["project_share_pct"] = _ratio(values.get("project_expenditure"), values.get("expenditure_total"), 100.0)
    out["personnel_share_pct"] = _ratio(values.get("personnel_expenditure"), values.get("basic_expenditure"), 100.0)
    # compute gives the change itself where prev_expenditure_total is the prior year's grand total
    grand_change = values.get("expenditure_total_change")
    out["expenditure_total_change"] = (grand_change if grand_change is not None
                                       else _minus(values.get("expenditure_total"), values.get("prev_expenditure_total")))
    out["expenditure_total_change_pct"] = _ratio(out["expenditure_total_change"], values.get("prev_expenditure_total"), 100.0)
    return out


def _reason(facts: Sequence[FactLike]) -> str | None:
    for fact in facts:
        if fact.name == "three_public_change_reason" and fact.text:
            return fact.text
    return None
