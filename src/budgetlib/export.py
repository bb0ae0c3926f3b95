"""Export: the published tables → the files researchers use (CSV, Excel, Stata, Parquet), a
Fiscal Data Package, and the data dictionary.

Takes a folder written by ``budgetlib ingest`` and gives, in the target folder:

* ``panel`` and ``indicators`` as CSV (UTF-8 with BOM, so Excel opens Chinese correctly; text
  that a spreadsheet would run as a formula starts with ``'``, see :func:`starts_formula`),
  Stata ``.dta`` (variable labels in Chinese, value labels for categories) and Parquet, and both
  as sheets of ``budgetlib.xlsx`` (header rows in Chinese and English, 万元 number formats,
  frozen header, a “说明” sheet with the data dictionary);
* ``line_items`` and ``findings`` as CSV and Parquet;
* a Frictionless **Fiscal Data Package**: ``datapackage.json`` describing ``fiscal_line_items.csv``
  with a fiscal model (amount measures in CNY with factor 10000 for 万元; dimensions for the
  administrative unit, the functional and economic classifications, the fiscal period and the
  phase);
* ``dictionary.html`` (and :func:`dictionary_markdown` for ``docs/``) and an ``index.html`` of
  the downloads.

Text never becomes a spreadsheet formula: in the workbook such text is stored as a text cell,
in the CSVs opened in Excel (``panel``, ``indicators``, ``line_items``, ``findings``) it gets a
leading ``'`` (the usual defence against CSV injection). Numbers, and text that is a plain
number such as ``-12.5``, are left as they are; Parquet, Stata and the Fiscal Data Package's
CSV (read by programs, not spreadsheets) keep the exact text.

Every file is written atomically and is byte-identical when rerun on the same data (the
timestamps Excel and Stata files carry are pinned).
"""

from __future__ import annotations

import datetime as dt
import html
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import polars as pl

from budgetlib import __version__, schemas

__all__ = ["export_all", "starts_formula", "stata_name", "dictionary_markdown", "dictionary_html", "fiscal_package", "write_dictionary_doc"]

_PINNED = dt.datetime(2000, 1, 1, 0, 0, 0)
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_KIND_CODES = {"budget": 1, "final": 2, "adjusted_budget": 3}
_KIND_LABELS: dict[int | float, str] = {code: f"{schemas.DOC_KINDS[kind]} {kind.replace('_', ' ')}" for kind, code in _KIND_CODES.items()}
# Text a spreadsheet runs as a formula (OWASP's CSV-injection list: =, +, -, @, tab, carriage
# return first), unless it is a plain number, which a spreadsheet reads as that number.
_FORMULA_START = r"^[=+\-@\t\r]"
_PLAIN_NUMBER = r"^[+-]?[\d,]*\.?\d+%?$"


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet would read this text as a formula rather than as text.

    >>> [starts_formula(t) for t in ("=元氏县医疗保障局", "@SUM(A1)", "-12.5", "+3", "单位")]
    [True, True, False, False, False]
    """
    return re.search(_FORMULA_START, text) is not None and re.search(_PLAIN_NUMBER, text) is None


def _as_spreadsheet_text(frame: pl.DataFrame) -> pl.DataFrame:
    """The frame with every text cell that :func:`starts_formula` prefixed with ``'``, which
    spreadsheets show as text (and hide); numbers and other text unchanged."""
    text = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(_FORMULA_START) & ~pl.col(c).str.contains(_PLAIN_NUMBER))
        .then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text
    )


# ---------------------------------------------------------------------------------------
# Writing


def _file_mode() -> int:
    """The mode of a file the user creates (0o666 less the umask): mkstemp's 0o600 would make
    every download readable by its owner only."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


def _atomic(path: Path, write: Callable[[Path], object]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, _file_mode())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _csv_bom(frame: pl.DataFrame, path: Path) -> Path:
    """A CSV for spreadsheets: UTF-8 with BOM, no text that runs as a formula."""
    def write(p: Path) -> None:
        buffer = io.BytesIO()
        _as_spreadsheet_text(frame).write_csv(buffer)
        p.write_bytes(b"\xef\xbb\xbf" + buffer.getvalue())

    return _atomic(path, write)


def _parquet(frame: pl.DataFrame, path: Path) -> Path:
    return _atomic(path, lambda p: frame.write_parquet(p, statistics=False))


# ---------------------------------------------------------------------------------------
# Stata

_SHORTER = (
    ("three_public", "tp"), ("expenditure", "exp"), ("per_capita", "pc"), ("national", "nat"), ("standard", "std"),
    ("vehicle", "veh"), ("operation", "op"), ("purchase", "pur"), ("reception", "rec"), ("resident", "res"),
    ("subsidy", "sub"), ("expected", "expd"), ("change", "chg"), ("personnel", "pers"), ("revenue", "rev"),
    ("county", "cty"), ("share", "sh"), ("prior_doc", "pd"), ("mismatch", "mis"), ("insured", "ins"),
    ("source", "src"), ("project", "proj"), ("_total", "_tot"), ("_yuan", "_y"),
)


def stata_name(column: str) -> str:
    """A Stata variable name (≤ 32 characters) for a column, shortened by fixed rules.

    >>> stata_name("three_public_vehicle_operation_change_pct")
    'tp_vehicle_operation_change_pct'
    >>> stata_name("year")
    'year'
    """
    name = column
    for long, short in _SHORTER:
        if len(name) <= 32:
            break
        name = name.replace(long, short)
    return name[:32]


def _stata_names(columns: Sequence[str]) -> dict[str, str]:
    names: dict[str, str] = {}
    used: set[str] = set()
    for col in columns:
        base = stata_name(col)
        name, i = base, 1
        while name in used:
            suffix = f"_{i}"
            name, i = base[: 32 - len(suffix)] + suffix, i + 1
        used.add(name)
        names[col] = name
    return names


def _pin_dta_timestamp(path: Path) -> None:
    """Stata files carry their creation time; pin it so reruns are byte-identical."""
    data = path.read_bytes()
    start = data.find(b"<timestamp>")
    if start < 0:
        return
    length = data[start + len(b"<timestamp>")]
    pinned = _PINNED.strftime("%d %b %Y %H:%M").encode("ascii")
    if length == len(pinned):
        at = start + len(b"<timestamp>") + 1
        path.write_bytes(data[:at] + pinned + data[at + length:])


def _dta(frame: pl.DataFrame, table: str, path: Path) -> Path:
    import pyreadstat

    names = _stata_names(frame.columns)
    out = frame.with_columns(
        *(pl.col(c).cast(pl.Int8) for c, t in frame.schema.items() if t == pl.Boolean),
        *([pl.col("doc_kind").replace_strict(_KIND_CODES, default=None, return_dtype=pl.Int8)] if "doc_kind" in frame.columns else []),
    ).rename(names)
    labels: dict[str, str | None] = {names[c]: f"{schemas.FIELDS[c].zh} ({c})"[:80] for c in frame.columns}
    value_labels: dict[str, dict[int | float, str]] = {}
    if "doc_kind" in frame.columns:
        value_labels[names["doc_kind"]] = dict(_KIND_LABELS)
    for c, t in frame.schema.items():
        if t == pl.Boolean:
            value_labels[names[c]] = {0: "否 no", 1: "是 yes"}

    def write(p: Path) -> None:
        pyreadstat.write_dta(out, str(p), file_label=f"budgetlib {table}", column_labels=labels, version=15,
                             variable_value_labels=value_labels)
        _pin_dta_timestamp(p)

    return _atomic(path, write)


# ---------------------------------------------------------------------------------------
# Excel

_AMOUNT_FORMAT = "#,##0.00"
_NUMBER_FORMAT = "#,##0.00####"


def _pin_zip(path: Path) -> None:
    """Rewrite a zip (xlsx) with fixed entry times, in name order: byte-identical reruns."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    stamp = _PINNED.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    entries = [  # openpyxl stamps the save time into docProps/core.xml whatever the properties say
        (name, re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)", rb"\g<1>" + stamp + rb"\g<2>", data)
         if name == "docProps/core.xml" else data)
        for name, data in entries
    ]
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


def _xlsx(sheets: dict[str, pl.DataFrame], path: Path) -> Path:
    from openpyxl import Workbook
    from openpyxl.cell.cell import (
        ILLEGAL_CHARACTERS_RE,  # control characters, which Excel files cannot hold
    )
    from openpyxl.styles import Font, PatternFill

    def write(p: Path) -> None:
        wb = Workbook()
        wb.remove(wb.active)
        bold = Font(bold=True)
        fill = PatternFill("solid", fgColor="F4F6F8")
        for name, frame in sheets.items():
            ws = wb.create_sheet(name)
            ws.append([schemas.FIELDS[c].zh if c in schemas.FIELDS else c for c in frame.columns])
            ws.append(list(frame.columns))
            for row in frame.iter_rows():
                ws.append([ILLEGAL_CHARACTERS_RE.sub("", v) if isinstance(v, str) else v for v in row])
                for cell in ws[ws.max_row]:
                    if isinstance(cell.value, str) and starts_formula(cell.value):  # a text cell, never a formula
                        cell.data_type = "s"
            for cell in (*ws[1], *ws[2]):
                cell.font = bold
                cell.fill = fill
            ws.freeze_panes = "A3"
            for i, col in enumerate(frame.columns, start=1):
                f = schemas.FIELDS.get(col)
                if f is None or frame.schema[col] not in (pl.Float64, pl.Int64):
                    continue
                fmt = _AMOUNT_FORMAT if f.unit == "万元" else _NUMBER_FORMAT if frame.schema[col] == pl.Float64 else "0"
                for row_cells in ws.iter_rows(min_row=3, min_col=i, max_col=i):
                    row_cells[0].number_format = fmt
        notes = wb.create_sheet("说明")
        notes.append(["表 table", "列 column", "中文名", "English name", "类型 type", "单位 unit", "说明 description"])
        for cell in notes[1]:
            cell.font = bold
        for entry in schemas.dictionary().filter(pl.col("table").is_in(list(sheets))).iter_rows(named=True):
            notes.append([entry["table"], entry["column"], entry["name_zh"], entry["name_en"], entry["dtype"], entry["unit"], entry["description"]])
        notes.freeze_panes = "A2"
        wb.properties.creator = f"budgetlib {__version__}"
        wb.properties.created = _PINNED
        wb.properties.modified = _PINNED
        wb.save(p)
        _pin_zip(p)

    return _atomic(path, write)


# ---------------------------------------------------------------------------------------
# Fiscal Data Package


def _fiscal_rows(line_items: pl.DataFrame, documents: pl.DataFrame) -> pl.DataFrame:
    meta = documents.select("doc_id", "source_file", "unit_name", "province", "city", "county", "adcode", "year", "doc_kind")
    items = line_items.filter(pl.col("value_wan").is_not_null()).join(meta, on=["doc_id", "source_file"], how="left")
    function = pl.col("code_system") == "function"
    econ = pl.col("code_system").is_in(["econ", "gov_econ"])
    return items.select(
        "doc_id", "unit_name", "province", "city", "county", "adcode", "year",
        pl.col("doc_kind").alias("phase"),
        "table_id", "block", "row_label", "column_header", "measure", "period",
        pl.when(function).then(pl.col("code")).alias("function_code"),
        pl.when(function).then(pl.col("code").str.slice(0, 3)).alias("function_class"),
        pl.when(function & (pl.col("code").str.len_chars() >= 5)).then(pl.col("code").str.slice(0, 5)).alias("function_kuan"),
        pl.when(function).then(pl.col("row_label")).alias("function_label"),
        pl.when(econ).then(pl.col("code")).alias("econ_code"),
        pl.when(econ).then(pl.col("code").str.slice(0, 3)).alias("econ_class"),
        pl.when(econ).then(pl.col("row_label")).alias("econ_label"),
        pl.when(pl.col("doc_kind").is_in(["budget", "adjusted_budget"])).then(pl.col("value_wan")).alias("amount_approved"),
        pl.when(pl.col("doc_kind") == "final").then(pl.col("value_wan")).alias("amount_executed"),
        "line_no",
    ).sort("doc_id", "table_id", "line_no", "block", "column_header", nulls_last=True)


_FDP_FIELDS = {
    "doc_id": ("string", "Document id (SHA-256 prefix of the input file)"),
    "unit_name": ("string", "单位名称 unit"), "province": ("string", "省份"), "city": ("string", "地市"),
    "county": ("string", "区县"), "adcode": ("string", "6-digit administrative-division code"),
    "year": ("integer", "fiscal year"), "phase": ("string", "budget (部门预算), adjusted_budget (调整预算) or final (部门决算)"),
    "table_id": ("string", "standard table"), "block": ("integer", "side-by-side block of the table (收入 0, 支出 1 …)"),
    "row_label": ("string", "row label as printed"), "column_header": ("string", "column header as printed (levels joined by /)"),
    "measure": ("string", "column meaning (total, basic, project …)"), "period": ("string", "current, prior, change or budgeted"),
    "function_code": ("string", "支出功能分类 code (类3/款5/项7 digits)"), "function_class": ("string", "类 code"),
    "function_kuan": ("string", "款 code"), "function_label": ("string", "name of the function code"),
    "econ_code": ("string", "经济分类 code"), "econ_class": ("string", "经济分类 类 code"), "econ_label": ("string", "name of the economic code"),
    "amount_approved": ("number", "amount in 万元 in a budget or adjusted budget (approved) document"),
    "amount_executed": ("number", "amount in 万元 in final accounts (executed)"),
    "line_no": ("integer", "source line"),
}


def fiscal_package(rows: pl.DataFrame, resource_path: str = "fiscal_line_items.csv") -> dict[str, object]:
    """The ``datapackage.json`` descriptor of the fiscal line items, with its fiscal model."""
    years = [int(y) for y in rows["year"].drop_nulls().unique().sort()]
    fields = [{"name": n, "type": t, "description": d} for n, (t, d) in _FDP_FIELDS.items()]
    return {
        "name": "budgetlib-fiscal-line-items",
        "title": "县级部门预算/决算公开数据 County department budget and final-accounts disclosures",
        "description": "Every figure read from the disclosures' tables, amounts in 万元 (10,000 CNY), each with its document and source line.",
        "version": __version__,
        "profile": "tabular-data-package",
        "profiles": {"fiscal": "*", "tabular": "*"},
        "countryCode": "cn",
        "granularity": "aggregated",
        **({"fiscalPeriod": {"start": f"{years[0]}-01-01", "end": f"{years[-1]}-12-31"}} if years else {}),
        "licenses": [{"name": "other-pd", "title": "Public government disclosures"}],
        "resources": [{
            "name": "fiscal-line-items", "path": resource_path, "profile": "tabular-data-resource", "format": "csv",
            "encoding": "utf-8", "mediatype": "text/csv", "schema": {"fields": fields, "missingValues": [""]},
        }],
        "model": {
            "measures": {
                "amount_approved": {"source": "amount_approved", "currency": "CNY", "factor": 10000, "phase": "approved",
                                    "resource": "fiscal-line-items", "title": "预算数 (万元)"},
                "amount_executed": {"source": "amount_executed", "currency": "CNY", "factor": 10000, "phase": "executed",
                                    "resource": "fiscal-line-items", "title": "决算数 (万元)"},
            },
            "dimensions": {
                "administrative_unit": {
                    "dimensionType": "entity",
                    "attributes": {"adcode": {"source": "adcode"}, "unit_name": {"source": "unit_name"},
                                   "province": {"source": "province"}, "city": {"source": "city"}, "county": {"source": "county"}},
                    "primaryKey": ["adcode", "unit_name"],
                },
                "functional_classification": {
                    "dimensionType": "classification", "classificationType": "functional",
                    "attributes": {"class": {"source": "function_class"},
                                   "kuan": {"source": "function_kuan", "parent": "class"},
                                   "code": {"source": "function_code", "parent": "kuan"},
                                   "label": {"source": "function_label", "labelfor": "code"}},
                    "primaryKey": ["code"],
                },
                "economic_classification": {
                    "dimensionType": "classification", "classificationType": "economic",
                    "attributes": {"class": {"source": "econ_class"}, "code": {"source": "econ_code", "parent": "class"},
                                   "label": {"source": "econ_label", "labelfor": "code"}},
                    "primaryKey": ["code"],
                },
                "fiscal_period": {"dimensionType": "datetime", "attributes": {"year": {"source": "year"}}, "primaryKey": ["year"]},
                "phase": {"dimensionType": "other", "attributes": {"phase": {"source": "phase"}}, "primaryKey": ["phase"]},
                "line": {"dimensionType": "fact",
                         "attributes": {"doc_id": {"source": "doc_id"}, "table_id": {"source": "table_id"},
                                        "block": {"source": "block"}, "row_label": {"source": "row_label"},
                                        "column_header": {"source": "column_header"}, "measure": {"source": "measure"},
                                        "period": {"source": "period"}, "line_no": {"source": "line_no"}},
                         "primaryKey": ["doc_id", "table_id", "line_no", "block", "column_header"]},
            },
        },
    }


# ---------------------------------------------------------------------------------------
# Data dictionary

_CSV_NOTE_EN = ("In the CSVs opened in spreadsheets (panel, indicators, line_items, findings), text that a spreadsheet would "
                "run as a formula (starting with =, +, -, @, a tab or a carriage return, and not a plain number such as -12.5) "
                "starts with an added `'`; Parquet, Stata, Excel and fiscal_line_items.csv keep the exact text.")
_CSV_NOTE_ZH = ("CSV 中以 =、+、-、@、制表符或回车开头（且不是 -12.5 这样的数字）的文字前加了一个 '，以免电子表格把它当作公式执行；"
                "Parquet、Stata、Excel 和 fiscal_line_items.csv 保留原文。")


def dictionary_markdown() -> str:
    """The data dictionary as Markdown (docs/dictionary.md), from the one column declaration."""
    lines = ["# Data dictionary", "", "Generated from `src/budgetlib/schemas.py` (`budgetlib dictionary` prints it too). "
             "Amounts are in 万元 (10,000 yuan) unless the unit says otherwise; a blank means the document does not disclose the figure. "
             f"{_CSV_NOTE_EN}", ""]
    for table, frame in schemas.dictionary().group_by("table", maintain_order=True):
        lines += [f"## {table[0]}", "", "| column | 中文名 | English | type | unit | meaning |", "|---|---|---|---|---|---|"]
        for r in frame.iter_rows(named=True):
            desc = str(r["description"]).replace("|", "\\|")
            lines.append(f"| `{r['column']}` | {r['name_zh']} | {r['name_en']} | {r['dtype']} | {r['unit']} | {desc} |")
        lines.append("")
    return "\n".join(lines)


def dictionary_html() -> str:
    """The data dictionary as a standalone, offline HTML page."""
    parts = []
    for table, frame in schemas.dictionary().group_by("table", maintain_order=True):
        rows = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in ("column", "name_zh", "name_en", "dtype", "unit", "description")) + "</tr>"
            for r in frame.iter_rows(named=True)
        )
        parts.append(f'<h2 id="{html.escape(table[0])}">{html.escape(table[0])}</h2><table><thead><tr><th>列</th><th>中文名</th>'
                     f"<th>English</th><th>类型</th><th>单位</th><th>说明</th></tr></thead><tbody>{rows}</tbody></table>")
    return _page("数据字典 Data dictionary", "<h1>数据字典 Data dictionary</h1><p>金额单位为万元（另有说明者除外）；空白表示文件未披露。" + _CSV_NOTE_ZH + "</p>" + "".join(parts))


def _page(title: str, body: str) -> str:
    return ("<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>" + html.escape(title) + "</title><style>"
            "body{font-family:\"Noto Sans CJK SC\",\"Noto Sans SC\",\"PingFang SC\",\"Microsoft YaHei\",sans-serif;max-width:72rem;"
            "margin:2rem auto;padding:0 1rem;line-height:1.55;color:#222}table{border-collapse:collapse;width:100%;font-size:.9rem}"
            "th,td{border-bottom:1px solid #ddd;padding:.3rem .5rem;text-align:left;vertical-align:top}th{background:#f4f6f8}"
            "</style></head><body>\n" + body + "\n</body></html>\n")


def write_dictionary_doc(path: Path) -> Path:
    """Write docs/dictionary.md."""
    return _atomic(path, lambda p: p.write_text(dictionary_markdown(), encoding="utf-8"))


# ---------------------------------------------------------------------------------------


def _load(folder: Path, table: str) -> pl.DataFrame:
    path = folder / f"{table}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path}: not found — run `budgetlib ingest … --out {folder}` first")
    return schemas.validate(table, pl.read_parquet(path))


def export_all(data_dir: Path, to: Path) -> list[Path]:
    """Write every export of an ingested folder into ``to``; returns the files written."""
    frames = {t: _load(data_dir, t) for t in ("panel", "indicators", "line_items", "findings", "documents")}
    written: list[Path] = []
    for table in ("panel", "indicators"):
        frame = frames[table]
        written += [_csv_bom(frame, to / f"{table}.csv"), _dta(frame, table, to / f"{table}.dta"), _parquet(frame, to / f"{table}.parquet")]
    written.append(_xlsx({"panel": frames["panel"], "indicators": frames["indicators"]}, to / "budgetlib.xlsx"))
    for table in ("line_items", "findings"):
        written += [_csv_bom(frames[table], to / f"{table}.csv"), _parquet(frames[table], to / f"{table}.parquet")]
    fiscal = _fiscal_rows(frames["line_items"], frames["documents"])
    written.append(_atomic(to / "fiscal_line_items.csv", lambda p: fiscal.write_csv(p)))
    descriptor = json.dumps(fiscal_package(fiscal), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
    written.append(_atomic(to / "datapackage.json", lambda p: p.write_text(descriptor, encoding="utf-8")))
    written.append(_atomic(to / "dictionary.html", lambda p: p.write_text(dictionary_html(), encoding="utf-8")))
    written.append(_atomic(to / "index.html", lambda p: p.write_text(_downloads_page(written), encoding="utf-8")))
    return written


_DESCRIPTIONS = {
    ".csv": "CSV (UTF-8)", ".xlsx": "Excel", ".dta": "Stata", ".parquet": "Parquet", ".json": "Fiscal Data Package", ".html": "网页",
}


def _downloads_page(files: Sequence[Path]) -> str:
    rows = "".join(
        f'<tr><td><a href="{html.escape(f.name)}">{html.escape(f.name)}</a></td><td>{html.escape(_DESCRIPTIONS.get(f.suffix, ""))}</td></tr>'
        for f in sorted(files, key=lambda f: f.name) if f.name != "index.html"
    )
    body = ("<h1>数据下载 Data downloads</h1><p>panel：每个单位×区县×年度×类型一行；indicators：每个文件一行；line_items：报表中读出的每个数；"
            f"findings：审核发现。CSV 为带 BOM 的 UTF-8，Excel 可直接打开。{_CSV_NOTE_ZH}字段含义见"
            '<a href="dictionary.html">数据字典</a>。</p>'
            f"<table><thead><tr><th>文件</th><th>格式</th></tr></thead><tbody>{rows}</tbody></table>"
            '<p><a href="../index.html">返回报告目录</a></p>')
    return _page("数据下载", body)


def _check_stata_names() -> None:  # pragma: no cover - guards the declaration at import
    for table in ("panel", "indicators"):
        names = _stata_names(schemas.TABLE_COLUMNS[table])
        bad = [n for n in names.values() if len(n) > 32 or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n)]
        if bad:
            raise RuntimeError(f"invalid Stata names: {bad}")


_check_stata_names()
