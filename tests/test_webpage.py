"""Web pages: malformed but common HTML (left-out end tags, a lost ``</table>``, an unclosed
``<script>``, a fragment without ``<html>``, absurd ``colspan``) keeps every figure, or fails
with a clear error — never an OK document with figures silently missing.

The pages are built from two page-halves of the 部门预算收入总表 of the Yuanshi 2023 sample,
so the expected figures are the sample's own."""

from __future__ import annotations

import html
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from budgetlib import webpage
from budgetlib.documents import detect_format, load_document
from budgetlib.pipeline import IngestError, process_bytes
from budgetlib.webpage import MAX_COLSPAN, UnreadablePage, looks_like_html, read_html

from .conftest import PEAK_MB_SOURCE, RAW, needs_proc

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


# Text and blocks outside the cells of an open row (browsers move them before the table) --------

def _rows_and_blocks(page: str) -> list[tuple[str, str]]:
    return [(ln.text, ln.location) for ln in read_html(page.encode("utf-8"))]


@pytest.mark.parametrize("between", ["&#8203;", "\u200b", "\ufeff", "&#xFEFF;", "&nbsp;", "\u3000", "\u2060 \u00a0",
                                     "<br>", "<br/>", "</p>", "</div>", "<p></p>", "<div>\u200b</div>", "\n  \n"])
def test_blank_or_block_between_cells_keeps_the_row_whole(between: str) -> None:
    page = f"<table><tr><td>收入合计</td>{between}<td>5.80</td></tr><tr><td>支出合计</td><td>5.80</td></tr></table>"
    assert _rows_and_blocks(page) == [("收入合计\t5.80", "table 1 row 1"), ("支出合计\t5.80", "table 1 row 2")]


@pytest.mark.parametrize("between", ["注1", "<p>注1</p>", "<div>注1<br></div>", "\u200b注1\ufeff", "<span>注1</span>"])
def test_text_between_cells_is_a_block_after_its_row(between: str) -> None:
    """The row is not split; the text follows the row it stood in (its place in the page)."""
    page = f"<table><tr><td>收入合计</td>{between}<td>5.80</td></tr><tr><td>支出合计</td><td>5.80</td></tr></table>"
    assert _rows_and_blocks(page) == [("收入合计\t5.80", "table 1 row 1"), ("注1", "block 1"),
                                      ("支出合计\t5.80", "table 1 row 2")]


def test_blocks_between_cells_stay_apart_and_in_order() -> None:
    page = "<table><tr>说明<td>a</td><p>注1</p>注2<br>注3<td>1</td>注4</tr>注5<tr><td>b<td>2</table><p>后</p>"
    assert _rows_and_blocks(page) == [("a\t1", "table 1 row 1"), ("说明", "block 1"), ("注1", "block 2"),
                                      ("注2", "block 3"), ("注3", "block 4"), ("注4", "block 5"),
                                      ("注5", "block 6"), ("b\t2", "table 1 row 2"), ("后", "block 7")]


def test_text_between_rows_still_comes_before_the_next_row() -> None:
    page = "<table><tr><td>a</td><td>1</td></tr>单位：万元<p>注</p><tr><td>b</td><td>2</td></tr></table>"
    assert _rows_and_blocks(page) == [("a\t1", "table 1 row 1"), ("单位：万元", "block 1"), ("注", "block 2"),
                                      ("b\t2", "table 1 row 2")]


def test_stray_close_p_in_a_total_row_keeps_its_figures() -> None:
    page = ("<html><head><title>某县某局2024年部门预算</title></head><body><p>某县某局2024年部门预算公开</p>"
            "<p>部门收支总表</p><p>单位：万元</p><table>"
            "<tr><td>收入</td><td></td><td>支出</td><td></td></tr>"
            "<tr><td>项目</td><td>预算数</td><td>项目</td><td>预算数</td></tr>"
            "<tr><td>一般公共预算拨款收入</td><td>100.00</td><td>一般公共服务支出</td><td>100.00</td></tr>"
            "<tr><td>收入总计</td></p><td>100.00</td><td>支出总计</td><td>100.00</td></tr>"
            "</table></body></html>")
    assert "收入总计\t100.00\t支出总计\t100.00" in [ln.text for ln in read_html(page.encode())]
    figures = _figures(page)
    assert ("收入总计", "收入/预算数", 100.0) in figures and ("支出总计", "支出/预算数", 100.0) in figures
    assert ("一般公共预算拨款收入", "收入/预算数", 100.0) in figures


def test_text_between_cells_of_the_sample_keeps_every_figure() -> None:
    page = _page().replace("</td><td>", "</td>&#8203;<br></p><td>")
    assert _figures(page) == _figures(_page())


# An unclosed <script> at the end: its code is not page content, page markup after it is -------

@pytest.mark.parametrize("script", [
    "<script>var nav = '<li><a href=/>首页</a></li>'; document.write(nav);\n",
    "<script>var nav = \"<ul><li>a</li><li>b</li></ul>\";\nvar more = '<p>it\\'s <br> x</p>' +\n  '<table><tr><td>1';",
    "<script>var t = `\n<div>\n  <p>${x}</p>\n</div>`;\nrender(t);",
    "<script>s = s.replace(/<br\\s*\\/?>/g, '\\n').replace(/<p>/gi, '');",
    "<script>// build <li> items\n/* <table><tr><td>1</td></tr></table> */\nfor (i = 0; i<tr.length; i++) {}",
    "<script type='text/javascript'>",
    "<style>p { content: '<p>'; }",
])
def test_unclosed_script_at_the_end_whose_code_holds_tags_hides_nothing(script: str) -> None:
    page = "<html><body><p>某局2024年部门预算</p><table><tr><td>收入合计</td><td>5.80</td></tr></table>" + script
    assert [ln.text for ln in read_html(page.encode())] == ["某局2024年部门预算", "收入合计\t5.80"]
    tail = _page().replace("</body></html>", script)
    assert _figures(tail) == _figures(_page())


@pytest.mark.parametrize("hiding", [
    "<script>x=1;\n<p>收入合计 5.80</p><table><tr><td>收入合计</td><td>5.80</td></tr></table>",
    "<script>x=1;<p>收入合计 5.80</p>",
    "<script>var a = '<li>x</li>';\n<table><tr><td>收入合计<td>5.80",
    "<script>go('http://a.gov.cn')<a href=http://a.gov.cn/>首页</a><table><tr><td>收入合计<td>5.80",
    "<script>\n  <div class='x'>Director's note</div><br>收入合计 5.80",
    "<style>p { color: red }\n<h2>收入合计</h2>",
])
def test_unclosed_script_hiding_page_markup_is_refused(hiding: str) -> None:
    page = "<html><body><p>某局2024年部门预算</p>" + hiding
    with pytest.raises(UnreadablePage, match="never closed"):
        read_html(page.encode())


def test_caption_text_is_read_before_the_rows() -> None:
    """A caption carries the table's title and unit: lost, a table in 元 would be taken for 万元."""
    page = ("<table><caption>部门收支总表<br>单位：元</caption><tr><td>项目</td><td>金额</td></tr>"
            "<tr><td>合计</td><td>12345</td></tr></table>").encode()
    assert [line.text for line in read_html(page)] == ["部门收支总表", "单位：元", "项目\t金额", "合计\t12345"]


# Cells spanning rows, and tables inside tables ------------------------------------------------

def test_a_cell_spanning_rows_keeps_the_next_rows_in_their_columns() -> None:
    """A header cell over two rows (as Excel's "save as web page" writes a 收入总表): the second
    header row starts under 本年收入, not in the first column."""
    page = ("<table><tr><td rowspan=2>科目编码</td><td rowspan=2>科目名称</td><td rowspan=2>合计</td><td colspan=3>本年收入</td>"
            "<td rowspan=2>上年结转</td></tr><tr><td>小计</td><td>财政拨款收入</td><td>事业收入</td></tr>"
            "<tr><td></td><td>合计</td><td>5350.2278</td><td>5344.2278</td><td>5344.2278</td><td></td><td>6.00</td></tr>"
            "<tr><td rowspan=3>2101202</td><td>城乡居民医保</td><td>60.00</td></tr><tr><td>其中：补助</td><td>50.00</td></tr>"
            "<tbody><tr><td>新的一组</td><td>1.00</td></tr></tbody></table>")
    assert [ln.text for ln in read_html(page.encode())] == [
        "科目编码\t科目名称\t合计\t本年收入\t\t\t上年结转", "\t\t\t小计\t财政拨款收入\t事业收入",
        "\t合计\t5350.2278\t5344.2278\t5344.2278\t\t6.00", "2101202\t城乡居民医保\t60.00", "\t其中：补助\t50.00",
        "新的一组\t1.00"]  # a span ends with its row group (tbody)


def test_rowspan_headers_give_each_figure_its_column() -> None:
    page = ("<html><head><title>某县医疗保障局2024年部门预算</title></head><body><p>部门预算收入总表</p><p>单位：万元</p><table>"
            "<tr><td rowspan=2>科目编码</td><td rowspan=2>科目名称</td><td rowspan=2>合计</td><td colspan=3>本年收入</td>"
            "<td rowspan=2>上年结转</td></tr><tr><td>小计</td><td>财政拨款收入</td><td>事业收入</td></tr>"
            "<tr><td></td><td>合计</td><td>5350.2278</td><td>5344.2278</td><td>5344.2278</td><td></td><td>6.00</td></tr>"
            "</table></body></html>")
    items = process_bytes(page.encode(), "p.html").line_items
    assert [(i["column_header"], i["value"]) for i in items] == [
        ("合计", 5350.2278), ("本年收入/小计", 5344.2278), ("本年收入/财政拨款收入", 5344.2278), ("上年结转", 6.0)]


def test_a_page_laid_out_in_a_table_keeps_its_tables_and_paragraphs() -> None:
    """Old government pages put the whole page in one cell of a layout table: its tables are
    tables, its paragraphs blocks, in page order (they were squashed into one cell)."""
    page = ("<table width=960><tr><td><p>标题</p><p>单位：元</p><table><tr><td>a</td><td>1</td></tr><tr><td>b</td><td>2</td></tr>"
            "</table><p>说明一</p>说明二<br>说明三<table><tr><td>c</td><td>3</td></tr><tr><td>d</td><td>4</td></tr></table>"
            "</td></tr></table>")
    assert [ln.text for ln in read_html(page.encode())] == ["标题", "单位：元", "a\t1", "b\t2", "说明一", "说明二", "说明三",
                                                            "c\t3", "d\t4"]
    assert _figures(_page().replace("<body>", "<body><table><tr><td>", 1).replace("</body>", "</td></tr></table></body>")) == _figures(_page())
    # one table per row (as some converters write pages): with paragraphs in the cell, still tables
    one_row_tables = "<table><tr><td><p>标题</p><table><tr><td>a</td><td>1</td></tr></table><table><tr><td>b</td><td>2</td></tr></table></td></tr></table>"
    assert [ln.text for ln in read_html(one_row_tables.encode())] == ["标题", "a\t1", "b\t2"]


def test_a_one_row_table_inside_a_cell_is_part_of_the_cell() -> None:
    page = "<table><tr><td>合计<table><tr><td>5.80</td></tr></table></td><td>3.00</td></tr></table>"
    assert [ln.text for ln in read_html(page.encode())] == ["合计5.80\t3.00"]


def test_tables_nested_deeper_than_the_cap_are_read_as_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each level of nesting is a table until :data:`MAX_TABLE_DEPTH`; deeper ``<table>`` tags
    are ignored (their rows and cells are read into the deepest table), so the time stays
    linear, and no text is lost."""
    monkeypatch.setattr(webpage, "MAX_TABLE_DEPTH", 3)
    page = "<p>标题</p>" + "<table><tr><td>收入合计 1 " * 6
    lines = [ln.text for ln in read_html(page.encode())]
    assert lines[0] == "标题" and " ".join(lines[1:]).split() == ["收入合计", "1"] * 6


@pytest.mark.parametrize(("cell", "text"), [
    ("12<span style='display:none'>9</span>3.45", "123.45"),
    ('12<font style="color:red; visibility : hidden">9</font>3.45', "123.45"),
    ("12<span hidden>9</span>3.45", "123.45"),
    ("12<span style='display:none'>9<b>9</b>9</span>3.45", "123.45"),
    ("123.45<sup>1</sup>", "123.45¹"),                  # a footnote mark: not part of the figure
    ("面积(m<sup>2</sup>)", "面积(m²)"), ("H<sub>2</sub>O", "H₂O"),
    ("<span style='display:none'>9", ""),               # never closed: hidden to the end of its cell only
])
def test_text_a_browser_does_not_show_is_not_read(cell: str, text: str) -> None:
    page = f"<table><tr><td>合计</td><td>{cell}</td><td>5.00</td></tr><tr><td>支出</td><td>1.00</td></tr></table>"
    assert [ln.text for ln in read_html(page.encode())] == [f"合计\t{text}\t5.00", "支出\t1.00"]


def test_a_footnote_mark_leaves_the_figure_missing_not_wrong() -> None:
    page = ("<html><head><title>某县医疗保障局2024年部门预算</title></head><body><p>部门预算支出总表</p><p>单位：万元</p><table>"
            "<tr><td>科目编码</td><td>科目名称</td><td>合计</td></tr><tr><td></td><td>合计</td><td>123.45<sup>1</sup></td></tr>"
            "</table></body></html>")
    assert [i["value"] for i in process_bytes(page.encode(), "p.html").line_items] == [None]  # was 123.451


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_a_page_in_utf16_without_a_byte_order_mark_is_a_page(encoding: str) -> None:
    data = _page().encode(encoding)
    assert looks_like_html(data) and detect_format(data) == "html"
    assert [(r, c, v) for r, c, v in _figures_of(data)] == _figures(_page())


def _figures_of(data: bytes) -> list[tuple[str, str, float]]:
    result = process_bytes(data, "page.html")
    return [(i["row_label"], i["column_header"], i["value"]) for i in result.line_items]


def test_a_page_in_the_charset_it_declares_is_read_in_it() -> None:
    """A Big5 (or Shift_JIS …) page is neither UTF-8 nor GB18030: its own declaration says how
    to read it (the message was "UTF-8 text up to line 1, then bytes that are not UTF-8")."""
    page = ('<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"></head><body>'
            "<p>部門收支總表</p><table><tr><td>項目</td><td>預算數</td></tr><tr><td>收入總計</td><td>5.80</td></tr></table>"
            "</body></html>")
    assert [ln.text for ln in read_html(page.encode("big5"))] == ["部門收支總表", "項目\t預算數", "收入總計\t5.80"]


def test_a_page_that_is_not_in_its_declared_charset_either_says_so() -> None:
    page = "<html><head><meta charset='big5'></head><body><p>收入</p></body></html>".encode() + b"\xff\xff\xfe"
    with pytest.raises(webpage.DecodeError, match="declares charset big5"):
        read_html(page)


_WRAPPED = ("反映我部门本年度支出预算的总体情况。2018年支出预算4622.39万元，其中：基本{br}支出264.84万元，"
            "包括人员{br}经费246.18万元和日常公用经费18.66万元；项目支出4357.55万元。")


def _wrapped_page(br: str) -> bytes:
    return ("<html><body><h1>正定县医疗保险管理中心2018年部门预算信息公开</h1>"
            f"<p class=MsoNormal><span style='font-family:宋体'>{_WRAPPED.format(br=br)}</span></p></body></html>").encode()


def test_a_source_line_break_between_chinese_characters_is_no_space() -> None:
    """Word's "save as web page" wraps long source lines between Chinese characters; a browser
    shows no space there (CSS segment-break rule for wide characters). Read as a space,
    "基本 支出264.84万元" lost its figure."""
    assert [ln.text for ln in read_html(_wrapped_page("\r\n"))][1] == _WRAPPED.format(br="")
    assert [ln.text for ln in read_html("<p>合计\n 5.80 元\nper\nyear</p>".encode())] == ["合计 5.80 元 per year"]
    broken = process_bytes(_wrapped_page("\r\n"), "doc.html").indicators
    assert (broken["basic_expenditure"], broken["personnel_expenditure"]) == (264.84, 246.18)


# Bounded time and memory: spans, cells, markup that never ends -------------------------------

#: reads one page in a fresh interpreter: prints "<seconds> <peak RSS MB> <lines or error>"
_MEASURE = PEAK_MB_SOURCE + """
import sys, time
from budgetlib.webpage import UnreadablePage, read_html
data = open(sys.argv[1], "rb").read()
start = time.time()
try:
    outcome = repr([line.text for line in read_html(data)])
except UnreadablePage as exc:
    outcome = "refused: " + str(exc)
print(f"{time.time() - start:.1f} {peak_mb()} {outcome}")
"""


def _measure(data: bytes, tmp_path: Path, timeout: float = 20) -> tuple[float, int, str]:
    """Seconds, peak memory (MB) and outcome of reading the page ``data``; a hang fails the test."""
    path = tmp_path / "page.html"
    path.write_bytes(data)
    try:
        proc = subprocess.run([sys.executable, "-c", textwrap.dedent(_MEASURE), str(path)], capture_output=True,
                              text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        pytest.fail(f"a {len(data) // 1024} KB page was not read within {timeout:.0f}s")
    assert proc.returncode == 0, proc.stderr[-2000:]
    seconds, rss, outcome = proc.stdout.strip().split(" ", 2)
    return float(seconds), int(rss), outcome


_HEAD = "<html><head><title>2024年部门预算</title></head><body><p>收入支出预算总表</p>"


@pytest.mark.parametrize("table", [
    # one cell over 990 columns and every row below it (rowspan=0), then one small row after another:
    # 59 M cells from 540 KB (45 s, 1.3 GB)
    "<table><tr><td colspan=990 rowspan=0>项目</td><td>1</td></tr>" + "<tr><td>1" * 60_000 + "</table>",
    # every row starts a cell over the rest of the group, one column further right: quadratic (82 s)
    "<table>" + '<tr><td rowspan="0">1' * 20_000 + "</table>",
])
@needs_proc
def test_spans_cannot_expand_a_small_page_into_millions_of_cells(table: str, tmp_path: Path) -> None:
    seconds, rss, outcome = _measure((_HEAD + table).encode(), tmp_path)
    assert outcome.startswith("refused: the page's tables have more than 1,000,000 cells"), outcome[:300]
    assert seconds < 5 and rss < 400, (seconds, rss)


@needs_proc
def test_empty_rows_under_a_wide_span_cost_nothing(tmp_path: Path) -> None:
    # each row used to count down every spanned column: 5,000 × 60,000 rows (~20 s)
    page = (_HEAD + "<table><tr>" + "<td colspan=1000 rowspan=0>项目</td>" * 5 + "</tr>" + "<tr></tr>" * 60_000
            + "<tr><td>5.80</table>")
    seconds, _, outcome = _measure(page.encode(), tmp_path)
    head = ("项目" + "\t" * 1000) * 4 + "项目" + "\t" * 999
    assert outcome == repr(["2024年部门预算", "收入支出预算总表", head, "\t" * 5000 + "5.80"]) and seconds < 3, seconds


def test_the_cell_cap_counts_the_cells_spans_cover(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(webpage, "MAX_CELLS", 8)
    fits = "<table><tr><td rowspan=0 colspan=2>a<td>1<tr><td>2<tr><td>3</table>"  # 3 rows of 3 columns: 9 cells
    with pytest.raises(UnreadablePage, match="more than 8 cells .*passed in table 1"):
        read_html(fits.encode())
    monkeypatch.setattr(webpage, "MAX_CELLS", 9)
    assert [ln.text for ln in read_html(fits.encode())] == ["a\t\t1", "\t\t2", "\t\t3"]


def test_rowspan_zero_spans_to_the_end_of_its_row_group() -> None:
    page = "<table><tr><td rowspan=0>a<td>1<tr><td>2<tbody><tr><td>b<td>3<tr><td>4</table>"
    assert [ln.text for ln in read_html(page.encode())] == ["a\t1", "\t2\t", "b\t3", "4"]


@pytest.mark.parametrize("markup", ["<!--", "<a b='", '<a href="', "<!--x--", "<a\n", "<td class=x ", "</a", "<?"])
@needs_proc
def test_markup_that_never_ends_is_read_in_linear_time(markup: str, tmp_path: Path) -> None:
    # Python 3.11.7's parser read the rest of the page again from each later "<" (CVE-2025-6069):
    # 400 KB of "<!--" took ~65 s, of '<a href="' hours
    page = _HEAD + markup * (400_000 // len(markup))
    seconds, _, outcome = _measure(page.encode(), tmp_path)
    assert outcome == repr(["2024年部门预算", "收入支出预算总表"]) and seconds < 5, (seconds, outcome[:300])


@pytest.mark.parametrize(("tail", "named"), [
    ("<!-- 以下为表格 <table><tr><td>合计<td>5.80</table>", "line 2: a comment (<!--) opened here has no -->"),
    ('<a href="x.pdf>附件</a>\n<p>合计 5.80 万元</p>', "line 2: the tag <a opened here never ends"),
])
def test_markup_that_never_ends_and_hides_the_page_is_a_clear_error(tail: str, named: str) -> None:
    with pytest.raises(UnreadablePage, match=re.escape(named)):
        read_html((_HEAD + "\n" + tail).encode())


def test_a_page_cut_off_inside_its_last_comment_is_read_up_to_it() -> None:
    page = _HEAD + "<table><tr><td>合计<td>5.80</table><!-- 统计代码 <script>var _hmt"
    assert [ln.text for ln in read_html(page.encode())] == ["2024年部门预算", "收入支出预算总表", "合计\t5.80"]
