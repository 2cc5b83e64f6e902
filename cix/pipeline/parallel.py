"""Validation on every core: JSON-lines batches parsed and checked in worker processes.

The CPU half of lodging (parse, validate, prepare) runs in a pool of forked workers, one batch per
task, while this process writes the batches in their original order (the I/O half, one transaction
each, :func:`cix.pipeline.lodge.write_checked`). Order, idempotency and the all-or-nothing batch are
exactly those of the serial path; only the checking moves. Workers never touch the store.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing as mp
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor

from cix.ingest.readers import from_json_bytes
from cix.pipeline.lodge import Checked, Summary, check_batch, write_checked
from cix.store.db import Store

Lines = list[tuple[bytes, str]]  # (raw line, locator)


def _check_lines(lines: Lines, fmt: str, source: str | None, today: dt.date, max_future_days: int) -> Checked:
    batch = [from_json_bytes(raw, fmt, loc) for raw, loc in lines]
    checked = check_batch(batch, source=source, today=today, max_future_days=max_future_days)
    for inc, _p in checked.good:  # what the writer needs travels back; the parsed mapping does not
        inc.data = None
        inc.paths = None
    return checked


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
    """Lodge JSON-lines batches, checking up to ``workers + 1`` batches ahead in worker processes."""
    today = today or dt.date.today()
    total = Summary()
    ctx = mp.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: list[Future[Checked]] = []
        it = iter(batches)
        exhausted = False
        while True:
            while not exhausted and len(pending) < workers + 1:
                nxt = next(it, None)
                if nxt is None:
                    exhausted = True
                    break
                pending.append(pool.submit(_check_lines, nxt, fmt, source, today, max_future_days))
            if not pending:
                break
            checked = pending.pop(0).result()
            total.add(write_checked(store, checked, source=source))
            if progress:
                progress(total)
    return total
