"""The ``events`` command: serve, migrate, load the demo, manage accounts.

Every command reads the same settings as the service (``DATABASE_URL``, ``DATA_DIR`` …).
"""

from __future__ import annotations

import getpass
import sys
from typing import Any

import click

from events import commands, plugin


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """OneStop Events: registration, letters, badges, check-in and study visits."""
    from events.settings import ConfigurationError, get_settings

    try:
        get_settings()
    except ConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    plugin.connect_listeners()


@main.command()
def migrate() -> None:
    """Apply the database migrations (creates the schema on an empty database)."""
    commands.run(commands.apply_migrations)
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

    from events.db import dialect_for
    from events.settings import get_settings

    settings = get_settings()
    database = dialect_for(settings)
    if workers > 1 and not database.supports_many_workers:
        raise click.ClickException(
            f"Several workers need PostgreSQL: {database.label} admits one writer at a time"
        )
    if migrate:
        commands.run(commands.apply_migrations)
    click.echo(f"Serving on http://{host}:{port} (database: {database.label})")
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

    summary: dict[str, Any] = commands.run(
        lambda: load_demo(participants=participants, if_empty=if_empty, seed=seed)
    )
    for line in summary.get("lines", []):
        click.echo(line)


@main.group()
def outbox() -> None:
    """The e-mail outbox."""


@outbox.command("send")
def outbox_send() -> None:
    """Send every due message once (e.g. from cron when OUTBOX_WORKER=off)."""
    from events.notifications.sender import new_worker_id, send_due

    async def run() -> tuple[int, int]:
        worker, sent_total, failed_total = new_worker_id(), 0, 0
        while True:
            sent, failed = await send_due(worker)
            sent_total, failed_total = sent_total + sent, failed_total + failed
            if sent + failed == 0:
                return sent_total, failed_total

    sent, failed = commands.run(run)
    click.echo(f"sent {sent}, failed {failed}")


@outbox.command("status")
def outbox_status_command() -> None:
    """Counts of pending, sent and failing messages."""
    from events.notifications.sender import outbox_status

    for key, value in commands.run(outbox_status).items():
        click.echo(f"{key}: {value}")


@main.command("purge-sensitive")
@click.option("--dry-run", is_flag=True, help="Only count what would be erased.")
def purge_sensitive(dry_run: bool) -> None:
    """Erase passport numbers, dates and places of birth of events that ended more than
    SENSITIVE_RETENTION_DAYS ago (default 90). Run it daily (cron)."""
    from events.auth.principal import Actor
    from events.registration.retention import purge_sensitive as purge

    result = commands.run(lambda: purge(Actor.system("cli purge-sensitive"), dry_run=dry_run))
    verb = "would erase" if dry_run else "erased"
    if not result:
        click.echo("Nothing to erase.")
    for event_id, count in result.items():
        click.echo(f"event {event_id}: {verb} the sensitive data of {count} registration(s)")


@main.command("rotate-data-key")
def rotate_data_key() -> None:
    """Re-encrypt stored personal data (registrations' passport data, letters' PDFs, calendar feed
    links, country action plans' documents) with the first key of DATA_ENCRYPTION_KEYS (keep the old keys listed after it until this
    has run)."""
    from events.action_plans.services import rotate_data_key as rotate_plans
    from events.auth.principal import Actor
    from events.calendars.services import rotate_feed_secrets
    from events.db import write_transaction
    from events.letters import retention
    from events.notifications.services import rotate_withheld_secrets
    from events.registration.retention import rotate_data_key as rotate

    async def rotate_everything() -> tuple[int, int, int, int, int]:
        actor = Actor.system("cli rotate-data-key")
        registrations = await rotate(actor)
        letters = await retention.rotate_data_key(actor)
        async with write_transaction():
            messages = await rotate_withheld_secrets()
        async with write_transaction():
            feeds = await rotate_feed_secrets()
        plans = await rotate_plans(actor)
        return registrations, letters, messages, feeds, plans

    registrations, letters, messages, feeds, plans = commands.run(rotate_everything)
    click.echo(
        f"Re-encrypted {registrations} registration(s), {letters} letter(s), {messages} unsent e-mail(s),"
        f" {feeds} calendar feed link(s) and {plans} action plan document(s)."
    )


@main.group()
def registrations() -> None:
    """Registrations: import lists."""


@registrations.command("import")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Validate and report; write nothing.")
@click.option("--atomic", is_flag=True, help="Import nothing unless every row is valid.")
@click.option(
    "--consent-collected", is_flag=True, help="The nominating body collected consent for every row."
)
def registrations_import(
    event_slug: str, path: str, dry_run: bool, atomic: bool, consent_collected: bool
) -> None:
    """Import a CSV (UTF-8) or XLSX list; prints a report per row."""
    from pathlib import Path

    from events.auth.principal import Actor
    from events.programme.tables import Event
    from events.registration import importer

    content = Path(path).read_bytes()

    async def run():
        event = await Event.select(Event.id).where(Event.slug == event_slug).first()
        if event is None:
            raise click.ClickException(f"No event with slug {event_slug!r}")
        rows = importer.read_table(content, path)
        return await importer.import_registrations(
            Actor.system("cli import"),
            event["id"],
            rows,
            dry_run=dry_run,
            atomic=atomic,
            consent_collected=consent_collected,
        )

    report = commands.run(run)
    with click.progressbar(report.rows, label="rows") as rows:
        for row in rows:
            if row.outcome == "rejected":
                click.echo(f"\n  row {row.row} ({row.email}): rejected: {'; '.join(row.errors)}")
    state = (
        "dry run, nothing written"
        if report.dry_run
        else ("written" if report.committed else "nothing written")
    )
    click.echo(f"created {report.created}, updated {report.updated}, rejected {report.rejected} ({state})")


@main.group()
def user() -> None:
    """Manage accounts."""


@user.command("create")
@click.argument("username")
@click.option("--email", required=True, help="The account's e-mail address.")
@click.option(
    "--role",
    type=click.Choice(["organiser", "staff", "participant", "travel_agent"]),
    required=True,
    help="organiser without --event: the whole programme (and /admin); staff and travel_agent need --event.",
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

    user_id, secret = commands.run(create)
    click.echo(
        f"Created user {username} (id {user_id}) as {role}" + (f" of {event_slug}" if event_slug else "")
    )
    if secret:
        click.echo(f"API token (shown once): {secret}")


for area_command in plugin.CLI_COMMANDS:
    main.add_command(area_command)


if __name__ == "__main__":
    main()
