"""Benchmark (``make bench``): speed and memory of ingest and reports on a scaled corpus.

Builds a corpus of thousands of documents by varying the samples in data/raw (unit name and
year shifted, the cents of every figure changed, a unique line added so every document is
distinct), then measures and prints, and saves to
bench/results.json:

* ingest throughput, documents/s per core (one process, outputs written as `budgetlib ingest`
  writes them), and its peak memory (RSS); and the same with ``--engine dask`` on one worker
  per core (when the extra is installed);
* PDF pages/s for the text-layer sample PDFs;
* report cost per county-year: warm kernels (budgetlib's runner) against a fresh
  ``papermill`` + render process per notebook, side by side in this invocation, as a ratio;
* the no-change rebuild of 1,000 reports (plan, hash, compare with the manifest, index).

Targets (issue 7): ≥ 200 documents/s per core, warm reports ≥ 5× cheaper than fresh, a
no-change rebuild of 1,000 reports in < 2 s. The figures are printed whatever they are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
RESULTS = ROOT / "bench" / "results.json"
_FIGURE = re.compile(r"(\d+)\.(\d\d)(?!\d)")


def scaled_corpus(target: Path, n: int) -> list[Path]:
    """``n`` distinct text documents made from the text samples."""
    from budgetlib.metadata import extract_metadata
    from budgetlib.read import decode, to_lines

    samples = sorted(RAW.glob("*.txt"))
    texts = [decode(p.read_bytes())[0] for p in samples]
    units = [extract_metadata(to_lines(t)).unit_name for t in texts]
    target.mkdir(parents=True, exist_ok=True)
    files = []
    for i in range(n):
        text, unit = texts[i % len(texts)], units[i % len(texts)]
        cut = next((k + 1 for k, ch in enumerate(unit or "") if ch in "县区市"), 0)
        if unit and cut:  # a distinct unit per copy (元氏县第3号医疗保障局): one report each, none deduplicated away
            tag = "".join("〇一二三四五六七八九"[int(d)] for d in str(i))
            text = text.replace(unit, f"{unit[:cut]}{tag}{unit[cut:]}")
        shift = (i // len(texts)) % 6
        if shift:
            for year in range(2026, 2014, -1):
                text = text.replace(f"{year}年", f"{year - shift}年")
        if i >= len(texts):  # other figures in each copy: caches of cell text must not flatter the figure
            text = _FIGURE.sub(lambda m, i=i: f"{m.group(1)}.{(int(m.group(2)) + 7 * i) % 100:02d}", text)
        path = target / f"doc_{i:05d}.txt"
        path.write_text(text + f"\n（基准测试副本 {i}）\n", encoding="utf-8")
        files.append(path)
    return files


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _count(out: Path, name: str) -> int:
    import polars as pl

    return int(pl.scan_parquet(out / f"{name}.parquet").select(pl.len()).collect().item())


def bench_ingest(files: list[Path], out: Path) -> dict[str, float]:
    """What `budgetlib ingest` does: read, validate, audit and write the outputs (bounded memory)."""
    from budgetlib.pipeline import ingest_to_folder

    start = time.perf_counter()
    ingest_to_folder(files, out)
    seconds = time.perf_counter() - start
    ok = _count(out, "documents")
    return {"documents": ok, "errors": _count(out, "errors"), "seconds": round(seconds, 2),
            "documents_per_second_per_core": round(ok / seconds, 1), "peak_rss_mb": round(_peak_rss_mb(), 1)}


def bench_ingest_dask(files: list[Path], out: Path) -> dict[str, float] | None:
    """`budgetlib ingest --engine dask` on a LocalCluster of one worker per core, cluster start included."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return None
    from budgetlib.pipeline import ingest_to_folder

    cores = os.cpu_count() or 1
    start = time.perf_counter()
    ingest_to_folder(files, out, engine="dask")
    seconds = time.perf_counter() - start
    ok = _count(out, "documents")
    return {"documents": ok, "workers": cores, "seconds": round(seconds, 2), "documents_per_second": round(ok / seconds, 1),
            "documents_per_second_per_core": round(ok / seconds / cores, 1)}


def bench_pdf() -> dict[str, float] | None:
    pdfs = sorted(RAW.glob("*.pdf"))
    if not pdfs:
        return None
    try:
        import pypdfium2 as pdfium

        from budgetlib.documents import ReadSettings, load_document
    except ImportError:
        return None
    pages = 0
    seconds = 0.0
    for pdf in pdfs:
        data = pdf.read_bytes()
        doc = pdfium.PdfDocument(data)
        n = len(doc)
        doc.close()
        start = time.perf_counter()
        try:
            loaded = load_document(data, ReadSettings(ocr=False))
        except Exception:  # the scanned sample without OCR, for instance
            continue
        took = time.perf_counter() - start
        if getattr(loaded, "source_format", "") == "pdf":  # text-layer PDFs only: OCR is another matter
            pages += n
            seconds += took
    return {"pages": pages, "seconds": round(seconds, 2), "pages_per_second": round(pages / seconds, 1) if seconds else 0.0}


def bench_reports(work: Path, n_reports: int) -> dict[str, float]:
    """Warm runner against fresh papermill + render processes, on the same reports."""
    from budgetlib.pipeline import ingest, write_outputs
    from budgetlib.report import plan, run_reports

    processed = work / "processed"
    write_outputs(ingest(sorted(RAW.glob("*.txt"))), processed)
    jobs = [j for j in plan(processed) if j.stem != "panel"][:n_reports]
    # warm: the project's runner, one worker, kernels kept warm
    warm_out = work / "warm"
    start = time.perf_counter()
    result = run_reports(processed, warm_out, workers=1)
    warm_seconds = time.perf_counter() - start
    warm_per = warm_seconds / max(1, len(result.built))
    # fresh: what a script calling the CLIs does — a papermill process and a render process per report
    fresh_out = work / "fresh"
    fresh_out.mkdir()
    start = time.perf_counter()
    for job in jobs:
        executed = fresh_out / f"{job.stem}.ipynb"
        args = [sys.executable, "-m", "papermill", job.notebook, str(executed), "--no-progress-bar", "--cwd", str(ROOT)]
        for key, value in job.parameters.items():
            args += ["-r" if isinstance(value, str) else "-p", key, str(value)]
        subprocess.run(args, check=True, capture_output=True)
        code = ("import sys; from pathlib import Path; from budgetlib import render; "
                "render.render(Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3], title=sys.argv[4], provenance={})")
        subprocess.run([sys.executable, "-c", code, str(executed), str(fresh_out), job.stem, job.title], check=True, capture_output=True)
    fresh_per = (time.perf_counter() - start) / max(1, len(jobs))
    # no change: everything is up to date, nothing may be rebuilt
    start = time.perf_counter()
    again = run_reports(processed, warm_out, workers=1)
    unchanged = time.perf_counter() - start
    return {"reports": len(result.built), "warm_seconds_per_report": round(warm_per, 2),
            "fresh_seconds_per_report": round(fresh_per, 2), "fresh_to_warm_ratio": round(fresh_per / warm_per, 1),
            "no_change_rebuild_seconds": round(unchanged, 2), "rebuilt_on_no_change": len(again.built)}


def bench_no_change(work: Path, n: int) -> dict[str, float]:
    """A no-change rebuild of ``n`` reports: the manifest says every report is current, so the
    run only plans, hashes, compares and writes the index (outputs are placeholders: rendering
    is not what this measures)."""
    from budgetlib.pipeline import ingest, write_outputs
    from budgetlib.report import MANIFEST, code_fingerprint, plan, run_reports

    corpus = scaled_corpus(work / "corpus", n)
    processed = work / "processed_many"
    write_outputs(ingest(corpus), processed)
    out = work / "reports_many"
    out.mkdir()
    fingerprint = code_fingerprint()
    manifest = {}
    for job in plan(processed):
        outputs = [f"{job.stem}.html", f"{job.stem}.pdf"]
        for name in outputs:
            (out / name).write_bytes(b"")
        manifest[job.stem] = {"key": job.key(fingerprint), "title": job.title, "outputs": outputs}
    (out / MANIFEST).write_text(json.dumps({"version": 1, "reports": manifest}), encoding="utf-8")
    start = time.perf_counter()
    result = run_reports(processed, out)
    seconds = time.perf_counter() - start
    return {"reports": len(manifest), "seconds": round(seconds, 2), "rebuilt": len(result.built)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000, help="size of the scaled corpus for ingest")
    parser.add_argument("--reports", type=int, default=3, help="reports built warm and fresh for the ratio")
    parser.add_argument("--no-change", type=int, default=1000, help="reports in the no-change rebuild")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="budgetlib-bench-"))
    try:
        results: dict[str, object] = {
            "machine": {"platform": platform.platform(), "python": platform.python_version(), "cores": os.cpu_count()},
        }
        files = scaled_corpus(work / "ingest", args.documents)
        results["ingest"] = bench_ingest(files, work / "ingest-out")
        print("ingest:", results["ingest"], flush=True)
        results["ingest_dask"] = bench_ingest_dask(files, work / "ingest-dask-out")
        print("ingest, dask engine:", results["ingest_dask"], flush=True)
        results["pdf"] = bench_pdf()
        print("pdf:", results["pdf"], flush=True)
        results["reports"] = bench_reports(work / "reports", args.reports)
        print("reports:", results["reports"], flush=True)
        results["no_change_rebuild"] = bench_no_change(work / "nochange", args.no_change)
        print("no-change rebuild:", results["no_change_rebuild"], flush=True)
        results["targets"] = {"documents_per_second_per_core": 200, "fresh_to_warm_ratio": 5, "no_change_rebuild_seconds_1000": 2}
    finally:
        shutil.rmtree(work, ignore_errors=True)
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    print(json.dumps(results, ensure_ascii=False, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
