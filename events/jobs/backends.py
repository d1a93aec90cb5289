"""Which worker runs jobs in this instance, and the lifespan that starts it with the app.

* ``inprocess`` (the default, and the only choice with SQLite): :class:`~events.jobs.runner.JobRunner`
  claims queued rows from the ``job`` table in the web process; nothing else to start.
* ``saq`` (PostgreSQL; ``JOBS_BACKEND=saq``): jobs are also put on a SAQ queue, in PostgreSQL (the
  database's own URL) or in Redis (``JOBS_URL=redis://…``); SAQ workers (``events worker``, and
  web instances unless ``JOBS_WORKER=off``) take them and claim the row (see
  :mod:`events.jobs.saq_backend`).
"""

from __future__ import annotations

import logging
from contextlib import AbstractAsyncContextManager
from typing import Any

from events.jobs.runner import JobRunner
from events.jobs.saq_backend import SaqProducer, SaqWorker
from events.settings import Settings, get_settings

logger = logging.getLogger("events.jobs")


class _WorkerLifespan(AbstractAsyncContextManager):
    """Starts this instance's job worker on enter (unless ``JOBS_WORKER=off``), stops it on exit."""

    def __init__(self, settings: Settings | None = None) -> None:
        self._settings = settings
        self.worker: Any = None

    async def __aenter__(self) -> Any:
        settings = self._settings or get_settings()
        if not settings.jobs_worker:
            logger.info("job worker disabled (JOBS_WORKER=off); run `events worker`")
            if settings.jobs_backend != "saq":
                return None
            self.worker = SaqProducer(settings)  # this instance still enqueues
        else:
            self.worker = make_worker(settings)
        await self.worker.begin()
        return self.worker

    async def __aexit__(self, *exc_info: object) -> None:
        worker, self.worker = self.worker, None
        if worker is not None:
            await worker.end()


class InProcessWorker:
    """The embedded backend: a :class:`JobRunner` polling the job table."""

    def __init__(self, settings: Settings) -> None:
        self.runner = JobRunner(concurrency=settings.jobs_concurrency)

    async def begin(self) -> None:
        self.runner.start()

    async def end(self) -> None:
        await self.runner.stop()


def make_worker(settings: Settings) -> Any:
    if settings.jobs_backend == "saq":
        return SaqWorker(settings)
    return InProcessWorker(settings)


def lifespan_worker(settings: Settings | None = None) -> AbstractAsyncContextManager:
    """For Litestar's ``lifespan=[...]``, after the database lifespan."""
    return _WorkerLifespan(settings)
