"""Reports: the ingested folder → one report per county × year × kind, a panel report, an index.

Takes the output folder of ``budgetlib ingest`` and the notebooks in ``notebooks/``; gives, in
the reports folder, ``<stem>.html`` and ``<stem>.pdf`` for each panel row (``county_year``
notebook) and for the whole panel (``panel`` notebook), ``index.html`` (every report with its key
figures and links), ``failures.html`` and ``manifest.json``.

* **papermill** executes each parameterised notebook; reports run in parallel, one worker per
  core, and each worker keeps one **warm kernel** for all its reports (the namespace is reset
  between reports, the kernel restarted after a failure, so nothing leaks from one report to
  the next). ``fresh=True`` starts a new kernel per report instead. What a worker can load once
  it loads while its kernel starts: the kernel imports the modules the notebooks use, the
  worker the renderer (:func:`budgetlib.render.warm_up`) and papermill; then papermill runs
  every notebook through the one client connected to the kernel.
* **Incremental**: a report is rebuilt only when one of its inputs changed — the notebook, its
  parameters, the document's bytes, what the report shows about it (title, source file name,
  provenance), the library's code and reference data, the lockfile, the renderer's settings —
  compared by content hash in ``manifest.json``.
* **Nothing stale stays published**: the report of a document no longer in the ingested folder
  is removed (its HTML, PDF, executed notebook and manifest entry), also by a run limited to
  one county or year; a report that fails to rebuild has its previous HTML and PDF removed.
* One failing report never stops the others: it is listed with its error in
  ``failures.html`` and the run says some failed. ``manifest.json`` remembers failures until the
  report builds, so a later run limited to other reports still lists them.
* Rendering (HTML and PDF) is :mod:`budgetlib.render`'s.
"""

from __future__ import annotations

import hashlib
import html
import json
import multiprocessing as mp
import os
import queue as queue_module
import secrets
import subprocess
import traceback
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from budgetlib import __version__, paths

# polars and budgetlib.api are imported where they are used: a report worker imports this
# module, and should have its kernel starting before it loads them.

__all__ = ["Job", "ReportRun", "plan", "run_reports", "code_fingerprint", "write_index"]

MANIFEST = "manifest.json"
_BUILD = "_build"
# What the provenance footer says about the build rather than the report's inputs: the commit
# checked out. The code it names is in the key already (code_fingerprint), so a commit that
# changes no code, notebook or data rebuilds nothing, and the footer names the commit built at.
_BUILD_STAMP = frozenset({"git commit"})


@dataclass(frozen=True, slots=True)
class Job:
    """One report to build."""

    stem: str
    notebook: str
    parameters: dict[str, object]
    title: str
    provenance: dict[str, str]
    input_hash: str

    def key(self, fingerprint: str) -> str:
        """Content hash of everything this report depends on and shows: the notebook, its
        parameters, the document's bytes, the title and the provenance (the source file's name
        among it; not the build stamp, see ``_BUILD_STAMP``) and the code fingerprint."""
        notebook = Path(self.notebook).read_bytes()
        shown = {k: v for k, v in self.provenance.items() if k not in _BUILD_STAMP}
        blob = json.dumps([self.stem, hashlib.sha256(notebook).hexdigest(), self.parameters, self.input_hash, self.title,
                           shown, fingerprint], sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()


@dataclass(slots=True)
class ReportRun:
    """What a run did."""

    built: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.failed


# ---------------------------------------------------------------------------------------
# Fingerprints


def _hash_files(files: Iterable[Path], base: Path) -> str:
    digest = hashlib.sha256()
    for f in sorted(files):
        digest.update(str(f.relative_to(base)).encode())
        digest.update(hashlib.sha256(f.read_bytes()).digest())
    return digest.hexdigest()


@cache
def git_commit() -> str:
    """The project's git commit, or "unknown" outside a checkout."""
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=paths.project_root(), capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return out.stdout.strip() if out.returncode == 0 else "unknown"


def code_fingerprint() -> str:
    """Hash of the library's code and reference data, the lockfile and the renderer's settings."""
    from budgetlib import render

    package = Path(__file__).resolve().parent
    files = [f for f in package.rglob("*") if f.is_file() and "__pycache__" not in f.parts]
    parts = {"library": _hash_files(files, package), "renderer": json.dumps(render.renderer_settings(), sort_keys=True)}
    lock = paths.project_root() / "uv.lock"
    parts["lockfile"] = hashlib.sha256(lock.read_bytes()).hexdigest() if lock.exists() else "none"
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


# ---------------------------------------------------------------------------------------
# Planning


def _stem(row: dict[str, object]) -> str:
    return f"{row.get('adcode') or 'unknown'}_{row.get('year') or 'unknown'}_{row.get('doc_kind') or 'unknown'}_{str(row['doc_id'])[:8]}"


def _kind_name(kind: object) -> str:
    """The Chinese name of a document kind (``schemas.DOC_KINDS``), blank when unknown. Imported
    here, not above: schemas loads polars, which a report worker does not need (see the imports)."""
    from budgetlib.schemas import DOC_KINDS

    return DOC_KINDS.get(str(kind), "")


def _title(row: Mapping[str, object]) -> str:
    """A county-year report's title: unit, year and kind, saying what the document does not tell.

    >>> _title({"unit_name": "元氏县医疗保障局", "year": 2023, "doc_kind": "budget"})
    '元氏县医疗保障局 2023年预算'
    >>> _title({"unit_name": "元氏县医疗保障局", "year": 2023, "doc_kind": "adjusted_budget"})
    '元氏县医疗保障局 2023年调整预算'
    >>> _title({"unit_name": None, "year": None, "doc_kind": "final"})
    '未识别单位 决算（年份未识别）'
    """
    unit = row.get("unit_name") or "未识别单位"
    kind = _kind_name(row.get("doc_kind"))
    year = row.get("year")
    return f"{unit} {year}年{kind}" if year is not None else f"{unit} {kind or '文件'}（年份未识别）"


def plan(data_dir: Path, notebooks_dir: Path | None = None, *, county: str | None = None, year: int | None = None) -> list[Job]:
    """The reports to build from an ingested folder: one per panel row, plus the panel report
    (only when no selection is made)."""
    import polars as pl

    from budgetlib import api

    notebooks = notebooks_dir or paths.project_root() / "notebooks"
    panel = api.load_panel(data_dir)
    documents = api.load("documents", data_dir).select("doc_id", "source_file", "source_sha256")
    panel = panel.join(documents, on=["doc_id", "source_file"], how="left")  # copies share a doc_id
    if county is not None:
        panel = panel.filter((pl.col("county") == county) | (pl.col("adcode") == county) | (pl.col("unit_name") == county))
    if year is not None:
        panel = panel.filter(pl.col("year") == year)
    base = {"budgetlib": __version__, "git commit": git_commit()}
    jobs = []
    for row in panel.sort("adcode", "year", "doc_kind", "doc_id", nulls_last=True).iter_rows(named=True):
        jobs.append(Job(
            stem=_stem(row), notebook=str(notebooks / "county_year.ipynb"),
            parameters={"adcode": str(row.get("adcode") or ""), "year": row.get("year"), "doc_kind": row.get("doc_kind"),
                        "doc_id": row["doc_id"], "data_dir": str(Path(data_dir).resolve())},
            title=_title(row), provenance={**base, "输入文件": str(row["source_file"]), "SHA-256": str(row["source_sha256"])},
            input_hash=str(row["source_sha256"]),
        ))
    if county is None and year is None and panel.height:
        all_inputs = hashlib.sha256("".join(sorted(str(s) for s in panel["source_sha256"])).encode()).hexdigest()
        jobs.append(Job(
            stem="panel", notebook=str(notebooks / "panel.ipynb"), parameters={"data_dir": str(Path(data_dir).resolve())},
            title="各县部门预算/决算公开情况汇总", provenance={**base, "输入文件": f"{panel.height} 个文件", "SHA-256": all_inputs},
            input_hash=all_inputs,
        ))
    return jobs


# ---------------------------------------------------------------------------------------
# Workers


def _execute(job: Job, build_dir: Path, out_dir: Path, kernel: _WarmKernel | None) -> dict[str, str]:
    """Run the notebook with papermill (in the warm kernel, if given) and render it."""
    import papermill as pm

    from budgetlib import render

    executed = build_dir / f"{job.stem}.ipynb"
    kwargs: dict[str, object] = {"engine_name": _warm_engine(), "kernel": kernel} if kernel is not None else {}
    # The executed notebook is written once, at the end (or on failure, with the error), not
    # after every cell: nothing reads it while it runs.
    pm.execute_notebook(job.notebook, str(executed), parameters=job.parameters, kernel_name="python3", progress_bar=False,
                        log_output=False, cwd=str(paths.project_root()), start_timeout=_KERNEL_TIMEOUT,
                        execution_timeout=_CELL_TIMEOUT, request_save_on_cell_execute=False, **kwargs)
    if kernel is not None:
        kernel.reset()  # before rendering: a kernel that cannot be reset fails this report, not the next
    result = render.render(executed, out_dir, job.stem, title=job.title, provenance=job.provenance)
    return {k: str(v) for k, v in result.paths().items()}


_KERNEL_TIMEOUT = 120  # seconds for a kernel to start and answer
_CELL_TIMEOUT = 600  # seconds for one notebook cell; a report never hangs the run
# What a warm kernel imports as it starts, while its worker loads the renderer: the modules the
# notebooks import. Only modules: the names are deleted, and every report resets the namespace.
# Then what is loaded is frozen out of the garbage collector's sweeps (gc.freeze), which makes the
# collection in each reset (IPython's %reset runs one) cost milliseconds rather than a tenth of a second.
_KERNEL_PRELOAD = ("import gc, IPython.display, budgetlib.api, budgetlib.charts; del IPython, budgetlib; "
                   "gc.collect(); gc.freeze(); del gc")


class _WarmKernel:
    """One kernel for all the reports of a worker, with one client that stays connected.

    Starting returns at once; the first use of :attr:`client` waits until the kernel answers.
    """

    def __init__(self) -> None:
        from jupyter_client.manager import KernelManager

        self.manager = KernelManager(kernel_name="python3")
        self.manager.start_kernel(cwd=str(paths.project_root()),
                                  extra_arguments=[f"--IPKernelApp.exec_lines={_KERNEL_PRELOAD}"])
        self._client: Any = None

    @property
    def client(self) -> Any:
        if self._client is None:
            client = self.manager.client()
            client.start_channels()
            try:
                client.wait_for_ready(timeout=_KERNEL_TIMEOUT)
            except BaseException:
                client.stop_channels()
                raise
            client.allow_stdin = False
            self._client = client
        return self._client

    def reset(self) -> None:
        """Clear the namespace between reports (imported modules stay loaded)."""
        reply = self.client.execute_interactive("get_ipython().run_line_magic('reset', '-f')", silent=True,
                                                store_history=False, timeout=_KERNEL_TIMEOUT)
        if reply["content"].get("status") != "ok":
            raise RuntimeError(f"the warm kernel could not be reset: {reply['content'].get('evalue', '')}")

    def shutdown(self) -> None:
        if self._client is not None:
            self._client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@cache
def _warm_engine() -> str:
    """papermill's nbclient engine, running a notebook through a warm kernel's connected client
    (nbclient would otherwise connect a new client, and wait for it, for every notebook)."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.log import logger

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man: Any, kernel_name: str, *, kernel: _WarmKernel,  # type: ignore[override]
                                     log_output: bool = False, stdout_file: Any = None, stderr_file: Any = None,
                                     start_timeout: int = 60, execution_timeout: int | None = None,
                                     **_: object) -> Any:
            client = PapermillNotebookClient(nb_man, km=kernel.manager, kernel_name=kernel_name, timeout=execution_timeout,
                                             startup_timeout=start_timeout, log=logger, log_output=log_output,
                                             stdout_file=stdout_file, stderr_file=stderr_file)
            client.kc = kernel.client
            return client.execute()

    papermill_engines.register("budgetlib-warm-kernel", WarmKernelEngine)
    return "budgetlib-warm-kernel"


def _start_kernel() -> _WarmKernel | None:
    try:
        return _WarmKernel()
    except Exception:  # the first report starts one again, and says why it cannot
        return None


def _warm_up() -> None:
    """What a worker loads while its kernel starts: the renderer and papermill.

    Nothing here stops the worker: what cannot load fails each report again, which says why.
    """
    try:
        from budgetlib import render

        render.warm_up()
        _warm_engine()
    except Exception:
        pass


def _ready(kernel: _WarmKernel | None) -> _WarmKernel | None:
    """The kernel once it answers; ``None`` (and the kernel shut down) when it does not."""
    if kernel is not None:
        try:
            kernel.client  # noqa: B018 - connects and waits until the kernel answers
        except Exception:
            kernel.shutdown()
            return None
    return kernel


def _worker(jobs: mp.Queue, results: mp.Queue, build_dir: str, out_dir: str, fresh: bool) -> None:  # pragma: no cover - runs in a child
    kernel = None if fresh else _start_kernel()
    try:
        _warm_up()
        kernel = _ready(kernel)
        while True:
            job = jobs.get()
            if job is None:
                return
            try:
                if not fresh and kernel is None:
                    kernel = _WarmKernel()
                outputs = _execute(job, Path(build_dir), Path(out_dir), kernel)
                results.put((job.stem, True, outputs))
            except Exception as exc:  # one failing report never stops the others
                results.put((job.stem, False, _explain(exc)))
                if kernel is not None:  # the failed report's state must not reach the next one: a new kernel
                    kernel.shutdown()
                    kernel = None
    finally:
        if kernel is not None:
            kernel.shutdown()


def _explain(exc: BaseException) -> str:
    name = type(exc).__name__
    if name == "PapermillExecutionError":
        return f"{getattr(exc, 'ename', name)}: {getattr(exc, 'evalue', exc)} (cell {getattr(exc, 'exec_count', '?')})"
    return "".join(traceback.format_exception_only(type(exc), exc)).strip()


def _run_parallel(jobs: Sequence[Job], build_dir: Path, out_dir: Path, workers: int, fresh: bool) -> dict[str, tuple[bool, object]]:
    ctx = mp.get_context("spawn")
    queue: mp.Queue = ctx.Queue()
    results: mp.Queue = ctx.Queue()
    for job in jobs:
        queue.put(job)
    n = max(1, min(workers, len(jobs)))
    for _ in range(n):
        queue.put(None)
    procs = [ctx.Process(target=_worker, args=(queue, results, str(build_dir), str(out_dir), fresh)) for _ in range(n)]
    for p in procs:
        p.start()
    done: dict[str, tuple[bool, object]] = {}
    while len(done) < len(jobs):
        try:
            stem, ok, payload = results.get(timeout=5)
        except queue_module.Empty:
            if not any(p.is_alive() for p in procs):  # every worker has stopped: nothing more will come
                break
            continue
        done[stem] = (ok, payload)
    for p in procs:
        p.join(timeout=60)
    for job in jobs:
        done.setdefault(job.stem, (False, "the worker running this report stopped before it finished"))
    return done


# ---------------------------------------------------------------------------------------
# Manifest, failures, index


def _read_manifest(out_dir: Path, section: str = "reports") -> dict[str, dict[str, object]]:
    """One section of ``manifest.json``: ``reports`` (built: key, title, outputs, job) or
    ``failed`` (failed and not built since: title, error); empty when unreadable."""
    path = out_dir / MANIFEST
    if not path.exists():
        return {}
    try:
        entries = json.loads(path.read_text(encoding="utf-8")).get(section, {})
        return {str(stem): dict(entry) for stem, entry in entries.items()}
    except (ValueError, AttributeError, TypeError):
        return {}


def _write(path: Path, text: str) -> None:
    """Write a file whole or not at all, through a temporary name no other run uses."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp")
    try:
        with tmp.open("x", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _outputs(entry: dict[str, object] | None) -> list[str]:
    """The output file names a manifest entry lists."""
    names = (entry or {}).get("outputs", [])
    return [str(n) for n in names] if isinstance(names, list) else []


def _unpublish(out_dir: Path, stem: str, entry: dict[str, object] | None, *, notebook: bool) -> None:
    """Delete a report's published files (those its manifest entry lists, and ``<stem>.html`` /
    ``.pdf`` whatever it lists) and, with ``notebook``, its executed notebook in ``_build``."""
    names = {*_outputs(entry), f"{stem}.html", f"{stem}.pdf"}
    files = [out_dir / name for name in sorted(names)] + ([out_dir / _BUILD / f"{stem}.ipynb"] if notebook else [])
    for path in files:
        if path.resolve().parent in (out_dir.resolve(), (out_dir / _BUILD).resolve()):  # never outside the folder
            path.unlink(missing_ok=True)


def _up_to_date(entry: dict[str, object] | None, key: str, out_dir: Path) -> bool:
    if not entry or entry.get("key") != key:
        return False
    return all((out_dir / name).exists() for name in _outputs(entry))


_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif;
       max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.6; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.92rem; }}
th, td {{ border-bottom: 1px solid #ddd; padding: 0.35rem 0.5rem; text-align: left; vertical-align: top; }}
td.num {{ text-align: right; font-variant-numeric: tabular-nums; }}
th {{ background: #f4f6f8; }}
.error {{ color: #c0392b; }}
footer {{ margin-top: 2rem; color: #777; font-size: 0.85rem; }}
</style></head><body>
{body}
</body></html>
"""


def write_failures(out_dir: Path, failed: dict[str, str], titles: dict[str, str], earlier: Collection[str] = ()) -> Path:
    """``failures.html``: every report that failed, with its error (always written). Those in
    ``earlier`` failed in an earlier run and were not tried again in this one."""
    if failed:
        rows = "".join(f"<tr><td>{html.escape(titles.get(stem, stem))}</td><td>{html.escape(stem)}</td>"
                       f'<td class="error"><pre>{html.escape(err)}</pre>'
                       + ("<p>此前的运行中失败，本次未重新生成。</p>" if stem in earlier else "") + "</td></tr>"
                       for stem, err in sorted(failed.items()))
        body = f"<h1>未能生成的报告</h1><table><thead><tr><th>报告</th><th>编号</th><th>错误</th></tr></thead><tbody>{rows}</tbody></table>"
    else:
        body = "<h1>未能生成的报告</h1><p>本次没有失败的报告。</p>"
    path = out_dir / "failures.html"
    _write(path, _PAGE.format(title="未能生成的报告", body=body + '<p><a href="index.html">返回目录</a></p>'))
    return path


def write_index(out_dir: Path, data_dir: Path, manifest: dict[str, dict[str, object]], failed: dict[str, str]) -> Path:
    """``index.html``: every report with its key figures and links to HTML and PDF; those in
    ``failed`` (stem → error) are marked 生成失败 and counted in a link to failures.html."""
    import polars as pl

    from budgetlib import api

    panel = api.load_panel(data_dir)
    findings = api.load("findings", data_dir)
    errors = findings.filter(pl.col("severity") == "error").group_by("doc_id", "source_file").len("errors")
    rows_html = []
    for row in panel.join(errors, on=["doc_id", "source_file"], how="left").sort("province", "county", "year", "doc_kind", nulls_last=True).iter_rows(named=True):
        stem = _stem(row)
        entry = manifest.get(stem, {})
        links = " ".join(f'<a href="{html.escape(str(name))}">{html.escape(Path(str(name)).suffix[1:].upper())}</a>'
                         for name in _outputs(entry)) or ('<span class="error">生成失败</span>' if stem in failed else "—")

        def num(key: str, r: dict[str, object] = row) -> str:
            value = r.get(key)
            return "—" if value is None else f"{float(value):,.2f}"  # type: ignore[arg-type]

        cells = [html.escape(str(row.get(k) or "—")) for k in ("province", "county", "unit_name", "year")]
        cells.append(_kind_name(row.get("doc_kind")))
        rows_html.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells)
                         + "".join(f'<td class="num">{num(k)}</td>' for k in ("expenditure_total", "three_public_total", "resident_subsidy_per_capita_yuan"))
                         + f'<td class="num">{row.get("errors") or 0}</td><td>{links}</td></tr>')
    head = "".join(f"<th>{h}</th>" for h in ("省份", "区县", "单位", "年度", "类型", "本年支出(万元)", "“三公”经费(万元)", "人均医保补助(元)", "审核错误", "报告"))
    panel_entry = manifest.get("panel", {})
    panel_links = " ".join(f'<a href="{html.escape(str(n))}">{html.escape(Path(str(n)).suffix[1:].upper())}</a>' for n in _outputs(panel_entry))
    extras = []
    if panel_links:
        extras.append(f"<li>汇总报告：{panel_links}</li>")
    for target, label in (("data/index.html", "数据下载（CSV、Excel、Stata、Parquet、财政数据包）"), ("data/dictionary.html", "数据字典")):
        if (out_dir / target).exists():
            extras.append(f'<li><a href="{target}">{label}</a></li>')
    if failed:
        extras.append(f'<li class="error"><a href="failures.html">{len(failed)} 份报告未能生成</a></li>')
    body = (f"<h1>部门预算/决算公开情况报告</h1><ul>{''.join(extras)}</ul>"
            f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows_html)}</tbody></table>"
            f"<footer>budgetlib {html.escape(__version__)} · git {html.escape(git_commit()[:12])}</footer>")
    path = out_dir / "index.html"
    _write(path, _PAGE.format(title="部门预算/决算公开情况报告", body=body))
    return path


def run_reports(data_dir: Path | None = None, out_dir: Path | None = None, *, county: str | None = None, year: int | None = None,
                workers: int | None = None, fresh: bool = False, notebooks_dir: Path | None = None) -> ReportRun:
    """Build (or skip, when unchanged) every planned report, then failures.html and index.html.

    First removes the reports of documents no longer in ``data_dir`` (whatever the selection);
    ``ReportRun.failed`` holds this run's failures, failures.html and the index every report
    still failed (see the module's description).
    """
    data_dir = Path(data_dir or paths.processed_dir())
    out_dir = Path(out_dir or paths.reports_dir())
    build_dir = out_dir / _BUILD
    build_dir.mkdir(parents=True, exist_ok=True)
    jobs = plan(data_dir, notebooks_dir, county=county, year=year)
    selective = county is not None or year is not None
    current = {job.stem for job in (plan(data_dir, notebooks_dir) if selective else jobs)}
    fingerprint = code_fingerprint()
    manifest = _read_manifest(out_dir)
    failures = _read_manifest(out_dir, "failed")
    for stem in sorted((set(manifest) | set(failures)) - current):  # its document is gone from the data
        _unpublish(out_dir, stem, manifest.pop(stem, None), notebook=True)
        failures.pop(stem, None)
    run = ReportRun()
    todo = []
    keys = {job.stem: job.key(fingerprint) for job in jobs}
    for job in jobs:
        if _up_to_date(manifest.get(job.stem), keys[job.stem], out_dir):
            run.skipped.append(job.stem)
        else:
            todo.append(job)
    if todo:
        results = _run_parallel(todo, build_dir, out_dir, workers or os.cpu_count() or 1, fresh)
        for job in todo:
            ok, payload = results[job.stem]
            if ok:
                outputs = sorted(Path(str(p)).name for p in dict(payload).values())  # type: ignore[call-overload]
                manifest[job.stem] = {"key": keys[job.stem], "title": job.title, "outputs": outputs, "job": asdict(job)}
                failures.pop(job.stem, None)
                run.built.append(job.stem)
            else:  # its previous version is out of date: not left looking current
                _unpublish(out_dir, job.stem, manifest.pop(job.stem, None), notebook=False)
                failures[job.stem] = {"title": job.title, "error": str(payload)}
                run.failed[job.stem] = str(payload)
    _write(out_dir / MANIFEST, json.dumps({"version": 1, "reports": manifest, "failed": failures},
                                          sort_keys=True, ensure_ascii=False, indent=1))
    failed = {stem: str(entry.get("error", "")) for stem, entry in failures.items()}
    write_failures(out_dir, failed, {stem: str(entry.get("title", stem)) for stem, entry in failures.items()},
                   earlier=set(failed) - set(run.failed))
    write_index(out_dir, data_dir, manifest, failed)
    return run
