"""A participant's ranked visit choices (slots or sites, best first), read and set by them or an organiser."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, FieldError, InvalidInput
from events.programme import services as programme_services
from events.registration.tables import ACTIVE_STATUSES
from events.visits import context, schemas
from events.visits.context import registration_for
from events.visits.tables import VisitPreference

#: The most choices a participant may rank (see ``schemas.PreferencesSet``).
MAX_CHOICES = 5


def choices_close_at(event: dict) -> datetime.datetime:
    """When participants can no longer change their own choices: the start of the event's first
    day, in its time zone (organisers may change them at any time)."""
    return datetime.datetime.combine(
        event["start_date"], datetime.time(), tzinfo=ZoneInfo(event["time_zone"])
    )


def choices_open(event: dict) -> bool:
    """Whether a participant may still change their own choices."""
    return now() < choices_close_at(event)


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
            if not choices_open(event):
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
