"""Long console jobs (bulk matching, a price reference build) in a background thread, with progress.

:func:`start` runs ``fn(progress)`` in a daemon thread and returns a job id at once; ``fn`` reports
``progress(done, total, note)`` when it can. The page polls :func:`get` (``/console/jobs/{id}``) until
the job is ``done`` or ``failed``; a failure is kept as words, never as a stack trace. Jobs live in
this process only (a restart forgets them; their effects are in the store).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from cix.errors import CixError, NotFound

log = logging.getLogger("cix.console.jobs")

Progress = Callable[[int, int, str], None]

_LOCK = threading.Lock()
_JOBS: dict[str, dict[str, Any]] = {}
_IDS = itertools.count(1)
KEEP = 50


def start(kind: str, fn: Callable[[Progress], Any], *, actor: str | None = None) -> str:
    job_id = f"{kind}-{next(_IDS)}"
    job: dict[str, Any] = {
        "id": job_id,
        "kind": kind,
        "actor": actor,
        "status": "running",
        "done": 0,
        "total": 0,
        "note": "",
        "error": None,
        "result": None,
        "started": time.time(),
        "finished": None,
    }
    with _LOCK:
        _JOBS[job_id] = job
        for old in sorted(_JOBS, key=lambda k: _JOBS[k]["started"])[:-KEEP]:
            if _JOBS[old]["status"] != "running":
                del _JOBS[old]

    def progress(done: int, total: int, note: str = "") -> None:
        with _LOCK:
            job.update(done=done, total=total, note=note)

    def run() -> None:
        try:
            result = fn(progress)
            with _LOCK:
                job.update(status="done", result=result, finished=time.time())
                if job["total"] == 0:
                    job.update(done=1, total=1)
                else:
                    job["done"] = job["total"]
        except CixError as exc:
            with _LOCK:
                job.update(status="failed", error=exc.message, finished=time.time())
        except Exception:
            log.exception("console job %s failed", job_id)
            with _LOCK:
                job.update(
                    status="failed", error="the job failed; the node's log has the details", finished=time.time()
                )

    threading.Thread(target=run, name=f"cix-job-{job_id}", daemon=True).start()
    return job_id


def get(job_id: str) -> dict[str, Any]:
    with _LOCK:
        job = _JOBS.get(job_id)
        if job is None:
            raise NotFound(f"no job {job_id} (jobs are kept while the node runs)")
        out = dict(job)
    out["percent"] = (
        round(100 * out["done"] / out["total"]) if out["total"] else (100 if out["status"] != "running" else 0)
    )
    return out


def recent(limit: int = 10) -> list[dict[str, Any]]:
    with _LOCK:
        ids = sorted(_JOBS, key=lambda k: -_JOBS[k]["started"])[:limit]
    return [get(i) for i in ids]
