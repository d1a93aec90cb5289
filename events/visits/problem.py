"""The solver's problem built from the database: participants with their choices and busy
times, usable slots with their trips and seats, pins, and a fingerprint of it all.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field

from events.programme.tables import Session, SessionKind
from events.registration.tables import Registration, RegistrationStatus, SessionSignup
from events.visits import context, solver
from events.visits.context import SIGN_LANGUAGE, STEP_FREE, person_name
from events.visits.tables import VisitAssignment, VisitPreference

#: Non-optional sessions of these kinds do not keep anyone from a visit (a coffee break does not).
NON_BLOCKING_KINDS = frozenset({SessionKind.break_.value})
_FAR_PAST = -(2**40)
_FAR_FUTURE = 2**40


def workers() -> int:
    """CP-SAT's ``num_workers``: one per core (two on the reference machine), at most eight."""
    return max(1, min(os.cpu_count() or 2, 8))


def minutes(value: datetime.datetime) -> int:
    return int(value.timestamp() // 60)


@dataclass
class Built:
    """The solver's problem for one event, with what is needed to read its answer."""

    visits: context.EventVisits
    problem: solver.Problem
    people: dict[int, dict]
    #: Slots that cannot be used as they are, and why; they get nobody and block committing.
    blocking: list[str]
    usable: set[int]
    #: Pins that cannot be kept (their slot is unusable); the solver's own checks add more.
    pin_conflicts: list[str]
    #: Current assignments: registration id → rows.
    current: dict[int, list[dict]] = field(default_factory=dict)
    input_hash: str = ""

    def riders(self, slot_id: int) -> list[int]:
        """The approved participants currently assigned to ``slot_id``."""
        return [
            row["registration"]
            for rows in self.current.values()
            for row in rows
            if row["slot"] == slot_id and row["registration"] in self.people
        ]


async def build_problem(event_id: int) -> Built:
    visits = await context.load(event_id)
    people = {
        row["id"]: row
        for row in await Registration.select(
            Registration.id,
            Registration.reference,
            Registration.email,
            Registration.preferred_language,
            Registration.given_names,
            Registration.family_name,
            Registration.preferred_name,
            Registration.country_represented,
            Registration.phone,
            Registration.accessibility,
            Registration.accessibility_other,
            Registration.arrival_at,
            Registration.departure_at,
            Registration.created_at,
        )
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.approved.value)
        .order_by(Registration.created_at)
        .order_by(Registration.id)
        .output(load_json=True)
    }
    sessions = {
        row["id"]: row
        for row in await Session.select().where(Session.event == event_id, Session.cancelled.eq(False))
    }
    everyone = tuple(
        solver.Busy(minutes(s["starts_at"]), minutes(s["ends_at"]), s["title"], s["id"])
        for s in sessions.values()
        if not s["optional"] and s["kind"] not in NON_BLOCKING_KINDS
    )
    signed_up: dict[int, list[solver.Busy]] = defaultdict(list)
    if people:
        for row in await SessionSignup.select(SessionSignup.registration, SessionSignup.session).where(
            SessionSignup.registration.is_in(list(people))
        ):
            session = sessions.get(row["session"])
            if session is not None:
                signed_up[row["registration"]].append(
                    solver.Busy(
                        minutes(session["starts_at"]),
                        minutes(session["ends_at"]),
                        session["title"],
                        session["id"],
                    )
                )
    choices: dict[int, list[solver.Choice]] = defaultdict(list)
    for row in (
        await VisitPreference.select()
        .where(VisitPreference.event == event_id)
        .order_by(VisitPreference.registration)
        .order_by(VisitPreference.rank)
    ):
        choices[row["registration"]].append(solver.Choice(row["slot"], row["site"]))

    blocking: list[str] = []
    slots: list[solver.Slot] = []
    for slot_id, slot in visits.slots.items():
        problems = visits.slot_problems(slot)
        trip = visits.trip(slot)
        if problems or trip is None:
            blocking.extend(problems)
            continue
        site = visits.sites[slot["site"]]
        slots.append(
            solver.Slot(
                id=slot_id,
                site_id=slot["site"],
                start=minutes(slot["starts_at"]),
                end=minutes(slot["ends_at"]),
                depart=minutes(trip.departs_at),
                back=minutes(trip.returns_at),
                capacity=visits.capacity(slot),
                vehicles=tuple(
                    solver.Vehicle(
                        v,
                        visits.vehicles[v]["seats"],
                        visits.vehicles[v]["step_free_seats"],
                        visits.vehicles[v]["name"],
                    )
                    for v in visits.slot_vehicles.get(slot_id, [])
                ),
                step_free=site["step_free"],
                sign_language=visits.sign_language(slot),
                session_id=slot["session"],
            )
        )
    usable = {slot.id for slot in slots}

    participants = []
    for order, (registration_id, row) in enumerate(people.items()):
        needs = set(row["accessibility"] or [])
        busy = [*everyone, *signed_up.get(registration_id, [])]
        if row["arrival_at"] is not None:
            busy.append(solver.Busy(_FAR_PAST, minutes(row["arrival_at"]), "their arrival"))
        if row["departure_at"] is not None:
            busy.append(solver.Busy(minutes(row["departure_at"]), _FAR_FUTURE, "their departure"))
        participants.append(
            solver.Participant(
                id=registration_id,
                country=row["country_represented"],
                step_free=STEP_FREE in needs,
                sign_language=SIGN_LANGUAGE in needs,
                busy=tuple(sorted(busy, key=lambda b: (b.start, b.end, b.label))),
                choices=tuple(choices.get(registration_id, [])),
                order=order,
            )
        )

    current: dict[int, list[dict]] = defaultdict(list)
    for row in (
        await VisitAssignment.select().where(VisitAssignment.event == event_id).order_by(VisitAssignment.id)
    ):
        current[row["registration"]].append(row)
    pins, pin_conflicts = [], []
    for registration_id, rows in current.items():
        for row in rows:
            if not row["pinned"] or registration_id not in people:
                continue
            if row["slot"] not in usable:
                pin_conflicts.append(
                    f"{person_name(people[registration_id])} is pinned to slot {row['slot']}, which cannot be used now"
                )
            else:
                pins.append((registration_id, row["slot"]))
    problem = solver.Problem(
        tuple(participants),
        tuple(slots),
        tuple(sorted(pins)),
        visits.settings["visits_per_participant"],
    )
    fingerprint = json.dumps(
        {"problem": dataclasses.asdict(problem), "blocking": blocking, "pin_conflicts": pin_conflicts},
        sort_keys=True,
        default=str,
    )
    return Built(
        visits=visits,
        problem=problem,
        people=people,
        blocking=blocking,
        usable=usable,
        pin_conflicts=pin_conflicts,
        current=dict(current),
        input_hash=hashlib.sha256(fingerprint.encode()).hexdigest(),
    )
