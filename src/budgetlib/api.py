"""API for notebooks: load the published data, pick a county-year, see the evidence behind a number.

Takes a folder written by ``budgetlib ingest`` (default ``data/processed``) and gives polars
frames. Small on purpose::

    from budgetlib import api
    panel = api.load_panel()
    row = api.county_year(panel, "元氏县", 2023)            # or an adcode: "130132"
    api.evidence(row["doc_id"][0], "resident_subsidy")      # every reading, with its line
    api.findings(row["doc_id"][0])                          # the audit of that document
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from budgetlib import paths, schemas

__all__ = ["load", "load_panel", "county_year", "report_row", "evidence", "findings", "line_items", "describe_columns"]


def _folder(folder: Path | str | None) -> Path:
    return Path(folder) if folder is not None else paths.processed_dir()


def load(table: str, folder: Path | str | None = None) -> pl.DataFrame:
    """One published table (``documents``, ``line_items``, ``findings``, ``panel`` …), validated."""
    path = _folder(folder) / f"{table}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path} not found: run `make ingest` (or `budgetlib ingest … --out {path.parent}`) first")
    return schemas.validate(table, pl.read_parquet(path))


def load_panel(folder: Path | str | None = None) -> pl.DataFrame:
    """The panel: one row per unit × county × year × kind."""
    return load("panel", folder)


def county_year(panel: pl.DataFrame, county: str, year: int, doc_kind: str | None = None) -> pl.DataFrame:
    """The panel rows of one county (name such as 元氏县, or 6-digit adcode) and year."""
    column = "adcode" if county.isdigit() else "county"
    rows = panel.filter((pl.col(column) == county) & (pl.col("year") == year))
    return rows if doc_kind is None else rows.filter(pl.col("doc_kind") == doc_kind)


def report_row(panel: pl.DataFrame, adcode: str, year: int | None, doc_kind: str | None, doc_id: str = "") -> dict[str, object]:
    """The one panel row a report is about; a clear error when it is not there.

    A year, kind or adcode the document does not tell (``None``, or ``""`` for the adcode)
    matches a blank in the panel: such a document has its report too.
    """
    rows = panel.filter(pl.col("year").eq_missing(year) & pl.col("doc_kind").eq_missing(doc_kind))
    rows = rows.filter(pl.col("doc_id") == doc_id) if doc_id else rows.filter(pl.col("adcode").eq_missing(str(adcode) or None))
    if rows.height != 1:
        raise LookupError(f"no single panel row for adcode={adcode!r} year={year} kind={doc_kind!r} doc_id={doc_id!r} ({rows.height} found)")
    return rows.to_dicts()[0]


def evidence(doc_id: str, indicator: str, folder: Path | str | None = None) -> pl.DataFrame:
    """Every reading of ``indicator`` in a document — table cell or sentence — with its source
    line and text; the chosen one first."""
    sources = load("indicator_sources", folder).filter((pl.col("doc_id") == doc_id) & (pl.col("indicator") == indicator))
    lines = pl.concat([
        load("line_items", folder).filter(pl.col("doc_id") == doc_id).select("line_no", "line_text"),
        load("facts", folder).filter(pl.col("doc_id") == doc_id).select("line_no", "line_text"),
    ]).unique("line_no", keep="first")
    return (
        sources.join(lines, on="line_no", how="left")
        .select("indicator", "value", "chosen", "agreeing", "source_kind", "source_ref", "original", "line_no", "line_text")
        .sort(["chosen", "agreeing", "line_no"], descending=[True, True, False], nulls_last=True)
    )


def findings(doc_id: str | None = None, folder: Path | str | None = None) -> pl.DataFrame:
    """Audit findings (of one document, or all), errors first."""
    frame = load("findings", folder)
    if doc_id is not None:
        frame = frame.filter(pl.col("doc_id") == doc_id)
    order = {"error": 0, "warning": 1, "info": 2}
    return frame.sort(pl.col("severity").replace_strict(order, return_dtype=pl.Int64), "rule_id", "row_ref", nulls_last=True)


def line_items(doc_id: str, table_id: str | None = None, folder: Path | str | None = None) -> pl.DataFrame:
    """The cells read from one document (optionally one table)."""
    frame = load("line_items", folder).filter(pl.col("doc_id") == doc_id)
    return frame if table_id is None else frame.filter(pl.col("table_id") == table_id)


def describe_columns(table: str) -> pl.DataFrame:
    """What each column of a published table means (from the one column declaration)."""
    return schemas.dictionary().filter(pl.col("table") == table).drop("table")
