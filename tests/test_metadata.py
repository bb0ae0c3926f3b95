"""Tests for budgetlib.metadata: divisions reference, titles, unit names, places, gating."""

from __future__ import annotations

import csv
import doctest
import inspect
import io
import json
import re
from importlib import resources
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import budgetlib.metadata as metadata
from budgetlib.metadata import (
    DocMeta,
    extract_metadata,
    is_disclosure,
    load_divisions,
    read_metadata,
)
from budgetlib.read import Line, load_lines, to_lines

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
EXPECTED_JSON = ROOT.parent / "shared" / "corpus" / "expected.json"

# Hand-read values (a copy of shared/corpus/expected.json for these fields, so the golden
# test runs where shared/ is absent; test_golden_table_matches_expected_json keeps them equal).
GOLDEN: dict[str, dict[str, object]] = {
    "huailai_2024_budget.txt": {
        "unit_name": "怀来县医疗保险中心",
        "county": "怀来县",
        "adcode": "130730",
        "province": "河北省",
        "year": 2024,
        "doc_kind": "budget",
    },
    "yuanshi_2023_budget.txt": {
        "unit_name": "元氏县医疗保障局",
        "county": "元氏县",
        "adcode": "130132",
        "province": "河北省",
        "year": 2023,
        "doc_kind": "budget",
    },
    "zhengding_2018_budget.txt": {
        "unit_name": "正定县医疗保险管理中心",
        "county": "正定县",
        "adcode": "130123",
        "province": "河北省",
        "year": 2018,
        "doc_kind": "budget",
    },
    "lanxian_2024_final.txt": {
        "unit_name": "岚县医疗保险服务中心",
        "county": "岚县",
        "adcode": "141127",
        "province": "山西省",
        "year": 2024,
        "doc_kind": "final",
    },
    "xixiang_2024_budget.txt": {
        "unit_name": "西乡县医疗保险业务经办中心",
        "county": "西乡县",
        "adcode": "610724",
        "province": "陕西省",
        "year": 2024,
        "doc_kind": "budget",
    },
}


def meta(text: str) -> DocMeta:
    return extract_metadata(to_lines(text))


def raw_lines(name: str) -> list[Line]:
    return load_lines((RAW / name).read_bytes())[0]


# ---------------------------------------------------------------------------------------
# Golden: the five sample documents


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_metadata(name: str) -> None:
    got = extract_metadata(raw_lines(name))
    for field, want in GOLDEN[name].items():
        assert getattr(got, field) == want, f"{name}: {field}"


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_evidence_points_at_the_source_line(name: str) -> None:
    lines = raw_lines(name)
    by_no = {ln.no: ln.text for ln in lines}
    got = extract_metadata(lines)
    assert set(got.evidence) == {
        "unit_name",
        "year",
        "doc_kind",
        "province",
        "city",
        "county",
        "adcode",
    }
    assert got.unit_name in re.sub(r"\s", "", by_no[got.evidence["unit_name"]])
    assert str(got.year) in by_no[got.evidence["year"]]
    assert ("决算" if got.doc_kind == "final" else "预算") in by_no[got.evidence["doc_kind"]]
    assert got.county in by_no[got.evidence["county"]]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_golden_documents_are_disclosures(name: str) -> None:
    assert is_disclosure(raw_lines(name))


@pytest.mark.skipif(
    not EXPECTED_JSON.is_file(), reason="shared/corpus/expected.json not beside the repo"
)
def test_golden_table_matches_expected_json() -> None:
    expected = json.loads(EXPECTED_JSON.read_text(encoding="utf-8"))
    for name, fields in GOLDEN.items():
        for field, want in fields.items():
            if field in expected[name]:
                assert expected[name][field] == want, f"{name}: {field}"


def test_renamed_file_gives_the_same_metadata(tmp_path: Path) -> None:
    # Names lie: a 怀来 budget saved under a 岚县 final-accounts name is still a 怀来 budget.
    renamed = tmp_path / "lanxian_2019_final.txt"
    renamed.write_bytes((RAW / "huailai_2024_budget.txt").read_bytes())
    got = read_metadata(renamed.read_bytes())
    assert got == extract_metadata(raw_lines("huailai_2024_budget.txt"))
    assert (got.county, got.year, got.doc_kind) == ("怀来县", 2024, "budget")
    # and the API has no way to see a name at all
    assert list(inspect.signature(extract_metadata).parameters) == ["lines", "divisions"]


# ---------------------------------------------------------------------------------------
# Divisions: longest names, duplicates, levels


def test_lanxian_is_not_kelanxian() -> None:
    ke = meta("岢岚县医疗保障局\n2024年部门预算信息公开\n本局位于忻州市。")
    assert (ke.county, ke.adcode, ke.city) == ("岢岚县", "140929", "忻州市")
    lan = meta("岚县医疗保险服务中心\n2024年度单位决算公开\n负责岢岚县以外的岚县参保工作。")
    assert (lan.county, lan.adcode, lan.city, lan.province) == (
        "岚县",
        "141127",
        "吕梁市",
        "山西省",
    )


def test_putuo_disambiguated_by_the_text() -> None:
    sh = meta("普陀区财政局\n2024年度部门决算\n根据上海市财政局要求，现将决算公开如下。")
    assert (sh.county, sh.adcode, sh.province, sh.city) == ("普陀区", "310107", "上海市", "上海市")
    zs = meta("普陀区财政局\n2024年度部门决算\n根据浙江省、舟山市有关规定。")
    assert (zs.county, zs.adcode, zs.province, zs.city) == ("普陀区", "330903", "浙江省", "舟山市")
    full = meta("上海市普陀区财政局\n2024年度部门决算\n根据浙江省的经验。")
    assert full.adcode == "310107"  # the unit name's own 上海市 outweighs the text


def test_ambiguous_county_leaves_adcode_empty() -> None:
    got = meta("普陀区财政局\n2024年度部门决算\n现将决算公开如下。")
    assert got.county == "普陀区"
    assert got.adcode is None and got.province is None


def test_xixiang_is_not_xixiangtang() -> None:
    assert meta("南宁市西乡塘区财政局2023年部门预算公开").adcode == "450107"
    assert meta("西乡县财政局2023年部门预算公开").adcode == "610724"


def test_city_level_unit() -> None:
    got = meta(
        "2026 年度\n福州市医疗保障局\n部门预算\n目录\n福州市医疗保障局负责全市医保，含鼓楼区。"
    )
    assert (got.unit_name, got.province, got.city, got.county, got.adcode) == (
        "福州市医疗保障局",
        "福建省",
        "福州市",
        None,
        "350100",
    )
    assert (got.year, got.doc_kind) == (2026, "budget")


def test_provincial_unit() -> None:
    got = meta(
        "江苏省人民检察院\n2019年度部门预算公开\n包括南京铁路运输检察院和徐州市、南京市的派出院。"
    )
    assert (got.province, got.city, got.county, got.adcode) == ("江苏省", None, None, "320000")


def test_municipal_unit_and_labelled_unit_name() -> None:
    got = meta("上海市2026年市级单位预算\n预算单位：上海市医疗保险事业管理中心\n目  录")
    assert got.unit_name == "上海市医疗保险事业管理中心"
    assert (got.province, got.county, got.adcode, got.year) == ("上海市", None, "310000", 2026)


def test_county_short_name_after_its_city_needs_confirmation() -> None:
    confirmed = meta("福州市仓山生态环境局\n2026年度单位预算\n本局负责仓山区生态环境工作。")
    assert (confirmed.county, confirmed.adcode) == ("仓山区", "350104")
    unconfirmed = meta("福州市仓山生态环境局\n2026年度单位预算\n本局负责生态环境工作。")
    assert (unconfirmed.county, unconfirmed.adcode) == (None, "350100")
    police = meta("荆州市公安局\n2024年部门预算\n荆州市公安局负责全市治安。")
    assert (police.county, police.adcode) == (None, "421000")  # not 公安县


def test_party_prefix_does_not_make_a_county() -> None:
    assert meta("中共和县县委办公室2024年部门预算").county == "和县"  # not 共和县


def test_province_level_county_units() -> None:
    got = meta("仙桃市财政局2024年部门决算")
    assert (got.county, got.city, got.province, got.adcode) == ("仙桃市", None, "湖北省", "429004")


def test_county_from_the_text_when_the_unit_name_has_none() -> None:
    got = meta("医疗保障局\n2024年部门预算\n负责怀来县医保基金管理。怀来县参保人数……")
    assert (got.county, got.adcode) == ("怀来县", "130730")


# A county missing from the division table (深圳市龙华区, created 2016) matched its only namesake
# in another province (海南省海口市龙华区) although the unit name says 深圳市: a candidate that
# contradicts a city or province the unit name names is never taken; the most specific place
# the name is consistent with is.
def test_county_contradicting_the_city_in_the_unit_name_is_not_taken() -> None:
    got = read_metadata("深圳市龙华区医疗保障局\n2024年部门预算\n负责龙华区医疗保障工作。".encode())
    assert (got.province, got.city, got.county, got.adcode) == ("广东省", "深圳市", None, "440300")
    hainan = meta("海口市龙华区医疗保障局\n2024年部门预算")
    assert (hainan.county, hainan.adcode) == ("龙华区", "460106")
    wrong_province = meta("广东省龙华区医疗保障局\n2024年部门预算")
    assert (wrong_province.province, wrong_province.county, wrong_province.adcode) == ("广东省", None, "440000")


# ---------------------------------------------------------------------------------------
# Titles: year, kind, unit name


def test_final_accounts_title_wins_over_budget_words() -> None:
    text = "岚县医疗保险服务中心\n2024年度单位决算公开\n" + "一般公共预算财政拨款支出\n" * 20
    assert meta(text).doc_kind == "final"


def test_year_with_a_space_and_with_chinese_numerals() -> None:
    assert meta("元氏县医疗保障局\n\n2023 年部门预算信息公开").year == 2023
    assert meta("西乡县医疗保险业务经办中心\n2024 年单位预算公开说明").year == 2024
    assert meta("怀来县医疗保险中心\n二〇二四年部门预算").year == 2024


def test_year_is_not_a_cut_off_date() -> None:
    text = "截止时间：2022年12月31日\n正定县医疗保险管理中心2018年部门预算信息公开\n2017年12月31日"
    assert meta(text).year == 2018


def test_unit_name_strips_codes_and_suffixes() -> None:
    assert (
        meta("正定县医疗保险管理中心2018年部门预算信息公开").unit_name == "正定县医疗保险管理中心"
    )
    labelled = meta(
        "部门预算收支总表\n编制部门：364正定县医疗保险管理中心      截止时间：2017年12月31日"
    )
    assert labelled.unit_name == "正定县医疗保险管理中心"
    header = meta(
        "部门预算收支总表\n473 元氏县医疗保障局\n预算年度：2023\n支出总表\n473 元氏县医疗保障局"
    )
    assert (header.unit_name, header.year, header.county) == ("元氏县医疗保障局", 2023, "元氏县")
    once = meta("部门预算收支总表\n2040101 武装警察部队\t12.00\n预算年度：2023")
    assert once.unit_name is None
    below = meta("2024年度部门预算\n北京市朝阳区教育委员会\n目录")
    assert (below.unit_name, below.adcode) == ("北京市朝阳区教育委员会", "110105")


# A 决算 published in 2024 for fiscal 2023 (“2024年部门决算公开（2023年度）”) got the publication
# year: an explicit fiscal year (a bracketed year after the kind, or the year of N年度决算)
# beats it.
@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("元氏县医疗保障局\n2024年部门决算公开（2023年度）", 2023),
        ("元氏县医疗保障局2024年部门决算公开(2023年)", 2023),
        ("元氏县医疗保障局2024年公开2023年度部门决算", 2023),
        ("元氏县医疗保障局2023年度部门决算（2024年9月公开）", 2023),
    ],
    ids=["bracket-fiscal-year", "bracket-year", "year-before-kind", "bracket-publication-date"],
)
def test_fiscal_year_stated_after_the_title_wins_over_the_publication_year(title: str, year: int) -> None:
    got = meta(title)
    assert (got.year, got.doc_kind, got.unit_name) == (year, "final", "元氏县医疗保障局")


# An adjusted budget (调整预算) was read as an ordinary 预算, so the panel took it for a duplicate of
# the original budget of the same unit and year and kept only one of them.
@pytest.mark.parametrize(
    "title",
    ["元氏县医疗保障局2023年部门调整预算", "元氏县医疗保障局2023年部门预算调整情况说明", "元氏县医疗保障局\n2023年度调整预算公开"],
    ids=["adjusted-budget", "budget-adjustment", "two-lines"],
)
def test_adjusted_budget_is_a_kind_of_its_own(title: str) -> None:
    got = meta(title)
    assert (got.doc_kind, got.year, got.unit_name) == ("adjusted_budget", 2023, "元氏县医疗保障局")
    assert meta("元氏县医疗保障局2023年部门预算").doc_kind == "budget"


# “X关于2023年度部门决算的说明” left 关于 at the end of the unit name (and then no unit name at all).
def test_unit_name_before_guanyu_in_the_title() -> None:
    got = read_metadata("元氏县医疗保障局关于2023年度部门决算的说明\n".encode())
    assert (got.unit_name, got.year, got.doc_kind, got.adcode) == ("元氏县医疗保障局", 2023, "final", "130132")


def test_markdown_title_over_two_lines() -> None:
    lines = load_lines("\n\n**西乡县医疗保险业务经办中心\n2024 年单位预算公开说明**\n".encode())[0]
    got = extract_metadata(lines)
    assert (got.unit_name, got.year, got.doc_kind) == ("西乡县医疗保险业务经办中心", 2024, "budget")
    assert got.evidence["unit_name"] == 3 and got.evidence["year"] == 4


# ---------------------------------------------------------------------------------------
# Is it a disclosure at all?


def test_a_novel_is_not_a_disclosure() -> None:
    novel = to_lines("第一回 宴桃园豪杰三结义\n话说天下大势，分久必合，合久必分。\n" * 30)
    assert not is_disclosure(novel)
    got = extract_metadata(novel)
    assert (got.year, got.doc_kind, got.unit_name) == (None, None, None)


def test_a_performance_evaluation_is_not_a_disclosure() -> None:
    text = (
        "2022年度市场监管专项及部门项目支出绩效评价结果\n长沙市市场监督管理局\n"
        "本次评价覆盖项目支出、基本支出、政府采购、国有资产、三公经费、一般公共预算、"
        "部门预算、人员经费、公用经费、政府性基金。\n"
    )
    assert not is_disclosure(to_lines(text))
    text2 = "2023年度部门预算项目支出绩效评价报告\n" + text
    assert not is_disclosure(to_lines(text2))


def test_tables_without_a_title_still_count() -> None:
    text = (
        "收支预算总表\n收入总表\n支出总表\n财政拨款收支总表\n一般公共预算支出表\n"
        "基本支出\n项目支出\n“三公”经费\n政府采购\n"
    )
    assert is_disclosure(to_lines(text))


# ---------------------------------------------------------------------------------------
# divisions.csv


def _division_rows() -> list[dict[str, str]]:
    text = (resources.files("budgetlib") / "reference" / "divisions.csv").read_text(
        encoding="utf-8"
    )
    return list(csv.DictReader(io.StringIO(text)))


def test_divisions_csv_columns_and_codes() -> None:
    rows = _division_rows()
    assert list(rows[0]) == ["adcode", "name", "level", "province", "city", "source"]
    codes = [r["adcode"] for r in rows]
    assert len(codes) == len(set(codes)) > 3000
    assert all(re.fullmatch(r"\d{6}", c) for c in codes)
    assert all(r["source"].startswith("cpca ") for r in rows)


def test_divisions_csv_hierarchy() -> None:
    rows = _division_rows()
    names = {r["adcode"]: r["name"] for r in rows}
    for r in rows:
        code, level = r["adcode"], r["level"]
        assert level == (
            "province" if code.endswith("0000") else "city" if code.endswith("00") else "county"
        )
        assert r["province"] == names[code[:2] + "0000"], code
        if level == "county":
            parent = names.get(code[:4] + "00")
            if code[:2] in {"11", "12", "31", "50"}:
                assert r["city"] == names[code[:2] + "0000"], code
            else:
                assert r["city"] == (parent or ""), code
    assert not {"市辖区", "县", "省直辖县级行政区划"} & set(names.values())


@pytest.mark.parametrize(
    ("code", "name", "province", "city"),
    [
        ("130730", "怀来县", "河北省", "张家口市"),
        ("141127", "岚县", "山西省", "吕梁市"),
        ("610724", "西乡县", "陕西省", "汉中市"),
        ("310107", "普陀区", "上海市", "上海市"),
        ("429004", "仙桃市", "湖北省", ""),
    ],
)
def test_known_division_codes(code: str, name: str, province: str, city: str) -> None:
    row = next(r for r in _division_rows() if r["adcode"] == code)
    assert (row["name"], row["province"], row["city"]) == (name, province, city)


def test_load_divisions_is_cached_and_indexed() -> None:
    idx = load_divisions()
    assert idx is load_divisions()
    assert {d.adcode for d in idx.by_name["普陀区"]} == {"310107", "330903"}


def test_doctests() -> None:
    result = doctest.testmod(metadata, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 10 and result.failed == 0


def _find_naive(index: metadata.DivisionIndex, text: str) -> list[tuple[str, int]]:
    """Leftmost-longest names, trying every position (what DivisionIndex.find must equal)."""
    hits, i = [], 0
    while i < len(text):
        for length in index.lengths.get(text[i], ()):
            if text[i : i + length] in index.by_name:
                hits.append((text[i : i + length], i))
                i += length
                break
        else:
            i += 1
    return hits


@given(st.lists(st.sampled_from(["岢岚县", "岚县", "吕梁市", "市中区", "中区", "县", "区", "和", "驻", "办事处", "医疗保障局", "城区", "上海市普陀区", "x", " "]), max_size=12))
def test_find_equals_trying_every_position(parts: list[str]) -> None:
    index = metadata.load_divisions()
    text = "".join(parts)
    assert [(h.name, h.start) for h in index.find(text)] == _find_naive(index, text)


def test_find_on_the_samples_equals_trying_every_position() -> None:
    index = metadata.load_divisions()
    for path in sorted(Path(__file__).resolve().parents[1].joinpath("data", "raw").glob("*.txt")):
        for line in load_lines(path.read_bytes())[0]:
            assert [(h.name, h.start) for h in index.find(line.text)] == _find_naive(index, line.text)
