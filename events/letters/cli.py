"""``events letters …``: the signing key for development, and building an event's letters in bulk."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import click

from events import commands


@click.group("letters")
def command() -> None:
    """Invitation and visa-support letters."""


@command.group("keys")
def keys() -> None:
    """The key and certificate letters are signed with."""


@keys.command("init")
@click.option(
    "--force", is_flag=True, help="Replace an existing development key (letters signed with it stay valid)."
)
@click.option(
    "--common-name",
    default="OneStop Events letters (development)",
    show_default=True,
    help="The certificate's subject name.",
)
def keys_init(force: bool, common_name: str) -> None:
    """Create a self-signed certificate and key in DATA_DIR/letters/ (files 0600), for development.

    Production signs with the organiser's own key and certificate instead: set LETTER_SIGNING_KEY
    and LETTER_SIGNING_CERT (and LETTER_SIGNING_KEY_PASSWORD)."""
    from events.letters import signing
    from events.settings import get_settings

    settings = get_settings()
    if settings.is_production and not force:
        raise click.ClickException(
            "This makes a self-signed development key; production letters are signed with the organiser's "
            f"certificate ({signing.ENV_KEY}, {signing.ENV_CERT}). Add --force to make one anyway."
        )
    directory = signing.development_directory(settings)
    try:
        key_path, cert_path = signing.create_development_key(directory, common_name=common_name, force=force)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    identity = signing.identity_from_files(
        str(key_path), str(cert_path), source=f"development key in {directory}", development=True
    )
    click.echo(f"key:         {key_path}")
    click.echo(f"certificate: {cert_path}")
    for name, value in signing.describe(identity).items():
        click.echo(f"{name + ':':13}{value}")
    if os.environ.get(signing.ENV_KEY):
        click.echo(f"Note: {signing.ENV_KEY} is set, so the service signs with that key, not this one.")


@keys.command("show")
def keys_show() -> None:
    """Which key letters would be signed with now, and its certificate (checks it loads)."""
    from events.letters import signing

    try:
        identity = signing.current_identity()
    except signing.SigningConfigurationError as exc:
        raise click.ClickException(str(exc)) from exc
    for name, value in signing.describe(identity).items():
        click.echo(f"{name + ':':13}{value}")


@command.command("build")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
@click.option(
    "--kind",
    type=click.Choice(["invitation", "visa_support", "all"]),
    default="all",
    show_default=True,
    help="Which letters.",
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="ZIP file to write (default: SLUG-letters.zip).",
)
@click.option("--no-issue", is_flag=True, help="Only write the ZIP of the letters issued already.")
def build(event_slug: str, kind: str, output: Path | None, no_issue: bool) -> None:
    """Issue every missing letter of an event (approved participants; visa letters for those who
    need a visa), then write all valid letters to a ZIP. Registrations that cannot get a letter
    (no passport data, expired passport, incomplete letter profile…) are listed and skipped."""
    from events.auth.principal import Actor
    from events.letters import issuing, stored
    from events.programme.tables import Event

    actor = Actor.system("cli letters build")
    kinds = stored.kinds_from(kind)
    target = output or Path(f"{event_slug}-letters.zip")

    async def run() -> tuple[object, int]:
        event = await Event.select(Event.id).where(Event.slug == event_slug).first()
        if event is None:
            raise click.ClickException(f"No event with slug {event_slug!r}")
        report = None
        if not no_issue:
            with commands.progress_bar("issuing letters") as issued:

                def on_issued(done: int, total: int) -> None:
                    issued(
                        done / total if total else 1.0, "letter %(done)s of %(total)s", done=done, total=total
                    )

                report = await issuing.issue_missing(actor, event["id"], kinds, on_progress=on_issued)
        with commands.progress_bar("writing the ZIP") as zipped:

            async def on_letter(done: int, total: int) -> None:
                await zipped(
                    done / total if total else 1.0, "letter %(done)s of %(total)s", done=done, total=total
                )

            return report, await _write(
                await stored.archive_chunks(actor, event["id"], kinds=kinds, on_letter=on_letter)
            )

    async def _write(chunks) -> int:
        partial = target.with_name(f".{target.name}.partial")
        written = 0
        handle = await asyncio.to_thread(partial.open, "wb")
        try:
            async for chunk in chunks:
                await asyncio.to_thread(handle.write, chunk)
                written += 1
        finally:
            handle.close()
        partial.replace(target)
        return max(written - 1, 0)

    report, letters = commands.run(run)
    if report is not None:
        click.echo(
            f"issued {report.issued}, already valid {report.already_valid}, skipped {len(report.skipped)}"
        )
        for item in report.skipped:
            click.echo(f"  {item.registration_reference} ({item.kind.value}): {item.reason}")
    click.echo(f"wrote {letters} letter(s) to {target}")
