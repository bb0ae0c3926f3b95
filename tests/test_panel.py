"""Indicators of the samples against hand computation; a two-year panel made from a sample;
the cross-document check; the notebook API."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from budgetlib import api, standards
from budgetlib.cli import app
from budgetlib.pipeline import ingest, process_bytes, write_outputs

from .conftest import RAW, pdf_samples, text_samples

runner = CliRunner()


def _indicators(name: str) -> dict[str, object]:
    return process_bytes((RAW / name).read_bytes(), name).indicators


def test_yuanshi_matching_by_hand() -> None:
    row = _indicators("yuanshi_2023_budget.txt")
    # 4718.7128 万元 over 372,900 insured residents
    assert row["resident_subsidy_per_capita_yuan"] == pytest.approx(4718.7128 * 10000 / 372900, abs=1e-6)
    assert row["resident_subsidy_per_capita_yuan"] == pytest.approx(126.54, abs=0.01)
    assert standards.national_standard(2023) == 640.0  # 2023 national minimum per-capita fiscal subsidy
    assert row["national_standard_per_capita_yuan"] == 640.0
    assert row["subsidy_to_standard_ratio"] == pytest.approx(4718.7128 * 10000 / 372900 / 640, rel=1e-9)
    assert "2101202" in str(row["resident_subsidy_source"]) or "财政对城乡居民" in str(row["resident_subsidy_source"])
    assert "372900" in str(row["insured_residents"])
    assert "第" in str(row["insured_residents_source"])


def test_yuanshi_three_public_story() -> None:
    row = _indicators("yuanshi_2023_budget.txt")
    assert row["three_public_total"] == pytest.approx(8.06)
    assert row["three_public_prev_total"] == pytest.approx(20.06)
    assert row["three_public_change"] == pytest.approx(-12.0)
    assert row["three_public_change_pct"] == pytest.approx(-12 / 20.06 * 100)
    assert row["three_public_change_reason"] == "主要是2022年购置车辆1台"


def test_structure_shares() -> None:
    row = _indicators("lanxian_2024_final.txt")
    assert row["basic_share_pct"] == pytest.approx(369.24 / 392.51 * 100)
    assert row["personnel_share_pct"] == pytest.approx(350.32 / 369.24 * 100)
    assert row["resident_subsidy_per_capita_yuan"] == pytest.approx(499.51968 * 10000 / 141909)


def test_blank_inputs_give_blank_indicators() -> None:
    row = _indicators("xixiang_2024_budget.txt")
    assert row["resident_subsidy_per_capita_yuan"] is None and row["subsidy_to_standard_ratio"] is None
    assert row["three_public_change_pct"] is None  # 0 → 0: no percentage


def test_no_standard_is_a_blank_not_a_guess() -> None:
    assert standards.national_standard(1999) is None
    assert standards.national_standard(None) is None
    blank_years = standards.standards().filter(pl.col("fiscal_subsidy_per_capita_yuan").is_null())["year"].to_list()
    for year in blank_years:
        assert standards.national_standard(year) is None


def test_every_reference_row_has_a_source() -> None:
    with_figures = standards.standards().filter(pl.col("fiscal_subsidy_per_capita_yuan").is_not_null())
    assert with_figures.height >= 8
    assert with_figures["notice_title"].null_count() == 0
    assert standards.tiers().height == 31 and standards.tiers()["source"].null_count() == 0
    assert standards.central_share("河北省", 2024) == 60.0 and standards.central_share("陕西省", 2024) == 80.0
    assert standards.province_shares()["source"].null_count() == 0


def test_yuanshi_expected_local_share() -> None:
    row = _indicators("yuanshi_2023_budget.txt")
    assert row["central_share_pct"] == 60.0
    assert row["expected_local_share_per_capita_yuan"] == pytest.approx(640 * 0.4)


# The tiers of 国办发〔2018〕67号 apply from 2019 (the tier file's year_from): a 2018 河北 document
# got central share 60 % and an expected local share, where the notices of the time said only
# 东部各省按一定比例. Before the tiers apply both are blank.
def test_central_share_tiers_are_not_applied_before_they_apply() -> None:
    from budgetlib.indicators import extend

    first = standards.tiers()["year_from"].min()
    assert first == 2019 and standards.central_share("河北省", first - 1) is None
    assert standards.central_share("河北省", first) == 60.0 and standards.central_share("河北省", None) is None
    out = extend({"resident_subsidy": 100.0, "insured_residents": 10000}, 2018, "河北省")
    assert out["national_standard_per_capita_yuan"] == 490.0
    assert out["central_share_pct"] is None and out["expected_local_share_per_capita_yuan"] is None
    assert _indicators("zhengding_2018_budget.txt")["central_share_pct"] is None


def _shift_year(text: str, new_year: int, old_year: int) -> str:
    return text.replace(str(old_year - 1), str(new_year - 1)).replace(str(old_year), str(new_year))


@pytest.fixture()
def two_years(tmp_path: Path) -> Path:
    """怀来 2024 and a 2023 document made from it by editing its year and figures."""
    original = (RAW / "huailai_2024_budget.txt").read_text(encoding="utf-8")
    folder = tmp_path / "raw"
    folder.mkdir()
    (folder / "a.txt").write_text(original, encoding="utf-8")
    earlier = original.replace("3714.62", "@@").replace("6305.01", "9000.00")
    earlier = _shift_year(earlier, 2023, 2024).replace("@@", "6305.01")
    (folder / "b.txt").write_text(earlier, encoding="utf-8")
    return folder


def test_two_year_panel_yoy_and_cross_document_check(two_years: Path) -> None:
    outputs = ingest([two_years])
    panel = outputs.frames["panel"].sort("year")
    assert panel["year"].to_list() == [2023, 2024]
    first, second = panel.to_dicts()
    assert first["expenditure_total"] == pytest.approx(6305.01) and second["expenditure_total"] == pytest.approx(3714.62)
    assert second["expenditure_total_yoy_pct"] == pytest.approx((3714.62 / 6305.01 - 1) * 100)
    assert first["expenditure_total_yoy_pct"] is None
    # 2024 states 6305.01 for 2023, and the 2023 document itself gives 6305.01
    assert second["prior_doc_expenditure_total"] == pytest.approx(6305.01)
    assert second["prev_expenditure_mismatch"] is False
    assert second["three_public_prev_mismatch"] is False


def test_cross_document_mismatch_is_flagged(two_years: Path) -> None:
    b = two_years / "b.txt"
    b.write_text(b.read_text(encoding="utf-8").replace("6305.01", "6300.00"), encoding="utf-8")
    panel = ingest([two_years]).frames["panel"].sort("year")
    second = panel.to_dicts()[1]
    assert second["prior_doc_expenditure_total"] == pytest.approx(6300.00)
    assert second["prev_expenditure_mismatch"] is True


def test_budget_and_final_stay_separate_and_duplicates_are_not_double_counted(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_bytes((RAW / "yuanshi_2023_budget.txt").read_bytes())
    (tmp_path / "c.txt").write_bytes((RAW / "lanxian_2024_final.txt").read_bytes())
    outputs = ingest([tmp_path])
    assert outputs.frames["panel"].height == 2
    dups = outputs.frames["panel_duplicates"]
    assert sorted(dups["source_file"].to_list()) == ["a.txt", "b.txt"] and dups["kept"].sum() == 1
    assert outputs.frames["panel"].filter(pl.col("year") == 2023)["n_documents"][0] == 2


def test_api_for_notebooks(tmp_path: Path) -> None:
    write_outputs(ingest([RAW]), tmp_path)
    panel = api.load_panel(tmp_path)
    row = api.county_year(panel, "元氏县", 2023)
    assert row.height == 1 and api.county_year(panel, "130132", 2023).height == 1
    doc_id = row["doc_id"][0]
    ev = api.evidence(doc_id, "resident_subsidy", tmp_path)
    assert ev["chosen"][0] and "4718" in ev["line_text"][0].replace(" ", "")
    assert api.findings(doc_id, tmp_path)["severity"][0] == "error"
    assert "description" in api.describe_columns("panel").columns
    with pytest.raises(FileNotFoundError):
        api.load_panel(tmp_path / "missing")


def test_panel_command(tmp_path: Path) -> None:
    write_outputs(ingest([RAW]), tmp_path)
    (tmp_path / "panel.parquet").unlink()
    result = runner.invoke(app, ["panel", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert pl.read_parquet(tmp_path / "panel.parquet").height == len(text_samples()) + len(pdf_samples())


def test_huailai_by_hand() -> None:
    row = _indicators("huailai_2024_budget.txt")
    assert row["expenditure_total_change"] == pytest.approx(3714.62 - 6305.01)  # the document: 减少2590.39万元
    assert row["expenditure_total_change_pct"] == pytest.approx((3714.62 - 6305.01) / 6305.01 * 100)
    assert row["basic_share_pct"] == pytest.approx(171.62 / 3714.62 * 100)
    assert row["project_share_pct"] == pytest.approx(3543.00 / 3714.62 * 100)
    assert row["three_public_change"] == 0 and row["three_public_change_pct"] is None  # 0 → 0
    assert row["resident_subsidy"] == pytest.approx(3500.0) and row["resident_subsidy_per_capita_yuan"] is None  # no 参保人数
    assert row["national_standard_per_capita_yuan"] == 670.0 and row["central_share_pct"] == 60.0  # 2024, 河北 tier 2
    assert row["expected_local_share_per_capita_yuan"] == pytest.approx(670 * 0.4)


def test_zhengding_by_hand() -> None:
    row = _indicators("zhengding_2018_budget.txt")
    assert row["national_standard_per_capita_yuan"] == 490.0  # 2018
    assert row["resident_subsidy_per_capita_yuan"] is None  # 3606.05 万元, but no insured residents stated
    assert row["personnel_share_pct"] == pytest.approx(246.18 / 264.84 * 100)
    assert row["three_public_prev_total"] == pytest.approx(2.85) and row["three_public_change"] == 0
    assert row["expenditure_total_change"] == pytest.approx(-8957.33)


def test_lanxian_county_share_by_hand() -> None:
    row = _indicators("lanxian_2024_final.txt")
    assert row["national_standard_per_capita_yuan"] == 670.0
    assert row["central_share_pct"] == 60.0  # 山西: tier 2 (its 享受西部政策 counties get 80 %: not in the reference data)
    local = 670 * 0.4
    assert row["expected_local_share_per_capita_yuan"] == pytest.approx(local)
    # 山西 publishes the province's half of the local share; city and county split the rest as they
    # decide (晋医保发〔2021〕14号), so the county's own share is unknown: blank, not a guess
    assert standards.county_share("山西省", 2024) is None
    assert row["expected_county_share_per_capita_yuan"] is None and row["county_share_gap_per_capita_yuan"] is None


def test_documents_whose_unit_or_year_is_unknown_are_not_duplicates_of_each_other() -> None:
    """Null equals null when rows are grouped: two unrelated documents whose unit could not be read
    were one "duplicate" set, and one of them left the panel (no report); of consecutive years,
    one's growth was figured against the other."""
    from budgetlib.panel import build_panel
    from budgetlib.schemas import empty_frame

    base = {c: None for c in empty_frame("indicators").columns}
    rows = [
        {**base, "doc_id": "a", "source_file": "a.txt", "doc_kind": "budget", "year": 2023, "expenditure_total": 100.0},
        {**base, "doc_id": "b", "source_file": "b.txt", "doc_kind": "budget", "year": 2024, "expenditure_total": 250.0},
        {**base, "doc_id": "c", "source_file": "c.txt", "doc_kind": "budget", "year": 2024, "expenditure_total": 300.0},
        {**base, "doc_id": "d", "source_file": "d.txt", "unit_name": "某局", "doc_kind": "budget", "expenditure_total": 7.0},
        {**base, "doc_id": "e", "source_file": "e.txt", "unit_name": "某局", "doc_kind": "budget", "expenditure_total": 8.0},
        {**base, "doc_id": "c", "source_file": "copy of c.txt", "doc_kind": "budget", "year": 2024, "expenditure_total": 300.0},
    ]
    panel, duplicates = build_panel(pl.DataFrame(rows, schema=empty_frame("indicators").schema))
    assert sorted(panel["doc_id"].to_list()) == ["a", "b", "c", "d", "e"]  # the byte-identical copy of c is the one duplicate
    assert duplicates["source_file"].sort().to_list() == ["c.txt", "copy of c.txt"]
    assert panel["expenditure_total_yoy_pct"].is_null().all()


def test_documents_of_unnamed_units_in_one_county_are_not_duplicates(tmp_path: Path) -> None:
    """A county code does not identify a unit: two documents of one county, year and kind whose unit
    names could not be read (a 医疗保障局's and a 财政局's) were one "duplicate" set and one left the
    panel; of consecutive years, one's growth was figured against the other's."""
    from budgetlib.panel import build_panel
    from budgetlib.schemas import empty_frame

    base = {c: None for c in empty_frame("indicators").columns} | {
        "adcode": "130132", "province": "河北省", "city": "石家庄市", "county": "元氏县", "doc_kind": "final"}
    rows = [
        {**base, "doc_id": "a", "source_file": "ybj.txt", "year": 2023, "expenditure_total": 5000.0},
        {**base, "doc_id": "b", "source_file": "czj.txt", "year": 2023, "expenditure_total": 800.0},
        {**base, "doc_id": "c", "source_file": "czj2024.txt", "year": 2024, "expenditure_total": 900.0},
        {**base, "doc_id": "a", "source_file": "copy of ybj.txt", "year": 2023, "expenditure_total": 5000.0},
    ]
    panel, duplicates = build_panel(pl.DataFrame(rows, schema=empty_frame("indicators").schema))
    assert sorted(panel["doc_id"].to_list()) == ["a", "b", "c"]  # only the byte-identical copy is a duplicate
    assert duplicates["source_file"].sort().to_list() == ["copy of ybj.txt", "ybj.txt"]
    assert panel["expenditure_total_yoy_pct"].is_null().all()
    # read from text: no unit name, the county from the body
    for name, amount in (("a.txt", 5000), ("b.txt", 800)):
        (tmp_path / name).write_text(f"2023年度部门决算\n元氏县本年支出合计{amount}万元，用于元氏县的工作。\n", encoding="utf-8")
    outputs = ingest([tmp_path])
    assert outputs.frames["panel"]["adcode"].to_list() == ["130132", "130132"]
    assert sorted(outputs.frames["panel"]["expenditure_total"].to_list()) == [800.0, 5000.0]
    assert outputs.frames["panel_duplicates"].height == 0


def test_adjusted_budget_is_not_a_duplicate_of_the_budget(tmp_path: Path) -> None:
    """An adjusted budget (调整预算) was read as a 预算 and deduplicated against the original budget
    of the same unit and year: the researcher silently got one of the two figures."""
    (tmp_path / "a.txt").write_text("元氏县医疗保障局2023年部门预算\n2023年本年支出合计5000万元。\n", encoding="utf-8")
    (tmp_path / "b.txt").write_text("元氏县医疗保障局2023年部门调整预算\n2023年调整后本年支出合计5600万元。\n", encoding="utf-8")
    outputs = ingest([tmp_path])
    assert outputs.frames["panel_duplicates"].height == 0
    panel = outputs.frames["panel"].sort("doc_kind")
    assert panel.select("doc_kind", "expenditure_total").rows() == [("adjusted_budget", 5600.0), ("budget", 5000.0)]
