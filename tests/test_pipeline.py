"""Pipeline and CLI: bad input gets a clear error, the batch goes on, nothing becomes 0."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from budgetlib.cli import app
from budgetlib.pipeline import IngestError, discover, discover_named, ingest, process_bytes

from .conftest import RAW, text_samples

runner = CliRunner()

BAD = {
    "empty.txt": b"",
    "blank.txt": b"  \n\n\t\n",
    "fake.pdf.txt": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj",
    "binary.txt": bytes(range(256)) * 40,
    "novel.txt": "从前有座山，山里有座庙，庙里有个老和尚在给小和尚讲故事。\n".encode() * 20,
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_raise_a_clear_error(name: str) -> None:
    with pytest.raises(IngestError) as info:
        process_bytes(BAD[name], name)
    assert info.value.message
    assert info.value.stage in {"read", "recognise", "parse"}


def test_a_bad_file_never_stops_the_batch(tmp_path: Path) -> None:
    good = text_samples()[0]
    shutil.copy(RAW / good, tmp_path / good)
    for name, data in BAD.items():
        (tmp_path / name).write_bytes(data)
    outputs = ingest([tmp_path])
    assert outputs.frames["indicators"]["source_file"].to_list() == [good]
    errors = outputs.errors
    assert sorted(errors["source_file"].to_list()) == sorted(BAD)
    assert all(msg for msg in errors["message"].to_list())


def test_cli_exit_status_and_stderr(tmp_path: Path) -> None:
    good = text_samples()[0]
    shutil.copy(RAW / good, tmp_path / good)
    (tmp_path / "empty.txt").write_bytes(b"")
    result = runner.invoke(app, ["ingest", str(tmp_path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "empty.txt" in result.stderr and "the file is empty" in result.stderr
    errors = pl.read_csv(tmp_path / "out" / "errors.csv")
    assert errors["source_file"].to_list() == ["empty.txt"]
    ok = runner.invoke(app, ["ingest", str(RAW / good), "--out", str(tmp_path / "out2")])
    assert ok.exit_code == 0


def test_missing_file_is_an_error_not_a_crash(tmp_path: Path) -> None:
    outputs = ingest([tmp_path / "does-not-exist.txt"])
    assert outputs.errors["stage"].to_list() == ["read"]


def test_undisclosed_figures_are_blank_not_zero() -> None:
    result = process_bytes((RAW / "xixiang_2024_budget.txt").read_bytes(), "x.txt")
    assert result.indicators["insured_residents"] is None
    assert result.indicators["resident_subsidy"] is None
    assert result.indicators["org_running_cost"] is None


def test_reruns_are_byte_identical(tmp_path: Path) -> None:
    from budgetlib.pipeline import write_outputs

    a, b = tmp_path / "a", tmp_path / "b"
    write_outputs(ingest([RAW]), a)
    write_outputs(ingest([RAW]), b)
    for f in sorted(a.iterdir()):
        assert f.read_bytes() == (b / f.name).read_bytes(), f.name


def test_discover_walks_folders_and_skips_hidden(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.txt").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    assert [p.name for p in discover([tmp_path])] == ["a.txt", "b.txt"]


def test_every_line_item_keeps_its_source_line() -> None:
    name = "yuanshi_2023_budget.txt"
    lines = (RAW / name).read_text(encoding="utf-8").splitlines()
    result = process_bytes((RAW / name).read_bytes(), name)
    for item in result.line_items:
        original = str(item["value_original"]).replace(" ", "")
        assert original in lines[int(item["line_no"]) - 1].replace(" ", ""), item  # type: ignore[arg-type]


def test_help_reads_well() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    assert "ingest" in result.output and "dictionary" in result.output
    result = runner.invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0 and "--out" in result.output


def test_chunked_ingest_gives_the_same_outputs(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows are packed into frames every CHUNK_DOCUMENTS documents (bounded memory): the
    outputs must not depend on where the chunks fall."""
    import budgetlib.pipeline as pipeline

    files = sorted(RAW.glob("*.txt"))
    whole = ingest(files)
    monkeypatch.setattr(pipeline, "CHUNK_DOCUMENTS", 2)
    chunked = ingest(files)
    for name, frame in whole.frames.items():
        assert frame.equals(chunked.frames[name]), name


def test_ingest_to_folder_writes_what_ingest_writes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The bounded-memory path (a Parquet part per chunk, streamed together at the end) publishes
    the same bytes as ingesting in memory, wherever the chunks fall, and leaves no parts behind."""
    import budgetlib.pipeline as pipeline

    (tmp_path / "raw").mkdir()
    for name in text_samples():
        shutil.copy(RAW / name, tmp_path / "raw" / name)
    (tmp_path / "raw" / "empty.txt").write_bytes(b"")
    pipeline.write_outputs(ingest([tmp_path / "raw"]), tmp_path / "memory")
    monkeypatch.setattr(pipeline, "CHUNK_DOCUMENTS", 2)
    written = pipeline.ingest_to_folder([tmp_path / "raw"], tmp_path / "folder")
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == sorted(p.name for p in written)
    for path in (tmp_path / "memory").iterdir():
        assert path.read_bytes() == (tmp_path / "folder" / path.name).read_bytes(), path.name
    assert pl.read_parquet(tmp_path / "folder" / "errors.parquet")["source_file"].to_list() == ["empty.txt"]


def test_an_interrupted_ingest_leaves_the_published_files_as_they_were(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import budgetlib.pipeline as pipeline

    out = tmp_path / "out"
    pipeline.ingest_to_folder([RAW / text_samples()[0]], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    monkeypatch.setattr(pipeline, "CHUNK_DOCUMENTS", 1)
    calls = []
    audit = pipeline.run_checks

    def audit_then_fail(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
        calls.append(1)
        if len(calls) == 3:  # two chunks written as parts, the third interrupted
            assert len(list(out.glob(".staging-*/parts/*.parquet"))) > 0
            raise KeyboardInterrupt
        return audit(frames)

    monkeypatch.setattr(pipeline, "run_checks", audit_then_fail)
    with pytest.raises(KeyboardInterrupt):
        pipeline.ingest_to_folder([RAW], out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no half outputs, no parts left


def test_outputs_are_replaced_as_a_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A write that fails part-way (a full disk) leaves every published file as it was: the
    new set is written beside the old one and swapped in only when all of it is written."""
    import budgetlib.pipeline as pipeline

    out = tmp_path / "out"
    pipeline.ingest_to_folder([RAW / text_samples()[0]], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(pl.LazyFrame, "sink_csv", disk_full)
    with pytest.raises(OSError, match="No space left"):
        pipeline.ingest_to_folder([RAW], out)
    with pytest.raises(OSError, match="No space left"):
        pipeline.write_outputs(ingest([RAW]), out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_a_document_whose_rows_break_the_schema_does_not_stop_the_batch(tmp_path: Path) -> None:
    """The schema is checked a chunk at a time; one document titled 1985年 (outside the years
    the schema allows) made the whole chunk fail, and the batch with it."""
    good = "xixiang_2024_budget.txt"
    shutil.copy(RAW / good, tmp_path / good)
    (tmp_path / "old.txt").write_text((RAW / good).read_text(encoding="utf-8").replace("2024", "1985"), encoding="utf-8")
    outputs = ingest([tmp_path])
    assert outputs.frames["documents"]["source_file"].to_list() == [good]
    error = outputs.errors.row(0, named=True)
    assert error["source_file"] == "old.txt" and error["stage"] == "validate"
    assert "year" in error["message"] and "1985" in error["message"]


def test_the_same_file_named_twice_is_read_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``in/x.txt`` and its absolute path (or a folder and a file in it) are one file: read twice,
    every total of the audit counted each part twice (46 false errors)."""
    good = "xixiang_2024_budget.txt"
    (tmp_path / "in").mkdir()
    shutil.copy(RAW / good, tmp_path / "in" / good)
    monkeypatch.chdir(tmp_path)
    once = ingest([Path("in") / good])
    twice = ingest([Path("in") / good, (tmp_path / "in" / good).absolute(), Path("in")])
    assert twice.frames["documents"]["source_file"].to_list() == [good]
    assert twice.frames["findings"].height == once.frames["findings"].height


def test_two_files_never_share_a_source_file(tmp_path: Path) -> None:
    for sub in ("a/b", "b"):
        (tmp_path / sub).mkdir(parents=True)
    for k, path in enumerate(("a/report.txt", "a/b/report.txt", "b/report.txt")):
        (tmp_path / path).write_bytes(b" " * k)
    names = [name for _, name in discover_named([tmp_path / "a", tmp_path / "b"])]
    assert sorted(names) == ["a/b/report.txt", "a/report.txt", "b/report.txt"]


def test_an_output_folder_that_is_an_input_folder_is_refused(tmp_path: Path) -> None:
    """Its outputs would be read back as documents on the next run."""
    shutil.copy(RAW / "xixiang_2024_budget.txt", tmp_path)
    result = CliRunner().invoke(app, ["ingest", str(tmp_path), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "is an input folder" in result.stderr, result.output
    assert not (tmp_path / "documents.parquet").exists()


def test_an_output_folder_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    result = CliRunner().invoke(app, ["ingest", str(RAW / "xixiang_2024_budget.txt"), "--out", str(tmp_path / "afile")])
    assert result.exit_code == 2 and "afile" in result.stderr and "not a folder" in result.stderr, result.output


def test_control_characters_in_names_are_shown_escaped(tmp_path: Path) -> None:
    """A file name with ESC ] 0 (set the terminal's title) or ESC [ 2 J (clear the screen) must not
    reach the terminal as it is."""
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "b\x1b]0;x\x07\x1b[2J.txt").write_bytes(b"")
    result = CliRunner().invoke(app, ["ingest", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "the file is empty" in result.stderr, result.output
    assert "\x1b" not in result.stderr + result.stdout and "b\\x1b]0;x\\x07\\x1b[2J.txt" in result.stderr


@pytest.mark.parametrize("layout", ["missing", "empty"])
def test_a_mistyped_or_empty_input_folder_leaves_the_published_outputs_alone(tmp_path: Path, layout: str) -> None:
    """`budgetlib ingest data/raww` replaced last run's outputs with an empty set."""
    out = tmp_path / "out"
    good = tmp_path / "good"
    good.mkdir()
    shutil.copy(RAW / "xixiang_2024_budget.txt", good)
    assert CliRunner().invoke(app, ["ingest", str(good), "--out", str(out)]).exit_code == 0
    published = {p.name: p.read_bytes() for p in out.iterdir()}
    target = tmp_path / "raww"
    if layout == "empty":
        target.mkdir()
    result = CliRunner().invoke(app, ["ingest", str(target), "--out", str(out)])
    assert result.exit_code == 2 and "raww" in result.stderr, result.output
    assert ("does not exist" if layout == "missing" else "no files") in result.stderr
    assert {p.name: p.read_bytes() for p in out.iterdir()} == published


def test_dask_with_a_scheduler_reads_relative_paths_as_the_default_engine_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relative paths were sent to the workers as they were and opened from the workers' own
    working folder: every file "no such file". They leave the client absolute; source_file
    stays the path below the folder given."""
    pytest.importorskip("dask.distributed", reason="the dask engine is the optional extra budgetlib[dask]")
    from dask.distributed import LocalCluster

    (tmp_path / "in").mkdir()
    shutil.copy(RAW / "xixiang_2024_budget.txt", tmp_path / "in")
    monkeypatch.chdir("/")  # the workers start in another folder
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        monkeypatch.chdir(tmp_path)
        local = ingest([Path("in")])
        dask = ingest([Path("in")], engine="dask", scheduler=cluster.scheduler_address)
    assert local.errors.height == 0 and local.frames["documents"]["source_file"].to_list() == ["xixiang_2024_budget.txt"]
    for name, frame in local.frames.items():
        assert frame.equals(dask.frames[name]), name


def _cli(*args: str) -> list[str]:
    """The command line of this checkout's `budgetlib` (whatever is installed)."""
    return [sys.executable, "-c", "from budgetlib.cli import app; app()", *args]


def _env() -> dict[str, str]:
    import budgetlib

    return {**os.environ, "PYTHONPATH": str(Path(budgetlib.__file__).parents[1])}


def test_sigterm_mid_ingest_removes_the_half_written_outputs(tmp_path: Path) -> None:
    """SIGTERM (kill, timeout, a CI cancel) killed ingest without cleaning up: every run left its
    hidden staging folder of Parquet parts in --out for ever. It now ends as Ctrl-C does."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    for i in range(30):
        (inp / f"{i:02d}.txt").write_bytes((RAW / "xixiang_2024_budget.txt").read_bytes() + f"\n{i}\n".encode())
    subprocess.run(_cli("ingest", str(RAW / "xixiang_2024_budget.txt"), "--out", str(out)), env=_env(), capture_output=True, check=True, timeout=60)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    one_per_chunk = "import budgetlib.pipeline as p; p.CHUNK_DOCUMENTS = 1; from budgetlib.cli import app; app()"
    proc = subprocess.Popen([sys.executable, "-c", one_per_chunk, "ingest", str(inp), "--out", str(out)], env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while proc.poll() is None and not list(out.glob(".staging-*/parts/*.parquet")) and time.monotonic() < deadline:
        time.sleep(0.02)
    if proc.poll() is not None:
        pytest.skip("the ingest finished before it could be interrupted")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 128 + signal.SIGTERM
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # no staging folder, no lock file, old outputs


def test_staging_folders_of_dead_runs_are_removed_but_not_a_live_runs(tmp_path: Path) -> None:
    """A run killed outright (SIGKILL, a power cut) cannot clean up: the next run does, but only
    when no live run holds the folder's lock — a second run meanwhile is refused (exit 2)."""
    import budgetlib.pipeline as pipeline

    out = tmp_path / "out"
    (out / ".staging-dead" / "parts").mkdir(parents=True)
    (out / ".staging-dead" / "parts" / "documents.000000.parquet").write_bytes(b"x")
    with pipeline._staged(out) as live:  # a live run, writing
        result = runner.invoke(app, ["ingest", str(RAW / "xixiang_2024_budget.txt"), "--out", str(out)])
        assert result.exit_code == 2 and "another budgetlib run is writing there" in result.stderr, result.output
        assert live.is_dir() and not (out / "documents.parquet").exists()
        (live / "x.txt").write_text("x", encoding="utf-8")
    assert not (out / ".staging-dead").exists() and (out / "x.txt").exists()
    assert runner.invoke(app, ["ingest", str(RAW / "xixiang_2024_budget.txt"), "--out", str(out)]).exit_code == 0
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no staging folder, no lock file left


def test_a_publish_that_fails_part_way_puts_the_previous_set_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The new files were renamed in one by one: a rename that failed (a busy file on a share)
    after some had succeeded left a mix of the new run's files and the old run's."""
    import budgetlib.pipeline as pipeline

    out = tmp_path / "out"
    pipeline.ingest_to_folder([RAW / "xixiang_2024_budget.txt"], out)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = os.replace
    published: list[str] = []

    def busy_fourth(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        if Path(dst).parent == out:
            published.append(str(dst))
            if len(published) == 4:
                raise OSError(16, "Device or resource busy", str(dst))
        real(src, dst)

    monkeypatch.setattr(os, "replace", busy_fourth)
    with pytest.raises(OSError, match="busy"):
        pipeline.ingest_to_folder([RAW], out)
    monkeypatch.setattr(os, "replace", real)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_two_names_that_read_alike_get_a_hash_of_their_bytes(tmp_path: Path) -> None:
    """A literal "a\\xd5.txt" and a name with the byte 0xd5 are both shown "a\\xd5.txt": they had
    the same source_file (an absolute path), and the audit counted each figure twice."""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(RAW / "xixiang_2024_budget.txt", folder / "a\\xd5.txt")
    shutil.copy(RAW / "xixiang_2024_budget.txt", folder / os.fsdecode(b"a\xd5.txt"))
    alone = ingest([folder / "a\\xd5.txt"]).frames["findings"].height
    both = ingest([folder])
    names = both.frames["documents"]["source_file"].to_list()
    assert len(set(names)) == 2 and all(re.fullmatch(r"a\\xd5\.txt \[[0-9a-f]{8}\]", n) for n in names), names
    assert both.frames["findings"].height == 2 * alone
    assert names == [n for _, n in discover_named([folder])]  # the same names every time


def test_errors_are_in_file_order_whatever_the_chunks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files refused by the schemas (stage validate) came after the chunk's other errors."""
    import budgetlib.pipeline as pipeline

    (tmp_path / "a_empty.txt").write_bytes(b"")
    text = (RAW / "xixiang_2024_budget.txt").read_text(encoding="utf-8")
    (tmp_path / "b_1985.txt").write_text(text.replace("2024", "1985"), encoding="utf-8")
    (tmp_path / "c_empty.txt").write_bytes(b"")
    whole = ingest([tmp_path]).errors
    assert whole["source_file"].to_list() == ["a_empty.txt", "b_1985.txt", "c_empty.txt"]
    monkeypatch.setattr(pipeline, "CHUNK_DOCUMENTS", 1)
    assert ingest([tmp_path]).errors.equals(whole)


@pytest.mark.parametrize(("option", "message"), [(["--engine", "spark"], "unknown engine 'spark': use one of local, dask"),
                                                 (["--engine", "dask", "--scheduler", "tcp://127.0.0.1:9"], "cannot reach the dask scheduler tcp://127.0.0.1:9")])
def test_an_engine_that_cannot_run_is_a_one_line_error_and_nothing_is_written(tmp_path: Path, option: list[str], message: str) -> None:
    """--engine spark (or an unreachable scheduler) crashed with a traceback and exit status 1
    (the status of a failed file), after creating an empty --out."""
    if "dask" in option:
        dask = pytest.importorskip("dask", reason="the dask engine is the optional extra budgetlib[dask]")
        pytest.importorskip("dask.distributed")
        settings = dask.config.set({"distributed.comm.timeouts.connect": "1s"})
    else:
        settings = contextlib.nullcontext()
    with settings:
        result = runner.invoke(app, ["ingest", str(RAW / "xixiang_2024_budget.txt"), "--out", str(tmp_path / "out"), *option])
    assert result.exit_code == 2 and message in result.stderr, (result.output, result.exception)
    assert len(result.stderr.strip().splitlines()) == 1 and not (tmp_path / "out").exists()


def test_office_lock_files_and_windows_files_in_folders_are_skipped_and_counted(tmp_path: Path) -> None:
    """~$name.docx (Word's lock file), Thumbs.db and desktop.ini were read as documents: a folder
    copied from Windows, or with a document open, failed the batch with misleading errors."""
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    shutil.copy(RAW / "xixiang_2024_budget.txt", folder / "report.txt")
    (folder / "~$report.docx").write_bytes(b"\x05alice" + b"\x00" * 47 + "alice".encode("utf-16-le") + b"\x00" * 100)
    (folder / "sub" / "~$other.xlsx").write_bytes(b"\x05bob" + b"\x00" * 50)
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    (folder / "desktop.ini").write_bytes(b"[.ShellClassInfo]\r\nIconResource=C:\\Windows\\x.dll,0\r\n")
    outputs = ingest([folder])
    assert outputs.frames["documents"]["source_file"].to_list() == ["report.txt"] and outputs.errors.height == 0
    result = runner.invoke(app, ["ingest", str(folder), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert ("skipped 4 system file(s), not disclosures: Office lock files (~$…) (2), Thumbs.db (1), desktop.ini (1)"
            in " ".join(result.stdout.split()))
    assert ingest([folder / "desktop.ini"]).errors.height == 1  # a file named explicitly is still read
