"""Engines: where the per-file work of ingest runs — in this process, or on a Dask cluster.

Takes a list of file paths and a function that turns one path into a result; gives the results
in the order of the paths. ``local`` runs them here one after another; ``dask`` submits them to
a Dask cluster — a ``LocalCluster`` on this machine by default, or any scheduler when its address
is given (``tcp://host:8786``) — and gathers the results. Everything after the per-file work
(validation, audit, panel) runs in the calling process either way, so both engines give the same
outputs.

Dask is an optional extra: ``pip install 'budgetlib[dask]'``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

__all__ = ["ENGINES", "run"]

T = TypeVar("T")
ENGINES = ("local", "dask")


def run(files: Sequence[Path], work: Callable[[Path], T], engine: str = "local", scheduler: str | None = None,
        workers: int | None = None) -> Iterator[tuple[Path, T]]:
    """``(path, work(path))`` for every file, in order."""
    if engine == "local":
        for path in files:
            yield path, work(path)
        return
    if engine == "dask":
        yield from _dask(files, work, scheduler, workers)
        return
    raise ValueError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")


def _dask(files: Sequence[Path], work: Callable[[Path], T], scheduler: str | None, workers: int | None) -> Iterator[tuple[Path, T]]:
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise RuntimeError("the dask engine needs the optional extra: pip install 'budgetlib[dask]'") from exc
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        batch = 256  # bounded memory: a few hundred results in flight at a time
        for start in range(0, len(files), batch):
            chunk = list(files[start:start + batch])
            futures = client.map(work, chunk, pure=False)
            yield from zip(chunk, client.gather(futures), strict=True)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
