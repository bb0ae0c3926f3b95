"""Reports end to end: papermill + warm kernels + rendering, the index, the manifest that
rebuilds nothing when nothing changed, and a report failing on purpose."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import nbformat
import pytest
from typer.testing import CliRunner

from budgetlib.cli import app
from budgetlib.pipeline import ingest, write_outputs
from budgetlib.report import run_reports

from .conftest import RAW

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
runner = CliRunner()


def test_notebooks_are_stored_without_outputs() -> None:
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, path.name
        assert any("parameters" in c.metadata.get("tags", []) for c in nb.cells), f"{path.name} has no parameters cell"
        source = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
        assert "import re" not in source and "re.compile" not in source, f"{path.name}: logic belongs in budgetlib"


def test_warm_kernel_has_the_notebook_modules_and_an_empty_namespace_after_each_reset() -> None:
    from budgetlib.report import _WarmKernel

    kernel = _WarmKernel()
    try:
        def run(code: str) -> str:
            out: list[str] = []
            kernel.client.execute_interactive(code, store_history=False, timeout=60, output_hook=lambda msg: out.append(
                msg["content"].get("text", "")) if msg["msg_type"] == "stream" else None)
            return "".join(out).strip()

        names = "print(sorted(k for k in globals() if not k.startswith('_') and k not in ('In', 'Out', 'exit', 'quit', 'get_ipython', 'open')))"
        assert run("import sys; print('budgetlib.charts' in sys.modules and 'budgetlib.api' in sys.modules)") == "True"
        kernel.reset()
        assert run(names) == "[]"  # the preloaded modules leave no name behind
        run("secret = 42")
        kernel.reset()
        assert run(names) == "[]"  # nothing of one report reaches the next
    finally:
        kernel.shutdown()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, object]:
    base = tmp_path_factory.mktemp("reports")
    raw = base / "raw"
    raw.mkdir()
    for name in ("yuanshi_2023_budget.txt", "lanxian_2024_final.txt"):
        shutil.copy(RAW / name, raw / name)
    write_outputs(ingest([raw]), base / "processed")
    result = run_reports(base / "processed", base / "reports", workers=2)
    return base / "processed", base / "reports", result


def _pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_reports_html_and_pdf_for_each_document_and_the_panel(built: tuple[Path, Path, object]) -> None:
    _, out, result = built
    assert result.ok and len(result.built) == 3  # two documents and the panel  # type: ignore[attr-defined]
    for stem in result.built:  # type: ignore[attr-defined]
        assert (out / f"{stem}.html").stat().st_size > 10_000 and (out / f"{stem}.pdf").stat().st_size > 10_000
    yuanshi = next(out.glob("130132_2023_budget_*.pdf"))
    text = _pdf_text(yuanshi)
    for heading in ("一、主要数据", "二、城乡居民医保县级配套", "三、“三公”经费", "五、审核发现"):
        assert heading in text, heading
    assert "5,350.23" in text and "元氏县医疗保障局" in text
    assert "城乡居民医保：人均补助与国家标准" in text  # a chart's Chinese title, rendered as text
    assert "SHA-256" in text  # provenance footer


def test_no_html_refers_to_a_network_address(built: tuple[Path, Path, object]) -> None:
    _, out, _ = built
    for page in out.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:)?//", text), page.name
        assert "https://" not in text and "http://" not in text, page.name
        charts = text.count('<figure class="budgetlib-chart" id=')
        if charts:
            assert text.count("window.vegaEmbed=") == 1, page.name  # the scripts once per page, however many charts


def test_index_lists_every_report_with_links(built: tuple[Path, Path, object]) -> None:
    processed, out, _ = built
    index = (out / "index.html").read_text(encoding="utf-8")
    for pdf in out.glob("*.pdf"):
        assert f'href="{pdf.name}"' in index
    assert "元氏县" in index and "岚县" in index and "failures.html" not in index
    assert "本次没有失败的报告" in (out / "failures.html").read_text(encoding="utf-8")


def test_a_second_run_rebuilds_nothing_and_files_are_identical(built: tuple[Path, Path, object]) -> None:
    processed, out, _ = built
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    again = run_reports(processed, out, workers=1)
    assert again.built == [] and len(again.skipped) == 3
    victim = next(out.glob("141127_2024_final_*.pdf"))
    victim.unlink()
    rebuilt = run_reports(processed, out, workers=1)
    assert rebuilt.built == [victim.stem]
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before  # byte-identical, index and manifest included


def test_one_failing_report_never_stops_the_others(built: tuple[Path, Path, object], tmp_path: Path) -> None:
    processed, _, _ = built
    notebooks = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, notebooks)
    nb = nbformat.read(notebooks / "county_year.ipynb", as_version=4)
    nb.cells.insert(2, nbformat.v4.new_code_cell('if adcode == "130132":\n    raise RuntimeError("故意失败的报告")'))
    nbformat.write(nb, notebooks / "county_year.ipynb")
    out = tmp_path / "reports"
    result = run_reports(processed, out, workers=1, notebooks_dir=notebooks)
    assert not result.ok and list(result.failed) == [next(s for s in result.failed)]
    failed = next(iter(result.failed))
    assert failed.startswith("130132_2023_budget") and "故意失败的报告" in result.failed[failed]
    assert sorted(result.built) == sorted(s for s in ("panel", next(p.stem for p in out.glob("141127_*.pdf"))))
    failures = (out / "failures.html").read_text(encoding="utf-8")
    assert "故意失败的报告" in failures and "元氏县医疗保障局" in failures
    assert "failures.html" in (out / "index.html").read_text(encoding="utf-8")
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert failed not in manifest["reports"]


def test_report_command_selects_and_reports_failure_status(built: tuple[Path, Path, object], tmp_path: Path) -> None:
    processed, _, _ = built
    result = runner.invoke(app, ["report", "--data", str(processed), "--out", str(tmp_path), "--county", "岚县", "--workers", "1"])
    assert result.exit_code == 0, result.output
    assert len(list(tmp_path.glob("*.pdf"))) == 1 and not (tmp_path / "panel.pdf").exists()


def test_index_links_the_data_downloads_and_dictionary(built: tuple[Path, Path, object], tmp_path: Path) -> None:
    from budgetlib.export import export_all
    from budgetlib.report import write_index

    processed, _, _ = built
    export_all(processed, tmp_path / "data")
    index = write_index(tmp_path, processed, {}, {}).read_text(encoding="utf-8")
    assert 'href="data/index.html"' in index and 'href="data/dictionary.html"' in index


def test_identical_copies_give_one_report(tmp_path: Path) -> None:
    """Copies share a doc_id; the panel keeps one, and the plan must not double it."""
    from budgetlib.report import plan

    for copy in ("a.txt", "b.txt"):
        shutil.copy(RAW / "xixiang_2024_budget.txt", tmp_path / copy)
    write_outputs(ingest([tmp_path]), tmp_path / "processed")
    stems = [job.stem for job in plan(tmp_path / "processed")]
    assert len(stems) == len(set(stems)) == 2  # the county-year report and the panel report
