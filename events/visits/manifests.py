"""Manifests per slot and vehicle, and the link to check-in.

Each slot has a stable ``key`` (``VS-…``) and each vehicle one (``VH-…``); boarding one vehicle
of one slot is the checkpoint ``{slot key}.{vehicle key}``, which check-in scans badges against
(:func:`may_board`, or the list of :func:`boarding_list`): exactly the approved participants
assigned to the slot and seated in the vehicle.
:func:`resolve_checkpoint` gives the slot, the vehicle and the trip's times (for a window), and
:func:`boarding_registration_ids` the same list as ids (for a scanner's offline copy).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from events import clock
from events.audit.services import record
from events.auth.principal import Actor
from events.db import write_transaction
from events.errors import InvalidInput, NotFound
from events.registration.tables import RegistrationStatus
from events.visits import context, schemas
from events.visits.context import SIGN_LANGUAGE, STEP_FREE, person_name
from events.visits.render import Manifest, ManifestRenderer, ManifestRow
from events.visits.tables import VisitAssignment

NEEDS = {
    STEP_FREE: "step-free access",
    SIGN_LANGUAGE: "sign language",
    "hearing_loop": "hearing loop",
    "large_print": "large print",
    "dietary": "dietary",
    "other": "other",
}


def checkpoint_id(slot_key: str, vehicle_key: str) -> str:
    return f"{slot_key}.{vehicle_key}"


def parse_checkpoint(value: str) -> tuple[str, str]:
    slot_key, _, vehicle_key = value.partition(".")
    if not slot_key.startswith("VS-") or not vehicle_key.startswith("VH-"):
        raise NotFound(f"No checkpoint {value!r}")
    return slot_key, vehicle_key


def _needs(row: dict) -> str:
    parts = [NEEDS.get(need, need) for need in row["accessibility"] or [] if need != "dietary"]
    if row["accessibility_other"]:
        parts.append(row["accessibility_other"])
    return "; ".join(parts)


async def _riders(event_id: int, slot_id: int | None = None) -> list[dict]:
    """Assignments of approved participants, with what manifests and boarding need."""
    query = (
        VisitAssignment.select(
            VisitAssignment.id,
            VisitAssignment.slot,
            VisitAssignment.vehicle,
            VisitAssignment.registration,
            VisitAssignment.registration.reference,
            VisitAssignment.registration.given_names,
            VisitAssignment.registration.family_name,
            VisitAssignment.registration.preferred_name,
            VisitAssignment.registration.country_represented,
            VisitAssignment.registration.phone,
            VisitAssignment.registration.accessibility,
            VisitAssignment.registration.accessibility_other,
        )
        .where(
            VisitAssignment.event == event_id,
            VisitAssignment.registration.status == RegistrationStatus.approved.value,
        )
        .output(load_json=True)
    )
    if slot_id is not None:
        query = query.where(VisitAssignment.slot == slot_id)
    rows = []
    for row in await query:
        person = {
            key.split(".", 1)[1]: value for key, value in row.items() if key.startswith("registration.")
        }
        rows.append({**row, **person, "name": person_name(person)})
    return sorted(rows, key=lambda r: (r["family_name"].lower(), r["given_names"].lower(), r["registration"]))


async def manifest(actor: Actor, event_id: int, slot_id: int, vehicle_id: int | None = None) -> Manifest:
    actor.require_staff(event_id)
    visits = await context.load(event_id)
    slot = visits.slots.get(slot_id)
    if slot is None:
        raise NotFound(f"Event {event_id} has no visit slot {slot_id}")
    if vehicle_id is not None and vehicle_id not in visits.slot_vehicles.get(slot_id, []):
        raise InvalidInput.field("vehicle_id", f"vehicle {vehicle_id} does not serve slot {slot_id}")
    site = visits.sites[slot["site"]]
    trip = visits.trip(slot)
    meeting_point = slot["meeting_point"] or visits.settings["default_meeting_point"] or visits.event["venue"]
    departs = f"{visits.local(trip.departs_at):%H:%M}" if trip else "?"
    rows = []
    for rider in await _riders(event_id, slot_id):
        if vehicle_id is not None and rider["vehicle"] != vehicle_id:
            continue
        vehicle = visits.vehicles.get(rider["vehicle"])
        rows.append(
            ManifestRow(
                name=rider["name"],
                reference=rider["reference"],
                country=rider["country_represented"],
                phone=rider["phone"],
                accessibility=_needs(rider),
                guide_language=slot["guide_language"],
                meeting_point=meeting_point,
                meeting_time=departs,
                vehicle=vehicle["name"] if vehicle else "(not seated)",
                checkpoint_id=checkpoint_id(slot["key"], vehicle["key"]) if vehicle else "",
            )
        )
    if vehicle_id is None:
        rows.sort(key=lambda r: (r.vehicle, r.name.lower()))
    start, end = visits.local(slot["starts_at"]), visits.local(slot["ends_at"])
    assert start is not None and end is not None
    notes = []
    if visits.sign_language(slot):
        notes.append(
            "Sign-language interpretation: available (request it from the site if it is 'on request')."
        )
    if slot["notes"]:
        notes.append(slot["notes"])
    return Manifest(
        event=visits.event["title"],
        site=site["name"],
        site_address=site["address"] or site["city"],
        date=f"{start:%A %d %B %Y}",
        visit_time=f"{start:%H:%M}-{end:%H:%M}",
        departs=departs,
        returns=f"{visits.local(trip.returns_at):%H:%M}" if trip else "?",
        meeting_point=meeting_point,
        guide_language=slot["guide_language"],
        vehicle=visits.vehicles[vehicle_id]["name"] if vehicle_id is not None else None,
        slot_key=checkpoint_id(slot["key"], visits.vehicles[vehicle_id]["key"])
        if vehicle_id is not None
        else slot["key"],
        rows=tuple(rows),
        generated_at=visits.local(clock.now()),
        notes=" ".join(notes),
    )


async def export_manifest(
    actor: Actor, event_id: int, slot_id: int, vehicle_id: int | None, format: str
) -> tuple[bytes, str, str]:
    """The manifest as PDF or CSV: (body, media type, file name). Audited: it carries personal data."""
    data = await manifest(actor, event_id, slot_id, vehicle_id)
    renderer = ManifestRenderer()
    if format == "pdf":
        body, media = renderer.pdf(data), "application/pdf"
    else:
        body, media = renderer.csv(data), "text/csv; charset=utf-8"
    async with write_transaction():
        await record(
            actor,
            "visits.manifest_exported",
            "visit_slot",
            slot_id,
            event_id=event_id,
            data={"format": format, "vehicle_id": vehicle_id, "rows": len(data.rows)},
        )
    suffix = f"-vehicle-{vehicle_id}" if vehicle_id is not None else ""
    return body, media, f"manifest-slot-{slot_id}{suffix}.{format}"


async def list_checkpoints(actor: Actor, event_id: int) -> list[schemas.Checkpoint]:
    actor.require_staff(event_id)
    visits = await context.load(event_id)
    counts: dict[tuple[int, int], int] = {}
    for rider in await _riders(event_id):
        if rider["vehicle"] is not None:
            key = (rider["slot"], rider["vehicle"])
            counts[key] = counts.get(key, 0) + 1
    out = []
    for slot_id, slot in visits.slots.items():
        trip = visits.trip(slot)
        for vehicle_id in visits.slot_vehicles.get(slot_id, []):
            vehicle = visits.vehicles[vehicle_id]
            out.append(
                schemas.Checkpoint(
                    checkpoint_id=checkpoint_id(slot["key"], vehicle["key"]),
                    slot_id=slot_id,
                    slot_key=slot["key"],
                    vehicle_id=vehicle_id,
                    vehicle_key=vehicle["key"],
                    vehicle_name=vehicle["name"],
                    site_name=visits.sites[slot["site"]]["name"],
                    meeting_point=slot["meeting_point"]
                    or visits.settings["default_meeting_point"]
                    or visits.event["venue"],
                    departs_at=visits.local(trip.departs_at) if trip else None,
                    boarding=counts.get((slot_id, vehicle_id), 0),
                )
            )
    return out


@dataclass(frozen=True)
class CheckpointTrip:
    """What check-in needs to know about a visit checkpoint (times in UTC; ``None`` when a
    travel time is unknown)."""

    checkpoint_id: str
    slot_id: int
    vehicle_id: int
    site_name: str
    vehicle_name: str
    departs_at: datetime.datetime | None
    returns_at: datetime.datetime | None


async def resolve_checkpoint(event_id: int, checkpoint: str) -> CheckpointTrip:
    """The slot, vehicle and trip times behind a checkpoint id (404 when it names none)."""
    slot, vehicle_id = await _checkpoint(event_id, checkpoint)
    visits = await context.load(event_id)
    trip = visits.trip(slot)
    return CheckpointTrip(
        checkpoint_id=checkpoint,
        slot_id=slot["id"],
        vehicle_id=vehicle_id,
        site_name=visits.sites[slot["site"]]["name"],
        vehicle_name=visits.vehicles[vehicle_id]["name"],
        departs_at=trip.departs_at if trip else None,
        returns_at=trip.returns_at if trip else None,
    )


async def boarding_registration_ids(event_id: int, checkpoint: str) -> set[int]:
    """Who may board, as registration ids (e.g. for a scanner's offline list)."""
    slot, vehicle_id = await _checkpoint(event_id, checkpoint)
    return {
        rider["registration"]
        for rider in await _riders(event_id, slot["id"])
        if rider["vehicle"] == vehicle_id
    }


async def _checkpoint(event_id: int, value: str) -> tuple[dict, int]:
    slot_key, vehicle_key = parse_checkpoint(value)
    visits = await context.load(event_id)
    slot = next((s for s in visits.slots.values() if s["key"] == slot_key), None)
    vehicle = next((v for v in visits.vehicles.values() if v["key"] == vehicle_key), None)
    if slot is None or vehicle is None or vehicle["id"] not in visits.slot_vehicles.get(slot["id"], []):
        raise NotFound(f"Event {event_id} has no checkpoint {value!r}")
    return slot, vehicle["id"]


async def boarding_list(actor: Actor, event_id: int, checkpoint: str) -> list[schemas.Boarding]:
    """Who may board this vehicle for this visit: the checkpoint's list for check-in."""
    actor.require_staff(event_id)
    slot, vehicle_id = await _checkpoint(event_id, checkpoint)
    return [
        schemas.Boarding(
            checkpoint_id=checkpoint,
            registration_id=rider["registration"],
            reference=rider["reference"],
            name=rider["name"],
            country=rider["country_represented"],
            needs_step_free=STEP_FREE in (rider["accessibility"] or []),
        )
        for rider in await _riders(event_id, slot["id"])
        if rider["vehicle"] == vehicle_id
    ]


async def may_board(event_id: int, checkpoint: str, registration_id: int) -> bool:
    """For check-in: whether this registration is on this checkpoint's boarding list."""
    try:
        slot, vehicle_id = await _checkpoint(event_id, checkpoint)
    except NotFound:
        return False
    return await VisitAssignment.exists().where(
        VisitAssignment.slot == slot["id"],
        VisitAssignment.vehicle == vehicle_id,
        VisitAssignment.registration == registration_id,
        VisitAssignment.registration.status == RegistrationStatus.approved.value,
    )
