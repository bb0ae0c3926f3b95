"""Schemas: one declaration, every column described, validation rejects bad data."""

from __future__ import annotations

import pandera.errors
import polars as pl
import pytest

from budgetlib import schemas


def test_every_column_has_a_description_and_names() -> None:
    for table, names in schemas.TABLE_COLUMNS.items():
        for name in names:
            f = schemas.FIELDS[name]
            assert f.description and f.zh and f.en, f"{table}.{name} lacks a description"


def test_dictionary_comes_from_the_declaration() -> None:
    d = schemas.dictionary()
    assert d.height == sum(len(v) for v in schemas.TABLE_COLUMNS.values())
    assert set(d["column"]) <= set(schemas.FIELDS)


def test_amount_indicators_are_in_wan() -> None:
    for name in schemas.AMOUNT_INDICATORS:
        assert schemas.FIELDS[name].unit == "万元"


def test_validation_rejects_a_bad_adcode_and_kind() -> None:
    row = {n: None for n in schemas.TABLE_COLUMNS["indicators"]}
    row.update(source_file="a.txt", doc_id="x", adcode="13073", doc_kind="plan")
    with pytest.raises(pandera.errors.SchemaErrors):
        schemas.validate("indicators", schemas.frame("indicators", [row]))


def test_empty_frames_validate() -> None:
    for table in schemas.TABLE_COLUMNS:
        assert schemas.validate(table, schemas.empty_frame(table)).height == 0


def test_validation_rejects_missing_required_values() -> None:
    frame = schemas.frame("errors", [{"source_file": "a", "stage": "read", "message": None}])
    with pytest.raises(pandera.errors.SchemaErrors):
        schemas.validate("errors", frame)
    assert isinstance(frame, pl.DataFrame)
