"""Seats: the locked event row, approved seats counted, and seats in optional sessions.

Capacity: the event row is locked (``FOR UPDATE`` on PostgreSQL; the SQLite write transaction is
exclusive) before its seat counters are read (``Event.approved_seats``/``waitlisted_seats``, kept by
database triggers on ``registration``), so concurrent submissions are decided one after another and
an event is never overbooked. Session seats work the same way on the session row."""

from __future__ import annotations

from events.clock import now
from events.db import dialect, locked, statements
from events.db.statements import Program
from events.errors import InvalidInput, NotFound
from events.programme.tables import Event
from events.registration.tables import RegistrationStatus, SessionSignup


async def lock_event(event_id: int) -> dict:
    row = await locked(Event.select().where(Event.id == event_id)).first()
    if row is None:
        raise NotFound(f"No event with id {event_id}")
    return row


async def approved_count(event_id: int) -> int:
    """Approved registrations, from the counter the database keeps on the event row (current once the
    row is locked: call :func:`lock_event` first)."""
    row = await Event.select(Event.approved_seats).where(Event.id == event_id).first()
    return row["approved_seats"] if row else 0


def seat_status(approve: bool, approved: int, capacity: int) -> RegistrationStatus:
    """What a new registration becomes: waiting for moderation, or (auto-approved) a seat while
    ``approved`` is below ``capacity``, else the waiting list."""
    if not approve:
        return RegistrationStatus.submitted
    return RegistrationStatus.approved if approved < capacity else RegistrationStatus.waitlisted


async def take_session_seats(registration_id: int, event_id: int, session_ids: list[int]) -> list[int]:
    """Sign up for optional sessions while seats last; returns the sessions that were full."""
    return await statements.run(session_seats(registration_id, event_id, session_ids))


def session_seats(registration_id: int, event_id: int, session_ids: list[int]) -> Program[list[int]]:
    """:func:`take_session_seats` as a statement program, for a program that registers and signs up
    in one go: the session rows locked, their sign-ups counted, the free seats taken."""
    full: list[int] = []
    wanted = sorted(set(session_ids))
    if not wanted:
        return full
    sessions = yield (
        f"SELECT id, capacity, optional, cancelled FROM event_session WHERE event = ? "  # noqa: S608
        f"AND id IN ({', '.join('?' * len(wanted))}) ORDER BY id {dialect().for_update}",
        (event_id, *wanted),
    )
    found = {row["id"]: row for row in sessions}
    unknown = [
        sid
        for sid in wanted
        if sid not in found
        or statements.boolean(found[sid]["cancelled"])
        or not statements.boolean(found[sid]["optional"])
    ]
    if unknown:
        raise InvalidInput.field("session_ids", f"not optional sessions of this event: {unknown}")
    already = {
        row["session"]
        for row in (yield ('SELECT "session" FROM session_signup WHERE registration = ?', (registration_id,)))
    }
    for session_id in wanted:
        if session_id in already:
            continue
        capacity = found[session_id]["capacity"]
        if capacity is not None:
            taken = yield ('SELECT count(*) AS n FROM session_signup WHERE "session" = ?', (session_id,))
            if taken[0]["n"] >= capacity:
                full.append(session_id)
                continue
        yield statements.insert(
            SessionSignup, {"registration": registration_id, "session": session_id, "created_at": now()}
        )
    return full


async def release_session_seats(registration_id: int, keep: set[int] | None = None) -> None:
    query = SessionSignup.delete().where(SessionSignup.registration == registration_id)
    if keep:
        query = query.where(SessionSignup.session.not_in(list(keep)))
    await query
