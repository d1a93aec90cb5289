"""Evaluations: questions of each kind validated, answered once (also when raced), anonymity shown in
the database, phase windows, reminders only to those who have not answered and not twice, results
against a small hand-computed fixture (with the before/after change) and withheld under five."""

from __future__ import annotations

import datetime
import itertools

import msgspec
import pytest

from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.db import statements
from events.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from events.evaluations import answering, reminders, report, results, schemas, services
from events.evaluations.tables import Attribution, Receipt, Reminder, Response
from events.notifications.tables import OutboxMessage
from events.registration import moderation, submission
from events.registration import schemas as registration_schemas
from events.registration.tables import Channel, Registration
from tests.conftest import IS_POSTGRES
from tests.factories import SYSTEM
from tests.test_registration_workflow import person

_emails = itertools.count(1)
UTC = datetime.UTC


def past(days: int = 1) -> str:
    return (datetime.datetime.now(UTC) - datetime.timedelta(days=days)).isoformat()


def future(days: int = 1) -> str:
    return (datetime.datetime.now(UTC) + datetime.timedelta(days=days)).isoformat()


async def register(event_id: int, *, approve: bool = True, language: str = "en") -> Actor:
    data = msgspec.convert(
        person(email=f"e{next(_emails)}@example.org", preferred_language=language),
        registration_schemas.RegistrationCreate,
    )
    result = await submission.submit(data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM)
    if approve:
        await moderation.approve(SYSTEM, result.registration.id)
    return Actor.participant(result.registration.id, result.registration.reference)


async def open_both(organiser: Actor, event_id: int, *, anonymous: bool = True) -> schemas.Questionnaire:
    """The default questionnaire with both phases open now."""
    await services.start_from_default(organiser, event_id)
    update = msgspec.convert(
        {"anonymous": anonymous, "after_opens_at": past(), "after_closes_at": future()},
        schemas.QuestionnaireUpdate,
    )
    return await services.update_questionnaire(organiser, event_id, update)


def rating_ids(questionnaire: schemas.Questionnaire) -> list[int]:
    return [q.id for q in questionnaire.questions if q.self_assessment]


def full_answers(questionnaire: schemas.Questionnaire, phase: str, rating: int = 3) -> dict:
    answers = {}
    for q in questionnaire.questions:
        if phase not in q.phases:
            continue
        if q.kind == "rating":
            answers[f"q{q.id}"] = rating
        elif q.kind == "single":
            answers[f"q{q.id}"] = 0
        elif q.kind == "text":
            answers[f"q{q.id}"] = "More time for questions"
    return answers


# --- kinds ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "kind": "rating",
                "text": {"fr": "Sans anglais"},
                "low_label": {"en": "a"},
                "high_label": {"en": "b"},
            },
            "text",
        ),
        ({"kind": "rating", "text": {"en": "Q"}}, "low_label"),
        ({"kind": "single", "text": {"en": "Q"}, "options": [{"en": "Only one"}]}, "options"),
        ({"kind": "text", "text": {"en": "Q"}, "options": [{"en": "a"}, {"en": "b"}]}, "options"),
        ({"kind": "text", "text": {"en": "Q"}, "self_assessment": True}, "self_assessment"),
        ({"kind": "single", "text": {"en": "Q"}, "options": [{"en": "a"}, {"xx": "b"}]}, "options.1"),
        ({"kind": "text", "text": {"en": "Q\u202e"}}, "text"),
    ],
)
async def test_each_kind_needs_what_it_uses(event, event_organiser, body, field):
    with pytest.raises(InvalidInput) as refused:
        await services.add_question(
            event_organiser.actor, event.id, msgspec.convert(body, schemas.QuestionCreate)
        )
    assert refused.value.errors[0].field == field


async def test_the_default_questionnaire_exists_in_six_languages(event, event_organiser):
    questionnaire = await services.start_from_default(event_organiser.actor, event.id)
    assert len(rating_ids(questionnaire)) == 3
    first = questionnaire.questions[0]
    assert set(first.text) == {"en", "fr", "es", "ar", "ru", "zh"}
    assert first.text["ar"] != first.text["en"]
    with pytest.raises(Conflict):
        await services.start_from_default(event_organiser.actor, event.id)


async def test_questions_reorder_and_delete(event, event_organiser):
    actor = event_organiser.actor
    for text in ("One", "Two", "Three"):
        await services.add_question(
            actor, event.id, msgspec.convert({"kind": "text", "text": {"en": text}}, schemas.QuestionCreate)
        )
    questionnaire = await services.get_questionnaire(actor, event.id)
    three = questionnaire.questions[2].id
    await services.move_question(actor, event.id, three, -1)
    order = [q.text["en"] for q in (await services.get_questionnaire(actor, event.id)).questions]
    assert order == ["One", "Three", "Two"]
    await services.delete_question(actor, event.id, questionnaire.questions[0].id)
    after = await services.get_questionnaire(actor, event.id)
    assert [(q.position, q.text["en"]) for q in after.questions] == [(1, "Three"), (2, "Two")]


async def test_others_events_are_refused(event, other_organiser):
    with pytest.raises(PermissionDenied):
        await services.start_from_default(other_organiser.actor, event.id)
    with pytest.raises(PermissionDenied):
        await results.results(other_organiser.actor, event.id)


# --- answering -----------------------------------------------------------------------------------


async def test_answers_are_checked_and_taken_once(event, event_organiser):
    questionnaire = await open_both(event_organiser.actor, event.id)
    me = await register(event.id)
    first = questionnaire.questions[0].id
    with pytest.raises(InvalidInput) as refused:
        await answering.submit_answers(me, me.registration_id, "before", {f"q{first}": 9})
    fields = {e.field: e.message for e in refused.value.errors}
    assert fields[f"q{first}"] == "Choose a number from 1 to 5"
    assert fields[f"q{questionnaire.questions[1].id}"] == "Answer this question"
    assert await Receipt.count() == 0 and await Response.count() == 0

    await answering.submit_answers(me, me.registration_id, "before", full_answers(questionnaire, "before"))
    with pytest.raises(Conflict):
        await answering.submit_answers(
            me, me.registration_id, "before", full_answers(questionnaire, "before")
        )
    assert await Receipt.count() == 1 and await Response.count() == 1
    # The after phase is another questionnaire, answered once too.
    await answering.submit_answers(me, me.registration_id, "after", full_answers(questionnaire, "after"))
    assert await Response.count() == 2


async def test_choices_out_of_range_are_refused(event, event_organiser):
    questionnaire = await open_both(event_organiser.actor, event.id)
    me = await register(event.id)
    single = next(q for q in questionnaire.questions if q.kind == "single")
    answers = {**full_answers(questionnaire, "after"), f"q{single.id}": 7, "q999999": "x"}
    with pytest.raises(InvalidInput) as refused:
        await answering.submit_answers(me, me.registration_id, "after", answers)
    fields = {e.field for e in refused.value.errors}
    assert f"q{single.id}" in fields and "q999999" in fields


async def test_two_submissions_at_once_store_one(event, event_organiser, run_concurrently):
    questionnaire = await open_both(event_organiser.actor, event.id)
    me = await register(event.id)
    answers = full_answers(questionnaire, "before")
    outcomes = await run_concurrently(
        *(answering.submit_answers(me, me.registration_id, "before", answers) for _ in range(4))
    )
    stored = [o for o in outcomes if isinstance(o, schemas.Answered)]
    assert len(stored) == 1, outcomes
    assert all(isinstance(o, Conflict) for o in outcomes if o not in stored)
    assert await Receipt.count() == 1 and await Response.count() == 1


async def test_a_closed_phase_refuses_answers(event, event_organiser):
    questionnaire = await open_both(event_organiser.actor, event.id)
    me = await register(event.id)
    update = msgspec.convert(
        {"after_opens_at": past(3), "after_closes_at": past(1)}, schemas.QuestionnaireUpdate
    )
    await services.update_questionnaire(event_organiser.actor, event.id, update)
    with pytest.raises(Conflict, match="closed"):
        await answering.submit_answers(me, me.registration_id, "after", full_answers(questionnaire, "after"))
    phases = {p["phase"]: p["state"] for p in await answering.phases_for(me, me.registration_id)}
    assert phases == {"before": "open", "after": "closed"}
    # Not yet open: upcoming.
    update = msgspec.convert(
        {"after_opens_at": future(1), "after_closes_at": future(3)}, schemas.QuestionnaireUpdate
    )
    await services.update_questionnaire(event_organiser.actor, event.id, update)
    phases = {p["phase"]: p["state"] for p in await answering.phases_for(me, me.registration_id)}
    assert phases["after"] == "upcoming"


async def test_only_approved_participants_answer(event, event_organiser):
    questionnaire = await open_both(event_organiser.actor, event.id)
    waiting = await register(event.id, approve=False)
    assert await answering.phases_for(waiting, waiting.registration_id) == []
    with pytest.raises(Conflict):
        await answering.submit_answers(
            waiting, waiting.registration_id, "before", full_answers(questionnaire, "before")
        )
    other = await register(event.id)
    with pytest.raises(NotFound):
        await answering.submit_answers(other, waiting.registration_id, "before", {})


# --- anonymity -----------------------------------------------------------------------------------


async def _columns(table) -> set[str]:
    return {column._meta.db_column_name for column in table._meta.columns}


async def _storage_stamps() -> list[int]:
    """What the database itself says about each response's writing: the transaction that wrote it
    (PostgreSQL's xmin) or its place in the table (SQLite's rowid)."""
    query = (
        "SELECT xmin::text::bigint AS stamp FROM evaluation_response"
        if IS_POSTGRES
        else "SELECT rowid AS stamp FROM evaluation_response ORDER BY rowid"
    )
    return [row["stamp"] for row in await statements.fetch(query)]


async def test_anonymous_answers_cannot_be_joined_to_registrations(event, event_organiser):
    from tests.test_migrations import _delete_rules_in_the_database

    questionnaire = await open_both(event_organiser.actor, event.id)
    first = str(questionnaire.questions[0].id)
    people = [await register(event.id) for _ in range(10)]
    given = []
    for number, me in enumerate(people):
        given.append(1 + number % 5)
        stored_before = await _storage_stamps()
        await answering.submit_answers(
            me, me.registration_id, "before", full_answers(questionnaire, "before", given[-1])
        )
        # Every response was written again by this answer's transaction: no row keeps the stamp of
        # the answer (and so of the receipt) that first wrote it.
        stamps = await _storage_stamps()
        assert len(stamps) == number + 1
        if IS_POSTGRES:
            assert len(set(stamps)) == 1 and not set(stamps) & set(stored_before)
    # No column of the response names a registration or a time, and no foreign key leads to one.
    assert await _columns(Response) == {"id", "questionnaire", "phase", "answers"}
    rules = await _delete_rules_in_the_database()
    assert {column for table, column in rules if table == "evaluation_response"} == {"questionnaire"}
    assert await Attribution.count() == 0
    # The receipts are in answering order; the responses are in no such order, neither by key
    # (random UUIDs) nor as the table stores them (each answer rewrites them all in a random order).
    receipts = [r["registration"] for r in await Receipt.select(Receipt.registration).order_by(Receipt.id)]
    assert receipts == [me.registration_id for me in people]
    by_key = [
        r["answers"][first] for r in await Response.select().order_by(Response.id).output(load_json=True)
    ]
    stored = [r["answers"][first] for r in await Response.select().output(load_json=True)]
    assert sorted(by_key) == sorted(given) == sorted(stored)
    assert by_key != given and stored != given
    # The audit entries name the registration and the phase, never a response.
    keys = [str(r["id"]) for r in await Response.select(Response.id)]
    entries = (
        await AuditEntry.select().where(AuditEntry.action == "evaluations.answered").output(load_json=True)
    )
    assert len(entries) == 10
    assert all(
        entry["data"] == {"phase": "before"} and entry["object_type"] == "registration" for entry in entries
    )
    assert not any(key in str(entry) for entry in entries for key in keys)


async def test_named_questionnaires_keep_pairs_and_cannot_turn_back(event, event_organiser):
    questionnaire = await open_both(event_organiser.actor, event.id, anonymous=False)
    me = await register(event.id)
    await answering.submit_answers(me, me.registration_id, "before", full_answers(questionnaire, "before"))
    assert await Attribution.count() == 1
    make_anonymous = msgspec.convert({"anonymous": True}, schemas.QuestionnaireUpdate)
    await services.update_questionnaire(event_organiser.actor, event.id, make_anonymous)
    assert await Attribution.count() == 0
    with pytest.raises(Conflict):
        await services.update_questionnaire(
            event_organiser.actor,
            event.id,
            msgspec.convert({"anonymous": False}, schemas.QuestionnaireUpdate),
        )


# --- reminders -----------------------------------------------------------------------------------


async def test_reminders_go_to_those_who_have_not_answered_and_not_twice(event, event_organiser):
    questionnaire = await open_both(event_organiser.actor, event.id)
    answered, pending_one = [await register(event.id) for _ in range(2)]
    pending_two = await register(event.id, language="fr")
    await register(event.id, approve=False)
    await answering.submit_answers(
        answered, answered.registration_id, "before", full_answers(questionnaire, "before")
    )
    before = await OutboxMessage.count()
    assert await reminders.send_reminders(event_organiser.actor, event.id, "before") == 2
    mails = await OutboxMessage.select().where(OutboxMessage.kind == "evaluation_reminder")
    assert len(mails) == 2 == await OutboxMessage.count() - before
    rows = await Registration.select(Registration.id, Registration.email).where(
        Registration.id.is_in([pending_one.registration_id, pending_two.registration_id])
    )
    assert {m["to_address"] for m in mails} == {r["email"] for r in rows}
    assert all("#token=" not in m["body"] for m in mails)  # the link is withheld until delivery
    assert sorted(m["subject"].split(" ")[0] for m in mails) == ["A", "Quelques"]  # each in their language
    assert await reminders.send_reminders(event_organiser.actor, event.id, "before") == 0
    assert await AuditEntry.count().where(AuditEntry.action == "evaluations.reminder.sent") == 2
    # A day later they may be reminded again.
    await Reminder.update(
        {Reminder.sent_at: datetime.datetime.now(UTC) - datetime.timedelta(hours=25)}
    ).where(Reminder.phase == "before")
    assert await reminders.send_reminders(event_organiser.actor, event.id, "before") == 2


async def test_reminders_only_for_an_open_phase(event, event_organiser):
    await services.start_from_default(event_organiser.actor, event.id)
    await register(event.id)
    with pytest.raises(Conflict):
        await reminders.send_reminders(event_organiser.actor, event.id, "after")


async def test_the_automatic_round_is_sent_once(event, event_organiser, run_concurrently):
    await services.start_from_default(event_organiser.actor, event.id)
    update = msgspec.convert(
        {"auto_reminders": True, "after_opens_at": past(), "after_closes_at": future(0.5)},
        schemas.QuestionnaireUpdate,
    )
    await services.update_questionnaire(event_organiser.actor, event.id, update)
    for _ in range(3):
        await register(event.id)
    now = datetime.datetime.now(UTC)
    sent = await run_concurrently(reminders.remind_on_tick(now), reminders.remind_on_tick(now))
    assert sorted(sent) == [0, 3]
    assert await reminders.remind_on_tick(now) == 0


# --- results -------------------------------------------------------------------------------------


@pytest.fixture
async def answered_event(event, event_organiser):
    """Named questionnaire; six answer before, five after (four of them both):

    ===  ==============  =============  ===========
    who  before (item1)  after (item1)  satisfaction
    ===  ==============  =============  ===========
    p0   1               3              4
    p1   2               4              5
    p2   2               4              5
    p3   3               5              3
    p4   2               —              —
    p5   2               —              —
    p6   —               5              4
    ===  ==============  =============  ===========

    item 1 before: 12 / 6 = 2.0, after: 21 / 5 = 4.2, change 2.2; pairs p0–p3: (2+2+2+2)/4 (under 5:
    withheld). Satisfaction: mean 21/5 = 4.2.
    """
    questionnaire = await open_both(event_organiser.actor, event.id, anonymous=False)
    people = [await register(event.id) for _ in range(7)]
    await register(event.id)  # approved, never answers
    item = questionnaire.questions[0].id
    satisfaction = questionnaire.questions[3].id
    befores = {0: 1, 1: 2, 2: 2, 3: 3, 4: 2, 5: 2}
    afters = {0: (3, 4), 1: (4, 5), 2: (4, 5), 3: (5, 3), 6: (5, 4)}
    for index, value in befores.items():
        me = people[index]
        await answering.submit_answers(
            me, me.registration_id, "before", {**full_answers(questionnaire, "before"), f"q{item}": value}
        )
    for index, (value, happy) in afters.items():
        me = people[index]
        answers = {**full_answers(questionnaire, "after"), f"q{item}": value, f"q{satisfaction}": happy}
        await answering.submit_answers(me, me.registration_id, "after", answers)
    return questionnaire, item, satisfaction


async def test_results_match_the_hand_count(event, event_organiser, answered_event):
    _questionnaire, item, satisfaction = answered_event
    found = await results.results(event_organiser.actor, event.id)
    assert [(r.phase.value, r.invited, r.answered) for r in found.rates] == [
        ("before", 8, 6),
        ("after", 8, 5),
    ]
    change = next(c for c in found.changes if c.question_id == item)
    assert (change.n_before, change.n_after, change.shown) == (6, 5, True)
    assert (change.mean_before, change.mean_after, change.change) == (2.0, 4.2, 2.2)
    assert change.pairs == 4 and change.paired_change is None  # four pairs: withheld
    happy = next(q for q in found.questions if q.question_id == satisfaction)
    assert happy.mean == 4.2
    assert [c.count for c in happy.counts] == [0, 0, 1, 2, 2]
    before_item = next(q for q in found.questions if q.question_id == item and q.phase.value == "before")
    assert [c.count for c in before_item.counts] == [1, 4, 1, 0, 0]
    text = next(q for q in found.questions if q.kind == "text")
    assert text.texts == ["More time for questions"] * 5


async def test_figures_under_five_are_withheld(event, event_organiser):
    questionnaire = await open_both(event_organiser.actor, event.id)
    people = [await register(event.id) for _ in range(4)]
    for me in people:
        await answering.submit_answers(
            me, me.registration_id, "before", full_answers(questionnaire, "before")
        )
        await answering.submit_answers(me, me.registration_id, "after", full_answers(questionnaire, "after"))
    found = await results.results(event_organiser.actor, event.id)
    assert all(not q.shown and q.counts == [] and q.mean is None and q.texts == [] for q in found.questions)
    assert all(not c.shown and c.mean_before is None and c.change is None for c in found.changes)


async def test_the_report_gets_rates_and_the_change(event, event_organiser, answered_event):
    _questionnaire, item, _ = answered_event
    tables = {t.key: t for t in await report.report_tables([event.id], "fr")}
    rates = tables["evaluations.response_rates"]
    assert [(row.values[:2], row.people) for row in rates.rows] == [([8, 6], 6), ([8, 5], 5)]
    change = tables["evaluations.self_assessment"]
    assert change.chart == "before_after"
    row = next(r for r in change.rows if r.key == f"{event.id}:{item}")
    assert row.values == [2.0, 4.2, 2.2] and row.people == 5
    assert change.title != "Self-assessment before and after"  # in French


async def test_the_demo_shows_answers_before_and_after():
    from events.demo.loader import load_demo
    from events.programme.tables import Event

    await load_demo(participants=80, if_empty=False, seed=2027)
    baku = (await Event.select(Event.id).where(Event.slug == "baku-symposium-2027").first())["id"]
    organiser = Actor.system("tests")
    found = await results.results(organiser, baku)
    assert {rate.phase.value for rate in found.rates if rate.answered >= 5} == {"before", "after"}
    shown = [change for change in found.changes if change.shown]
    assert shown and all(change.change > 0 for change in shown)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"after_opens_at": "2027-10-20T10:00:00+04:00", "after_closes_at": "2027-10-19T10:00:00+04:00"},
            "after_closes_at",
        ),
        ({"before_closes_at": "0001-01-01T00:00:00+14:00"}, "before_closes_at"),
        ({"before_opens_at": "2027-10-01T10:00:00"}, "before_opens_at"),
    ],
)
async def test_windows_must_make_sense(event, event_organiser, body, field):
    with pytest.raises(InvalidInput) as refused:
        await services.update_questionnaire(
            event_organiser.actor, event.id, msgspec.convert(body, schemas.QuestionnaireUpdate)
        )
    assert refused.value.errors[0].field == field


async def test_default_windows_follow_the_programme(event, event_organiser):
    """Before: until the first session starts; after: from the last session's start until 14 days
    after the last day (midnight in the event's zone)."""
    from events.programme import schemas as programme_schemas
    from events.programme import services as programme_services

    for start in ("2027-10-12T09:00:00", "2027-10-14T15:00:00"):
        data = msgspec.convert(
            {"title": "S", "kind": "plenary", "starts_at": start, "ends_at": start[:11] + "18:00:00"},
            programme_schemas.SessionCreate,
        )
        await programme_services.create_session(SYSTEM, event.id, data)
    questionnaire = await services.start_from_default(event_organiser.actor, event.id)
    windows = {w.phase.value: w for w in questionnaire.windows}
    baku = datetime.timezone(datetime.timedelta(hours=4))
    assert windows["before"].opens_at is None
    assert windows["before"].closes_at == datetime.datetime(2027, 10, 12, 9, 0, tzinfo=baku)
    assert windows["after"].opens_at == datetime.datetime(2027, 10, 14, 15, 0, tzinfo=baku)
    assert windows["after"].closes_at == datetime.datetime(2027, 10, 29, 0, 0, tzinfo=baku)


async def test_many_anonymous_answers_at_once_are_all_stored(event, event_organiser, run_concurrently):
    """Concurrent anonymous answers each move a random earlier response; none is lost or doubled."""
    questionnaire = await open_both(event_organiser.actor, event.id)
    people = [await register(event.id) for _ in range(8)]
    for me in people[:3]:
        await answering.submit_answers(
            me, me.registration_id, "before", full_answers(questionnaire, "before")
        )
    outcomes = await run_concurrently(
        *(
            answering.submit_answers(me, me.registration_id, "before", full_answers(questionnaire, "before"))
            for me in people[3:]
        )
    )
    assert all(isinstance(o, schemas.Answered) for o in outcomes), outcomes
    assert await Response.count() == 8 == await Receipt.count()
