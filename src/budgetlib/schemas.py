"""Schemas: every output column declared once, and the pandera (polars) schemas built from it.

Takes nothing; gives

* :data:`FIELDS` — each column's name, dtype, unit and meaning (Chinese and English), declared
  once and shared by every table that carries it (the same quantity has the same name
  everywhere);
* :data:`TABLE_COLUMNS` — which columns each published table has, in order;
* :func:`schema` — the pandera ``DataFrameSchema`` of a table, used to validate every output;
* :func:`empty_frame` — a typed empty frame of a table;
* :func:`dictionary` — the data dictionary (one row per table × column) from the same source.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import pandera.polars as pa
import polars as pl

__all__ = [
    "Field",
    "FIELDS",
    "TABLE_COLUMNS",
    "AMOUNT_INDICATORS",
    "DOC_KINDS",
    "schema",
    "validate",
    "empty_frame",
    "frame",
    "dictionary",
]


#: document kinds (doc_kind) and their Chinese names: an adjusted budget (调整预算) is a kind of
#: its own, never a duplicate of the budget it adjusts
DOC_KINDS: dict[str, str] = {"budget": "预算", "final": "决算", "adjusted_budget": "调整预算"}


@dataclass(frozen=True, slots=True)
class Field:
    """One column, declared once."""

    name: str
    dtype: type[pl.DataType] | pl.DataType
    zh: str
    en: str
    description: str
    unit: str = ""
    nullable: bool = True
    checks: tuple[pa.Check, ...] = field(default_factory=tuple)


def _f(name: str, dtype: type[pl.DataType] | pl.DataType, zh: str, en: str, description: str, unit: str = "", nullable: bool = True, checks: tuple[pa.Check, ...] = ()) -> Field:
    return Field(name, dtype, zh, en, description, unit, nullable, checks)


_WAN = "万元"
_NONNEG = (pa.Check.ge(0),)

_DECLARED: tuple[Field, ...] = (
    # --- identity and provenance -------------------------------------------------------
    _f("doc_id", pl.Utf8, "文档编号", "document id", "First 16 hex digits of the SHA-256 of the input file's bytes: the same document gets the same id whatever its file name (identical copies share it: join on doc_id and source_file).", nullable=False),
    _f("source_file", pl.Utf8, "源文件", "source file", "The input's path below the folder given (its file name when the file was named itself); bytes of a name that are not UTF-8 are written as \\xNN.", nullable=False),
    _f("source_sha256", pl.Utf8, "文件哈希", "file hash", "SHA-256 of the input file's bytes.", nullable=False),
    _f("source_format", pl.Utf8, "文件格式", "source format", "Format the file was read as, told by its content (never its name): text:<encoding>, csv:<encoding> (comma-separated values), pdf (text layer), pdf-ocr (scanned, read by OCR), docx, xlsx or html.", nullable=False),
    _f("encoding", pl.Utf8, "编码", "encoding", "Text encoding a text file was read with (utf-8, utf-8-sig, utf-16, gb18030); blank for PDF, DOCX, XLSX and HTML, which carry their text as Unicode."),
    _f("n_lines", pl.Int64, "行数", "lines", "Number of text lines in the document.", nullable=False),
    _f("n_tables", pl.Int64, "表格数", "tables", "Number of standard tables recognised.", nullable=False),
    _f("n_line_items", pl.Int64, "数据项数", "line items", "Number of table cells read.", nullable=False),
    _f("n_facts", pl.Int64, "叙述事实数", "narrative facts", "Number of figures read from the narrative.", nullable=False),
    # --- metadata (from the text, never the file name) ---------------------------------
    _f("unit_name", pl.Utf8, "单位名称", "unit name", "The department or unit the disclosure is about, as its title gives it."),
    _f("province", pl.Utf8, "省份", "province", "Province (from the administrative-division reference)."),
    _f("city", pl.Utf8, "地市", "city", "Prefecture-level city (from the administrative-division reference)."),
    _f("county", pl.Utf8, "区县", "county", "County or district (from the administrative-division reference); blank for city and provincial units."),
    _f("adcode", pl.Utf8, "行政区划代码", "adcode", "6-digit administrative-division code of the most specific division identified.", checks=(pa.Check.str_matches(r"^\d{6}$"),)),
    _f("doc_kind", pl.Utf8, "文档类型", "document kind", "budget (预算), final (决算) or adjusted_budget (调整预算).", checks=(pa.Check.isin(list(DOC_KINDS)),)),
    _f("year", pl.Int64, "年度", "fiscal year", "Fiscal year the document covers.", checks=(pa.Check.in_range(1990, 2100),)),
    # --- tables ------------------------------------------------------------------------
    _f("table_id", pl.Utf8, "表格编号", "table id", "Standard table id (reference/tables.csv).", nullable=False),
    _f("table_name_zh", pl.Utf8, "标准表名", "standard table name", "Standard name of the table."),
    _f("table_title", pl.Utf8, "表格标题", "table title", "The title as printed in the document.", nullable=False),
    _f("title_line", pl.Int64, "标题行号", "title line", "Source line of the table's title.", nullable=False),
    _f("last_line", pl.Int64, "末行行号", "last line", "Source line of the table's last row.", nullable=False),
    _f("table_unit", pl.Utf8, "表格金额单位", "table unit", "Money unit the table declares (元, 万元); blank when it declares none."),
    _f("unit_line", pl.Int64, "单位行号", "unit line", "Source line of the unit declaration."),
    _f("continued", pl.Int64, "续表次数", "continuations", "How many times the title repeats (a table continued across pages, stitched).", nullable=False),
    _f("n_rows", pl.Int64, "数据行数", "data rows", "Number of rows after the title (headers included).", nullable=False),
    _f("is_empty", pl.Boolean, "空表", "empty table", "True when the table holds no figure.", nullable=False),
    _f("notes", pl.Utf8, "表注", "notes", "The table's notes (注:…), joined; e.g. the statement that an empty table is empty on purpose."),
    # --- line items --------------------------------------------------------------------
    _f("block", pl.Int64, "栏组", "block", "Side-by-side block of a wide table (0 = left, e.g. 收入; 1 = 支出 …).", nullable=False),
    _f("row_index", pl.Int64, "行序", "row index", "Data row number within the table (0-based, after stitching).", nullable=False),
    _f("row_label", pl.Utf8, "行标签", "row label", "The row's label as printed (wrapped names joined back).", nullable=False),
    _f("row_key", pl.Utf8, "行标签键", "row key", "The row label without spaces and numbering, for matching."),
    _f("code", pl.Utf8, "科目编码", "classification code", "Budget classification code of the row (spaces removed)."),
    _f("code_system", pl.Utf8, "科目体系", "code system", "function (支出功能分类), econ (部门经济分类), gov_econ (政府经济分类) or revenue.", checks=(pa.Check.isin(["function", "econ", "gov_econ", "revenue"]),)),
    _f("code_level", pl.Utf8, "科目级次", "code level", "类, 款, 项 or 目."),
    _f("parent_code", pl.Utf8, "上级科目", "parent code", "Code of the level above (210 for 21015, 21015 for 2101501)."),
    _f("measure", pl.Utf8, "列含义", "column meaning", "What the column measures (total, basic, project, personnel, public, fiscal …; reference/columns.csv).", nullable=False),
    _f("period", pl.Utf8, "期间", "period", "current, prior (上年), change (增减) or budgeted (预算数 beside 决算数).", nullable=False, checks=(pa.Check.isin(["current", "prior", "change", "budgeted"]),)),
    _f("column_header", pl.Utf8, "列标题", "column header", "The column's header parts as printed, joined with /."),
    _f("value", pl.Float64, "原值", "value as printed", "The number as printed, in the table's own unit; null when the cell holds text that is not a readable number."),
    _f("value_wan", pl.Float64, "金额(万元)", "amount (10k yuan)", "The amount in 万元 (元 ÷ 10000); null for counts, percentages, scores and unreadable cells.", unit=_WAN),
    _f("value_original", pl.Utf8, "原文", "original text", "The cell's text exactly as extracted.", nullable=False),
    _f("unit", pl.Utf8, "单位", "unit", "Unit of the figure as written (元, 万元, 人, 万人, 辆; % for percentages and ratios, 分 for scores; blank for counts in tables)."),
    _f("unit_assumed", pl.Boolean, "单位为推定", "unit assumed", "True when the table declares no unit and the document's default was used.", nullable=False),
    _f("line_no", pl.Int64, "源行号", "source line", "Line number in the source text the figure came from.", nullable=False),
    _f("line_text", pl.Utf8, "源行文本", "source line text", "The text of that source line (normalised), for evidence.", nullable=False),
    _f("location", pl.Utf8, "原文位置", "location", "Where the source line stands in the original file: p.3 l.12 (PDF page 3, 12th line read on it), table 2 row 5 / paragraph 14 (DOCX), sheet 表1 row 7 (XLSX); blank for text files, whose line number is the location."),
    _f("ocr", pl.Boolean, "OCR识别", "read by OCR", "True when the figure's line was read by OCR from a scanned page (check it against the scan: OCR misreads digits).", nullable=False),
    # --- facts -------------------------------------------------------------------------
    _f("fact_name", pl.Utf8, "事实名称", "fact name", "What the narrative figure is (narrative.FACT_NAMES).", nullable=False),
    _f("original", pl.Utf8, "原文数字", "original text", "The number with its unit as written in the sentence."),
    _f("sentence", pl.Utf8, "原句", "sentence", "The sentence the figure came from (evidence)."),
    _f("qualifier", pl.Utf8, "限定", "qualifier", "actual / target (insured residents), stated_zero (a 无…/持平 statement), fiscal, grand_total, "
       "budget / final (the budget and the 决算 figure of one item in one sentence); see narrative.QUALIFIERS."),
    _f("text", pl.Utf8, "文字", "text", "Text facts such as the reason given for a change."),
    # --- indicator sources -------------------------------------------------------------
    _f("indicator", pl.Utf8, "指标", "indicator", "Indicator name (a column of the indicators table).", nullable=False),
    _f("source_kind", pl.Utf8, "来源类型", "source kind", "table (a line item), narrative (a sentence) or derived (arithmetic on other readings).", nullable=False, checks=(pa.Check.isin(["table", "narrative", "derived"]),)),
    _f("source_ref", pl.Utf8, "来源", "source", "Table id and row, or fact name, the reading came from."),
    _f("precision", pl.Float64, "舍入误差", "rounding", "How far the reading may be from the figure it rounds: half a unit of its last printed "
       "digit, in the indicator's unit (万元, persons, vehicles); readings agree when they differ by no more than their two roundings.", nullable=False,
       checks=_NONNEG),
    _f("chosen", pl.Boolean, "采用", "chosen", "True for the reading the indicator takes.", nullable=False),
    _f("agreeing", pl.Int64, "一致读数", "agreeing readings", "How many readings of the indicator agree with this one (within rounding).", nullable=False),
    # --- findings ----------------------------------------------------------------------
    _f("rule_id", pl.Utf8, "规则", "rule", "Audit rule id (reference/rules.csv; `budgetlib rules` lists them).", nullable=False),
    _f("severity", pl.Utf8, "严重程度", "severity", "error, warning or info.", nullable=False, checks=(pa.Check.isin(["error", "warning", "info"]),)),
    _f("table_ref", pl.Utf8, "涉及表格", "table", "Table id the finding is about (blank when it is about the narrative)."),
    _f("row_ref", pl.Utf8, "涉及行/科目", "row or code", "Row label, classification code or indicator the finding is about."),
    _f("expected", pl.Float64, "应为", "expected", "What the rule expects (e.g. the sum of the parts), 万元 unless a count.", unit=_WAN),
    _f("found", pl.Float64, "实为", "found", "What the document prints, 万元 unless a count.", unit=_WAN),
    _f("difference", pl.Float64, "差额", "difference", "found − expected.", unit=_WAN),
    _f("evidence_lines", pl.Utf8, "证据行号", "evidence lines", "Source line numbers that prove the finding, separated by ;."),
    _f("evidence_text", pl.Utf8, "证据原文", "evidence text", "The text of those lines, one per line, each led by its number."),
    # --- errors ------------------------------------------------------------------------
    _f("stage", pl.Utf8, "阶段", "stage", "Where the file failed: read, recognise, parse, validate (its figures break the output schemas).", nullable=False),
    _f("message", pl.Utf8, "说明", "message", "What went wrong, in words a researcher understands.", nullable=False),
)

# Indicators: amounts in 万元 unless the name says otherwise; blank = not disclosed.
_INDICATOR_AMOUNTS: tuple[tuple[str, str, str, str], ...] = (
    ("revenue_total", "本年收入合计", "revenue this year", "This year's revenue, excluding carry-over (本年收入合计)."),
    ("carryover_in", "上年结转", "carry-over in", "Carry-over and balance from the previous year (上年结转/年初结转和结余)."),
    ("expenditure_total", "本年支出合计", "expenditure this year", "This year's expenditure (本年支出合计)."),
    ("basic_expenditure", "基本支出", "basic expenditure", "Basic expenditure (基本支出)."),
    ("project_expenditure", "项目支出", "project expenditure", "Project expenditure (项目支出, 专项业务经费)."),
    ("personnel_expenditure", "人员经费", "personnel expenditure", "Personnel expenditure within basic expenditure (人员经费)."),
    ("public_expenditure", "公用经费", "public expenditure", "Public (office) expenditure within basic expenditure (公用经费)."),
    ("three_public_total", "“三公”经费合计", "three public total", "Fiscal “three public” expenditure: abroad + vehicles + reception."),
    ("three_public_abroad", "因公出国(境)费", "travel abroad", "因公出国(境)费."),
    ("three_public_vehicle_purchase", "公务用车购置费", "vehicle purchase", "公务用车购置费."),
    ("three_public_vehicle_operation", "公务用车运行维护费", "vehicle operation", "公务用车运行维护费."),
    ("three_public_reception", "公务接待费", "official reception", "公务接待费."),
    ("three_public_prev_total", "上年“三公”经费", "three public, prior year", "The prior year's “three public” total as this document states it (or this year's total minus the stated change)."),
    ("org_running_cost", "机关运行经费", "organisation running cost", "机关运行经费."),
    ("resident_subsidy", "城乡居民医保补助", "resident insurance subsidy", "The county's subsidy to the city-and-rural residents' medical insurance fund: function code 2101202 or the stated 县级配套 amount."),
    ("medical_assistance", "医疗救助", "medical assistance", "Medical assistance (function code 21013 医疗救助 or the stated amount)."),
    ("procurement_total", "政府采购", "government procurement", "Government procurement total (政府采购预算/支出总额)."),
    ("fixed_assets_total", "固定资产总额", "fixed assets", "Fixed assets held at the end of the previous year (资产总额)."),
    ("prev_expenditure_total", "上年支出合计", "expenditure, prior year", "The prior year's expenditure total as this document states it (or this year's total minus the stated change; the prior year's 支出总计 where only the change of the grand total is stated)."),
)
AMOUNT_INDICATORS: tuple[str, ...] = tuple(n for n, *_ in _INDICATOR_AMOUNTS)

_DECLARED += tuple(_f(n, pl.Float64, zh, en, d, unit=_WAN) for n, zh, en, d in _INDICATOR_AMOUNTS)
# figures read only for the audit: readings in indicator_sources (named in findings), no column of the indicators table
_DECLARED += (
    _f("fiscal_gpb_revenue", pl.Float64, "一般公共预算拨款收入", "general public budget appropriation",
       "This year's 一般公共预算拨款收入, as the summary tables and the revenue table print it (audit only).", unit=_WAN),
    _f("expenditure_grand_total", pl.Float64, "支出总计", "expenditure grand total",
       "支出总计, carry-forward included: the base of a change the document states for the grand total (audit only).", unit=_WAN),
)
_DECLARED += (
    _f("three_public_change_reason", pl.Utf8, "“三公”增减原因", "three public change reason", "The reason the document gives for the change of its “three public” expenditure."),
    _f("insured_residents", pl.Int64, "城乡居民参保人数", "insured residents", "Residents insured in the city-and-rural residents' medical insurance (persons; 万人 converted); the actual figure preferred over a target.", unit="人", checks=_NONNEG),
    _f("vehicles", pl.Int64, "车辆数", "vehicles", "Official vehicles held (辆).", unit="辆", checks=_NONNEG),
)

_YUAN = "元"
_PCT = "%"
_three_public_parts = (("three_public_abroad", "因公出国(境)费"), ("three_public_vehicle_purchase", "公务用车购置费"),
                       ("three_public_vehicle_operation", "公务用车运行维护费"), ("three_public_reception", "公务接待费"))
_DECLARED += (
    _f("resident_subsidy_source", pl.Utf8, "医保补助来源", "resident subsidy source", "Where resident_subsidy was read: a table line (table, row, printed value, line) or a sentence of the narrative."),
    _f("insured_residents_source", pl.Utf8, "参保人数来源", "insured residents source", "Where insured_residents was read (sentence and line)."),
    _f("resident_subsidy_per_capita_yuan", pl.Float64, "人均补助(元)", "subsidy per insured resident", "resident_subsidy × 10000 ÷ insured_residents: yuan per insured resident.", unit=_YUAN),
    _f("national_standard_per_capita_yuan", pl.Float64, "国家人均财政补助标准(元)", "national per-capita standard", "The year's national minimum per-capita fiscal subsidy (reference/resident_insurance_standards.csv); blank when none is on file.", unit=_YUAN),
    _f("subsidy_to_standard_ratio", pl.Float64, "人均补助/国家标准", "ratio to national standard", "resident_subsidy_per_capita_yuan ÷ national_standard_per_capita_yuan."),
    _f("central_share_pct", pl.Float64, "中央分担比例(%)", "central share", "The central government's share of the subsidy in the document's province (国办发〔2018〕67号 tiers; reference/central_share_tiers.csv); blank for years before the tiers apply (2019).", unit=_PCT),
    _f("expected_local_share_per_capita_yuan", pl.Float64, "地方应承担人均(元)", "expected local share per capita", "national standard × (1 − central share): what province, city and county together must fund per insured resident.", unit=_YUAN),
    _f("county_share_pct", pl.Float64, "县级分担比例(%)", "county share", "The county's share of the local part, where the province publishes its split (reference/province_shares.csv).", unit=_PCT),
    _f("expected_county_share_per_capita_yuan", pl.Float64, "县级应承担人均(元)", "expected county share per capita", "expected local share × county share.", unit=_YUAN),
    _f("county_share_gap_per_capita_yuan", pl.Float64, "县级人均补助差额(元)", "county gap per capita", "resident_subsidy_per_capita_yuan − expected_county_share_per_capita_yuan.", unit=_YUAN),
    _f("three_public_change", pl.Float64, "“三公”增减额", "three public change", "three_public_total − three_public_prev_total.", unit=_WAN),
    _f("three_public_change_pct", pl.Float64, "“三公”增减率(%)", "three public change %", "three_public_change ÷ three_public_prev_total × 100.", unit=_PCT),
    *(f for name, zh in _three_public_parts for f in (
        _f(f"{name}_prev", pl.Float64, f"上年{zh}", f"{name} prior year", f"The prior year's {zh} as the document states it (or this year's minus the stated change).", unit=_WAN),
        _f(f"{name}_change", pl.Float64, f"{zh}增减额", f"{name} change", f"{zh} this year − prior year.", unit=_WAN),
        _f(f"{name}_change_pct", pl.Float64, f"{zh}增减率(%)", f"{name} change %", f"{zh} change ÷ prior year × 100.", unit=_PCT),
    )),
    _f("basic_share_pct", pl.Float64, "基本支出占比(%)", "basic share", "basic_expenditure ÷ expenditure_total × 100.", unit=_PCT),
    _f("project_share_pct", pl.Float64, "项目支出占比(%)", "project share", "project_expenditure ÷ expenditure_total × 100.", unit=_PCT),
    _f("personnel_share_pct", pl.Float64, "人员经费占基本支出(%)", "personnel share of basic", "personnel_expenditure ÷ basic_expenditure × 100.", unit=_PCT),
    _f("expenditure_total_change", pl.Float64, "支出增减额", "expenditure change", "expenditure_total − prev_expenditure_total (the prior year this document states); where it states only the change of its 支出总计 (carry-forward included), that change: grand total against grand total.", unit=_WAN),
    _f("expenditure_total_change_pct", pl.Float64, "支出增减率(%)", "expenditure change %", "expenditure_total_change ÷ prev_expenditure_total × 100.", unit=_PCT),
)
EXTENDED_INDICATORS: tuple[str, ...] = (
    "resident_subsidy_source", "insured_residents_source", "resident_subsidy_per_capita_yuan",
    "national_standard_per_capita_yuan", "subsidy_to_standard_ratio", "central_share_pct",
    "expected_local_share_per_capita_yuan", "county_share_pct", "expected_county_share_per_capita_yuan",
    "county_share_gap_per_capita_yuan", "three_public_change", "three_public_change_pct",
    *(f"{name}{suffix}" for name, _ in _three_public_parts for suffix in ("_prev", "_change", "_change_pct")),
    "basic_share_pct", "project_share_pct", "personnel_share_pct", "expenditure_total_change", "expenditure_total_change_pct",
)

_TREND = (("revenue_total", "本年收入"), ("expenditure_total", "本年支出"), ("basic_expenditure", "基本支出"),
          ("project_expenditure", "项目支出"), ("personnel_expenditure", "人员经费"), ("three_public_total", "“三公”经费"),
          ("org_running_cost", "机关运行经费"), ("resident_subsidy", "城乡居民医保补助"),
          ("resident_subsidy_per_capita_yuan", "人均补助"))
_DECLARED += (
    _f("n_documents", pl.Int64, "同键文档数", "documents for this key", "How many documents describe this unit, year and kind (more than 1: see panel_duplicates).", nullable=False),
    _f("kept", pl.Boolean, "采用", "kept", "True for the document the panel keeps for its unit, year and kind.", nullable=False),
    *(f for name, zh in _TREND for f in (
        _f(f"{name}_yoy_pct", pl.Float64, f"{zh}同比(%)", f"{name} year-on-year %", f"Growth of {name} against the same unit's row of the previous year in the panel (blank when that year is not in the panel).", unit=_PCT),
        _f(f"{name}_cagr_pct", pl.Float64, f"{zh}年均增长(%)", f"{name} multi-year growth %", f"Compound annual growth of {name} since the unit's first year in the panel.", unit=_PCT),
    )),
    _f("prior_doc_expenditure_total", pl.Float64, "上年文档支出合计", "prior document's expenditure", "expenditure_total of the same unit's document of the previous year (same kind), as that document gives it.", unit=_WAN),
    _f("prev_expenditure_mismatch", pl.Boolean, "上年支出不符", "prior expenditure mismatch", "True when the prior-year expenditure this document states differs (beyond 0.01 万元) from the prior-year document's own figure."),
    _f("prior_doc_three_public_total", pl.Float64, "上年文档“三公”经费", "prior document's three public", "three_public_total of the same unit's document of the previous year (same kind).", unit=_WAN),
    _f("three_public_prev_mismatch", pl.Boolean, "上年“三公”不符", "prior three public mismatch", "True when the prior-year “三公” total this document states differs from the prior-year document's own figure."),
)

FIELDS: dict[str, Field] = {f.name: f for f in _DECLARED}
if len(FIELDS) != len(_DECLARED):  # pragma: no cover - a declaration error
    raise RuntimeError("a column is declared twice in schemas._DECLARED")

_META = ("unit_name", "province", "city", "county", "adcode", "doc_kind", "year")

_INDICATOR_COLUMNS: tuple[str, ...] = (
    "revenue_total", "carryover_in", "expenditure_total", "basic_expenditure", "project_expenditure",
    "personnel_expenditure", "public_expenditure", "three_public_total", "three_public_abroad",
    "three_public_vehicle_purchase", "three_public_vehicle_operation", "three_public_reception",
    "three_public_prev_total", "three_public_change_reason", "org_running_cost", "resident_subsidy",
    "insured_residents", "medical_assistance", "procurement_total", "fixed_assets_total", "vehicles",
    "prev_expenditure_total", *EXTENDED_INDICATORS,
)

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id", "source_file", "source_sha256", "source_format", "encoding", *_META, "n_lines", "n_tables", "n_line_items", "n_facts"),
    "tables": ("doc_id", "source_file", "table_id", "table_name_zh", "table_title", "title_line", "last_line", "table_unit", "unit_line", "continued", "n_rows", "is_empty", "notes"),
    "line_items": ("doc_id", "source_file", "table_id", "table_title", "block", "row_index", "row_label", "row_key", "code", "code_system", "code_level", "parent_code", "measure", "period", "column_header", "value", "value_wan", "value_original", "unit", "unit_assumed", "line_no", "line_text", "location", "ocr"),
    "facts": ("doc_id", "source_file", "fact_name", "value", "unit", "original", "line_no", "line_text", "location", "ocr", "sentence", "qualifier", "text"),
    "indicators": ("source_file", "doc_id", *_META, *_INDICATOR_COLUMNS),
    "indicator_sources": ("doc_id", "source_file", "indicator", "value", "source_kind", "source_ref", "line_no", "original", "precision", "chosen",
                          "agreeing"),
    "panel": ("unit_name", "adcode", "year", "doc_kind", "province", "city", "county", "doc_id", "source_file", "n_documents",
              *(c for c in _INDICATOR_COLUMNS), *(f"{n}{s}" for n, _ in _TREND for s in ("_yoy_pct", "_cagr_pct")),
              "prior_doc_expenditure_total", "prev_expenditure_mismatch", "prior_doc_three_public_total", "three_public_prev_mismatch"),
    "panel_duplicates": ("unit_name", "adcode", "year", "doc_kind", "doc_id", "source_file", "kept"),
    "findings": ("doc_id", "source_file", "rule_id", "severity", "table_ref", "row_ref", "expected", "found", "difference", "message", "evidence_lines", "evidence_text"),
    "errors": ("source_file", "stage", "message"),
}


@cache
def schema(table: str) -> pa.DataFrameSchema:
    """The pandera schema of a published table, built from :data:`FIELDS`."""
    columns = {}
    for name in TABLE_COLUMNS[table]:
        f = FIELDS[name]
        columns[name] = pa.Column(
            f.dtype, nullable=f.nullable, checks=list(f.checks), title=f.zh, description=f"{f.en}: {f.description}"
        )
    return pa.DataFrameSchema(columns, strict=True, ordered=True, name=table)


def validate(table: str, frame: pl.DataFrame) -> pl.DataFrame:
    """Validate ``frame`` against the table's schema (all failures reported at once)."""
    return schema(table).validate(frame, lazy=True)


def empty_frame(table: str) -> pl.DataFrame:
    """A typed frame with no rows."""
    return pl.DataFrame(schema={n: FIELDS[n].dtype for n in TABLE_COLUMNS[table]})


def frame(table: str, rows: list[dict[str, object]]) -> pl.DataFrame:
    """Rows (dicts) → a frame with the table's columns and dtypes, in order."""
    types = {n: FIELDS[n].dtype for n in TABLE_COLUMNS[table]}
    if not rows:
        return empty_frame(table)
    return pl.DataFrame({n: [r.get(n) for r in rows] for n in types}, schema=types)


def dictionary() -> pl.DataFrame:
    """The data dictionary: one row per published table × column."""
    rows = []
    for table, names in TABLE_COLUMNS.items():
        for name in names:
            f = FIELDS[name]
            rows.append(
                {"table": table, "column": name, "name_zh": f.zh, "name_en": f.en, "dtype": str(f.dtype),
                 "unit": f.unit, "nullable": f.nullable, "description": f.description}
            )
    return pl.DataFrame(rows)
