"""How calendars react to other areas: the approval e-mail carries the event as an .ics file."""

from __future__ import annotations

from typing import Any

from events import signals
from events.calendars.services import event_ics_attachment
from events.registration.tables import Registration


async def approval_calendar(message: dict[str, Any]) -> list[tuple[str, str, str, bytes]]:
    """The event as an .ics file, with the feeds' UID, for a registration's approval e-mail."""
    if message.get("kind") != "registration_approved" or message.get("object_type") != "registration":
        return []
    row = (
        await Registration.select(Registration.event)
        .where(Registration.id == int(message["object_id"]))
        .first()
    )
    if row is None:
        return []
    return [("event.ics", "text", "calendar", await event_ics_attachment(row["event"]))]


def connect() -> None:
    signals.mail_attachments.connect(approval_calendar)
