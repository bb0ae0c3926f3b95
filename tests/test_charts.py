"""Charts and tables of the reports: built from whatever a document discloses, including nothing."""

from __future__ import annotations

import polars as pl
import pytest

from budgetlib import charts, schemas

EMPTY_ROW = {name: None for name in schemas.TABLE_COLUMNS["panel"]}


@pytest.mark.parametrize("build", [charts.matching_chart, charts.three_public_chart, charts.structure_chart])
def test_a_document_that_discloses_nothing_still_gets_its_charts(build) -> None:  # type: ignore[no-untyped-def]
    # regression: an empty frame with untyped (Null) columns broke altair ("Unexpected DtypeKind")
    spec = build(EMPTY_ROW).to_dict()
    assert spec["mark"]["type"] == "bar"


def test_empty_findings_and_panel_charts() -> None:
    empty = schemas.empty_frame("findings")
    assert charts.findings_chart(empty).to_dict()["mark"]["type"] == "bar"
    panel = pl.DataFrame([EMPTY_ROW | {"doc_id": "x", "source_file": "x", "n_documents": 1}], schema={
        n: schemas.FIELDS[n].dtype for n in schemas.TABLE_COLUMNS["panel"]})
    charts.per_capita_panel_chart(panel).to_dict()
    charts.three_public_panel_chart(panel).to_dict()


def test_tables_escape_and_format() -> None:
    html = charts.html_table([{"a": "<b>x</b>", "n": 1234.5}], (("a", "名称"), ("n", "金额")), numeric=("n",))
    assert "&lt;b&gt;" in html and "1,234.50" in html
