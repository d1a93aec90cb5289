"""Submitting a registration from any channel (self-service, invitation, import, walk-in).

The submission runs in one ``write_transaction()`` that holds the event row (see
:mod:`events.registration.seats`) while seats are counted, checks its rules, raises a domain
error, writes its audit entry and queues its e-mail in the same transaction."""

from __future__ import annotations

import datetime

import msgspec

from events.audit.services import record_all
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, queue_for, write_transaction
from events.errors import Conflict, InvalidInput, NotFound
from events.programme import services as programme_services
from events.programme.tables import Event
from events.reference.services import groups_of
from events.registration import access, schemas
from events.registration.notices import notify
from events.registration.reading import get_registration, to_schema
from events.registration.seats import approved_count, take_session_seats
from events.registration.tables import ACTIVE_STATUSES, Channel, Registration, RegistrationStatus
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

    existing_id = None
    async with queue_for(f"event-seats:{event_id}"), write_transaction():
        seats = await locked(
            Event.select(Event.capacity, Event.auto_approve).where(Event.id == event_id)
        ).first()
        if seats is None:
            raise NotFound(f"No event with id {event_id}")
        existing = (
            await Registration.select(Registration.id, Registration.fingerprint)
            .where(
                Registration.event == event_id,
                Registration.email == email,
                Registration.status.is_in([s.value for s in ACTIVE_STATUSES]),
            )
            .first()
        )
        if existing is not None and existing["fingerprint"] != fingerprint:
            raise Conflict(
                f"{email} is already registered for this event; ask for a sign-in link to change the registration",
                registration_reference_hint="POST /api/v1/events/{event_id}/registrations/magic-link",
            )
        if existing is not None:
            existing_id = existing["id"]
        else:
            invitation = None
            if data.invitation_token:
                invitation = await access.redeem_invitation(
                    data.invitation_token, event_id=event_id, email=email
                )
                channel = Channel.invitation
                values["channel"] = channel.value
                if invitation["skip_moderation"]:
                    approve_when_seats = True
            approve = seats["auto_approve"] if approve_when_seats is None else approve_when_seats
            status = RegistrationStatus.submitted
            if approve:
                has_seat = await approved_count(event_id) < seats["capacity"]
                status = RegistrationStatus.approved if has_seat else RegistrationStatus.waitlisted
            values["status"] = status.value
            registration = Registration(**values)
            await registration.save()
            sessions_full = await take_session_seats(registration.id, event_id, data.session_ids)
            if invitation is not None:
                await access.mark_invitation_used(invitation["id"], registration.id)
            actions = ["registration.submitted"]
            if status is not RegistrationStatus.submitted:
                actions.append(f"registration.{status.value}")
            await record_all(
                acting,
                actions,
                "registration",
                registration.id,
                event_id=event_id,
                data={"channel": channel.value, "status": status.value},
            )
            row = {**_NEW_ROW_DEFAULTS, **values, "id": registration.id}
            link = await access.issue_magic_link(registration.id)
            await notify("registration_received", row, event, sign_in_link=link)
            positions = {}
            if status is RegistrationStatus.waitlisted:
                positions[registration.id] = await Registration.count().where(
                    Registration.event == event_id, Registration.status == RegistrationStatus.waitlisted.value
                )
    if existing_id is not None:
        return schemas.RegistrationSubmitted(
            registration=await get_registration(existing_id), created=False, sessions_full=[]
        )
    signed_up = sorted(set(data.session_ids) - set(sessions_full))
    return schemas.RegistrationSubmitted(
        registration=to_schema(row, groups, signed_up, positions, event["time_zone"]),
        created=True,
        sessions_full=sessions_full,
    )


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
