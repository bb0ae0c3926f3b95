"""Narrative facts: figures stated in the prose (情况说明) of a budget / final-accounts disclosure.

Takes the numbered, normalised :class:`~budgetlib.read.Line` objects of one document (see
:func:`budgetlib.read.load_lines`) and gives a list of :class:`Fact` objects, each one reading
of one indicator with the sentence and source line it came from.

How it reads:

* Prose lines are joined into paragraphs when a line does not end a sentence (PDF/Word text
  wraps mid-sentence, sometimes with a blank line between the halves); each cell of a
  tab-separated table line is read on its own (long prose cells of performance tables hold
  facts too, a label cell and a number cell never form one).
* Paragraphs are cut into sentences (。！？), sentences into clauses (；).
* Every amount (``number + unit``: 元/万元/亿元, 人/万人, 辆) is given a meaning from the words
  just before it: a *label* (:data:`LABELS`, e.g. ``基本支出``) followed only by filler words
  (``为``, ``共计安排`` …), a change verb (``较上年减少``), or a prior-year marker
  (``较上年6305.01万元``). An amount without a label of its own refers to the subject of the
  clause (``“三公”经费8.06万元，较2022年减少12万元`` → a change of the “三公” total).
* A figure dated by an explicit earlier year in its clause (``2023年预算数为10.56万元`` in a 2024
  document) is the prior-year value (or nothing, for older years and items without one) —
  a flow of a year is dated, a stock counted at a date (固定资产, 参保人数) is not; a zero without a unit
  (``预算为0``, ``为零``) is a figure too. Where a sentence gives an item's budget and its 决算
  figure (``全年预算10万元，支出决算8万元``), both are kept, marked ``budget`` / ``final``.
* Statements without a figure give zero readings marked ``stated_zero``: ``与上年持平`` /
  ``无增减变化`` (change 0), ``无机关运行经费`` / ``无政府采购预算`` / ``无“三公”经费``
  (the item is 0; ``上年及本年度…无…`` also gives the prior-year 0).
* Thresholds of performance indicators (``≤3500万元``, ``20万元以上``) and definitions
  (名词解释: ``…:指…``) give nothing.

Every reading is kept — nothing here decides which value of an indicator is "the" value;
a later stage does. A figure that cannot be read is not emitted.

Example:
    >>> from budgetlib.read import Line
    >>> facts = extract_facts([Line(1, "2024年预算收入3714.62万元，其中基本支出171.62万元。")])
    >>> [(f.name, f.value, f.original) for f in facts]
    [('revenue_total', 3714.62, '3714.62万元'), ('basic_expenditure', 171.62, '171.62万元')]
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from budgetlib.metadata import parse_year
from budgetlib.numbers import CACHE_SIZE
from budgetlib.read import Line

__all__ = [
    "FACT_DESCRIPTIONS",
    "FACT_NAMES",
    "QUALIFIERS",
    "Fact",
    "Segment",
    "build_segments",
    "extract_facts",
]

# ---------------------------------------------------------------------------------------
# Vocabulary

FACT_DESCRIPTIONS: dict[str, str] = {
    "revenue_total": "本年收入/预算收入/收入合计 — revenue of the year (without carry-over), 万元",
    "revenue_grand_total": "收入总计 — revenue incl. carry-over and balances, 万元",
    "revenue_total_prev": "上年收入 — prior-year revenue when stated, 万元",
    "revenue_total_change": "收入(总计)较上年增减 — signed change of revenue, 万元",
    "expenditure_total": "本年支出/支出预算/支出合计/收支安排 — expenditure of the year, 万元",
    "expenditure_grand_total": "支出总计 — expenditure incl. carry-forward, 万元",
    "expenditure_total_prev": "上年支出(较上年X万元) — prior-year expenditure when stated, 万元",
    "expenditure_total_change": "支出(总计)/收支安排较上年增减 — signed change of expenditure, 万元",
    "carryover_in": "上年结转/年初结转和结余 — carry-over into the year, 万元",
    "basic_expenditure": "基本支出 — basic (running) expenditure, 万元",
    "basic_expenditure_change": "基本支出较上年增减 — signed change of basic expenditure, 万元",
    "project_expenditure": "项目支出 — project expenditure, 万元",
    "project_expenditure_change": "项目支出较上年增减 — signed change of project expenditure, 万元",
    "personnel_expenditure": "人员经费 — personnel costs, 万元",
    "public_expenditure": "(日常)公用经费 — office/running public costs, 万元",
    "three_public_total": "“三公”经费合计 — 'three public' costs, total, 万元",
    "three_public_total_prev": "“三公”经费上年数 — prior-year 'three public' total, 万元",
    "three_public_total_change": "“三公”经费较上年增减 — signed change of the total, 万元",
    "three_public_abroad": "因公出国(境)费 — official travel abroad, 万元",
    "three_public_abroad_prev": "因公出国(境)费上年数 — prior-year travel abroad, 万元",
    "three_public_abroad_change": "因公出国(境)费较上年增减 — signed change, 万元",
    "three_public_vehicle": "公务用车购置及运行(维护)费 — official vehicles, purchase + operation, 万元",
    "three_public_vehicle_prev": "公务用车购置及运行费上年数 — prior-year vehicles, 万元",
    "three_public_vehicle_change": "公务用车购置及运行费较上年增减 — signed change, 万元",
    "three_public_vehicle_purchase": "公务用车购置费 — vehicle purchase, 万元",
    "three_public_vehicle_purchase_prev": "公务用车购置费上年数 — prior-year vehicle purchase, 万元",
    "three_public_vehicle_purchase_change": "公务用车购置费较上年增减 — signed change, 万元",
    "three_public_vehicle_operation": "公务用车运行(维护)费/运维费 — vehicle operation, 万元",
    "three_public_vehicle_operation_prev": "公务用车运行维护费上年数 — prior-year operation, 万元",
    "three_public_vehicle_operation_change": "公务用车运行维护费较上年增减 — signed change, 万元",
    "three_public_reception": "公务接待费 — official reception, 万元",
    "three_public_reception_prev": "公务接待费上年数 — prior-year reception, 万元",
    "three_public_reception_change": "公务接待费较上年增减 — signed change, 万元",
    "three_public_change_reason": "“三公”经费增减原因 — stated reason for the change of the total (text)",
    "org_running_cost": "机关运行经费 — running costs of the organ (not 公用经费), 万元",
    "procurement_total": "政府采购预算/支出总额 — government procurement, 万元",
    "fixed_assets_total": "(上年末)固定资产金额 — fixed assets, 万元",
    "fixed_assets_purchase": "拟购置固定资产 — planned fixed-asset purchases, 万元",
    "vehicles": "共有车辆/公务用车保有量 — number of vehicles",
    "insured_residents": "城乡居民医保参保人数 — insured residents (not 职工), persons",
    "resident_subsidy": "财政对城乡居民医保基金的补助/县级配套 — subsidy to the residents' fund, 万元",
    "medical_assistance": "医疗救助(补助资金) — medical assistance, 万元",
}
FACT_NAMES: tuple[str, ...] = tuple(FACT_DESCRIPTIONS)

QUALIFIERS: dict[str, str] = {
    "actual": "a count achieved (完成/实际), for insured_residents",
    "target": "a goal or indicator value (目标/指标/计划), for insured_residents",
    "stated_zero": "0 derived from a statement without a figure (无…/持平/相同/无增减变化)",
    "fiscal": "scoped to fiscal appropriations (财政拨款 / 一般公共预算拨款)",
    "grand_total": "a change read from a 总计 (grand total) sentence",
    "budget": "the budget figure of an item whose different final figure the sentence states too",
    "final": "the final (决算) figure of an item whose different budget figure the sentence states too",
}


@dataclass(frozen=True, slots=True)
class Fact:
    """One reading of one indicator, with its evidence.

    Attributes:
        name: one of :data:`FACT_NAMES`.
        value: amount in 万元, or a count (persons, vehicles); None only for text facts.
        unit: the unit as written ("万元", "元", "亿元", "人", "万人", "辆"; "" for statements).
        original: the matched text (number + unit exactly as written, or the statement).
        line_no: source line of the number (or of the statement).
        sentence: the sentence it came from (at most ~300 characters).
        qualifier: comma-separated tags from :data:`QUALIFIERS`, or "".
        text: the text of a text fact (a reason), else None.
    """

    name: str
    value: float | None
    unit: str
    original: str
    line_no: int
    sentence: str
    qualifier: str = ""
    text: str | None = None


# ---------------------------------------------------------------------------------------
# Patterns (module-level data)

MONEY, PERSONS, VEHICLES = "money", "persons", "vehicles"

#: number + unit. Thousands separators ("1,293.69") and spaces ("减少 12 万元") allowed.
AMOUNT_RE = re.compile(
    r"(?<![\d.,])(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\d.])"
    r"\s*(?P<unit>亿\s*元|万\s*元|元|万人次|人次|万人|人|辆)(?![/／])"
)
#: a zero written without a unit at the end of a clause (``预算为0。``, ``为零``): a money figure
BARE_ZERO_RE = re.compile(
    r"(?<=[为是])(?<!化整为)\s*(?P<num>0(?:\.0+)?|零)(?![\d.])(?=\s*(?:[，,。；;!！?？]|$))"
)
UNIT_MEASURE: dict[str, str | None] = {
    "亿元": MONEY,
    "万元": MONEY,
    "元": MONEY,
    "万人": PERSONS,
    "人": PERSONS,
    "辆": VEHICLES,
    "万人次": None,
    "人次": None,
}
UNIT_FACTOR: dict[str, Decimal] = {
    "亿元": Decimal(10000),
    "万元": Decimal(1),
    "元": Decimal("0.0001"),
    "万人": Decimal(10000),
    "人": Decimal(1),
    "辆": Decimal(1),
}

#: an amount that is a threshold of a performance indicator, not a figure.
THRESHOLD_BEFORE_RE = re.compile(
    r"(?:[≥≤<>=≦≧＞＜]|不低于|不少于|不超过|不高于|不大于|不小于|大于|小于|低于|高于|超过)\s*$"
)
THRESHOLD_AFTER_RE = re.compile(r"^\s*(?:及以上|以上|以下|以内|及以下)")
THRESHOLD_WINDOW = 8

SENTENCE_END = "。！？!?"
CLAUSE_END = "；;"
NEAR_DELIMITERS = "，,；;:。"
#: a line that ends a sentence is not joined with the next one.
LINE_END_RE = re.compile(r"[。！？!?；;]\s*$")
#: a line that starts a new item (heading, list item): the previous line is not continued.
ITEM_START_RE = re.compile(
    r"^\s*(?:[一二三四五六七八九十]+\s*[、.]|[(（]\s*[一二三四五六七八九十\d]{1,3}\s*[)）]"
    r"|\d{1,2}\s*[、.](?!\d)|第[一二三四五六七八九十]+部分|注\s*[:：]|备注)"
)
HEADING_MAX_CHARS = 40
TITLE_MAX_CHARS = 24
PARAGRAPH_MAX_CHARS = 3000

#: a definition (名词解释): nothing in it is a figure of this document.
DEFINITION_RE = re.compile(
    r"^\s*(?:\d{1,2}\s*[、.]|[一二三四五六七八九十]+、)?\s*(?!其中)[^，。；:]{1,30}:\s*(?:是指|指|系指|包括|反映|纳入)"
    r"|是指|系指"
)

COMPARE_RE = (
    r"(?:(?:较|比|与|同)\s*(?:上年度?|去年|上一年度?|(?:\d{4}|[一二][〇零○一二三四五六七八九]{3})\s*年度?)\s*(?:同期)?\s*"
    r"(?:预算数?|决算数?|预算安排|的)?\s*(?:相比|比较)?|同比)"
)
PREV_YEAR_BEFORE_RE = re.compile(r"(?:上年度?|去年|上一年度?)\s*$")
#: two-character change verbs count anywhere in the clause; one-character ones only last.
CHANGE_VERB_RE = re.compile(r"增加|减少|下降|增长|降低|上升|节约|压减|缩减")
CHANGE_VERB_END_RE = re.compile(
    r"(?:增加|减少|下降|增长|降低|上升|节约|压减|缩减|减|增|降)\s*了?\s*$"
)
NEGATIVE_VERBS = ("减", "降", "节约", "压减", "缩减")

GAP_WORDS = (
    "约为",
    "约",
    "为",
    "是",
    "共计",
    "共",
    "合计",
    "总计",
    "总额",
    "总数",
    "金额",
    "计",
    "预算数",
    "决算数",
    "预算",
    "决算",
    "支出",
    "安排",
    "财政拨款",
    "拨款",
    "全年",
    "本年度",
    "本年",
    "当年",
    "年度",
    "的",
    "达到",
    "达",
    "数",
    "项目",
    "资金",
    "经费",
    "费用",
    "规模",
    "累计",
    "实际",
    "已",
    "调整后",
    "执行数",
)
_GAP = "|".join(sorted(map(re.escape, GAP_WORDS), key=len, reverse=True))
_PUNCT = r"[\s:()“”\"'‘’]"
#: a short remark in brackets between a label and its amount (``政府采购金额(以合同签订为准)为``)
_REMARK = r"\([^()]{1,15}\)"
_VERB = r"(?:增加|减少|下降|增长|降低|上升|节约|压减|缩减|减|增|降)\s*了?"
GAP_RE = {
    "level": re.compile(rf"(?:{_REMARK}|{_GAP}|{_PUNCT})*"),
    "change": re.compile(rf"(?:{_REMARK}|{_GAP}|{_PUNCT}|{COMPARE_RE}|{_VERB})*"),
    "prev": re.compile(rf"(?:{_REMARK}|{_GAP}|{_PUNCT}|{COMPARE_RE})*"),
}
#: words that name no item: a clause made only of these has no label of its own.
NOISE_RE = re.compile(
    # item numbering first: "(一)" must go whole, before "(" alone is taken as punctuation
    r"^\s*(?:\(?\d{1,2}\)|\d{1,2}[、.]|[一二三四五六七八九十]+、|\([一二三四五六七八九十]+\))"
    rf"|{COMPARE_RE}|{_VERB}|{_GAP}|{_PUNCT}|[，,、]"
    r"|款项|上述资金|该项资金|其中|主要包括|包括|主要为|分别为|分别是|本单位|我单位|本部门|我部门"
    r"|单位|部门|本中心|我中心|\d{4}\s*年度?|截至|截止|年末|年底|以及|和|及|与|主要|用于|分别|合并"
    r"|上一年度?|上年度?|去年"  # a prior-year marker names no item (上年预算数为10万元)
)
#: a prior-year marker alone before an amount; the figure may stand in brackets (较上年预算数(10.5万元))
PREV_ONLY_RE = re.compile(
    rf"\s*(?:其中\s*:?\s*)?(?:{COMPARE_RE}|(?:上年度?|去年)\s*(?:预算数?|决算数?)?\s*(?:为|是)?)\s*\(?\s*"
)
#: a comparison (比2023年预算数): the year in it dates no amount
COMPARE_PHRASE_RE = re.compile(COMPARE_RE)
#: an explicit year (2023年, 二〇二三年): it dates the amounts after it in its clause
YEAR_RE = re.compile(r"(?<!\d)(?P<y>(?:19|20)\d{2}|[一二][〇零○一二三四五六七八九]{3})\s*年")
#: the words just before a figure that call it the year's budget, or its final (决算) figure
BUDGET_FIGURE_RE = re.compile(r"(?<!公共)(?<!基金)(?<!经营)预算(?:数|安排|支出)?\s*(?:为|是)?\s*:?\s*$")
FINAL_FIGURE_RE = re.compile(r"(?:决算(?:数|支出)?|实际支出(?:数)?|执行数)\s*(?:为|是)?\s*:?\s*$")

ZERO_CHANGE_RE = re.compile(
    r"(?:与|和|同|较|比)\s*上年度?[^，。；]{0,25}?(?:持平|相同|一致|相等|不变)|无增减(?:变化|变动)?"
    r"|没有变化|未发生变化|持平"
)
NONE_RE = re.compile(r"(?:无|未安排|未发生|没有|未列支|不涉及)[^，。；:\d]{0,8}?")
BOTH_YEARS_RE = re.compile(
    r"上年度?\s*(?:及|和|以及|与|、)\s*本年度?|本年度?\s*(?:及|和|以及|与|、)\s*上年度?|两年均|上年和今年"
)
REASON_RE = re.compile(
    r"(?:主要原因(?:是|为)?\s*:?|原因(?:是|为)\s*:?|原因:|主要是由于|主要是因为|主要由于|主要因为|主要是)"
    r"(?:[^。；]|；(?=\s*[二三四五六七八九十]是))*"  # a reason listed 一是…；二是… goes on over its ；
)
#: words one of which a sentence without an amount must contain to state anything: every
#: match of ZERO_CHANGE_RE, NONE_RE or REASON_RE contains one (most table cells contain none).
STATEMENT_HINT_RE = re.compile(r"持平|相同|一致|相等|不变|无|未|没有|不涉及|原因|主要")

ACTUAL_RE = re.compile(r"实际|完成|实现|截至|截止|已|共有")
TARGET_RE = re.compile(r"目标|指标|计划|预计|力争|任务|设置|预期|年初")
EMPLOYEE_RE = re.compile(r"职工")
#: those whose contribution the government pays (资助参保, 代缴): a small group, not the insured
SUBSIDISED_RE = re.compile(r"资助|代缴")
VEHICLE_PURCHASE_RE = re.compile(r"购置|购买|新增|更新|采购")

_NOT_PART = r"(?<![本目员用般共金营户性助业他款购])"
_YEAR = r"(?<![上去])(?:本|当)?年度?"
_QUOTE = r"[“\"'‘]?"
_UNQUOTE = r"[”\"'’]?"


@dataclass(frozen=True, slots=True)
class Label:
    """A name for an amount: the words, the fact names (bases) they give, the measure."""

    bases: tuple[str, ...]
    pattern: re.Pattern[str]
    measure: str = MONEY
    qualifier: str = ""
    reject: tuple[str, ...] = ()
    #: only filler may stand before it in the clause ("劳务派遣人员经费" is not 人员经费)
    strict: bool = False
    #: words the sentence must hold before the amount for the label to name it (a word too
    #: common on its own: 参保 needs 居民, 县级配套 needs 城乡居民医保)
    topic: re.Pattern[str] | None = None


def _label(
    bases: str,
    pattern: str,
    measure: str = MONEY,
    qualifier: str = "",
    reject: str = "",
    strict: bool = False,
    topic: str = "",
) -> Label:
    return Label(
        tuple(bases.split()),
        re.compile(pattern),
        measure,
        qualifier,
        tuple(reject.split()),
        strict,
        re.compile(topic) if topic else None,
    )


#: label words → base fact names. The label that ends nearest the number wins (ties: longest).
LABELS: tuple[Label, ...] = (
    _label(
        "revenue_grand_total expenditure_grand_total",
        r"收入\s*(?:和|、|与|及)?\s*支出(?:预算|决算)?(?:总计)?\s*(?:均|各)"
        r"|收入\s*(?:和|、|与|及)?\s*支出(?:预算|决算)?总计|收、?支(?:预算|决算)?总计(?:均|各)?",
    ),
    _label("revenue_grand_total", r"收入总计"),
    _label("revenue_grand_total", r"财政拨款收入总计", qualifier="fiscal"),
    _label("expenditure_grand_total", r"支出总计"),
    _label("expenditure_grand_total", r"财政拨款支出总计", qualifier="fiscal"),
    _label(
        "revenue_total",
        rf"{_YEAR}(?:单位|部门)?(?:预算)?收入(?:合计|总额)?|{_NOT_PART}预算收入|{_NOT_PART}收入合计|{_NOT_PART}收入预算",
    ),
    _label(
        "revenue_total",
        rf"{_YEAR}(?:一般公共预算)?(?:财政)?拨款收入(?:合计)?|财政拨款收入合计",
        qualifier="fiscal",
    ),
    _label(
        "expenditure_total",
        rf"{_YEAR}(?:单位|部门)?(?:预算)?支出(?:合计|预算)?|{_NOT_PART}预算支出|{_NOT_PART}支出合计"
        rf"|{_NOT_PART}支出预算|收支安排|收支预算(?:总额)?",
    ),
    _label(
        "expenditure_total",
        rf"{_YEAR}(?:一般公共预算)?(?:财政)?拨款支出(?:合计)?|{_YEAR}一般公共预算支出|财政拨款支出合计",
        qualifier="fiscal",
    ),
    _label("carryover_in", r"上年结转(?:和结余|结余)?|年初(?:财政拨款)?结转(?:和|及)?结余"),
    _label("basic_expenditure", r"基本支出", strict=True),
    _label("project_expenditure", r"项目支出", strict=True),
    _label("personnel_expenditure", r"人员经费(?:支出)?", strict=True),
    _label("public_expenditure", r"(?:日常)?公用经费(?:支出)?", strict=True),
    _label("three_public_total", rf"{_QUOTE}三公{_UNQUOTE}\s*经费"),
    _label("three_public_abroad", r"因公出国\s*(?:\(\s*境\s*\))?\s*(?:费用?|经费|支出)"),
    _label(
        "three_public_vehicle",
        r"公务用?车(?:辆)?购置(?:费)?\s*(?:及|和|与|、)\s*运(?:行|维|营)(?:维护)?(?:费用?)?",
    ),
    _label("three_public_vehicle_purchase", r"公务用?车(?:辆)?购置(?:费用?|支出)?"),
    _label(
        "three_public_vehicle_operation",
        r"公务用?车(?:辆)?运(?:行|维|营)(?:维护|维修)?(?:费用?|支出)?",
    ),
    _label("three_public_reception", r"公务接待(?:费用?|支出)?"),
    _label("org_running_cost", r"机关运行(?:经)?费|(?<![车务用])运行经费"),
    # 面向中小企业预留政府采购项目预算金额: the share reserved for small firms, not the total
    _label("procurement_total", r"(?<!预留)政府采购(?:预算|支出|计划|资金)?(?:总额|总计|合计|金额|规模)?"),
    _label("fixed_assets_total", r"固定资产(?:原值|总值|总额|金额|价值|账面(?:原值|价值|净值))?"),
    _label(
        "fixed_assets_purchase",
        r"(?:拟|计划)?(?:安排)?(?:购置|购买|新增|采购)固定资产(?:总额|金额|总值)?|固定资产购置",
    ),
    _label(
        "resident_subsidy",
        r"(?:城乡)?居民(?:基本)?(?:医疗保险|医保|医疗)?[^，。；、:\d]{0,14}?(?:补助|配套)",
        # another level's share (省级补助, 中央补助资金 …) is not the county's matching, nor is
        # another scheme's (城乡居民医疗救助县级配套 is 医疗救助)
        reject="代办 职工 大病 缴费 参保 经办 人均 养老 低保 救助 省级 省财政 中央 市级 市财政 上级",
    ),
    # the county's matching named by its level alone, after the scheme (城乡居民医保省级补助…，县级配套…);
    # the words just before it are part of the match, so that another scheme's matching
    # (医疗救助县级配套, 养老保险县级配套) is rejected
    _label(
        "resident_subsidy",
        r"[^，。；、:\d]{0,10}?(?:县|区|旗)(?:本?级|本?级财政|财政)(?:配套|补助)",
        reject="救助 职工 养老 大病",
        topic=r"居民(?:基本)?(?:医疗保险|医保)",
    ),
    _label("medical_assistance", r"医疗救助(?:补助)?(?:资金|经费|支出)?"),
    _label(
        "vehicles",
        r"(?:共有|拥有|现有|实有|保有)[^，。；\d]{0,8}?(?:车辆|用车|汽车)|车辆(?:保有量|总数|数量?)|保有量",
        VEHICLES,
    ),
    _label("insured_residents", r"参保(?:人数|人员数|人口数?)?", PERSONS, reject="职工", topic="居民"),
    # residents counted in the breakdown of all the insured (参保人数…，其中城乡居民23.56万人)
    _label("insured_residents", r"(?:城乡)?居民(?:基本)?(?:医疗保险|医保)?", PERSONS, topic="参保"),
)

#: base name → its change / prior-year fact name.
CHANGE_OF: dict[str, str] = {
    "revenue_total": "revenue_total_change",
    "revenue_grand_total": "revenue_total_change",
    "expenditure_total": "expenditure_total_change",
    "expenditure_grand_total": "expenditure_total_change",
    "basic_expenditure": "basic_expenditure_change",
    "project_expenditure": "project_expenditure_change",
}
PREV_OF: dict[str, str] = {
    "revenue_total": "revenue_total_prev",
    "expenditure_total": "expenditure_total_prev",
}
THREE_PUBLIC_PARTS: tuple[str, ...] = (
    "three_public_abroad",
    "three_public_vehicle",
    "three_public_vehicle_purchase",
    "three_public_vehicle_operation",
    "three_public_reception",
)
for _base in ("three_public_total", *THREE_PUBLIC_PARTS):
    CHANGE_OF[_base] = f"{_base}_change"
    PREV_OF[_base] = f"{_base}_prev"
#: items counted at a date, not flows of a year: an earlier date does not make them another
#: year's figure (截至2023年末固定资产 in a 2024 budget is its reading; see :func:`_dated`)
STOCKS: frozenset[str] = frozenset({"fixed_assets_total", "carryover_in", "vehicles", "insured_residents"})
#: items that may be scoped to fiscal appropriations (财政拨款基本支出 …); “三公” always is.
FISCAL_SCOPED: frozenset[str] = frozenset(
    {
        "revenue_total",
        "revenue_grand_total",
        "expenditure_total",
        "expenditure_grand_total",
        "basic_expenditure",
        "project_expenditure",
        "personnel_expenditure",
        "public_expenditure",
    }
)
#: items a 无… statement may set to 0 (stated_zero).
NONE_ITEMS: frozenset[str] = frozenset(
    {"three_public_total", *THREE_PUBLIC_PARTS, "org_running_cost", "procurement_total"}
)
SENTENCE_MAX_CHARS = 300
BREAKDOWN_TOLERANCE = Decimal("0.011")


# ---------------------------------------------------------------------------------------
# Segments: paragraphs of prose and cells of tables, with a line number for each character


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of text read as prose (or one table cell), with the source line of each part:
    the part starting at character ``starts[i]`` came from line ``nos[i]``."""

    text: str
    starts: tuple[int, ...]
    nos: tuple[int, ...]
    cell: bool = False

    def line_at(self, index: int) -> int:
        """Source line of the character at ``index`` (clamped to the segment)."""
        if not self.text:
            return 0
        index = min(max(index, 0), len(self.text) - 1)
        return self.nos[bisect.bisect_right(self.starts, index) - 1]


def _is_heading(text: str) -> bool:
    """A title: a short enumerated line without sentence punctuation (``三、机关运行经费安排情况``),
    or any short line without any (``部门政府采购预算``, ``473 元氏县医疗保障局``)."""
    enumerated = ITEM_START_RE.match(text)
    body = text[enumerated.end() :] if enumerated else text
    if _CLAUSE_PUNCT_RE.search(body):
        return False
    return len(text) <= TITLE_MAX_CHARS or (
        enumerated is not None and len(text) <= HEADING_MAX_CHARS
    )


_CLAUSE_PUNCT_RE = re.compile(r"[，。；,、]")


def _join(parts: Sequence[tuple[str, int]]) -> Segment:
    starts, at = [], 0
    for text, _ in parts:
        starts.append(at)
        at += len(text)
    return Segment("".join(t for t, _ in parts), tuple(starts), tuple(no for _, no in parts))


def build_segments(lines: Iterable[Line], keep_cell: Callable[[str], bool] | None = None) -> list[Segment]:
    """Prose paragraphs (wrapped lines joined) and table cells, in document order.

    A prose line is joined with the next non-blank prose line unless it ends a sentence,
    is a heading, or the next line starts a new item. Each cell of a tab-separated line is
    its own segment (only those ``keep_cell`` accepts, when it is given).
    """
    segments: list[Segment] = []
    buf: list[tuple[str, int]] = []
    buf_len = 0

    def flush() -> None:
        nonlocal buf_len
        if buf:
            segments.append(_join(buf))
            buf.clear()
            buf_len = 0

    for line in lines:
        if "\t" in line.text:
            flush()
            if keep_cell is not None and not keep_cell(line.text):
                continue
            for cell in line.text.split("\t"):
                cell = cell.strip()
                if cell and (keep_cell is None or keep_cell(cell)):
                    segments.append(Segment(cell, (0,), (line.no,), cell=True))
            continue
        text = line.text.strip()
        if not text:
            continue
        if buf and ITEM_START_RE.match(text):
            flush()
        buf.append((text, line.no))
        buf_len += len(text)
        if (
            LINE_END_RE.search(text)
            or _is_heading(text)
            or buf_len > PARAGRAPH_MAX_CHARS
        ):
            flush()
    flush()
    return segments


def _spans(text: str, ends: str, start: int = 0, stop: int | None = None) -> list[tuple[int, int]]:
    """Split ``text[start:stop]`` after each character in ``ends``; spans keep the delimiter."""
    stop = len(text) if stop is None else stop
    spans, begin = [], start
    for m in _ends_re(ends).finditer(text, start, stop):
        spans.append((begin, m.end()))
        begin = m.end()
    if begin < stop:
        spans.append((begin, stop))
    return [(a, b) for a, b in spans if text[a:b].strip()]


@functools.cache
def _ends_re(ends: str) -> re.Pattern[str]:
    return re.compile(f"[{re.escape(ends)}]")


# ---------------------------------------------------------------------------------------
# Reading one amount


@dataclass(frozen=True, slots=True)
class _Amount:
    start: int
    num_start: int
    end: int
    original: str
    unit: str
    value: Decimal
    measure: str | None


@dataclass(frozen=True, slots=True)
class _Hit:
    label: Label
    start: int
    end: int


def _amounts(text: str) -> list[_Amount]:
    """Every ``number + unit`` in ``text``, with the value in 万元 / persons / vehicles, and every
    zero written without a unit (:data:`BARE_ZERO_RE`, a money figure), in text order."""
    found = []
    for m in AMOUNT_RE.finditer(text):
        unit = re.sub(r"\s", "", m.group("unit"))
        number = Decimal(m.group("num").replace(",", ""))
        factor = UNIT_FACTOR.get(unit)
        value = number * factor if factor is not None else number
        found.append(
            _Amount(m.start(), m.start("num"), m.end(), m.group(0), unit, value, UNIT_MEASURE[unit])
        )
    for m in BARE_ZERO_RE.finditer(text):
        found.append(_Amount(m.start("num"), m.start("num"), m.end(), m.group("num"), "", Decimal(0), MONEY))
    return sorted(found, key=lambda amount: amount.start)


def _is_threshold(text: str, amount: _Amount) -> bool:
    before = text[max(0, amount.num_start - THRESHOLD_WINDOW) : amount.num_start]
    after = text[amount.end : amount.end + THRESHOLD_WINDOW]
    return bool(THRESHOLD_BEFORE_RE.search(before) or THRESHOLD_AFTER_RE.match(after))


def _label_hits(ctx: str, measure: str | None, gap: re.Pattern[str] | None) -> list[_Hit]:
    """Every label for ``measure`` in ``ctx``; with ``gap``, only those followed by filler."""
    hits = []
    for label in _labels_for(measure):
        for m in label.pattern.finditer(ctx):
            if any(word in m.group(0) for word in label.reject):
                continue
            if gap is not None and not gap.fullmatch(ctx[m.end() :]):
                continue
            if label.strict and _has_own_words(ctx[: m.start()]):
                continue
            hits.append(_Hit(label, m.start(), m.end()))
    return hits


@functools.cache
def _labels_for(measure: str | None) -> tuple[Label, ...]:
    return tuple(label for label in LABELS if label.measure == measure)


@functools.lru_cache(maxsize=CACHE_SIZE)
def _find_label(ctx: str, measure: str | None, gap: re.Pattern[str] | None) -> _Hit | None:
    """The label nearest the end of ``ctx`` (ties: the longest).

    A label made only of filler words (``预算支出``, ``支出合计``) yields to a specific one
    before it (``“三公”经费预算支出为5万元`` is the “三公” total, not total expenditure).
    """
    hits = sorted(
        _label_hits(ctx, measure, gap), key=lambda h: (h.end, h.end - h.start), reverse=True
    )
    specific = [h for h in hits if not GAP_RE["level"].fullmatch(ctx[h.start : h.end])]
    if hits and GAP_RE["level"].fullmatch(ctx[hits[0].start : hits[0].end]):
        if specific:
            return specific[0]
        if ITEM_BEFORE_RE.search(ctx[: hits[0].start]):
            return None  # ``会议费预算支出158.44万元``: the figure of an item we do not read
    return hits[0] if hits else None


#: an expense item named just before a filler-only label (会议费, 培训费, 委托业务费 …)
ITEM_BEFORE_RE = re.compile(r"[^\s\d，。；:、]费\s*$")


@functools.lru_cache(maxsize=CACHE_SIZE)
def _label_at_start(text: str) -> _Hit | None:
    """The longest money label that starts ``text`` (``无“三公”经费…`` → the “三公” total)."""
    best: _Hit | None = None
    for label in _labels_for(MONEY):
        m = label.pattern.match(text)
        if (
            m
            and not any(word in m.group(0) for word in label.reject)
            and (best is None or m.end() > best.end)
        ):
            best = _Hit(label, 0, m.end())
    return best


def _has_own_words(ctx: str) -> bool:
    """True when ``ctx`` names some item (words beyond filler, comparison and verbs)."""
    return bool(NOISE_RE.sub("", ctx).strip())


def _qualifier(hit: _Hit, ctx: str) -> str:
    if hit.label.qualifier:
        return hit.label.qualifier
    if not set(hit.label.bases) & FISCAL_SCOPED:
        return ""
    return "fiscal" if re.search(r"(?:财政拨款|一般公共预算(?:财政)?(?:拨款)?)\s*$", ctx[: hit.start]) else ""


def _join_qualifiers(*parts: str) -> str:
    seen: list[str] = []
    for part in parts:
        for q in part.split(","):
            if q and q not in seen:
                seen.append(q)
    return ",".join(seen)


def _change_sign(ctx: str) -> int:
    verbs = CHANGE_VERB_END_RE.search(ctx) or list(CHANGE_VERB_RE.finditer(ctx))[-1]
    return -1 if any(v in verbs.group(0) for v in NEGATIVE_VERBS) else 1


def _kind(ctx_near: str) -> str:
    """Kind of amount: "change" (a verb of change precedes), "prev" (a prior-year marker), "level"."""
    if CHANGE_VERB_END_RE.search(ctx_near) or CHANGE_VERB_RE.search(ctx_near):
        return "change"
    if PREV_ONLY_RE.fullmatch(ctx_near):
        return "prev"
    return "level"


def _insured_qualifier(ctx_near: str, ctx_wide: str, line_text: str) -> str:
    """Qualifier "actual" or "target" from the nearest text that says (both words: a target), else ""."""
    for text in (ctx_near, ctx_wide, line_text):
        actual, target = bool(ACTUAL_RE.search(text)), bool(TARGET_RE.search(text))
        if actual != target:
            return "actual" if actual else "target"
        if actual:
            return "target"
    return ""


# ---------------------------------------------------------------------------------------
# Reading one sentence


@dataclass(slots=True)
class _Clause:
    """Subject tracking inside one ；-clause."""

    subject: str | None = None
    subject_qualifier: str = ""
    head: str | None = None
    head_end: int = 0
    head_value: Decimal | None = None
    breakdown: Decimal = Decimal(0)  # sum of the unnamed-in-vocabulary items after the head
    last_foreign: bool = False

    def breakdown_complete(self) -> bool:
        """The items listed after 其中 add up to the head amount (so a change after them is the head's)."""
        return (
            self.head_value is not None
            and abs(self.breakdown - self.head_value) <= BREAKDOWN_TOLERANCE
        )


@dataclass(frozen=True, slots=True)
class _Context:
    """What reading one sentence needs: its segment, its span, the segment's amounts, the lines."""

    segment: Segment
    sentence: tuple[int, int]
    amounts: tuple[_Amount, ...]
    line_texts: dict[int, str]
    heading: str | None = None  # the item the sub-heading above names (``(二)公务接待费``)
    year: int | None = None  # the document's fiscal year, when known


def _evidence(ctx: _Context, at: int) -> str:
    a, b = ctx.sentence
    text = ctx.segment.text[a:b].strip()
    if len(text) <= SENTENCE_MAX_CHARS:
        return text
    offset = max(0, min(at - a - SENTENCE_MAX_CHARS // 2, len(text) - SENTENCE_MAX_CHARS))
    return text[offset : offset + SENTENCE_MAX_CHARS]


def _fact(ctx: _Context, name: str, amount: _Amount, sign: int = 1, qualifier: str = "") -> Fact:
    value = float(amount.value) * sign
    return Fact(
        name=name,
        value=value + 0.0,  # no -0.0
        unit=amount.unit,
        original=amount.original,
        line_no=ctx.segment.line_at(amount.num_start),
        sentence=_evidence(ctx, amount.num_start),
        qualifier=qualifier,
    )


def _statement(
    ctx: _Context, name: str, at: int, original: str, qualifier: str = "stated_zero"
) -> Fact:
    return Fact(name, 0.0, "", original, ctx.segment.line_at(at), _evidence(ctx, at), qualifier)


def _read_amount(
    text: str, amount: _Amount, near: int, wide: int, back: int, clause: _Clause, ctx: _Context
) -> list[Fact]:
    """Facts for one amount dated ``back`` years before the document's year (see
    :func:`_years_back`); updates the clause subject."""
    ctx_near, ctx_wide = text[near : amount.start], text[wide : amount.start]
    kind = _kind(ctx_near)
    hit = _find_label(ctx_near, amount.measure, GAP_RE[kind])
    if hit is None and kind == "level" and not _has_own_words(ctx_near):
        hit = _find_label(ctx_wide, amount.measure, None)
        if hit is not None:
            near, ctx_near = wide, ctx_wide
    topic = hit.label.topic if hit is not None else None
    if topic is not None and not topic.search(text, ctx.sentence[0], amount.start):
        hit = None  # 参保 in a sentence without 居民: not the residents' insurance
    if hit is not None and PREV_YEAR_BEFORE_RE.search(ctx_near[: hit.start]) and kind == "level":
        kind = "prev"
    if hit is None:
        return _read_unlabelled(text, amount, kind, back, ctx_near, clause, ctx)

    qualifier = _qualifier(hit, ctx_near)
    facts = []
    for base in hit.label.bases:
        if base == "vehicles" and VEHICLE_PURCHASE_RE.search(ctx_near):
            continue
        if base == "insured_residents":
            if EMPLOYEE_RE.search(ctx_near) or SUBSIDISED_RE.search(ctx_near):
                continue
            qualifier = _insured_qualifier(
                ctx_near, ctx_wide, ctx.line_texts.get(ctx.segment.line_at(amount.num_start), "")
            )
        facts.extend(_reading(base, _dated(kind, back, base), amount, ctx_near, qualifier, ctx))
    if kind != "prev":
        _set_subject(clause, hit.label.bases[-1], near, amount.value if kind == "level" else None)
        clause.subject_qualifier = qualifier if qualifier == "fiscal" else ""
    return facts


def _reading(
    base: str, kind: str, amount: _Amount, ctx_near: str, qualifier: str, ctx: _Context
) -> list[Fact]:
    """The fact a labelled amount gives for ``base``: the level, its change, or its prior-year value."""
    if kind == "level":
        return [_fact(ctx, base, amount, 1, qualifier)]
    if kind == "change" and base in CHANGE_OF:
        grand = "grand_total" if base.endswith("grand_total") else ""
        return [
            _fact(
                ctx,
                CHANGE_OF[base],
                amount,
                _change_sign(ctx_near),
                _join_qualifiers(qualifier, grand),
            )
        ]
    if kind == "prev" and base in PREV_OF:
        return [_fact(ctx, PREV_OF[base], amount, 1, qualifier)]
    return []


def _read_unlabelled(
    text: str, amount: _Amount, kind: str, back: int, ctx_near: str, clause: _Clause, ctx: _Context
) -> list[Fact]:
    """An amount without a label of its own refers to the clause subject (or names a foreign item)."""
    if _has_own_words(ctx_near):
        clause.last_foreign = True
        if kind == "level" and amount.measure == MONEY and clause.head is not None:
            clause.breakdown += amount.value
        return []
    if amount.measure != MONEY:
        return []
    subject, qualifier = clause.subject, clause.subject_qualifier
    if clause.last_foreign:
        listed = "其中" in text[clause.head_end : amount.start] and clause.breakdown_complete()
        subject = clause.head if (kind == "change" and listed) else None
        qualifier = ""
    if subject is None:
        return []
    return _reading(subject, _dated(kind, back, subject), amount, ctx_near, qualifier, ctx)


def _dated(kind: str, back: int, base: str) -> str:
    """The kind of an amount of ``base`` dated ``back`` years before the document's year.

    A flow — what is received or spent in a year (支出, 收入, “三公”, the subsidy to the residents'
    fund …) — of an earlier year is not this year's: a level of the year before is the prior-year
    value ("prev", a reading only where the item has a prior-year fact, :data:`PREV_OF`); any
    other figure of another year gives nothing (""). A stock counted at a date (:data:`STOCKS`:
    固定资产 at 上年末, 结转 into the year, 参保人数 at 年末) stated at an earlier date is still the
    document's reading.

    >>> _dated("level", 1, "three_public_total"), _dated("change", 1, "three_public_total")
    ('prev', '')
    >>> _dated("level", 0, "three_public_total"), _dated("level", 1, "fixed_assets_total")
    ('level', 'level')
    >>> _dated("level", 1, "resident_subsidy"), _dated("level", 2, "resident_subsidy")
    ('prev', '')
    """
    if back == 0 or base in STOCKS:
        return kind
    return "prev" if kind == "level" and back == 1 else ""


def _years_back(
    text: str, sentence: tuple[int, int], amounts: Sequence[_Amount], year: int | None
) -> dict[int, int]:
    """How many years before ``year`` each money amount of the sentence is dated, by its start.

    An amount is dated by the last explicit year before it in its clause (not the year of a
    comparison, 比2023年; a year in the clause before, ``主要是2022年购置车辆1台；公务用车运维费7.8万元``,
    dates nothing here); an undated amount is not in the result. Without the document's
    ``year``, the latest year that dates an amount of the sentence stands for it
    (``2023年…10万元，2024年…8万元`` → 1 and 0).

    >>> text = "2023年预算10万元，比2022年减少1万元，2024年预算8万元。"
    >>> list(_years_back(text, (0, len(text)), _amounts(text), None).values())
    [1, 1, 0]
    """
    a, b = sentence
    compared = [m.span() for m in COMPARE_PHRASE_RE.finditer(text, a, b)]
    mentions = [
        (m.start(), y)
        for m in YEAR_RE.finditer(text, a, b)
        if (y := parse_year(m.group("y"))) is not None and not any(s <= m.start() < e for s, e in compared)
    ]
    dates: dict[int, int] = {}
    for amount in amounts:
        before = [(at, y) for at, y in mentions if at < amount.start]
        if a <= amount.start < b and amount.measure == MONEY and before:
            at, y = before[-1]
            if not _ends_re(CLAUSE_END).search(text, at, amount.start):
                dates[amount.start] = y
    this_year = year if year is not None else max(dates.values(), default=0)
    return {start: this_year - y for start, y in dates.items()}


def _set_subject(clause: _Clause, base: str, at: int, value: Decimal | None) -> None:
    clause.subject, clause.last_foreign = base, False
    if clause.head is None:
        clause.head, clause.head_end, clause.head_value = base, at, value


def _subject_before(
    text: str, start: int, pos: int, trace: Sequence[tuple[int, str | None]]
) -> str | None:
    """The item a statement at ``pos`` is about: a label just before it, else the clause subject."""
    last_amount_end = max((end for end, _ in trace if end <= pos), default=start)
    hit = _find_label(text[max(start, last_amount_end) : pos], MONEY, None)
    if hit is not None:
        return hit.label.bases[-1]
    subjects = [subject for end, subject in trace if end <= pos]
    return subjects[-1] if subjects else None


def _zero_changes(
    text: str, clause_span: tuple[int, int], trace: Sequence[tuple[int, str | None]], ctx: _Context
) -> list[Fact]:
    """``与上年持平`` / ``无增减变化`` → change 0 of the item it is about."""
    facts = []
    a, b = clause_span
    for m in ZERO_CHANGE_RE.finditer(text, a, b):
        subject = _subject_before(text, a, m.start(), trace)
        if subject in CHANGE_OF:
            qualifier = _join_qualifiers(
                "stated_zero",
                _statement_scope(text, a, m.start(), trace),
                "grand_total" if subject.endswith("grand_total") else "",
            )
            facts.append(_statement(ctx, CHANGE_OF[subject], m.start(), m.group(0), qualifier))
    return facts


def _statement_scope(text: str, start: int, pos: int, trace: Sequence[tuple[int, str | None]]) -> str:
    """``fiscal`` when the label a statement is about is scoped to fiscal appropriations
    (``财政拨款收入支出总计持平``)."""
    last_amount_end = max((end for end, _ in trace if end <= pos), default=start)
    ctx = text[max(start, last_amount_end) : pos]
    hit = _find_label(ctx, MONEY, None)
    return _qualifier(hit, ctx) if hit is not None else ""


def _none_statements(text: str, clause_span: tuple[int, int], ctx: _Context) -> list[Fact]:
    """``无机关运行经费`` / ``本单位当年无政府采购预算`` / ``上年及本年度…无“三公”经费`` → 0."""
    facts = []
    a, b = clause_span
    for m in NONE_RE.finditer(text, a, b):
        hit = _label_at_start(text[m.end() : min(b, m.end() + 16)])
        if hit is None:
            continue
        base = hit.label.bases[-1]
        if base not in NONE_ITEMS:
            continue
        original = text[m.start() : m.end() + hit.end]
        names = [base, *(THREE_PUBLIC_PARTS if base == "three_public_total" else ())]
        both_years = BOTH_YEARS_RE.search(text, a, m.end() + hit.end) is not None
        prior_only = not both_years and PREV_YEAR_BEFORE_RE.search(text, a, m.start()) is not None  # 上年无“三公”经费预算
        for name in names:
            if not prior_only:
                facts.append(_statement(ctx, name, m.start(), original))
            if (both_years or prior_only) and name in PREV_OF:
                facts.append(_statement(ctx, PREV_OF[name], m.start(), original))
    return facts


def _reasons(
    text: str,
    clause_span: tuple[int, int],
    trace: Sequence[tuple[int, str | None]],
    ctx: _Context,
    about_total: bool,
) -> list[Fact]:
    """The stated reason for the change of the “三公” total (a text fact)."""
    a, b = clause_span
    for m in REASON_RE.finditer(text, a, ctx.sentence[1]):  # a reason starts in the clause, may go on past its ；
        if m.start() >= b:
            break
        reason = m.group(0).strip().rstrip("，,")
        subjects = [s for end, s in trace if end <= m.start()]
        if (subjects and subjects[-1] == "three_public_total" and about_total) or re.search(
            r"三公", reason
        ):
            line_no = ctx.segment.line_at(m.start())
            return [
                Fact(
                    "three_public_change_reason",
                    None,
                    "",
                    reason,
                    line_no,
                    _evidence(ctx, m.start()),
                    "",
                    reason,
                )
            ]
    return []


def _read_sentence(ctx: _Context) -> list[Fact]:
    """All facts of one sentence: amounts first, then statements without a figure."""
    text = ctx.segment.text
    s_start, s_end = ctx.sentence
    if DEFINITION_RE.search(text[s_start:s_end]):
        return []
    framed: list[tuple[Fact, str]] = []
    statement_facts: list[Fact] = []
    reason_clauses: list[tuple[tuple[int, int], list[tuple[int, str | None]]]] = []
    years_back = _years_back(text, ctx.sentence, ctx.amounts, ctx.year)
    for clause_span in _spans(text, CLAUSE_END, s_start, s_end):
        clause, trace, prev_end = _Clause(subject=ctx.heading), [], clause_span[0]
        for amount in (x for x in ctx.amounts if clause_span[0] <= x.start < clause_span[1]):
            if not _is_threshold(text, amount) and amount.measure is not None:
                near = max(prev_end, _last_delimiter(text, clause_span[0], amount.start))
                back = years_back.get(amount.start, 0)
                found = _read_amount(text, amount, near, prev_end, back, clause, ctx)
                framed.extend((fact, _framing(text[near : amount.start])) for fact in found)
            prev_end = amount.end
            trace.append((amount.end, clause.subject))
        statement_facts.extend(_zero_changes(text, clause_span, trace, ctx))
        statement_facts.extend(_none_statements(text, clause_span, ctx))
        reason_clauses.append((clause_span, trace))
    facts = _mark_budget_and_final(framed) + statement_facts
    about_total = any(f.name == "three_public_total_change" for f in facts)
    for clause_span, trace in reason_clauses:
        reason = _reasons(text, clause_span, trace, ctx, about_total)
        if reason:
            facts.extend(reason)
            break
    return facts


def _framing(ctx_near: str) -> str:
    """"budget" when the words just before a figure call it the year's budget (全年预算, 预算数为),
    "final" when they call it the final figure (支出决算, 决算数为, 实际支出), else "".

    >>> _framing("“三公”经费全年预算"), _framing("支出决算为"), _framing("一般公共预算财政拨款支出")
    ('budget', 'final', '')
    """
    if FINAL_FIGURE_RE.search(ctx_near):
        return "final"
    return "budget" if BUDGET_FIGURE_RE.search(ctx_near) else ""


def _mark_budget_and_final(framed: Sequence[tuple[Fact, str]]) -> list[Fact]:
    """The facts of one sentence, each given with its framing (:func:`_framing`); where the
    sentence states both the budget and the final figure of one item, and they differ
    (``全年预算10万元，支出决算8万元``), each is marked with the qualifier "budget" / "final":
    which one a document reports depends on its kind (see ``indicators.compute``)."""
    kinds: dict[str, set[str]] = {}
    values: dict[str, set[float | None]] = {}
    for fact, framing in framed:
        kinds.setdefault(fact.name, set()).add(framing)
        values.setdefault(fact.name, set()).add(fact.value)
    both = {
        name for name, found in kinds.items() if {"budget", "final"} <= found and len(values[name]) > 1
    }
    return [
        dataclasses.replace(fact, qualifier=_join_qualifiers(fact.qualifier, framing))
        if fact.name in both and framing
        else fact
        for fact, framing in framed
    ]


def _last_delimiter(text: str, start: int, pos: int) -> int:
    """Index just after the last clause delimiter in ``text[start:pos]`` (or ``start``)."""
    for i in range(pos - 1, start - 1, -1):
        if text[i] in NEAR_DELIMITERS:
            return i + 1
    return start


def _dedupe(facts: Iterable[Fact]) -> list[Fact]:
    """One fact per (name, sentence, value): the first reading (a figure before a statement)."""
    seen: set[tuple[str, str, float | None, str | None]] = set()
    kept = []
    for fact in facts:
        key = (fact.name, fact.sentence, fact.value, fact.text)
        if key not in seen:
            seen.add(key)
            kept.append(fact)
    return kept


def extract_facts(lines: Sequence[Line], year: int | None = None) -> list[Fact]:
    """Narrative facts of one document, in document order.

    Args:
        lines: the document's normalised lines (:func:`budgetlib.read.load_lines`).
        year: the document's fiscal year, when known: a figure dated by an explicit year
            (``2023年“三公”经费预算为10万元``) of the year before is a prior-year value, of any
            other year it gives nothing (see :func:`_years_back`).

    Returns:
        Every reading found, each with its sentence and source line; several readings of
        one indicator are all kept.
    """
    line_texts = {line.no: line.text for line in lines}
    facts: list[Fact] = []
    heading: str | None = None
    for segment in build_segments(lines, _may_state):
        if not segment.cell and _is_heading(segment.text):
            heading = heading_subject(segment.text)
            continue
        amounts = tuple(_amounts(segment.text))
        if not amounts and not STATEMENT_HINT_RE.search(segment.text):
            continue  # nothing to read: no figure and no statement (a code, a number, a row label)
        previous: list[Fact] = []
        for sentence in _spans(segment.text, SENTENCE_END):
            context = _Context(segment, sentence, amounts, line_texts, heading, year)
            found = _read_sentence(context)
            if not found and _unexplained_change(previous):
                found = _reason_opening(context)  # …下降23.8%。主要原因是…
            facts.extend(found)
            previous = found
    return _dedupe(facts)


def _unexplained_change(facts: Sequence[Fact]) -> bool:
    """A sentence that states the change of the “三公” total and no reason for it."""
    names = {f.name for f in facts}
    return "three_public_total_change" in names and "three_public_change_reason" not in names


def _reason_opening(ctx: _Context) -> list[Fact]:
    """The reason a sentence opens with (主要原因是…), as the reason for the change stated in
    the sentence before it."""
    text = ctx.segment.text
    a, b = ctx.sentence
    start = a + len(text[a:b]) - len(text[a:b].lstrip())
    if not REASON_RE.match(text, start, b):
        return []
    return _reasons(text, (start, b), [(start, "three_public_total")], ctx, True)


def _may_state(text: str) -> bool:
    """Whether table-cell text can hold a fact: an amount with its unit, or a statement word."""
    return bool(AMOUNT_RE.search(text) or BARE_ZERO_RE.search(text) or STATEMENT_HINT_RE.search(text))


@functools.lru_cache(maxsize=CACHE_SIZE)
def heading_subject(text: str) -> str | None:
    """The item a sub-heading names, when the paragraphs under it speak of that item without
    naming it again (``(一)因公出国(境)经费`` / ``2026年预算安排0.00万元，与上年持平。``):
    one of the “三公” items, 机关运行经费 or 政府采购; else None.

    >>> heading_subject("(一)因公出国(境)经费"), heading_subject("八、政府采购情况")
    ('three_public_abroad', 'procurement_total')
    >>> heading_subject("一、预算收支总体情况") is None
    True
    """
    enumerated = ITEM_START_RE.match(text)
    rest = text[enumerated.end() :].strip() if enumerated else text.strip()
    hit = _label_at_start(rest)
    if hit is None:
        return None
    base = hit.label.bases[-1]
    tail = rest[hit.end :]
    if base not in NONE_ITEMS or len(tail) > 6 or re.search(r"\d", tail):
        return None
    return base
