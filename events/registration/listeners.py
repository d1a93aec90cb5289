"""How registrations react to the programme: events and sessions with registrations stay, and a
changed event (more seats) lets the waiting list move up."""

from __future__ import annotations

from events import signals
from events.auth.principal import Actor
from events.registration.moderation import promote_waitlisted
from events.registration.tables import Registration, SessionSignup


async def registrations_block_event_deletion(event_id: int) -> str | None:
    count = await Registration.count().where(Registration.event == event_id)
    return f"it has {count} registration(s); cancel them or keep the event" if count else None


async def signups_block_session_deletion(session_id: int) -> str | None:
    count = await SessionSignup.count().where(SessionSignup.session == session_id)
    return f"{count} participant(s) signed up for it" if count else None


async def capacity_may_have_grown(actor: Actor, event_id: int) -> None:
    await promote_waitlisted(event_id)


def connect() -> None:
    signals.event_deleting.connect(registrations_block_event_deletion)
    signals.session_deleting.connect(signups_block_session_deletion)
    signals.event_changed.connect(capacity_may_have_grown)
