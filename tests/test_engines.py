"""Engines: items come back in order, the Dask engine keeps only a bounded window in flight, and
a worker that dies costs only the item that killed it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import budgetlib
from budgetlib import engines

from .conftest import RAW


class _Future:
    def __init__(self, client: _Client, value: object) -> None:
        self.client, self.value = client, value

    def result(self) -> object:
        return self.value

    def release(self) -> None:
        self.client.in_flight -= 1


class _Client:
    """Runs each submitted call at once and counts the futures not yet released."""

    def __init__(self) -> None:
        self.in_flight = self.most = 0

    def submit(self, work: Callable[[Any], object], item: object, pure: bool = True) -> _Future:
        assert pure is False  # every file is read, never answered from a cache of an earlier call
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        return _Future(self, work(item))


def test_local_engine_keeps_the_order() -> None:
    assert list(engines.run(["b", "a", "c"], str.upper)) == [("b", "B"), ("a", "A"), ("c", "C")]


@pytest.mark.parametrize(("n", "window"), [(0, 3), (1, 3), (3, 3), (10, 3), (10, 1)])
def test_dask_results_come_in_order_with_a_bounded_window(n: int, window: int) -> None:
    client = _Client()
    got = list(engines._in_order(client, list(range(n)), lambda i: i * 10, window))
    assert got == [(i, i * 10) for i in range(n)]
    assert client.most <= window and client.in_flight == 0


def test_unknown_engine_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown engine 'spark'"):
        list(engines.run([1], str, engine="spark"))


class _Lost(Exception):
    """Stands in for dask's KilledWorker: the worker running the item died."""


class _DyingClient(_Client):
    """A client whose worker dies on any item holding "boom" (as a native crash would)."""

    def submit(self, work: Callable[[Any], object], item: object, pure: bool = True) -> _Future:
        future = super().submit(lambda it: _Lost() if "boom" in it else work(it), item, pure)
        return _Raising(future)


class _Raising(_Future):
    def __init__(self, future: _Future) -> None:
        super().__init__(future.client, future.value)

    def result(self) -> object:
        if isinstance(self.value, _Lost):
            raise self.value
        return self.value


def _upper_all(items: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s.upper() for s in items)


_WHEN_LOST: engines.WhenLost[tuple[str, ...], tuple[str, ...]] = engines.WhenLost(
    split=lambda items: [(s,) for s in items],
    join=lambda results: tuple(r for result in results for r in result),
    failed=lambda items, reason: tuple(f"{s} lost ({reason})" for s in items),
)


def test_an_item_whose_worker_died_is_split_and_only_the_killer_fails() -> None:
    """A file that kills its worker lost its whole chunk (and the batch): the chunk is read again
    one file at a time, and only the file that kills the worker fails."""
    client = _DyingClient()
    items = [("a", "b"), ("c", "boom", "d"), ("e",)]
    got = list(engines._in_order(client, items, _upper_all, 2, _WHEN_LOST, _Lost))
    assert got == [(("a", "b"), ("A", "B")), (("c", "boom", "d"), ("C", "boom lost (_Lost)", "D")), (("e",), ("E",))]
    assert client.in_flight == 0 and client.most <= 3  # the window, plus one piece of the lost item at a time


def test_without_a_way_to_recover_a_lost_item_stops_the_list() -> None:
    with pytest.raises(_Lost):
        list(engines._in_order(_DyingClient(), [("boom",)], _upper_all, 2, None, _Lost))


def test_an_unknown_engine_is_refused_before_it_starts() -> None:
    with pytest.raises(engines.EngineError, match="unknown engine 'spark': use one of local, dask"), engines.connect("spark"):
        pass


def test_an_unreachable_scheduler_is_a_clear_error() -> None:
    pytest.importorskip("dask.distributed", reason="the dask engine is the optional extra budgetlib[dask]")
    import dask

    with dask.config.set({"distributed.comm.timeouts.connect": "1s"}), \
            pytest.raises(engines.EngineError, match="cannot reach the dask scheduler tcp://127.0.0.1:9"), \
            engines.connect("dask", "tcp://127.0.0.1:9"):
        pass


#: a Dask cluster whose worker dies (os._exit, as a segfault in pdfium or lxml would) reading crash.txt
_DASK_CRASH = """
import os, sys
from pathlib import Path
from distributed.diagnostics.plugin import WorkerPlugin

class CrashOn(WorkerPlugin):
    name = "budgetlib-crash-on"
    def setup(self, worker):
        import budgetlib.pipeline as p
        real = p.process_path
        def process_path(path, settings=None, name=None):
            if Path(path).name == "crash.txt":
                os._exit(139)
            return real(path, settings, name)
        p.process_path = process_path

if __name__ == "__main__":
    import dask
    from dask.distributed import Client, LocalCluster
    from budgetlib.pipeline import ingest
    dask.config.set({"distributed.scheduler.allowed-failures": 0})
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    client.register_plugin(CrashOn())
    out = ingest([sys.argv[1]], engine="dask", scheduler=cluster.scheduler_address)
    print("DOCS", out.frames["documents"]["source_file"].to_list())
    print("ERRORS", out.errors.select("source_file", "stage").rows())
    print("MESSAGE", out.errors["message"][0])
    client.close(); cluster.close()
"""


def test_a_file_that_kills_its_dask_worker_becomes_an_error_and_the_batch_goes_on(tmp_path: Path) -> None:
    """KilledWorker from the chunk's future ended the whole batch (nothing written): the chunk is
    read again file by file on the cluster and only the file that kills its worker is an error."""
    pytest.importorskip("dask.distributed", reason="the dask engine is the optional extra budgetlib[dask]")
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a.txt", "crash.txt", "z.txt"):
        shutil.copy(RAW / "xixiang_2024_budget.txt", folder / name)
    script = tmp_path / "crash.py"
    script.write_text(_DASK_CRASH, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(Path(budgetlib.__file__).parents[1])}  # this checkout's code
    proc = subprocess.run([sys.executable, str(script), str(folder)], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "DOCS ['a.txt', 'z.txt']" in proc.stdout and "ERRORS [('crash.txt', 'read')]" in proc.stdout, proc.stdout
    assert "MESSAGE the worker reading it died (KilledWorker)" in proc.stdout
