"""Engines: where the per-chunk work of ingest runs — in this process, or on a Dask cluster.

Takes a list of work items (ingest's are chunks of file paths) and a function that turns one
item into a result; gives ``(item, result)`` pairs in the order of the items. ``local`` runs
them here one after another; ``dask`` submits them to a Dask cluster — a ``LocalCluster`` on
this machine by default, or any scheduler when its address is given (``tcp://host:8786``) —
keeping a few items per worker in flight, so memory stays bounded however long the list.
The function is the same either way, so both engines give the same outputs.

:func:`connect` starts the engine (checks its name, starts the cluster or reaches the
scheduler) before anything else is done, so a wrong engine or an unreachable scheduler is an
:class:`EngineError` at once. On Dask, an item whose worker dies (a native crash, or the nanny
killing it for its memory) does not stop the list: :class:`WhenLost` says how to split it into
smaller items, join their results, and what an item that cannot be split gives instead.

Dask is an optional extra: ``pip install 'budgetlib[dask]'``.
"""

from __future__ import annotations

import contextlib
import os
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

__all__ = ["ENGINES", "IN_FLIGHT_PER_WORKER", "EngineError", "Runner", "WhenLost", "connect", "run"]

S = TypeVar("S")
T = TypeVar("T")
ENGINES = ("local", "dask")
#: items submitted ahead per Dask worker (keeps every worker busy, bounds what waits in memory)
IN_FLIGHT_PER_WORKER = 2


class EngineError(ValueError):
    """The engine cannot run: an unknown name, the Dask extra not installed, a scheduler that
    cannot be reached."""


@dataclass(frozen=True, slots=True)
class WhenLost(Generic[S, T]):
    """What to do with an item whose worker died: run the pieces ``split`` gives instead and
    ``join`` their results; an item that ``split`` cannot make smaller (it gives one piece)
    becomes ``failed(item, reason)`` (``reason``: the name of the error, e.g. ``KilledWorker``)."""

    split: Callable[[S], Sequence[S]]
    join: Callable[[Sequence[T]], T]
    failed: Callable[[S, str], T]


class Runner(Protocol):
    """A started engine: runs ``work`` over ``items`` and gives ``(item, result)`` in order."""

    def __call__(self, items: Sequence[S], work: Callable[[S], T],
                 when_lost: WhenLost[S, T] | None = None) -> Iterator[tuple[S, T]]: ...


def run(items: Sequence[S], work: Callable[[S], T], engine: str = "local", scheduler: str | None = None,
        workers: int | None = None, when_lost: WhenLost[S, T] | None = None) -> Iterator[tuple[S, T]]:
    """``(item, work(item))`` for every item, in order (:func:`connect` and run, for one list).

    >>> list(run([1, 2, 3], lambda n: n * n))
    [(1, 1), (2, 4), (3, 9)]
    """
    with connect(engine, scheduler, workers) as runner:
        yield from runner(items, work, when_lost)


@contextlib.contextmanager
def connect(engine: str = "local", scheduler: str | None = None, workers: int | None = None) -> Iterator[Runner]:
    """The engine started, as a :class:`Runner`; closed (the cluster shut down) when the block ends.

    Raises:
        EngineError: an unknown engine, Dask not installed, or a scheduler that cannot be reached.
    """
    if engine == "local":
        yield _local
        return
    if engine != "dask":
        raise EngineError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    with _dask_client(scheduler, workers) as client:
        yield _dask_runner(client)


def _local(items: Sequence[S], work: Callable[[S], T], when_lost: WhenLost[S, T] | None = None) -> Iterator[tuple[S, T]]:
    """Every item in this process (a crash here ends the process: nothing to recover)."""
    for item in items:
        yield item, work(item)


@contextlib.contextmanager
def _dask_client(scheduler: str | None, workers: int | None) -> Iterator[Any]:
    """A Dask client of the scheduler given, or of a new ``LocalCluster`` (one single-threaded
    worker process per core, or ``workers``)."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise EngineError("the dask engine needs the optional extra: pip install 'budgetlib[dask]'") from exc
    cluster = None
    if scheduler:
        try:
            client = Client(scheduler)
        except (OSError, ValueError) as exc:  # refused, timed out, or not an address
            raise EngineError(f"cannot reach the dask scheduler {scheduler}: {exc}") from exc
    else:
        cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _dask_runner(client: Any) -> Runner:
    """Run items on ``client``'s cluster, a few per worker in flight."""
    from distributed import KilledWorker

    def runner(items: Sequence[S], work: Callable[[S], T], when_lost: WhenLost[S, T] | None = None) -> Iterator[tuple[S, T]]:
        window = max(1, len(client.scheduler_info()["workers"])) * IN_FLIGHT_PER_WORKER
        return _in_order(client, items, work, window, when_lost, KilledWorker)

    return runner


def _in_order(client: Any, items: Sequence[S], work: Callable[[S], T], window: int,
              when_lost: WhenLost[S, T] | None = None,
              lost: type[BaseException] = Exception) -> Iterator[tuple[S, T]]:
    """Submit items ``window`` ahead of the one being gathered; results come back in order.
    An item whose future raises ``lost`` (its worker died) is split and retried, or failed,
    as ``when_lost`` says; without ``when_lost`` the error goes on to the caller."""
    pending: deque[tuple[S, Any]] = deque()
    queue = iter(items)
    for item in queue:
        pending.append((item, client.submit(work, item, pure=False)))
        if len(pending) >= window:
            break
    while pending:
        item, future = pending.popleft()
        try:
            result = future.result()
        except lost as exc:
            if when_lost is None:
                raise
            result = _recover(client, item, work, when_lost, lost, exc)
        future.release()
        for nxt in queue:  # the next item, if any, takes the freed place
            pending.append((nxt, client.submit(work, nxt, pure=False)))
            break
        yield item, result


def _recover(client: Any, item: S, work: Callable[[S], T], when_lost: WhenLost[S, T],
             lost: type[BaseException], exc: BaseException) -> T:
    """The result of an item whose worker died: its pieces run one at a time (each lost piece
    split again), so a piece lost was alone on its worker and is the one that kills it; an
    item that cannot be split gives ``when_lost.failed``."""
    pieces = when_lost.split(item)
    if len(pieces) <= 1:
        return when_lost.failed(item, type(exc).__name__)
    return when_lost.join([result for _, result in _in_order(client, pieces, work, 1, when_lost, lost)])
