"""Study visits: sites, per-event settings and travel times, vehicles, slots and preferences.

Each action is one function that runs in ``write_transaction()``, checks its rules, raises a
domain error and writes its audit entry. Scheduling, assignments and manifests are in
``scheduling.py`` and ``manifests.py``.
"""

from __future__ import annotations

import datetime
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.db import locked, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from events.programme import services as programme_services
from events.programme.tables import Session
from events.reference.services import normalise_country
from events.registration.tables import ACTIVE_STATUSES, Registration
from events.visits import context, schemas, travel
from events.visits.tables import (
    Site,
    SlotVehicle,
    TravelTime,
    Vehicle,
    VisitAssignment,
    VisitPreference,
    VisitSettings,
    VisitSlot,
)

_KEY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def new_key(prefix: str) -> str:
    """A stable, unguessable identifier (``VS-…`` for slots, ``VH-…`` for vehicles)."""
    return prefix + "".join(secrets.choice(_KEY_ALPHABET) for _ in range(10))


def changes(update: msgspec.Struct) -> dict[str, Any]:
    return {
        name: getattr(update, name)
        for name in update.__struct_fields__
        if getattr(update, name) is not msgspec.UNSET
    }


def require_organiser(actor: Actor, event_id: int) -> None:
    if not actor.organises(event_id):
        raise PermissionDenied("This needs an organiser of this event")


def is_any_organiser(actor: Actor | None) -> bool:
    if actor is None:
        return False
    ids = actor.organised_event_ids()
    return ids is None or bool(ids)


# --- sites -------------------------------------------------------------------------------------------


def site_from_row(row: dict, *, with_contact: bool) -> schemas.Site:
    hours = row["opening_hours"] or {}
    return schemas.Site(
        id=row["id"],
        name=row["name"],
        city=row["city"],
        country=row["country"],
        address=row["address"],
        address_verified=row["address_verified"],
        notes=row["notes"],
        latitude=row["latitude"],
        longitude=row["longitude"],
        opening_hours={day: [tuple(i) for i in intervals] for day, intervals in hours.items()},
        group_capacity=row["group_capacity"],
        step_free=row["step_free"],
        hearing_loop=row["hearing_loop"],
        sign_language_on_request=row["sign_language_on_request"],
        guide_languages=list(row["guide_languages"] or []),
        contact=schemas.SiteContact(row["contact_name"], row["contact_phone"], row["contact_email"])
        if with_contact
        else None,
    )


async def _site_row(site_id: int) -> dict:
    row = await Site.select().where(Site.id == site_id).output(load_json=True).first()
    if row is None:
        raise NotFound(f"No visit site with id {site_id}")
    return row


async def list_sites(actor: Actor | None, *, city: str | None = None) -> list[schemas.Site]:
    query = Site.select().order_by(Site.city).order_by(Site.name).output(load_json=True)
    if city:
        query = query.where(Site.city.ilike(city))
    return [site_from_row(row, with_contact=is_any_organiser(actor)) for row in await query]


async def get_site(actor: Actor | None, site_id: int) -> schemas.Site:
    return site_from_row(await _site_row(site_id), with_contact=is_any_organiser(actor))


def _site_values(values: dict[str, Any]) -> dict[str, Any]:
    errors: list[FieldError] = []
    if "country" in values:
        values["country"] = normalise_country(values["country"])
    if "opening_hours" in values:
        hours, problems = travel.normalise_opening_hours(values["opening_hours"] or {})
        errors.extend(FieldError("opening_hours", problem) for problem in problems)
        values["opening_hours"] = hours
    if "guide_languages" in values:
        values["guide_languages"] = list(dict.fromkeys(values["guide_languages"]))
    for field in ("name", "city"):
        if field in values:
            values[field] = values[field].strip()
            if not values[field]:
                errors.append(FieldError(field, "must not be blank"))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return values


def _check_coordinates(row: dict) -> None:
    if (row.get("latitude") is None) != (row.get("longitude") is None):
        raise InvalidInput.field("longitude", "give both latitude and longitude, or neither")


async def create_site(actor: Actor, data: schemas.SiteCreate) -> schemas.Site:
    if not is_any_organiser(actor):
        raise PermissionDenied("Only organisers add visit sites")
    values = _site_values(msgspec.to_builtins(data))
    _check_coordinates(values)
    async with write_transaction():
        if await Site.exists().where(Site.name == values["name"]):
            raise Conflict(f"A site called {values['name']!r} exists already")
        site = Site(**values, updated_at=now())
        await site.save()
        await record(actor, "site.created", "site", site.id, data={"name": values["name"]})
    return await get_site(actor, site.id)


async def update_site(actor: Actor, site_id: int, data: schemas.SiteUpdate) -> schemas.Site:
    """Sites are shared by every event; slots saved earlier are re-checked when they are read
    (``warnings``) and before a schedule is committed."""
    if not is_any_organiser(actor):
        raise PermissionDenied("Only organisers edit visit sites")
    values = _site_values({k: msgspec.to_builtins(v) for k, v in changes(data).items()})
    async with write_transaction():
        current = await _site_row(site_id)
        _check_coordinates({**current, **values})
        if "name" in values and values["name"] != current["name"]:
            if await Site.exists().where(Site.name == values["name"], Site.id != site_id):
                raise Conflict(f"A site called {values['name']!r} exists already")
        if values:
            await Site.update({**values, "updated_at": now()}).where(Site.id == site_id)
        await record(actor, "site.updated", "site", site_id, data={"fields": sorted(values)})
    return await get_site(actor, site_id)


async def delete_site(actor: Actor, site_id: int) -> None:
    if not actor.is_programme_organiser:
        raise PermissionDenied("Only programme organisers delete visit sites")
    async with write_transaction():
        row = await _site_row(site_id)
        used = await VisitSlot.count().where(VisitSlot.site == site_id)
        if used:
            raise Conflict(f"Site {row['name']!r} has {used} visit slot(s); delete them first")
        await VisitPreference.delete().where(VisitPreference.site == site_id)
        await TravelTime.delete().where((TravelTime.origin == site_id) | (TravelTime.destination == site_id))
        await Site.delete().where(Site.id == site_id)
        await record(actor, "site.deleted", "site", site_id, data={"name": row["name"]})


# --- settings and travel times ------------------------------------------------------------------------


def settings_from(visits: context.EventVisits) -> schemas.VisitSettings:
    s = visits.settings
    return schemas.VisitSettings(
        event_id=visits.event["id"],
        venue_latitude=s["venue_latitude"],
        venue_longitude=s["venue_longitude"],
        speed_kmh=s["speed_kmh"],
        overhead_minutes=s["overhead_minutes"],
        visits_per_participant=s["visits_per_participant"],
        default_meeting_point=s["default_meeting_point"],
        travel_estimate=travel.formula(s["speed_kmh"], s["overhead_minutes"]),
    )


async def get_settings(event_id: int) -> schemas.VisitSettings:
    return settings_from(await context.load(event_id))


async def lock_settings(event_id: int) -> dict:
    """The event's settings row, created if missing and locked: visit actions that must not
    interleave (committing a schedule, editing slots and assignments) queue on it."""
    row = await locked(VisitSettings.select().where(VisitSettings.event == event_id)).first()
    if row is None:
        await VisitSettings.insert(VisitSettings(event=event_id, updated_at=now()))
        row = await locked(VisitSettings.select().where(VisitSettings.event == event_id)).first()
    return row


async def update_settings(
    actor: Actor, event_id: int, data: schemas.VisitSettingsUpdate
) -> schemas.VisitSettings:
    require_organiser(actor, event_id)
    values = changes(data)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        current = await lock_settings(event_id)
        merged = {**current, **values}
        if (merged["venue_latitude"] is None) != (merged["venue_longitude"] is None):
            raise InvalidInput.field("venue_longitude", "give both venue coordinates, or neither")
        if values:
            await VisitSettings.update({**values, "updated_at": now()}).where(VisitSettings.event == event_id)
        await record(
            actor,
            "visits.settings_updated",
            "event",
            event_id,
            event_id=event_id,
            data={"fields": sorted(values)},
        )
    return await get_settings(event_id)


async def travel_matrix(actor: Actor, event_id: int) -> schemas.TravelMatrix:
    require_organiser(actor, event_id)
    visits = await context.load(event_id)
    used = {slot["site"] for slot in visits.slots.values()}
    ordered = sorted(visits.sites.values(), key=lambda s: (s["id"] not in used, s["city"], s["name"]))
    places: list[int | None] = [context.VENUE, *(site["id"] for site in ordered)]
    minutes, sources = [], []
    for origin in places:
        row_minutes, row_sources = [], []
        for destination in places:
            value, source = visits.travel(origin, destination)
            row_minutes.append(value)
            row_sources.append(source)
        minutes.append(row_minutes)
        sources.append(row_sources)
    names = [f"Venue: {visits.event['venue']}", *(site["name"] for site in ordered)]
    return schemas.TravelMatrix(
        event_id=event_id,
        places=[schemas.Place(site_id, name) for site_id, name in zip(places, names, strict=True)],
        minutes=minutes,
        sources=sources,
        formula=travel.formula(visits.settings["speed_kmh"], visits.settings["overhead_minutes"]),
    )


async def set_travel_time(actor: Actor, event_id: int, data: schemas.TravelTimeSet) -> schemas.TravelMatrix:
    require_organiser(actor, event_id)
    if data.origin_site_id == data.destination_site_id:
        raise InvalidInput.field("destination_site_id", "must differ from origin_site_id")
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        await lock_settings(event_id)
        for field, site_id in (
            ("origin_site_id", data.origin_site_id),
            ("destination_site_id", data.destination_site_id),
        ):
            if site_id is not None and not await Site.exists().where(Site.id == site_id):
                raise InvalidInput.field(field, f"no visit site with id {site_id}")
        pairs = [(data.origin_site_id, data.destination_site_id)]
        if data.both_ways:
            pairs.append((data.destination_site_id, data.origin_site_id))
        for origin, destination in pairs:
            where = (
                TravelTime.event == event_id,
                TravelTime.origin.is_null() if origin is None else TravelTime.origin == origin,
                TravelTime.destination.is_null()
                if destination is None
                else TravelTime.destination == destination,
            )
            await TravelTime.delete().where(*where)
            if data.minutes is not None:
                await TravelTime.insert(
                    TravelTime(
                        event=event_id,
                        origin=origin,
                        destination=destination,
                        minutes=data.minutes,
                        updated_at=now(),
                    )
                )
        await record(
            actor,
            "visits.travel_time_set",
            "event",
            event_id,
            event_id=event_id,
            data={
                "origin_site_id": data.origin_site_id,
                "destination_site_id": data.destination_site_id,
                "minutes": data.minutes,
                "both_ways": data.both_ways,
            },
        )
    return await travel_matrix(actor, event_id)


# --- vehicles -------------------------------------------------------------------------------------------


def _vehicle(row: dict) -> schemas.Vehicle:
    return schemas.Vehicle(
        id=row["id"],
        event_id=row["event"],
        key=row["key"],
        name=row["name"],
        seats=row["seats"],
        step_free_seats=row["step_free_seats"],
        driver_name=row["driver_name"],
        driver_phone=row["driver_phone"],
    )


async def _vehicle_row(event_id: int, vehicle_id: int) -> dict:
    row = await Vehicle.select().where(Vehicle.id == vehicle_id, Vehicle.event == event_id).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no vehicle {vehicle_id}")
    return row


async def list_vehicles(actor: Actor, event_id: int) -> list[schemas.Vehicle]:
    require_organiser(actor, event_id)
    await programme_services.get_event_row(event_id)
    return [_vehicle(r) for r in await Vehicle.select().where(Vehicle.event == event_id).order_by(Vehicle.id)]


def _check_vehicle(values: dict) -> None:
    if values["step_free_seats"] > values["seats"]:
        raise InvalidInput.field("step_free_seats", "cannot exceed seats")


async def create_vehicle(actor: Actor, event_id: int, data: schemas.VehicleCreate) -> schemas.Vehicle:
    require_organiser(actor, event_id)
    values = msgspec.to_builtins(data)
    values["name"] = values["name"].strip()
    _check_vehicle(values)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        await lock_settings(event_id)
        if await Vehicle.exists().where(Vehicle.event == event_id, Vehicle.name == values["name"]):
            raise Conflict(f"This event has a vehicle called {values['name']!r} already")
        vehicle = Vehicle(event=event_id, key=new_key("VH-"), created_at=now(), **values)
        await vehicle.save()
        await record(
            actor,
            "visits.vehicle_created",
            "vehicle",
            vehicle.id,
            event_id=event_id,
            data={"name": values["name"]},
        )
    return _vehicle(await _vehicle_row(event_id, vehicle.id))


async def update_vehicle(
    actor: Actor, event_id: int, vehicle_id: int, data: schemas.VehicleUpdate
) -> schemas.Vehicle:
    """Fewer seats lower the capacity of the vehicle's slots; it is refused while more
    participants are assigned to the vehicle than it would seat."""
    require_organiser(actor, event_id)
    values = changes(data)
    async with write_transaction():
        await lock_settings(event_id)
        current = await _vehicle_row(event_id, vehicle_id)
        merged = {**current, **values}
        _check_vehicle(merged)
        if "name" in values and await Vehicle.exists().where(
            Vehicle.event == event_id, Vehicle.name == values["name"], Vehicle.id != vehicle_id
        ):
            raise Conflict(f"This event has a vehicle called {values['name']!r} already")
        for slot_id in {
            row["slot"]
            for row in await SlotVehicle.select(SlotVehicle.slot).where(SlotVehicle.vehicle == vehicle_id)
        }:
            riding = await VisitAssignment.count().where(
                VisitAssignment.slot == slot_id, VisitAssignment.vehicle == vehicle_id
            )
            if riding > merged["seats"]:
                raise Conflict(
                    f"{riding} participants of slot {slot_id} ride in this vehicle; move them before "
                    f"cutting its seats to {merged['seats']}"
                )
            step_free_riders = sum(
                "step_free_access" in (row["registration.accessibility"] or [])
                for row in await VisitAssignment.select(VisitAssignment.registration.accessibility)
                .where(VisitAssignment.slot == slot_id, VisitAssignment.vehicle == vehicle_id)
                .output(load_json=True)
            )
            if step_free_riders > merged["step_free_seats"]:
                raise Conflict(
                    f"{step_free_riders} participants of slot {slot_id} need this vehicle's step-free seats; "
                    f"move them before cutting them to {merged['step_free_seats']}"
                )
        if values:
            await Vehicle.update(values).where(Vehicle.id == vehicle_id)
        await record(
            actor,
            "visits.vehicle_updated",
            "vehicle",
            vehicle_id,
            event_id=event_id,
            data={"fields": sorted(values)},
        )
    return _vehicle(await _vehicle_row(event_id, vehicle_id))


async def delete_vehicle(actor: Actor, event_id: int, vehicle_id: int) -> None:
    require_organiser(actor, event_id)
    async with write_transaction():
        await lock_settings(event_id)
        row = await _vehicle_row(event_id, vehicle_id)
        used = await SlotVehicle.count().where(SlotVehicle.vehicle == vehicle_id)
        if used:
            raise Conflict(f"Vehicle {row['name']!r} serves {used} slot(s); take it off them first")
        await Vehicle.delete().where(Vehicle.id == vehicle_id)
        await record(
            actor,
            "visits.vehicle_deleted",
            "vehicle",
            vehicle_id,
            event_id=event_id,
            data={"name": row["name"]},
        )


# --- slots ------------------------------------------------------------------------------------------------


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
            values[field] = programme_services.to_utc(values[field], zone)
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
    require_organiser(actor, event_id)
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
    require_organiser(actor, event_id)
    async with write_transaction():
        event = await programme_services.get_event_row(event_id)
        await lock_settings(event_id)
        visits = await context.load(event_id, event)
        current = visits.slots.get(slot_id)
        if current is None:
            raise NotFound(f"Event {event_id} has no visit slot {slot_id}")
        update = _slot_values(changes(data), visits.zone)
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
        from events.visits.scheduling import assignments_breaking_rules, reseat_slot  # builds on this module

        if vehicle_ids is not None:
            await reseat_slot(event_id, slot_id)
        broken = await assignments_breaking_rules(event_id, slot_id)
        if broken:  # the transaction rolls back: assigned participants keep a valid visit
            raise Conflict(
                "Participants assigned to this slot could not go any more: "
                + "; ".join(broken[:5])
                + ". Unassign them, or change the slot after re-running the scheduler without them"
            )
        await record(
            actor,
            "visits.slot_updated",
            "visit_slot",
            slot_id,
            event_id=event_id,
            data={"fields": sorted(changes(data))},
        )
    return await get_slot(event_id, slot_id)


async def delete_slot(actor: Actor, event_id: int, slot_id: int) -> None:
    require_organiser(actor, event_id)
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


# --- preferences -------------------------------------------------------------------------------------------


async def registration_for(actor: Actor, registration_id: int) -> dict:
    """The registration, if the actor is its participant or an organiser of its event (404 otherwise)."""
    row = (
        await Registration.select(
            Registration.id,
            Registration.event,
            Registration.status,
            Registration.reference,
        )
        .where(Registration.id == registration_id)
        .first()
    )
    if row is None or not (actor.registration_id == registration_id or actor.organises(row["event"])):
        raise NotFound(f"No registration with id {registration_id}")
    return row


async def get_preferences(actor: Actor, registration_id: int) -> schemas.Preferences:
    registration = await registration_for(actor, registration_id)
    return await _preferences(registration)


async def _preferences(registration: dict) -> schemas.Preferences:
    rows = (
        await VisitPreference.select()
        .where(VisitPreference.registration == registration["id"])
        .order_by(VisitPreference.rank)
    )
    visits = await context.load(registration["event"])
    choices = []
    for row in rows:
        if row["slot"] is not None and row["slot"] in visits.slots:
            slot = visits.slots[row["slot"]]
            start = visits.local(slot["starts_at"])
            label = f"{visits.sites[slot['site']]['name']}, {start:%a %d %b %H:%M}"
        elif row["site"] is not None and row["site"] in visits.sites:
            label = f"{visits.sites[row['site']]['name']} (any time)"
        else:
            continue
        choices.append(schemas.RankedChoice(row["rank"], row["slot"], row["site"], label))
    return schemas.Preferences(
        registration_id=registration["id"], event_id=registration["event"], choices=choices
    )


async def set_preferences(
    actor: Actor, registration_id: int, data: schemas.PreferencesSet
) -> schemas.Preferences:
    """Replace a participant's ranked choices (best first). The participant may change them
    until the event starts; organisers at any time."""
    registration = await registration_for(actor, registration_id)
    event_id = registration["event"]
    async with write_transaction():
        event = await programme_services.get_event_row(event_id)
        registration = await registration_for(actor, registration_id)
        if registration["status"] not in {s.value for s in ACTIVE_STATUSES}:
            raise Conflict(f"A {registration['status']} registration has no visit preferences")
        if not actor.organises(event_id):
            starts = datetime.datetime.combine(
                event["start_date"], datetime.time(), tzinfo=ZoneInfo(event["time_zone"])
            )
            if now() >= starts:
                raise Conflict("The event has started; ask the organisers to change your visit choices")
        visits = await context.load(event_id, event)
        sites_with_slots = {slot["site"] for slot in visits.slots.values()}
        errors: list[FieldError] = []
        seen: set[tuple[str, int]] = set()
        for index, choice in enumerate(data.choices):
            field = f"choices[{index}]"
            if (choice.slot_id is None) == (choice.site_id is None):
                errors.append(FieldError(field, "give either slot_id or site_id"))
                continue
            if choice.slot_id is not None:
                if choice.slot_id not in visits.slots:
                    errors.append(
                        FieldError(f"{field}.slot_id", f"{choice.slot_id} is not a visit slot of this event")
                    )
                key = ("slot", choice.slot_id)
            else:
                assert choice.site_id is not None
                if choice.site_id not in sites_with_slots:
                    errors.append(
                        FieldError(
                            f"{field}.site_id", f"no visit slot of this event goes to site {choice.site_id}"
                        )
                    )
                key = ("site", choice.site_id)
            if key in seen:
                errors.append(FieldError(field, "chosen twice"))
            seen.add(key)
        if errors:
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
        await VisitPreference.delete().where(VisitPreference.registration == registration_id)
        if data.choices:
            await VisitPreference.insert(
                *(
                    VisitPreference(
                        event=event_id,
                        registration=registration_id,
                        rank=rank,
                        slot=choice.slot_id,
                        site=choice.site_id,
                        created_at=now(),
                    )
                    for rank, choice in enumerate(data.choices, start=1)
                )
            )
        await record(
            actor,
            "visits.preferences_set",
            "registration",
            registration_id,
            event_id=event_id,
            data={"choices": [msgspec.to_builtins(c) for c in data.choices]},
        )
    return await _preferences(registration)
