"""Unit tests for budgetlib.read: decoding, normalising, rows of cells."""

from __future__ import annotations

import pytest

from budgetlib.read import (
    DecodeError,
    Line,
    csv_lines,
    decode,
    load_lines,
    looks_like_csv,
    normalize_line,
    to_lines,
    to_rows,
)

SAMPLE = "部门预算收支总表\n单位：万元\n1\t一、一般公共预算拨款收入\t5344.2278\n"


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gb18030", "gb18030"), ("gbk", "gb18030"), ("utf-16", "utf-16")],
)
def test_decode_says_which_encoding(encoding: str, expected: str) -> None:
    text, used = decode(SAMPLE.encode(encoding))
    assert text == SAMPLE
    assert used == expected


@pytest.mark.parametrize("data", [b"%PDF-1.7\n...", b"PK\x03\x04rest", b"\x00\x01\x02\x03" * 100])
def test_decode_rejects_binary(data: bytes) -> None:
    with pytest.raises(DecodeError):
        decode(data)


def test_crlf_and_cr_end_lines() -> None:
    lines = to_lines("a\r\nb\rc\n")
    assert [ln.text for ln in lines] == ["a", "b", "c"]
    assert [ln.no for ln in lines] == [1, 2, 3]


def test_fullwidth_digits_and_punctuation() -> None:
    assert normalize_line("合计：１２３．４５（万元）％") == "合计:123.45(万元)%"
    # Chinese sentence punctuation keeps its meaning
    assert normalize_line("收入１万元，支出２万元。") == "收入1万元，支出2万元。"


def test_markdown_and_html_markers_removed() -> None:
    assert normalize_line("## 收入决算表") == "收入决算表"
    assert normalize_line("<b>第一部分 概况</b>\t1") == "第一部分 概况\t1"


def test_tab_rows_keep_cells_and_line_numbers() -> None:
    rows = to_rows(to_lines("标题\n1\t合计\t5.00\t\n"))
    assert rows[0].cells == ("标题",)
    assert rows[1].cells == ("1", "合计", "5.00", "")
    assert rows[1].line_nos == (2, 2, 2, 2)


def test_one_cell_per_line_blocks_become_rows() -> None:
    text = "\t项目\n\t数量\n\n\t车辆\n\t2\n\t23.35\n"
    rows = to_rows(to_lines(text))
    assert [r.cells for r in rows] == [("项目", "数量"), ("车辆", "2", "23.35")]
    assert rows[1].line_nos == (4, 5, 6)


def test_markdown_table_rows() -> None:
    rows = to_rows(to_lines("| 项目 | 金额 |\n|---|---|\n| 合计 | 5.00 |\n"))
    assert [r.cells for r in rows] == [("项目", "金额"), ("合计", "5.00")]


def test_space_aligned_rows() -> None:
    rows = to_rows(to_lines("合计      5.00     3.00\n一句话，没有表格。\n"))
    assert rows[0].cells == ("合计", "5.00", "3.00")
    assert rows[1].cells == ("一句话，没有表格。",)


def test_load_lines_reports_encoding() -> None:
    lines, enc = load_lines("收入\n".encode("gbk"))
    assert lines == [Line(1, "收入")]
    assert enc == "gb18030"


def test_only_line_ends_end_a_line() -> None:
    """Line numbers are the file's own (what an editor shows): a page break (form feed, as
    pdftotext writes it) or a line break inside a spreadsheet cell (\\v, U+2028) does not
    start a new line."""
    text = "标题\n\f部门预算支出总表\r\n一、一般公共预算\v拨款收入\t5344.22\n二、事业收入\u2028合计\t1.00\n"
    lines = to_lines(text)
    assert [ln.no for ln in lines] == [1, 2, 3, 4]
    assert lines[1].text == "部门预算支出总表"
    assert lines[2].text == "一、一般公共预算 拨款收入\t5344.22"
    assert lines[3].text == "二、事业收入 合计\t1.00"


def test_a_nul_byte_anywhere_in_a_text_file_is_an_error_naming_its_line() -> None:
    text = "标题\n" * 3000 + "合计\t53\x0044.22\n"
    with pytest.raises(DecodeError, match="NUL byte at line 3001"):
        decode(text.encode("utf-8"))


def test_a_file_that_mixes_encodings_says_where_each_fails() -> None:
    data = ("标题\n" * 2000).encode("utf-8") + "收入合计\n".encode("gbk")
    with pytest.raises(DecodeError) as info:
        decode(data)
    assert "line 2001" in str(info.value) and "mixes two encodings" in str(info.value)


def test_nul_padding_at_the_end_is_dropped() -> None:
    """A download cut short is often padded with NULs: the text before them is read."""
    assert decode("收入合计\t5.80\n".encode() + b"\x00" * 5000) == ("收入合计\t5.80\n", "utf-8")


def test_error_lines_count_a_bare_cr_as_a_line_end() -> None:
    with pytest.raises(DecodeError, match="NUL byte at line 3002"):
        decode(("标题\r" * 3000 + "收入\r合计\t53\x0044.22\r").encode())


def test_a_quoted_cell_with_line_breaks_stays_in_its_row() -> None:
    """Excel and WPS save a tab-separated text with a cell holding line breaks (or a tab, or a
    quote) in double quotes, quotes in it doubled: that row is one row, at its first line."""
    text = ('科目编码\t科目名称\t合计\n'
            '2101202\t"财政对城乡居民基本医疗保险\n基金的补助"\t60.00\n'
            '2101101\t"行政单位\t医疗"\t40.00\n'
            '229\t"其他""专项""\r\n\r\n支出"\t"1,234.50"\n'
            '\t合计\t1334.50\n')
    lines = to_lines(text)
    assert [ln.no for ln in lines] == [1, 2, 4, 5, 8]
    rows = to_rows(lines)
    assert [r.cells for r in rows] == [("科目编码", "科目名称", "合计"), ("2101202", "财政对城乡居民基本医疗保险 基金的补助", "60.00"),
                                       ("2101101", "行政单位 医疗", "40.00"), ("229", '其他"专项" 支出', "1,234.50"),
                                       ("", "合计", "1334.50")]
    assert rows[1].line_nos == (2, 2, 2)


@pytest.mark.parametrize("text", [
    '"三公"经费支出预算表\n单位：万元\n',        # quotes in a title, no cells
    '\t"三公"经费\t12.00\n\t合计\t12.00\n',      # a cell that starts with a quoted word
    '项目\t"未闭合的引号\n下一行\n' + "第三行\n" * 30,  # never closed: left as it is
    '说明：“基本支出”\t"指\n',                   # an odd quote at the end of the file
])
def test_quotes_that_are_not_a_quoted_cell_are_text(text: str) -> None:
    raw = text.split("\n")[:-1]
    assert [ln.text for ln in to_lines(text)] == [normalize_line(r) for r in raw]


@pytest.mark.parametrize("colon", ["\u2236", "\ufe55", "\ufe30"])
def test_colon_look_alikes_are_colons(colon: str) -> None:
    assert normalize_line(f"单位{colon}元") == "单位:元"


@pytest.mark.parametrize("mark", ["\u200e", "\u200f", "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066",
                                  "\u2067", "\u2068", "\u2069", "\u200c", "\u200d", "\u2060", "\u00ad"])
def test_invisible_marks_are_dropped(mark: str) -> None:
    """Direction marks, joiners and soft hyphens show nothing, and must not break a title or a figure."""
    assert normalize_line(f"部门预算{mark}支出总表\t{mark}123.45\t1{mark}0.00") == "部门预算支出总表\t123.45\t10.00"


def test_a_comma_separated_export_is_read_as_rows() -> None:
    """A table saved from a spreadsheet as CSV: its rows are rows of cells (quoted cells may
    hold commas and line breaks), each at the line where it starts."""
    text = ('部门预算支出总表,,\n单位：万元,,\n科目编码,科目名称,合计\n'
            '2101202,"财政对城乡居民基本医疗保险\n基金的补助","1,234.50"\n\n,合计,1234.50\n')
    assert looks_like_csv(text)
    lines = csv_lines(text)
    assert [(ln.no, ln.text) for ln in lines] == [
        (1, "部门预算支出总表"), (2, "单位:万元\t"), (3, "科目编码\t科目名称\t合计"),
        (4, "2101202\t财政对城乡居民基本医疗保险 基金的补助\t1,234.50"), (7, "\t合计\t1234.50")]


# a text alone in its row heads or divides the table when a table row follows it (as in the XLSX)
def test_a_csv_heading_dividing_a_table_keeps_the_figures_under_it() -> None:
    from budgetlib.pipeline import process_bytes

    rows = [["部门决算公开相关信息统计表"], ["金额单位:万元"], ["一、政府采购情况"], ["项目", "行次", "统计数"],
            ["合计", "1", "1.83"], ["货物", "2", "1.83"], ["工程", "3", ""]]
    as_csv = "\r\n".join(",".join(r + [""] * (3 - len(r))) for r in rows)
    assert [ln.text for ln in csv_lines(as_csv)][:4] == ["部门决算公开相关信息统计表", "金额单位:万元", "一、政府采购情况\t",
                                                          "项目\t行次\t统计数"]
    figures = {(i["row_label"], i["value_wan"]) for i in process_bytes(as_csv.encode("utf-8-sig"), "x.csv").line_items}
    assert figures == {("合计", 1.83), ("货物", 1.83)}


@pytest.mark.parametrize("text", [
    "一、收入预算\n收入合计1,234.56万元，比上年增加。\n",          # a thousands separator is not a cell separator
    "合计    1,234.56    2,345.67\n支出    1,000.00    1,000.00\n",  # aligned with spaces
    "科目\t金额\n合计\t1,234.56\n",                                     # tabs: cells already
    "说明：本表,单位为万元。\n正文一行。\n正文二行。\n正文三行。\n正文四行。\n",  # one comma in prose
])
def test_text_that_is_not_comma_separated(text: str) -> None:
    assert not looks_like_csv(text)


@pytest.mark.parametrize(
    ("text", "cells"),
    [
        (  # a header without figures keeps its columns, an empty cell its place
            "科目编码    科目名称            合计      基本支出    项目支出\n"
            "            合计                123.45    100.00      23.45\n"
            "2101202     城乡居民医疗保险    23.45                 23.45\n",
            [("科目编码", "科目名称", "合计", "基本支出", "项目支出"), ("", "合计", "123.45", "100.00", "23.45"),
             ("2101202", "城乡居民医疗保险", "23.45", "", "23.45")],
        ),
        (  # right-aligned figures under left-aligned (or centred) headers, as pdftotext -layout writes them
            "项目              一般公共预算拨款    政府性基金\n"
            "合计                       1,234.56        12.00\n"
            "基本支出                     100.00\n",
            [("项目", "一般公共预算拨款", "政府性基金"), ("合计", "1,234.56", "12.00"), ("基本支出", "100.00", "")],
        ),
    ],
)
def test_space_aligned_table_is_cut_where_its_rows_have_gaps(text: str, cells: list[tuple[str, ...]]) -> None:
    """Rows aligned with runs of spaces (pdftotext -layout, tabs expanded by an editor) are cut
    where the rows with figures have gaps; each header cell goes to the column it covers."""
    rows = to_rows(to_lines(text))
    assert [r.cells for r in rows] == cells
    assert [r.line_nos[0] for r in rows] == list(range(1, len(cells) + 1))


def test_prose_next_to_an_aligned_table_stays_prose() -> None:
    text = "一、部门职责  本部门负责全县医疗保障工作。\n合计      5.00     3.00\n支出      1.00     2.00\n"
    rows = to_rows(to_lines(text))
    assert rows[0].cells == ("一、部门职责  本部门负责全县医疗保障工作。",)
    assert [r.cells for r in rows[1:]] == [("合计", "5.00", "3.00"), ("支出", "1.00", "2.00")]


def test_markdown_table_without_outer_pipes() -> None:
    text = "科目编码 | 科目名称 | 合计\n--- | --- | ---:\n | 合计 | 123.45\n2101202 | 城乡居民 | 23.45\n说明文字，不是表格。\n"
    rows = to_rows(to_lines(text))
    assert [r.cells for r in rows] == [
        ("科目编码", "科目名称", "合计"),
        ("", "合计", "123.45"),
        ("2101202", "城乡居民", "23.45"),
        ("说明文字，不是表格。",),
    ]


def test_a_line_with_pipes_but_no_rule_under_it_is_text() -> None:
    rows = to_rows(to_lines("收入 | 支出 | 结余\n下一行\n"))
    assert [r.cells for r in rows] == [("收入 | 支出 | 结余",), ("下一行",)]
