"""Pipeline: input files → validated output tables, one document at a time.

Takes paths (files and/or folders) and gives the published tables — ``documents``,
``tables``, ``line_items``, ``facts``, ``indicators``, ``indicator_sources``, ``findings`` (the audit, :mod:`budgetlib.checks`) and ``errors`` —
as polars frames validated by :mod:`budgetlib.schemas`, and writes them (Parquet, plus
``indicators.csv`` and ``errors.csv``) as a set: all replace the published files together, or none does
(the output folder is locked while a run writes there).

Data flows one way: bytes → :mod:`documents` (text, PDF, scanned PDF by OCR, DOCX, XLSX, HTML;
each line keeps its location) → :mod:`tables` / :mod:`narrative` / :mod:`metadata` →
:mod:`indicators`. A file that cannot be read, or is not a disclosure, becomes one row of
``errors`` (file, stage, reason) and the batch goes on.

Memory: every ``CHUNK_DOCUMENTS`` documents the rows read so far are packed into typed frames,
validated and audited, so a batch never holds a Python dict per figure of all its documents.
:func:`ingest` keeps the frames in memory; :func:`ingest_to_folder` (what ``budgetlib ingest``
runs) writes each chunk to disk at once, so its memory does not grow with the batch.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import re
import shutil
import stat
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from budgetlib import engines, schemas
from budgetlib import indicators as ind
from budgetlib.checks import run_checks
from budgetlib.documents import LoadedDocument, ReadSettings, load_document
from budgetlib.metadata import extract_metadata, is_disclosure
from budgetlib.narrative import extract_facts
from budgetlib.panel import build_panel
from budgetlib.read import DecodeError, Line, to_rows
from budgetlib.tables import Table, find_tables, line_items

__all__ = ["IngestError", "DocumentResult", "Outputs", "discover", "discover_named", "process_bytes", "ingest", "ingest_to_folder", "read_chunk", "write_outputs", "audit_folder", "process_path", "max_file_bytes"]

OUTPUT_TABLES = ("documents", "tables", "line_items", "facts", "indicators", "indicator_sources", "findings",
                 "panel", "panel_duplicates", "errors")
#: documents read before their rows are packed into frames (bounds the memory of a batch)
CHUNK_DOCUMENTS = 100
#: the widest table read (disclosure tables have a few dozen columns; as wide as the office and
#: web-page readers let a table be, see _refuse_wide_tables)
MAX_TABLE_COLUMNS = 1000
_PER_DOCUMENT = ("documents", "tables", "line_items", "facts", "indicators", "indicator_sources")
#: the tables read chunk by chunk (the panel is built from the whole batch's indicators)
_CHUNKED = (*_PER_DOCUMENT, "errors", "findings")
#: tables also written as CSV
_CSV_TABLES = ("indicators", "findings", "errors")


class IngestError(Exception):
    """A file that cannot be ingested; ``stage`` says where it failed."""

    def __init__(self, stage: str, message: str) -> None:
        super().__init__(message)
        self.stage = stage
        self.message = message

    def __reduce__(self) -> tuple[type[IngestError], tuple[str, str]]:
        # picklable with both arguments: the dask engine sends errors between processes
        return (IngestError, (self.stage, self.message))


@dataclass(slots=True)
class DocumentResult:
    """Everything read from one document, as rows of the published tables."""

    document: dict[str, object]
    tables: list[dict[str, object]] = field(default_factory=list)
    line_items: list[dict[str, object]] = field(default_factory=list)
    facts: list[dict[str, object]] = field(default_factory=list)
    indicators: dict[str, object] = field(default_factory=dict)
    indicator_sources: list[dict[str, object]] = field(default_factory=list)


@dataclass(slots=True)
class Outputs:
    """The validated output frames of a batch."""

    frames: dict[str, pl.DataFrame]

    @property
    def errors(self) -> pl.DataFrame:
        return self.frames["errors"]


#: notes kept beside the documents (where they came from), not documents: skipped in folders
_FOLDER_NOTES = re.compile(r"^(?:README|SOURCES|LICEN[CS]E|CHANGELOG)(?:\.(?:md|txt|rst))?$", re.IGNORECASE)
#: files that Windows or an office suite leaves beside documents — hidden where they were made,
#: never disclosures: skipped in folders (a file named explicitly is still read) and counted,
#: so ingest can say what it left out. Pattern (case-insensitive) → what they are.
SYSTEM_FILES = {
    # Word/Excel/WPS write "~$name.docx" (owner name, binary) beside a document while it is open
    r"~\$.*": "Office lock files (~$…)",
    # Windows Explorer's thumbnail caches (OLE binaries)
    r"(?:ehthumbs|Thumbs)\.db": "Thumbs.db",
    # Windows Explorer's folder settings (icon, view)
    r"desktop\.ini": "desktop.ini",
}


def discover(paths: Iterable[Path | str]) -> list[Path]:
    """Files named, and every entry below folders named, sorted (see :func:`discover_named`)."""
    return [path for path, _ in discover_named(paths)]


def discover_named(paths: Iterable[Path | str], exclude: Iterable[Path] = (),
                   skipped: Counter[str] | None = None) -> list[tuple[Path, str]]:
    """``(path, source_file)`` for the files named and every entry below the folders named,
    sorted by name. ``source_file`` is the path below the folder given (``c/report.txt``), so
    two files of one name in two folders stay apart, with any bytes that are not UTF-8
    written as ``\\xd5`` (names that still read alike get a short hash, see :func:`_apart`).
    Inside folders, hidden entries, the folder's own notes (README.md, SOURCES.md, LICENSE)
    and :data:`SYSTEM_FILES` are skipped — the latter counted by kind into ``skipped`` when
    given; a file named explicitly is always read.
    Entries that are not regular files (pipes, broken links, links to folders, folders that
    cannot be listed) are kept, so that reading them reports why they were not read. Folders
    in ``exclude`` (the output folder, when it lies inside an input folder) are not entered."""
    found: dict[Path, str] = {}
    seen: set[str] = set()  # real paths: a file named twice (relative and absolute, by name and in its folder) is read once

    def add(path: Path, name: str) -> None:
        real = os.path.realpath(path)
        if real not in seen:
            seen.add(real)
            found[path] = name

    skip = frozenset(path.resolve() for path in exclude)
    for p in map(Path, paths):
        if not p.is_dir():
            add(p, _display_name(p.name))
            continue
        for path in _walk(p, skip, skipped):
            add(path, _display_name(path.relative_to(p).as_posix() if path != p else p.name))
    return sorted(_apart(found).items(), key=lambda item: (item[0].name, str(item[0])))


def _apart(found: dict[Path, str]) -> dict[Path, str]:
    """Names that two files share (report.txt in two folders given) become the files' paths
    below the folder they have in common (a/report.txt, b/report.txt), until no two files
    share a name (a new name may be one another file already has). Names that read alike
    however long (a literal ``a\\xd5.txt`` and one with the byte 0xd5) get the first 8 hex
    digits of the SHA-256 of their path's bytes below the folder they share (:func:`_tagged`)."""
    names = dict(found)
    for _ in range(64):
        shared = {name for name, n in Counter(names.values()).items() if n > 1}
        if not shared:
            return names
        clashing = [path.absolute() for path, name in names.items() if name in shared]
        root = Path(os.path.commonpath([str(path.parent) for path in clashing]))
        wider = {path: _display_name(path.absolute().relative_to(root).as_posix()) if name in shared else name
                 for path, name in names.items()}
        if wider == names:  # no longer path tells them apart: their bytes do
            wider = {path: _tagged(name, path.absolute().relative_to(root)) if name in shared else name
                     for path, name in names.items()}
        names = wider
    return {path: _tagged(_display_name(path.absolute().as_posix()), path.absolute()) for path in names}  # adversarial names only


def _tagged(name: str, path: Path) -> str:
    """``name`` with a short hash of ``path``'s bytes, for names that read alike.

    >>> _tagged("a.txt", Path("a.txt"))
    'a.txt [18b7cb09]'
    """
    return f"{name} [{hashlib.sha256(os.fsencode(path)).hexdigest()[:8]}]"


def _walk(folder: Path, skip: frozenset[Path] = frozenset(), skipped: Counter[str] | None = None) -> Iterator[Path]:
    """Every entry below ``folder`` that is not a folder it can descend into; links to folders
    are not followed (no loops), folders in ``skip`` (resolved) are left out, and a folder
    that cannot be listed is itself returned. :data:`SYSTEM_FILES` are left out and counted
    by kind into ``skipped``."""
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        yield folder
        return
    for entry in entries:
        if entry.name.startswith(".") or _FOLDER_NOTES.match(entry.name):
            continue
        if entry.is_dir(follow_symlinks=False):
            if skip and Path(entry.path).resolve() in skip:
                continue
            yield from _walk(Path(entry.path), skip, skipped)
            continue
        kind = _system_file(entry.name)
        if kind is None:
            yield Path(entry.path)
        elif skipped is not None:
            skipped[kind] += 1


def _system_file(name: str) -> str | None:
    """Which of :data:`SYSTEM_FILES` ``name`` is, or ``None``.

    >>> _system_file("~$report.docx"), _system_file("THUMBS.DB"), _system_file("report.docx")
    ('Office lock files (~$…)', 'Thumbs.db', None)
    """
    return next((kind for pattern, kind in SYSTEM_FILES.items() if re.fullmatch(pattern, name, re.IGNORECASE)), None)


def _display_name(name: str) -> str:
    """A file name as text: bytes that are not UTF-8 (a name written on a GBK system) as ``\\xd5``.

    >>> _display_name(os.fsdecode(b"a\\xd5\\xfd.txt"))
    'a\\\\xd5\\\\xfd.txt'
    """
    return os.fsencode(name).decode("utf-8", errors="backslashreplace")


def _not_readable(path: Path) -> str | None:
    """Why ``path`` is not a file ingest reads (``None`` when it is a regular file)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return f"a broken link (to {os.readlink(path)}, which does not exist)" if path.is_symlink() else "no such file"
    except OSError as exc:
        return f"cannot open the file: {exc.strerror or exc}"
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        try:
            os.scandir(path).close()
        except OSError as exc:
            return f"cannot list the folder: {exc.strerror or exc}"
        return "a link to a folder, not followed (name the folder itself to read it)"
    kind = "a pipe" if stat.S_ISFIFO(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket or other special file"
    return f"not a regular file ({kind}): only files are read"


def _default_unit(units: Iterable[str | None]) -> str:
    declared = Counter(u for u in units if u)
    return declared.most_common(1)[0][0] if declared else "万元"


def process_bytes(data: bytes, source_file: str, settings: ReadSettings | None = None) -> DocumentResult:
    """Read one document's bytes (pure: no I/O). Raises :class:`IngestError`."""
    if not data.strip():
        raise IngestError("read", "the file is empty")
    try:
        doc = load_document(data, settings)
    except DecodeError as exc:
        raise IngestError("read", str(exc)) from exc
    lines = doc.lines
    rows = to_rows(lines)
    found = find_tables(rows)
    _refuse_wide_tables(found)
    if not found and not is_disclosure(lines):
        how = " (read by OCR: the PDF has no text layer)" if doc.ocr_lines else ""
        raise IngestError("recognise", f"not a budget or final-accounts disclosure{how}: no standard table and no disclosure title found")
    meta = extract_metadata(lines)
    sha = hashlib.sha256(data).hexdigest()
    doc_id = sha[:16]
    base = {"doc_id": doc_id, "source_file": source_file}
    default_unit = _default_unit(t.unit for t in found)

    result = DocumentResult(document={})
    all_items = []
    for table in found:
        items = line_items(table, meta.doc_kind, default_unit, meta.year)
        all_items.extend(items)
        result.tables.append({
            **base, "table_id": table.table_id, "table_name_zh": table.spec.name_zh, "table_title": table.title,
            "title_line": table.title_line, "last_line": table.last_line, "table_unit": table.unit,
            "unit_line": table.unit_line, "continued": table.continued, "n_rows": len(table.rows),
            "is_empty": not any(i.value is not None for i in items),
            "notes": "\n".join(" ".join(c for c in n.cells if c.strip()) for n in table.notes) or None,
        })
        result.line_items.extend({**base, **i.as_row(), **_source(doc, i.line_no)} for i in items)
    facts = extract_facts(lines, meta.year)
    result.facts = [
        {**base, "fact_name": f.name, "value": f.value, "unit": f.unit, "original": f.original, "line_no": f.line_no,
         **_source(doc, f.line_no), "sentence": f.sentence, "qualifier": f.qualifier or None, "text": f.text}
        for f in facts
    ]
    values, sources = ind.compute(all_items, facts, meta.doc_kind)
    meta_row = {"unit_name": meta.unit_name, "province": meta.province, "city": meta.city, "county": meta.county,
                "adcode": meta.adcode, "doc_kind": meta.doc_kind, "year": meta.year}
    result.indicators = ind.extend({**base, **meta_row, **values}, meta.year, meta.province)
    result.indicator_sources = [
        {**base, "indicator": r.indicator, "value": r.value, "source_kind": r.source_kind, "source_ref": r.source_ref,
         "line_no": r.line_no, "original": r.original, "precision": r.precision, "chosen": chosen, "agreeing": agreeing}
        for r, chosen, agreeing in sources
    ]
    result.document = {
        **base, "source_sha256": sha, "source_format": doc.source_format, "encoding": doc.encoding, **meta_row, "n_lines": len(lines),
        "n_tables": len(found), "n_line_items": len(all_items), "n_facts": len(facts),
    }
    return result


def _refuse_wide_tables(found: Iterable[Table]) -> None:
    """A table wider than :data:`MAX_TABLE_COLUMNS` is no disclosure table (they have a few
    dozen columns at most), and reading it costs time that grows with the square of its width."""
    for table in found:
        width = max((len(r.cells) for r in table.rows), default=0)
        if width > MAX_TABLE_COLUMNS:
            raise IngestError("parse", f"the table “{table.title}” (line {table.title_line}) has {width} columns, more than the "
                                       f"{MAX_TABLE_COLUMNS} a disclosure table can have: the document is not read")


def _source(doc: LoadedDocument, line_no: int) -> dict[str, object]:
    """Where a figure came from: its line's text, its location in the original, whether OCR read it."""
    return {"line_text": _line_text(doc.lines, line_no), "location": doc.location(line_no), "ocr": doc.is_ocr(line_no)}


def _line_text(lines: list[Line], line_no: int) -> str:
    """The source line (1-based) as read, for evidence."""
    return lines[line_no - 1].text if 0 < line_no <= len(lines) else ""


def max_file_bytes() -> int:
    """The largest file ingest reads (``BUDGETLIB_MAX_FILE_MB``, default 64 MB): a disclosure is
    a few MB at most, and memory must stay bounded whatever lands in data/raw."""
    return int(float(os.environ.get("BUDGETLIB_MAX_FILE_MB", "64")) * 1024 * 1024)


def process_path(path: Path, settings: ReadSettings | None = None, name: str | None = None) -> DocumentResult | IngestError:
    """Read one file (its ``source_file`` is ``name``, by default its file name); every failure
    becomes an :class:`IngestError` naming the problem. Only regular files are read, and no
    more than :func:`max_file_bytes` of them."""
    problem = _not_readable(path)
    if problem:
        return IngestError("read", problem)
    limit = max_file_bytes()
    try:
        size = path.stat().st_size
        data = b""
        if size <= limit:
            with path.open("rb") as f:
                data = f.read(limit + 1)  # no more than the limit, even from a file that grows
    except OSError as exc:
        return IngestError("read", f"cannot open the file: {exc.strerror or exc}")
    if size > limit or len(data) > limit:
        size = max(size, len(data))
        return IngestError("read", f"the file is {size / 1024 / 1024:.0f} MB, more than the {limit // 1024 // 1024} MB "
                                   "a disclosure can be (set BUDGETLIB_MAX_FILE_MB to read it anyway)")
    try:
        return process_bytes(data, name or _display_name(path.name), settings)
    except IngestError as exc:
        return exc
    except Exception as exc:  # one bad document never stops a batch
        return IngestError("parse", f"unexpected {type(exc).__name__}: {exc}")


def read_chunk(files: Sequence[tuple[Path, str]], settings: ReadSettings | None = None) -> dict[str, pl.DataFrame]:
    """Read a chunk of ``(path, source_file)`` → its validated, audited frames: the per-document tables,
    ``errors`` and ``findings``. Pure per chunk, so it runs wherever the engine puts it, and
    only compact frames travel back (never a dict per figure).

    The schemas are checked for the whole chunk at once; when that fails, each document is
    checked alone, and one whose rows break them (a year the schema does not allow …) becomes
    a row of ``errors`` (stage ``validate``), so the rest of the chunk is kept. ``errors`` is
    in the order of ``files``, whatever the stage, so chunks of any size give the same rows."""
    results: dict[int, DocumentResult] = {}
    errors: dict[int, dict[str, object]] = {}  # by the file's position in the chunk
    for i, (path, name) in enumerate(files):
        result = process_path(path, settings, name)
        if isinstance(result, IngestError):
            errors[i] = {"source_file": name, "stage": result.stage, "message": result.message}
        else:
            results[i] = result
    try:
        chunk = _validated(list(results.values()), _by_position(errors))
    except Exception:  # noqa: BLE001 — find the documents to blame, one by one
        kept = []
        for i, result in results.items():
            try:
                _validated([result], [])
            except Exception as exc:  # noqa: BLE001
                errors[i] = {"source_file": result.document["source_file"], "stage": "validate",
                             "message": _schema_problem(exc)}
            else:
                kept.append(result)
        chunk = _validated(kept, _by_position(errors))
    chunk["findings"] = schemas.validate("findings", run_checks(chunk))
    return chunk


def _by_position(rows: dict[int, dict[str, object]]) -> list[dict[str, object]]:
    """Rows keyed by position, in the order of their positions.

    >>> _by_position({2: {"f": "c"}, 0: {"f": "a"}})
    [{'f': 'a'}, {'f': 'c'}]
    """
    return [rows[i] for i in sorted(rows)]


def _lost_chunk(files: Sequence[tuple[Path, str]], reason: str) -> dict[str, pl.DataFrame]:
    """The frames of a chunk whose worker died reading it (the dask engine): a row of ``errors``
    per file, nothing else."""
    message = f"the worker reading it died ({reason}): a crash in a reader, or more memory than a worker may use"
    errors: list[dict[str, object]] = [{"source_file": name, "stage": "read", "message": message} for _, name in files]
    return {**_validated([], errors), "findings": schemas.empty_frame("findings")}


def _one_by_one(files: Sequence[tuple[Path, str]]) -> list[list[tuple[Path, str]]]:
    """A chunk split into chunks of one file (to find the file that killed a worker)."""
    return [[file] for file in files]


def _joined(chunks: Sequence[dict[str, pl.DataFrame]]) -> dict[str, pl.DataFrame]:
    """:func:`read_chunk` frames of consecutive chunks as the frames of one chunk."""
    return {name: pl.concat([chunk[name] for chunk in chunks]) for name in chunks[0]}


#: a chunk whose worker died is read again file by file; the file that kills it becomes an error
_WHEN_LOST: engines.WhenLost[Sequence[tuple[Path, str]], dict[str, pl.DataFrame]] = engines.WhenLost(
    split=_one_by_one, join=_joined, failed=_lost_chunk)


def _validated(results: Sequence[DocumentResult], errors: list[dict[str, object]]) -> dict[str, pl.DataFrame]:
    """The per-document tables and ``errors`` of ``results`` as frames checked by their schemas."""
    rows: dict[str, list[dict[str, object]]] = {name: [] for name in _PER_DOCUMENT}
    for result in results:
        rows["documents"].append(result.document)
        rows["tables"].extend(result.tables)
        rows["line_items"].extend(result.line_items)
        rows["facts"].extend(result.facts)
        rows["indicators"].append(result.indicators)
        rows["indicator_sources"].extend(result.indicator_sources)
    rows["errors"] = errors
    return {name: schemas.validate(name, schemas.frame(name, table_rows)) for name, table_rows in rows.items()}


def _schema_problem(exc: Exception) -> str:
    """What in a document's rows breaks the output schemas, in words."""
    cases = getattr(exc, "failure_cases", None)
    if isinstance(cases, pl.DataFrame) and {"column", "check", "failure_case"} <= set(cases.columns):
        found = "; ".join(dict.fromkeys(f"{row['column']} {row['failure_case']} fails {row['check']}"
                                        for row in cases.head(5).iter_rows(named=True)))
        return f"the figures read do not fit the output tables: {found}"
    return f"the figures read do not fit the output tables: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"


def _chunks(files: Sequence[tuple[Path, str]], settings: ReadSettings | None,
            runner: engines.Runner) -> Iterator[dict[str, pl.DataFrame]]:
    """The batch of ``(path, source_file)`` as :func:`read_chunk` frames, ``CHUNK_DOCUMENTS``
    files at a time, in order: memory holds a chunk's rows, never a dict per figure of the
    whole batch. Paths go to the engine absolute (a Dask worker has its own working folder);
    a chunk whose worker died is read again file by file (:data:`_WHEN_LOST`)."""
    files = [(path.absolute(), name) for path, name in files]
    chunks = [files[i:i + CHUNK_DOCUMENTS] for i in range(0, len(files), CHUNK_DOCUMENTS)]
    work = functools.partial(read_chunk, settings=settings)
    for _, frames in runner(chunks, work, _WHEN_LOST):
        yield frames


def ingest(paths: Iterable[Path | str], settings: ReadSettings | None = None, *, engine: str = "local",
           scheduler: str | None = None) -> Outputs:
    """Ingest every file found under ``paths`` into frames in memory; bad files become rows of
    ``errors``. For batches larger than memory, :func:`ingest_to_folder` writes the same tables
    chunk by chunk.

    ``settings`` says how documents are read (OCR of scanned PDFs on or off, PDF backend …).
    ``engine`` is where the per-file work runs: ``local`` (this process) or ``dask`` (a Dask
    cluster: a LocalCluster, or the ``scheduler`` address given); the outputs are the same.
    """
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in _CHUNKED}
    with engines.connect(engine, scheduler) as runner:
        for chunk in _chunks(discover_named(paths), settings, runner):
            for name in _CHUNKED:
                parts[name].append(chunk[name])
    frames = {name: pl.concat(parts[name]) if parts[name] else schemas.empty_frame(name) for name in _CHUNKED}
    frames["panel"], frames["panel_duplicates"] = build_panel(frames["indicators"])
    return Outputs({name: frames[name] for name in OUTPUT_TABLES})


#: the hidden file a run holds locked in its output folder while it writes there (removed at the end)
_LOCK_FILE = ".budgetlib.lock"
#: the prefix of the hidden folder a run writes its outputs into before publishing them
_STAGING_PREFIX = ".staging-"


@contextlib.contextmanager
def _staged(out_dir: Path) -> Iterator[Path]:
    """A hidden folder inside ``out_dir`` to write a set of outputs into, with ``out_dir``
    locked (:func:`_locked`) for the whole block. When the block ends normally, its files
    replace the published ones as a set (:func:`_publish`); when it fails, they are removed
    and the published files stay as they were. Staging folders that runs no longer alive left
    behind (killed by SIGKILL, a power cut) are removed first: no live run holds the lock."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with _locked(out_dir) as held:
        if held:
            _remove_stale_stages(out_dir)
        stage = Path(tempfile.mkdtemp(prefix=_STAGING_PREFIX, dir=out_dir))
        try:
            yield stage
            _publish(stage, out_dir)
        finally:
            shutil.rmtree(stage, ignore_errors=True)


@contextlib.contextmanager
def _locked(out_dir: Path) -> Iterator[bool]:
    """Hold the lock of ``out_dir``: an exclusive ``flock`` on a hidden file, which the system
    releases when the process ends however it ends. Gives ``False`` (no lock, nothing refused)
    on a file system that cannot lock.

    Raises:
        OutputFolderBusy: another run holds it.
    """
    path = out_dir / _LOCK_FILE
    fd = _lock(path)
    while fd is not None and not _is_file_at(fd, path):
        os.close(fd)  # locked a lock file that the run which held it had just removed: lock the new one
        fd = _lock(path)
    if fd is None:  # no locks on this file system
        yield False
        return
    try:
        yield True
    finally:
        path.unlink(missing_ok=True)  # before the lock is released, so no run locks a removed file
        os.close(fd)


def _lock(path: Path) -> int | None:
    """The lock file at ``path`` opened (created if need be) and locked; ``None`` when the
    file system or the platform (no ``fcntl``) cannot lock.

    Raises:
        OutputFolderBusy: another process holds the lock.
    """
    try:
        import fcntl  # POSIX only: elsewhere (Windows) the folder is not locked
    except ImportError:
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise OutputFolderBusy(f"{path.parent}: another budgetlib run is writing there; wait for it to end, "
                               "or write to another folder") from None
    except OSError:
        os.close(fd)
        return None
    return fd


def _is_file_at(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is the file at ``path`` now (not one removed since)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except FileNotFoundError:
        return False


def _remove_stale_stages(out_dir: Path) -> None:
    """Remove the staging folders in ``out_dir`` (call with its lock held: they are dead runs')."""
    for stage in out_dir.glob(f"{_STAGING_PREFIX}*"):
        if stage.is_dir() and not stage.is_symlink():
            shutil.rmtree(stage, ignore_errors=True)


def _publish(stage: Path, out_dir: Path) -> None:
    """Move every file of ``stage`` into ``out_dir``, as a set: each published file replaced is
    first moved aside (inside ``stage``); when a move fails (or the run is interrupted), the new
    files are taken out again and the old ones put back, so ``out_dir`` holds the new set or
    the old one, never a mix. The old files go when ``stage`` is removed."""
    new = sorted(stage.iterdir())
    aside = stage / ".previous"
    aside.mkdir()
    moved: list[tuple[Path, Path | None]] = []  # (published path, the old file moved aside, if any)
    try:
        for path in new:
            target = out_dir / path.name
            old = aside / path.name if os.path.lexists(target) else None
            if old is not None:
                os.replace(target, old)
            moved.append((target, old))
            os.replace(path, target)
    except BaseException:
        for target, old in reversed(moved):
            with contextlib.suppress(OSError):
                if old is None:
                    target.unlink(missing_ok=True)
                else:
                    os.replace(old, target)
        raise


def _write_table(stage: Path, name: str, frame: pl.DataFrame | pl.LazyFrame) -> list[str]:
    """``name``.parquet (and ``name``.csv for the tables researchers open in a spreadsheet)
    into ``stage``; a lazy frame is streamed to disk, never collected whole. Gives the names."""
    lazy = frame.lazy()
    names = [f"{name}.parquet"]
    lazy.sink_parquet(stage / names[0], statistics=False)  # no statistics: no writer-dependent bytes in data files
    if name in _CSV_TABLES:
        names.append(f"{name}.csv")
        lazy.sink_csv(stage / names[1])
    return names


def write_outputs(outputs: Outputs, out_dir: Path) -> list[Path]:
    """Write every table as Parquet, plus indicators.csv, findings.csv and errors.csv; they
    replace the published files together, or (on failure) not at all."""
    with _staged(out_dir) as stage:
        names = [n for name, frame in outputs.frames.items() for n in _write_table(stage, name, frame)]
    return [out_dir / n for n in names]


class OutputFolderError(ValueError):
    """The output folder cannot take the outputs: it is a file, one of the input folders, or
    another run is writing there."""


class OutputFolderBusy(OutputFolderError):
    """Another run (ingest, audit, panel) is writing to the output folder: two runs would mix
    their outputs."""


class NothingToRead(ValueError):
    """An input named does not exist, or the inputs hold no file: the published outputs are
    left as they are (a mistyped folder would replace them with an empty set)."""


def _files_to_read(paths: Sequence[Path | str], out_dir: Path, skipped: Counter[str] | None = None) -> list[tuple[Path, str]]:
    missing = [str(p) for p in paths if not os.path.lexists(p)]
    if missing:
        raise NothingToRead(f"{', '.join(missing)}: does not exist; the outputs in {out_dir} are left as they were")
    files = discover_named(paths, exclude=(out_dir,), skipped=skipped)
    if not files:
        raise NothingToRead(f"no files in {', '.join(map(str, paths))}; the outputs in {out_dir} are left as they were")
    return files


def _check_out_dir(paths: Sequence[Path | str], out_dir: Path) -> None:
    if out_dir.exists() and not out_dir.is_dir():
        raise OutputFolderError(f"{out_dir}: not a folder (a file of that name is there)")
    target = out_dir.resolve()
    if any(Path(p).is_dir() and Path(p).resolve() == target for p in paths):
        raise OutputFolderError(f"{out_dir} is an input folder: its outputs would be read back as documents "
                                "on the next run — write them to another folder")


def ingest_to_folder(paths: Iterable[Path | str], out_dir: Path, settings: ReadSettings | None = None, *,
                     engine: str = "local", scheduler: str | None = None,
                     skipped: Counter[str] | None = None) -> list[Path]:
    """:func:`ingest` and :func:`write_outputs` in bounded memory, for batches of any size.

    Each chunk of ``CHUNK_DOCUMENTS`` documents is written to a Parquet part in a hidden
    folder inside ``out_dir`` as soon as it is read and audited; at the end the parts are
    streamed into the published files (same tables, same rows, same order as
    :func:`write_outputs`) and removed. Only the panel, one row per document, is built in
    memory. The published files are replaced together when all are written: an interrupted
    run leaves them as they were. An ``out_dir`` inside an input folder is not read as input.
    ``out_dir`` is locked while the run writes there. The system files skipped in folders
    (:data:`SYSTEM_FILES`) are counted by kind into ``skipped`` when given.

    Raises:
        OutputFolderError: ``out_dir`` is a file, is itself one of the input folders, or
            another run is writing there (:class:`OutputFolderBusy`).
        NothingToRead: an input does not exist, or the inputs hold no file (nothing is written).
        engines.EngineError: an unknown engine, or a scheduler that cannot be reached (nothing is written).
    """
    paths = list(paths)
    _check_out_dir(paths, out_dir)
    files = _files_to_read(paths, out_dir, skipped)
    with engines.connect(engine, scheduler) as runner, _staged(out_dir) as stage:
        parts_dir = stage / "parts"
        parts_dir.mkdir()
        parts: dict[str, list[Path]] = {name: [] for name in _CHUNKED}
        for i, chunk in enumerate(_chunks(files, settings, runner)):
            for name in _CHUNKED:
                if chunk[name].height:
                    parts[name].append(parts_dir / f"{name}.{i:06d}.parquet")
                    chunk[name].write_parquet(parts[name][-1], statistics=False)
        names = []
        for name in _CHUNKED:
            merged = pl.scan_parquet(parts[name], schema=schemas.empty_frame(name).schema) if parts[name] else schemas.empty_frame(name)
            names += _write_table(stage, name, merged)
        panel, duplicates = build_panel(pl.read_parquet(stage / "indicators.parquet"))  # validated chunk by chunk
        names += _write_table(stage, "panel", panel) + _write_table(stage, "panel_duplicates", duplicates)
        shutil.rmtree(parts_dir)
    return [out_dir / n for n in names]


def audit_folder(folder: Path) -> pl.DataFrame:
    """Re-run the audit on a folder written by :func:`write_outputs`; rewrites its findings."""
    frames = {}
    for name in _PER_DOCUMENT:
        path = folder / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: not found — run `budgetlib ingest … --out {folder}` first")
        frames[name] = schemas.validate(name, pl.read_parquet(path))
    findings = run_checks(frames)
    with _staged(folder) as stage:
        _write_table(stage, "findings", findings)
    return findings


def panel_from_folders(folders: Iterable[Path]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Build the panel from the ``indicators.parquet`` of one or more ingest output folders."""
    frames = []
    for folder in folders:
        path = Path(folder) / "indicators.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path}: not found — run `budgetlib ingest … --out {folder}` first")
        frames.append(schemas.validate("indicators", pl.read_parquet(path)))
    return build_panel(pl.concat(frames) if frames else schemas.empty_frame("indicators"))


def write_panel(panel: pl.DataFrame, duplicates: pl.DataFrame, out_dir: Path) -> list[Path]:
    """Write panel.parquet and panel_duplicates.parquet, together or (on failure) not at all."""
    with _staged(out_dir) as stage:
        names = _write_table(stage, "panel", panel) + _write_table(stage, "panel_duplicates", duplicates)
    return [out_dir / n for n in names]
