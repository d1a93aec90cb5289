"""National or subnational government: an optional answer of the registration, through the API
(create, update, clear, a bad value refused), the portal form (labelled choices, saved), the import
sheet and the export, the organisers' registration page, and the demo data."""

from __future__ import annotations

import csv
import io

import pytest

from events.demo.people import INSTITUTIONS, government_level
from events.registration import export
from events.registration.schemas import GovernmentLevel
from events.registration.tables import Registration
from tests.test_registration_import_export import PEOPLE, csv_bytes, upload
from tests.test_registration_workflow import person, register
from tests.test_web import open_event, sign_in_organiser, submit  # noqa: F401
from tests.test_web import person as form_person

API = "/api/v1"


async def stored(registration_id: int) -> str:
    row = (
        await Registration.select(Registration.government_level)
        .where(Registration.id == registration_id)
        .first()
    )
    return row["government_level"]


async def test_api_create_update_and_clear(client, event, event_organiser):
    created = await register(client, event.id, person(government_level="subnational"))
    assert created.status_code == 201, created.text
    body = created.json()["registration"]
    assert body["government_level"] == "subnational"
    plain = await register(client, event.id, person(email="no.answer@example.org"))
    assert plain.json()["registration"]["government_level"] == ""
    url = f"{API}/registrations/{body['id']}"
    changed = await client.patch(url, json={"government_level": "national"}, headers=event_organiser.headers)
    assert changed.status_code == 200, changed.text
    assert changed.json()["government_level"] == "national"
    cleared = await client.patch(url, json={"government_level": None}, headers=event_organiser.headers)
    assert cleared.status_code == 200 and cleared.json()["government_level"] == ""
    assert await stored(body["id"]) == ""


async def test_api_refuses_an_unknown_level_without_writing(client, event):
    before = await Registration.count()
    answer = await register(client, event.id, person(government_level="federal"))
    assert answer.status_code == 400
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert "government_level" in answer.text
    assert await Registration.count() == before


async def test_portal_form_offers_labelled_choices_and_saves_them(client, open_event):  # noqa: F811
    page = await client.get(f"/events/{open_event.id}/register")
    assert "National or subnational government (optional)" in page.text
    assert 'name="government_level" type="radio" value="subnational"' in page.text
    assert "Subnational government" in page.text
    french = await client.get(f"/events/{open_event.id}/register", params={"lang": "fr"})
    assert "Administration infranationale" in french.text
    answer = await submit(
        client, open_event.id, form_person("gov.level@example.org", government_level="national")
    )
    assert answer.status_code in (200, 303), answer.text
    row = (
        await Registration.select(Registration.government_level)
        .where(Registration.email == "gov.level@example.org")
        .first()
    )
    assert row["government_level"] == "national"
    unanswered = await submit(client, open_event.id, form_person("no.level@example.org"))
    assert unanswered.status_code in (200, 303)
    row = (
        await Registration.select(Registration.government_level)
        .where(Registration.email == "no.level@example.org")
        .first()
    )
    assert row["government_level"] == ""


async def test_import_reads_it_and_export_writes_it(client, event, event_organiser):
    rows = [
        {**PEOPLE[0], "email": "a.sheet@example.org", "government_level": "subnational"},
        {**PEOPLE[0], "email": "b.sheet@example.org", "government_level": ""},
        {**PEOPLE[0], "email": "c.sheet@example.org", "government_level": "federal"},
    ]
    answer = await upload(client, event.id, csv_bytes(rows), event_organiser)
    assert answer.status_code == 200, answer.text
    outcomes = [(row["outcome"], row["errors"]) for row in answer.json()["rows"]]
    assert outcomes[0] == ("created", []) and outcomes[1] == ("created", [])
    assert outcomes[2][0] == "rejected"
    assert any(
        "government_level" in error and "national, subnational, other" in error for error in outcomes[2][1]
    )
    exported = await client.get(
        f"{API}/events/{event.id}/registrations/export",
        params={"format": "csv"},
        headers=event_organiser.headers,
    )
    table = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert "government_level" in export.COLUMNS
    assert {row["email"]: row["government_level"] for row in table} == {
        "a.sheet@example.org": "subnational",
        "b.sheet@example.org": "",
    }


async def test_organisers_registration_page_names_it(client, event, event_organiser):
    created = (await register(client, event.id, person(government_level="other"))).json()["registration"]
    await sign_in_organiser(client, event_organiser)
    page = await client.get(f"/organiser/registrations/{created['id']}")
    assert page.status_code == 200
    assert "Other or not applicable" in page.text


@pytest.mark.parametrize(("institution", "_sector"), INSTITUTIONS)
def test_demo_people_answer_it(institution, _sector):
    assert government_level(institution) in {level.value for level in GovernmentLevel}


def test_demo_has_every_answer():
    assert {government_level(institution) for institution, _sector in INSTITUTIONS} == {
        "national",
        "subnational",
        "other",
    }
