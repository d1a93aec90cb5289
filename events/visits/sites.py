"""Study-visit sites: the places visited, shared by every event (contacts only for organisers)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from events.reference.services import normalise_country
from events.visits import schemas, solver, travel
from events.visits.context import changes, lock_settings
from events.visits.problem import Built, build_problem
from events.visits.tables import Site, TravelTime, VisitAssignment, VisitPreference, VisitSlot

#: The site's fields that booked visits depend on: hours, group size, access and (through the
#: travel time) the place itself.
BOOKED_VISITS_DEPEND_ON = frozenset({"opening_hours", "group_capacity", "step_free", "latitude", "longitude"})


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
    rows = await Site.select().order_by(Site.city).order_by(Site.name).output(load_json=True)
    if city:
        # In Python, not SQL: SQLite has no ILIKE and its LIKE folds ASCII only (Gəncə, ŞƏKİ).
        rows = [row for row in rows if row["city"].casefold() == city.casefold()]
    return [site_from_row(row, with_contact=is_any_organiser(actor)) for row in rows]


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
    """Sites are shared by every event. A change that would break visits already booked there, in
    any event (fewer seats than booked, no step-free access for those who need it, hours or a
    travel time that no longer fit), is refused with the slots it would break; slots without
    bookings only show it in their ``warnings`` until they are edited or the scheduler runs."""
    if not is_any_organiser(actor):
        raise PermissionDenied("Only organisers edit visit sites")
    values = _site_values({k: msgspec.to_builtins(v) for k, v in changes(data).items()})
    async with write_transaction():
        current = await _site_row(site_id)
        _check_coordinates({**current, **values})
        if "name" in values and values["name"] != current["name"]:
            if await Site.exists().where(Site.name == values["name"], Site.id != site_id):
                raise Conflict(f"A site called {values['name']!r} exists already")
        checked = bool(BOOKED_VISITS_DEPEND_ON & values.keys())
        if checked:
            for event_id in await _events_with_slots_at(site_id):
                await lock_settings(event_id)  # no placement on these events meanwhile
        if values:
            await Site.update({**values, "updated_at": now()}).where(Site.id == site_id)
        if checked:
            broken, slot_ids = await booked_visits_broken(site_id)
            if broken:  # the transaction rolls back: booked participants keep a valid visit
                raise Conflict(
                    f"This change to {current['name']!r} would break visits booked there: "
                    + "; ".join(broken[:8])
                    + ". Move or unassign those participants first, then change the site and re-run "
                    "the scheduler",
                    slot_ids=slot_ids,
                )
        await record(actor, "site.updated", "site", site_id, data={"fields": sorted(values)})
    return await get_site(actor, site_id)


async def _events_with_slots_at(site_id: int) -> list[int]:
    rows = await VisitSlot.select(VisitSlot.event).where(VisitSlot.site == site_id).distinct()
    return sorted(row["event"] for row in rows)


async def booked_visits_broken(site_id: int) -> tuple[list[str], list[int]]:
    """What the site's data, as it stands in the caller's transaction, breaks in the visits booked
    on its slots in every event, and those slots. Counts rather than names: an organiser who
    edits a shared site need not organise every event that visits it."""
    rows = (
        await VisitAssignment.select(VisitAssignment.event, VisitAssignment.slot)
        .where(VisitAssignment.slot.site == site_id)
        .distinct()
    )
    slots_by_event: dict[int, set[int]] = {}
    for row in rows:
        slots_by_event.setdefault(row["event"], set()).add(row["slot"])
    broken: list[str] = []
    slot_ids: list[int] = []
    for event_id, event_slots in sorted(slots_by_event.items()):
        built = await build_problem(event_id)
        for slot_id in sorted(event_slots):
            problems = _booked_slot_problems(built, slot_id)
            if problems:
                broken.extend(problems)
                slot_ids.append(slot_id)
    return broken, slot_ids


def _booked_slot_problems(built: Built, slot_id: int) -> list[str]:
    visits = built.visits
    riders = built.riders(slot_id)
    if not riders:
        return []
    row = visits.slots[slot_id]
    if slot_id not in built.usable:
        return [f"{problem} ({len(riders)} booked)" for problem in visits.slot_problems(row)]
    start, end = visits.local(row["starts_at"]), visits.local(row["ends_at"])
    assert start is not None and end is not None
    label = f"slot {slot_id} (event {row['event']}, {start:%a %d %b %Y %H:%M}-{end:%H:%M})"
    people = {p.id: p for p in built.problem.participants}
    slots = {s.id: s for s in built.problem.slots}
    slot = slots[slot_id]
    problems = []
    if len(riders) > slot.capacity:
        problems.append(f"{label} has {len(riders)} participants booked and would seat {slot.capacity}")
    step_free = sum(1 for registration_id in riders if people[registration_id].step_free)
    if step_free and not slot.step_free:
        problems.append(f"{label} has {step_free} booked participant(s) who need step-free access")
    reasons: Counter[str] = Counter()
    for registration_id in riders:
        reason = solver.incompatibility(people[registration_id], slot)
        if reason and reason[0] not in ("no_seats", "step_free_site"):  # counted above
            reasons[reason[1]] += 1
        for other_row in built.current[registration_id]:
            other = slots.get(other_row["slot"])
            if (
                other is not None
                and other.id != slot_id
                and solver.overlaps(slot.depart, slot.back, other.depart, other.back)
            ):
                reasons[f"the trip would overlap their visit on slot {other.id}"] += 1
    problems.extend(f"{label}: {count} booked participant(s): {reason}" for reason, count in reasons.items())
    return problems


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
