"""Rendering: an executed notebook → offline HTML and a PDF with Chinese text and chart labels.

One small notebook (Chinese heading, HTML table, two altair charts with Chinese labels, stdout
and a warning) is executed once with nbclient and rendered; the tests check the properties the
reports promise. Notebooks with hand-made outputs test escaping without a kernel.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from budgetlib import render

HEADING = "部门预算执行情况"
CHART_LABEL = "功能分类科目"
PROVENANCE = {"输入文件 SHA-256": "0123abcd" * 8, "budgetlib 版本": "0.1.0", "git 提交": "deadbeef"}

SETUP = """
import warnings
import altair as alt
import polars as pl
from IPython.display import HTML, Markdown, display

df = pl.DataFrame({"科目": ["一般公共服务", "教育", "卫生健康"], "金额": [1234.5, 2345.6, 345.7]})
"""
# chart 1: the Vega-Lite mime type (as budgetlib.charts emits it)
CHART_MIME = """
alt.renderers.register("vegalite", lambda spec, **_: {"application/vnd.vegalite.v6+json": spec, "text/plain": "<chart>"})
alt.renderers.enable("vegalite")
alt.Chart(df).mark_bar().encode(
    x=alt.X("科目:N", title="功能分类科目"), y=alt.Y("金额:Q", title="支出（万元）")
).properties(title="支出结构")
"""
# chart 2: altair's HTML output, which would load the Vega scripts from a CDN
CHART_HTML = """
alt.renderers.enable("html")
alt.Chart(df).mark_arc().encode(theta="金额:Q", color=alt.Color("科目:N", title="科目名称"))
"""
TABLE = """
rows = "".join(f"<tr><td>{k}</td><td>{v:,.2f}</td></tr>" for k, v in df.iter_rows())
display(HTML(f"<table><thead><tr><th>科目</th><th>金额（万元）</th></tr></thead><tbody>{rows}</tbody></table>"))
"""
STREAMS = """
print("共 3 个科目")
warnings.warn("这条警告不应出现在报告里")
"""


def _pdf_text(path: Path) -> str:
    """The PDF's text: pdftotext when installed (as the issue checks it), else pypdfium2."""
    if shutil.which("pdftotext"):
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in pdf)
    finally:
        pdf.close()


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small notebook, executed with the venv's python3 kernel."""
    import nbclient
    from jupyter_client.kernelspec import KernelSpecManager

    assert "python3" in KernelSpecManager().find_kernel_specs(), "no python3 kernel spec (ipykernel)"
    nb = new_notebook(cells=[
        new_markdown_cell(f"# {HEADING}\n\n本报告由 budgetlib 生成，数字单位为万元。"),
        new_code_cell(SETUP),
        new_markdown_cell("## 支出结构"),
        new_code_cell(CHART_MIME),
        new_code_cell(CHART_HTML),
        new_markdown_cell("## 支出明细"),
        new_code_cell(TABLE),
        new_code_cell(STREAMS),
    ])
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=300).execute()
    path = tmp_path_factory.mktemp("nb") / "report.ipynb"
    nbformat.write(nb, str(path))
    return path


@pytest.fixture(scope="module")
def rendered(executed: Path, tmp_path_factory: pytest.TempPathFactory) -> render.RenderResult:
    out = tmp_path_factory.mktemp("out")
    result = render.render(executed, out, "report", title="测试县 2024 年部门预算", provenance=PROVENANCE)
    print(f"render seconds: {dict(result.seconds)}")
    return result


def _page(result: render.RenderResult) -> str:
    return result.html.read_text(encoding="utf-8")


# --- HTML -----------------------------------------------------------------------------------


def test_html_has_no_network_address(rendered: render.RenderResult) -> None:
    page = _page(rendered)
    assert "http://" not in page and "https://" not in page
    specs = re.findall(r'<script type="application/json" class="chart-spec">(.*?)</script>', page, re.S)
    assert specs and not any("http" in spec for spec in specs)  # no $schema URL in the embedded specs
    assert render.network_addresses(page) == []
    assert not re.search(r"""(?:src|href)\s*=\s*["']?//""", page)


def test_html_embeds_vega_scripts_once_for_two_charts(rendered: render.RenderResult) -> None:
    page = _page(rendered)
    assert page.count('<figure class="budgetlib-chart" id=') == 2
    assert page.count("window.vegaEmbed=") == 1
    scripts = re.findall(r"<script(?![^>]*application/json)[^>]*>", page)
    assert len(scripts) == 2  # the bundle and the few lines that draw the charts
    assert page.count('type="application/json" class="chart-spec"') == 2


def test_html_chart_specs_parse_and_ids_are_numbered(rendered: render.RenderResult) -> None:
    page = _page(rendered)
    assert re.findall(r'id="(budgetlib-chart-\d+)"', page) == ["budgetlib-chart-1", "budgetlib-chart-2"]
    specs = re.findall(r'<script type="application/json" class="chart-spec">(.*?)</script>', page)
    titles = [json.loads(s).get("title") for s in specs]
    assert titles[0] == "支出结构"
    assert "altair-viz" not in page  # altair's HTML output became a chart like the other


def test_html_has_svg_fallback_with_chinese_labels(rendered: render.RenderResult) -> None:
    page = _page(rendered)
    images = re.findall(r'class="chart-fallback" alt="([^"]*)" src="data:image/svg\+xml;base64,([^"]+)"', page)
    assert len(images) == 2
    assert images[0][0] == "图表：支出结构"
    first = base64.b64decode(images[0][1]).decode("utf-8")
    assert first.startswith("<svg") and CHART_LABEL in first and "一般公共服务" in first
    assert "科目名称" in base64.b64decode(images[1][1]).decode("utf-8")


def test_html_content_hides_code_and_stderr(rendered: render.RenderResult) -> None:
    page = _page(rendered)
    assert f">{HEADING}</h1>" in page
    assert "<h2" in page and "支出明细" in page
    assert "一般公共服务" in page and "2,345.60" in page
    assert "共 3 个科目" in page  # stdout is output
    assert "这条警告" not in page and "UserWarning" not in page  # stderr is not
    assert "alt.Chart" not in page and "import altair" not in page  # code is hidden
    assert "测试县 2024 年部门预算" in page and PROVENANCE["输入文件 SHA-256"] in page
    assert "git 提交" in page


def test_html_numbers_are_right_aligned(rendered: render.RenderResult) -> None:
    page = _page(rendered)
    assert '<td style="text-align: right;">2,345.60</td>' in page


def test_vega_script_is_valid_javascript_without_addresses(tmp_path: Path) -> None:
    script = render._vega_script(render._vl_versions()[-1])
    assert "://" not in script
    assert script.count("</script") == 2 and script.count("<script>") == 2  # nothing ends them early
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not installed: cannot run the bundle")
    bundle = script.split("<script>\n", 2)[1].rsplit("</script>", 1)[0]
    check = tmp_path / "check.js"
    check.write_text(f"global.window = global;\n{bundle}\n"
                     "if (typeof window.vegaEmbed !== 'function') process.exit(3);\n", encoding="utf-8")
    done = subprocess.run([node, str(check)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


# --- PDF ------------------------------------------------------------------------------------


def test_pdf_has_chinese_heading_and_chart_labels(rendered: render.RenderResult) -> None:
    text = _pdf_text(rendered.pdf)
    assert HEADING in text
    flat = _flat(text)  # chart labels may be rotated: compare without line breaks
    assert CHART_LABEL in flat and "支出（万元）" in flat and "科目名称" in flat and "一般公共服务" in flat
    assert "2,345.60" in flat and "共3个科目" in flat
    assert PROVENANCE["输入文件 SHA-256"] in flat
    assert "这条警告" not in flat


def test_pdf_uses_the_cjk_font() -> None:
    if not render.find_cjk_fonts():
        pytest.skip("no CJK font on this machine")
    sans, serif = render.cjk_fonts()
    assert sans and serif
    assert sans in render.cjk_font_status()


def test_pdf_embeds_cjk_font(rendered: render.RenderResult) -> None:
    if not render.find_cjk_fonts():
        pytest.skip("no CJK font on this machine")
    sans, _ = render.cjk_fonts()
    assert sans is not None
    assert sans.replace(" ", "").lower().encode() in rendered.pdf.read_bytes().lower()  # NotoSansCJKsc-…


# --- determinism, settings ------------------------------------------------------------------


def test_rendering_twice_gives_identical_bytes(executed: Path, rendered: render.RenderResult, tmp_path: Path) -> None:
    again = render.render(executed, tmp_path, "report", title="测试县 2024 年部门预算", provenance=PROVENANCE)
    assert again.html.read_bytes() == rendered.html.read_bytes()
    assert again.pdf.read_bytes() == rendered.pdf.read_bytes()


def test_pdf_date_is_fixed(rendered: render.RenderResult) -> None:
    content = rendered.pdf.read_bytes()
    assert b"CreationDate" not in content and b"ModDate" not in content and b"CreateDate" not in content


def test_renderer_settings_name_what_changes_output() -> None:
    settings = render.renderer_settings()
    for key in ("engine", "pandoc", "typst", "vl_convert", "templates", "font_sans", "pdf_timestamp"):
        assert key in settings and isinstance(settings[key], str)
    assert settings == render.renderer_settings()
    other = render.renderer_settings(render.RenderOptions(timestamp=86400))
    assert other["pdf_timestamp"] != settings["pdf_timestamp"]


def test_options_are_validated() -> None:
    with pytest.raises(ValueError, match="engine"):
        render.RenderOptions(engine="latex")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timestamp"):
        render.RenderOptions(timestamp=-1)


# --- escaping -------------------------------------------------------------------------------

EVIL_UNIT = '<script>alert("单位")</script> #import "evil.typ": * [x] $y$ @ref'


def _hand_made_notebook(path: Path) -> Path:
    """A notebook with outputs written by hand: document text that tries to become markup."""
    markdown = new_output("display_data", data={"text/markdown": f"单位：{EVIL_UNIT}", "text/plain": "x"})
    safe_md = new_output("display_data", data={"text/markdown": "名称：" + render.escape_markdown("*粗* [链接](#x) # 标题")})
    html_out = new_output("display_data", data={"text/html": (
        '<p>正文</p><script>alert("html")</script><style>body{display:none}</style>'
        '<iframe src="https://example.org/"></iframe><img src="https://example.org/x.png" alt="外部图片">'
        "<table><tr><th>单位</th></tr><tr><td>&lt;script&gt;alert(1)&lt;/script&gt; #set page(width: 1cm)</td></tr></table>"
        '<p><a href="https://example.org/doc">原文链接</a></p>'
        '<div style="background:url(https://example.org/bg.png)">背景</div>'
    )})
    stream = new_output("stream", name="stdout", text='#set text(fill: red)\n]\n<b>粗</b>\n')
    nb = new_notebook(cells=[
        new_markdown_cell("# 注入测试\n\n<script>alert('cell')</script> `#import` <b>不加粗</b> #set page(height: 1cm)"),
        new_code_cell("pass", outputs=[markdown, safe_md, html_out, stream]),
    ])
    nbformat.write(nb, str(path))
    return path


def test_document_text_cannot_inject_html(tmp_path: Path) -> None:
    source = _hand_made_notebook(tmp_path / "evil.ipynb")
    out = render.render_html(source, tmp_path / "evil.html", title=f"标题 {EVIL_UNIT}",
                             provenance={"单位": EVIL_UNIT})
    page = out.read_text(encoding="utf-8")
    assert "<script" not in page  # no chart, so no script at all
    assert "<style>body{display" not in page and "<iframe" not in page and "<img" not in page
    assert "<b>" not in page
    assert "&lt;script&gt;alert(" in page and "&lt;b&gt;粗&lt;/b&gt;" in page
    assert "外部图片" in page  # an image from the network becomes its description
    assert "原文链接" in page and "<a href=" not in page.split("<main>")[1]
    assert "名称：*粗* [链接](#x) # 标题" in page  # escape_markdown keeps text as text
    assert "背景" in page and "url(" not in page


def test_document_text_cannot_inject_typst(tmp_path: Path) -> None:
    source = _hand_made_notebook(tmp_path / "evil.ipynb")
    out = render.render_pdf(source, tmp_path / "evil.pdf", title=f"标题 {EVIL_UNIT}",
                            provenance={"单位": EVIL_UNIT})
    flat = _flat(_pdf_text(out))
    assert re.sub(r"\s+", "", EVIL_UNIT) in flat  # title, markdown output and footer: literal text
    assert flat.count('#import"evil.typ":*') >= 2  # title and footer (the markdown has “smart” quotes)
    assert '#import“evil.typ”:*[x]$y$@ref' in flat
    assert "#setpage(width:1cm)" in flat and "#settext(fill:red)" in flat
    assert "#setpage(height:1cm)" in flat and "<b>粗</b>" in flat
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(out))
    width, height = pdf[0].get_size()
    pdf.close()
    assert round(width) == 595 and round(height) == 842  # A4: no injected page setting


def _html_output_notebook(path: Path, html_text: str) -> Path:
    nb = new_notebook(cells=[new_code_cell("x", outputs=[new_output("display_data", data={"text/html": html_text})])])
    nbformat.write(nb, str(path))
    return path


def test_table_cell_text_cannot_become_typst_markup(tmp_path: Path) -> None:
    """pandoc escapes "= ", "- ", "+ ", "/ " and "1. " at the start of a paragraph, not in a table
    cell: the filter does, so a cell stays text (no heading in the table and the PDF outline)."""
    from budgetlib import charts

    cells = ["= 标题甲", "- 列表乙", "+ 加丙", "/ 术语丁: 定义", "1. 序号戊", "-5", "-"]
    source = _html_output_notebook(tmp_path / "cells.ipynb", charts.html_table([{"a": c} for c in cells], (("a", "单位"),)))
    doc = render._typst_pass(render._read_notebook(source), tmp_path, engine="bundled", title="t", subtitle=None, provenance=None)
    typ = doc.pandoc().decode("utf-8")
    for marker in ("=", "-", r"\+", "/", "1\\."):
        assert not re.search(r"\[\s*" + marker + r"\s", typ), [line for line in typ.splitlines() if "[" in line]
    assert "[-5]" in typ and "[-]" in typ  # numbers keep Typst's minus sign
    pdf = render.render_pdf(source, tmp_path / "cells.pdf", title="表格")
    flat = _flat(_pdf_text(pdf))
    for text in ("=标题甲", "-列表乙", "+加丙", "/术语丁:定义", "1.序号戊"):
        assert text in flat, text
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(pdf))
    outline = [item.get_title() for item in document.get_toc()]
    document.close()
    assert not any("标题甲" in title for title in outline), outline


def _scheme(href: str) -> str:
    """The scheme a browser sees in an address (WHATWG: C0 controls and spaces around it and
    tabs and line breaks in it do not count), "" for none."""
    href = re.sub(r"[\t\n\r]", "", href.strip("".join(chr(c) for c in range(0x21))))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", href)
    return match.group(1).lower() if match else ""


def test_html_keeps_only_safe_links_and_attributes(tmp_path: Path) -> None:
    evil = ('<p><a href="&#1;javascript:alert(1)">甲</a> <a href="&#x1f;javascript:alert(2)">乙</a> '
            '<a href="data:text/html,&lt;script&gt;alert(3)&lt;/script&gt;">丙</a> <a href=" VBScript:x">丁</a> '
            '<a href="\\\\example.org/x">戊</a> <a href="mailto:a@example.org">己</a> <a href="notes.html#b">庚</a> '
            '<a href="&#1;#节" onclick="alert(4)">辛</a></p><h2 id="节">节</h2>'
            '<p><span onclick="alert(5)" onmouseover="alert(6)" style="color:red" title="说明">壬</span></p>'
            '<div onload="alert(7)" lang="zh">癸</div><img src="data:image/png;base64,iVBORw0KGgo=" onerror="alert(8)">'
            '<table><tr><td onclick="alert(9)">子</td></tr></table>')
    source = _html_output_notebook(tmp_path / "links.ipynb", evil)
    page = render.render_html(source, tmp_path / "links.html", title="t").read_text(encoding="utf-8")
    main = page.split("<main>")[1].split("</main>")[0]
    hrefs = re.findall(r'href="([^"]*)"', main)
    assert all(_scheme(h) == "" and not h.startswith("//") for h in hrefs), hrefs
    assert hrefs == ["notes.html#b", "#节"]  # relative and internal links stay, as a browser reads them
    for text in ("甲", "乙", "丙", "丁", "戊", "己", "壬", "癸", "子"):
        assert text in main, text
    assert "（mailto:a@example.org）" in main and "（//example.org/x）" not in main
    assert not re.search(r"\son\w+=", main), main  # no event handler attribute anywhere
    assert 'style="color:red"' in main and 'title="说明"' in main and 'lang="zh"' in main
    assert 'src="data:image/png;base64,' in main  # an embedded image stays


def test_internal_links_and_repeated_headings(tmp_path: Path) -> None:
    nb = new_notebook(cells=[
        new_markdown_cell("## 小结\n\n见[下一节小结](#小结-1)，[失效链接](#不存在)。"),
        new_markdown_cell("## 小结\n\n第二节。"),
        new_code_cell("x", outputs=[new_output("display_data", data={"text/html": '<a href="#nowhere">坏链</a>'})]),
    ])
    nbformat.write(nb, str(tmp_path / "links.ipynb"))
    page = render.render_html(tmp_path / "links.ipynb", tmp_path / "links.html", title="t").read_text(encoding="utf-8")
    assert 'id="小结"' in page and 'id="小结-1"' in page
    assert '<a href="#小结-1">下一节小结</a>' in page
    assert "失效链接" in page and 'href="#不存在"' not in page and 'href="#nowhere"' not in page
    pdf = render.render_pdf(tmp_path / "links.ipynb", tmp_path / "links.pdf", title="t")  # Typst: no missing label
    assert "坏链" in _pdf_text(pdf)


@pytest.mark.parametrize("text", ["    *粗* 单位", "\t<b>单位</b>", "  - 列表"])
def test_escape_markdown_round_trips_indented_text(text: str) -> None:
    import pypandoc

    escaped = render.escape_markdown(text)
    html_text = pypandoc.convert_text(escaped, "html", format="markdown")
    assert "<pre" not in html_text and "<li" not in html_text and "\\" not in html_text, html_text
    assert pypandoc.convert_text(escaped, "plain", format="markdown", extra_args=["--wrap=none"]).rstrip("\n") == text


def test_escape_markdown_round_trips_through_pandoc() -> None:
    import pypandoc

    text = '*a* _b_ [c](d) <e> #f `g` $h$ @i \\j |k| ~l~ ^m^ 1. n'
    escaped = render.escape_markdown(text)
    plain = pypandoc.convert_text(escaped, "plain", format="markdown", extra_args=["--wrap=none"])
    assert plain.strip() == text


def _chart_notebook(path: Path, label: str, *, text: str = "") -> Path:
    """A notebook with one hand-made Vega-Lite output (as budgetlib.charts emits it)."""
    spec = {"$schema": "https://vega.github.io/schema/vega-lite/v6.4.1.json", "title": f"{label}图",
            "data": {"values": [{"项目": label, "万元": 1.5}]}, "mark": "bar",
            "encoding": {"x": {"field": "万元", "type": "quantitative"}, "y": {"field": "项目", "type": "nominal"}}}
    chart = new_output("display_data", data={"application/vnd.vegalite.v6+json": spec, "text/plain": "<chart>"})
    cells = [new_markdown_cell(text)] if text else []
    nb = new_notebook(cells=[*cells, new_code_cell("chart", outputs=[chart])])
    nbformat.write(nb, str(path))
    return path


def test_document_text_cannot_take_the_place_of_a_chart_or_the_scripts(tmp_path: Path) -> None:
    places = "<!-- budgetlib: chart 1 --> <!-- budgetlib: Vega scripts -->"
    source = _chart_notebook(tmp_path / "places.ipynb", "甲", text=f"正文 {places}")
    nb = nbformat.read(str(source), as_version=4)
    nb.cells[1].outputs.append(new_output("display_data", data={"text/html": f"<p>表格 {places}</p>"}))
    nbformat.write(nb, str(source))
    result = render.render(source, tmp_path, "places", title=f"标题 {places}", provenance={"单位": places})
    page = _page(result)
    assert page.count('<img class="chart-fallback"') == 1 and page.count("window.vegaEmbed=") == 1
    assert page.count("&lt;!-- budgetlib: chart 1 --&gt;") >= 3  # markdown, title, footer: text
    assert "<!-- budgetlib" not in page  # the HTML output's comment is dropped, the places are filled
    assert "甲图" in _pdf_text(result.pdf)


def test_each_chart_is_drawn_once_for_both_formats(executed: Path, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import vl_convert

    drawn: list[str] = []
    draw = vl_convert.vegalite_to_svg

    def counting(spec: dict[str, object], **kwargs: object) -> str:
        drawn.append(str(spec.get("title")))
        return draw(spec, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(vl_convert, "vegalite_to_svg", counting)
    render.render(executed, tmp_path, "report", title="测试县 2024 年部门预算", provenance=PROVENANCE)
    assert len(drawn) == 2  # two charts: one SVG each, for the HTML page and the PDF alike


def test_pdfs_made_one_after_another_each_show_their_own_charts(tmp_path: Path) -> None:
    # The Typst compiler is kept for the process: it must read each report's files afresh.
    first = render.render_pdf(_chart_notebook(tmp_path / "a.ipynb", "甲"), tmp_path / "a.pdf", title="一")
    second = render.render_pdf(_chart_notebook(tmp_path / "b.ipynb", "乙"), tmp_path / "b.pdf", title="二")
    text_first, text_second = _flat(_pdf_text(first)), _flat(_pdf_text(second))
    assert "甲图" in text_first and "乙图" not in text_first
    assert "乙图" in text_second and "甲图" not in text_second


# --- no CJK font ----------------------------------------------------------------------------


def test_without_cjk_font_pdf_is_made_and_says_so(executed: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(render, "find_cjk_fonts", lambda: [])
    status = render.cjk_font_status()
    assert "No CJK font was found" in status and "fonts-noto-cjk" in status
    with caplog.at_level(logging.WARNING, logger="budgetlib.render"):
        result = render.render(executed, tmp_path, "nofont", title="无字体", provenance=PROVENANCE)
    assert result.pdf.exists() and result.pdf.read_bytes().startswith(b"%PDF")
    assert any("No CJK font was found" in w for w in result.warnings)
    assert "No CJK font was found" in caplog.text
    assert "no CJK font was found" in _pdf_text(result.pdf)  # said on the page too
    assert render.renderer_settings()["font_sans"] == ""


# --- notebook pieces ------------------------------------------------------------------------


def test_altair_html_output_gives_its_spec() -> None:
    html_output = (
        '<div id="altair-viz-1"></div><script>(function(spec, embedOpt){ vegaEmbed(spec); })'
        '({"mark": "bar", "title": "})({"}, {"mode": "vega-lite"});</script>'
    )
    assert render._altair_html_spec(html_output) == {"mark": "bar", "title": "})({"}
    assert render._altair_html_spec("<p>no chart</p>") is None


def test_script_json_is_inert_and_round_trips() -> None:
    value = {"$schema": "https://vega.github.io/x.json", "t": "</script><!-- & ' \u2028"}
    text = render._script_json(value)
    assert "<" not in text and "//" not in text.replace("\\/", "")
    assert json.loads(text) == value


def test_vega_lite_version_follows_the_spec() -> None:
    newest = render._vl_versions()[-1]
    assert render._vl_version({}) == newest
    assert render._vl_version({"$schema": "https://vega.github.io/schema/vega-lite/v5.20.1.json"}) == (5, 20)
    assert render._vl_version({"$schema": "https://vega.github.io/schema/vega-lite/v5.19.0.json"}) == (5, 17)
    assert render._vl_version({"$schema": "https://vega.github.io/schema/vega-lite/v9.0.0.json"}) == newest


def test_remove_tags_hide_cells_and_outputs(tmp_path: Path) -> None:
    shown = new_output("display_data", data={"text/markdown": "看得见"})
    hidden = new_output("display_data", data={"text/markdown": "看不见"})
    cell_hidden = new_markdown_cell("整格隐藏")
    cell_hidden.metadata["tags"] = ["remove-cell"]
    code_hidden = new_code_cell("x", outputs=[hidden])
    code_hidden.metadata["tags"] = ["remove-output"]
    nb = new_notebook(cells=[cell_hidden, code_hidden, new_code_cell("y", outputs=[shown])])
    nbformat.write(nb, str(tmp_path / "t.ipynb"))
    page = render.render_html(tmp_path / "t.ipynb", tmp_path / "t.html", title="t").read_text(encoding="utf-8")
    assert "看得见" in page and "看不见" not in page and "整格隐藏" not in page


def test_unreadable_notebook_is_a_render_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ipynb"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(render.RenderError, match="bad.ipynb"):
        render.render_html(bad, tmp_path / "bad.html", title="x")


# --- quarto ---------------------------------------------------------------------------------

FAKE_QUARTO = """\
#!{python}
# A stand-in for the quarto CLI: `quarto pandoc` and `quarto typst compile` with the same
# engines as the bundled path, so both paths must give the same bytes.
import os, sys, subprocess, pypandoc, typst
args = sys.argv[1:]
if args == ["--version"]:
    print("1.7.0"); sys.exit(0)
if args[:1] == ["pandoc"]:
    sys.exit(subprocess.run([pypandoc.get_pandoc_path(), *args[1:]]).returncode)
if args[:2] == ["typst", "--version"]:
    print("typst 0.0.0 (fake)"); sys.exit(0)
assert args[:2] == ["typst", "compile"], args
source, output, rest = args[2], args[3], args[4:]
fonts, inputs, root, ignore = [], {{}}, None, False
stamp = int(os.environ["SOURCE_DATE_EPOCH"])  # typst reads its creation time from there
while rest:
    flag = rest.pop(0)
    if flag == "--font-path": fonts.append(rest.pop(0))
    elif flag == "--input": key, _, value = rest.pop(0).partition("="); inputs[key] = value
    elif flag == "--root": root = rest.pop(0)
    elif flag == "--ignore-system-fonts": ignore = True
    else: sys.exit("unknown flag " + flag)
typst.compile(source, output=output, root=root, font_paths=fonts, ignore_system_fonts=ignore,
              sys_inputs=inputs, timestamp=stamp)
"""


def test_quarto_engine_runs_quarto_pandoc_and_typst(executed: Path, rendered: render.RenderResult,
                                                     tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    quarto = bin_dir / "quarto"
    quarto.write_text(FAKE_QUARTO.format(python=sys.executable), encoding="utf-8")
    quarto.chmod(quarto.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    assert render.quarto_available()
    result = render.render(executed, tmp_path / "out", "report", title="测试县 2024 年部门预算",
                           provenance=PROVENANCE)
    assert result.engine == "quarto"
    assert result.html.read_bytes() == rendered.html.read_bytes()
    assert result.pdf.read_bytes() == rendered.pdf.read_bytes()
    settings = render.renderer_settings()
    assert settings["engine"] == "quarto" and settings["quarto"] == "1.7.0"


def test_quarto_engine_asked_for_but_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(render.shutil, "which", lambda name: None)
    with pytest.raises(render.RenderError, match="quarto CLI is not on PATH"):
        render.render_html(tmp_path / "x.ipynb", tmp_path / "x.html", title="x",
                           options=render.RenderOptions(engine="quarto"))


def test_docs_describe_the_api() -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "rendering.md"
    text = doc.read_text(encoding="utf-8")
    for name in render.__all__:
        assert name in text, f"docs/rendering.md does not mention {name}"
