"""Answering: which phases a participant may answer now, and storing their answers once.

Only an approved registration answers, inside the phase's window. Answers are checked against the
phase's questions (a missing required answer, a value out of range, an unknown option: a 422 naming
``q<id>``). The receipt's unique ``once`` key is written first (``ON CONFLICT DO NOTHING``): the
second of two submissions, also at the same moment, finds it and is refused with a 409, and nothing
of it is stored.

Anonymity (see :mod:`events.evaluations.tables`): the response row has no registration, a random
UUID key and no time; the audit entry names the registration and the phase, never the response. Free
text is stored as written, not through :mod:`events.crypto`: a Fernet token carries the second it was
made, which would date the response to the second and so tie it to its receipt.
"""

from __future__ import annotations

import datetime
import secrets
import uuid
from typing import Any

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.db.transactions import serialise_on
from events.errors import Conflict, FieldError, InvalidInput, NotFound
from events.evaluations import schemas
from events.evaluations.services import in_language, is_open, question_rows, questionnaire_row, windows
from events.evaluations.tables import Attribution, Phase, QuestionKind, Receipt, Response
from events.programme import services as programme_services
from events.registration.reading import check_access, get_registration_row
from events.registration.tables import RegistrationStatus
from events.text import text_problem

MAX_ANSWER = 2000
ALREADY = "You answered this questionnaire already; answers are taken once"


async def _insert_shuffled(new: Response) -> None:
    """Insert an anonymous response so that not even how the table stores its rows follows the
    receipts: every response of the questionnaire's phase is written again, with the new one, in a
    random order. Tables keep rows in insertion order (SQLite's rowid, PostgreSQL's heap) and
    PostgreSQL stamps each row with the transaction that wrote it (``xmin``, which the receipt written
    in the same transaction shares); after this, every response carries the latest answer's stamp
    and sits at a random place. Concurrent answers to the questionnaire take turns here
    (``serialise_on``; a phase holds a few hundred small rows: rewriting them costs little)."""
    await serialise_on(f"evaluations.responses:{new.questionnaire}")
    earlier = await Response.select(Response.id, Response.answers).where(
        Response.questionnaire == new.questionnaire, Response.phase == new.phase
    )
    rows = [
        Response(id=row["id"], questionnaire=new.questionnaire, phase=new.phase, answers=row["answers"])
        for row in earlier
    ]
    rows.append(new)
    secrets.SystemRandom().shuffle(rows)
    if earlier:
        await Response.delete().where(Response.id.is_in([row["id"] for row in earlier]))
    await Response.insert(*rows)


def once_key(questionnaire_id: int, phase: str, registration_id: int) -> str:
    return f"{questionnaire_id}:{phase}:{registration_id}"


def phase_questions(questions: list[dict], phase: str) -> list[dict]:
    return [q for q in questions if q["self_assessment"] or q["phase"] == phase]


def localised(question: dict, language: str) -> dict[str, Any]:
    """A question as a participant sees it, in their language (English where not translated)."""
    return {
        "id": question["id"],
        "field": f"q{question['id']}",
        "kind": question["kind"],
        "text": in_language(question["text"], language),
        "options": [in_language(option, language) for option in question["options"] or []],
        "low_label": in_language(question["low_label"] or {}, language),
        "high_label": in_language(question["high_label"] or {}, language),
        "required": question["required"],
        "self_assessment": question["self_assessment"],
    }


async def _receipts(questionnaire_id: int, registration_id: int) -> dict[str, datetime.date]:
    rows = await Receipt.select(Receipt.phase, Receipt.answered_on).where(
        Receipt.questionnaire == questionnaire_id, Receipt.registration == registration_id
    )
    return {row["phase"]: row["answered_on"] for row in rows}


async def phases_for(
    actor: Actor, registration_id: int, *, at: datetime.datetime | None = None, language: str | None = None
) -> list[dict]:
    """Every phase with questions, as the participant's page shows it: ``state`` is ``open``,
    ``answered``, ``upcoming`` or ``closed``, with the window and the questions in ``language`` (the
    registration's preferred language unless given)."""
    registration = await get_registration_row(registration_id)
    check_access(actor, registration)
    if registration["status"] != RegistrationStatus.approved.value:
        return []
    row = await questionnaire_row(registration["event"])
    if row is None:
        return []
    questions = await question_rows(row["id"])
    event_row = await programme_services.get_event_row(registration["event"])
    found = await windows(row, event_row)
    receipts = await _receipts(row["id"], registration_id)
    at = at or now()
    result = []
    for phase in (Phase.before.value, Phase.after.value):
        asked = phase_questions(questions, phase)
        if not asked:
            continue
        window = found[phase]
        if phase in receipts:
            state = "answered"
        elif is_open(window, at):
            state = "open"
        elif window.opens_at is not None and at < window.opens_at:
            state = "upcoming"
        else:
            state = "closed"
        result.append(
            {
                "phase": phase,
                "state": state,
                "opens_at": window.opens_at,
                "closes_at": window.closes_at,
                "answered_on": receipts.get(phase),
                "anonymous": row["anonymous"],
                "questions": [localised(q, language or registration["preferred_language"]) for q in asked],
                "event_id": registration["event"],
            }
        )
    return result


async def open_phases(actor: Actor, registration_id: int) -> list[schemas.OpenPhase]:
    """The API's view: the phases open now (answered or not)."""
    return [
        schemas.OpenPhase(
            event_id=p["event_id"],
            phase=Phase(p["phase"]),
            closes_at=p["closes_at"],
            anonymous=p["anonymous"],
            answered=p["state"] == "answered",
            questions=p["questions"],
        )
        for p in await phases_for(actor, registration_id)
        if p["state"] in {"open", "answered"}
        and is_open(
            schemas.Window(phase=Phase(p["phase"]), opens_at=p["opens_at"], closes_at=p["closes_at"]), now()
        )
    ]


def _index(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) < 4:
        return int(value.strip())
    return None


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def checked_answers(questions: list[dict], answers: dict[str, Any]) -> dict[str, Any]:
    """``{question id: value}`` to store, or :class:`InvalidInput` naming each wrong answer (``q<id>``)."""
    by_field = {f"q{q['id']}": q for q in questions}
    by_id = {str(q["id"]): q for q in questions}
    errors: list[FieldError] = []
    stored: dict[str, Any] = {}
    for key in answers:
        if key not in by_field and key not in by_id:
            errors.append(FieldError(str(key)[:20], "No such question in this questionnaire"))
    for question in questions:
        field = f"q{question['id']}"
        value = answers.get(field, answers.get(str(question["id"])))
        kind = question["kind"]
        if isinstance(value, str) and kind != QuestionKind.text.value:
            value = value.strip()
        if _empty(value) or (
            kind == QuestionKind.text.value and isinstance(value, str) and not value.strip()
        ):
            if question["required"]:
                errors.append(FieldError(field, "Answer this question"))
            continue
        if kind == QuestionKind.rating.value:
            number = _index(value)
            if number is None or not 1 <= number <= 5:
                errors.append(FieldError(field, "Choose a number from 1 to 5"))
                continue
            stored[str(question["id"])] = number
        elif kind == QuestionKind.single.value:
            number = _index(value)
            if number is None or not 0 <= number < len(question["options"]):
                errors.append(FieldError(field, "Choose one of the options"))
                continue
            stored[str(question["id"])] = number
        elif kind == QuestionKind.multiple.value:
            values = value if isinstance(value, list) else [value]
            numbers = [_index(v) for v in values]
            if any(n is None or not 0 <= n < len(question["options"]) for n in numbers) or len(
                set(numbers)
            ) != len(numbers):
                errors.append(FieldError(field, "Choose among the options, each once"))
                continue
            stored[str(question["id"])] = sorted(numbers)
        else:
            if not isinstance(value, str):
                errors.append(FieldError(field, "Write your answer as text"))
                continue
            value = value.strip()
            if len(value) > MAX_ANSWER:
                errors.append(FieldError(field, f"At most {MAX_ANSWER} characters"))
                continue
            if problem := text_problem(value, single_line=False):
                errors.append(FieldError(field, problem))
                continue
            stored[str(question["id"])] = value
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return stored


async def submit_answers(
    actor: Actor, registration_id: int, phase: str, answers: dict[str, Any]
) -> schemas.Answered:
    """Store one phase's answers of a registration, once (see the module's docstring)."""
    registration = await get_registration_row(registration_id)
    check_access(actor, registration)
    if actor.registration_id != registration_id:
        raise NotFound(f"No open questionnaire for registration {registration_id}")
    if phase not in (Phase.before.value, Phase.after.value):
        raise NotFound(f"No phase {phase!r}")
    if registration["status"] != RegistrationStatus.approved.value:
        raise Conflict("Only approved participants answer the questionnaire")
    row = await questionnaire_row(registration["event"])
    if row is None:
        raise NotFound("This event has no questionnaire")
    questions = phase_questions(await question_rows(row["id"]), phase)
    if not questions:
        raise NotFound(f"The questionnaire asks nothing {phase} the event")
    event_row = await programme_services.get_event_row(registration["event"])
    window = (await windows(row, event_row))[phase]
    if not is_open(window, now()):
        raise Conflict("This questionnaire is closed", closes_at=window.closes_at.isoformat())
    stored = checked_answers(questions, answers)
    async with write_transaction():
        today = await store_answers(actor, registration["event"], registration_id, phase, stored)
    return schemas.Answered(phase=Phase(phase), answered_on=today)


async def store_answers(
    actor: Actor, event_id: int, registration_id: int, phase: str, stored: dict[str, Any]
) -> datetime.date:
    """Inside the caller's transaction: the receipt (once, else :class:`Conflict`), the response and,
    for a named questionnaire, its attribution; the audit entry names the registration only. The
    checks (rights, window, answers) are the caller's: :func:`submit_answers`, or the demo."""
    row = await questionnaire_row(event_id)
    today = now().date()
    claimed = (
        await Receipt.insert(
            Receipt(
                once=once_key(row["id"], phase, registration_id),
                registration=registration_id,
                questionnaire=row["id"],
                phase=phase,
                answered_on=today,
            )
        )
        .on_conflict(target=Receipt.once, action="DO NOTHING")
        .returning(Receipt.id)
    )
    if not claimed:
        raise Conflict(ALREADY)
    response_id = uuid.uuid4()
    new = Response(id=response_id, questionnaire=row["id"], phase=phase, answers=stored)
    # The settings as they are in this transaction decide: named answers get their owner.
    if not row["anonymous"]:
        await Response.insert(new)
        await Attribution.insert(Attribution(response=response_id, registration=registration_id))
    else:
        await _insert_shuffled(new)
    await record(
        actor,
        "evaluations.answered",
        "registration",
        registration_id,
        event_id=event_id,
        data={"phase": phase},
    )
    return today
