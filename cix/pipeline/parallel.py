"""Lodging on every core: JSON-lines batches parsed, checked and written by worker processes.

Each batch is a task for a pool of forked workers. A worker parses and validates its batch (the CPU
half, in parallel with the others), then waits for its turn and writes it in one transaction (the
I/O half, with the steps of the declaration path when the store runs them): turns follow the order
of the batches in the file, so the result is exactly that of the serial path — the same record is
stored, the same later one is a duplicate or a conflict — and a batch commits whole or not at all.
While it checks, a worker also lets the steps work ahead on what depends on each record alone
(:func:`cix.pipeline.steps.pre`), so that less is left for its turn. Only small summaries travel
back to this process. Each worker opens its own connection to the
store, with the parent store's ``settings`` and ``run_path``, so the steps run with the node's
settings exactly as in the serial path.

Workers are forked from this process when the store only stores, or while this process has a single
thread. When the steps run in a process that has started threads, they are forked from a fresh
server process instead (``forkserver``, the step modules preloaded): the steps use Polars, whose
thread pool does not survive a fork — a worker forked from a process that has used it waits forever
in its first parallel query. Such workers see the settings passed to them, not later changes of
this process's environment.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
import os
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any

from cix.ingest.readers import from_json_bytes
from cix.pipeline import steps
from cix.pipeline.lodge import Summary, check_batch, paused_gc, write_checked
from cix.settings import Settings
from cix.store.db import Store, open_store

Lines = list[tuple[bytes, str]]  # (raw line, locator)

_W: dict[str, Any] = {}  # the worker's store and turn-taking primitives


def _init(url: str, cond: Any, turn: Any, settings: Any = None, run_path: bool = True) -> None:
    store = open_store(url, fresh=True, migrated=True)  # the parent opened it: its schema is the newest
    store.settings = settings
    store.run_path = run_path
    store.checkpoint_in_background()  # no write turn waits for a WAL checkpoint
    if run_path:  # the steps' model, profiles and references, loaded while the first batch is checked
        steps.warm(store, settings)
    _W["store"] = store
    _W["cond"] = cond
    _W["turn"] = turn


def _lodge(index: int, lines: Lines, fmt: str, source: str | None, today: dt.date, max_future: int) -> Summary:
    cond, turn = _W["cond"], _W["turn"]
    try:
        with paused_gc():
            batch = [from_json_bytes(raw, fmt, loc) for raw, loc in lines]
            checked = check_batch(batch, source=source, today=today, max_future_days=max_future)
            store = _W["store"]
            if store.run_path:  # the steps' per-record work, done here in parallel rather than in the turn
                steps.pre(store, [p for _inc, p in checked.good], store.settings)
            with cond:
                while turn.value != index:
                    cond.wait()
            return write_checked(_W["store"], checked, source=source)
    finally:
        with cond:
            while turn.value != index:  # a failed check still waits, so the turns stay in order
                cond.wait()
            turn.value = index + 1
            cond.notify_all()


def _threaded() -> bool:
    """Whether this process runs more than one (native) thread; unknown counts as yes."""
    try:
        return len(os.listdir("/proc/self/task")) > 1
    except OSError:
        return True


def _context(run_path: bool) -> Any:
    if not run_path or not _threaded():
        return mp.get_context("fork")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "cix.pipeline.steps", *steps.BUILTIN])
    return ctx


def warm(run_path: bool = True) -> None:
    """Start the fork server (and import the step modules in it) now rather than at the first import.

    It lives as long as this process, so a long-running process (or a benchmark, before its clock)
    pays its start-up once.
    """
    if run_path and _threaded():
        ctx = _context(run_path)
        # The server imports the preloaded modules before it forks anything: have it fork once now,
        # so that those seconds are spent here and not by the first import.
        p = ctx.Process(target=_noop)
        p.start()
        p.join()


def _noop() -> None:
    return None


def jsonl_batches(chunks: Iterable[bytes], name: str, size: int) -> Iterator[Lines]:
    """Batches of (line, locator) from the lines of a JSON-lines stream; blank lines are skipped."""
    batch: Lines = []
    for n, line in enumerate(chunks, 1):
        line = line.strip()
        if not line:
            continue
        batch.append((line, f"{name}:{n}"))
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def lodge_lines(
    store: Store,
    batches: Iterable[Lines],
    *,
    fmt: str = "jsonl",
    source: str | None = None,
    workers: int = 2,
    today: dt.date | None = None,
    max_future_days: int = 1,
    progress: Callable[[Summary], None] | None = None,
) -> Summary:
    """Lodge JSON-lines batches with ``workers`` processes, keeping at most ``2 × workers`` batches in flight."""
    today = today or dt.date.today()
    url = store.engine.url.render_as_string(hide_password=False)
    ctx = _context(store.run_path)
    # the steps' settings: the node's, or (as the serial path would) those of this process's environment
    settings = store.settings if store.settings is not None or not store.run_path else Settings()
    cond = ctx.Condition()
    turn = ctx.Value("q", 0, lock=False)
    total = Summary()
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init,
                             initargs=(url, cond, turn, settings, store.run_path)) as pool:  # fmt: skip
        pending: list[Future[Summary]] = []
        it = enumerate(batches)
        exhausted = False
        try:
            while True:
                while not exhausted and len(pending) < 2 * workers:
                    nxt = next(it, None)
                    if nxt is None:
                        exhausted = True
                        break
                    i, lines = nxt
                    pending.append(pool.submit(_lodge, i, lines, fmt, source, today, max_future_days))
                if not pending:
                    break
                total.add(pending.pop(0).result())
                if progress:
                    progress(total)
        except BaseException:
            for f in pending:
                f.cancel()
            raise
    return total
