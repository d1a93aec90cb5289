"""The event's certificate rule: read it (the default until saved) and save it (organisers, audited).

A rule asks for at least ``min_percent`` % of the counted sessions, or for every named session, or
both. A named session must belong to the event (else 422 naming ``session_ids``); deleting one is
refused while the rule names it (:func:`named_session_blocks_deletion`, ``session_deleting``).
"""

from __future__ import annotations

from events.audit.services import record
from events.auth.principal import Actor
from events.certificates import schemas
from events.certificates.tables import DEFAULT_MIN_PERCENT, CertificateNamedSession, CertificateRule
from events.clock import now
from events.db import locked, write_transaction
from events.errors import FieldError, InvalidInput
from events.programme import services as programme_services
from events.programme.tables import Event, Session


async def rule_of(event_id: int) -> schemas.CertificateRule:
    """The saved rule of the event, else the default (75 % of the counted sessions)."""
    row = await CertificateRule.select().where(CertificateRule.event == event_id).first()
    named = [
        item["session"]
        for item in await CertificateNamedSession.select(CertificateNamedSession.session)
        .where(CertificateNamedSession.event == event_id)
        .order_by(CertificateNamedSession.id)
    ]
    if row is None:
        return schemas.CertificateRule(
            event_id=event_id, min_percent=DEFAULT_MIN_PERCENT, session_ids=named, source="default"
        )
    return schemas.CertificateRule(
        event_id=event_id, min_percent=row["min_percent"], session_ids=named, updated_at=row["updated_at"]
    )


async def get_rule(actor: Actor, event_id: int) -> schemas.CertificateRule:
    actor.require_organiser(event_id, "Only organisers of this event see its certificate rule")
    await programme_services.get_event_row(event_id)
    return await rule_of(event_id)


async def put_rule(
    actor: Actor, event_id: int, data: schemas.CertificateRuleUpdate
) -> schemas.CertificateRule:
    """Save the rule; 422 naming the field when a session is not the event's or nothing is asked."""
    actor.require_organiser(event_id, "Only organisers of this event change its certificate rule")
    session_ids = list(dict.fromkeys(data.session_ids))
    errors: list[FieldError] = []
    if data.min_percent is None and not session_ids:
        errors.append(FieldError("min_percent", "give a share of sessions or name at least one session"))
    async with write_transaction():
        await locked(Event.select(Event.id).where(Event.id == event_id)).first()
        await programme_services.get_event_row(event_id)
        if session_ids:
            found = {
                row["id"]
                for row in await Session.select(Session.id).where(
                    Session.id.is_in(session_ids), Session.event == event_id
                )
            }
            unknown = [str(session_id) for session_id in session_ids if session_id not in found]
            if unknown:
                errors.append(FieldError("session_ids", f"no session {', '.join(unknown)} in this event"))
        if errors:
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
        before = await rule_of(event_id)
        existing = (
            await CertificateRule.select(CertificateRule.id).where(CertificateRule.event == event_id).first()
        )
        values = {
            CertificateRule.min_percent: data.min_percent,
            CertificateRule.updated_at: now(),
            CertificateRule.updated_by: actor.user_id,
        }
        if existing is None:
            await CertificateRule.insert(
                CertificateRule(
                    event=event_id, min_percent=data.min_percent, updated_at=now(), updated_by=actor.user_id
                )
            )
        else:
            await CertificateRule.update(values).where(CertificateRule.id == existing["id"])
        await CertificateNamedSession.delete().where(CertificateNamedSession.event == event_id)
        if session_ids:
            await CertificateNamedSession.insert(
                *(CertificateNamedSession(event=event_id, session=session_id) for session_id in session_ids)
            )
        await record(
            actor,
            "certificate.rule_saved",
            "event",
            event_id,
            event_id=event_id,
            data={
                "min_percent": data.min_percent,
                "session_ids": session_ids,
                "before": {"min_percent": before.min_percent, "session_ids": before.session_ids},
            },
        )
    return await rule_of(event_id)


async def named_session_blocks_deletion(session_id: int) -> str | None:
    """``session_deleting``: a session the certificate rule names stays (cancel it instead)."""
    if await CertificateNamedSession.exists().where(CertificateNamedSession.session == session_id):
        return "the certificate rule of the event names it (take it out of the rule, or cancel the session)"
    return None
