"""Programmes, events and sessions: create, edit, list, delete. Instants in UTC, shown in the venue's zone."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

from events import signals
from events.api import from_row
from events.audit.services import record
from events.auth import revocation
from events.auth.principal import Actor
from events.clock import now
from events.db import statements, write_transaction
from events.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from events.programme import schemas
from events.programme.tables import Event, Programme, Session
from events.reference.services import country_name, normalise_country, normalise_time_zone

UTC = datetime.UTC


#: Instants a person may type: anything outside cannot be an event's, and near year 1 or 9999
#: converting between zones (here, or when a page shows it in the venue's zone) overflows.
EARLIEST_INSTANT = datetime.datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime.datetime(2200, 1, 1, tzinfo=UTC)


def to_utc(value: datetime.datetime | None, zone: str, *, field: str = "time") -> datetime.datetime | None:
    """Naive times are read as wall-clock times in the event's zone. An instant outside the years
    1900-2199 is refused (InvalidInput naming ``field``)."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(zone))
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        value = None
    if value is None or not EARLIEST_INSTANT <= value < LATEST_INSTANT:
        raise InvalidInput.field(field, "must be a date and time between the years 1900 and 2199")
    return value


def to_local(value: datetime.datetime | None, zone: str) -> datetime.datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(zone))


# --- programmes ------------------------------------------------------------------------------


def _programme(row: dict) -> schemas.Programme:
    return from_row(schemas.Programme, row)


async def list_programmes() -> list[schemas.Programme]:
    return [_programme(row) for row in await Programme.select().order_by(Programme.id)]


async def get_programme(programme_id: int) -> schemas.Programme:
    row = await Programme.select().where(Programme.id == programme_id).first()
    if row is None:
        raise NotFound(f"No programme with id {programme_id}")
    return _programme(row)


async def create_programme(actor: Actor, data: schemas.ProgrammeCreate) -> schemas.Programme:
    if not actor.is_programme_organiser:
        raise PermissionDenied("Only programme organisers create programmes")
    async with write_transaction():
        if await Programme.exists().where(Programme.slug == data.slug):
            raise InvalidInput.field("slug", f"{data.slug!r} is taken")
        row = Programme(slug=data.slug, title=data.title, description=data.description)
        await row.save()
        await record(actor, "programme.created", "programme", row.id, data={"slug": data.slug})
    return await get_programme(row.id)


async def update_programme(
    actor: Actor, programme_id: int, data: schemas.ProgrammeUpdate
) -> schemas.Programme:
    if not actor.is_programme_organiser:
        raise PermissionDenied("Only programme organisers edit programmes")
    changes = schemas.changes(data)
    async with write_transaction():
        await get_programme(programme_id)
        if changes:
            await Programme.update(changes).where(Programme.id == programme_id)
        await record(actor, "programme.updated", "programme", programme_id, data={"fields": sorted(changes)})
    return await get_programme(programme_id)


# --- events ----------------------------------------------------------------------------------


def event_from_row(row: dict, at: datetime.datetime | None = None) -> schemas.Event:
    zone = row["time_zone"]
    opens = to_local(row["registration_opens_at"], zone)
    closes = to_local(row["registration_closes_at"], zone)
    moment = at or now()
    return from_row(
        schemas.Event,
        row,
        country_name=country_name(row["country"]),
        registration_opens_at=opens,
        registration_closes_at=closes,
        registration_open=(opens is None or opens <= moment) and (closes is None or moment < closes),
        languages=list(row["languages"] or []),
    )


async def get_event_row(event_id: int) -> dict:
    # Plain SQL (the same row Piccolo's ``Event.select()`` gives): every registration reads it first.
    row = await statements.first("SELECT * FROM event WHERE id = ?", event_id)
    if row is None:
        raise NotFound(f"No event with id {event_id}")
    return row


async def get_event(event_id: int) -> schemas.Event:
    return event_from_row(await get_event_row(event_id))


async def list_events(
    *, programme_id: int | None, kind: str | None, upcoming_only: bool, limit: int, offset: int
) -> tuple[list[schemas.Event], int]:
    clauses: list[Any] = []
    if programme_id is not None:
        clauses.append(Event.programme == programme_id)
    if kind:
        clauses.append(Event.kind == kind)
    if upcoming_only:
        clauses.append(Event.end_date >= now().date())
    query = Event.select().order_by(Event.start_date).order_by(Event.id).limit(limit).offset(offset)
    count = Event.count()
    if clauses:
        query, count = query.where(*clauses), count.where(*clauses)
    return [event_from_row(row) for row in await query], await count


def _validate_event(values: dict[str, Any]) -> dict[str, Any]:
    """Normalise and cross-check an event's fields (create, or current row merged with a PATCH)."""
    values["country"] = normalise_country(values["country"])
    values["time_zone"] = normalise_time_zone(values["time_zone"])
    for field in ("start_date", "end_date"):
        if not EARLIEST_INSTANT.year <= values[field].year < LATEST_INSTANT.year:
            raise InvalidInput.field(field, "must be a date between the years 1900 and 2199")
    if values["end_date"] < values["start_date"]:
        raise InvalidInput.field("end_date", "must be on or after start_date")
    zone = values["time_zone"]
    values["registration_opens_at"] = to_utc(
        values.get("registration_opens_at"), zone, field="registration_opens_at"
    )
    values["registration_closes_at"] = to_utc(
        values.get("registration_closes_at"), zone, field="registration_closes_at"
    )
    opens, closes = values["registration_opens_at"], values["registration_closes_at"]
    if opens and closes and closes <= opens:
        raise InvalidInput.field("registration_closes_at", "must be after registration_opens_at")
    if closes:
        event_end = datetime.datetime.combine(
            values["end_date"] + datetime.timedelta(days=1), datetime.time(), tzinfo=ZoneInfo(zone)
        )
        if closes > event_end:
            raise InvalidInput.field("registration_closes_at", "must be before the event ends")
    values["languages"] = list(dict.fromkeys(values.get("languages") or ["en"]))
    if values.get("partner") is not None:
        values["partner"] = getattr(values["partner"], "value", values["partner"])
    values["kind"] = getattr(values["kind"], "value", values["kind"])
    return values


async def _default_programme_id() -> int:
    rows = await Programme.select(Programme.id).limit(2)
    if len(rows) != 1:
        raise InvalidInput.field("programme_id", "name the programme (there is not exactly one)")
    return rows[0]["id"]


async def create_event(actor: Actor, data: schemas.EventCreate) -> schemas.Event:
    if not actor.is_programme_organiser:
        raise PermissionDenied("Only programme organisers create events")
    values = _validate_event(schemas.changes(data))
    async with write_transaction():
        programme_id = values.pop("programme_id", None) or await _default_programme_id()
        if not await Programme.exists().where(Programme.id == programme_id):
            raise InvalidInput.field("programme_id", f"no programme with id {programme_id}")
        if await Event.exists().where(Event.slug == values["slug"]):
            raise InvalidInput.field("slug", f"{values['slug']!r} is taken")
        row = Event(programme=programme_id, created_at=now(), updated_at=now(), **values)
        await row.save()
        await record(actor, "event.created", "event", row.id, event_id=row.id, data={"slug": values["slug"]})
    return await get_event(row.id)


async def update_event(actor: Actor, event_id: int, data: schemas.EventUpdate) -> schemas.Event:
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event edit it")
    changes = schemas.changes(data)
    async with write_transaction():
        current = await get_event_row(event_id)
        merged = _validate_event({**current, **changes})
        update = {name: merged[name] for name in changes}
        for name in ("registration_opens_at", "registration_closes_at"):
            if "time_zone" in changes:
                update[name] = merged[name]
        if update:
            update["updated_at"] = now()
            await Event.update(update).where(Event.id == event_id)
        await record(
            actor, "event.updated", "event", event_id, event_id=event_id, data={"fields": sorted(changes)}
        )
        await signals.event_changed.send(actor, event_id)
    return await get_event(event_id)


async def delete_event(actor: Actor, event_id: int) -> None:
    if not actor.is_programme_organiser:
        raise PermissionDenied("Only programme organisers delete events")
    async with write_transaction():
        row = await get_event_row(event_id)
        reason = next(filter(None, await signals.event_deleting.send(event_id)), None)
        if reason:
            raise Conflict(f"Event {row['slug']!r} cannot be deleted: {reason}")
        await Event.delete().where(Event.id == event_id)
        await revocation.bump()
        await record(actor, "event.deleted", "event", event_id, event_id=event_id, data={"slug": row["slug"]})


# --- sessions --------------------------------------------------------------------------------


def session_from_row(row: dict, zone: str, warnings: list[str] | None = None) -> schemas.Session:
    return from_row(
        schemas.Session,
        row,
        starts_at=to_local(row["starts_at"], zone),
        ends_at=to_local(row["ends_at"], zone),
        time_zone=zone,
        warnings=warnings or [],
    )


async def list_sessions(event_id: int, *, include_cancelled: bool = True) -> list[schemas.Session]:
    event = await get_event_row(event_id)
    query = Session.select().where(Session.event == event_id).order_by(Session.starts_at).order_by(Session.id)
    if not include_cancelled:
        query = query.where(Session.cancelled.eq(False))
    return [session_from_row(row, event["time_zone"]) for row in await query]


async def get_session(
    event_id: int, session_id: int, *, warnings: list[str] | None = None
) -> schemas.Session:
    event = await get_event_row(event_id)
    row = await Session.select().where(Session.id == session_id, Session.event == event_id).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no session {session_id}")
    return session_from_row(row, event["time_zone"], warnings)


async def _session_warnings(event_id: int, session_id: int) -> list[str]:
    """What the saved session collides with in other areas, for the organiser who saved it."""
    return [
        warning
        for warnings in await signals.session_changed.send(event_id, session_id)
        for warning in warnings
    ]


async def session_warnings(actor: Actor, event_id: int, session_id: int) -> list[str]:
    """What a session collides with now (the warnings its last save answered with, as they stand):
    for the organiser's page of the session, which shows them until they are resolved."""
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event see its sessions' warnings")
    await get_session(event_id, session_id)
    return await _session_warnings(event_id, session_id)


def _validate_session(values: dict[str, Any], event: dict) -> dict[str, Any]:
    zone = event["time_zone"]
    values["starts_at"] = to_utc(values["starts_at"], zone, field="starts_at")
    values["ends_at"] = to_utc(values["ends_at"], zone, field="ends_at")
    if values["ends_at"] <= values["starts_at"]:
        raise InvalidInput.field("ends_at", "must be after starts_at")
    first_day = datetime.datetime.combine(event["start_date"], datetime.time(), tzinfo=ZoneInfo(zone))
    after_last = datetime.datetime.combine(
        event["end_date"] + datetime.timedelta(days=1), datetime.time(), tzinfo=ZoneInfo(zone)
    )
    if values["starts_at"] < first_day or values["ends_at"] > after_last:
        raise InvalidInput.field(
            "starts_at",
            f"the session must lie within the event's dates ({event['start_date']} to {event['end_date']})",
        )
    values["kind"] = getattr(values["kind"], "value", values["kind"])
    return values


async def create_session(actor: Actor, event_id: int, data: schemas.SessionCreate) -> schemas.Session:
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event edit its sessions")
    async with write_transaction():
        event = await get_event_row(event_id)
        values = _validate_session(schemas.changes(data), event)
        row = Session(event=event_id, updated_at=now(), **values)
        await row.save()
        warnings = await _session_warnings(event_id, row.id)
        await record(
            actor,
            "session.created",
            "session",
            row.id,
            event_id=event_id,
            data={"title": data.title, **({"warnings": warnings} if warnings else {})},
        )
    return await get_session(event_id, row.id, warnings=warnings)


async def update_session(
    actor: Actor, event_id: int, session_id: int, data: schemas.SessionUpdate
) -> schemas.Session:
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event edit its sessions")
    changes = schemas.changes(data)
    async with write_transaction():
        event = await get_event_row(event_id)
        current = await Session.select().where(Session.id == session_id, Session.event == event_id).first()
        if current is None:
            raise NotFound(f"Event {event_id} has no session {session_id}")
        merged = _validate_session({**current, **changes}, event)
        update = {name: merged[name] for name in changes}
        if update:
            update["updated_at"] = now()
            update["sequence"] = current["sequence"] + 1
            await Session.update(update).where(Session.id == session_id)
        warnings = await _session_warnings(event_id, session_id)
        action = (
            "session.cancelled"
            if changes.get("cancelled") and not current["cancelled"]
            else "session.updated"
        )
        await record(
            actor,
            action,
            "session",
            session_id,
            event_id=event_id,
            data={"fields": sorted(changes), **({"warnings": warnings} if warnings else {})},
        )
    return await get_session(event_id, session_id, warnings=warnings)


async def delete_session(actor: Actor, event_id: int, session_id: int) -> None:
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event edit its sessions")
    async with write_transaction():
        current = (
            await Session.select(Session.title)
            .where(Session.id == session_id, Session.event == event_id)
            .first()
        )
        if current is None:
            raise NotFound(f"Event {event_id} has no session {session_id}")
        reason = next(filter(None, await signals.session_deleting.send(session_id)), None)
        if reason:
            raise Conflict(f"Session {session_id} cannot be deleted: {reason}; cancel it instead")
        await Session.delete().where(Session.id == session_id)
        await record(actor, "session.deleted", "session", session_id, event_id=event_id, data=current)
