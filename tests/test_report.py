"""Reports end to end: papermill + warm kernels + rendering, the index, the manifest that
rebuilds nothing when nothing changed, and a report failing on purpose."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest
from typer.testing import CliRunner

from budgetlib.cli import app
from budgetlib.pipeline import ingest, write_outputs
from budgetlib.report import Job, run_reports

from .conftest import RAW

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
runner = CliRunner()


def test_reports_name_every_document_kind() -> None:
    """The kinds reports label are the schema's (an adjusted budget is 调整预算, not a blank)."""
    from budgetlib import report, schemas

    for kind, name in schemas.DOC_KINDS.items():
        assert report._title({"unit_name": "某局", "year": 2024, "doc_kind": kind}) == f"某局 2024年{name}"


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


# --- what stays published: fast tests with the notebook runs stubbed ---------------------------
# run_reports' real planning, manifest, failures and index, with report._run_parallel (papermill,
# pandoc and Typst in worker processes) replaced by a stand-in that writes what a run writes.


def _stub_runner(fail: tuple[str, ...] = ()) -> Callable[..., dict[str, tuple[bool, object]]]:
    """Stands in for report._run_parallel: writes <stem>.html/.pdf holding the title and
    provenance (what the real header and footer show), or fails the stems starting with ``fail``."""
    def run(jobs: Sequence[Job], build_dir: Path, out_dir: Path, workers: int, fresh: bool) -> dict[str, tuple[bool, object]]:
        done: dict[str, tuple[bool, object]] = {}
        for job in jobs:
            if job.stem.startswith(fail):
                done[job.stem] = (False, "RuntimeError: 故意失败")
                continue
            text = json.dumps({"title": job.title, "provenance": job.provenance}, ensure_ascii=False)
            for suffix in ("html", "pdf"):
                (Path(out_dir) / f"{job.stem}.{suffix}").write_text(text, encoding="utf-8")
            (Path(build_dir) / f"{job.stem}.ipynb").write_text("{}", encoding="utf-8")
            done[job.stem] = (True, {s: str(Path(out_dir) / f"{job.stem}.{s}") for s in ("html", "pdf")})
        return done

    return run


@pytest.fixture
def stubbed(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    from budgetlib import report

    monkeypatch.setattr(report, "git_commit", lambda: "unknown")
    monkeypatch.setattr(report, "code_fingerprint", lambda: "fixed-fingerprint")
    monkeypatch.setattr(report, "_run_parallel", _stub_runner())
    return monkeypatch


def _ingest_files(tmp_path: Path, names: dict[str, str]) -> tuple[Path, Path, Path]:
    """data/raw-like folder holding ``names`` (sample → file name), ingested; gives raw, processed, reports."""
    raw, processed = tmp_path / "raw", tmp_path / "processed"
    raw.mkdir(exist_ok=True)
    for sample, name in names.items():
        shutil.copy(RAW / sample, raw / name)
    write_outputs(ingest([raw]), processed)
    return raw, processed, tmp_path / "reports"


def _manifest(out: Path) -> dict[str, Any]:
    return json.loads((out / "manifest.json").read_text(encoding="utf-8"))


TWO = {"xixiang_2024_budget.txt": "xixiang_2024_budget.txt", "huailai_2024_budget.txt": "huailai_2024_budget.txt"}


def test_a_removed_documents_report_is_removed(tmp_path: Path, stubbed: pytest.MonkeyPatch) -> None:
    raw, processed, out = _ingest_files(tmp_path, TWO)
    first = run_reports(processed, out, workers=1)
    removed = next(s for s in first.built if s.startswith("130730_2024_budget"))
    (raw / "huailai_2024_budget.txt").unlink()
    write_outputs(ingest([raw]), processed)
    run_reports(processed, out, workers=1, county="西乡县")  # also a run limited to another county
    assert removed not in _manifest(out)["reports"]
    assert not list(out.glob(f"{removed}.*")) and not list((out / "_build").glob(f"{removed}.*"))
    assert (out / "panel.html").exists() and any(out.glob("610724_2024_budget_*.pdf"))


def test_a_selective_run_keeps_the_other_reports(tmp_path: Path, stubbed: pytest.MonkeyPatch) -> None:
    _, processed, out = _ingest_files(tmp_path, TWO)
    first = run_reports(processed, out, workers=1)
    again = run_reports(processed, out, workers=1, county="西乡县")
    assert again.built == [] and len(again.skipped) == 1
    assert set(_manifest(out)["reports"]) == set(first.built)
    assert all((out / f"{stem}.pdf").exists() for stem in first.built)


def test_a_report_failing_on_rebuild_leaves_no_stale_version(tmp_path: Path, stubbed: pytest.MonkeyPatch) -> None:
    from budgetlib import report

    _, processed, out = _ingest_files(tmp_path, TWO)
    first = run_reports(processed, out, workers=1)
    stem = next(s for s in first.built if s.startswith("130730_2024_budget"))
    stubbed.setattr(report, "code_fingerprint", lambda: "changed-code")
    stubbed.setattr(report, "_run_parallel", _stub_runner(fail=("130730_2024_budget",)))
    second = run_reports(processed, out, workers=1)
    assert list(second.failed) == [stem]
    assert not (out / f"{stem}.html").exists() and not (out / f"{stem}.pdf").exists()
    assert (out / "_build" / f"{stem}.ipynb").exists()  # the executed notebook says what went wrong
    manifest = _manifest(out)
    assert stem not in manifest["reports"] and manifest["failed"][stem]["error"] == "RuntimeError: 故意失败"
    assert "故意失败" in (out / "failures.html").read_text(encoding="utf-8")


def test_a_failed_report_stays_listed_until_it_builds(tmp_path: Path, stubbed: pytest.MonkeyPatch) -> None:
    from budgetlib import report

    _, processed, out = _ingest_files(tmp_path, TWO)
    stubbed.setattr(report, "_run_parallel", _stub_runner(fail=("130730_2024_budget",)))
    first = run_reports(processed, out, workers=1)
    assert list(first.failed)
    again = run_reports(processed, out, workers=1, county="西乡县")  # rebuilds only another county
    assert again.ok  # this run's own failures: none
    failures = (out / "failures.html").read_text(encoding="utf-8")
    assert "怀来县" in failures and "此前的运行中失败" in failures
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "生成失败" in index and "1 份报告未能生成" in index
    stubbed.setattr(report, "_run_parallel", _stub_runner())
    fixed = run_reports(processed, out, workers=1)
    assert [s for s in fixed.built if s.startswith("130730")] and not _manifest(out)["failed"]
    assert "本次没有失败的报告" in (out / "failures.html").read_text(encoding="utf-8")
    assert "生成失败" not in (out / "index.html").read_text(encoding="utf-8")


def test_renaming_the_input_rebuilds_its_report(tmp_path: Path, stubbed: pytest.MonkeyPatch) -> None:
    raw, processed, out = _ingest_files(tmp_path, {"xixiang_2024_budget.txt": "old_name.txt"})
    run_reports(processed, out, workers=1)
    (raw / "old_name.txt").rename(raw / "new_name.txt")
    write_outputs(ingest([raw]), processed)
    second = run_reports(processed, out, workers=1)
    stem = next(s for s in second.built if s.startswith("610724_2024_budget"))
    page = (out / f"{stem}.html").read_text(encoding="utf-8")
    assert "new_name.txt" in page and "old_name.txt" not in page
    assert run_reports(processed, out, workers=1).built == []  # and then it is up to date


def test_a_new_commit_alone_rebuilds_nothing(tmp_path: Path, stubbed: pytest.MonkeyPatch) -> None:
    from budgetlib import report

    _, processed, out = _ingest_files(tmp_path, {"xixiang_2024_budget.txt": "x.txt"})
    run_reports(processed, out, workers=1)
    stubbed.setattr(report, "git_commit", lambda: "another-commit")  # code, notebooks and data unchanged
    assert run_reports(processed, out, workers=1).built == []


def test_manifest_is_written_through_a_temporary_file_of_its_own(tmp_path: Path) -> None:
    """Two runs writing the manifest at once never write into one temporary file."""
    from budgetlib import report

    other = tmp_path / ".manifest.json.tmp"  # the one fixed name every run used
    other.write_text("another run, half written", encoding="utf-8")
    report._write(tmp_path / "manifest.json", "{}")
    assert (tmp_path / "manifest.json").read_text(encoding="utf-8") == "{}"
    assert other.read_text(encoding="utf-8") == "another run, half written"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".manifest.json.tmp", "manifest.json"]


def _no_year_document(folder: Path) -> Path:
    """xixiang's budget with every year removed from its text."""
    text = (RAW / "xixiang_2024_budget.txt").read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "no_year.txt").write_text(re.sub(r"20\d\d", "", re.sub(r"20\d\d\s*年", "本年", text)), encoding="utf-8")
    return folder


def test_a_document_without_a_year_has_its_report(tmp_path: Path, stubbed: pytest.MonkeyPatch) -> None:
    from budgetlib import api
    from budgetlib.report import plan

    processed = tmp_path / "processed"
    write_outputs(ingest([_no_year_document(tmp_path / "raw")]), processed)
    panel = api.load_panel(processed)
    assert panel.height == 1 and panel["year"][0] is None
    job = next(j for j in plan(processed) if j.stem != "panel")
    p = job.parameters
    row = api.report_row(panel, p["adcode"], p["year"], p["doc_kind"], p["doc_id"])  # type: ignore[arg-type]  # as the notebook does
    assert row["doc_id"] == p["doc_id"]
    assert "None" not in job.title and "年份未识别" in job.title, job.title
    assert api.report_row(panel, p["adcode"], None, p["doc_kind"])["doc_id"] == p["doc_id"]  # type: ignore[arg-type]
