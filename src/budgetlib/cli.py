"""Command line: thin typer commands, each calling one stage function.

Takes command-line arguments; gives files in the output folder and a summary on the terminal.
Errors go to stderr as one line per file (file: stage: reason); the exit status is 1 when any
file failed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from budgetlib import __version__, paths, schemas
from budgetlib.pipeline import ingest as run_ingest
from budgetlib.pipeline import write_outputs

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
_err = Console(stderr=True)


def _version(value: bool) -> None:
    if value:
        _out.print(f"budgetlib {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """budgetlib: county fiscal disclosures → validated, traceable tables."""


@app.command()
def ingest(
    inputs: Annotated[list[Path], typer.Argument(help="Files and/or folders of disclosures (text files; folders are searched recursively).", show_default=False)],
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Output folder (default: data/processed).")] = None,
) -> None:
    """Read disclosures into validated tables and one indicators row per document.

    Writes documents, tables, line_items, facts, indicators, indicator_sources and errors
    as Parquet, plus indicators.csv and errors.csv. Exit status 1 when any file failed.
    """
    out_dir = out or paths.processed_dir()
    outputs = run_ingest(inputs)
    write_outputs(outputs, out_dir)
    docs = outputs.frames["documents"]
    summary = Table(title=f"budgetlib ingest → {out_dir}")
    shown = ("source_file", "unit_name", "county", "year", "doc_kind", "n_tables", "n_line_items", "n_facts")
    for col in shown:
        summary.add_column(col)
    for row in docs.iter_rows(named=True):
        summary.add_row(*(str(row[c]) if row[c] is not None else "—" for c in shown))
    _out.print(summary)
    for err in outputs.errors.iter_rows(named=True):
        _err.print(f"[red]error[/red] {err['source_file']}: {err['stage']}: {err['message']}", highlight=False, markup=True)
    _out.print(f"{docs.height} document(s) ingested, {outputs.errors.height} failed.")
    if outputs.errors.height:
        raise typer.Exit(code=1)


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
