"""``events badges …``: print an event's badges, issue the missing ones, rotate and retire keys."""

from __future__ import annotations

from typing import BinaryIO

import click

from events import commands


async def _event_id(slug: str) -> int:
    from events.programme.tables import Event

    row = await Event.select(Event.id).where(Event.slug == slug).first()
    if row is None:
        raise click.ClickException(f"No event with slug {slug!r}")
    return row["id"]


@click.group("badges")
def command() -> None:
    """Badges: print sheets, issue, rotate and retire the signing keys."""


@command.command("print")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
@click.option(
    "--sheet",
    type=click.Choice(["a6", "card", "4xa6", "2x5", "8xa7"]),
    default="a6",
    show_default=True,
    help="a6 / card: one badge a page; 4xa6, 2x5 (54x90 cards), 8xa7: A4 sheets.",
)
@click.option("--crop-marks", is_flag=True, help="Draw crop marks on the cut lines.")
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="FILE.zip: one PDF per 200 badges (flat memory); FILE.pdf: one PDF.",
)
@click.option(
    "--status",
    type=click.Choice(["approved", "submitted", "waitlisted", "rejected", "cancelled"]),
    default="approved",
    show_default=True,
)
@click.option(
    "--role",
    type=click.Choice(["participant", "speaker", "organiser", "staff", "press", "guide"]),
    default=None,
)
@click.option("--country", default=None, help="ISO code of the country represented.")
@click.option("--sort", type=click.Choice(["name", "country"]), default="name", show_default=True)
@click.option("--no-issue", is_flag=True, help="Do not issue badges to approved registrations without one.")
def print_badges(
    event_slug: str,
    sheet: str,
    crop_marks: bool,
    out: str,
    status: str,
    role: str | None,
    country: str | None,
    sort: str,
    no_issue: bool,
) -> None:
    """Render the badges of an event, e.g. `events badges print --event baku-2027 --sheet 4xa6 --out b.zip`."""
    from events.auth.principal import Actor
    from events.badges import printing, schemas
    from events.badges.tables import BadgeRole
    from events.registration.tables import RegistrationStatus

    request = printing.PrintRequest(
        sheet=schemas.SheetKind(sheet),
        crop_marks=crop_marks,
        status=RegistrationStatus(status),
        role=BadgeRole(role) if role else None,
        country=country,
        sort=schemas.SortOrder(sort),
    )

    async def run(target: BinaryIO) -> printing.Selection:
        actor = Actor.system("cli badges print")
        event_id = await _event_id(event_slug)
        with commands.progress_bar("badges") as report:

            async def progress(done: int, total: int) -> None:
                # The same callback a print job reports through (events.badges.jobs).
                await report(
                    done / total if total else 0.0, "badge %(done)s of %(total)s", done=done, total=total
                )

            if out.lower().endswith(".pdf"):
                pdf, selection = await printing.print_pdf(
                    actor, event_id, request, progress=progress, issue=not no_issue
                )
                target.write(pdf)
            else:
                selection = await printing.select(actor, event_id, request, issue=not no_issue)
                await printing.write_zip(
                    selection, target, prefix=f"badges-{event_slug}-{sheet}", progress=progress
                )
        return selection

    with open(out, "wb") as target:
        selection = commands.run(lambda: run(target))
    summary, badges = selection.summary, selection.badges
    if summary["issued"]:
        click.echo(f"Issued {summary['issued']} missing badge(s).")
    for registration_id, scripts in summary["names_in_latin"].items():
        click.echo(
            f"Warning: registration {registration_id}: no font for {', '.join(scripts)}; "
            "the badge shows the Latin name."
        )
    click.echo(f"Wrote {len(badges)} badge(s) on {selection.pages} page(s) to {out}.")
    if summary["skipped_without_badge"]:
        click.echo(f"Skipped {summary['skipped_without_badge']} registration(s) without a valid badge.")
    if summary["skipped_revoked"]:
        click.echo(
            f"Skipped {summary['skipped_revoked']} registration(s) whose badge was revoked "
            "(reissue a badge to print it)."
        )


@command.command("issue")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
def issue(event_slug: str) -> None:
    """Issue a badge to every approved registration that has none."""
    from events.auth.principal import Actor
    from events.badges import services

    async def run():
        return await services.issue_missing(Actor.system("cli badges issue"), await _event_id(event_slug))

    result = commands.run(run)
    click.echo(f"Issued {result.issued}; {result.existing} already had one.")
    for skipped in result.skipped:
        click.echo(
            f"Skipped registration {skipped.registration_id}: its badge was revoked "
            f"({skipped.revocation.value}); reissue it to give it a new one."
        )


@command.command("rotate-key")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
def rotate_key(event_slug: str) -> None:
    """Create a new signing key; older keys keep verifying until retired."""
    from events.auth.principal import Actor
    from events.badges import keys

    async def run():
        return await keys.rotate_key(Actor.system("cli badges rotate-key"), await _event_id(event_slug))

    key = commands.run(run)
    click.echo(f"New signing key {key.key_id} (public {key.public_key}).")


@command.command("retire-key")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
@click.argument("key_id")
def retire_key(event_slug: str, key_id: str) -> None:
    """Retire a key: codes it signed are refused from now on."""
    from events.auth.principal import Actor
    from events.badges import keys

    async def run():
        return await keys.retire_key(
            Actor.system("cli badges retire-key"), await _event_id(event_slug), key_id
        )

    result = commands.run(run)
    click.echo(
        f"Retired {result.key.key_id}; {result.badges_affected} valid badge(s) were signed with it: reissue them."
    )
