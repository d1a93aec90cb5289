"""How study visits react to other areas: events and sessions with visit slots stay, a withdrawn
registration loses its seats on visits in the same transaction, a session saved over booked
visits is answered with a warning, and a participant's personal calendar feed lists their visits
(``events.visits.agenda``)."""

from __future__ import annotations

from collections import defaultdict

from events import signals
from events.visits import solver
from events.visits.agenda import visit_items, visit_version
from events.visits.assignments import on_registration_withdrawn
from events.visits.context import person_name
from events.visits.problem import build_problem
from events.visits.tables import VisitAssignment, VisitSlot


async def slots_block_event_deletion(event_id: int) -> str | None:
    count = await VisitSlot.count().where(VisitSlot.event == event_id)
    return f"it has {count} study-visit slot(s); delete them first" if count else None


async def slots_block_session_deletion(session_id: int) -> str | None:
    count = await VisitSlot.count().where(VisitSlot.session == session_id)
    return f"{count} study-visit slot(s) belong to it" if count else None


async def booked_visits_clashing_with_session(event_id: int, session_id: int) -> list[str]:
    """One warning per visit slot whose booked participants the session now keeps busy during the
    trip (a compulsory session, or one they signed up for). The visits stay as they are: the
    organiser moves them, or re-runs the scheduler."""
    if not await VisitAssignment.exists().where(VisitAssignment.event == event_id):
        return []
    built = await build_problem(event_id)
    participants = {p.id: p for p in built.problem.participants}
    slots = {s.id: s for s in built.problem.slots}
    missing: dict[int, list[str]] = defaultdict(list)
    for registration_id, rows in built.current.items():
        participant = participants.get(registration_id)
        if participant is None:
            continue
        busy = [b for b in participant.busy if b.session_id == session_id]
        for row in rows:
            slot = slots.get(row["slot"])
            if slot is None or slot.session_id == session_id:
                continue
            if any(solver.overlaps(slot.depart, slot.back, b.start, b.end) for b in busy):
                missing[slot.id].append(person_name(built.people[registration_id]))
    visits = built.visits
    warnings = []
    for slot_id, names in sorted(missing.items()):
        slot = visits.slots[slot_id]
        trip = visits.trip(slot)
        assert trip is not None  # a usable slot has one
        start, end = visits.local(slot["starts_at"]), visits.local(slot["ends_at"])
        departs, returns = visits.local(trip.departs_at), visits.local(trip.returns_at)
        assert start is not None and end is not None and departs is not None and returns is not None
        shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
        warnings.append(
            f"{len(names)} participant(s) booked on study-visit slot {slot_id} "
            f"({visits.sites[slot['site']]['name']}, {start:%a %d %b} {start:%H:%M}-{end:%H:%M}, away "
            f"{departs:%H:%M}-{returns:%H:%M}) would miss this session: {shown}. Move them, or re-run "
            "the visit scheduler"
        )
    return warnings


def connect() -> None:
    signals.event_deleting.connect(slots_block_event_deletion)
    signals.session_deleting.connect(slots_block_session_deletion)
    signals.session_changed.connect(booked_visits_clashing_with_session)
    signals.registration_withdrawn.connect(on_registration_withdrawn)
    signals.agenda_items.connect(visit_items)
    signals.agenda_version.connect(visit_version)
