"""Who meets the event's certificate rule, from the check-in record, and why not.

Read-only. The decisions, in one place:

* A session **counts as attended** when the participant was admitted (an entry scan accepted) at
  one of that session's checkpoints: a presence row with ``entries > 0``
  (:func:`events.checkin.attendance.admitted_by_session`). An exit scan never undoes it; an offline
  scan synced late counts once synced, since the sync updates presence like an online scan.
* **Counted sessions** are the compulsory (not optional) sessions plus the optional sessions the
  rule names, leaving out cancelled sessions and sessions with no checkpoint at all, which cannot
  be measured (the console warns about those). A named session that is cancelled or unmeasured
  drops out of the rule as well.
* The rule: at least ``min_percent`` % of the counted sessions attended (rounded down), and every
  named session attended. With no counted session nobody is eligible.
* Only approved registrations are considered: a withdrawn (cancelled) or rejected one never is.
"""

from __future__ import annotations

from events.auth.principal import Actor
from events.certificates import schemas
from events.certificates.rules import rule_of
from events.checkin.attendance import admitted_by_session
from events.db import statements
from events.letters.tables import Letter, LetterKind, LetterStatus
from events.programme import services as programme_services
from events.registration.tables import Registration, RegistrationStatus

KIND = LetterKind.attendance_certificate


async def _sessions(event_id: int, rule: schemas.CertificateRule) -> list[schemas.CountedSession]:
    sessions = await programme_services.list_sessions(event_id, include_cancelled=True)
    measured = {
        row["session"]
        for row in await statements.fetch(
            "SELECT DISTINCT session FROM checkin_checkpoint WHERE event = ? AND session IS NOT NULL",
            event_id,
        )
    }
    named = set(rule.session_ids)
    result = []
    for session in sessions:
        if session.cancelled:
            status = "cancelled"
        elif session.id not in measured:
            status = "unmeasured"
        elif session.optional and session.id not in named:
            status = "optional"
        else:
            status = "counted"
        result.append(
            schemas.CountedSession(
                session_id=session.id,
                title=session.title,
                optional=session.optional,
                named=session.id in named,
                status=status,
            )
        )
    return result


def _percent(attended: int, counted: int) -> int:
    return attended * 100 // counted if counted else 0


def judge(
    registration: dict,
    sessions: list[schemas.CountedSession],
    rule: schemas.CertificateRule,
    admitted: dict[int | None, set[int]],
) -> schemas.Standing:
    """One registration's standing against the rule (pure)."""
    registration_id = registration["id"]
    counted = [session for session in sessions if session.status == "counted"]
    attended = [session for session in counted if registration_id in admitted.get(session.session_id, set())]
    percent = _percent(len(attended), len(counted))
    reasons: list[schemas.Reason] = []
    if registration["status"] != RegistrationStatus.approved.value:
        reasons.append(
            schemas.Reason(
                code="not_approved",
                message=f"the registration is {registration['status']}",
                values={"status": registration["status"]},
            )
        )
    if not counted:
        reasons.append(
            schemas.Reason(
                code="nothing_measured",
                message="no session of the event could be measured (none has a check-in checkpoint)",
            )
        )
    elif rule.min_percent is not None and percent < rule.min_percent:
        reasons.append(
            schemas.Reason(
                code="too_few",
                message=f"attended {len(attended)} of {len(counted)} counted sessions "
                f"({percent} %, rule {rule.min_percent} %)",
                values={
                    "attended": len(attended),
                    "counted": len(counted),
                    "percent": percent,
                    "rule": rule.min_percent,
                },
            )
        )
    attended_ids = {session.session_id for session in attended}
    for session in counted:
        if session.named and session.session_id not in attended_ids:
            reasons.append(
                schemas.Reason(
                    code="missed_named",
                    message=f"missed the named session '{session.title}'",
                    values={"title": session.title},
                )
            )
    name = " ".join(part for part in (registration["given_names"], registration["family_name"]) if part)
    return schemas.Standing(
        registration_id=registration_id,
        reference=registration["reference"],
        name=name,
        eligible=not reasons,
        attended=len(attended),
        counted=len(counted),
        percent=percent,
        reasons=reasons,
    )


_COLUMNS = (
    Registration.id,
    Registration.reference,
    Registration.status,
    Registration.given_names,
    Registration.family_name,
)


async def eligibility_of(event_id: int) -> schemas.Eligibility:
    """The event's standing for every approved registration; no rights checked (the report's caller did)."""
    rule = await rule_of(event_id)
    sessions = await _sessions(event_id, rule)
    admitted = await admitted_by_session(event_id)
    registrations = (
        await Registration.select(*_COLUMNS)
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.approved.value)
        .order_by(Registration.family_name)
        .order_by(Registration.id)
    )
    valid = {
        row["registration"]: row
        for row in await Letter.select(Letter.id, Letter.registration, Letter.reference).where(
            Letter.event == event_id, Letter.kind == KIND.value, Letter.status == LetterStatus.valid.value
        )
    }
    participants = []
    for registration in registrations:
        standing = judge(registration, sessions, rule, admitted)
        certificate = valid.get(registration["id"])
        if certificate is not None:
            standing.certificate_id = certificate["id"]
            standing.certificate_reference = certificate["reference"]
        participants.append(standing)
    return schemas.Eligibility(
        event_id=event_id,
        rule=rule,
        sessions=sessions,
        participants=participants,
        eligible=sum(standing.eligible for standing in participants),
        issued=sum(standing.certificate_id is not None for standing in participants),
    )


async def event_eligibility(actor: Actor, event_id: int) -> schemas.Eligibility:
    """Every approved registration of the event with its standing (organisers of the event)."""
    actor.require_organiser(event_id, "Only organisers of this event see who gets a certificate")
    await programme_services.get_event_row(event_id)
    return await eligibility_of(event_id)


async def standing_of(registration: dict) -> schemas.Standing:
    """One registration's standing (``registration``: its row, any status); no rights checked."""
    event_id = registration["event"]
    rule = await rule_of(event_id)
    return judge(registration, await _sessions(event_id, rule), rule, await admitted_by_session(event_id))
