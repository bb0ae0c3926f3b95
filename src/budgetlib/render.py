"""Render: an executed notebook → an offline HTML page and a PDF with Chinese text.

Takes a notebook that has been run (its outputs stored in the ``.ipynb``) and gives the report
as HTML to publish and PDF to send. The engines are those Quarto uses: pandoc turns the notebook
into HTML and into Typst, Typst turns that into PDF. With the ``quarto`` CLI on PATH they are
Quarto's own (``quarto pandoc``, ``quarto typst``); otherwise pandoc comes from PyPI
``pypandoc-binary`` and Typst from PyPI ``typst``. Templates, CSS and the pandoc filter live in
``budgetlib/templates/``; ``docs/rendering.md`` says how it all fits together.

What a report looks like, whichever engine runs:

* code cells are hidden; markdown cells and ``text/markdown``/``text/html`` outputs become text
  and tables; stdout is shown as output text, stderr and warnings are not;
* charts (Vega-Lite JSON outputs, or altair's HTML output) are interactive in HTML, with the
  Vega scripts embedded once per page and a static SVG shown until (and unless) they draw; in
  the PDF they are SVG drawn with the CJK font, so their labels are real text;
* nothing refers to the network: no CDN, no external image, links to web addresses become text;
* text from the documents is escaped for HTML and for Typst: it can never become markup;
* the same notebook gives byte-identical files (no date in the PDF, charts numbered in order);
* a provenance footer ends every report.

Example:
    >>> from budgetlib.render import escape_markdown
    >>> escape_markdown("单位<script>[1]")
    '单位\\\\<script\\\\>\\\\[1\\\\]'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import json
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "FontInfo",
    "RenderOptions",
    "RenderResult",
    "RenderError",
    "find_cjk_fonts",
    "cjk_fonts",
    "cjk_font_status",
    "quarto_available",
    "render_html",
    "render_pdf",
    "render",
    "renderer_settings",
    "escape_markdown",
    "network_addresses",
    "warm_up",
]

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).with_name("templates")

Engine = Literal["auto", "quarto", "bundled"]

# Preferred families, best first: sans for headings, tables and charts; serif for body text.
SANS_FAMILIES = (
    "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", "Noto Sans SC",
    "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Sarasa Gothic SC", "Droid Sans Fallback",
    "Noto Sans CJK TC", "Noto Sans CJK JP", "Source Han Sans",
)
SERIF_FAMILIES = (
    "Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", "Noto Serif SC",
    "AR PL UMing CN", "AR PL SungtiL GB", "Noto Serif CJK TC", "Noto Serif CJK JP",
    "Source Han Serif",
)
# Where to look for fonts when fc-list is missing (then font names decide what is CJK).
FONT_DIRS = (
    "/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
    "/Library/Fonts", "/System/Library/Fonts", "~/Library/Fonts", "C:/Windows/Fonts",
)
_CJK_NAME = re.compile(
    r"CJK|Source Han|\b(SC|TC|CN|GB)\b|WenQuanYi|YaHei|SimSun|SimHei|PingFang|Hiragino Sans GB|"
    r"Songti|Heiti|Kaiti|FangSong|Droid Sans Fallback|AR PL|Sarasa|LXGW|Noto (Sans|Serif) (SC|TC|HK|JP|KR)",
    re.IGNORECASE,
)
_VEGALITE_MIME = re.compile(r"^application/vnd\.vegalite\.v(\d+)(?:\.\d+)*[+.]json$")
_IMAGE_MIMES = ("image/svg+xml", "image/png", "image/jpeg", "image/gif")
_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_NETWORK = re.compile(r"(?i)\b(?:https?|ftp|wss?)://[^\s\"'<>)]*|(?:src|href|action)\s*=\s*[\"']?//[^\s\"'<>]*")
_HIDE_CELL = {"remove-cell", "remove_cell"}
_HIDE_OUTPUT = {"remove-output", "remove_output", "hide-output", "hide_output"}
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~^$@:&=\"'%/])")
_LEADING_BLANKS = re.compile(r"^[ \t]+")


class RenderError(RuntimeError):
    """A report could not be rendered; the message names the notebook and the failing step."""


@dataclass(frozen=True, order=True)
class FontInfo:
    """One font face on this machine that can show Chinese."""

    family: str
    path: Path
    style: str = "Regular"


@dataclass(frozen=True)
class RenderOptions:
    """The renderer's knobs; all of them are part of :func:`renderer_settings`.

    Attributes:
        engine: ``"auto"`` (Quarto's pandoc and Typst when the ``quarto`` CLI is on PATH, else
            the PyPI ones), ``"quarto"`` or ``"bundled"`` (always the PyPI ones). The
            environment variable ``BUDGETLIB_RENDER_ENGINE`` sets the default.
        timestamp: the PDF's creation time, UNIX seconds. Fixed so that rebuilds are
            identical; ``SOURCE_DATE_EPOCH`` sets the default, else 0.
        toc: whether the HTML page starts with a table of contents.
        toc_depth: heading levels in that table of contents.
    """

    engine: Engine = field(default_factory=lambda: _env_engine())
    timestamp: int = field(default_factory=lambda: int(os.environ.get("SOURCE_DATE_EPOCH", "0") or 0))
    toc: bool = True
    toc_depth: int = 2

    def __post_init__(self) -> None:
        if self.engine not in ("auto", "quarto", "bundled"):
            raise ValueError(f"render engine must be auto, quarto or bundled, not {self.engine!r}")
        if self.timestamp < 0:
            raise ValueError(f"PDF timestamp must be UNIX seconds ≥ 0, not {self.timestamp}")
        if not 1 <= self.toc_depth <= 6:
            raise ValueError(f"toc_depth must be 1 to 6, not {self.toc_depth}")


def _env_engine() -> Engine:
    value = os.environ.get("BUDGETLIB_RENDER_ENGINE", "auto") or "auto"
    if value not in ("auto", "quarto", "bundled"):
        raise ValueError(f"BUDGETLIB_RENDER_ENGINE must be auto, quarto or bundled, not {value!r}")
    return value  # type: ignore[return-value]


@dataclass(frozen=True)
class RenderResult:
    """What :func:`render` made: the two files, what to tell the reader, and how long it took."""

    html: Path
    pdf: Path
    warnings: tuple[str, ...] = ()
    seconds: Mapping[str, float] = field(default_factory=dict)
    engine: str = "bundled"

    def paths(self) -> dict[str, Path]:
        return {"html": self.html, "pdf": self.pdf}


# ---------------------------------------------------------------------------------------------
# fonts


def find_cjk_fonts() -> list[FontInfo]:
    """Font faces on this machine that can show Chinese; an empty list when there are none.

    Asks fontconfig (``fc-list :lang=zh``) when it is installed, otherwise scans the usual font
    folders and keeps faces whose family name is a known CJK one. Folders listed in
    ``BUDGETLIB_FONT_DIRS`` (separated by ``os.pathsep``) are searched too.
    """
    extra = tuple(d for d in os.environ.get("BUDGETLIB_FONT_DIRS", "").split(os.pathsep) if d)
    return list(_scan_cjk_fonts(extra))


@lru_cache(maxsize=8)
def _scan_cjk_fonts(extra_dirs: tuple[str, ...]) -> tuple[FontInfo, ...]:
    found: set[FontInfo] = set()
    if shutil.which("fc-list"):
        try:
            out = subprocess.run(
                ["fc-list", "--format", "%{file}\t%{family}\t%{style}\n", ":lang=zh"],
                capture_output=True, text=True, timeout=60, check=True,
            ).stdout
        except (OSError, subprocess.SubprocessError):
            out = ""
        for line in out.splitlines():
            parts = line.split("\t")
            if len(parts) == 3 and parts[0] and parts[1]:
                family = parts[1].split(",")[0].strip()
                style = parts[2].split(",")[0].strip() or "Regular"
                found.add(FontInfo(family, Path(parts[0]), style))
        dirs = [Path(d) for d in extra_dirs]
    else:
        dirs = [Path(d).expanduser() for d in (*FONT_DIRS, *extra_dirs)]
    found.update(_scan_font_dirs(tuple(d for d in dirs if d.is_dir())))
    return tuple(sorted(found))


def _scan_font_dirs(dirs: tuple[Path, ...]) -> set[FontInfo]:
    if not dirs:
        return set()
    import typst

    fonts = typst.Fonts(include_system_fonts=False, include_embedded_fonts=False, font_paths=[str(d) for d in dirs])
    found = set()
    for face in fonts.fonts():
        if face.path and _CJK_NAME.search(face.family):
            style = "Bold" if face.weight >= 600 else "Regular"
            found.add(FontInfo(face.family, Path(face.path), style))
    return found


@dataclass(frozen=True)
class _Fonts:
    sans: str | None
    serif: str | None
    dirs: tuple[Path, ...]
    files: tuple[FontInfo, ...]


def _choose_fonts() -> _Fonts:
    fonts = find_cjk_fonts()
    families = {f.family for f in fonts}
    if not families:
        return _Fonts(None, None, (), ())
    fallback = sorted(families, key=lambda f: (not _CJK_NAME.search(f), "SC" not in f, f))[0]
    sans = next((f for f in SANS_FAMILIES if f in families), fallback)
    serif = next((f for f in SERIF_FAMILIES if f in families), sans)
    used = tuple(f for f in fonts if f.family in (sans, serif))
    dirs = tuple(sorted({f.path.parent for f in used}))
    return _Fonts(sans, serif, dirs, used)


def cjk_fonts() -> tuple[str | None, str | None]:
    """The CJK families the PDF will use: (sans for headings/tables/charts, serif for body)."""
    chosen = _choose_fonts()
    return chosen.sans, chosen.serif


def cjk_font_status() -> str:
    """One sentence for the log: which CJK font the PDFs use, or that none was found."""
    chosen = _choose_fonts()
    if chosen.sans is None:
        return (
            "No CJK font was found (fc-list :lang=zh and the usual font folders), so PDFs are still "
            "made but their Chinese text will not show: install Debian's fonts-noto-cjk (or any CJK "
            "font), or name a folder of fonts in BUDGETLIB_FONT_DIRS, and rebuild."
        )
    where = ", ".join(str(d) for d in chosen.dirs)
    if chosen.serif == chosen.sans:
        return f"PDFs use the CJK font {chosen.sans} for all text, from {where}."
    return (
        f"PDFs use the CJK fonts {chosen.serif} for body text and {chosen.sans} for headings, "
        f"tables and charts, from {where}."
    )


# ---------------------------------------------------------------------------------------------
# engines


def quarto_available() -> bool:
    """Whether the ``quarto`` CLI is on PATH (then its pandoc and Typst do the work)."""
    return shutil.which("quarto") is not None


def _engine(options: RenderOptions) -> str:
    if options.engine == "quarto" and not quarto_available():
        raise RenderError("render engine 'quarto' was asked for, but the quarto CLI is not on PATH")
    if options.engine == "auto":
        return "quarto" if quarto_available() else "bundled"
    return options.engine


def _pandoc_cmd(engine: str) -> list[str]:
    if engine == "quarto":
        return ["quarto", "pandoc"]
    import pypandoc

    return [pypandoc.get_pandoc_path()]


def _run(cmd: Sequence[str], *, input: bytes | None = None, env: Mapping[str, str] | None = None, what: str) -> bytes:
    try:
        done = subprocess.run(list(cmd), input=input, capture_output=True, timeout=600, check=False,
                              env=dict(env) if env is not None else None)
    except (OSError, subprocess.SubprocessError) as err:
        raise RenderError(f"{what}: could not run {cmd[0]}: {err}") from err
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise RenderError(f"{what}: {message}")
    return done.stdout


@lru_cache(maxsize=4)
def _tool_version(cmd: tuple[str, ...]) -> str:
    try:
        out = _run(cmd, what="version")
    except RenderError:
        return "unknown"
    first = out.decode("utf-8", "replace").strip().splitlines()
    return first[0].strip() if first else "unknown"


@lru_cache(maxsize=4)
def _pandoc_api_version(cmd: tuple[str, ...]) -> list[int]:
    out = _run([*cmd, "--from=markdown", "--to=json"], input=b"", what="pandoc")
    return list(json.loads(out)["pandoc-api-version"])


# ---------------------------------------------------------------------------------------------
# notebook → pandoc document


def escape_markdown(text: str) -> str:
    """Text that pandoc's markdown reader reads back as exactly that text, on one line.

    For notebooks that put document text into ``Markdown(...)`` outputs: every ASCII punctuation
    mark is backslash-escaped and line breaks become spaces, so a unit name can never turn into
    a heading, a link or emphasis. Leading spaces and tabs become character references, so
    indented text never turns into a code block.
    """
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.splitlines()))
    return _LEADING_BLANKS.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group()), escaped)


def _str_block(text: str, cls: str) -> dict[str, Any]:
    return {"t": "CodeBlock", "c": [["", [cls], []], text]}


def _raw(fmt: str, text: str) -> dict[str, Any]:
    return {"t": "RawBlock", "c": [fmt, text]}


def _vl_versions() -> list[tuple[int, int]]:
    import vl_convert as vlc

    return sorted(tuple(int(p) for p in v.split(".")[:2]) for v in vlc.get_vegalite_versions())  # type: ignore[misc]


def _vl_version(spec: Mapping[str, Any]) -> tuple[int, int]:
    """The bundled Vega-Lite version closest to the one the spec was written for."""
    available = _vl_versions()
    match = re.search(r"/v(\d+)\.(\d+)", str(spec.get("$schema", "")))
    if not match:
        return available[-1]
    major, minor = int(match.group(1)), int(match.group(2))
    same = [v for v in available if v[0] == major]
    if not same:
        return available[-1]
    below = [v for v in same if v[1] <= minor]
    return below[-1] if below else same[0]


def _without_schema(spec: Mapping[str, Any]) -> dict[str, Any]:
    """The spec without its ``$schema`` URL: the page names no network address, and
    vega-embed is told the mode (vega-lite) explicitly."""
    return {k: v for k, v in spec.items() if k != "$schema"}


def _chart_title(spec: Mapping[str, Any]) -> str:
    title = spec.get("title")
    if isinstance(title, Mapping):
        title = title.get("text")
    if isinstance(title, list):
        title = " ".join(str(t) for t in title)
    return str(title) if title else ""


def _script_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element and free of ``//``: JSON.parse gives it back."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("/", "\\/"),
                         ("\u2028", "\\u2028"), ("\u2029", "\\u2029")):
        text = text.replace(char, escape)
    return text


def _altair_html_spec(text: str) -> dict[str, Any] | None:
    """The Vega-Lite spec inside altair's HTML output (which would load scripts from a CDN).

    Altair writes ``(function(spec, embedOpt){...})({spec}, {options});``: the spec is the
    first JSON object after a ``})(`` that parses and is followed by the options.
    """
    if "altair-viz-" not in text or "vegaEmbed" not in text:
        return None
    decoder = json.JSONDecoder()
    for match in re.finditer(r"\}\)\(\s*(?=\{)", text):
        try:
            spec, end = decoder.raw_decode(text, match.end())
        except ValueError:
            continue
        if isinstance(spec, dict) and re.match(r"\s*,\s*\{", text[end:]):
            return spec
    return None


def _image_bytes(mime: str, data: Any) -> bytes | None:
    if mime == "image/svg+xml":
        return (data if isinstance(data, str) else "".join(data)).encode("utf-8")
    try:
        return base64.b64decode("".join(data) if isinstance(data, list) else data, validate=False)
    except (binascii.Error, ValueError, TypeError):
        return None


def _svg_with_font(svg: str, family: str | None) -> str:
    """Put the CJK family first in every font-family of a chart SVG (for Typst's SVG text)."""
    if not family:
        return svg
    return re.sub(r'font-family="([^"]*)"', lambda m: f'font-family="{family}, {m.group(1)}"', svg)


@dataclass
class _Charts:
    """The SVG of each chart of one notebook, drawn once by vl-convert for both formats.

    Drawn with the CJK sans family as the chart's default font (a spec's own fonts win), then
    a generic ``sans-serif``: the PDF puts that family first in every ``font-family`` (see
    :func:`_svg_with_font`), the HTML page shows the SVG as it is.
    """

    sans: str | None = None
    svgs: dict[str, str] = field(default_factory=dict)

    def svg(self, spec: dict[str, Any], version: tuple[int, int]) -> str:
        key = json.dumps([version, spec], sort_keys=True, ensure_ascii=False, default=str)
        if key not in self.svgs:
            import vl_convert as vlc

            config = {"font": f"{self.sans}, sans-serif"} if self.sans else None
            self.svgs[key] = vlc.vegalite_to_svg(spec, vl_version=f"{version[0]}.{version[1]}", config=config)
        return self.svgs[key]


@dataclass(frozen=True)
class _Chart:
    """A chart of the notebook: placed in the pandoc document, drawn while pandoc runs."""

    number: int
    spec: dict[str, Any]
    version: tuple[int, int]

    @property
    def marker(self) -> str:
        """Where its static image goes in the HTML page. Document text cannot make this: its
        ``<`` is always escaped, and raw HTML from a notebook is always removed."""
        return f"<!-- budgetlib: chart {self.number} -->"

    @property
    def file(self) -> str:
        """Its SVG file next to the Typst document."""
        return f"chart-{self.number}.svg"

    def image(self, svg: str) -> str:
        """The static image shown in the HTML page until (and unless) the chart draws."""
        title = _chart_title(self.spec)
        alt = html.escape(f"图表：{title}" if title else "图表", quote=True)
        encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="chart-fallback" alt="{alt}" src="data:image/svg+xml;base64,{encoded}">'


@dataclass
class _Builder:
    """Turns notebook cells into pandoc blocks for one target: ``html`` or ``typst``.

    Charts are placed (a marker in HTML, a file name in Typst) and listed in ``charts``, not
    drawn: vl-convert draws them while pandoc runs (see :func:`render`).
    """

    target: Literal["html", "typst"]
    assets: Path | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)
    charts: list[_Chart] = field(default_factory=list)
    figures: int = 0

    def add_notebook(self, nb: Any) -> None:
        for cell in nb.cells:
            tags = set(cell.get("metadata", {}).get("tags", []))
            if tags & _HIDE_CELL:
                continue
            if cell.cell_type == "markdown":
                if cell.source.strip():
                    self.blocks.append(_raw("budgetlib-markdown", cell.source))
            elif cell.cell_type == "code" and not tags & _HIDE_OUTPUT:
                for output in cell.get("outputs", []):
                    self.add_output(output)

    def add_output(self, output: Mapping[str, Any]) -> None:
        kind = output.get("output_type")
        if kind == "stream":
            if output.get("name") == "stdout":
                text = _ANSI.sub("", "".join(output.get("text", ""))).rstrip("\n")
                if text.strip():
                    self.blocks.append(_str_block(text, "output"))
        elif kind == "error":
            text = _ANSI.sub("", f"{output.get('ename', 'Error')}: {output.get('evalue', '')}")
            self.blocks.append(_str_block(text, "error"))
        elif kind in ("display_data", "execute_result"):
            self.add_data(output.get("data", {}))

    def add_data(self, data: Mapping[str, Any]) -> None:
        for mime in sorted(data):
            if _VEGALITE_MIME.match(mime):
                spec = _json_value(data[mime])
                if isinstance(spec, dict):
                    return self.add_chart(spec)
        for mime in _IMAGE_MIMES:
            if mime in data:
                content = _image_bytes(mime, data[mime])
                if content:
                    return self.add_image(mime, content)
        if "text/markdown" in data:
            return self.blocks.append(_raw("budgetlib-markdown", _text(data["text/markdown"])))
        if "text/html" in data:
            text = _text(data["text/html"])
            spec = _altair_html_spec(text)
            if spec is not None:
                return self.add_chart(spec)
            return self.blocks.append(_raw("budgetlib-html", text))
        if "text/plain" in data:
            text = _ANSI.sub("", _text(data["text/plain"])).rstrip("\n")
            if text.strip():
                self.blocks.append(_str_block(text, "output"))
        return None

    def add_chart(self, spec: dict[str, Any]) -> None:
        self.figures += 1
        chart = _Chart(self.figures, spec, _vl_version(spec))
        self.charts.append(chart)
        if self.target == "html":
            self.blocks.append(_raw("html", (
                f'<figure class="budgetlib-chart" id="budgetlib-chart-{self.figures}">\n'
                '<div class="chart-interactive"></div>\n'
                f"{chart.marker}\n"
                f'<script type="application/json" class="chart-spec">{_script_json(_without_schema(spec))}</script>\n'
                "</figure>"
            )))
        else:
            self.blocks.append(_raw("typst", f'#budgetlib-figure("{chart.file}")'))

    def add_image(self, mime: str, content: bytes) -> None:
        self.figures += 1
        if self.target == "html":
            encoded = base64.b64encode(content).decode("ascii")
            self.blocks.append(_raw("html", (
                f'<figure class="budgetlib-image"><img alt="" src="data:{mime};base64,{encoded}"></figure>'
            )))
        else:
            suffix = {"image/svg+xml": "svg", "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif"}[mime]
            self.add_file(f"image-{self.figures}.{suffix}", content)

    def add_file(self, name: str, content: bytes) -> None:
        assert self.assets is not None
        (self.assets / name).write_bytes(content)
        self.blocks.append(_raw("typst", f'#budgetlib-figure("{name}")'))


def _json_value(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    try:
        return json.loads(_text(value))
    except ValueError:
        return None


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _meta_string(text: str) -> dict[str, Any]:
    return {"t": "MetaString", "c": text}


def _document(blocks: list[dict[str, Any]], api: list[int], *, title: str, subtitle: str | None,
              provenance: Mapping[str, str] | None) -> bytes:
    meta: dict[str, Any] = {"title": _meta_string(title), "pagetitle": _meta_string(title)}
    if subtitle:
        meta["subtitle"] = _meta_string(subtitle)
    if provenance:
        meta["provenance"] = {"t": "MetaList", "c": [
            {"t": "MetaMap", "c": {"key": _meta_string(str(k)), "value": _meta_string(str(v))}}
            for k, v in provenance.items()
        ]}
    doc = {"pandoc-api-version": api, "meta": meta, "blocks": blocks}
    return json.dumps(doc, ensure_ascii=False).encode("utf-8")


def _read_notebook(path: Path) -> Any:
    import nbformat  # here, not above: renderer_settings() (every report run calls it) needs no notebook

    try:
        return nbformat.read(str(path), as_version=4)
    except (OSError, ValueError) as err:
        raise RenderError(f"{path}: cannot read the notebook: {err}") from err


def _write_atomic(path: Path, content: bytes) -> None:
    """Write a file whole or not at all (a reader never sees half a report)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(content)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# HTML


@lru_cache(maxsize=4)
def _vega_script(version: tuple[int, int]) -> str:
    """The Vega, Vega-Lite and Vega-Embed scripts as one inline ``<script>``, with no ``//``.

    ``://`` only occurs inside the bundle's string literals (a namespace URI, the editor's
    address, a GitHub issue in a message), where ``:\\/\\/`` means the same; ``</script`` and
    ``<!--`` are escaped likewise so that the HTML parser cannot end the element early.
    """
    import vl_convert as vlc

    bundle = vlc.javascript_bundle("window.vegaEmbed = vegaEmbed;", vl_version=f"{version[0]}.{version[1]}")
    bundle = bundle.replace("://", ":\\/\\/").replace("<!--", "<\\!--")
    bundle = re.sub(r"(?i)</(script)", r"<\\/\1", bundle)
    charts = (TEMPLATES / "charts.js").read_text(encoding="utf-8")
    return f"<script>\n(function () {{\n{bundle}\n}})();\n</script>\n<script>\n{charts}</script>\n"


@lru_cache(maxsize=4)
def _vega_script_addresses(version: tuple[int, int]) -> tuple[str, ...]:
    return tuple(network_addresses(_vega_script(version)))


# Where the Vega scripts go (pandoc's include-after-body): pandoc gets this comment and the
# page gets the scripts, so that pandoc need not copy a megabyte of JavaScript for every page.
# Document text cannot make it: its "<" is always escaped, and raw HTML is always removed.
_SCRIPTS_HERE = "<!-- budgetlib: Vega scripts -->"


def network_addresses(text: str) -> list[str]:
    """Every network address (``http://``, ``https://``, protocol-relative ``src``/``href``) in
    a page; an offline report has none."""
    return sorted(set(_NETWORK.findall(text)))


@dataclass(frozen=True)
class _Pass:
    """One format's pandoc document and command, and the charts to draw while pandoc runs."""

    what: str
    args: list[str]
    doc: bytes
    charts: tuple[_Chart, ...]

    def pandoc(self) -> bytes:
        return _run(self.args, input=self.doc, what=self.what)


def _pass(builder: _Builder, what: str, *, engine: str, to: str, template: str, title: str, subtitle: str | None,
          provenance: Mapping[str, str] | None, extra: Sequence[str] = ()) -> _Pass:
    cmd = _pandoc_cmd(engine)
    doc = _document(builder.blocks, _pandoc_api_version(tuple(cmd)), title=title, subtitle=subtitle,
                    provenance=provenance)
    args = [*cmd, "--from=json", f"--to={to}", "--standalone", "--wrap=none", f"--template={TEMPLATES / template}",
            f"--lua-filter={TEMPLATES / 'budgetlib.lua'}", *extra]
    return _Pass(what, args, doc, tuple(builder.charts))


def _draw(charts: Sequence[_Chart], svgs: _Charts) -> None:
    for chart in charts:
        svgs.svg(chart.spec, chart.version)


def _html_pass(nb: Any, *, engine: str, title: str, subtitle: str | None, provenance: Mapping[str, str] | None,
               options: RenderOptions) -> _Pass:
    builder = _Builder("html")
    builder.add_notebook(nb)
    extra = ["--toc", f"--toc-depth={options.toc_depth}"] if options.toc else []
    if builder.charts:
        extra.append(f"--variable=include-after:{_SCRIPTS_HERE}")
    return _pass(builder, "pandoc (HTML)", engine=engine, to="html5", template="report.html", title=title, subtitle=subtitle,
                 provenance=provenance, extra=extra)


def _html_finish(out: bytes, charts: Sequence[_Chart], svgs: _Charts) -> tuple[bytes, list[str]]:
    """pandoc's page with the charts' static images and the Vega scripts put in their places,
    and a warning naming the network addresses the page mentions."""
    page = out.decode("utf-8")
    addresses = set(network_addresses(page))  # base64 images name none; the scripts are checked once
    places = [chart.marker for chart in charts] + ([_SCRIPTS_HERE] if charts else [])
    lost = [place for place in places if page.count(place) != 1]
    if lost:
        raise RenderError(f"pandoc (HTML): the template lost the place of {lost[0]}")
    for chart in charts:
        page = page.replace(chart.marker, chart.image(svgs.svg(chart.spec, chart.version)))
    if charts:
        version = max(chart.version for chart in charts)
        page = page.replace(_SCRIPTS_HERE, _vega_script(version).rstrip("\n"))
        addresses.update(_vega_script_addresses(version))
    warnings = []
    if addresses:
        warnings.append("the HTML mentions network addresses (as text, not loaded): " + ", ".join(sorted(addresses)[:5]))
    return page.encode("utf-8"), warnings


def _html_bytes(nb: Any, *, engine: str, title: str, subtitle: str | None,
                provenance: Mapping[str, str] | None, options: RenderOptions) -> tuple[bytes, list[str]]:
    svgs = _Charts(_choose_fonts().sans)
    page = _html_pass(nb, engine=engine, title=title, subtitle=subtitle, provenance=provenance, options=options)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="budgetlib-pandoc") as pool:
        out = pool.submit(page.pandoc)
        _draw(page.charts, svgs)
        return _html_finish(out.result(), page.charts, svgs)


# ---------------------------------------------------------------------------------------------
# PDF


def _typst_pdf(engine: str, typ: Path, fonts: _Fonts, inputs: Mapping[str, str],
               options: RenderOptions) -> tuple[bytes, list[str]]:
    if engine == "quarto":
        out = typ.with_suffix(".pdf")
        cmd = ["quarto", "typst", "compile", str(typ), str(out), "--root", str(typ.parent),
               "--ignore-system-fonts"]
        for directory in fonts.dirs:
            cmd += ["--font-path", str(directory)]
        for key, value in inputs.items():
            cmd += ["--input", f"{key}={value}"]
        env = {**os.environ, "SOURCE_DATE_EPOCH": str(options.timestamp)}  # the CLI's creation time
        _run(cmd, env=env, what="typst (PDF)")
        return out.read_bytes(), []
    import typst

    compiler, lock = _typst_compiler(tuple(str(d) for d in fonts.dirs))
    try:
        with lock:
            pdf, warnings = compiler.compile_with_warnings(
                input=str(typ), root=str(typ.parent), sys_inputs=dict(inputs), timestamp=options.timestamp,
            )
    except typst.TypstError as err:
        raise RenderError(f"typst (PDF): {err.message} {err.diagnostic}".strip()) from err
    return bytes(pdf), [f"typst: {w.message}" for w in warnings]


@lru_cache(maxsize=4)
def _typst_compiler(font_dirs: tuple[str, ...]) -> tuple[Any, threading.Lock]:
    """A Typst compiler kept for the process, with the lock that lets one thread use it at a time.

    It indexes the CJK font folders (and Typst's own fonts; never the system's) once instead of
    for every PDF. Nothing else carries over between compilations: Typst reads the document and
    its images again each time (a changed file is a changed file) and the document's inputs,
    root and timestamp are given per compilation.
    """
    import typst

    return typst.Compiler(font_paths=list(font_dirs), ignore_system_fonts=True), threading.Lock()


def _typst_pass(nb: Any, root: Path, *, engine: str, title: str, subtitle: str | None,
                provenance: Mapping[str, str] | None) -> _Pass:
    builder = _Builder("typst", assets=root)
    builder.add_notebook(nb)
    return _pass(builder, "pandoc (Typst)", engine=engine, to="typst", template="report.typ", title=title, subtitle=subtitle,
                 provenance=provenance)


def _pdf_finish(out: bytes, root: Path, charts: Sequence[_Chart], svgs: _Charts, fonts: _Fonts, *,
                engine: str, options: RenderOptions) -> tuple[bytes, list[str]]:
    """The charts as SVG files next to pandoc's Typst document, and Typst's PDF of it all."""
    for chart in charts:
        (root / chart.file).write_bytes(_svg_with_font(svgs.svg(chart.spec, chart.version), fonts.sans).encode("utf-8"))
    typ = root / "report.typ"
    typ.write_bytes(out)
    inputs = {"budgetlib-sans": fonts.sans or "", "budgetlib-serif": fonts.serif or "",
              "budgetlib-no-cjk": "" if fonts.sans else "1"}
    pdf, typst_warnings = _typst_pdf(engine, typ, fonts, inputs, options)
    return pdf, ([] if fonts.sans else [cjk_font_status()]) + typst_warnings


def _pdf_bytes(nb: Any, *, engine: str, title: str, subtitle: str | None,
               provenance: Mapping[str, str] | None, options: RenderOptions) -> tuple[bytes, list[str]]:
    fonts = _choose_fonts()
    svgs = _Charts(fonts.sans)
    with tempfile.TemporaryDirectory(prefix="budgetlib-pdf-") as tmp, \
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="budgetlib-pandoc") as pool:
        root = Path(tmp)
        doc = _typst_pass(nb, root, engine=engine, title=title, subtitle=subtitle, provenance=provenance)
        out = pool.submit(doc.pandoc)
        _draw(doc.charts, svgs)
        return _pdf_finish(out.result(), root, doc.charts, svgs, fonts, engine=engine, options=options)


# ---------------------------------------------------------------------------------------------
# public entry points


def _log(path: Path, warnings: Sequence[str]) -> None:
    for warning in warnings:
        log.warning("%s: %s", path, warning)


def render_html(executed_ipynb: Path | str, out_html: Path | str, *, title: str,
                provenance: Mapping[str, str] | None = None, subtitle: str | None = None,
                options: RenderOptions | None = None) -> Path:
    """Write the notebook as one offline HTML page; returns its path. Warnings are logged."""
    return _render_one(_html_bytes, executed_ipynb, out_html, title=title, provenance=provenance,
                       subtitle=subtitle, options=options)


def render_pdf(executed_ipynb: Path | str, out_pdf: Path | str, *, title: str,
               provenance: Mapping[str, str] | None = None, subtitle: str | None = None,
               options: RenderOptions | None = None) -> Path:
    """Write the notebook as a PDF (Chinese text in the CJK font found); returns its path.

    Without a CJK font the PDF is still written, with a warning on its first page; the warning
    is logged too (see :func:`cjk_font_status`).
    """
    return _render_one(_pdf_bytes, executed_ipynb, out_pdf, title=title, provenance=provenance,
                       subtitle=subtitle, options=options)


def _render_one(to_bytes: Callable[..., tuple[bytes, list[str]]], executed_ipynb: Path | str, out: Path | str, *,
                title: str, provenance: Mapping[str, str] | None, subtitle: str | None,
                options: RenderOptions | None) -> Path:
    """One format: read the notebook, convert, write atomically, log the warnings."""
    options = options or RenderOptions()
    engine = _engine(options)  # before reading: a missing engine is the error to report
    target = Path(out)
    content, warnings = to_bytes(_read_notebook(Path(executed_ipynb)), engine=engine, title=title,
                                 subtitle=subtitle, provenance=provenance, options=options)
    _write_atomic(target, content)
    _log(target, warnings)
    return target


def render(executed_ipynb: Path | str, out_dir: Path | str, stem: str, *, title: str,
           provenance: Mapping[str, str], subtitle: str | None = None,
           options: RenderOptions | None = None) -> RenderResult:
    """Write ``out_dir/stem.html`` and ``out_dir/stem.pdf`` from one executed notebook.

    Returns the paths, the warnings for the reader (also logged: no CJK font, Typst's own
    warnings, network addresses left as text) and, for each format, the seconds until it was
    ready: the two are made side by side (both pandoc runs go on while the charts are drawn,
    once for both), so the two times overlap.
    """
    options = options or RenderOptions()
    engine = _engine(options)
    source, folder = Path(executed_ipynb), Path(out_dir)
    nb = _read_notebook(source)
    fonts = _choose_fonts()
    svgs = _Charts(fonts.sans)  # each chart drawn once, for both formats
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="budgetlib-pdf-") as tmp, \
            ThreadPoolExecutor(max_workers=2, thread_name_prefix="budgetlib-pandoc") as pool:
        root = Path(tmp)
        page = _html_pass(nb, engine=engine, title=title, subtitle=subtitle, provenance=provenance, options=options)
        doc = _typst_pass(nb, root, engine=engine, title=title, subtitle=subtitle, provenance=provenance)
        page_out, doc_out = pool.submit(page.pandoc), pool.submit(doc.pandoc)
        _draw(page.charts, svgs)  # vl-convert draws the charts while both pandoc runs go on
        pdf_content, pdf_warnings = _pdf_finish(doc_out.result(), root, doc.charts, svgs, fonts, engine=engine,
                                                options=options)
        seconds["pdf"] = time.perf_counter() - started
        html_content, html_warnings = _html_finish(page_out.result(), page.charts, svgs)
        seconds["html"] = time.perf_counter() - started
    html_path, pdf_path = folder / f"{stem}.html", folder / f"{stem}.pdf"
    _write_atomic(html_path, html_content)
    _write_atomic(pdf_path, pdf_content)
    _log(html_path, html_warnings)
    _log(pdf_path, pdf_warnings)
    return RenderResult(html_path, pdf_path, tuple(html_warnings + pdf_warnings), seconds, engine)


def warm_up(options: RenderOptions | None = None) -> None:
    """Load, ahead of the first report, what rendering loads once per process anyway.

    That is the CJK fonts (and, with the PyPI Typst, the compiler that indexes them), pandoc's
    API version, vl-convert's JavaScript engine and the Vega scripts of the newest Vega-Lite it
    bundles. Optional: nothing changes in the output. The report runner calls it while its
    kernel starts, so that the first report does not wait for it.
    """
    import vl_convert as vlc

    options = options or RenderOptions()
    engine = _engine(options)
    fonts = _choose_fonts()
    _pandoc_api_version(tuple(_pandoc_cmd(engine)))
    if engine == "bundled":
        _typst_compiler(tuple(str(d) for d in fonts.dirs))
    newest = _vl_versions()[-1]
    vlc.vegalite_to_svg({"mark": "point"}, vl_version=f"{newest[0]}.{newest[1]}")
    _vega_script_addresses(newest)


def _hash_files(paths: Iterator[Path] | Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def renderer_settings(options: RenderOptions | None = None) -> dict[str, str]:
    """Everything besides the notebook that changes the rendered files, as strings.

    Engine and its versions, the Vega bundle's versions, a hash of the templates and of this
    module, the CJK fonts (families, files and sizes) and the PDF timestamp. The runner hashes
    it into its rebuild manifest.
    """
    import vl_convert as vlc

    options = options or RenderOptions()
    engine = _engine(options)
    fonts = _choose_fonts()
    settings = {"engine": engine}
    if engine == "quarto":
        settings["quarto"] = _tool_version(("quarto", "--version"))
        settings["pandoc"] = _tool_version(("quarto", "pandoc", "--version"))
        settings["typst"] = _tool_version(("quarto", "typst", "--version"))
    else:
        settings["pandoc"] = _tool_version(tuple(_pandoc_cmd(engine)) + ("--version",))
        settings["typst"] = f"typst-py {metadata.version('typst')}"
    font_files = hashlib.sha256()
    for font in fonts.files:
        size = font.path.stat().st_size if font.path.exists() else -1
        font_files.update(f"{font.family}\0{font.path}\0{font.style}\0{size}\n".encode())
    settings.update({
        "vl_convert": metadata.version("vl-convert-python"),
        "vega": vlc.get_vega_version(),
        "vega_embed": vlc.get_vega_embed_version(),
        "vega_lite": ",".join(vlc.get_vegalite_versions()),
        "templates": _hash_files([p for p in TEMPLATES.iterdir() if p.is_file()]),
        "render_module": hashlib.sha256(Path(__file__).read_bytes()).hexdigest(),
        "font_sans": fonts.sans or "",
        "font_serif": fonts.serif or "",
        "font_files": font_files.hexdigest(),
        "pdf_timestamp": str(options.timestamp),
        "toc": f"{options.toc}:{options.toc_depth}",
    })
    return settings
