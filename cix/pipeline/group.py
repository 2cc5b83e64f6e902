"""Group commit: records handed over one at a time by many threads, lodged together.

An API request lodges one declaration; a transaction per request pays the fixed costs of a batch
(the write lock, the look-ups of the path's steps, the commit) for one record. :class:`GroupLodger`
keeps one writer thread per store: a request hands its record over and waits; the writer takes
every record that queued while the previous group was being written (up to ``max_group``) and lodges
them as one batch (:func:`cix.pipeline.lodge.lodge_batch`), then answers each request with its own
outcome. With one request at a time a group is that one record, so nothing waits for company; under
load the groups grow by themselves and the fixed costs are shared.

A batch commits whole or not at all. If a group fails (a step raised, the store refused), each of its
records is lodged again alone, so one bad record cannot fail the others; a record that still fails
gets its own error. Records with the same natural key in one group are lodged as they would be one
after the other: the first is stored, the next is its duplicate (or a conflict).
"""

from __future__ import annotations

import collections
import contextlib
import logging
import queue
import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from cix.ingest.records import Incoming
from cix.pipeline.lodge import Outcome, lodge_batch
from cix.store.db import Store

log = logging.getLogger("cix.pipeline")

MAX_GROUP = 64


@dataclass(slots=True)
class _Job:
    record: Incoming
    source: str | None
    max_future_days: int
    future: Future[Outcome] = field(default_factory=Future)


class Lodger:
    """What a caller hands records to: :class:`GroupLodger` (a thread) or :class:`ProcessLodger` (a process)."""

    def submit(self, record: Incoming, *, source: str | None = None, max_future_days: int = 1) -> Future[Outcome]:
        """Hand a record over; the future gives its :class:`Outcome` once its group is committed."""
        raise NotImplementedError

    def lodge(self, record: Incoming, *, source: str | None = None, max_future_days: int = 1) -> Outcome:
        """Lodge one record and wait for its outcome."""
        return self.submit(record, source=source, max_future_days=max_future_days).result()

    def close(self, timeout: float = 30.0) -> None:
        raise NotImplementedError


class GroupLodger(Lodger):
    """One writer thread lodging the records of many callers in groups (see the module)."""

    def __init__(self, store: Store, *, max_group: int = MAX_GROUP) -> None:
        self.store = store
        self.max_group = max(1, max_group)
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        #: Sizes of the last groups written (how much sharing the load brought), for tests and metrics.
        self.groups: collections.deque[int] = collections.deque(maxlen=10_000)

    def submit(self, record: Incoming, *, source: str | None = None, max_future_days: int = 1) -> Future[Outcome]:
        job = _Job(record, source, max_future_days)
        with self._lock:
            if self._closed:
                raise RuntimeError("the lodger is closed")
            if self._thread is None:
                self._thread = threading.Thread(target=self._loop, name="cix-group-lodger", daemon=True)
                self._thread.start()
            self._queue.put(job)
        return job.future

    def close(self, timeout: float = 30.0) -> None:
        """Write what is queued, then stop the writer thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)
            thread.join(timeout)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            jobs = [first]
            stop = False
            while len(jobs) < self.max_group:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
            self._write(jobs)
            if stop:
                return

    def _write(self, jobs: list[_Job]) -> None:
        by_kind: dict[tuple[str | None, int], list[_Job]] = {}
        for j in jobs:
            by_kind.setdefault((j.source, j.max_future_days), []).append(j)
        for (source, max_future), group in by_kind.items():
            self.groups.append(len(group))
            try:
                self._lodge(group, source, max_future)
            except Exception as exc:  # every caller gets its own answer, whatever failed
                if len(group) == 1:
                    group[0].future.set_exception(exc)
                    continue
                log.warning("a group of %d records failed (%s); lodging each alone", len(group), exc)
                for j in group:
                    try:
                        self._lodge([j], source, max_future)
                    except Exception as one:
                        j.future.set_exception(one)

    def _lodge(self, group: list[_Job], source: str | None, max_future_days: int) -> None:
        """One batch for the group; each job's future gets the outcome of its record."""
        batch = [j.record for j in group]
        summary = lodge_batch(self.store, batch, source=source, keep_outcomes=True, max_future_days=max_future_days)
        position = {id(r): k for k, r in enumerate(batch)}
        found: dict[int, Outcome] = {}
        for o in summary.outcomes or []:
            k = position.get(id(o.record), -1)
            o.record = None  # the caller has it; the outcome travels without it
            found[k] = o
        for k, j in enumerate(group):
            mine = found.get(k)
            if mine is None:  # every record has an outcome (stored + duplicates + quarantined = read)
                j.future.set_exception(RuntimeError(f"no outcome for record {j.record.locator!r}"))
            else:
                j.future.set_result(mine)


# --- the writer in a process of its own -------------------------------------------------------------


def _child(conn: Any, url: str, settings: Any, run_path: bool, max_group: int) -> None:
    """The lodging process: groups what arrives on ``conn``, lodges each group, sends the outcomes back."""
    import gc
    import pickle
    import signal

    from cix.pipeline import steps
    from cix.store.db import open_store

    # Ctrl-C reaches the whole process group: the server stops this process itself (close(), or the
    # pipe closing when the server is gone), after what it holds is written.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    try:
        from cix.risk.profiles import engine

        # The server process changes profiles; this process sees each change at its next batch.
        engine.STAMP_TTL = 0.0
    except ImportError:
        pass
    store = open_store(url)
    store.settings = settings
    store.run_path = run_path
    store.checkpoint_in_background()  # no request waits for a WAL checkpoint
    if run_path:
        steps.warm(store, settings)
    gc.freeze()  # the modules and the steps' state loaded so far are permanent: no collector passes over them
    lodger = GroupLodger(store, max_group=max_group)
    while True:
        try:
            first = conn.recv()
        except EOFError:
            return
        if first is None:
            return
        msgs = [first]
        stop = False
        while len(msgs) < max_group and conn.poll():
            nxt = conn.recv()
            if nxt is None:
                stop = True
                break
            msgs.append(nxt)
        jobs = [_Job(rec, source, mfd) for _jid, rec, source, mfd in msgs]
        lodger._write(jobs)
        out: list[tuple[int, bool, Any]] = []
        for (jid, *_rest), j in zip(msgs, jobs, strict=True):
            exc = j.future.exception()
            if exc is None:
                out.append((jid, True, j.future.result()))
                continue
            try:
                pickle.dumps(exc)
            except Exception:  # an error that cannot travel is sent as its text
                exc = RuntimeError(f"{type(exc).__name__}: {exc}")
            out.append((jid, False, exc))
        conn.send(out)
        if stop:
            return


class ProcessLodger(Lodger):
    """:class:`GroupLodger`'s writer in a child process (what ``cix serve`` uses).

    The path's work (validation, storage, matching, valuation, risk) then runs on its own core instead
    of sharing the server's interpreter lock with the HTTP handling: each request hands its record
    over a pipe and waits for its outcome, and the child groups what arrived meanwhile, as the thread
    writer does. The child starts from a fresh interpreter (``spawn``: the server has threads, and a
    forked copy of Polars' thread pool hangs). If it dies, the requests waiting fail with an error
    and the next request starts a new child; nothing committed is lost, nothing is written twice.
    The child starts with the first record: a node that lodges nothing through its API never pays for it.
    """

    def __init__(self, store: Store, *, max_group: int = MAX_GROUP) -> None:
        self.store = store
        self.max_group = max(1, max_group)
        self._lock = threading.Lock()
        self._outbox: queue.SimpleQueue[Any] = queue.SimpleQueue()  # what the sender thread writes to the child
        self._pending: dict[int, tuple[Future[Outcome], Any]] = {}  # job id -> (future, its child's pipe)
        self._next = 0
        self._proc: Any = None
        self._conn: Any = None
        self._closed = False

    def _ensure(self) -> None:
        if self._proc is not None and self._proc.is_alive():
            return
        import multiprocessing as mp

        ctx = mp.get_context("spawn")
        here, there = ctx.Pipe()
        url = self.store.engine.url.render_as_string(hide_password=False)
        proc = ctx.Process(
            target=_child,
            args=(there, url, self.store.settings, self.store.run_path, self.max_group),
            name="cix-lodger",
            daemon=True,
        )
        proc.start()
        there.close()
        self._proc, self._conn = proc, here
        self._outbox = queue.SimpleQueue()
        threading.Thread(target=self._read, args=(here,), name="cix-lodger-results", daemon=True).start()
        threading.Thread(target=self._send, args=(here, self._outbox), name="cix-lodger-send", daemon=True).start()

    def _send(self, conn: Any, outbox: queue.SimpleQueue[Any]) -> None:
        """Write records to the child from a thread of its own: a caller (an event loop) never blocks on
        a full pipe while the child is busy writing a group."""
        while True:
            item = outbox.get()
            if item is None:  # close(): tell the child to stop once it has written what it holds
                with contextlib.suppress(OSError, ValueError):
                    conn.send(None)
                return
            try:
                conn.send(item)
            except (OSError, ValueError) as exc:
                with self._lock:
                    entry = self._pending.pop(item[0], None)
                if entry is not None:
                    entry[0].set_exception(RuntimeError(f"the lodging process is not reachable: {exc}"))

    def _read(self, conn: Any) -> None:
        while True:
            try:
                batch = conn.recv()
            except (EOFError, OSError):
                break
            for jid, ok, value in batch:
                with self._lock:
                    entry = self._pending.pop(jid, None)
                if entry is not None:
                    if ok:
                        entry[0].set_result(value)
                    else:
                        entry[0].set_exception(value)
        with self._lock:  # the child is gone: whatever still waits for it gets an error
            if self._conn is conn:
                self._conn = None
                self._proc = None
            lost = [jid for jid, (_f, c) in self._pending.items() if c is conn]
            futures = [self._pending.pop(jid)[0] for jid in lost]
        for f in futures:
            f.set_exception(RuntimeError("the lodging process stopped before answering; send the record again"))

    def submit(self, record: Incoming, *, source: str | None = None, max_future_days: int = 1) -> Future[Outcome]:
        fut: Future[Outcome] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("the lodger is closed")
            self._ensure()
            jid = self._next
            self._next += 1
            self._pending[jid] = (fut, self._conn)
            self._outbox.put((jid, record, source, max_future_days))
        return fut

    def close(self, timeout: float = 30.0) -> None:
        """Let the child write what it holds, then stop it."""
        with self._lock:
            self._closed = True
            proc = self._proc
            if proc is not None:
                self._outbox.put(None)  # after every record already handed over: the child stops there
        if proc is None:
            return
        proc.join(timeout)
        if proc.is_alive():
            proc.terminate()
            proc.join(5)
