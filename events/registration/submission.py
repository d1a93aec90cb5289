"""Submitting a registration from any channel (self-service, invitation, import, walk-in).

The submission runs in one write transaction that holds the event row (see
:mod:`events.registration.seats`) while seats are counted, checks its rules, raises a domain
error, writes its audit entry and queues its e-mail in the same transaction.

Why plain SQL: self-registration is the busiest write of the service (issue 17: 300 a second,
and 500 released at once for 50 seats settling within 2 s). Built with Piccolo it cost about 15 ms
of CPU, a third of it building SQL for eleven statements, each a hop to SQLite's thread or a round
trip to PostgreSQL while the event's lock was held. So everything that needs no lock happens first
(validation, the fingerprint, the reference, the country groups), and the locked part is one
statement program (:func:`events.db.statements.run`: one hop to the SQLite writer, or one
PostgreSQL transaction) of statements written once: the event row locked, the seats and the
e-mail's active registration read in one query, the registration inserted, then its sign-in link,
audit and outbox rows (:func:`events.db.statements.together`: one statement on PostgreSQL, so the
event row is held for four round trips). There is no other path: imports, invitations, walk-ins and the pages use this one.
The rules stay in Python (:func:`events.registration.seats.seat_status`, the duplicate-e-mail
check); the outbox row and the audit rows come from their areas' own builders
(:func:`events.registration.notices.notice`, :func:`events.audit.services.entries`).
``tests/test_registration_hot_path.py`` holds the statement budget."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

import msgspec

from events.audit.services import entries
from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.clock import now
from events.db import dialect, queue_for, statements
from events.db.statements import Program, one
from events.errors import Conflict, InvalidInput, NotFound
from events.notifications.tables import OutboxMessage
from events.programme import services as programme_services
from events.reference.services import groups_of
from events.registration import access, schemas
from events.registration.notices import notice
from events.registration.reading import get_registration, to_schema
from events.registration.seats import seat_status, session_seats
from events.registration.tables import ACTIVE_STATUSES, AccessToken, Channel, Registration, RegistrationStatus
from events.registration.validation import (
    check_whole,
    new_reference,
    normalise_email,
    submission_fingerprint,
    validate,
)


async def submit(
    data: schemas.RegistrationCreate,
    *,
    event_id: int,
    channel: Channel,
    actor: Actor | None = None,
    approve_when_seats: bool | None = None,
) -> schemas.RegistrationSubmitted:
    """Create a registration from any channel.

    Re-submitting the same data for the same e-mail returns the existing registration
    (``created`` false); different data for an e-mail that already holds an active registration
    is a conflict. ``approve_when_seats`` overrides the event's moderation (invitations that skip
    moderation, walk-ins); when seats are out the registration is waitlisted.
    """
    if not data.consent:
        raise InvalidInput.field("consent", "consent to the processing of your data is required to register")
    email = normalise_email(data.email)
    acting = actor or Actor.system("self-registration")
    # Everything that needs no lock happens first, so the event row is held only for the decision.
    event = await programme_services.get_event_row(event_id)
    if channel is Channel.self_service or channel is Channel.invitation:
        _check_window(event)
    values, _ = validate(msgspec.to_builtins(data, builtin_types=(datetime.date, datetime.datetime)), event)
    fingerprint = submission_fingerprint(data, values)
    for key in ("consent", "session_ids", "invitation_token", "email"):
        values.pop(key, None)
    moment = now()
    values.update(
        event=event_id,
        email=email,
        channel=channel.value,
        consent_at=moment,
        fingerprint=fingerprint,
        created_at=moment,
        updated_at=moment,
        status_changed_at=moment,
        reference=new_reference(event["slug"]),
    )
    values["warnings"] = check_whole(values, event)
    country = values["country_represented"]
    groups = {country: [group.value for group in await groups_of(country, event["start_date"])]}

    prepared = _Prepared(
        values=values,
        fingerprint=fingerprint,
        event=event,
        actor=acting,
        approve_when_seats=approve_when_seats,
        invitation_token=data.invitation_token,
        session_ids=data.session_ids,
    )
    async with queue_for(f"event-seats:{event_id}"):
        outcome = await statements.run(_decide_and_write(prepared))
    if outcome.existing_id is not None:
        return schemas.RegistrationSubmitted(
            registration=await get_registration(outcome.existing_id), created=False, sessions_full=[]
        )
    signed_up = sorted(set(data.session_ids) - set(outcome.sessions_full))
    return schemas.RegistrationSubmitted(
        registration=to_schema(outcome.row, groups, signed_up, outcome.positions, event["time_zone"]),
        created=True,
        sessions_full=outcome.sessions_full,
    )


@dataclass(slots=True)
class _Prepared:
    """Everything :func:`submit` checked and computed before taking the event's lock."""

    values: dict[str, Any]
    fingerprint: str
    event: dict
    actor: Actor
    approve_when_seats: bool | None
    invitation_token: str | None
    session_ids: list[int]


@dataclass(slots=True)
class _Outcome:
    existing_id: int | None = None
    row: dict = field(default_factory=dict)
    positions: dict[int, int] = field(default_factory=dict)
    sessions_full: list[int] = field(default_factory=list)


_ACTIVE = tuple(status.value for status in ACTIVE_STATUSES)

#: The seats taken and the e-mail's active registration, read after the event row is locked (so
#: on PostgreSQL the statement's snapshot sees every registration committed before the lock).
_SEATS_AND_SAME_EMAIL = f"""
SELECT same.id, same.fingerprint,
    (SELECT count(*) FROM registration WHERE event = ? AND status = 'approved') AS approved,
    (SELECT count(*) FROM registration WHERE event = ? AND status = 'waitlisted') AS waitlisted
FROM (SELECT 1 AS here) AS one
LEFT JOIN registration AS same
    ON same.event = ? AND same.email = ? AND same.status IN ({", ".join("?" * len(_ACTIVE))})
"""  # noqa: S608 (placeholders only)


def _decide_and_write(p: _Prepared) -> Program[_Outcome]:
    """The locked part of a submission, as one statement program (see the module's docstring).

    Statements for a new self-registration: the event row locked, the seats and the e-mail's
    active registration in one query, the registration inserted, then its sign-in link, its audit
    entries and its e-mail together. Session sign-ups and invitations add their own.
    """
    values, event_id = p.values, p.values["event"]
    seats = one(
        (
            yield (
                f"SELECT capacity, auto_approve FROM event WHERE id = ? {dialect().for_update}",  # noqa: S608
                (event_id,),
            )
        )
    )
    if seats is None:
        raise NotFound(f"No event with id {event_id}")
    taken = (yield (_SEATS_AND_SAME_EMAIL, (event_id, event_id, event_id, values["email"], *_ACTIVE)))[0]
    if taken["id"] is not None:
        if taken["fingerprint"] != p.fingerprint:
            raise Conflict(
                f"{values['email']} is already registered for this event; ask for a sign-in link to change the registration",
                registration_reference_hint="POST /api/v1/events/{event_id}/registrations/magic-link",
            )
        return _Outcome(existing_id=taken["id"])
    approve_when_seats = p.approve_when_seats
    invitation = None
    if p.invitation_token:
        invitation = yield from access.redeem_invitation(
            p.invitation_token, event_id=event_id, email=values["email"]
        )
        values["channel"] = Channel.invitation.value
        if statements.boolean(invitation["skip_moderation"]):
            approve_when_seats = True
    approve = statements.boolean(seats["auto_approve"]) if approve_when_seats is None else approve_when_seats
    status = seat_status(approve, taken["approved"], seats["capacity"])
    values["status"] = status.value
    registration_id = (yield statements.insert(Registration, values, returning="id"))[0]["id"]
    sessions_full = yield from session_seats(registration_id, event_id, p.session_ids)
    if invitation is not None:
        yield access.mark_invitation_used(invitation["id"], registration_id)
    token_row, link = access.magic_link(registration_id)
    actions = ["registration.submitted"]
    if status is not RegistrationStatus.submitted:
        actions.append(f"registration.{status.value}")
    audit = entries(
        p.actor,
        actions,
        "registration",
        registration_id,
        event_id=event_id,
        data={"channel": values["channel"], "status": status.value},
    )
    row = {**_NEW_ROW_DEFAULTS, **values, "id": registration_id}
    yield from statements.together(
        statements.insert(AccessToken, token_row),
        statements.insert(AuditEntry, *audit),
        statements.insert(OutboxMessage, notice("registration_received", row, p.event, sign_in_link=link)),
    )
    positions = {}
    if status is RegistrationStatus.waitlisted:
        positions[registration_id] = taken["waitlisted"] + 1
    return _Outcome(row=row, positions=positions, sessions_full=sessions_full)


#: Columns a new registration row has that ``submit`` does not set itself.
_NEW_ROW_DEFAULTS = {"decided_by": None, "decision_note": "", "sensitive_purged_at": None}


def _check_window(event: dict) -> None:
    moment = now()
    opens, closes = event["registration_opens_at"], event["registration_closes_at"]
    if opens and moment < opens:
        raise Conflict(
            f"Registration for this event opens at {programme_services.to_local(opens, event['time_zone'])}"
        )
    if closes and moment >= closes:
        raise Conflict("Registration for this event has closed; ask the organisers for an invitation")
