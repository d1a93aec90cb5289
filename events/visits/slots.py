"""Visit slots: a site at a time, with its vehicles, capacity and guide language.

Editing a slot that has assignments re-checks them, re-seats its participants and tells those whose
visit changed (time, site, meeting point, vehicle …), in their language.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, InvalidInput, NotFound
from events.programme import services as programme_services
from events.programme.tables import Session
from events.registration.tables import Registration, RegistrationStatus
from events.visits import context, notify, schemas, travel
from events.visits.assignments import assignments_breaking_rules, reseat_slot
from events.visits.context import changes, lock_settings, new_key
from events.visits.tables import SlotVehicle, VisitAssignment, VisitPreference, VisitSlot


def slot_from(visits: context.EventVisits, slot: dict, assigned: int, warnings: list[str]) -> schemas.Slot:
    site = visits.sites[slot["site"]]
    trip = visits.trip(slot)
    return schemas.Slot(
        id=slot["id"],
        event_id=slot["event"],
        key=slot["key"],
        site_id=site["id"],
        site_name=site["name"],
        site_address=site["address"],
        session_id=slot["session"],
        starts_at=visits.local(slot["starts_at"]),
        ends_at=visits.local(slot["ends_at"]),
        departs_at=visits.local(trip.departs_at) if trip else None,
        returns_at=visits.local(trip.returns_at) if trip else None,
        travel_minutes_out=trip.minutes_out if trip else None,
        travel_minutes_back=trip.minutes_back if trip else None,
        capacity=visits.capacity(slot),
        capacity_limit=slot["capacity_limit"],
        step_free=site["step_free"],
        step_free_seats=visits.step_free_seats(slot["id"]),
        sign_language=visits.sign_language(slot),
        guide_language=slot["guide_language"],
        meeting_point=slot["meeting_point"] or visits.settings["default_meeting_point"],
        notes=slot["notes"],
        vehicles=[
            schemas.SlotVehicle(v["id"], v["key"], v["name"], v["seats"], v["step_free_seats"])
            for v in (visits.vehicles[i] for i in visits.slot_vehicles.get(slot["id"], []))
        ],
        assigned=assigned,
        warnings=warnings,
    )


async def assigned_counts(event_id: int) -> dict[int, int]:
    counts: dict[int, int] = {}
    for row in await VisitAssignment.select(VisitAssignment.slot).where(VisitAssignment.event == event_id):
        counts[row["slot"]] = counts.get(row["slot"], 0) + 1
    return counts


async def list_slots(event_id: int) -> list[schemas.Slot]:
    visits = await context.load(event_id)
    counts = await assigned_counts(event_id)
    return [
        slot_from(visits, slot, counts.get(slot_id, 0), visits.slot_problems(slot))
        for slot_id, slot in visits.slots.items()
    ]


async def get_slot(event_id: int, slot_id: int) -> schemas.Slot:
    visits = await context.load(event_id)
    slot = visits.slots.get(slot_id)
    if slot is None:
        raise NotFound(f"Event {event_id} has no visit slot {slot_id}")
    counts = await assigned_counts(event_id)
    return slot_from(visits, slot, counts.get(slot_id, 0), visits.slot_problems(slot))


async def _check_slot(visits: context.EventVisits, values: dict[str, Any], slot_id: int | None) -> None:
    """A slot's own rules: known site, vehicles and agenda item of this event, end after start,
    inside the event's dates and the site's opening hours, travel times known, and no vehicle
    on another trip at the same time (travel included). Raises 422, or 409 for a busy vehicle."""
    event = visits.event
    zone = ZoneInfo(visits.zone)
    site = visits.sites.get(values["site"])
    if site is None:
        raise InvalidInput.field("site_id", f"no visit site with id {values['site']}")
    if values["ends_at"] <= values["starts_at"]:
        raise InvalidInput.field("ends_at", "must be after starts_at")
    first_day = datetime.datetime.combine(event["start_date"], datetime.time(), tzinfo=zone)
    after_last = datetime.datetime.combine(
        event["end_date"] + datetime.timedelta(days=1), datetime.time(), tzinfo=zone
    )
    if values["starts_at"] < first_day or values["ends_at"] > after_last:
        raise InvalidInput.field(
            "starts_at",
            f"the visit must lie within the event's dates ({event['start_date']} to {event['end_date']})",
        )
    unknown = [v for v in values["vehicle_ids"] if v not in visits.vehicles]
    if unknown:
        raise InvalidInput.field("vehicle_ids", f"not vehicles of this event: {unknown}")
    if len(set(values["vehicle_ids"])) != len(values["vehicle_ids"]):
        raise InvalidInput.field("vehicle_ids", "a vehicle is listed twice")
    if values.get("session") is not None and not await Session.exists().where(
        Session.id == values["session"], Session.event == event["id"]
    ):
        raise InvalidInput.field("session_id", f"event {event['id']} has no session {values['session']}")
    start, end = visits.local(values["starts_at"]), visits.local(values["ends_at"])
    assert start is not None and end is not None
    hours = site["opening_hours"] or {}
    if not travel.within_opening_hours(hours, start, end):
        day = travel.WEEKDAYS[start.weekday()]
        raise InvalidInput.field(
            "starts_at",
            f"{site['name']} is open {travel.describe_hours(hours, day)} on {start:%A %d %B %Y}; "
            f"the visit {start:%H:%M}-{end:%H:%M} does not fit",
        )
    slot = {**values, "id": slot_id}
    trip = visits.trip(slot)
    if trip is None:
        raise InvalidInput.field(
            "site_id",
            f"no travel time between the venue and {site['name']}: set the coordinates of both "
            "(PATCH /visit-sites/{id}, PUT …/visits/settings) or enter the minutes (PUT …/visits/travel-times)",
        )
    for vehicle_id in values["vehicle_ids"]:
        for other in visits.vehicle_clashes(vehicle_id, slot_id, trip):
            other_trip = visits.trip(other)
            assert other_trip is not None
            raise Conflict(
                f"Vehicle {visits.vehicles[vehicle_id]['name']!r} is on the trip of slot {other['id']} "
                f"({visits.sites[other['site']]['name']}) from {visits.local(other_trip.departs_at):%H:%M} to "
                f"{visits.local(other_trip.returns_at):%H:%M}; this trip would need it from "
                f"{visits.local(trip.departs_at):%H:%M} to {visits.local(trip.returns_at):%H:%M}",
                vehicle_id=vehicle_id,
                other_slot_id=other["id"],
            )


def _slot_values(data: dict[str, Any], zone: str) -> dict[str, Any]:
    values = dict(data)
    for field in ("starts_at", "ends_at"):
        if field in values:
            values[field] = programme_services.to_utc(values[field], zone, field=field)
    if "site_id" in values:
        values["site"] = values.pop("site_id")
    if "session_id" in values:
        values["session"] = values.pop("session_id")
    if "capacity" in values:
        values["capacity_limit"] = values.pop("capacity")
    return values


async def _save_vehicles(slot_id: int, vehicle_ids: list[int]) -> None:
    await SlotVehicle.delete().where(SlotVehicle.slot == slot_id)
    await SlotVehicle.insert(*(SlotVehicle(slot=slot_id, vehicle=v) for v in vehicle_ids))


async def create_slot(actor: Actor, event_id: int, data: schemas.SlotCreate) -> schemas.Slot:
    actor.require_organiser(event_id)
    async with write_transaction():
        event = await programme_services.get_event_row(event_id)
        await lock_settings(event_id)
        visits = await context.load(event_id, event)
        values = _slot_values(changes(data), visits.zone)
        await _check_slot(visits, values, None)
        vehicle_ids = values.pop("vehicle_ids")
        slot = VisitSlot(event=event_id, key=new_key("VS-"), created_at=now(), updated_at=now(), **values)
        await slot.save()
        await _save_vehicles(slot.id, vehicle_ids)
        await record(
            actor,
            "visits.slot_created",
            "visit_slot",
            slot.id,
            event_id=event_id,
            data={"site_id": values["site"], "starts_at": values["starts_at"].isoformat()},
        )
    return await get_slot(event_id, slot.id)


async def update_slot(actor: Actor, event_id: int, slot_id: int, data: schemas.SlotUpdate) -> schemas.Slot:
    """Edits keep the slot's rules. Capacity may not drop below the participants assigned to it;
    other changes that affect them (time, site) show as warnings until the scheduler re-runs."""
    actor.require_organiser(event_id)
    async with write_transaction():
        event = await programme_services.get_event_row(event_id)
        await lock_settings(event_id)
        visits = await context.load(event_id, event)
        current = visits.slots.get(slot_id)
        if current is None:
            raise NotFound(f"Event {event_id} has no visit slot {slot_id}")
        update = _slot_values(changes(data), visits.zone)
        told_before = await _what_the_booked_were_told(visits, slot_id)
        current_vehicles = list(visits.slot_vehicles.get(slot_id, []))
        merged = {**current, "vehicle_ids": current_vehicles, **update}
        await _check_slot(visits, merged, slot_id)
        visits.slot_vehicles[slot_id] = merged["vehicle_ids"]
        assigned = await VisitAssignment.count().where(VisitAssignment.slot == slot_id)
        capacity = visits.capacity({**merged, "id": slot_id})
        if assigned > capacity:
            raise Conflict(
                f"{assigned} participants are assigned to this slot; it would seat {capacity}. "
                "Unassign some first, or re-run the scheduler after the change"
            )
        vehicle_ids = update.pop("vehicle_ids", None)
        if vehicle_ids is not None:
            previous = set(current_vehicles)
            await _save_vehicles(slot_id, vehicle_ids)
            dropped = previous - set(vehicle_ids)
            if dropped:  # participants seated in a vehicle that left the slot get seated again
                await VisitAssignment.update({VisitAssignment.vehicle: None}).where(
                    VisitAssignment.slot == slot_id, VisitAssignment.vehicle.is_in(list(dropped))
                )
        if update:
            await VisitSlot.update({**update, "updated_at": now()}).where(VisitSlot.id == slot_id)
        if vehicle_ids is not None:
            await reseat_slot(event_id, slot_id)
        broken = await assignments_breaking_rules(event_id, slot_id)
        if broken:  # the transaction rolls back: assigned participants keep a valid visit
            raise Conflict(
                "Participants assigned to this slot could not go any more: "
                + "; ".join(broken[:5])
                + ". Unassign them, or change the slot after re-running the scheduler without them"
            )
        notified = await _tell_the_booked_what_changed(event_id, event, slot_id, told_before)
        await record(
            actor,
            "visits.slot_updated",
            "visit_slot",
            slot_id,
            event_id=event_id,
            data={"fields": sorted(changes(data)), "notified": notified},
        )
    return await get_slot(event_id, slot_id)


async def _booked(slot_id: int) -> dict[int, tuple[dict, int | None]]:
    """The approved participants booked on the slot: registration id → (registration, vehicle id)."""
    seats = {
        row["registration"]: row["vehicle"]
        for row in await VisitAssignment.select(VisitAssignment.registration, VisitAssignment.vehicle).where(
            VisitAssignment.slot == slot_id
        )
    }
    if not seats:
        return {}
    people = await Registration.select(
        Registration.id,
        Registration.reference,
        Registration.email,
        Registration.preferred_language,
        Registration.given_names,
        Registration.family_name,
        Registration.preferred_name,
    ).where(Registration.id.is_in(list(seats)), Registration.status == RegistrationStatus.approved.value)
    return {person["id"]: (person, seats[person["id"]]) for person in people}


async def _what_the_booked_were_told(visits: context.EventVisits, slot_id: int) -> dict[int, dict[str, str]]:
    return {
        registration_id: notify.visit_details(visits, person, slot_id, vehicle_id)
        for registration_id, (person, vehicle_id) in (await _booked(slot_id)).items()
    }


async def _tell_the_booked_what_changed(
    event_id: int, event: dict, slot_id: int, told_before: dict[int, dict[str, str]]
) -> int:
    """E-mail ``visit_updated`` to each participant whose visit details differ from what they were
    told before the edit; a change they would not see (capacity, notes) sends nothing. Returns how
    many e-mails were queued."""
    visits = await context.load(event_id, event)
    queued = 0
    for registration_id, (person, vehicle_id) in sorted((await _booked(slot_id)).items()):
        details = notify.visit_details(visits, person, slot_id, vehicle_id)
        if details != told_before.get(registration_id):
            queued += await notify.notify(notify.VISIT_UPDATED, person, details)
    return queued


async def delete_slot(actor: Actor, event_id: int, slot_id: int) -> None:
    actor.require_organiser(event_id)
    async with write_transaction():
        await lock_settings(event_id)
        slot = await VisitSlot.select().where(VisitSlot.id == slot_id, VisitSlot.event == event_id).first()
        if slot is None:
            raise NotFound(f"Event {event_id} has no visit slot {slot_id}")
        assigned = await VisitAssignment.count().where(VisitAssignment.slot == slot_id)
        if assigned:
            raise Conflict(
                f"{assigned} participants are assigned to this slot; unassign them or re-run the "
                "scheduler without it first"
            )
        await VisitPreference.delete().where(VisitPreference.slot == slot_id)
        await SlotVehicle.delete().where(SlotVehicle.slot == slot_id)
        await VisitSlot.delete().where(VisitSlot.id == slot_id)
        await record(
            actor,
            "visits.slot_deleted",
            "visit_slot",
            slot_id,
            event_id=event_id,
            data={"site_id": slot["site"]},
        )
