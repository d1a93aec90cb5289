"""The SAQ backend: jobs on SAQ's queue in PostgreSQL (or in Redis with ``JOBS_URL=redis://…``).

Why SAQ: it is asyncio-native like the service, keeps its queue in PostgreSQL (``SELECT … FOR
UPDATE SKIP LOCKED`` plus ``LISTEN/NOTIFY`` so idle workers wake at once) or in Redis with the same
API, sweeps jobs whose worker vanished, and is what litestar-fullstack uses. Procrastinate would
tie us to PostgreSQL only and to its own schema migrations.

SAQ carries the *delivery*; the ``job`` table stays the record and the lock: a SAQ job only holds
our job's id, and the function claims the row (:func:`events.jobs.runner.claim_job`) before it runs
it, so a job SAQ delivered twice (a retry after a sweep) still runs once. Progress, cancellation,
results and their expiry live in our table, the same as with the in-process runner. Each SAQ worker
also runs a slow poll of the table (jobs queued for over 30 s that SAQ never delivered, e.g. when
Redis was down at the time of enqueueing) and the periodic recovery and purge.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from typing import Any

from saq import Queue, Worker

from events.jobs import dispatch
from events.jobs.runner import JobRunner, claim_job, execute, new_worker_id
from events.settings import Settings

logger = logging.getLogger("events.jobs")

QUEUE_NAME = "events-jobs"
FUNCTION = "events.run_job"


def queue_for(settings: Settings) -> Queue:
    url = settings.jobs_url or settings.database_url
    if url.startswith("redis"):
        return Queue.from_url(url, name=QUEUE_NAME)
    # SAQ's own psycopg pool, beside the service's: small, sized to the worker's concurrency.
    return Queue.from_url(url, name=QUEUE_NAME, min_size=1, max_size=settings.jobs_concurrency + 3)


class SaqProducer:
    """Puts every job enqueued in this process on the SAQ queue (also with ``JOBS_WORKER=off``)."""

    def __init__(self, settings: Settings) -> None:
        self.queue = queue_for(settings)

    async def _enqueue(self, job_id: int) -> None:
        # timeout=0: a job may run for minutes (our lease watches it); retries=1: our table decides;
        # a key of its own: SAQ drops an enqueue whose key it still keeps (a re-used id in a test database).
        await self.queue.enqueue(
            FUNCTION,
            job_id=job_id,
            key=f"events-job-{job_id}-{secrets.token_hex(4)}",
            timeout=0,
            retries=1,
            ttl=3600,
        )

    async def begin(self) -> None:
        await self.queue.connect()
        dispatch.listen(self._enqueue)

    async def end(self) -> None:
        dispatch.unlisten(self._enqueue)
        await self.queue.disconnect()


class SaqWorker:
    """A SAQ worker for our jobs plus the table's slow poll and maintenance."""

    def __init__(
        self,
        settings: Settings,
        *,
        worker_id: str | None = None,
        handle_signals: bool = False,
        grace_s: int = 5,
    ) -> None:
        self.worker_id = worker_id or new_worker_id()
        self.producer = SaqProducer(settings)
        self.worker = Worker(
            self.producer.queue,
            functions=[(FUNCTION, self._run_job)],
            concurrency=settings.jobs_concurrency,
            shutdown_grace_period_s=grace_s,
        )
        if not handle_signals:
            self.worker.SIGNALS = []  # inside the web server, uvicorn owns the signals
        self.runner = JobRunner(worker_id=self.worker_id, concurrency=1, poll_interval=30.0, older_than=30.0)
        self._task: asyncio.Task[None] | None = None

    async def _run_job(self, ctx: dict[str, Any], *, job_id: int) -> str:
        if not await claim_job(job_id, self.worker_id):
            return "taken"  # cancelled, or another worker (or a poll) has it
        return await execute(job_id, self.worker_id)

    async def begin(self) -> None:
        await self.producer.begin()
        self._task = asyncio.create_task(self.worker.start(), name=f"saq-worker {self.worker_id}")
        self.runner.start()
        logger.info("SAQ job worker %s started on %r", self.worker_id, self.producer.queue)

    async def end(self) -> None:
        await self.runner.stop()
        await self.worker.stop()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self.producer.end()

    async def serve(self) -> None:
        """Run until the worker is stopped (``events worker``: SIGINT/SIGTERM stop it)."""
        await self.begin()
        try:
            assert self._task is not None
            await self._task
        finally:
            await self.end()
