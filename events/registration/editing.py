"""Changes to a registration by its participant (until the deadline) or by an organiser."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict
from events.programme import services as programme_services
from events.registration import schemas
from events.registration.reading import check_access, get_registration, get_registration_row
from events.registration.seats import release_session_seats, take_session_seats
from events.registration.tables import ACTIVE_STATUSES, Registration
from events.registration.validation import check_whole, validate


def edit_deadline(event: dict) -> datetime.datetime:
    """Participants may edit until registration closes, or else until the event starts."""
    return event["registration_closes_at"] or datetime.datetime.combine(
        event["start_date"], datetime.time(), tzinfo=ZoneInfo(event["time_zone"])
    )


def check_changes_allowed(actor: Actor, current: dict, event: dict) -> None:
    """A participant changes an active registration until :func:`edit_deadline`; organisers always.

    The same rule for every change a participant makes (their answers, their optional sessions)."""
    if actor.organises(current["event"]):
        return
    deadline = edit_deadline(event)
    if now() >= deadline:
        raise Conflict(
            "The deadline for changes has passed; write to the organisers", deadline=deadline.isoformat()
        )
    if current["status"] not in {s.value for s in ACTIVE_STATUSES}:
        raise Conflict(f"A {current['status']} registration cannot be changed")


async def update(
    actor: Actor, registration_id: int, data: schemas.RegistrationUpdate
) -> schemas.Registration:
    current = await get_registration_row(registration_id)
    check_access(actor, current)
    changes = {
        name: getattr(data, name)
        for name in data.__struct_fields__
        if getattr(data, name) is not msgspec.UNSET
    }
    async with write_transaction():
        current = await get_registration_row(registration_id)
        event = await programme_services.get_event_row(current["event"])
        check_changes_allowed(actor, current, event)
        session_ids = changes.pop("session_ids", None)
        values, _ = validate(
            {k: (msgspec.to_builtins(v) if isinstance(v, list) else v) for k, v in changes.items()}, event
        )
        merged = {**current, **values}
        values["warnings"] = check_whole(merged, event)
        values["updated_at"] = now()
        await Registration.update(values).where(Registration.id == registration_id)
        if session_ids is not None:
            await release_session_seats(registration_id, keep=set(session_ids))
            full = await take_session_seats(registration_id, current["event"], session_ids)
            if full:
                raise Conflict(f"These sessions are full: {full}", sessions_full=full)
        await record(
            actor,
            "registration.updated",
            "registration",
            registration_id,
            event_id=current["event"],
            data={"fields": sorted(changes) + (["session_ids"] if session_ids is not None else [])},
        )
    return await get_registration(registration_id)
