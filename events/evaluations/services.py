"""The questionnaire: its settings and phase windows, its questions (add, edit, reorder, delete) and
the ready-made default, made from gettext strings so it exists in all six languages.

Every change is an organiser's (``actor.require_organiser``), in one write transaction with its audit
entry. A questionnaire may become anonymous at any time (its attributions are deleted), but never
named again once somebody answered: those answers were given as anonymous.
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound
from events.evaluations import schemas
from events.evaluations.tables import (
    Attribution,
    Phase,
    Question,
    QuestionKind,
    Questionnaire,
    Receipt,
    Response,
)
from events.i18n import catalogues
from events.i18n.catalogues import N_
from events.i18n.languages import CODES, DEFAULT_LANGUAGE
from events.programme import services as programme_services
from events.programme.tables import Event, Session
from events.text import text_problem

NOT_ORGANISER = "You do not organise this event"
MAX_TEXT = 500
MAX_OPTIONS = 12
RATING_VALUES = (1, 2, 3, 4, 5)

# --- the default questionnaire --------------------------------------------------------------------

UNDERSTAND_LOW = N_("Not at all")
UNDERSTAND_HIGH = N_("Very well")
CONFIDENT_LOW = N_("Not confident")
CONFIDENT_HIGH = N_("Very confident")
#: (kind, text, options, low, high, self-assessment, phase, required)
DEFAULT_QUESTIONS: list[tuple[str, str, list[str], str, str, bool, str, bool]] = [
    (
        "rating",
        N_(
            "How well do you understand how to integrate service channels (offices, web, phone, mobile) into one service?"
        ),
        [],
        UNDERSTAND_LOW,
        UNDERSTAND_HIGH,
        True,
        "after",
        True,
    ),
    (
        "rating",
        N_("How confident are you in designing a public service that works the same on every channel?"),
        [],
        CONFIDENT_LOW,
        CONFIDENT_HIGH,
        True,
        "after",
        True,
    ),
    (
        "rating",
        N_("How well do you know how to measure users' satisfaction across service channels?"),
        [],
        UNDERSTAND_LOW,
        UNDERSTAND_HIGH,
        True,
        "after",
        True,
    ),
    (
        "rating",
        N_("How satisfied are you with the event overall?"),
        [],
        N_("Very dissatisfied"),
        N_("Very satisfied"),
        False,
        "after",
        True,
    ),
    (
        "rating",
        N_("How useful were the sessions for your work?"),
        [],
        N_("Not useful"),
        N_("Very useful"),
        False,
        "after",
        False,
    ),
    (
        "single",
        N_("Will you apply what you learned within the next six months?"),
        [N_("Yes"), N_("Probably"), N_("Not sure"), N_("No")],
        "",
        "",
        False,
        "after",
        False,
    ),
    ("text", N_("What would make this event more useful?"), [], "", "", False, "after", False),
]


def all_languages(message: str) -> dict[str, str]:
    """A message id in every language whose catalogue translates it (English always)."""
    if not message:
        return {}
    texts = {DEFAULT_LANGUAGE: message}
    for code in CODES:
        translated = catalogues.gettext(message, code, "messages")
        if code != DEFAULT_LANGUAGE and translated and translated != message:
            texts[code] = translated
    return texts


def in_language(texts: dict[str, str], language: str) -> str:
    """A question's text in ``language``, else in English."""
    return texts.get(language) or texts.get(DEFAULT_LANGUAGE, "")


# --- reading --------------------------------------------------------------------------------------


def question_from_row(row: dict) -> schemas.Question:
    return msgspec.convert(
        {
            "id": row["id"],
            "position": row["position"],
            "kind": row["kind"],
            "text": row["text"] or {},
            "options": row["options"] or [],
            "low_label": row["low_label"] or {},
            "high_label": row["high_label"] or {},
            "self_assessment": row["self_assessment"],
            "phase": row["phase"],
            "required": row["required"],
        },
        schemas.Question,
    )


async def questionnaire_row(event_id: int, *, lock: bool = False) -> dict | None:
    query = Questionnaire.select().where(Questionnaire.event == event_id)
    return await (locked(query) if lock else query).first()


async def question_rows(questionnaire_id: int) -> list[dict]:
    return (
        await Question.select()
        .where(Question.questionnaire == questionnaire_id)
        .order_by(Question.position)
        .order_by(Question.id)
        .output(load_json=True)
    )


def _local_midnight(day: datetime.date, zone: str) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=ZoneInfo(zone)).astimezone(datetime.UTC)


async def windows(row: dict, event_row: dict) -> dict[str, schemas.Window]:
    """Each phase's window, the defaults where the questionnaire sets no time: before, from each
    participant's approval until the event starts (its first session, else its first day); after,
    from the last session's start (else the last day) until ``after_days`` days after the event."""
    zone = event_row["time_zone"]
    starts = (
        await Session.select(Session.starts_at)
        .where(Session.event == event_row["id"], Session.cancelled.eq(False))
        .order_by(Session.starts_at)
        .output(as_list=True)
    )
    first = starts[0] if starts else _local_midnight(event_row["start_date"], zone)
    last = starts[-1] if starts else _local_midnight(event_row["end_date"], zone)
    after_end = _local_midnight(event_row["end_date"] + datetime.timedelta(days=1), zone)
    return {
        Phase.before.value: schemas.Window(
            phase=Phase.before, opens_at=row["before_opens_at"], closes_at=row["before_closes_at"] or first
        ),
        Phase.after.value: schemas.Window(
            phase=Phase.after,
            opens_at=row["after_opens_at"] or last,
            closes_at=row["after_closes_at"] or after_end + datetime.timedelta(days=row["after_days"]),
        ),
    }


def is_open(window: schemas.Window, at: datetime.datetime) -> bool:
    return (window.opens_at is None or window.opens_at <= at) and at < window.closes_at


async def _answered(questionnaire_id: int) -> bool:
    return bool(await Receipt.exists().where(Receipt.questionnaire == questionnaire_id))


async def build(row: dict) -> schemas.Questionnaire:
    event_row = await programme_services.get_event_row(row["event"])
    found = await windows(row, event_row)
    return schemas.Questionnaire(
        id=row["id"],
        event_id=row["event"],
        anonymous=row["anonymous"],
        before_opens_at=row["before_opens_at"],
        before_closes_at=row["before_closes_at"],
        after_opens_at=row["after_opens_at"],
        after_closes_at=row["after_closes_at"],
        after_days=row["after_days"],
        auto_reminders=row["auto_reminders"],
        windows=list(found.values()),
        questions=[question_from_row(q) for q in await question_rows(row["id"])],
        answered=await _answered(row["id"]),
    )


async def get_questionnaire(actor: Actor, event_id: int) -> schemas.Questionnaire:
    actor.require_organiser(event_id, NOT_ORGANISER)
    await programme_services.get_event_row(event_id)
    row = await questionnaire_row(event_id)
    if row is None:
        raise NotFound("This event has no questionnaire yet")
    return await build(row)


async def find_questionnaire(actor: Actor, event_id: int) -> schemas.Questionnaire | None:
    """The questionnaire, or ``None`` when the event has none yet (the console offers to start one)."""
    try:
        return await get_questionnaire(actor, event_id)
    except NotFound:
        await programme_services.get_event_row(event_id)
        return None


# --- changing -------------------------------------------------------------------------------------


async def _ensure(event_id: int) -> dict:
    """The event's questionnaire row, locked; made (anonymous, default windows) when missing."""
    await locked(Event.select(Event.id).where(Event.id == event_id))
    row = await questionnaire_row(event_id, lock=True)
    if row is None:
        await Questionnaire.insert(Questionnaire(event=event_id, anonymous=True))
        row = await questionnaire_row(event_id, lock=True)
    return row


async def update_questionnaire(
    actor: Actor, event_id: int, data: schemas.QuestionnaireUpdate
) -> schemas.Questionnaire:
    actor.require_organiser(event_id, NOT_ORGANISER)
    await programme_services.get_event_row(event_id)
    changes = {
        name: value for name, value in msgspec.structs.asdict(data).items() if value is not msgspec.UNSET
    }
    for name in ("before_opens_at", "before_closes_at", "after_opens_at", "after_closes_at"):
        value = changes.get(name)
        if isinstance(value, datetime.datetime):
            if value.tzinfo is None:
                raise InvalidInput.field(name, "Give the time with its UTC offset")
            if not 2000 <= value.year <= 2100:
                raise InvalidInput.field(name, "Give a time between the years 2000 and 2100")
    async with write_transaction():
        row = await _ensure(event_id)
        merged = {**row, **changes}
        for phase in ("before", "after"):
            opens, closes = merged[f"{phase}_opens_at"], merged[f"{phase}_closes_at"]
            if opens and closes and closes <= opens:
                raise InvalidInput.field(f"{phase}_closes_at", "The phase must close after it opens")
        if changes.get("anonymous") is False and row["anonymous"] and await _answered(row["id"]):
            raise Conflict(
                "People answered this questionnaire anonymously: it cannot become named",
                errors=[FieldError("anonymous", "answers given anonymously stay anonymous")],
            )
        if changes.get("anonymous") is True and not row["anonymous"]:
            responses = Response.select(Response.id).where(Response.questionnaire == row["id"])
            await Attribution.delete().where(Attribution.response.is_in(responses))
        if changes:
            await Questionnaire.update(
                {
                    **{getattr(Questionnaire, k): v for k, v in changes.items()},
                    Questionnaire.updated_at: now(),
                }
            ).where(Questionnaire.id == row["id"])
            await record(
                actor,
                "evaluations.questionnaire.updated",
                "evaluation_questionnaire",
                row["id"],
                event_id=event_id,
                data={"fields": sorted(changes)},
            )
    return await get_questionnaire(actor, event_id)


def _texts(field: str, value: Any, *, required: bool) -> dict[str, str]:
    """Validate a ``{language: text}`` map: known languages, English when required, sane text."""
    if not isinstance(value, dict):
        raise InvalidInput.field(field, "Give the texts as {language: text}")
    cleaned = {}
    for code, text in value.items():
        if code not in CODES:
            raise InvalidInput.field(field, f"Unknown language {code!r}")
        if not isinstance(text, str):
            raise InvalidInput.field(field, "Each text must be a string")
        text = text.strip()
        if not text:
            continue
        if len(text) > MAX_TEXT:
            raise InvalidInput.field(field, f"At most {MAX_TEXT} characters")
        if problem := text_problem(text, single_line=True):
            raise InvalidInput.field(field, problem)
        cleaned[code] = text
    if required and DEFAULT_LANGUAGE not in cleaned:
        raise InvalidInput.field(field, "The English text is required")
    if cleaned and DEFAULT_LANGUAGE not in cleaned:
        raise InvalidInput.field(field, "Give the English text too (the other languages fall back to it)")
    return cleaned


def checked_question(values: dict[str, Any]) -> dict[str, Any]:
    """The question's columns, validated as a whole (its kind decides what else it needs)."""
    kind = QuestionKind(values["kind"])
    result = {
        "kind": kind.value,
        "text": _texts("text", values["text"], required=True),
        "options": [],
        "low_label": {},
        "high_label": {},
        "self_assessment": bool(values.get("self_assessment")),
        "phase": Phase(values.get("phase") or Phase.after).value,
        "required": bool(values.get("required")),
    }
    if kind in (QuestionKind.single, QuestionKind.multiple):
        options = values.get("options") or []
        if not 2 <= len(options) <= MAX_OPTIONS:
            raise InvalidInput.field("options", f"A choice needs between 2 and {MAX_OPTIONS} options")
        result["options"] = [
            _texts(f"options.{i}", option, required=True) for i, option in enumerate(options)
        ]
    elif values.get("options"):
        raise InvalidInput.field("options", "Only choice questions have options")
    if kind == QuestionKind.rating:
        result["low_label"] = _texts("low_label", values.get("low_label") or {}, required=True)
        result["high_label"] = _texts("high_label", values.get("high_label") or {}, required=True)
    elif values.get("low_label") or values.get("high_label"):
        raise InvalidInput.field("low_label", "Only a rating scale has labelled ends")
    if result["self_assessment"] and kind != QuestionKind.rating:
        raise InvalidInput.field(
            "self_assessment", "Only a rating scale can be a self-assessment (its change is measured)"
        )
    return result


async def _renumber(questionnaire_id: int, ordered_ids: list[int]) -> None:
    for position, question_id in enumerate(ordered_ids, start=1):
        await Question.update({Question.position: position}).where(Question.id == question_id)


async def _refuse_after_answers(row: dict, reason: str) -> None:
    if await _answered(row["id"]):
        raise Conflict(reason)


async def add_question(actor: Actor, event_id: int, data: schemas.QuestionCreate) -> schemas.Question:
    actor.require_organiser(event_id, NOT_ORGANISER)
    await programme_services.get_event_row(event_id)
    values = checked_question(msgspec.structs.asdict(data))
    async with write_transaction():
        row = await _ensure(event_id)
        count = await Question.count().where(Question.questionnaire == row["id"])
        created = (
            await Question.insert(Question(questionnaire=row["id"], position=count + 1, **values)).returning(
                Question.id
            )
        )[0]["id"]
        await record(
            actor,
            "evaluations.question.added",
            "evaluation_question",
            created,
            event_id=event_id,
            data={"kind": values["kind"]},
        )
        created_row = await Question.select().where(Question.id == created).output(load_json=True).first()
    return question_from_row(created_row)


async def _question(event_id: int, question_id: int) -> tuple[dict, dict]:
    row = await _ensure(event_id)
    found = (
        await Question.select()
        .where(Question.id == question_id, Question.questionnaire == row["id"])
        .output(load_json=True)
        .first()
    )
    if found is None:
        raise NotFound(f"No question {question_id} in this questionnaire")
    return row, found


async def update_question(
    actor: Actor, event_id: int, question_id: int, data: schemas.QuestionUpdate
) -> schemas.Question:
    actor.require_organiser(event_id, NOT_ORGANISER)
    await programme_services.get_event_row(event_id)
    changes = {
        name: value for name, value in msgspec.structs.asdict(data).items() if value is not msgspec.UNSET
    }
    position = changes.pop("position", None)
    async with write_transaction():
        row, found = await _question(event_id, question_id)
        if changes:
            merged = {**found, **changes}
            if {"kind", "self_assessment", "phase", "options"} & set(changes) and any(
                changes[k] != found[k] for k in changes if k in {"kind", "self_assessment", "phase"}
            ):
                await _refuse_after_answers(
                    row, "People answered already: the question's kind and phases stay as they are"
                )
            if (
                "options" in changes
                and len(changes["options"]) != len(found["options"])
                and await _answered(row["id"])
            ):
                raise Conflict("People answered already: options can be reworded but not added or removed")
            values = checked_question(merged)
            await Question.update({getattr(Question, k): v for k, v in values.items()}).where(
                Question.id == question_id
            )
        if position is not None:
            ids = [q["id"] for q in await question_rows(row["id"]) if q["id"] != question_id]
            ids.insert(min(position, len(ids) + 1) - 1, question_id)
            await _renumber(row["id"], ids)
        if changes or position is not None:
            await record(
                actor,
                "evaluations.question.updated",
                "evaluation_question",
                question_id,
                event_id=event_id,
                data={"fields": sorted(changes) + (["position"] if position is not None else [])},
            )
        updated = await Question.select().where(Question.id == question_id).output(load_json=True).first()
    return question_from_row(updated)


async def move_question(actor: Actor, event_id: int, question_id: int, step: int) -> None:
    """One place up (``-1``) or down (``+1``)."""
    questionnaire = await get_questionnaire(actor, event_id)
    for question in questionnaire.questions:
        if question.id == question_id:
            target = max(1, question.position + step)
            await update_question(actor, event_id, question_id, schemas.QuestionUpdate(position=target))
            return
    raise NotFound(f"No question {question_id} in this questionnaire")


async def delete_question(actor: Actor, event_id: int, question_id: int) -> None:
    actor.require_organiser(event_id, NOT_ORGANISER)
    await programme_services.get_event_row(event_id)
    async with write_transaction():
        row, _found = await _question(event_id, question_id)
        await _refuse_after_answers(row, "People answered already: questions cannot be deleted any more")
        await Question.delete().where(Question.id == question_id)
        await _renumber(row["id"], [q["id"] for q in await question_rows(row["id"])])
        await record(
            actor, "evaluations.question.deleted", "evaluation_question", question_id, event_id=event_id
        )


async def start_from_default(actor: Actor, event_id: int) -> schemas.Questionnaire:
    """The ready-made questionnaire (self-assessment before and after, satisfaction, an open
    question), in every language the catalogues translate; only into an empty questionnaire."""
    actor.require_organiser(event_id, NOT_ORGANISER)
    await programme_services.get_event_row(event_id)
    async with write_transaction():
        row = await _ensure(event_id)
        if await Question.exists().where(Question.questionnaire == row["id"]):
            raise Conflict("The questionnaire has questions already; the default is only for an empty one")
        questions = []
        for position, (kind, text, options, low, high, self_assessment, phase, required) in enumerate(
            DEFAULT_QUESTIONS, start=1
        ):
            values = checked_question(
                {
                    "kind": kind,
                    "text": all_languages(text),
                    "options": [all_languages(option) for option in options],
                    "low_label": all_languages(low),
                    "high_label": all_languages(high),
                    "self_assessment": self_assessment,
                    "phase": phase,
                    "required": required,
                }
            )
            questions.append(Question(questionnaire=row["id"], position=position, **values))
        await Question.insert(*questions)
        await record(
            actor,
            "evaluations.questionnaire.default_added",
            "evaluation_questionnaire",
            row["id"],
            event_id=event_id,
            data={"questions": len(questions)},
        )
    return await get_questionnaire(actor, event_id)
