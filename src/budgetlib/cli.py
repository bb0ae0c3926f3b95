"""Command line: thin typer commands, each calling one stage function.

Takes command-line arguments; gives files in the output folder and a summary on the terminal.
Errors go to stderr as one line per file (file: stage: reason); the exit status is 1 when any
file failed.
"""

from __future__ import annotations

import contextlib
import re
import signal
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Annotated

import polars as pl
import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from budgetlib import __version__, paths, schemas
from budgetlib.checks import rules_table
from budgetlib.documents import ReadSettings
from budgetlib.engines import EngineError
from budgetlib.pipeline import (
    NothingToRead,
    OutputFolderError,
    audit_folder,
    ingest_to_folder,
    panel_from_folders,
    write_panel,
)

app = typer.Typer(
    name="budgetlib",
    help=(
        "Read Chinese county budget (部门预算) and final-accounts (部门决算) disclosures into "
        "validated tables where every figure keeps the line it came from."
    ),
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
)
_out = Console()
_err = Console(stderr=True, soft_wrap=True)  # one line per error, whatever the width


#: characters a terminal takes as commands (ESC starts one): shown escaped, never sent
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _shown(text: str) -> str:
    r"""Text from a file name or a document, safe to print: Rich markup escaped, control
    characters written as ``\x1b``.

    >>> _shown("b\x1b[2J[red].txt")
    'b\\x1b[2J\\[red].txt'
    """
    return escape(_CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text))


def _version(value: bool) -> None:
    if value:
        _out.print(f"budgetlib {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """budgetlib: county fiscal disclosures → validated, traceable tables."""


@contextlib.contextmanager
def _stopped_cleanly() -> Iterator[None]:
    """While the block runs, SIGTERM and SIGHUP (``kill``, ``timeout``, a CI cancel, a closed
    terminal) end the process as an exception does — with status 128 + the signal — so the
    half-written outputs are removed, as after Ctrl-C. Outside the main thread, as it was."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _skipped_note(skipped: Counter[str]) -> str:
    """What ingest left out of the folders read, in words ('' when nothing).

    >>> _skipped_note(Counter({"Thumbs.db": 2, "desktop.ini": 1}))
    '; skipped 3 system file(s), not disclosures: Thumbs.db (2), desktop.ini (1)'
    """
    if not skipped:
        return ""
    kinds = ", ".join(f"{kind} ({n})" for kind, n in sorted(skipped.items()))
    return f"; skipped {skipped.total()} system file(s), not disclosures: {kinds}"


@app.command()
def ingest(
    inputs: Annotated[list[Path], typer.Argument(help="Files and/or folders of disclosures: text, CSV, PDF (text layer or scanned), DOCX, XLSX, HTML — told by content, not name; folders are searched recursively (links to folders are not followed).", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: data/processed); inside an input folder, it is not read as input; an input folder itself is refused.")] = None,
    engine: Annotated[str, typer.Option("--engine", help="Where the per-file work runs: local, or dask (needs the optional extra budgetlib\\[dask]).")] = "local",
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address (default: a LocalCluster on this machine).")] = None,
    ocr: Annotated[bool, typer.Option("--ocr/--no-ocr", help="Read scanned PDFs by OCR (tesseract); --no-ocr reports them as needing OCR instead.")] = True,
) -> None:
    """Read disclosures into validated tables and one indicators row per document.

    Writes documents, tables, line_items, facts, indicators, indicator_sources, findings (the
    audit), panel, panel_duplicates and errors as Parquet, plus indicators.csv, findings.csv and
    errors.csv; they replace the old files together once all are written. Memory stays bounded
    however many files. Office lock files (~$…), Thumbs.db and desktop.ini inside folders are
    skipped and counted. Exit status 1 when any file failed; 2 when an input does not exist, the
    inputs hold no file, the output folder is a file, an input folder or in use by another run,
    or the engine cannot run (nothing is written).
    """
    out_dir = out or paths.processed_dir()
    skipped: Counter[str] = Counter()
    try:
        with _stopped_cleanly():
            ingest_to_folder(inputs, out_dir, ReadSettings(ocr=ocr), engine=engine, scheduler=scheduler, skipped=skipped)
    except (OutputFolderError, NothingToRead, EngineError) as exc:
        _err.print(f"[red]error[/red] {_shown(str(exc))}", highlight=False)
        raise typer.Exit(code=2) from exc
    docs, errors, findings = (pl.read_parquet(out_dir / f"{name}.parquet") for name in ("documents", "errors", "findings"))
    summary = Table(title=f"budgetlib ingest → {_shown(str(out_dir))}")
    shown = ("source_file", "unit_name", "county", "year", "doc_kind", "n_tables", "n_line_items", "n_facts")
    for col in shown:
        summary.add_column(col)
    for row in docs.iter_rows(named=True):
        summary.add_row(*(_shown(str(row[c])) if row[c] is not None else "—" for c in shown))
    _out.print(summary)
    for err in errors.iter_rows(named=True):
        _err.print(f"[red]error[/red] {_shown(err['source_file'])}: {err['stage']}: {_shown(err['message'])}", highlight=False)
    n_errors = findings.filter(findings["severity"] == "error").height
    _out.print(f"{docs.height} document(s) ingested, {errors.height} failed{_skipped_note(skipped)}; "
               f"audit: {findings.height} finding(s), {n_errors} error(s) (findings.csv).")
    if errors.height:
        raise typer.Exit(code=1)


@app.command()
def audit(
    folder: Annotated[Path | None, typer.Argument(help="Folder written by `budgetlib ingest` (default: data/processed).", show_default=False)] = None,
) -> None:
    """Re-run the audit on ingested data: writes findings.parquet and findings.csv there.

    Exit status 1 when any finding is an error.
    """
    target = folder or paths.processed_dir()
    try:
        findings = audit_folder(target)
    except (FileNotFoundError, OutputFolderError) as exc:
        _err.print(f"[red]error[/red] {_shown(str(exc))}")
        raise typer.Exit(code=2) from exc
    summary = Table(title=f"budgetlib audit → {_shown(str(target))}")
    for col in ("source_file", "severity", "rule_id", "count"):
        summary.add_column(col)
    counts = findings.group_by("source_file", "severity", "rule_id").len().sort("source_file", "severity", "rule_id")
    for row in counts.iter_rows():
        summary.add_row(*(_shown(str(v)) for v in row))
    _out.print(summary)
    errors = findings.filter(findings["severity"] == "error").height
    _out.print(f"{findings.height} finding(s), {errors} error(s).")
    if errors:
        raise typer.Exit(code=1)


@app.command()
def panel(
    folders: Annotated[list[Path] | None, typer.Argument(help="Folders written by `budgetlib ingest` (default: data/processed).", show_default=False)] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Where to write panel.parquet (default: the first folder).")] = None,
) -> None:
    """Build the panel: one row per unit × county × year × kind, with trends.

    Also checks the prior-year figures a document states against the prior year's own
    document. Reads one or more ingested folders.
    """
    sources = folders or [paths.processed_dir()]
    try:
        frame, duplicates = panel_from_folders(sources)
    except FileNotFoundError as exc:
        _err.print(f"[red]error[/red] {_shown(str(exc))}")
        raise typer.Exit(code=2) from exc
    target = out or sources[0]
    try:
        write_panel(frame, duplicates, target)
    except OutputFolderError as exc:
        _err.print(f"[red]error[/red] {_shown(str(exc))}")
        raise typer.Exit(code=2) from exc
    _out.print(f"panel: {frame.height} row(s) → {_shown(str(target / 'panel.parquet'))}; {duplicates.filter(~duplicates['kept']).height} duplicate document(s) set aside.")


@app.command()
def report(
    data: Annotated[Path | None, typer.Option("--data", help="Folder written by `budgetlib ingest` (default: data/processed).")] = None,
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Reports folder (default: reports).")] = None,
    county: Annotated[str | None, typer.Option("--county", help="Only this county (name such as 元氏县, or adcode).")] = None,
    year: Annotated[int | None, typer.Option("--year", help="Only this fiscal year.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", help="Parallel workers (default: one per core).")] = None,
    fresh: Annotated[bool, typer.Option("--fresh", help="A new kernel for every report instead of warm ones.")] = False,
) -> None:
    """Build the HTML and PDF reports and reports/index.html (only what changed).

    One report per county × year × kind, plus the panel report; a failing report is listed
    in reports/failures.html and the exit status is 1.
    """
    from budgetlib import render
    from budgetlib.report import run_reports

    _out.print(render.cjk_font_status())
    try:
        result = run_reports(data, out, county=county, year=year, workers=workers, fresh=fresh)
    except FileNotFoundError as exc:
        _err.print(f"[red]error[/red] {_shown(str(exc))}")
        raise typer.Exit(code=2) from exc
    target = out or paths.reports_dir()
    _out.print(f"reports: {len(result.built)} built, {len(result.skipped)} unchanged, {len(result.failed)} failed → {_shown(str(target / 'index.html'))}")
    for stem, error in sorted(result.failed.items()):
        _err.print(f"[red]failed[/red] {_shown(str(stem))}: {_shown(str(error))}", highlight=False)
    if not result.ok:
        raise typer.Exit(code=1)


@app.command()
def export(
    folder: Annotated[Path | None, typer.Argument(help="Folder written by `budgetlib ingest` (default: data/processed).", show_default=False)] = None,
    to: Annotated[Path | None, typer.Option("--to", help="Where to write the exports (default: reports/data).")] = None,
) -> None:
    """Export the data as CSV, Excel, Stata, Parquet and a Fiscal Data Package.

    panel and indicators in all formats, line items and findings as CSV and Parquet,
    datapackage.json, and the data dictionary (dictionary.html).
    """
    from budgetlib.export import export_all

    target = to or paths.reports_dir() / "data"
    try:
        written = export_all(folder or paths.processed_dir(), target)
    except FileNotFoundError as exc:
        _err.print(f"[red]error[/red] {_shown(str(exc))}")
        raise typer.Exit(code=2) from exc
    _out.print(f"{len(written)} file(s) → {_shown(str(target))}")


@app.command()
def rules() -> None:
    """List the audit rules: id, severity and what each checks."""
    table = Table(title="budgetlib audit rules")
    for col in ("rule_id", "severity", "name_zh", "description_zh"):
        table.add_column(col)
    for spec in rules_table():
        table.add_row(spec.rule_id, spec.severity, spec.name_zh, spec.description_zh)
    _out.print(table)


@app.command()
def dictionary() -> None:
    """Print the data dictionary (every column of every output table)."""
    table = Table(title="budgetlib data dictionary")
    for col in ("table", "column", "name_zh", "dtype", "unit", "description"):
        table.add_column(col)
    for row in schemas.dictionary().iter_rows(named=True):
        table.add_row(row["table"], row["column"], row["name_zh"], row["dtype"], row["unit"], row["description"])
    _out.print(table)


if __name__ == "__main__":  # pragma: no cover
    app()
