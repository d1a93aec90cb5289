"""Scheduling: the solver's problem built from the database, dry runs, committing, assignments
an organiser makes by hand, seating in vehicles, and a participant's own visits.

A dry run stores its proposal (a ``ScheduleRun``) with a fingerprint of everything it was computed
from; committing writes exactly that proposal, in one audited transaction, and is refused when
the fingerprint no longer matches (someone approved a registration, moved a slot, changed a
preference or a pin meanwhile): the organiser commits what they saw.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import hashlib
import json
import os
from collections import defaultdict
from dataclasses import dataclass, field

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.db import locked, write_transaction
from events.errors import Conflict, InvalidInput, NotFound
from events.programme.tables import Session, SessionKind
from events.registration.tables import Registration, RegistrationStatus, SessionSignup
from events.settings import get_settings
from events.visits import context, notify, schemas, solver
from events.visits.services import lock_settings, now, registration_for, require_organiser
from events.visits.tables import RunStatus, ScheduleRun, VisitAssignment, VisitPreference

#: Non-optional sessions of these kinds do not keep anyone from a visit (a coffee break does not).
NON_BLOCKING_KINDS = frozenset({SessionKind.break_.value})
STEP_FREE = "step_free_access"
SIGN_LANGUAGE = "sign_language"
_FAR_PAST = -(2**40)
_FAR_FUTURE = 2**40


def workers() -> int:
    """CP-SAT's ``num_workers``: one per core (two on the reference machine), at most eight."""
    return max(1, min(os.cpu_count() or 2, 8))


def minutes(value: datetime.datetime) -> int:
    return int(value.timestamp() // 60)


def person_name(row: dict) -> str:
    given = row["preferred_name"] or row["given_names"]
    return f"{given} {row['family_name']}".strip()


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


def _seat(built: Built, assignment: dict[int, tuple[int, ...]]) -> dict[tuple[int, int], int]:
    """(registration, slot) → vehicle for an assignment, keeping current seats where they fit."""
    participants = {p.id: p for p in built.problem.participants}
    slots = {s.id: s for s in built.problem.slots}
    on_slot: dict[int, list[solver.Participant]] = defaultdict(list)
    for registration_id, slot_ids in assignment.items():
        for slot_id in slot_ids:
            on_slot[slot_id].append(participants[registration_id])
    seats: dict[tuple[int, int], int] = {}
    for slot_id, riders in on_slot.items():
        previous = {
            row["registration"]: row["vehicle"]
            for rows in built.current.values()
            for row in rows
            if row["slot"] == slot_id and row["vehicle"] is not None
        }
        for registration_id, vehicle_id in solver.pack_vehicles(slots[slot_id], riders, previous).items():
            seats[registration_id, slot_id] = vehicle_id
    return seats


def _changes(
    before: dict[int, set[int]], after: dict[int, set[int]]
) -> tuple[schemas.Changes, dict[int, str]]:
    """How many participants got a first visit, a different one, lost theirs or kept theirs."""
    kinds: dict[int, str] = {}
    for registration_id in set(before) | set(after):
        old, new = before.get(registration_id, set()), after.get(registration_id, set())
        if old == new:
            kinds[registration_id] = "unchanged"
        elif not old:
            kinds[registration_id] = "added"
        elif not new:
            kinds[registration_id] = "removed"
        else:
            kinds[registration_id] = "moved"
    counts = {
        kind: sum(1 for k in kinds.values() if k == kind)
        for kind in ("added", "moved", "removed", "unchanged")
    }
    return schemas.Changes(**counts), kinds


def _current_sets(built: Built) -> dict[int, set[int]]:
    return {rid: {row["slot"] for row in rows} for rid, rows in built.current.items() if rows}


def _metrics(
    built: Built, assignment: dict[int, tuple[int, ...]], result: solver.Result
) -> schemas.ScheduleMetrics:
    raw = solver.metrics(built.problem, assignment)
    visits = built.visits
    quality = result.quality or solver.quality(built.problem, assignment)
    per_site = [
        schemas.SiteFill(
            site_id, visits.sites[site_id]["name"], int(v["seats"]), int(v["assigned"]), v["fill"]
        )
        for site_id, v in raw["per_site"].items()
    ]
    per_slot = [
        schemas.SlotFill(
            slot_id,
            visits.sites[visits.slots[slot_id]["site"]]["name"],
            visits.local(visits.slots[slot_id]["starts_at"]),
            int(v["seats"]),
            int(v["assigned"]),
            v["fill"],
        )
        for slot_id, v in raw["per_slot"].items()
    ]
    return schemas.ScheduleMetrics(
        participants=raw["participants"],
        with_choices=raw["with_choices"],
        placed=raw["placed"],
        unplaced=raw["unplaced"],
        first_choice=raw["first_choice"],
        first_choice_share=raw["first_choice_share"],
        any_choice=raw["any_choice"],
        any_choice_share=raw["any_choice_share"],
        worst_rank=quality.worst_rank,
        by_rank=raw["by_rank"],
        preference_score=quality.preference_score,
        sign_language_unmet=quality.unmet_support,
        country_mix=quality.country_mix,
        per_site=sorted(per_site, key=lambda s: s.site_name),
        per_slot=per_slot,
    )


# --- dry run and commit ---------------------------------------------------------------------------------


async def dry_run(actor: Actor, event_id: int, time_limit_s: float = 5.0) -> schemas.ScheduleRun:
    """Solve, store the proposal and show its figures; nothing is assigned until it is committed."""
    require_organiser(actor, event_id)
    built = await build_problem(event_id)
    result = await asyncio.to_thread(
        solver.solve, built.problem, time_limit_s=time_limit_s, workers=workers()
    )
    assignment = result.assignment
    seating = _seat(built, assignment)
    participants = {p.id: p for p in built.problem.participants}
    slots = {s.id: s for s in built.problem.slots}
    pins = set(built.problem.pins)
    changes, _ = _changes(_current_sets(built), {rid: set(s) for rid, s in assignment.items() if s})
    payload = {
        "assignments": [
            {
                "registration_id": registration_id,
                "slot_id": slot_id,
                "vehicle_id": seating.get((registration_id, slot_id)),
                "pinned": (registration_id, slot_id) in pins,
                "rank": r
                if (r := solver.rank_of(participants[registration_id], slots[slot_id])) <= solver.MAX_CHOICES
                else None,
            }
            for registration_id, slot_ids in sorted(assignment.items())
            for slot_id in slot_ids
        ],
        "unplaced": [
            {
                "registration_id": u.participant_id,
                "reference": built.people[u.participant_id]["reference"],
                "name": person_name(built.people[u.participant_id]),
                "country": built.people[u.participant_id]["country_represented"],
                "code": u.code,
                "reason": u.detail,
            }
            for u in result.unplaced
        ],
        "pin_conflicts": built.pin_conflicts + result.pin_conflicts,
        "blocking": built.blocking,
        "changes": msgspec.to_builtins(changes),
        "stages": [dataclasses.asdict(stage) for stage in result.stages],
        "metrics": msgspec.to_builtins(_metrics(built, assignment, result))
        if not result.pin_conflicts
        else None,
    }
    status = "invalid_pins" if payload["pin_conflicts"] else result.status
    async with write_transaction():
        await ScheduleRun.update({ScheduleRun.status: RunStatus.superseded.value}).where(
            ScheduleRun.event == event_id, ScheduleRun.status == RunStatus.proposed.value
        )
        run = ScheduleRun(
            event=event_id,
            status=RunStatus.proposed.value,
            input_hash=built.input_hash,
            solver_status=status,
            optimal=result.optimal and status != "invalid_pins",
            gap=result.gap,
            seconds=round(result.seconds, 3),
            result=json.dumps(payload, default=str),
            created_at=now(),
            created_by=actor.user_id,
        )
        await run.save()
        metrics = payload["metrics"] or {}
        await record(
            actor,
            "visits.schedule_proposed",
            "visit_schedule_run",
            run.id,
            event_id=event_id,
            data={
                "solver_status": status,
                "gap": result.gap,
                "placed": metrics.get("placed"),
                "unplaced": metrics.get("unplaced"),
                "first_choice_share": metrics.get("first_choice_share"),
            },
        )
    return await _run_schema(event_id, run.id, built)


async def _run_row(event_id: int, run_id: int, *, lock: bool = False) -> dict:
    query = (
        ScheduleRun.select()
        .where(ScheduleRun.id == run_id, ScheduleRun.event == event_id)
        .output(load_json=True)
    )
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no schedule run {run_id}")
    return row


async def _run_schema(event_id: int, run_id: int, built: Built | None = None) -> schemas.ScheduleRun:
    row = await _run_row(event_id, run_id)
    built = built or await build_problem(event_id)
    payload = row["result"] or {}
    current = built.input_hash == row["input_hash"]
    return schemas.ScheduleRun(
        id=row["id"],
        event_id=event_id,
        status=row["status"],
        created_at=built.visits.local(row["created_at"]),
        solver_status=row["solver_status"],
        optimal=row["optimal"],
        gap=row["gap"],
        seconds=row["seconds"],
        current=current,
        committable=current
        and row["status"] == RunStatus.proposed.value
        and not payload.get("pin_conflicts")
        and not payload.get("blocking"),
        metrics=msgspec.convert(payload["metrics"], schemas.ScheduleMetrics)
        if payload.get("metrics")
        else None,
        unplaced=msgspec.convert(payload.get("unplaced", []), list[schemas.Unplaced]),
        pin_conflicts=payload.get("pin_conflicts", []),
        blocking=payload.get("blocking", []),
        changes=msgspec.convert(
            payload.get("changes") or {"added": 0, "moved": 0, "removed": 0, "unchanged": 0}, schemas.Changes
        ),
        stages=msgspec.convert(payload.get("stages", []), list[schemas.SolverStage]),
        assignments=msgspec.convert(payload.get("assignments", []), list[schemas.ProposedAssignment]),
    )


async def list_runs(actor: Actor, event_id: int) -> list[schemas.RunSummary]:
    require_organiser(actor, event_id)
    visits = await context.load(event_id)
    rows = (
        await ScheduleRun.select(
            ScheduleRun.id,
            ScheduleRun.status,
            ScheduleRun.created_at,
            ScheduleRun.committed_at,
            ScheduleRun.solver_status,
            ScheduleRun.optimal,
            ScheduleRun.gap,
            ScheduleRun.seconds,
        )
        .where(ScheduleRun.event == event_id)
        .order_by(ScheduleRun.id, ascending=False)
        .limit(50)
    )
    return [
        schemas.RunSummary(
            id=row["id"],
            status=row["status"],
            created_at=visits.local(row["created_at"]),
            committed_at=visits.local(row["committed_at"]),
            solver_status=row["solver_status"],
            optimal=row["optimal"],
            gap=row["gap"],
            seconds=row["seconds"],
        )
        for row in rows
    ]


async def get_run(actor: Actor, event_id: int, run_id: int) -> schemas.ScheduleRun:
    require_organiser(actor, event_id)
    return await _run_schema(event_id, run_id)


async def commit_run(actor: Actor, event_id: int, run_id: int) -> schemas.Committed:
    """Write a dry run's proposal as the event's assignments: one transaction, one audit entry
    (``visits.schedule_committed``), and a message to each participant whose visit changed.
    Pinned assignments stay as they are; every other assignment is replaced."""
    require_organiser(actor, event_id)
    async with write_transaction():
        await lock_settings(event_id)
        run = await _run_row(event_id, run_id, lock=True)
        if run["status"] != RunStatus.proposed.value:
            raise Conflict(
                f"Schedule run {run_id} is {run['status']}; only the latest dry run can be committed"
            )
        built = await build_problem(event_id)
        if built.input_hash != run["input_hash"]:
            raise Conflict(
                "Registrations, sessions, slots, preferences or pins changed since this dry run; run it again "
                "and commit the new one"
            )
        payload = run["result"]
        if payload.get("pin_conflicts"):
            raise Conflict("Pinned assignments break the rules: " + "; ".join(payload["pin_conflicts"]))
        if payload.get("blocking"):
            raise Conflict("Fix these slots first: " + "; ".join(payload["blocking"]))
        proposal: dict[int, list[int]] = defaultdict(list)
        vehicles: dict[tuple[int, int], int | None] = {}
        for item in payload["assignments"]:
            proposal[item["registration_id"]].append(item["slot_id"])
            vehicles[item["registration_id"], item["slot_id"]] = item["vehicle_id"]
        broken = solver.violations(built.problem, {rid: tuple(s) for rid, s in proposal.items()})
        if broken:  # never expected: the fingerprint matched; refuse rather than write a broken schedule
            raise Conflict("The proposal breaks the rules now: " + "; ".join(broken[:5]))
        before = _current_sets(built)
        moment = now()
        kept: set[tuple[int, int]] = set()
        for registration_id, rows in built.current.items():
            for row in rows:
                pinned_and_kept = (
                    row["pinned"]
                    and registration_id in built.people
                    and row["slot"] in proposal.get(registration_id, [])
                )
                if pinned_and_kept:
                    kept.add((registration_id, row["slot"]))
                    vehicle = vehicles.get((registration_id, row["slot"]))
                    if vehicle != row["vehicle"]:
                        await VisitAssignment.update(
                            {VisitAssignment.vehicle: vehicle, VisitAssignment.updated_at: moment}
                        ).where(VisitAssignment.id == row["id"])
                else:
                    await VisitAssignment.delete().where(VisitAssignment.id == row["id"])
        new_rows = [
            VisitAssignment(
                event=event_id,
                registration=registration_id,
                slot=slot_id,
                vehicle=vehicles[registration_id, slot_id],
                pinned=False,
                run=run_id,
                assigned_at=moment,
                updated_at=moment,
            )
            for registration_id, slot_ids in proposal.items()
            for slot_id in slot_ids
            if (registration_id, slot_id) not in kept
        ]
        if new_rows:
            await VisitAssignment.insert(*new_rows)
        after = {rid: set(slots) for rid, slots in proposal.items() if slots}
        changes, kinds = _changes(before, after)
        await ScheduleRun.update(
            {ScheduleRun.status: RunStatus.committed.value, ScheduleRun.committed_at: moment}
        ).where(ScheduleRun.id == run_id)
        await ScheduleRun.update({ScheduleRun.status: RunStatus.superseded.value}).where(
            ScheduleRun.event == event_id, ScheduleRun.status == RunStatus.proposed.value
        )
        queued = pending = 0
        for registration_id, kind in sorted(kinds.items()):
            if kind == "unchanged" or registration_id not in built.people:
                continue  # no longer approved: the registration's own messages said so
            sent = await _notify_change(built, registration_id, kind, after, before, vehicles)
            queued += sent
            pending += not sent
        await record(
            actor,
            "visits.schedule_committed",
            "visit_schedule_run",
            run_id,
            event_id=event_id,
            data={
                "assigned": sum(len(s) for s in after.values()),
                "added": changes.added,
                "moved": changes.moved,
                "removed": changes.removed,
                "unchanged": changes.unchanged,
                "solver_status": run["solver_status"],
                "gap": run["gap"],
                "notifications_queued": queued,
                "notifications_pending": pending,
            },
        )
    return schemas.Committed(
        run_id=run_id,
        event_id=event_id,
        committed_at=built.visits.local(moment),
        assigned=sum(len(s) for s in after.values()),
        changes=changes,
        notifications=queued,
    )


async def _notify_change(
    built: Built,
    registration_id: int,
    kind: str,
    after: dict[int, set[int]],
    before: dict[int, set[int]],
    vehicles: dict[tuple[int, int], int | None],
) -> bool:
    """One message per participant whose visits changed: the new visit, or the one taken away."""
    row = built.people[registration_id]
    visits = built.visits
    event = visits.event
    common = {
        "name": row["preferred_name"] or f"{row['given_names']} {row['family_name']}",
        "event": event["title"],
        "reference": row["reference"],
        "link": f"{get_settings().base_url}/my/registration",
    }
    if kind == "removed":
        slot = visits.slots[sorted(before[registration_id])[0]]
        return await notify.notify(
            notify.VISIT_CANCELLED,
            row,
            {
                **common,
                "site": visits.sites[slot["site"]]["name"],
                "date": f"{visits.local(slot['starts_at']):%d %b %Y}",
            },
        )
    sent = True
    for slot_id in sorted(after[registration_id] - before.get(registration_id, set())):
        slot = visits.slots[slot_id]
        site = visits.sites[slot["site"]]
        trip = visits.trip(slot)
        start, end = visits.local(slot["starts_at"]), visits.local(slot["ends_at"])
        vehicle = vehicles.get((registration_id, slot_id))
        sent &= await notify.notify(
            notify.VISIT_ASSIGNED,
            row,
            {
                **common,
                "site": site["name"],
                "address": site["address"] or site["city"],
                "date": f"{start:%d %b %Y}",
                "time": f"{start:%H:%M}-{end:%H:%M}",
                "meeting_point": slot["meeting_point"]
                or visits.settings["default_meeting_point"]
                or event["venue"],
                "meeting_time": f"{visits.local(trip.departs_at):%H:%M}" if trip else "",
                "guide_language": slot["guide_language"],
                "vehicle": visits.vehicles[vehicle]["name"] if vehicle in visits.vehicles else "",
            },
        )
    return sent


# --- assignments by hand -----------------------------------------------------------------------------------


async def _assignment_schema(event_id: int, row: dict) -> schemas.Assignment:
    registration = (
        await Registration.select(
            Registration.reference,
            Registration.given_names,
            Registration.family_name,
            Registration.preferred_name,
            Registration.country_represented,
        )
        .where(Registration.id == row["registration"])
        .first()
    )
    visits = await context.load(event_id)
    vehicle = visits.vehicles.get(row["vehicle"]) if row["vehicle"] else None
    return schemas.Assignment(
        id=row["id"],
        event_id=event_id,
        registration_id=row["registration"],
        reference=registration["reference"],
        name=person_name(registration),
        country=registration["country_represented"],
        slot_id=row["slot"],
        vehicle_id=row["vehicle"],
        vehicle_name=vehicle["name"] if vehicle else None,
        pinned=row["pinned"],
        assigned_at=visits.local(row["assigned_at"]),
    )


async def list_assignments(
    actor: Actor, event_id: int, slot_id: int | None = None
) -> list[schemas.Assignment]:
    require_organiser(actor, event_id)
    visits = await context.load(event_id)
    query = (
        VisitAssignment.select(
            VisitAssignment.all_columns(),
            VisitAssignment.registration.reference,
            VisitAssignment.registration.given_names,
            VisitAssignment.registration.family_name,
            VisitAssignment.registration.preferred_name,
            VisitAssignment.registration.country_represented,
        )
        .where(VisitAssignment.event == event_id)
        .order_by(VisitAssignment.slot)
        .order_by(VisitAssignment.id)
    )
    if slot_id is not None:
        query = query.where(VisitAssignment.slot == slot_id)
    out = []
    for row in await query:
        person = {
            key.split(".", 1)[1]: value for key, value in row.items() if key.startswith("registration.")
        }
        vehicle = visits.vehicles.get(row["vehicle"]) if row["vehicle"] else None
        out.append(
            schemas.Assignment(
                id=row["id"],
                event_id=event_id,
                registration_id=row["registration"],
                reference=person["reference"],
                name=person_name(person),
                country=person["country_represented"],
                slot_id=row["slot"],
                vehicle_id=row["vehicle"],
                vehicle_name=vehicle["name"] if vehicle else None,
                pinned=row["pinned"],
                assigned_at=visits.local(row["assigned_at"]),
            )
        )
    return out


def _fits(built: Built, registration_id: int, slot_id: int, *, ignore_assignment: int | None = None) -> None:
    """Refuse (422/409) a visit that would break a hard rule, with the reason."""
    participant = next((p for p in built.problem.participants if p.id == registration_id), None)
    if participant is None:
        raise InvalidInput.field("registration_id", "not an approved registration of this event")
    slots = {s.id: s for s in built.problem.slots}
    slot = slots.get(slot_id)
    if slot is None:
        if slot_id in built.visits.slots:
            raise Conflict(
                f"Slot {slot_id} cannot be used now: "
                + "; ".join(built.visits.slot_problems(built.visits.slots[slot_id]))
            )
        raise InvalidInput.field("slot_id", f"event has no visit slot {slot_id}")
    reason = solver.incompatibility(participant, slot)
    if reason:
        raise Conflict(f"{person_name(built.people[registration_id])} cannot go on this visit: {reason[1]}")
    others = [row for rows in built.current.values() for row in rows if row["id"] != ignore_assignment]
    mine = [row for row in others if row["registration"] == registration_id]
    if any(row["slot"] == slot_id for row in mine):
        raise Conflict("This participant is on this slot already")
    if len(mine) >= built.problem.visits_per_participant:
        raise Conflict(
            f"This participant has {len(mine)} visit(s), the most this event allows; remove one first"
        )
    for row in mine:
        other = slots.get(row["slot"])
        if other and solver.overlaps(slot.depart, slot.back, other.depart, other.back):
            raise Conflict(f"This trip overlaps their visit on slot {other.id} (travel included)")
    riders = [row for row in others if row["slot"] == slot_id]
    if len(riders) >= slot.capacity:
        raise Conflict(f"Slot {slot_id} is full ({slot.capacity} seats)")
    if participant.step_free:
        needing = {p.id for p in built.problem.participants if p.step_free}
        if sum(1 for row in riders if row["registration"] in needing) >= slot.step_free_seats:
            raise Conflict(f"The step-free seats of slot {slot_id} are taken ({slot.step_free_seats})")


def _check_vehicle(
    built: Built, registration_id: int, slot_id: int, vehicle_id: int, ignore: int | None
) -> None:
    visits = built.visits
    if vehicle_id not in visits.slot_vehicles.get(slot_id, []):
        raise InvalidInput.field("vehicle_id", f"vehicle {vehicle_id} does not serve slot {slot_id}")
    vehicle = visits.vehicles[vehicle_id]
    riders = [
        row
        for rows in built.current.values()
        for row in rows
        if row["slot"] == slot_id and row["vehicle"] == vehicle_id and row["id"] != ignore
    ]
    if len(riders) >= vehicle["seats"]:
        raise Conflict(f"Vehicle {vehicle['name']!r} is full on this slot")
    needs = {p.id: p.step_free for p in built.problem.participants}
    if needs.get(registration_id):
        taken = sum(1 for row in riders if needs.get(row["registration"]))
        if taken >= min(vehicle["step_free_seats"], vehicle["seats"]):
            raise Conflict(f"Vehicle {vehicle['name']!r} has no step-free seat left on this slot")


async def create_assignment(
    actor: Actor, event_id: int, data: schemas.AssignmentCreate
) -> schemas.Assignment:
    """Place a participant by hand, within every hard rule (pinned by default)."""
    require_organiser(actor, event_id)
    async with write_transaction():
        await lock_settings(event_id)
        built = await build_problem(event_id)
        _fits(built, data.registration_id, data.slot_id)
        if data.vehicle_id is not None:
            _check_vehicle(built, data.registration_id, data.slot_id, data.vehicle_id, None)
        moment = now()
        row = VisitAssignment(
            event=event_id,
            registration=data.registration_id,
            slot=data.slot_id,
            vehicle=data.vehicle_id,
            pinned=data.pinned,
            assigned_at=moment,
            updated_at=moment,
        )
        await row.save()
        if data.vehicle_id is None:
            await reseat_slot(event_id, data.slot_id)
        await record(
            actor,
            "visits.assignment_created",
            "visit_assignment",
            row.id,
            event_id=event_id,
            data={"registration_id": data.registration_id, "slot_id": data.slot_id, "pinned": data.pinned},
        )
        saved = await VisitAssignment.select().where(VisitAssignment.id == row.id).first()
    return await _assignment_schema(event_id, saved)


async def _assignment_row(event_id: int, assignment_id: int) -> dict:
    row = (
        await VisitAssignment.select()
        .where(VisitAssignment.id == assignment_id, VisitAssignment.event == event_id)
        .first()
    )
    if row is None:
        raise NotFound(f"Event {event_id} has no visit assignment {assignment_id}")
    return row


async def update_assignment(
    actor: Actor, event_id: int, assignment_id: int, data: schemas.AssignmentUpdate
) -> schemas.Assignment:
    """Pin or unpin an assignment (a pinned one survives every re-run), or change its vehicle."""
    require_organiser(actor, event_id)
    async with write_transaction():
        await lock_settings(event_id)
        row = await _assignment_row(event_id, assignment_id)
        values: dict = {}
        if data.pinned is not msgspec.UNSET:
            values["pinned"] = data.pinned
        if data.vehicle_id is not msgspec.UNSET:
            if data.vehicle_id is not None:
                built = await build_problem(event_id)
                _check_vehicle(built, row["registration"], row["slot"], data.vehicle_id, assignment_id)
            values["vehicle"] = data.vehicle_id
        if values:
            await VisitAssignment.update({**values, "updated_at": now()}).where(
                VisitAssignment.id == assignment_id
            )
        if values.get("vehicle", 0) is None:
            await reseat_slot(event_id, row["slot"])
        action = "visits.assignment_updated"
        if set(values) == {"pinned"}:
            action = "visits.assignment_pinned" if values["pinned"] else "visits.assignment_unpinned"
        await record(
            actor,
            action,
            "visit_assignment",
            assignment_id,
            event_id=event_id,
            data={"registration_id": row["registration"], "slot_id": row["slot"], "fields": sorted(values)},
        )
        saved = await _assignment_row(event_id, assignment_id)
    return await _assignment_schema(event_id, saved)


async def delete_assignment(actor: Actor, event_id: int, assignment_id: int) -> None:
    require_organiser(actor, event_id)
    async with write_transaction():
        await lock_settings(event_id)
        row = await _assignment_row(event_id, assignment_id)
        await VisitAssignment.delete().where(VisitAssignment.id == assignment_id)
        await record(
            actor,
            "visits.assignment_deleted",
            "visit_assignment",
            assignment_id,
            event_id=event_id,
            data={"registration_id": row["registration"], "slot_id": row["slot"], "pinned": row["pinned"]},
        )


async def reseat_slot(event_id: int, slot_id: int) -> None:
    """Seat the slot's participants who have no vehicle (inside the caller's transaction),
    keeping everyone else in their vehicle where it still fits."""
    built = await build_problem(event_id)
    slot = next((s for s in built.problem.slots if s.id == slot_id), None)
    if slot is None:
        return
    rows = [row for rows in built.current.values() for row in rows if row["slot"] == slot_id]
    participants = {p.id: p for p in built.problem.participants}
    riders = [participants[row["registration"]] for row in rows if row["registration"] in participants]
    previous = {row["registration"]: row["vehicle"] for row in rows if row["vehicle"] is not None}
    seating = solver.pack_vehicles(slot, riders, previous)
    for row in rows:
        vehicle = seating.get(row["registration"])
        if vehicle != row["vehicle"]:
            await VisitAssignment.update(
                {VisitAssignment.vehicle: vehicle, VisitAssignment.updated_at: now()}
            ).where(VisitAssignment.id == row["id"])


async def assignments_breaking_rules(event_id: int, slot_id: int) -> list[str]:
    """The hard rules that the slot's current assignments break (inside the caller's transaction):
    for each participant on it, the slot itself and their other visits; then its seats."""
    built = await build_problem(event_id)
    riders = [
        row["registration"]
        for rows in built.current.values()
        for row in rows
        if row["slot"] == slot_id and row["registration"] in built.people
    ]
    if not riders:
        return []
    if slot_id not in built.usable:
        return built.visits.slot_problems(built.visits.slots[slot_id])
    people = {p.id: p for p in built.problem.participants}
    slots = {s.id: s for s in built.problem.slots}
    slot = slots[slot_id]
    broken = []
    for registration_id in riders:
        name = person_name(built.people[registration_id])
        reason = solver.incompatibility(people[registration_id], slot)
        if reason:
            broken.append(f"{name}: {reason[1]}")
        for row in built.current[registration_id]:
            other = slots.get(row["slot"])
            if (
                other is not None
                and other.id != slot_id
                and solver.overlaps(slot.depart, slot.back, other.depart, other.back)
            ):
                broken.append(f"{name}: the trip overlaps their visit on slot {other.id}")
    if len(riders) > slot.capacity:
        broken.append(f"{len(riders)} assigned for {slot.capacity} seats")
    step_free = sum(1 for registration_id in riders if people[registration_id].step_free)
    if step_free > slot.step_free_seats:
        broken.append(f"{step_free} need step-free seats, the vehicles have {slot.step_free_seats}")
    return broken


async def release_registration(actor: Actor, registration_id: int) -> int:
    """Drop the visits of a registration that is no longer approved (cancelled, rejected): for
    the registration area to call inside its transition. Returns how many were dropped."""
    rows = await VisitAssignment.select().where(VisitAssignment.registration == registration_id)
    if not rows:
        return 0
    async with write_transaction():
        await VisitAssignment.delete().where(VisitAssignment.registration == registration_id)
        for row in rows:
            await record(
                actor,
                "visits.assignment_deleted",
                "visit_assignment",
                row["id"],
                event_id=row["event"],
                data={
                    "registration_id": registration_id,
                    "slot_id": row["slot"],
                    "reason": "registration ended",
                },
            )
    return len(rows)


# --- a participant's own visits -------------------------------------------------------------------------------


async def my_visits(actor: Actor, registration_id: int) -> list[schemas.MyVisit]:
    from events.visits.manifests import checkpoint_id

    registration = await registration_for(actor, registration_id)
    visits = await context.load(registration["event"])
    rows = (
        await VisitAssignment.select()
        .where(VisitAssignment.registration == registration_id)
        .order_by(VisitAssignment.id)
    )
    out = []
    for row in rows:
        slot = visits.slots[row["slot"]]
        site = visits.sites[slot["site"]]
        trip = visits.trip(slot)
        vehicle = visits.vehicles.get(row["vehicle"]) if row["vehicle"] else None
        out.append(
            schemas.MyVisit(
                slot_id=slot["id"],
                site_name=site["name"],
                site_address=site["address"] or site["city"],
                starts_at=visits.local(slot["starts_at"]),
                ends_at=visits.local(slot["ends_at"]),
                meeting_at=visits.local(trip.departs_at) if trip else None,
                meeting_point=slot["meeting_point"]
                or visits.settings["default_meeting_point"]
                or visits.event["venue"],
                guide_language=slot["guide_language"],
                vehicle_name=vehicle["name"] if vehicle else None,
                checkpoint_id=checkpoint_id(slot["key"], vehicle["key"]) if vehicle else None,
            )
        )
    return sorted(out, key=lambda v: v.starts_at)
