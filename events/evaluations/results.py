"""Results: response rates, each question's answers per phase, and the before/after change of the
self-assessment items. Figures describing fewer than :data:`MINIMUM` respondents are withheld
(``shown`` is false; pages say "fewer than 5 answers").

What the change means:

* **mean before, mean after, change** compare the two *groups*: every answer given before and every
  answer given after (the people need not be the same). This is the only comparison possible for an
  anonymous questionnaire, where nothing links a person's two responses, and it is what the console,
  the CSV and the programme report show;
* for a named questionnaire the console also shows the **paired change**: the mean of each person's
  own difference (after − before) over those who answered both, with its number of pairs.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from events.auth.principal import Actor
from events.errors import NotFound
from events.evaluations import schemas
from events.evaluations.answering import phase_questions
from events.evaluations.services import NOT_ORGANISER, in_language, question_rows, questionnaire_row
from events.evaluations.tables import Attribution, Phase, QuestionKind, Receipt, Response
from events.programme import services as programme_services
from events.registration.tables import Registration, RegistrationStatus

MINIMUM = 5
PHASES = (Phase.before.value, Phase.after.value)


def _mean(values: list[int]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


async def _responses(questionnaire_id: int) -> dict[str, list[dict]]:
    rows = (
        await Response.select(Response.id, Response.phase, Response.answers)
        .where(Response.questionnaire == questionnaire_id)
        .output(load_json=True)
    )
    found: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        found[row["phase"]].append(row)
    return found


async def _owners(questionnaire_id: int) -> dict[str, int]:
    rows = await Attribution.select(Attribution.response, Attribution.registration).where(
        Attribution.response.is_in(
            Response.select(Response.id).where(Response.questionnaire == questionnaire_id)
        )
    )
    return {str(row["response"]): row["registration"] for row in rows}


def _question_result(
    question: dict, phase: str, responses: list[dict], language: str
) -> schemas.QuestionResult:
    key = str(question["id"])
    values = [r["answers"][key] for r in responses if key in (r["answers"] or {})]
    result = schemas.QuestionResult(
        question_id=question["id"],
        text=in_language(question["text"], language),
        kind=QuestionKind(question["kind"]),
        phase=Phase(phase),
        respondents=len(values),
        shown=len(values) >= MINIMUM,
    )
    if not result.shown:
        return result
    kind = question["kind"]
    if kind == QuestionKind.rating.value:
        counted = Counter(values)
        result.counts = [schemas.Count(value=str(n), label=str(n), count=counted[n]) for n in (1, 2, 3, 4, 5)]
        result.mean = _mean(values)
    elif kind in (QuestionKind.single.value, QuestionKind.multiple.value):
        counted = Counter(v for value in values for v in (value if isinstance(value, list) else [value]))
        result.counts = [
            schemas.Count(value=str(i), label=in_language(option, language), count=counted[i])
            for i, option in enumerate(question["options"] or [])
        ]
    else:
        # Free text: listed without names, in an order that says nothing about who or when.
        result.texts = sorted(values, key=str.casefold)
    return result


async def results(actor: Actor, event_id: int, language: str = "en") -> schemas.Results:
    actor.require_organiser(event_id, NOT_ORGANISER)
    await programme_services.get_event_row(event_id)
    row = await questionnaire_row(event_id)
    if row is None:
        raise NotFound("This event has no questionnaire yet")
    return await _results(row, language)


async def _results(row: dict, language: str) -> schemas.Results:
    questions = await question_rows(row["id"])
    responses = await _responses(row["id"])
    invited = await Registration.count().where(
        Registration.event == row["event"], Registration.status == RegistrationStatus.approved.value
    )
    receipts = Counter(
        r["phase"] for r in await Receipt.select(Receipt.phase).where(Receipt.questionnaire == row["id"])
    )
    rates = [
        schemas.Rate(phase=Phase(phase), invited=invited, answered=receipts[phase])
        for phase in PHASES
        if phase_questions(questions, phase)
    ]
    per_question = [
        _question_result(question, phase, responses[phase], language)
        for question in questions
        for phase in PHASES
        if question["self_assessment"] or question["phase"] == phase
    ]
    owners = {} if row["anonymous"] else await _owners(row["id"])
    changes = [
        _change(question, responses, owners, language)
        for question in questions
        if question["self_assessment"]
    ]
    return schemas.Results(
        event_id=row["event"],
        anonymous=row["anonymous"],
        minimum=MINIMUM,
        rates=rates,
        questions=per_question,
        changes=changes,
    )


def _change(
    question: dict, responses: dict[str, list[dict]], owners: dict[str, int], language: str
) -> schemas.Change:
    key = str(question["id"])
    by_phase: dict[str, list[int]] = {}
    by_person: dict[str, dict[int, int]] = {}
    for phase in PHASES:
        by_phase[phase] = [r["answers"][key] for r in responses[phase] if key in (r["answers"] or {})]
        by_person[phase] = {
            owners[str(r["id"])]: r["answers"][key]
            for r in responses[phase]
            if key in (r["answers"] or {}) and str(r["id"]) in owners
        }
    before, after = by_phase["before"], by_phase["after"]
    change = schemas.Change(
        question_id=question["id"],
        text=in_language(question["text"], language),
        n_before=len(before),
        n_after=len(after),
        shown=min(len(before), len(after)) >= MINIMUM,
    )
    if change.shown:
        change.mean_before = _mean(before)
        change.mean_after = _mean(after)
        change.change = round(_mean(after) - _mean(before), 2)
    if owners:
        both = sorted(set(by_person["before"]) & set(by_person["after"]))
        change.pairs = len(both)
        if len(both) >= MINIMUM:
            change.paired_change = _mean([by_person["after"][p] - by_person["before"][p] for p in both])
    return change


async def results_for_report(event_ids: list[int], language: str) -> list[tuple[dict, schemas.Results]]:
    """Each covered event that has a questionnaire, with its results (no rights checked: the report
    is built for a reader whose rights its caller checked)."""
    found = []
    for event_id in event_ids:
        row = await questionnaire_row(event_id)
        if row is not None:
            found.append((await programme_services.get_event_row(event_id), await _results(row, language)))
    return found


def csv_rows(found: schemas.Results) -> tuple[list[str], list[list[Any]]]:
    """The results table for the CSV: one row per question, phase and value (withheld under 5)."""
    header = ["question_id", "question", "phase", "respondents", "value", "label", "count", "mean"]
    body: list[list[Any]] = []
    for item in found.questions:
        if not item.shown:
            body.append([item.question_id, item.text, item.phase.value, f"<{MINIMUM}", "", "", "", ""])
            continue
        if item.counts:
            for count in item.counts:
                body.append(
                    [
                        item.question_id,
                        item.text,
                        item.phase.value,
                        item.respondents,
                        count.value,
                        count.label,
                        count.count,
                        "" if item.mean is None else item.mean,
                    ]
                )
        else:
            body.append([item.question_id, item.text, item.phase.value, item.respondents, "", "", "", ""])
    for change in found.changes:
        body.append(
            [
                change.question_id,
                change.text,
                "change",
                min(change.n_before, change.n_after) if change.shown else f"<{MINIMUM}",
                "mean_before",
                "",
                "",
                "" if change.mean_before is None else change.mean_before,
            ]
        )
        body.append(
            [
                change.question_id,
                change.text,
                "change",
                "",
                "mean_after",
                "",
                "",
                "" if change.mean_after is None else change.mean_after,
            ]
        )
        body.append(
            [
                change.question_id,
                change.text,
                "change",
                "",
                "change",
                "",
                "",
                "" if change.change is None else change.change,
            ]
        )
    return header, body
