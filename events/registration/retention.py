"""Retention of sensitive data: purge after the retention period, re-encryption with a new key."""

from __future__ import annotations

import datetime

from events import crypto, signals
from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.programme.tables import Event
from events.registration.tables import Registration
from events.settings import get_settings


async def purge_sensitive(
    actor: Actor, *, today: datetime.date | None = None, dry_run: bool = False
) -> dict[int, int]:
    """Erase passport numbers, dates and places of birth, and emergency contacts, once an event ended more than the retention
    period ago, and let other areas erase their copies (:data:`events.signals.sensitive_data_purged`,
    sent for every such event, so copies left by an earlier purge go too). Returns the number of
    registrations purged per event."""
    settings = get_settings()
    cutoff = (today or now().date()) - datetime.timedelta(days=settings.sensitive_retention_days)
    events = await Event.select(Event.id).where(Event.end_date < cutoff)
    result: dict[int, int] = {}
    for event in events:
        holding = (
            Registration.event == event["id"],
            (
                Registration.passport_number_enc.is_not_null()
                | Registration.date_of_birth_enc.is_not_null()
                | Registration.place_of_birth_enc.is_not_null()
                | Registration.emergency_contact_phone_enc.is_not_null()
                | Registration.emergency_contact_email_enc.is_not_null()
                | (Registration.emergency_contact_name != "")
                | (Registration.emergency_contact_relationship != "")
            ),
        )
        count = await Registration.count().where(*holding)
        if count:
            result[event["id"]] = count
        if dry_run:
            continue
        async with write_transaction():
            await signals.sensitive_data_purged.send(actor, event["id"])
            if not count:
                continue
            await Registration.update(
                {
                    Registration.passport_number_enc: None,
                    Registration.date_of_birth_enc: None,
                    Registration.place_of_birth_enc: None,
                    Registration.passport_last4: "",
                    Registration.emergency_contact_name: "",
                    Registration.emergency_contact_relationship: "",
                    Registration.emergency_contact_phone_enc: None,
                    Registration.emergency_contact_email_enc: None,
                    Registration.sensitive_purged_at: now(),
                }
            ).where(*holding)
            await record(
                actor,
                "registration.sensitive_purged",
                "event",
                event["id"],
                event_id=event["id"],
                data={"registrations": count, "retention_days": settings.sensitive_retention_days},
            )
    return result


async def rotate_data_key(actor: Actor) -> int:
    """Re-encrypt every stored sensitive value with the newest key of DATA_ENCRYPTION_KEYS."""
    rows = await Registration.select(
        Registration.id,
        Registration.passport_number_enc,
        Registration.date_of_birth_enc,
        Registration.place_of_birth_enc,
        Registration.emergency_contact_phone_enc,
        Registration.emergency_contact_email_enc,
    ).where(
        Registration.passport_number_enc.is_not_null()
        | Registration.date_of_birth_enc.is_not_null()
        | Registration.place_of_birth_enc.is_not_null()
        | Registration.emergency_contact_phone_enc.is_not_null()
        | Registration.emergency_contact_email_enc.is_not_null()
    )
    for start in range(0, len(rows), 200):
        async with write_transaction():
            for row in rows[start : start + 200]:
                await Registration.update(
                    {
                        Registration.passport_number_enc: crypto.rotate(row["passport_number_enc"]),
                        Registration.date_of_birth_enc: crypto.rotate(row["date_of_birth_enc"]),
                        Registration.place_of_birth_enc: crypto.rotate(row["place_of_birth_enc"]),
                        Registration.emergency_contact_phone_enc: crypto.rotate(
                            row["emergency_contact_phone_enc"]
                        ),
                        Registration.emergency_contact_email_enc: crypto.rotate(
                            row["emergency_contact_email_enc"]
                        ),
                    }
                ).where(Registration.id == row["id"])
    async with write_transaction():
        await record(actor, "registration.data_key_rotated", "registration", "*", data={"rows": len(rows)})
    return len(rows)
