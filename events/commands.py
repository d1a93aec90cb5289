"""What every command-line command shares: run a coroutine with the database open, apply migrations.

Area CLIs (``events/<area>/cli.py``) and the demo loader import these; ``events.cli`` assembles
the ``events`` command from them.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import click

from events import db
from events.errors import DomainError

T = TypeVar("T")


def run(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine with the database pool open, turning domain errors into readable exits."""

    async def main() -> T:
        await db.start()
        try:
            return await factory()
        finally:
            await db.stop()

    try:
        return asyncio.run(main())
    except DomainError as exc:
        details = "".join(f"\n  {e.field}: {e.message}" for e in exc.errors)
        raise click.ClickException(f"{exc.detail}{details}") from exc


async def apply_migrations() -> None:
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards(app_name="events")
    if not result.success:
        raise click.ClickException(f"Migrations failed: {result.message}")


class _Reported:
    """What :func:`progress_bar`'s callback returns: awaitable (as a job's ``ctx.progress`` is), and
    harmless when a synchronous caller does not await it."""

    def __await__(self):
        return iter(())


_REPORTED = _Reported()

#: A progress report as services and jobs make it: fraction done (0–1), a message id, its values.
ProgressCallback = Callable[..., Awaitable[None]]


@contextlib.contextmanager
def progress_bar(label: str) -> Iterator[ProgressCallback]:
    """A progress bar on standard error for a bulk command, driven by the same callback a job's
    ``ctx.progress`` is (``await report(fraction, message, **values)``); the message, filled in,
    follows the bar; synchronous callers may call it without awaiting. Without a terminal (a pipe, a log) rich prints nothing but the final state."""
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    columns += (TextColumn("{task.fields[note]}"),)
    with Progress(*columns, console=Console(file=sys.stderr), transient=False) as progress:
        task = progress.add_task(label, total=1.0, note="")

        def report(fraction: float, message: str = "", **values: Any) -> _Reported:
            note = message % values if values and message else message
            progress.update(task, completed=min(max(float(fraction), 0.0), 1.0), note=note)
            return _REPORTED

        yield report
        progress.update(task, completed=1.0)
