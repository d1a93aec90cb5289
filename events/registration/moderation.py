"""Moderation: approve, waitlist, reject, cancel, and promotion from the waiting list.

Each decision runs in ``write_transaction()`` with the event row locked, writes its audit entry
and queues its e-mail in the same transaction; a withdrawn registration is announced through
``signals.registration_withdrawn``."""

from __future__ import annotations

from events import signals
from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, NotFound, PermissionDenied
from events.registration import schemas
from events.registration.notices import STATUS_MAIL, notify
from events.registration.reading import check_access, get_registration, get_registration_row
from events.registration.seats import approved_count, lock_event, release_session_seats
from events.registration.tables import Registration, RegistrationStatus

#: Statuses a registration may move to, and from which.
TRANSITIONS: dict[RegistrationStatus, set[RegistrationStatus]] = {
    RegistrationStatus.approved: {RegistrationStatus.submitted, RegistrationStatus.waitlisted},
    RegistrationStatus.waitlisted: {RegistrationStatus.submitted},
    RegistrationStatus.rejected: {RegistrationStatus.submitted, RegistrationStatus.waitlisted},
    RegistrationStatus.cancelled: {
        RegistrationStatus.submitted,
        RegistrationStatus.approved,
        RegistrationStatus.waitlisted,
    },
}


async def _transition(
    actor: Actor,
    registration_id: int,
    target: RegistrationStatus,
    *,
    note: str = "",
    check_seat: bool = False,
) -> dict:
    """Move one registration to ``target`` inside the caller's transaction; returns the new row."""
    current = await get_registration_row(registration_id)
    event = await lock_event(current["event"])
    status = RegistrationStatus(current["status"])
    if status is target:
        return current
    if status not in TRANSITIONS[target]:
        raise Conflict(f"A {status.value} registration cannot become {target.value}")
    if check_seat and target is RegistrationStatus.approved:
        approved = await approved_count(event["id"])
        if approved >= event["capacity"]:
            raise Conflict(
                f"The event is full ({approved} of {event['capacity']} seats); waitlist instead, or raise the capacity"
            )
    moment = now()
    await Registration.update(
        {
            Registration.status: target.value,
            Registration.status_changed_at: moment,
            Registration.updated_at: moment,
            Registration.decided_by: actor.user_id,
            Registration.decision_note: note,
        }
    ).where(Registration.id == registration_id)
    if target in {RegistrationStatus.cancelled, RegistrationStatus.rejected}:
        await release_session_seats(registration_id)
        await signals.registration_withdrawn.send(
            actor, registration_id, f"registration {target.value}" + (f": {note}" if note else "")
        )
    await record(
        actor,
        f"registration.{target.value}",
        "registration",
        registration_id,
        event_id=event["id"],
        data={"from": status.value, "note": note} if note else {"from": status.value},
    )
    row = await get_registration_row(registration_id)
    await notify(STATUS_MAIL[target], row, event, note=note)
    if status is RegistrationStatus.approved or target is RegistrationStatus.cancelled:
        await promote_waitlisted(event["id"])
    return row


async def approve(actor: Actor, registration_id: int, note: str = "") -> schemas.Registration:
    await _require_organiser_of_registration(actor, registration_id)
    async with write_transaction():
        await _transition(actor, registration_id, RegistrationStatus.approved, note=note, check_seat=True)
    return await get_registration(registration_id)


async def waitlist(actor: Actor, registration_id: int, note: str = "") -> schemas.Registration:
    await _require_organiser_of_registration(actor, registration_id)
    async with write_transaction():
        await _transition(actor, registration_id, RegistrationStatus.waitlisted, note=note)
    return await get_registration(registration_id)


async def reject(actor: Actor, registration_id: int, note: str = "") -> schemas.Registration:
    await _require_organiser_of_registration(actor, registration_id)
    async with write_transaction():
        await _transition(actor, registration_id, RegistrationStatus.rejected, note=note)
    return await get_registration(registration_id)


async def cancel(actor: Actor, registration_id: int, note: str = "") -> schemas.Registration:
    """The participant or an organiser cancels; a freed seat goes to the first on the waiting list."""
    check_access(actor, await get_registration_row(registration_id))
    async with write_transaction():
        await _transition(actor, registration_id, RegistrationStatus.cancelled, note=note)
    return await get_registration(registration_id)


async def _require_organiser_of_registration(actor: Actor, registration_id: int) -> None:
    row = await Registration.select(Registration.event).where(Registration.id == registration_id).first()
    if row is None or not actor.organises(row["event"]):
        raise NotFound(f"No registration with id {registration_id}")


async def promote_waitlisted(event_id: int) -> list[int]:
    """Give free seats to the waiting list, first come first served (inside the caller's transaction)."""
    event = await lock_event(event_id)
    free = event["capacity"] - await approved_count(event_id)
    if free <= 0:
        return []
    waiting = (
        await Registration.select(Registration.id)
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.waitlisted.value)
        .order_by(Registration.status_changed_at)
        .order_by(Registration.id)
        .limit(free)
    )
    system = Actor.system("waiting list")
    promoted = []
    for row in waiting:
        moment = now()
        await Registration.update(
            {
                Registration.status: RegistrationStatus.approved.value,
                Registration.status_changed_at: moment,
                Registration.updated_at: moment,
                Registration.decided_by: None,
            }
        ).where(Registration.id == row["id"])
        await record(
            system,
            "registration.promoted",
            "registration",
            row["id"],
            event_id=event_id,
            data={"from": "waitlisted"},
        )
        await notify("registration_approved", await get_registration_row(row["id"]), event)
        promoted.append(row["id"])
    return promoted


async def bulk_decide(
    actor: Actor, event_id: int, action: schemas.BulkAction, registration_ids: list[int], note: str
) -> list[schemas.BulkOutcome]:
    """Apply one decision to many registrations; each succeeds or fails on its own, with its reason."""
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event decide on its registrations")
    target = {
        schemas.BulkAction.approve: RegistrationStatus.approved,
        schemas.BulkAction.waitlist: RegistrationStatus.waitlisted,
        schemas.BulkAction.reject: RegistrationStatus.rejected,
    }[action]
    outcomes = []
    for registration_id in dict.fromkeys(registration_ids):
        try:
            async with write_transaction():
                row = (
                    await Registration.select(Registration.event)
                    .where(Registration.id == registration_id)
                    .first()
                )
                if row is None or row["event"] != event_id:
                    raise NotFound(f"No registration {registration_id} in this event")
                new = await _transition(
                    actor,
                    registration_id,
                    target,
                    note=note,
                    check_seat=target is RegistrationStatus.approved,
                )
            outcomes.append(
                schemas.BulkOutcome(registration_id, True, RegistrationStatus(new["status"]), None)
            )
        except (Conflict, NotFound) as exc:
            outcomes.append(schemas.BulkOutcome(registration_id, False, None, exc.detail))
    return outcomes
