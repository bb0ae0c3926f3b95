"""Web pages: malformed but common HTML (left-out end tags, a lost ``</table>``, an unclosed
``<script>``, a fragment without ``<html>``, absurd ``colspan``) keeps every figure, or fails
with a clear error — never an OK document with figures silently missing.

The pages are built from two page-halves of the 部门预算收入总表 of the Yuanshi 2023 sample,
so the expected figures are the sample's own."""

from __future__ import annotations

import html
import re

import pytest

from budgetlib.documents import detect_format, load_document
from budgetlib.pipeline import IngestError, process_bytes
from budgetlib.webpage import MAX_COLSPAN, UnreadablePage, looks_like_html, read_html

from .conftest import RAW

_SAMPLE = (RAW / "yuanshi_2023_budget.txt").read_text(encoding="utf-8").splitlines()
_LINES = _SAMPLE[2:3] + _SAMPLE[103:133]  # unit name, then the 收入总表 over two pages

# (row, column, value) as the sample's text gives them
_EXPECTED = [
    ("合计", "合计", 5350.2278),
    ("合计", "上年结转", 6.0),
    ("社会保障和就业支出", "合计", 54.07),
    ("行政事业单位养老支出", "本年收入/财政拨款收入", 38.07),
    ("机关事业单位基本养老保险缴费支出", "合计", 38.07),
    ("退役安置", "本年收入/小计", 13.0),
    ("其他", "合计", 9.0),
    ("其他", "上年结转", 6.0),
]


def _page(body_start: str = "") -> str:
    """The sample lines as a well-formed page: text lines as ``<p>``, tab rows as tables."""
    out = ["<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>元氏县医疗保障局2023年部门预算</title>"
           "</head><body>", body_start]
    in_table = False
    for line in _LINES:
        if "\t" in line:
            if not in_table:
                out.append("<table><tbody>")
                in_table = True
            out.append("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in line.split("\t")) + "</tr>")
            continue
        if in_table:
            out.append("</tbody></table>")
            in_table = False
        out.append(f"<p>{html.escape(line)}</p>")
    out.append("</tbody></table>" if in_table else "")
    out.append("</body></html>")
    return "\n".join(out)


def _figures(page: str) -> list[tuple[str, str, float]]:
    """(row, column, value) of every line item read from ``page``, in order."""
    result = process_bytes(page.encode("utf-8"), "page.html")
    return [(i["row_label"], i["column_header"], i["value"]) for i in result.line_items]


def test_the_well_formed_page_gives_the_sample_figures() -> None:
    figures = _figures(_page())
    assert all(figure in figures for figure in _EXPECTED) and len(figures) == 23


def test_missing_close_table_keeps_the_tables_after_it() -> None:
    page = _page().replace("</tbody></table>", "", 1)
    assert page.count("</table>") == 1
    assert _figures(page) == _figures(_page())


def test_optional_end_tags_left_out_keep_every_figure() -> None:
    """``<tr><td>a<td>b`` with no ``</td>``, ``</tr>``, ``</tbody>``, ``</p>``, and the last
    ``</table>`` left to the end of the document (all valid HTML5)."""
    page = re.sub(r"</(td|tr|tbody|p)>", "", _page()).replace("</table>\n</body></html>", "")
    assert "</td>" not in page and page.count("</table>") == 1
    assert _figures(page) == _figures(_page())
    rows = [ln.text for ln in read_html(page.encode()) if ln.location.startswith("table")]
    assert rows == [ln for ln in _LINES if "\t" in ln]


def test_missing_close_td_only_keeps_every_figure() -> None:
    page = _page().replace("</td>", "")
    assert _figures(page) == _figures(_page())


def test_unclosed_script_hiding_the_page_is_a_clear_error() -> None:
    page = _page(body_start="<script>var shown = 1;")
    with pytest.raises(IngestError) as caught:
        process_bytes(page.encode("utf-8"), "page.html")
    message = str(caught.value)
    assert "<script>" in message and "never closed" in message and "line 2" in message
    with pytest.raises(UnreadablePage):
        read_html(page.encode("utf-8"))


def test_unclosed_script_at_the_end_hides_nothing() -> None:
    page = _page().replace("</body></html>", "<script>var tail = '收入 999';")
    assert _figures(page) == _figures(_page())


def test_html_fragment_is_recognised_by_its_tags() -> None:
    fragment = _page().split("<body>", 1)[1].replace("</body></html>", "")
    assert fragment.lstrip().startswith("<p>")
    assert looks_like_html(fragment.encode("utf-8"))
    lines = read_html(fragment.encode("utf-8"))
    assert [ln.text for ln in lines if ln.location.startswith("table")] == [ln for ln in _LINES if "\t" in ln]


@pytest.mark.parametrize("text", [
    "收入<支出，差额 5.00 万元",
    "a < b and c > d\n合计\t5.80",
    "注：<1> 本表单位为万元\n<2> 数据来源",
    "2024年部门预算\n收入\t3714.62\n",
    "<<<目录>>>\n一、收支总表",
    "部门预算<br>单位：万元<br/>",
    "# 目 录\n\n<b>第一部分 概况</b>\t1\n一、本部门（单位）职责\t1\n<b>第二部分 决算表</b>\t6",
])
def test_plain_text_with_a_less_than_sign_is_not_html(text: str) -> None:
    assert not looks_like_html(text.encode("utf-8"))


@pytest.mark.parametrize("start", ["<p>一、收支总表</p>", "<table><tr><td>合计<td>5.80", "<DIV class=x>收入</DIV>",
                                   "<br>单位：万元", "\ufeff<!-- saved -->\n<h2>收入</h2>"])
def test_fragment_starts_are_html(start: str) -> None:
    assert looks_like_html(start.encode("utf-8"))


def test_html_fragment_is_read_as_a_web_page_end_to_end() -> None:
    fragment = _page().split("<body>", 1)[1].replace("</body></html>", "")
    assert detect_format(fragment.encode("utf-8")) == "html"
    assert load_document(fragment.encode("utf-8")).source_format == "html"
    assert _figures(fragment) == _figures(_page())


def test_huge_colspan_is_clamped() -> None:
    page = _page(body_start='<table><tr><td colspan="2000000000">x</td><td colspan="²">y</td></tr></table>')
    lines = read_html(page.encode("utf-8"))
    wide = next(ln for ln in lines if ln.text.startswith("x"))
    assert wide.text.split("\t") == ["x"] + [""] * (MAX_COLSPAN - 1) + ["y"]
    assert _figures(page) == _figures(_page())
