"""What an organiser reads before and after scheduling: the demand for each slot, and the figures
of the plan in force (the assignments as they stand, committed runs and hand placements alike),
to set beside a dry run's proposal."""

from __future__ import annotations

import datetime
from collections import defaultdict

from msgspec import Struct

from events.auth.principal import Actor
from events.visits import schemas, solver
from events.visits.problem import build_problem
from events.visits.runs import fills
from events.visits.slots import list_slots


class SlotDemand(Struct):
    slot_id: int
    site_id: int
    site_name: str
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    capacity: int
    assigned: int
    #: Approved participants who ranked this slot first, or at any rank.
    first: int
    ranked: int


class SiteDemand(Struct):
    """Choices of a site at any time (any of its slots)."""

    site_id: int
    site_name: str
    capacity: int
    first: int
    ranked: int


class Demand(Struct):
    participants: int
    with_choices: int
    #: Approved participants who ranked nothing (the scheduler places them where seats are left).
    without_choices: int
    slots: list[SlotDemand]
    sites: list[SiteDemand]


async def demand(actor: Actor, event_id: int) -> Demand:
    """Per slot: how many approved participants ranked it first or at all, against its seats."""
    actor.require_organiser(event_id)
    built = await build_problem(event_id)
    slot_first: dict[int, int] = defaultdict(int)
    slot_ranked: dict[int, int] = defaultdict(int)
    site_first: dict[int, int] = defaultdict(int)
    site_ranked: dict[int, int] = defaultdict(int)
    for participant in built.problem.participants:
        for rank, choice in enumerate(participant.choices, start=1):
            if choice.slot_id is not None:
                slot_ranked[choice.slot_id] += 1
                slot_first[choice.slot_id] += rank == 1
            elif choice.site_id is not None:
                site_ranked[choice.site_id] += 1
                site_first[choice.site_id] += rank == 1
    slots = sorted(await list_slots(event_id), key=lambda s: (s.starts_at, s.site_name, s.id))
    site_capacity: dict[int, int] = defaultdict(int)
    for slot in slots:
        site_capacity[slot.site_id] += slot.capacity
    sites = built.visits.sites
    with_choices = sum(1 for p in built.problem.participants if p.choices)
    return Demand(
        participants=len(built.problem.participants),
        with_choices=with_choices,
        without_choices=len(built.problem.participants) - with_choices,
        slots=[
            SlotDemand(
                slot.id,
                slot.site_id,
                slot.site_name,
                slot.starts_at,
                slot.ends_at,
                slot.capacity,
                slot.assigned,
                slot_first[slot.id],
                slot_ranked[slot.id],
            )
            for slot in slots
        ],
        sites=[
            SiteDemand(site_id, sites[site_id]["name"], site_capacity[site_id], site_first[site_id], count)
            for site_id, count in sorted(site_ranked.items(), key=lambda item: sites[item[0]]["name"])
            if site_id in sites
        ],
    )


class PlanFigures(Struct):
    """The same figures as a dry run's metrics, for the assignments in force."""

    participants: int
    with_choices: int
    placed: int
    unplaced: int
    first_choice: int
    first_choice_share: float | None
    any_choice: int
    any_choice_share: float | None
    visits: int
    per_site: list[schemas.SiteFill]
    per_slot: list[schemas.SlotFill]


async def current_plan(actor: Actor, event_id: int) -> PlanFigures:
    """The figures of the approved participants' assignments as they stand now."""
    actor.require_organiser(event_id)
    built = await build_problem(event_id)
    assignment = {
        registration_id: tuple(row["slot"] for row in rows)
        for registration_id, rows in built.current.items()
        if registration_id in built.people and rows
    }
    raw = solver.metrics(built.problem, assignment)
    per_site, per_slot = fills(built, raw)
    return PlanFigures(
        participants=raw["participants"],
        with_choices=raw["with_choices"],
        placed=raw["placed"],
        unplaced=raw["unplaced"],
        first_choice=raw["first_choice"],
        first_choice_share=raw["first_choice_share"],
        any_choice=raw["any_choice"],
        any_choice_share=raw["any_choice_share"],
        visits=sum(len(slots) for slots in assignment.values()),
        per_site=per_site,
        per_slot=per_slot,
    )
