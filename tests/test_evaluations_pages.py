"""Evaluations on pages: the participant answers a plain form (errors beside the questions, a second
submission refused with a readable page, Arabic right to left), the e-mail's link signs them in, the
organiser edits the questionnaire and reads the results in the console (others' events 403), the
CSV, and the API (409 on a second answer, RFC 9457)."""

from __future__ import annotations

import csv
import io
import re

import pytest

from events.evaluations import answering, schemas, services
from events.evaluations.tables import Question, Receipt, Response
from events.notifications.services import delivered_body
from events.notifications.tables import OutboxMessage
from events.registration.tables import Registration
from tests.test_evaluations import full_answers, open_both, register
from tests.test_my_calendar import signed_in
from tests.test_web import error_beside, sign_in_organiser


@pytest.fixture
async def questionnaire(event, event_organiser) -> schemas.Questionnaire:
    return await open_both(event_organiser.actor, event.id)


def form_of(answers: dict) -> dict:
    return {key: str(value) for key, value in answers.items()}


async def test_a_participant_answers_once_from_the_portal(client, event, questionnaire):
    await signed_in(client, event.id, "amina@example.org")
    hub = await client.get("/my/registration")
    assert 'href="/my/evaluations/before"' in hub.text
    page = await client.get("/my/evaluations/before")
    assert page.status_code == 200
    assert "anonymous" in page.text
    first, second = questionnaire.questions[0].id, questionnaire.questions[1].id

    wrong = await client.post("/my/evaluations/before", data={f"q{first}": "9"})
    assert wrong.status_code == 422
    assert error_beside(wrong.text, f"q{first}") == "Choose a number from 1 to 5"
    assert error_beside(wrong.text, f"q{second}") == "Answer this question"
    assert await Receipt.count() == 0

    done = await client.post("/my/evaluations/before", data=form_of(full_answers(questionnaire, "before")))
    assert done.status_code == 303
    again = await client.post("/my/evaluations/before", data=form_of(full_answers(questionnaire, "before")))
    assert again.status_code == 409
    assert "You answered this questionnaire already" in again.text
    assert await Response.count() == 1
    listing = await client.get("/my/evaluations")
    assert "Answered on" in listing.text


async def test_the_page_in_arabic_is_right_to_left(client, event, questionnaire):
    await signed_in(client, event.id, "layla@example.org")
    page = await client.get("/my/evaluations/after?lang=ar")
    assert page.status_code == 200
    assert 'dir="rtl"' in page.text and 'lang="ar"' in page.text
    arabic = questionnaire.questions[0].text["ar"]
    assert arabic in page.text


async def test_the_reminder_link_signs_the_participant_in(client, event, event_organiser, questionnaire):
    from events.evaluations import reminders

    await register(event.id)
    await reminders.send_reminders(event_organiser.actor, event.id, "before")
    message = await OutboxMessage.select().where(OutboxMessage.kind == "evaluation_reminder").first()
    token = re.search(r"#token=(osm_[\w-]+)", delivered_body(message)).group(1)
    client.cookies.clear()
    signed = await client.post("/my/registration/sign-in", data={"token": token})
    assert signed.status_code == 303
    assert 'href="/my/evaluations/before"' in (await client.get("/my/registration")).text


async def test_the_api_takes_answers_once(client, event, event_organiser, questionnaire):
    from events.evaluations import reminders
    from tests.test_registration_workflow import participant_headers

    await register(event.id)
    await reminders.send_reminders(event_organiser.actor, event.id, "before")
    row = await Registration.select(Registration.id, Registration.email).first()
    headers = await participant_headers(client, row["email"])
    listed = await client.get(f"/api/v1/registrations/{row['id']}/evaluations", headers=headers)
    assert listed.status_code == 200, listed.text
    assert [p["phase"] for p in listed.json()["items"]] == ["before", "after"]
    body = {"answers": full_answers(questionnaire, "before")}
    first = await client.post(
        f"/api/v1/registrations/{row['id']}/evaluations/before", json=body, headers=headers
    )
    assert first.status_code == 201, first.text
    second = await client.post(
        f"/api/v1/registrations/{row['id']}/evaluations/before", json=body, headers=headers
    )
    assert second.status_code == 409
    assert second.headers["content-type"].startswith("application/problem+json")
    bad = await client.post(
        f"/api/v1/registrations/{row['id']}/evaluations/after", json={"answers": {}}, headers=headers
    )
    assert bad.status_code == 422 and bad.json()["errors"]


async def test_organisers_manage_the_questionnaire_through_the_api(
    client, event, event_organiser, other_organiser
):
    base = f"/api/v1/events/{event.id}/evaluation"
    assert (await client.get(base, headers=event_organiser.headers)).status_code == 404
    made = await client.post(f"{base}/default", headers=event_organiser.headers)
    assert made.status_code == 201 and len(made.json()["questions"]) == 7
    added = await client.post(
        f"{base}/questions",
        json={
            "kind": "multiple",
            "text": {"en": "Which channels do you run?"},
            "options": [{"en": "Web"}, {"en": "Phone"}],
        },
        headers=event_organiser.headers,
    )
    assert added.status_code == 201, added.text
    moved = await client.patch(
        f"{base}/questions/{added.json()['id']}", json={"position": 1}, headers=event_organiser.headers
    )
    assert moved.json()["position"] == 1
    assert (
        await client.delete(f"{base}/questions/{added.json()['id']}", headers=event_organiser.headers)
    ).status_code == 204
    assert (await client.get(f"{base}/results", headers=event_organiser.headers)).status_code == 200
    assert (await client.get(f"{base}/results", headers=other_organiser.headers)).status_code == 403
    refused = await client.put(base, json={"after_days": -1}, headers=event_organiser.headers)
    assert refused.status_code in {400, 422}


async def test_the_console_edits_and_shows_results(client, event, event_organiser, other_organiser):
    await sign_in_organiser(client, event_organiser)
    tab = f"/organiser/events/{event.id}/evaluations"
    empty = await client.get(tab)
    assert empty.status_code == 200 and "default questionnaire" in empty.text
    started = await client.post(f"{tab}/default")
    assert started.status_code == 303
    assert await Question.count() == 7
    questionnaire = await services.get_questionnaire(event_organiser.actor, event.id)
    # Open the after phase from the settings form, then five answer.
    saved = await client.post(
        f"{tab}/settings",
        data={
            "anonymous": "true",
            "after_opens_at": "2020-01-01T00:00",
            "after_closes_at": "2099-01-01T00:00",
            "after_days": "14",
        },
    )
    assert saved.status_code == 303, saved.text
    for _ in range(5):
        me = await register(event.id)
        await answering.submit_answers(
            me, me.registration_id, "before", full_answers(questionnaire, "before", 2)
        )
        await answering.submit_answers(
            me, me.registration_id, "after", full_answers(questionnaire, "after", 4)
        )
    edited = await client.post(
        f"{tab}/questions/{questionnaire.questions[0].id}",
        data={
            "kind": "rating",
            "text_en": "Understanding of channel integration",
            "text_fr": "Intégration des canaux",
            "low_label_en": "Low",
            "high_label_en": "High",
            "self_assessment": "true",
            "phase": "after",
            "required": "true",
        },
    )
    assert edited.status_code == 303, edited.text
    results = await client.get(f"{tab}/results")
    assert results.status_code == 200
    assert "<svg" in results.text and "Understanding of channel integration" in results.text
    assert "+2" in results.text or "2.00" in results.text or "2.0" in results.text
    download = await client.get(f"{tab}/results.csv")
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["question_id", "question", "phase"]
    assert any(row[2] == "change" and row[4] == "change" and row[7] == "2.0" for row in rows)
    # Names never appear on an anonymous questionnaire's results.
    assert "Amina" not in results.text

    client.cookies.clear()
    await sign_in_organiser(client, other_organiser)
    assert (await client.get(tab)).status_code == 403
    assert (await client.get(f"{tab}/results")).status_code == 403


async def test_the_console_refuses_a_named_questionnaire_after_answers(
    client, event, event_organiser, questionnaire
):
    me = await register(event.id)
    await answering.submit_answers(me, me.registration_id, "before", full_answers(questionnaire, "before"))
    await sign_in_organiser(client, event_organiser)
    tab = f"/organiser/events/{event.id}/evaluations"
    refused = await client.post(f"{tab}/settings", data={"after_days": "14"})
    assert refused.status_code == 409
    assert "anonymous" in refused.text
    assert (await services.get_questionnaire(event_organiser.actor, event.id)).anonymous
    # A question with a bad choice list is refused beside the field.
    bad = await client.post(
        f"{tab}/questions", data={"kind": "single", "text_en": "Pick", "options_en": "Only one"}
    )
    assert bad.status_code == 422
    assert error_beside(bad.text, "options_en")
