"""``events calendar …``: write a feed to a file, e.g. to publish it elsewhere or check it by hand."""

from __future__ import annotations

import click

from events import commands


@click.group("calendar")
def command() -> None:
    """Calendar feeds (iCalendar)."""


@command.command("export")
@click.option("--event", "event_slug", default=None, help="Slug of the event (default: the whole programme).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, allow_dash=True),
    default="-",
    show_default=True,
    help="File to write; - for standard output.",
)
def export(event_slug: str | None, output: str) -> None:
    """Write the programme feed, or one event's feed with its sessions, as an .ics file."""
    from events.calendars import services
    from events.programme.tables import Event

    async def build() -> bytes:
        if event_slug is None:
            feed = await services.programme_feed()
        else:
            row = await Event.select(Event.id).where(Event.slug == event_slug).first()
            if row is None:
                raise click.ClickException(f"No event with slug {event_slug!r}")
            feed = await services.event_feed(row["id"])
        return (await feed.build()).body

    body = commands.run(build)
    with click.open_file(output, "wb") as target:
        target.write(body)
