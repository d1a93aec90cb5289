"""``events worker``: run job workers (the SAQ queue, or the job table when in-process)."""

from __future__ import annotations

import asyncio
import signal

import click

from events import db
from events.jobs import runner
from events.jobs.saq_backend import SaqWorker
from events.settings import get_settings


@click.command("worker")
@click.option(
    "--concurrency", type=click.IntRange(1, 64), default=None, help="Jobs at a time (JOBS_CONCURRENCY)."
)
def command(concurrency: int | None) -> None:
    """Run jobs (scheduler runs, ZIPs, badge sheets, imports) until stopped with Ctrl-C or SIGTERM.

    With PostgreSQL (or JOBS_URL=redis://…) it takes them from the SAQ queue; with the in-process
    backend it claims them from the job table, which is what the service itself does by default."""
    settings = get_settings()

    async def main() -> None:
        await db.start()
        try:
            if settings.jobs_backend == "saq":
                worker = SaqWorker(settings, handle_signals=True)
                if concurrency:
                    worker.worker.concurrency = concurrency
                await worker.serve()
                return
            job_runner = runner.JobRunner(concurrency=concurrency or settings.jobs_concurrency)
            stop = asyncio.Event()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
            job_runner.start()
            click.echo(f"job worker {job_runner.worker_id} running (in-process backend); Ctrl-C stops it")
            await stop.wait()
            await job_runner.stop()
        finally:
            await db.stop()

    asyncio.run(main())
