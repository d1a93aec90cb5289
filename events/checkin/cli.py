"""``events checkin …``: an event's check-in at a glance from a terminal (counts, conflicts)."""

from __future__ import annotations

import click

from events import commands


async def _event_id(slug: str) -> int:
    from events.programme.tables import Event

    row = await Event.select(Event.id).where(Event.slug == slug).first()
    if row is None:
        raise click.ClickException(f"No event with slug {slug!r}")
    return row["id"]


@click.group("checkin")
def command() -> None:
    """On-site check-in: counts per checkpoint and conflicts to look at."""


@command.command("live")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
def live(event_slug: str) -> None:
    """Inside now, admitted, expected and refused per checkpoint; open conflicts."""
    from events.auth.principal import Actor
    from events.checkin import live as live_services

    async def run():
        return await live_services.live(Actor.system("cli checkin live"), await _event_id(event_slug))

    view = commands.run(run)
    if not view.checkpoints:
        click.echo("No checkpoints yet.")
    for item in view.checkpoints:
        state = "" if item.active else " (closed)"
        click.echo(
            f"{item.name}{state}: inside {item.inside}, admitted {item.admitted} of {item.expected}, "
            f"refused {item.denied}"
        )
    click.echo(f"Open conflicts: {view.open_conflicts}")


@command.command("conflicts")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
@click.option("--all", "show_all", is_flag=True, help="Resolved ones too.")
def conflicts(event_slug: str, show_all: bool) -> None:
    """Who, where, when: both scans of each conflict."""
    from events.auth.principal import Actor
    from events.checkin import conflicts as conflict_services

    async def run():
        items, _ = await conflict_services.list_conflicts(
            Actor.system("cli checkin conflicts"),
            await _event_id(event_slug),
            status="all" if show_all else "open",
            limit=200,
            offset=0,
        )
        return items

    for item in commands.run(run):
        who = f"{item.person.full_name} ({item.person.reference})" if item.person else "unknown badge"
        sides = [side for side in (item.first, item.second) if side is not None]
        when = "; ".join(f"{side.scanned_at:%Y-%m-%d %H:%M} on {side.device_id}" for side in sides)
        done = f" — resolved: {item.resolution_note}" if item.resolved_at else ""
        click.echo(f"#{item.id} {item.kind} at {item.checkpoint.name}: {who}; {when}{done}")
