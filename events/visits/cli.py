"""``events visits …``: schedule an event's study visits from the command line, load demo visits."""

from __future__ import annotations

import click

from events import commands


@click.group("visits")
def command() -> None:
    """Study visits: scheduling and demo data."""


@command.command("schedule")
@click.option("--event", "event_slug", required=True, help="Slug of the event.")
@click.option(
    "--time-limit",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0.5, 600),
    help="Seconds for the solver.",
)
@click.option("--commit", is_flag=True, help="Commit the proposal (otherwise a dry run only).")
def schedule(event_slug: str, time_limit: float, commit: bool) -> None:
    """Assign the approved participants to visit slots; print the figures (and commit with --commit)."""
    from events.auth.principal import Actor
    from events.programme.tables import Event
    from events.visits import runs

    async def run():
        row = await Event.select(Event.id).where(Event.slug == event_slug).first()
        if row is None:
            raise click.ClickException(f"No event with slug {event_slug!r}")
        actor = Actor.system("visits cli")
        proposal = await runs.dry_run(actor, row["id"], time_limit, progress=report)
        committed = (
            await runs.commit_run(actor, row["id"], proposal.id) if commit and proposal.committable else None
        )
        return proposal, committed

    with commands.progress_bar("scheduling") as report:
        proposal, committed = commands.run(run)
    gap = "" if proposal.gap is None else f", gap {proposal.gap:.2%}"
    click.echo(f"Run {proposal.id}: {proposal.solver_status}{gap} in {proposal.seconds:.2f} s")
    if proposal.metrics:
        m = proposal.metrics
        first = f"{m.first_choice_share:.0%}" if m.first_choice_share is not None else "-"
        any_ = f"{m.any_choice_share:.0%}" if m.any_choice_share is not None else "-"
        click.echo(
            f"Placed {m.placed} of {m.participants}; first choice {first}, any choice {any_}; "
            f"worst rank {m.worst_rank}"
        )
        for site in m.per_site:
            click.echo(f"  {site.site_name}: {site.assigned}/{site.seats} ({site.fill:.0%})")
    for problem in proposal.blocking + proposal.pin_conflicts:
        click.echo(f"! {problem}")
    for unplaced in proposal.unplaced:
        click.echo(f"- {unplaced.name} ({unplaced.reference}): {unplaced.reason}")
    if commit:
        if committed is None:
            raise click.ClickException("Not committed: fix the problems above first")
        click.echo(
            f"Committed: {committed.assigned} visits ({committed.changes.added} new, {committed.changes.moved} moved)."
        )


@command.command("demo")
def demo() -> None:
    """Give the demo's ASAN centres coordinates and hours, and plan the Baku symposium's visits."""
    from events.auth.principal import Actor
    from events.visits.demo import load_demo_visits

    summary = commands.run(lambda: load_demo_visits(Actor.system("demo")))
    if not summary.get("created"):
        click.echo("Nothing to do: the Baku symposium is missing or has visit slots already.")
        return
    click.echo(
        f"Demo visits: {summary['slots']} slots, {summary['vehicles']} vehicles, {summary['preferences']} "
        f"participants' choices, {summary['assigned']} assigned ({summary['solver_status']})."
    )
