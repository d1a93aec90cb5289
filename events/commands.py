"""What every command-line command shares: run a coroutine with the database open, apply migrations.

Area CLIs (``events/<area>/cli.py``) and the demo loader import these; ``events.cli`` assembles
the ``events`` command from them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

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
