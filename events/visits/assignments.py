"""Assignments: the ones an organiser makes, moves or removes by hand, seating in vehicles,
releasing a withdrawn registration's visits, and a participant's own visits.
"""

from __future__ import annotations

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, InvalidInput, NotFound
from events.registration.tables import Registration
from events.visits import context, notify, schemas, solver
from events.visits.context import lock_settings, person_name, registration_for
from events.visits.manifests import checkpoint_id
from events.visits.problem import Built, build_problem
from events.visits.tables import VisitAssignment


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
    return _assignment(await context.load(event_id), row, registration)


def _assignment(visits: context.EventVisits, row: dict, person: dict) -> schemas.Assignment:
    """An assignment row as the API shows it, with the participant's reference, name and country."""
    vehicle = visits.vehicles.get(row["vehicle"]) if row["vehicle"] else None
    return schemas.Assignment(
        id=row["id"],
        event_id=visits.event["id"],
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


async def list_assignments(
    actor: Actor, event_id: int, slot_id: int | None = None
) -> list[schemas.Assignment]:
    actor.require_organiser(event_id)
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
    return [
        _assignment(
            visits,
            row,
            {key.split(".", 1)[1]: value for key, value in row.items() if key.startswith("registration.")},
        )
        for row in await query
    ]


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
    """Place a participant by hand, within every hard rule (pinned by default), and tell them, as
    the scheduler's commit does."""
    actor.require_organiser(event_id)
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
        reseated = {} if data.vehicle_id is not None else await reseat_slot(event_id, data.slot_id)
        saved = await VisitAssignment.select().where(VisitAssignment.id == row.id).first()
        keeps_others = bool(built.current.get(data.registration_id))
        notified = await notify.notify_visit(
            notify.VISIT_ADDED if keeps_others else notify.VISIT_ASSIGNED,
            built.visits,
            built.people[data.registration_id],
            data.slot_id,
            saved["vehicle"],
        )
        await _notify_reseated(built, data.slot_id, reseated, but=data.registration_id)
        await record(
            actor,
            "visits.assignment_created",
            "visit_assignment",
            row.id,
            event_id=event_id,
            data={
                "registration_id": data.registration_id,
                "slot_id": data.slot_id,
                "pinned": data.pinned,
                "notified": notified,
            },
        )
    return await _assignment_schema(event_id, saved)


async def _notify_reseated(built: Built, slot_id: int, reseated: dict[int, int | None], *, but: int) -> None:
    """Tell the other participants of the slot whom re-seating put in another vehicle."""
    for registration_id, vehicle_id in sorted(reseated.items()):
        if registration_id != but and registration_id in built.people:
            await notify.notify_visit(
                notify.VISIT_UPDATED, built.visits, built.people[registration_id], slot_id, vehicle_id
            )


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
    """Pin or unpin an assignment (a pinned one survives every re-run), or change its vehicle;
    whoever ends up in another vehicle is told."""
    actor.require_organiser(event_id)
    async with write_transaction():
        await lock_settings(event_id)
        row = await _assignment_row(event_id, assignment_id)
        values: dict = {}
        if data.pinned is not msgspec.UNSET:
            values["pinned"] = data.pinned
        if data.vehicle_id is not msgspec.UNSET:
            built = await build_problem(event_id)
            if data.vehicle_id is not None:
                _check_vehicle(built, row["registration"], row["slot"], data.vehicle_id, assignment_id)
            values["vehicle"] = data.vehicle_id
        if values:
            await VisitAssignment.update({**values, "updated_at": now()}).where(
                VisitAssignment.id == assignment_id
            )
        reseated = await reseat_slot(event_id, row["slot"]) if values.get("vehicle", 0) is None else {}
        saved = await _assignment_row(event_id, assignment_id)
        notified = False
        if "vehicle" in values and saved["vehicle"] != row["vehicle"] and row["registration"] in built.people:
            notified = await notify.notify_visit(
                notify.VISIT_UPDATED,
                built.visits,
                built.people[row["registration"]],
                row["slot"],
                saved["vehicle"],
            )
        if reseated:
            await _notify_reseated(built, row["slot"], reseated, but=row["registration"])
        action = "visits.assignment_updated"
        if set(values) == {"pinned"}:
            action = "visits.assignment_pinned" if values["pinned"] else "visits.assignment_unpinned"
        await record(
            actor,
            action,
            "visit_assignment",
            assignment_id,
            event_id=event_id,
            data={
                "registration_id": row["registration"],
                "slot_id": row["slot"],
                "fields": sorted(values),
                **({"notified": notified} if "vehicle" in values else {}),
            },
        )
    return await _assignment_schema(event_id, saved)


async def delete_assignment(actor: Actor, event_id: int, assignment_id: int) -> None:
    """Take a participant off a visit by hand, and tell them, as the scheduler's commit does."""
    actor.require_organiser(event_id)
    async with write_transaction():
        await lock_settings(event_id)
        row = await _assignment_row(event_id, assignment_id)
        built = await build_problem(event_id)
        await VisitAssignment.delete().where(VisitAssignment.id == assignment_id)
        notified = False
        if row["registration"] in built.people:
            notified = await notify.notify_cancelled(
                built.visits, built.people[row["registration"]], row["slot"]
            )
        await record(
            actor,
            "visits.assignment_deleted",
            "visit_assignment",
            assignment_id,
            event_id=event_id,
            data={
                "registration_id": row["registration"],
                "slot_id": row["slot"],
                "pinned": row["pinned"],
                "notified": notified,
            },
        )


async def reseat_slot(event_id: int, slot_id: int) -> dict[int, int | None]:
    """Seat the slot's participants who have no vehicle (inside the caller's transaction),
    keeping everyone else in their vehicle where it still fits. Returns the registrations whose
    vehicle changed, with their new one."""
    built = await build_problem(event_id)
    slot = next((s for s in built.problem.slots if s.id == slot_id), None)
    if slot is None:
        return {}
    rows = [row for rows in built.current.values() for row in rows if row["slot"] == slot_id]
    participants = {p.id: p for p in built.problem.participants}
    riders = [participants[row["registration"]] for row in rows if row["registration"] in participants]
    previous = {row["registration"]: row["vehicle"] for row in rows if row["vehicle"] is not None}
    seating = solver.pack_vehicles(slot, riders, previous)
    changed: dict[int, int | None] = {}
    for row in rows:
        vehicle = seating.get(row["registration"])
        if vehicle != row["vehicle"]:
            await VisitAssignment.update(
                {VisitAssignment.vehicle: vehicle, VisitAssignment.updated_at: now()}
            ).where(VisitAssignment.id == row["id"])
            changed[row["registration"]] = vehicle
    return changed


async def assignments_breaking_rules(event_id: int, slot_id: int) -> list[str]:
    """The hard rules that the slot's current assignments break (inside the caller's transaction):
    for each participant on it, the slot itself and their other visits; then its seats."""
    built = await build_problem(event_id)
    riders = built.riders(slot_id)
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


async def on_registration_withdrawn(actor: Actor, registration_id: int, reason: str) -> None:
    """The reaction to a registration cancelled or rejected: its visits are released."""
    await release_registration(actor, registration_id)
