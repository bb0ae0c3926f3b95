"""Standards: the reference data of 城乡居民基本医疗保险 — national per-capita subsidy standards,
the central government's share by province, and provincial splits — loaded and validated.

Takes the CSV files in ``reference/`` (each row with its source; see reference/README.md) and
gives validated polars frames plus small lookups:

* :func:`national_standard` — the year's national per-capita fiscal subsidy (元), or None when
  no verified standard is on file (a blank, never a guess);
* :func:`central_share` — the central share (%) of that subsidy for a province in a year, from the
  year the tiers of 国办发〔2018〕67号 apply (the file's ``year_from``; blank before);
* :func:`county_share` — the county's share (%) of the non-central part, where a province
  publishes its split.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources

import pandera.polars as pa
import polars as pl

__all__ = ["standards", "tiers", "province_shares", "national_standard", "central_share", "county_share"]

_STANDARDS = pa.DataFrameSchema(
    {
        "year": pa.Column(pl.Int64, unique=True, checks=pa.Check.in_range(2000, 2100)),
        "fiscal_subsidy_per_capita_yuan": pa.Column(pl.Float64, nullable=True, checks=pa.Check.gt(0)),
        "individual_contribution_yuan": pa.Column(pl.Float64, nullable=True, checks=pa.Check.gt(0)),
        "notice_title": pa.Column(pl.Utf8, nullable=True),
        "document_number": pa.Column(pl.Utf8, nullable=True),
    },
    name="resident_insurance_standards",
)
_TIERS = pa.DataFrameSchema(
    {
        "province": pa.Column(pl.Utf8, unique=True),
        "tier": pa.Column(pl.Int64, checks=pa.Check.in_range(1, 5)),
        "central_share_pct": pa.Column(pl.Float64, checks=pa.Check.in_range(0, 100)),
        "year_from": pa.Column(pl.Int64, checks=pa.Check.in_range(2000, 2100)),
        "source": pa.Column(pl.Utf8, checks=pa.Check.str_length(min_value=1)),
    },
    name="central_share_tiers",
)
_SHARES = pa.DataFrameSchema(
    {
        "province": pa.Column(pl.Utf8),
        "year_from": pa.Column(pl.Int64),
        "county_share_pct": pa.Column(pl.Float64, nullable=True, checks=pa.Check.in_range(0, 100)),
        "source": pa.Column(pl.Utf8, checks=pa.Check.str_length(min_value=1)),
    },
    name="province_shares",
)


def _read(name: str, overrides: dict[str, type[pl.DataType]]) -> pl.DataFrame | None:
    path = resources.files("budgetlib.reference").joinpath(name)
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    return pl.read_csv(io.StringIO(text), schema_overrides=overrides, infer_schema_length=0)


@cache
def standards() -> pl.DataFrame:
    """National per-capita standards by year (validated; each row cites its notice)."""
    frame = _read("resident_insurance_standards.csv", {"year": pl.Int64, "fiscal_subsidy_per_capita_yuan": pl.Float64,
                                                       "individual_contribution_yuan": pl.Float64})
    if frame is None:
        return pl.DataFrame(schema={"year": pl.Int64, "fiscal_subsidy_per_capita_yuan": pl.Float64,
                                    "individual_contribution_yuan": pl.Float64, "notice_title": pl.Utf8,
                                    "document_number": pl.Utf8})
    checked = _STANDARDS.validate(frame, lazy=True)
    missing_source = checked.filter(pl.col("fiscal_subsidy_per_capita_yuan").is_not_null() & pl.col("notice_title").is_null())
    if missing_source.height:
        raise ValueError(f"resident_insurance_standards.csv: standard without its notice in year(s) {missing_source['year'].to_list()}")
    return checked


@cache
def tiers() -> pl.DataFrame:
    """Central share tiers by province, each with the first year it applies."""
    frame = _read("central_share_tiers.csv", {"tier": pl.Int64, "central_share_pct": pl.Float64, "year_from": pl.Int64})
    if frame is None:
        return pl.DataFrame(schema={"province": pl.Utf8, "tier": pl.Int64, "central_share_pct": pl.Float64,
                                    "year_from": pl.Int64, "source": pl.Utf8})
    return _TIERS.validate(frame, lazy=True)


@cache
def province_shares() -> pl.DataFrame:
    """Province/city/county split of the local share, where published."""
    frame = _read("province_shares.csv", {"year_from": pl.Int64, "province_share_pct": pl.Float64,
                                           "city_share_pct": pl.Float64, "county_share_pct": pl.Float64})
    if frame is None:
        return pl.DataFrame(schema={"province": pl.Utf8, "year_from": pl.Int64, "county_share_pct": pl.Float64, "source": pl.Utf8})
    return _SHARES.validate(frame, lazy=True)


@cache
def national_standard(year: int | None) -> float | None:
    """The national per-capita fiscal subsidy (元) of ``year``; None when none is on file."""
    if year is None:
        return None
    row = standards().filter(pl.col("year") == year)
    return None if row.is_empty() else row["fiscal_subsidy_per_capita_yuan"][0]


@cache
def central_share(province: str | None, year: int | None) -> float | None:
    """The central government's share (%) of the subsidy in ``province`` in ``year``; None before
    the tiers apply (earlier notices split 西部/中部/东部, not on file) or when the year is unknown."""
    if not province or year is None:
        return None
    row = tiers().filter((pl.col("province") == province) & (pl.col("year_from") <= year))
    return None if row.is_empty() else float(row["central_share_pct"][0])


@cache
def county_share(province: str | None, year: int | None) -> float | None:
    """The county's share (%) of the non-central part, from the latest rule in force in ``year``."""
    if not province or year is None:
        return None
    rows = province_shares().filter((pl.col("province") == province) & (pl.col("year_from") <= year)).sort("year_from")
    return None if rows.is_empty() else rows["county_share_pct"][-1]
