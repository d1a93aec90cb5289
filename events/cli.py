"""The ``events`` command: serve, migrate, load the demo, manage accounts.

Every command reads the same settings as the service (``DATABASE_URL``, ``DATA_DIR`` …).
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import click

T = TypeVar("T")


def _run(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine with the database pool open, turning domain errors into readable exits."""
    from events import db
    from events.errors import DomainError

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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """OneStop Events: registration, letters, badges, check-in and study visits."""
    from events.settings import ConfigurationError, get_settings

    try:
        get_settings()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc


@main.command()
def migrate() -> None:
    """Apply the database migrations (creates the schema on an empty database)."""
    _run(apply_migrations)
    click.echo("Migrations applied.")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=int, help="TCP port.")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    envvar="WEB_CONCURRENCY",
    help="Worker processes; more than one needs PostgreSQL. [env: WEB_CONCURRENCY]",
)
@click.option(
    "--migrate/--no-migrate", default=True, show_default=True, help="Apply migrations before serving."
)
@click.option("--proxy-headers/--no-proxy-headers", default=False, help="Trust X-Forwarded-* from the proxy.")
def serve(host: str, port: int, workers: int, migrate: bool, proxy_headers: bool) -> None:
    """Apply migrations, then serve the API, the pages and /admin."""
    import uvicorn

    from events.settings import get_settings

    settings = get_settings()
    if workers > 1 and settings.is_sqlite:
        raise click.ClickException("Several workers need PostgreSQL: SQLite admits one writer at a time")
    if migrate:
        _run(apply_migrations)
    click.echo(
        f"Serving on http://{host}:{port} (database: {'SQLite' if settings.is_sqlite else 'PostgreSQL'})"
    )
    uvicorn.run(
        "events.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=proxy_headers,
        log_level=settings.log_level.lower(),
    )


@main.command()
@click.option("--participants", default=300, show_default=True, type=click.IntRange(0, 5000))
@click.option("--if-empty", is_flag=True, help="Do nothing when the programme exists already.")
@click.option(
    "--seed", default=2027, show_default=True, type=int, help="Seed for the fictional participants."
)
def demo(participants: int, if_empty: bool, seed: int) -> None:
    """Load the real programme (workshop, five forums, the Baku symposium), ASAN centres and
    fictional participants, plus demo accounts for an organiser and a scanner."""
    from events.demo.loader import load_demo

    summary: dict[str, Any] = _run(lambda: load_demo(participants=participants, if_empty=if_empty, seed=seed))
    for line in summary.get("lines", []):
        click.echo(line)


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.argument("username")
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option(
    "--role",
    type=click.Choice(["organiser", "staff", "participant"]),
    required=True,
    help="organiser without --event: the whole programme (and /admin).",
)
@click.option("--event", "event_slug", default=None, help="Slug of the event the role is for.")
@click.option("--password", default=None, help="Read from a prompt when left out (preferred).")
@click.option(
    "--token", "make_token", is_flag=True, help="Also mint an API token (e.g. for a scanner device)."
)
def user_create(
    username: str, email: str, role: str, event_slug: str | None, password: str | None, make_token: bool
) -> None:
    """Create an account with a role, e.g. `events user create ana --email ana@example.org --role organiser`."""
    if password is None:
        if not sys.stdin.isatty():
            raise click.ClickException("Give --password, or run in a terminal to be prompted")
        password = getpass.getpass("Password (10+ characters): ")
        if password != getpass.getpass("Again: "):
            raise click.ClickException("The passwords differ")

    async def create() -> tuple[int, str | None]:
        from events.auth import services
        from events.auth.principal import Actor
        from events.auth.tables import Role
        from events.programme.tables import Event

        actor = Actor.system("cli")
        event_id = None
        if event_slug:
            row = await Event.select(Event.id).where(Event.slug == event_slug).first()
            if row is None:
                raise click.ClickException(f"No event with slug {event_slug!r}")
            event_id = row["id"]
        services.configure_password_hashing()
        created = await services.create_user(actor, username=username, email=email, password=password)
        await services.grant_role(actor, created["id"], Role(role), event_id)
        secret = None
        if make_token:
            _, secret = await services.create_token(actor, name=f"{username} (cli)", user_id=created["id"])
        return created["id"], secret

    user_id, secret = _run(create)
    click.echo(
        f"Created user {username} (id {user_id}) as {role}" + (f" of {event_slug}" if event_slug else "")
    )
    if secret:
        click.echo(f"API token (shown once): {secret}")


if __name__ == "__main__":
    main()
