"""Panel: indicators of many documents → one row per unit × county × year × kind, with trends.

Takes the ``indicators`` frame (one row per document, from :mod:`budgetlib.pipeline`) and gives

* the ``panel``: one row per unit, county (adcode), fiscal year and document kind — budget and
  final accounts of one year stay separate rows — with every indicator, year-on-year growth
  against the panel's own prior-year row, multi-year growth since the unit's first year in the
  panel, and the cross-document check: the prior year's figure *this* document states, against
  the figure the prior year's *own* document gives (a mismatch is flagged);
* ``panel_duplicates``: documents that describe the same unit, year and kind (a document whose
  unit name, year or kind is unknown only its byte-identical copies: a county code alone does
  not identify a unit); one is kept (the
  most complete: most figures read, then the lowest doc id), the others are listed, never
  double-counted.
"""

from __future__ import annotations

import polars as pl

from budgetlib import schemas

__all__ = ["KEY", "TREND_INDICATORS", "build_panel"]

KEY = ("unit_name", "adcode", "year", "doc_kind")
TREND_INDICATORS = (
    "revenue_total", "expenditure_total", "basic_expenditure", "project_expenditure", "personnel_expenditure",
    "three_public_total", "org_running_cost", "resident_subsidy", "resident_subsidy_per_capita_yuan",
)
_TOLERANCE = 0.01 + 1e-9
_CROSS = (
    # (what this document states about the prior year, what the prior-year document itself gives)
    ("prev_expenditure_total", "expenditure_total", "prior_doc_expenditure_total", "prev_expenditure_mismatch"),
    ("three_public_prev_total", "three_public_total", "prior_doc_three_public_total", "three_public_prev_mismatch"),
)


def _completeness(frame: pl.DataFrame) -> pl.Expr:
    amounts = [c for c in schemas.AMOUNT_INDICATORS if c in frame.columns]
    return pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int64) for c in amounts])


def _alone(*needed: str) -> pl.Expr:
    """A grouping column that keeps a document apart from every other one when its unit name or
    any of ``needed`` is unknown — null equals null when rows are grouped, and two documents whose
    unit could not be read are not one unit, even of one county (a 医疗保障局 and a 财政局): its
    doc id, else null."""
    unknown = pl.any_horizontal([pl.col(c).is_null() for c in ("unit_name", *needed)])
    return pl.when(unknown).then(pl.col("doc_id")).otherwise(None).alias("_alone")


def _dedupe(indicators: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """One document per unit, year and kind; a document whose unit name, year or kind is unknown
    is a duplicate only of byte-identical copies of itself (same doc id)."""
    group = [*KEY, "_alone"]
    ranked = (
        indicators.with_columns(_completeness(indicators).alias("_filled"), _alone("year", "doc_kind"))
        .sort([*KEY, "_alone", "_filled", "doc_id"], descending=[False, False, False, False, False, True, False], nulls_last=True)
        .with_columns(pl.int_range(pl.len()).over(group).alias("_rank"), pl.len().over(group).cast(pl.Int64).alias("n_documents"))
    )
    duplicates = (
        ranked.filter(pl.col("n_documents") > 1)
        .select(*KEY, "doc_id", "source_file", (pl.col("_rank") == 0).alias("kept"))
        .sort(*KEY, "doc_id")
    )
    kept = ranked.filter(pl.col("_rank") == 0).drop("_filled", "_rank", "_alone")
    return kept, duplicates


def _trends(panel: pl.DataFrame) -> pl.DataFrame:
    """Growth against the unit's own earlier rows; a document whose unit or kind is unknown has
    no earlier rows (it is a unit of its own)."""
    unit = ["unit_name", "adcode", "doc_kind", "_alone"]
    panel = panel.with_columns(_alone("doc_kind")).sort(*unit, "year", nulls_last=True)
    exprs = []
    for name in TREND_INDICATORS:
        prev_year = pl.col("year").shift(1).over(unit)
        prev_value = pl.col(name).shift(1).over(unit)
        consecutive = prev_year == pl.col("year") - 1
        exprs.append(
            pl.when(consecutive & prev_value.is_not_null() & (prev_value != 0))
            .then((pl.col(name) / prev_value - 1) * 100)
            .otherwise(None)
            .alias(f"{name}_yoy_pct")
        )
        first_year = pl.col("year").first().over(unit)
        first_value = pl.col(name).first().over(unit)
        span = pl.col("year") - first_year
        exprs.append(
            pl.when((span > 0) & (first_value > 0) & (pl.col(name) > 0))
            .then(((pl.col(name) / first_value) ** (1 / span) - 1) * 100)
            .otherwise(None)
            .alias(f"{name}_cagr_pct")
        )
    for stated, own, prior_col, flag in _CROSS:
        prior_year = pl.col("year").shift(1).over(unit)
        prior_value = pl.when(prior_year == pl.col("year") - 1).then(pl.col(own).shift(1).over(unit)).otherwise(None)
        exprs.append(prior_value.alias(prior_col))
        exprs.append(
            pl.when(prior_value.is_not_null() & pl.col(stated).is_not_null())
            .then((pl.col(stated) - prior_value).abs() > _TOLERANCE)
            .otherwise(None)
            .alias(flag)
        )
    return panel.with_columns(exprs)


def build_panel(indicators: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The validated ``panel`` and ``panel_duplicates`` frames of a set of documents."""
    kept, duplicates = _dedupe(indicators)
    panel = _trends(kept)
    panel = panel.select(schemas.TABLE_COLUMNS["panel"]).sort(*KEY, nulls_last=True)
    return schemas.validate("panel", panel), schemas.validate("panel_duplicates", duplicates)
