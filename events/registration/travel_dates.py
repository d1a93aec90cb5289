"""Arrival and departure set from a flight itinerary (``events.travel.itineraries``), not typed.

One small service beside :func:`events.registration.editing.update`: the travel area calls it inside
its own transaction after each itinerary change, and travel agents, who cannot edit registrations,
may call it for the events they book for. Audited as ``registration.travel_dates_set``.
"""

from __future__ import annotations

import datetime

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import FieldError, InvalidInput, NotFound
from events.registration.tables import Registration


async def set_travel_dates(
    actor: Actor,
    registration_id: int,
    arrival_at: datetime.datetime | None,
    departure_at: datetime.datetime | None,
) -> bool:
    """Set both instants (UTC); returns whether anything changed. Refuses a departure not after the
    arrival, naming ``departure_at``."""
    async with write_transaction():
        row = (
            await Registration.select(Registration.event, Registration.arrival_at, Registration.departure_at)
            .where(Registration.id == registration_id)
            .first()
        )
        if row is None:
            raise NotFound(f"No registration with id {registration_id}")
        actor.require_travel(row["event"])
        if arrival_at and departure_at and departure_at <= arrival_at:
            raise InvalidInput(
                "departure_at: must be after arrival_at",
                errors=[FieldError("departure_at", "must be after arrival_at")],
            )
        if (row["arrival_at"], row["departure_at"]) == (arrival_at, departure_at):
            return False
        await Registration.update(
            {
                Registration.arrival_at: arrival_at,
                Registration.departure_at: departure_at,
                Registration.updated_at: now(),
            }
        ).where(Registration.id == registration_id)
        await record(
            actor,
            "registration.travel_dates_set",
            "registration",
            registration_id,
            event_id=row["event"],
            data={
                "arrival_at": arrival_at.isoformat() if arrival_at else None,
                "departure_at": departure_at.isoformat() if departure_at else None,
            },
        )
    return True
