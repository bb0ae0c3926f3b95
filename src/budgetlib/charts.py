"""Charts and tables for the reports: published frames → altair charts and formatted HTML tables.

Takes rows of the ``panel``/``indicators`` and ``findings`` tables and gives altair charts with
Chinese labels (the CJK font is named in the chart config; the renderer makes it available) and
HTML tables formatted for reading (万元, thousands separators, 2 decimals, text escaped). The
notebooks call these; no business rule lives in a notebook.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence

import altair as alt
import polars as pl

from budgetlib import schemas

__all__ = [
    "FONT",
    "theme",
    "matching_chart",
    "three_public_chart",
    "structure_chart",
    "findings_chart",
    "per_capita_panel_chart",
    "three_public_panel_chart",
    "key_figures",
    "html_table",
    "fmt_amount",
    "report_header",
    "matching_summary",
    "three_public_summary",
    "findings_table",
    "panel_overview",
]

FONT = "Noto Sans CJK SC, Noto Sans SC, Source Han Sans SC, WenQuanYi Micro Hei, Microsoft YaHei, sans-serif"


VEGALITE_MIME = "application/vnd.vegalite.v6+json"


def _vegalite_bundle(spec: dict[str, object], **_: object) -> dict[str, object]:
    """Notebook output of a chart: the Vega-Lite spec under a JSON mime type (``+json``, as
    nbformat requires), and a text stand-in."""
    title = spec.get("title")
    return {VEGALITE_MIME: spec, "text/plain": f"<chart: {title}>" if title else "<chart>"}


def theme() -> None:
    """Chinese-capable fonts and a quiet style for every chart (call once per notebook).

    Charts are emitted as Vega-Lite JSON (the ``mimetype`` renderer), never as HTML that
    loads scripts from a CDN: the report renderer embeds the scripts once per page.
    """
    alt.data_transformers.disable_max_rows()
    alt.renderers.register("budgetlib", _vegalite_bundle)
    alt.renderers.enable("budgetlib")

    def _config() -> dict[str, object]:
        return {"config": {
            "font": FONT,
            "axis": {"labelFont": FONT, "titleFont": FONT, "labelFontSize": 11, "titleFontSize": 12},
            "legend": {"labelFont": FONT, "titleFont": FONT},
            "title": {"font": FONT, "fontSize": 14, "anchor": "start"},
            "view": {"stroke": None},
        }}

    alt.theme.register("budgetlib", enable=True)(_config)  # type: ignore[arg-type]


def fmt_amount(value: object, decimals: int = 2) -> str:
    """万元 with thousands separators; a blank for a missing figure (never 0).

    >>> fmt_amount(5350.2278), fmt_amount(None), fmt_amount(0.0), fmt_amount(372900)
    ('5,350.23', '—', '0.00', '372,900')
    """
    if value is None or (isinstance(value, float) and value != value):
        return "—"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return html.escape(str(value))
    if isinstance(value, int):  # counts: persons, vehicles
        return f"{value:,}"
    return f"{value:,.{decimals}f}"


def html_table(rows: Sequence[Mapping[str, object]], columns: Sequence[tuple[str, str]], *, numeric: Sequence[str] = ()) -> str:
    """A small HTML table; every text is escaped, numbers are right-aligned and formatted."""
    head = "".join(f"<th>{html.escape(label)}</th>" for _, label in columns)
    body = []
    for row in rows:
        cells = []
        for key, _ in columns:
            value = row.get(key)
            if key in numeric:
                cells.append(f'<td class="num">{fmt_amount(value)}</td>')
            else:
                text = "—" if value is None else str(value)
                cells.append(f"<td>{html.escape(text).replace(chr(10), '<br>')}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f'<table class="budget-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


_KEY_FIGURES = (
    "revenue_total", "carryover_in", "expenditure_total", "basic_expenditure", "project_expenditure",
    "personnel_expenditure", "public_expenditure", "prev_expenditure_total", "three_public_total",
    "three_public_prev_total", "org_running_cost", "resident_subsidy", "medical_assistance",
    "procurement_total", "fixed_assets_total",
)


def key_figures(row: Mapping[str, object]) -> str:
    """The document's main figures (万元) as an HTML table, Chinese names from the schema."""
    rows = [{"name": schemas.FIELDS[k].zh, "value": row.get(k)} for k in _KEY_FIGURES]
    rows.append({"name": schemas.FIELDS["insured_residents"].zh + "(人)", "value": row.get("insured_residents")})
    rows.append({"name": schemas.FIELDS["vehicles"].zh + "(辆)", "value": row.get("vehicles")})
    return html_table(rows, (("name", "项目"), ("value", "金额(万元)")), numeric=("value",))


def matching_chart(row: Mapping[str, object]) -> alt.Chart:
    """City-and-rural residents' insurance: yuan per insured resident against the standard."""
    bars = [
        ("本县人均补助", row.get("resident_subsidy_per_capita_yuan")),
        ("国家人均财政补助标准", row.get("national_standard_per_capita_yuan")),
        ("地方应承担人均", row.get("expected_local_share_per_capita_yuan")),
        ("县级应承担人均", row.get("expected_county_share_per_capita_yuan")),
    ]
    data = pl.DataFrame({"项目": [b[0] for b in bars if b[1] is not None], "元/人": [float(b[1]) for b in bars if b[1] is not None]},  # type: ignore[arg-type]
                        schema={"项目": pl.Utf8, "元/人": pl.Float64})  # typed even when empty: altair rejects Null columns
    return (
        alt.Chart(data, title="城乡居民医保：人均补助与国家标准")
        .mark_bar()
        .encode(x=alt.X("元/人:Q", title="元/人"), y=alt.Y("项目:N", sort=None, title=None), tooltip=["项目", "元/人"])
        .properties(width=420, height=30 * max(1, data.height))
    )


_PARTS = (("three_public_abroad", "因公出国(境)费"), ("three_public_vehicle_purchase", "公务用车购置费"),
          ("three_public_vehicle_operation", "公务用车运行维护费"), ("three_public_reception", "公务接待费"))


def three_public_chart(row: Mapping[str, object]) -> alt.Chart:
    """“三公” parts, this year and last (万元)."""
    records = []
    for name, label in _PARTS:
        for period, key in (("上年", f"{name}_prev"), ("本年", name)):
            value = row.get(key)
            if value is not None:
                records.append({"项目": label, "年度": period, "万元": float(value)})  # type: ignore[arg-type]
    data = pl.DataFrame(records, schema={"项目": pl.Utf8, "年度": pl.Utf8, "万元": pl.Float64})
    return (
        alt.Chart(data, title="“三公”经费：本年与上年")
        .mark_bar()
        .encode(
            y=alt.Y("项目:N", sort=[p[1] for p in _PARTS], title=None),
            yOffset=alt.YOffset("年度:N", sort=["上年", "本年"]),
            x=alt.X("万元:Q", title="万元"),
            color=alt.Color("年度:N", sort=["上年", "本年"], title="年度"),
            tooltip=["项目", "年度", "万元"],
        )
        .properties(width=420, height=200)
    )


def structure_chart(row: Mapping[str, object]) -> alt.Chart:
    """Structure of spending: basic (personnel, public) and project expenditure (万元)."""
    parts = [("人员经费", "基本支出", row.get("personnel_expenditure")), ("公用经费", "基本支出", row.get("public_expenditure")),
             ("项目支出", "项目支出", row.get("project_expenditure"))]
    data = pl.DataFrame([{"构成": a, "类别": b, "万元": float(v)} for a, b, v in parts if v is not None],  # type: ignore[arg-type]
                        schema={"构成": pl.Utf8, "类别": pl.Utf8, "万元": pl.Float64})
    return (
        alt.Chart(data, title="支出结构(万元)")
        .mark_bar()
        .encode(x=alt.X("sum(万元):Q", title="万元"), y=alt.Y("类别:N", title=None), color=alt.Color("构成:N", title="构成"),
                tooltip=["构成", "万元"])
        .properties(width=420, height=90)
    )


def findings_chart(findings: pl.DataFrame) -> alt.Chart:
    """Audit findings by rule and severity."""
    data = findings.group_by("rule_id", "severity").len("条数").sort("rule_id") if findings.height else pl.DataFrame(
        schema={"rule_id": pl.Utf8, "severity": pl.Utf8, "条数": pl.UInt32})
    return (
        alt.Chart(data, title="审核发现(按规则)")
        .mark_bar()
        .encode(y=alt.Y("rule_id:N", title="规则"), x=alt.X("条数:Q", title="条数"),
                color=alt.Color("severity:N", title="严重程度", scale=alt.Scale(domain=["error", "warning", "info"],
                                                                             range=["#c0392b", "#e67e22", "#7f8c8d"])),
                tooltip=["rule_id", "severity", "条数"])
        .properties(width=420, height=24 * max(1, data["rule_id"].n_unique() if data.height else 1))
    )


def _label(panel: pl.DataFrame) -> pl.DataFrame:
    return panel.with_columns(
        pl.concat_str([pl.col("county").fill_null(pl.col("unit_name")), pl.lit(" "), pl.col("year").cast(pl.Utf8),
                       pl.lit(" "), pl.col("doc_kind").replace_strict(schemas.DOC_KINDS, default="")]).alias("文档")
    )


def per_capita_panel_chart(panel: pl.DataFrame) -> alt.Chart:
    """Yuan per insured resident by county-year, with the national standard."""
    data = _label(panel).select("文档", pl.col("resident_subsidy_per_capita_yuan").alias("人均补助"),
                                pl.col("national_standard_per_capita_yuan").alias("国家标准"))
    data = data.unpivot(index="文档", on=["人均补助", "国家标准"], variable_name="指标", value_name="元/人").drop_nulls("元/人")
    return (
        alt.Chart(data, title="城乡居民医保人均补助与国家标准(元/人)")
        .mark_bar()
        .encode(y=alt.Y("文档:N", title=None), yOffset="指标:N", x=alt.X("元/人:Q"), color=alt.Color("指标:N"),
                tooltip=["文档", "指标", "元/人"])
        .properties(width=460, height=40 * max(1, panel.height))
    )


def three_public_panel_chart(panel: pl.DataFrame) -> alt.Chart:
    """“三公” total by county over the years (万元)."""
    data = _label(panel).select("文档", "year", pl.col("county").fill_null(pl.col("unit_name")).alias("单位"),
                                pl.col("three_public_total").alias("“三公”经费")).drop_nulls("“三公”经费")
    return (
        alt.Chart(data, title="“三公”经费(万元)")
        .mark_line(point=True)
        .encode(x=alt.X("year:O", title="年度"), y=alt.Y("“三公”经费:Q", title="万元"), color=alt.Color("单位:N"),
                tooltip=["文档", "“三公”经费"])
        .properties(width=460, height=220)
    )


_KIND = {kind: f"部门{zh}" for kind, zh in schemas.DOC_KINDS.items()}


def report_header(row: Mapping[str, object]) -> str:
    """The report's title block (escaped HTML): unit, place, year, kind, source file."""
    place = " ".join(str(row[k]) for k in ("province", "city", "county") if row.get(k))
    kind = _KIND.get(str(row.get("doc_kind")), "")
    title = f"{row.get('unit_name') or '未识别单位'} {row.get('year') or ''}年{kind}"
    return (f'<div class="report-header"><p class="report-title">{html.escape(title)}</p>'
            f"<p>{html.escape(place)}（行政区划代码 {html.escape(str(row.get('adcode') or '—'))}）· "
            f"源文件 {html.escape(str(row.get('source_file')))}</p></div>")


def matching_summary(row: Mapping[str, object]) -> str:
    """城乡居民医保 matching in a sentence or two (escaped HTML)."""
    subsidy, insured = row.get("resident_subsidy"), row.get("insured_residents")
    if subsidy is None:
        return "<p>本文件未披露对城乡居民基本医疗保险基金的补助（功能科目2101202或县级配套资金）。</p>"
    parts = [f"本年对城乡居民基本医疗保险基金的补助为{fmt_amount(subsidy)}万元（来源：{html.escape(str(row.get('resident_subsidy_source') or '—'))}）。"]
    if insured is None:
        parts.append("文件未披露城乡居民参保人数，无法计算人均补助。")
    else:
        parts.append(f"参保人数{fmt_amount(insured, 0)}人（来源：{html.escape(str(row.get('insured_residents_source') or '—'))}），"
                     f"人均{fmt_amount(row.get('resident_subsidy_per_capita_yuan'))}元。")
    standard = row.get("national_standard_per_capita_yuan")
    if standard is None:
        parts.append(f"{html.escape(str(row.get('year')))}年的国家人均财政补助标准未收录，故不作比较。")
    elif row.get("subsidy_to_standard_ratio") is not None:
        ratio = float(row["subsidy_to_standard_ratio"])  # type: ignore[arg-type]
        parts.append(f"当年国家人均财政补助标准为{fmt_amount(standard)}元，本县人均补助相当于其{ratio * 100:.1f}%。")
    if row.get("expected_county_share_per_capita_yuan") is not None:
        parts.append(f"按分担比例，县级应承担人均{fmt_amount(row.get('expected_county_share_per_capita_yuan'))}元，"
                     f"差额{fmt_amount(row.get('county_share_gap_per_capita_yuan'))}元。")
    elif row.get("central_share_pct") is not None:
        parts.append(f"中央分担{fmt_amount(row.get('central_share_pct'), 0)}%，地方（省、市、县）应承担人均"
                     f"{fmt_amount(row.get('expected_local_share_per_capita_yuan'))}元；本省县级分担比例未收录。")
    return "<p>" + "".join(parts) + "</p>"


def three_public_summary(row: Mapping[str, object]) -> str:
    """“三公” this year against last, with the reason the document gives (escaped HTML)."""
    now, prev = row.get("three_public_total"), row.get("three_public_prev_total")
    if now is None:
        return "<p>本文件未披露“三公”经费。</p>"
    text = f"本年“三公”经费{fmt_amount(now)}万元"
    if prev is not None:
        change = row.get("three_public_change")
        pct = row.get("three_public_change_pct")
        text += f"，上年{fmt_amount(prev)}万元，增减{fmt_amount(change)}万元"
        if pct is not None:
            text += f"（{float(pct):+.2f}%）"  # type: ignore[arg-type]
    reason = row.get("three_public_change_reason")
    text += f"。文件所述原因：{reason}" if reason else "。文件未说明增减原因。"
    return f"<p>{html.escape(text)}</p>"


def findings_table(findings: pl.DataFrame) -> str:
    """Findings with their evidence lines, errors first (escaped HTML)."""
    if findings.is_empty():
        return "<p>审核未发现问题。</p>"
    order = {"error": 0, "warning": 1, "info": 2}
    rows = findings.sort(pl.col("severity").replace_strict(order, return_dtype=pl.Int64), "rule_id").to_dicts()
    return html_table(rows, (("severity", "严重程度"), ("rule_id", "规则"), ("message", "说明"), ("evidence_text", "证据(行号: 原文)")))


def panel_overview(panel: pl.DataFrame) -> str:
    """Every document of the panel with its key figures (escaped HTML)."""
    rows = panel.sort("province", "county", "year", "doc_kind", nulls_last=True).to_dicts()
    for r in rows:
        r["kind"] = _KIND.get(str(r.get("doc_kind")), "")
    return html_table(rows, (("province", "省份"), ("county", "区县"), ("unit_name", "单位"), ("year", "年度"), ("kind", "类型"),
                             ("expenditure_total", "本年支出(万元)"), ("three_public_total", "“三公”(万元)"),
                             ("resident_subsidy", "医保补助(万元)"), ("resident_subsidy_per_capita_yuan", "人均(元)")),
                      numeric=("expenditure_total", "three_public_total", "resident_subsidy", "resident_subsidy_per_capita_yuan"))
