"""A participant joins or leaves one optional session while seats last (the agenda page's buttons).

The rules are the edit form's: :func:`events.registration.editing.check_changes_allowed` (an active
registration, before the change deadline; organisers always) and the seat count of
:func:`events.registration.seats.take_session_seats` (the session row locked, its sign-ups counted), so
a session is never overbooked however many people press "Join" at once.
"""

from __future__ import annotations

from events.audit.services import record
from events.auth.principal import Actor
from events.db import queue_for, write_transaction
from events.errors import Conflict, NotFound
from events.programme import services as programme_services
from events.programme.tables import Session
from events.registration import schemas
from events.registration.editing import check_changes_allowed
from events.registration.reading import check_access, get_registration, get_registration_row
from events.registration.seats import take_session_seats
from events.registration.tables import SessionSignup


async def _session_row(event_id: int, session_id: int) -> dict:
    row = (
        await Session.select(Session.id, Session.title, Session.optional, Session.cancelled)
        .where(Session.id == session_id, Session.event == event_id)
        .first()
    )
    if row is None:
        raise NotFound(f"Event {event_id} has no session {session_id}")
    return row


async def _checked(actor: Actor, registration_id: int, session_id: int) -> tuple[dict, dict]:
    """The locked registration row and the session, once the participant may change their sessions."""
    current = await get_registration_row(registration_id, lock=True)
    check_access(actor, current)
    event = await programme_services.get_event_row(current["event"])
    check_changes_allowed(actor, current, event)
    return current, await _session_row(current["event"], session_id)


async def join_session(actor: Actor, registration_id: int, session_id: int) -> schemas.Registration:
    """Take a seat in an optional session; :class:`Conflict` when it is cancelled or full.

    Joining a session one already holds a seat in changes nothing."""
    check_access(actor, await get_registration_row(registration_id))
    async with queue_for(f"session:{session_id}"), write_transaction():
        current, session = await _checked(actor, registration_id, session_id)
        if session["cancelled"]:
            raise Conflict("This session is cancelled", session_cancelled=session_id)
        if not session["optional"]:
            raise Conflict("This session is for everyone: there is no seat to take", session_optional=False)
        held = await SessionSignup.exists().where(
            SessionSignup.registration == registration_id, SessionSignup.session == session_id
        )
        full = await take_session_seats(registration_id, current["event"], [session_id])
        if full:
            raise Conflict("This session is full: no seats left", sessions_full=full)
        if not held:
            await record(
                actor,
                "registration.session_joined",
                "registration",
                registration_id,
                event_id=current["event"],
                data={"session_id": session_id},
            )
    return await get_registration(registration_id)


async def leave_session(actor: Actor, registration_id: int, session_id: int) -> schemas.Registration:
    """Give the seat back (someone else may take it); leaving a session one is not in changes nothing."""
    check_access(actor, await get_registration_row(registration_id))
    async with write_transaction():
        current, _ = await _checked(actor, registration_id, session_id)
        held = await SessionSignup.exists().where(
            SessionSignup.registration == registration_id, SessionSignup.session == session_id
        )
        if held:
            await SessionSignup.delete().where(
                SessionSignup.registration == registration_id, SessionSignup.session == session_id
            )
            await record(
                actor,
                "registration.session_left",
                "registration",
                registration_id,
                event_id=current["event"],
                data={"session_id": session_id},
            )
    return await get_registration(registration_id)


async def seats_left(event_id: int) -> dict[int, int | None]:
    """Free seats in each optional session of an event (``None``: no limit), for the page to show."""
    sessions = await Session.select(Session.id, Session.capacity).where(
        Session.event == event_id, Session.optional.eq(True)
    )
    taken: dict[int, int] = {}
    ids = [row["id"] for row in sessions]
    if ids:
        for row in await SessionSignup.select(SessionSignup.session).where(SessionSignup.session.is_in(ids)):
            taken[row["session"]] = taken.get(row["session"], 0) + 1
    return {
        row["id"]: None if row["capacity"] is None else max(row["capacity"] - taken.get(row["id"], 0), 0)
        for row in sessions
    }
