"""Run queued jobs: claim a row, run its function, record the outcome.

Guarantees, in plain words:

* **Once.** A job is claimed by one conditional update (``status = 'queued'`` → ``'running'``,
  inside ``write_transaction``; on PostgreSQL through ``FOR UPDATE SKIP LOCKED``), so two workers,
  in one process or in several instances, never both run it. Its outcome is recorded only while
  the same worker still holds the claim.
* **Survives a restart.** The queue is the ``job`` table: a job enqueued while no worker runs is
  claimed by the next worker that starts. A running job holds a lease (``lease_until``), renewed
  by a heartbeat and by every progress report; a worker that stops cleanly puts its running jobs
  back in the queue at once; when a worker dies, :func:`recover` (at start-up and every minute)
  re-queues its jobs once their lease ran out, or fails them with a clear error once they have
  been tried ``max_attempts`` times.
* **Cancellation** is cooperative: :func:`events.jobs.services.cancel` sets ``cancel_requested``;
  the function sees it at its next ``ctx.check()`` (or ``progress()``) and the job ends
  ``cancelled``.

:class:`JobRunner` is the in-process worker (the embedded default, started by the app's lifespan,
see :mod:`events.jobs.backends`); the SAQ backend (``events.jobs.saq_backend``) calls
:func:`claim_job` and :func:`execute` from its own worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import json
import logging
import os
import secrets
import socket
import time
from typing import Any

from events import clock, signals
from events.auth.principal import Actor
from events.auth.services import load_actor
from events.db import dialect, statements, write_transaction
from events.errors import DomainError
from events.i18n.catalogues import N_
from events.jobs import dispatch, registry, services
from events.jobs.registry import JobCancelled, JobResult
from events.jobs.tables import Job, JobStatus
from events.settings import get_settings

logger = logging.getLogger("events.jobs")

#: Progress reports closer together than this stay in memory (a 1,000-badge job would otherwise
#: write 1,000 rows); the first, a changed message, and the last are always written.
PROGRESS_INTERVAL = 0.5


def default_lease() -> datetime.timedelta:
    return datetime.timedelta(seconds=get_settings().job_lease_seconds)


MAX_ERROR_LENGTH = 1000
BACK_IN_QUEUE = N_("Back in the queue: its worker stopped")
INTERRUPTED = "The worker running this job stopped (a restart or a crash) too often; run it again."


def new_worker_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


# ``id = (scalar subquery)``, not ``id IN (subquery)``: PostgreSQL may run an IN subquery more than
# once inside an UPDATE and so claim more rows than its LIMIT; a scalar subquery runs once.
_CLAIM = """
UPDATE job SET status = 'running', claimed_by = ?, lease_until = ?, started_at = ?,
               attempts = attempts + 1, message = ''
WHERE id = (
    SELECT id FROM job
    WHERE status = 'queued' AND created_at <= ? {only}
    ORDER BY id
    LIMIT 1
    {skip_locked}
)
AND status = 'queued'
RETURNING id
"""


async def _claim(
    worker_id: str, lease: datetime.timedelta | None, *, job_id: int | None, older_than: float
) -> int | None:
    now = clock.now()
    args: list[Any] = [
        worker_id,
        now + (lease or default_lease()),
        now,
        now - datetime.timedelta(seconds=older_than),
    ]
    only = ""
    if job_id is not None:
        only = "AND id = ?"
        args.append(job_id)
    sql = _CLAIM.format(only=only, skip_locked=dialect().skip_locked)
    async with write_transaction():
        rows = await statements.fetch(sql, *args)
    return rows[0]["id"] if rows else None


async def claim_next(
    worker_id: str, lease: datetime.timedelta | None = None, *, older_than: float = 0.0
) -> int | None:
    """Claim the oldest queued job (queued at least ``older_than`` seconds ago); its id, or None."""
    if not await Job.exists().where(Job.status == JobStatus.queued.value):
        return None  # an idle worker takes no write lock
    return await _claim(worker_id, lease, job_id=None, older_than=older_than)


async def claim_job(job_id: int, worker_id: str, lease: datetime.timedelta | None = None) -> bool:
    """Claim one job by id (a backend told us about it); False when another worker has it or it ended."""
    return await _claim(worker_id, lease, job_id=job_id, older_than=0.0) is not None


def _mine(job_id: int, worker_id: str):
    return (Job.id == job_id) & (Job.claimed_by == worker_id) & (Job.status == JobStatus.running.value)


class _Context:
    """What a job function sees: its actor, progress reports and the cancel flag."""

    def __init__(self, job_id: int, actor: Actor, worker_id: str, lease: datetime.timedelta) -> None:
        self.job_id = job_id
        self.actor = actor
        self.worker_id = worker_id
        self.lease = lease
        self._cancel = False
        self._written_at = 0.0
        self._message: str | None = None
        #: The newest report not yet written (held back by the interval): written with the outcome.
        self.pending: dict | None = None

    async def progress(self, fraction: float, message: str = "", **args: Any) -> None:
        fraction = min(max(float(fraction), 0.0), 1.0)
        now = time.monotonic()
        if message == self._message and fraction < 1.0 and now - self._written_at < PROGRESS_INTERVAL:
            self.pending = {Job.message: message[:200], Job.message_args: json.dumps(args, default=str)}
            return
        self._written_at, self._message, self.pending = now, message, None
        async with write_transaction():
            rows = await (
                Job.update(
                    {
                        Job.progress: fraction,
                        Job.message: message[:200],
                        Job.message_args: json.dumps(args, default=str),
                        Job.lease_until: clock.now() + self.lease,
                    }
                )
                .where(_mine(self.job_id, self.worker_id))
                .returning(Job.cancel_requested)
            )
        self._cancel = not rows or bool(rows[0]["cancel_requested"])

    async def cancelled(self) -> bool:
        if not self._cancel:
            row = await Job.select(Job.cancel_requested).where(_mine(self.job_id, self.worker_id)).first()
            self._cancel = row is None or bool(row["cancel_requested"])
        return self._cancel

    async def check(self) -> None:
        if await self.cancelled():
            raise JobCancelled


async def _heartbeat(job_id: int, worker_id: str, lease: datetime.timedelta) -> None:
    while True:
        await asyncio.sleep(max(lease.total_seconds() / 3, 0.05))
        with contextlib.suppress(Exception):
            async with write_transaction():
                await Job.update({Job.lease_until: clock.now() + lease}).where(_mine(job_id, worker_id))


async def _finish(job_id: int, worker_id: str, values: dict) -> bool:
    async with write_transaction():
        rows = (
            await Job.update({**values, Job.finished_at: clock.now(), Job.lease_until: None})
            .where(_mine(job_id, worker_id))
            .returning(Job.id)
        )
    if not rows:
        logger.warning("job %s is no longer held by %s; its outcome is not recorded", job_id, worker_id)
    return bool(rows)


async def _release(job_id: int, worker_id: str) -> None:
    """Put a job back in the queue untouched (this worker is stopping)."""
    async with write_transaction():
        await Job.update(
            {
                Job.status: JobStatus.queued.value,
                Job.claimed_by: "",
                Job.lease_until: None,
                Job.attempts: Job.attempts - 1,
                Job.message: BACK_IN_QUEUE,
                Job.message_args: "{}",
            }
        ).where(_mine(job_id, worker_id))


async def execute(job_id: int, worker_id: str, lease: datetime.timedelta | None = None) -> str:
    """Run a job this worker has claimed and record its outcome; returns the final status."""
    row = await Job.select().where(Job.id == job_id).first()
    if row is None or row["claimed_by"] != worker_id:
        return "lost"
    function = registry.function_for(row["kind"])
    if row["requested_by"] is None:
        actor: Actor | None = Actor.system("jobs")
    else:
        actor = await load_actor(row["requested_by"], via="job")
    if function is None or actor is None:
        error = (
            f"No job kind {row['kind']!r}"
            if function is None
            else "The account that asked for it is disabled"
        )
        await _finish(job_id, worker_id, {Job.status: JobStatus.failed.value, Job.error: error})
        return JobStatus.failed.value
    params = row["params"]
    params = json.loads(params) if isinstance(params, str) else (params or {})
    lease = lease or default_lease()
    context = _Context(job_id, actor, worker_id, lease)
    heartbeat = asyncio.create_task(_heartbeat(job_id, worker_id, lease))
    try:
        await context.check()
        outcome = await function(context, **params)
    except JobCancelled:
        await _finish(
            job_id, worker_id, {Job.status: JobStatus.cancelled.value, Job.message: N_("Cancelled")}
        )
        return JobStatus.cancelled.value
    except asyncio.CancelledError:
        await asyncio.shield(_release(job_id, worker_id))
        raise
    except DomainError as exc:
        await _finish(
            job_id, worker_id, {Job.status: JobStatus.failed.value, Job.error: exc.detail[:MAX_ERROR_LENGTH]}
        )
        return JobStatus.failed.value
    except Exception as exc:
        logger.exception("job %s (%s) failed", job_id, row["kind"])
        error = f"{type(exc).__name__}: {exc}"[:MAX_ERROR_LENGTH]
        await _finish(job_id, worker_id, {Job.status: JobStatus.failed.value, Job.error: error})
        return JobStatus.failed.value
    finally:
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
    result = outcome if isinstance(outcome, JobResult) else JobResult(data=outcome)
    values: dict = {
        Job.status: JobStatus.succeeded.value,
        Job.progress: 1.0,
        Job.result: json.dumps(result.data, default=str) if result.data is not None else None,
        Job.result_expires_at: services.result_expiry(),
        **(context.pending or {}),
    }
    stored = ""
    if result.file is not None:
        stored = services.store_file(job_id, result.file, encrypt=result.personal)
        values |= {
            Job.result_path: stored,
            Job.result_name: result.filename[:200],
            Job.result_type: result.content_type[:100],
            Job.result_encrypted: result.personal,
        }
    if not await _finish(job_id, worker_id, values):
        services.delete_file(stored)
        return "lost"
    return JobStatus.succeeded.value


async def recover(now: datetime.datetime | None = None) -> tuple[int, int]:
    """Jobs whose worker died (lease ran out): back to the queue, or failed after ``max_attempts``.

    Returns (re-queued, failed)."""
    now = now or clock.now()
    stale = (Job.status == JobStatus.running.value) & (Job.lease_until.is_null() | (Job.lease_until < now))
    if not await Job.exists().where(stale):
        return 0, 0
    async with write_transaction():
        requeued = await (
            Job.update(
                {
                    Job.status: JobStatus.queued.value,
                    Job.claimed_by: "",
                    Job.lease_until: None,
                    Job.message: BACK_IN_QUEUE,
                    Job.message_args: "{}",
                }
            )
            .where(stale & (Job.attempts < Job.max_attempts) & (Job.cancel_requested.eq(False)))
            .returning(Job.id)
        )
        failed = await (
            Job.update(
                {
                    Job.status: JobStatus.failed.value,
                    Job.error: INTERRUPTED,
                    Job.lease_until: None,
                    Job.finished_at: now,
                }
            )
            .where(stale)
            .returning(Job.id)
        )
    if requeued or failed:
        logger.warning("jobs: %s re-queued, %s failed after their worker stopped", len(requeued), len(failed))
    return len(requeued), len(failed)


async def maintain() -> None:
    """The periodic step: recover abandoned jobs, erase expired results, then tell the other areas
    the time (:data:`events.signals.periodic_tick`) for their time-driven work."""
    await recover()
    await services.purge_expired()
    await signals.periodic_tick.send(clock.now())


class JobRunner:
    """Claims and runs queued jobs in this process, ``concurrency`` at a time, until stopped.

    Polls every ``poll_interval`` seconds and wakes at once when this process enqueues a job;
    runs :func:`maintain` every ``maintenance_interval`` seconds. Errors (the database away) are
    logged and retried with a growing pause; the loop never dies.
    """

    def __init__(
        self,
        *,
        worker_id: str | None = None,
        concurrency: int = 2,
        lease: datetime.timedelta | None = None,
        poll_interval: float = 2.0,
        maintenance_interval: float | None = None,
        older_than: float = 0.0,
        max_error_interval: float = 60.0,
    ) -> None:
        self.worker_id = worker_id or new_worker_id()
        self.concurrency = max(1, concurrency)
        self.lease = lease or default_lease()
        self.poll_interval = poll_interval
        # A dead worker's jobs are found within a lease (at most a minute) of its lease running out.
        self.maintenance_interval = maintenance_interval or min(60.0, self.lease.total_seconds())
        self.older_than = older_than
        self.max_error_interval = max_error_interval
        self._task: asyncio.Task[None] | None = None
        self._running: set[asyncio.Task[str]] = set()
        self._wake = asyncio.Event()
        self._stopping = False

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        if self.running:
            return
        self._stopping = False
        self._wake = asyncio.Event()
        dispatch.listen(self._notified)
        self._task = asyncio.create_task(self._run(), name=f"job-runner {self.worker_id}")
        logger.info("job runner %s started", self.worker_id)

    async def _notified(self, job_id: int) -> None:
        self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def stop(self, grace: float = 5.0) -> None:
        """Stop claiming; give running jobs ``grace`` seconds, then cancel them (back to the queue)."""
        dispatch.unlisten(self._notified)
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping = True
        self._wake.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        if self._running:
            _, pending = await asyncio.wait(set(self._running), timeout=grace)
            for job in pending:
                job.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        logger.info("job runner %s stopped", self.worker_id)

    async def _run(self) -> None:
        errors = 0
        loop = asyncio.get_running_loop()
        next_maintenance = 0.0
        while not self._stopping:
            try:
                if loop.time() >= next_maintenance:
                    await maintain()
                    next_maintenance = loop.time() + self.maintenance_interval
                while len(self._running) < self.concurrency and not self._stopping:
                    job_id = await claim_next(self.worker_id, self.lease, older_than=self.older_than)
                    if job_id is None:
                        break
                    task = asyncio.create_task(
                        execute(job_id, self.worker_id, self.lease), name=f"job {job_id}"
                    )
                    self._running.add(task)
                    task.add_done_callback(self._done)
            except Exception:
                errors += 1
                pause = min(self.poll_interval * 2 ** min(errors - 1, 10), self.max_error_interval)
                logger.exception("job runner %s: claiming failed; retrying in %.0f s", self.worker_id, pause)
            else:
                errors = 0
                pause = self.poll_interval
            if self._stopping:
                break
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), pause)
            self._wake.clear()

    def _done(self, task: asyncio.Task[str]) -> None:
        self._running.discard(task)
        if not task.cancelled() and task.exception() is not None:
            logger.error("job task %s failed: %r", task.get_name(), task.exception())
        self._wake.set()  # a slot is free
