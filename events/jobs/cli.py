"""``events worker``: run job workers (the SAQ queue, or the job table when in-process) and the
outbox sender, so that web instances can run with ``JOBS_WORKER=off`` and ``OUTBOX_WORKER=off``."""

from __future__ import annotations

import asyncio
import signal

import click

from events import db
from events.jobs import runner
from events.jobs.saq_backend import SaqWorker
from events.notifications.sender import OutboxWorker
from events.settings import Settings, get_settings


async def serve(
    settings: Settings,
    stop: asyncio.Event,
    *,
    concurrency: int | None = None,
    mail: bool = True,
    ready: asyncio.Event | None = None,
) -> None:
    """Run jobs and deliver the outbox until ``stop`` is set (the database is already open).

    Jobs come from the SAQ queue (``JOBS_BACKEND=saq``) or are claimed from the job table (the
    in-process backend); the outbox sender claims due messages with a lease, so it may run in
    every worker and web instance at once without sending a message twice."""
    if settings.jobs_backend == "saq":
        jobs = SaqWorker(settings)
        if concurrency:
            jobs.worker.concurrency = concurrency
        start, end = jobs.begin, jobs.end
    else:
        job_runner = runner.JobRunner(concurrency=concurrency or settings.jobs_concurrency)

        async def start() -> None:
            job_runner.start()

        end = job_runner.stop
    outbox = OutboxWorker(settings) if mail else None
    await start()
    try:
        if outbox is not None:
            outbox.start()
        if ready is not None:
            ready.set()
        await stop.wait()
    finally:
        if outbox is not None:
            await outbox.stop()
        await end()


@click.command("worker")
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=None, help="Jobs at a time (JOBS_CONCURRENCY)."
)
@click.option(
    "--mail/--no-mail",
    default=True,
    show_default=True,
    help="Also deliver the e-mail outbox (web instances can then run with OUTBOX_WORKER=off).",
)
def command(concurrency: int | None, mail: bool) -> None:
    """Run jobs (scheduler runs, ZIPs, badge sheets, imports) and deliver e-mail until stopped with
    Ctrl-C or SIGTERM.

    With PostgreSQL (or JOBS_URL=redis://…) it takes jobs from the SAQ queue; with the in-process
    backend it claims them from the job table, which is what the service itself does by default."""
    settings = get_settings()

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await db.start()
        try:
            click.echo(
                f"worker running ({settings.jobs_backend} jobs{', e-mail delivery' if mail else ''});"
                " Ctrl-C stops it"
            )
            await serve(settings, stop, concurrency=concurrency, mail=mail)
        finally:
            await db.stop()

    asyncio.run(main())
