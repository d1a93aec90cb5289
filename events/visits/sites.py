"""Study-visit sites: the places visited, shared by every event (contacts only for organisers)."""

from __future__ import annotations

from typing import Any

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from events.reference.services import normalise_country
from events.visits import schemas, travel
from events.visits.context import changes
from events.visits.tables import Site, TravelTime, VisitPreference, VisitSlot


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
