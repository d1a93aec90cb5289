"""Reminders: an e-mail to each approved participant who has not answered an open phase, with a
single-use sign-in link (the existing magic link, :func:`events.registration.access.issue_magic_link`,
withheld from the outbox body until delivery). Never twice to one person for one phase within
:data:`QUIET`; each e-mail is audited.

Organisers send them from the console (:func:`send_reminders`). With ``auto_reminders`` on, the job
runner's periodic tick sends one round a day before a phase closes (:func:`remind_on_tick`): the round
is claimed by a conditional update of the questionnaire's ``<phase>_reminded_at``, so of several
workers one sends it.
"""

from __future__ import annotations

import datetime

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict
from events.evaluations.answering import phase_questions
from events.evaluations.services import NOT_ORGANISER, is_open, question_rows, questionnaire_row, windows
from events.evaluations.tables import Phase, Questionnaire, Receipt, Reminder
from events.i18n.formatting import format_datetime
from events.notifications.services import queue_email
from events.notifications.templates import email_language
from events.programme import services as programme_services
from events.registration.access import issue_magic_link
from events.registration.tables import Registration, RegistrationStatus
from events.settings import get_settings

QUIET = datetime.timedelta(hours=24)
#: The automatic round goes out when a phase closes within this time.
AUTO_BEFORE_CLOSING = datetime.timedelta(days=1)
KIND = "evaluation_reminder"


async def pending(questionnaire_id: int, event_id: int, phase: str) -> list[dict]:
    """Approved registrations of the event without a receipt for the phase."""
    answered = Receipt.select(Receipt.registration).where(
        Receipt.questionnaire == questionnaire_id, Receipt.phase == phase
    )
    return (
        await Registration.select(
            Registration.id,
            Registration.email,
            Registration.preferred_language,
            Registration.preferred_name,
            Registration.given_names,
            Registration.reference,
        )
        .where(
            Registration.event == event_id,
            Registration.status == RegistrationStatus.approved.value,
            Registration.id.not_in(answered),
        )
        .order_by(Registration.id)
    )


async def _send(actor: Actor, event_row: dict, row: dict, phase: str, closes: datetime.datetime) -> int:
    """Inside the caller's transaction, with the questionnaire row locked."""
    moment = now()
    recent = {
        r["registration"]
        for r in await Reminder.select(Reminder.registration).where(
            Reminder.questionnaire == row["id"], Reminder.phase == phase, Reminder.sent_at > moment - QUIET
        )
    }
    ttl = datetime.timedelta(minutes=get_settings().magic_link_ttl_minutes)
    expires = programme_services.to_local(moment + ttl, event_row["time_zone"])
    closes_local = programme_services.to_local(closes, event_row["time_zone"])
    sent = 0
    for person in await pending(row["id"], event_row["id"], phase):
        if person["id"] in recent:
            continue
        language = email_language(person["preferred_language"])
        await queue_email(
            KIND,
            to=person["email"],
            language=person["preferred_language"],
            context={
                "name": person["preferred_name"] or person["given_names"],
                "event": event_row["title"],
                "closes": f"{format_datetime(closes_local, language)} {closes_local:%Z}",
                "expires": f"{format_datetime(expires, language)} {expires:%Z}",
                "reference": person["reference"],
            },
            secret_context={"link": await issue_magic_link(person["id"])},
            object_type="registration",
            object_id=person["id"],
        )
        await Reminder.insert(
            Reminder(questionnaire=row["id"], registration=person["id"], phase=phase, sent_at=moment)
        )
        await record(
            actor,
            "evaluations.reminder.sent",
            "registration",
            person["id"],
            event_id=event_row["id"],
            data={"phase": phase},
        )
        sent += 1
    return sent


async def send_reminders(actor: Actor, event_id: int, phase: str) -> int:
    """E-mail those who have not answered the open ``phase``; returns how many were sent."""
    actor.require_organiser(event_id, NOT_ORGANISER)
    event_row = await programme_services.get_event_row(event_id)
    if phase not in (Phase.before.value, Phase.after.value):
        raise Conflict(f"No phase {phase!r}")
    async with write_transaction():
        row = await questionnaire_row(event_id, lock=True)
        if row is None or not phase_questions(await question_rows(row["id"]), phase):
            raise Conflict("This phase asks no questions: there is nothing to remind of")
        window = (await windows(row, event_row))[phase]
        if not is_open(window, now()):
            raise Conflict("This phase is not open: reminders go out only while people can answer")
        return await _send(actor, event_row, row, phase, window.closes_at)


async def remind_on_tick(at: datetime.datetime) -> int:
    """The automatic round (see the module's docstring); returns how many e-mails were queued."""
    sent = 0
    rows = await Questionnaire.select(Questionnaire.id, Questionnaire.event).where(
        Questionnaire.auto_reminders.eq(True)
    )
    for candidate in rows:
        event_row = await programme_services.get_event_row(candidate["event"])
        for phase in (Phase.before.value, Phase.after.value):
            claim = getattr(Questionnaire, f"{phase}_reminded_at")
            async with write_transaction():
                row = await locked(Questionnaire.select().where(Questionnaire.id == candidate["id"])).first()
                if row is None or row[f"{phase}_reminded_at"] is not None:
                    continue
                if not phase_questions(await question_rows(row["id"]), phase):
                    continue
                window = (await windows(row, event_row))[phase]
                if not is_open(window, at) or window.closes_at - at > AUTO_BEFORE_CLOSING:
                    continue
                claimed = (
                    await Questionnaire.update({claim: at})
                    .where(Questionnaire.id == row["id"], claim.is_null())
                    .returning(Questionnaire.id)
                )
                if not claimed:
                    continue
                sent += await _send(Actor.system("evaluations"), event_row, row, phase, window.closes_at)
    return sent
