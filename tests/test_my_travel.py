"""The participant's travel and needs page (/my/travel) and the emergency contact on a registration."""

from __future__ import annotations

import datetime
import html
import re

import pytest

from events import crypto
from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.programme.tables import Event
from events.registration import retention
from events.registration.tables import Registration
from tests.factories import SYSTEM
from tests.test_web import (
    error_beside,
    person,
    sign_in_organiser,
    sign_in_participant,
    submit,
    summary_links,
)

AMINA = "amina.moussa@example.org"
KOFI = "kofi.mensah@example.org"
CONTACT_PHONE = "+253 77 12 34 56"

#: Everything on the page, as a browser sends it.
FILLED = {
    "arrival_date": "2027-10-11",
    "arrival_time": "18:30",
    "departure_date": "2027-10-15",
    "departure_time": "09:00",
    "accessibility": ["step_free_access", "other"],
    "accessibility_other": "A chair near the door",
    "dietary": "Halal",
    "emergency_contact_name": "Omar Moussa",
    "emergency_contact_relationship": "Brother",
    "emergency_contact_phone": CONTACT_PHONE,
    "emergency_contact_email": "omar.moussa@example.org",
}


async def registered(client, event_id: int, email: str = AMINA) -> dict:
    response = await submit(client, event_id, person(email))
    assert response.status_code in (200, 303), response.text
    client.cookies.clear()
    await sign_in_participant(client, email)
    return await Registration.select().where(Registration.email == email).first()


@pytest.fixture
async def baku_event(make_event):
    """An event taking registrations now, in Baku (UTC+4), 12-14 October 2027."""
    return await make_event(capacity=10)


async def row_of(email: str = AMINA) -> dict:
    return await Registration.select().where(Registration.email == email).output(load_json=True).first()


def value_of(page: str, name: str) -> str | None:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', page)
    return html.unescape(found.group(1)) if found else None


async def close_changes(event_id: int) -> None:
    past = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=1)
    await Event.update({Event.registration_closes_at: past}).where(Event.id == event_id)


async def test_the_hub_shows_travel_and_links_to_the_form(client, baku_event):
    await registered(client, baku_event.id)
    hub = await client.get("/my/registration")
    assert hub.status_code == 200
    section = re.search(r'<section id="travel".*?</section>', hub.text, re.S).group(0)
    assert "Travel and needs" in section and 'href="/my/travel"' in section
    assert "Not given yet" in section


async def test_saving_the_form_updates_the_registration_in_the_event_time_zone(client, baku_event):
    await registered(client, baku_event.id)
    page = await client.get("/my/travel")
    assert page.status_code == 200 and "Baku time" in page.text
    assert value_of(page.text, "arrival_date") == ""
    saved = await client.post("/my/travel", data=FILLED)
    assert saved.status_code == 303 and saved.headers["location"] == "/my/registration#travel"
    row = await row_of()
    # 18:30 in Baku (UTC+4) is 14:30 UTC
    assert row["arrival_at"].astimezone(datetime.UTC) == datetime.datetime(
        2027, 10, 11, 14, 30, tzinfo=datetime.UTC
    )
    assert row["departure_at"].astimezone(datetime.UTC) == datetime.datetime(
        2027, 10, 15, 5, 0, tzinfo=datetime.UTC
    )
    assert sorted(row["accessibility"]) == ["other", "step_free_access"]
    assert row["accessibility_other"] == "A chair near the door" and row["dietary"] == "Halal"
    assert row["emergency_contact_name"] == "Omar Moussa"
    assert row["emergency_contact_relationship"] == "Brother"
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == "registration.updated")
        .output(load_json=True)
        .first()
    )
    assert "emergency_contact_phone" in entry["data"]["fields"]

    hub = await client.get("/my/registration")
    assert "Your travel details and needs are saved" in hub.text
    section = re.search(r'<section id="travel".*?</section>', hub.text, re.S).group(0)
    assert "18:30" in section and "Omar Moussa" in section and "Halal" in section
    assert "Step-free access" in section
    assert "••••56" in section and CONTACT_PHONE not in section and "+25377123456" not in section

    again = await client.get("/my/travel")
    assert value_of(again.text, "arrival_date") == "2027-10-11"
    assert value_of(again.text, "arrival_time") == "18:30"
    assert value_of(again.text, "departure_time") == "09:00"
    assert value_of(again.text, "emergency_contact_phone") == "+25377123456"
    assert re.search(r'value="step_free_access" checked', again.text)
    assert not re.search(r'value="sign_language" checked', again.text)


async def test_emptying_the_form_clears_the_answers(client, baku_event):
    await registered(client, baku_event.id)
    await client.post("/my/travel", data=FILLED)
    cleared = await client.post("/my/travel", data={name: "" for name in FILLED if name != "accessibility"})
    assert cleared.status_code == 303
    row = await row_of()
    assert row["arrival_at"] is None and row["departure_at"] is None and row["accessibility"] == []
    assert row["emergency_contact_phone_enc"] is None and row["emergency_contact_name"] == ""


async def test_departure_before_arrival_is_refused_and_nothing_is_written(client, baku_event):
    await registered(client, baku_event.id)
    response = await client.post(
        "/my/travel", data={**FILLED, "departure_date": "2027-10-10", "dietary": "Vegetarian"}
    )
    assert response.status_code == 422
    assert error_beside(response.text, "departure_at") == "Your departure must be after your arrival"
    assert summary_links(response.text) == ["departure_at"]
    assert value_of(response.text, "departure_date") == "2027-10-10"
    assert "Vegetarian" in response.text
    row = await row_of()
    assert row["arrival_at"] is None and row["dietary"] == "" and row["emergency_contact_phone_enc"] is None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"arrival_date": "2027-02-30"},
            "arrival_at",
            "Enter your arrival as a date and time, like 2027-10-11 18:30",
        ),
        (
            {"arrival_time": "25:61"},
            "arrival_at",
            "Enter your arrival as a date and time, like 2027-10-11 18:30",
        ),
        ({"departure_time": ""}, "departure_at", "Enter both the date and the time of your departure"),
        ({"dietary": "x" * 301}, "dietary", "This answer must be 300 characters or fewer"),
        (
            {"emergency_contact_name": "y" * 101},
            "emergency_contact_name",
            "This answer must be 100 characters or fewer",
        ),
        (
            {"emergency_contact_phone": "call my brother"},
            "emergency_contact_phone",
            "Enter their phone number in the international format, like +977 1 4211000",
        ),
        (
            {"emergency_contact_email": "omar at example"},
            "emergency_contact_email",
            "Enter their e-mail address in the correct format, like name@example.org",
        ),
        ({"accessibility": ["teleportation"]}, "accessibility", "Select access needs from the list"),
    ],
)
async def test_bad_answers_are_explained_beside_their_fields(client, baku_event, changes, field, message):
    await registered(client, baku_event.id)
    response = await client.post("/my/travel", data={**FILLED, **changes})
    assert response.status_code == 422, response.text
    assert error_beside(response.text, field) == message
    assert field in summary_links(response.text)
    row = await row_of()
    assert row["dietary"] == "" and row["arrival_at"] is None


async def test_a_control_character_in_the_contact_name_is_refused(client, baku_event):
    await registered(client, baku_event.id)
    response = await client.post("/my/travel", data={**FILLED, "emergency_contact_name": "Omar\u202eMoussa"})
    assert response.status_code == 422
    assert "emergency_contact_name" in summary_links(response.text)
    assert (await row_of())["emergency_contact_name"] == ""


async def test_errors_are_in_the_page_language(client, baku_event):
    await registered(client, baku_event.id)
    response = await client.post("/my/travel?lang=fr", data={**FILLED, "departure_date": "2027-10-10"})
    assert response.status_code == 422
    assert 'lang="fr"' in response.text
    assert error_beside(response.text, "departure_at") not in (
        None,
        "Your departure must be after your arrival",
    )


async def test_after_the_deadline_the_page_is_read_only_and_posts_are_refused(client, baku_event):
    await registered(client, baku_event.id)
    await client.post("/my/travel", data=FILLED)
    await close_changes(baku_event.id)
    page = await client.get("/my/travel")
    assert page.status_code == 200
    assert "Changes closed on" in page.text and '<form method="post" action="/my/travel"' not in page.text
    assert "18:30" in page.text
    refused = await client.post("/my/travel", data={**FILLED, "dietary": "Vegan"})
    assert refused.status_code == 409
    assert "Changes closed on" in refused.text and "Nothing was changed." in refused.text
    assert (await row_of())["dietary"] == "Halal"
    hub = await client.get("/my/registration")
    section = re.search(r'<section id="travel".*?</section>', hub.text, re.S).group(0)
    assert 'class="button button--secondary" href="/my/travel"' not in section


async def test_a_participant_changes_only_their_own_registration(client, baku_event):
    await registered(client, baku_event.id, AMINA)
    amina = await row_of(AMINA)
    await registered(client, baku_event.id, KOFI)  # now signed in as Kofi
    response = await client.post("/my/travel", data={**FILLED, "registration_id": str(amina["id"])})
    assert response.status_code == 303
    assert (await row_of(AMINA))["dietary"] == "" and (await row_of(KOFI))["dietary"] == "Halal"
    client.cookies.clear()
    assert (await client.get("/my/travel", follow_redirects=False)).status_code in (303, 401)
    anonymous = await client.post("/my/travel", data=FILLED, follow_redirects=False)
    assert anonymous.status_code in (303, 401, 403)


async def test_the_emergency_contact_is_encrypted_at_rest_and_masked(
    client, baku_event, other_event, make_account
):
    await registered(client, baku_event.id)
    await client.post("/my/travel", data=FILLED)
    (raw,) = await Registration.raw(
        "SELECT emergency_contact_phone_enc, emergency_contact_email_enc FROM registration"
    )
    assert (
        "+253" not in raw["emergency_contact_phone_enc"]
        and "example.org" not in raw["emergency_contact_email_enc"]
    )
    assert crypto.decrypt(raw["emergency_contact_phone_enc"]) == "+25377123456"
    assert crypto.decrypt(raw["emergency_contact_email_enc"]) == "omar.moussa@example.org"

    organiser = await make_account(role=Role.organiser, event_id=baku_event.id)
    other = await make_account(role=Role.organiser, event_id=other_event.id)
    row = await row_of()
    listed = await client.get(f"/api/v1/events/{baku_event.id}/registrations", headers=organiser.headers)
    item = listed.json()["items"][0] if "items" in listed.json() else listed.json()[0]
    assert item["emergency_contact_name"] == "Omar Moussa"
    assert (
        item["emergency_contact_phone"] == "••••56" and item["emergency_contact_email"] == "o•••@example.org"
    )
    assert "+25377123456" not in listed.text
    revealed = await client.get(f"/api/v1/registrations/{row['id']}/sensitive", headers=organiser.headers)
    assert revealed.json()["emergency_contact_phone"] == "+25377123456"
    refused = await client.get(f"/api/v1/registrations/{row['id']}/sensitive", headers=other.headers)
    assert refused.status_code in (403, 404) and "+253" not in refused.text
    assert (await client.get(f"/api/v1/registrations/{row['id']}", headers=other.headers)).status_code in (
        403,
        404,
    )


async def test_the_api_takes_the_emergency_contact_with_the_same_rules(client, baku_event, make_account):
    await registered(client, baku_event.id)
    organiser = await make_account(role=Role.organiser, event_id=baku_event.id)
    row = await row_of()
    bad = await client.patch(
        f"/api/v1/registrations/{row['id']}",
        json={"emergency_contact_phone": "12", "emergency_contact_email": "nope"},
        headers=organiser.headers,
    )
    assert bad.status_code == 422
    fields = {error["field"] for error in bad.json()["errors"]}
    assert {"emergency_contact_phone", "emergency_contact_email"} <= fields
    good = await client.patch(
        f"/api/v1/registrations/{row['id']}",
        json={"emergency_contact_name": "Omar", "emergency_contact_phone": CONTACT_PHONE},
        headers=organiser.headers,
    )
    assert good.status_code == 200, good.text
    assert good.json()["emergency_contact_phone"] == "••••56"


async def test_the_retention_purge_erases_the_emergency_contact(client, baku_event):
    await registered(client, baku_event.id)
    await client.post("/my/travel", data=FILLED)
    purged = await retention.purge_sensitive(
        SYSTEM, today=baku_event.end_date + datetime.timedelta(days=10_000)
    )
    assert purged == {baku_event.id: 1}
    row = await row_of()
    assert row["emergency_contact_phone_enc"] is None and row["emergency_contact_email_enc"] is None
    assert row["emergency_contact_name"] == "" and row["emergency_contact_relationship"] == ""
    assert row["dietary"] == "Halal"  # needs are not part of the sensitive data


async def test_the_edit_page_shows_the_contact_in_clear_to_its_participant(client, baku_event):
    await registered(client, baku_event.id)
    await client.post("/my/travel", data=FILLED)
    page = await client.get("/my/registration/edit")
    assert value_of(page.text, "emergency_contact_phone") == "+25377123456"
    assert value_of(page.text, "emergency_contact_name") == "Omar Moussa"


async def test_organisers_sign_in_does_not_open_the_participant_page(client, baku_event, make_account):
    organiser = await make_account(role=Role.organiser, event_id=baku_event.id)
    await sign_in_organiser(client, organiser)
    response = await client.get("/my/travel", follow_redirects=False)
    assert response.status_code != 200 or "Travel and needs" not in response.text


async def test_the_registration_form_takes_the_emergency_contact(client, baku_event):
    form = person(
        emergency_contact_name="Omar Moussa",
        emergency_contact_relationship="Brother",
        emergency_contact_phone=CONTACT_PHONE,
    )
    response = await submit(client, baku_event.id, form)
    assert response.status_code in (200, 303), response.text
    row = await row_of()
    assert row["emergency_contact_name"] == "Omar Moussa"
    assert crypto.decrypt(row["emergency_contact_phone_enc"]) == "+25377123456"
    assert row["emergency_contact_email_enc"] is None


async def test_a_cancelled_registration_shows_its_travel_read_only(client, baku_event):
    await registered(client, baku_event.id)
    await client.post("/my/travel", data=FILLED)
    cancelled = await client.post("/my/registration/cancel", data={"note": ""})
    assert cancelled.status_code == 303
    hub = await client.get("/my/registration")
    assert '<section id="travel"' not in hub.text
    page = await client.get("/my/travel")
    assert "This registration is no longer active" in page.text and 'action="/my/travel"' not in page.text
    refused = await client.post("/my/travel", data={**FILLED, "dietary": "Vegan"})
    assert refused.status_code == 409 and (await row_of())["dietary"] == "Halal"


@pytest.mark.parametrize("lang", ["ar", "zh", "ru", "es"])
async def test_the_page_in_other_languages_is_small_and_translated(client, baku_event, lang):
    await registered(client, baku_event.id)
    page = await client.get(f"/my/travel?lang={lang}")
    assert page.status_code == 200 and f'lang="{lang}"' in page.text
    assert "Travel and needs" not in page.text and "Emergency contact" not in page.text
    assert len(page.content) < 100_000
    if lang == "ar":
        assert 'dir="rtl"' in page.text


async def test_organisers_see_the_contact_masked_until_they_ask_and_the_view_is_logged(
    client, baku_event, make_account
):
    await registered(client, baku_event.id)
    await client.post("/my/travel", data=FILLED)
    row = await row_of()
    organiser = await make_account(Role.organiser, baku_event.id)
    client.cookies.clear()
    await sign_in_organiser(client, organiser)
    detail = await client.get(f"/organiser/registrations/{row['id']}")
    assert "Omar Moussa" in detail.text and "••••56" in detail.text and "+25377123456" not in detail.text
    shown = await client.post(f"/organiser/registrations/{row['id']}/sensitive")
    assert (
        shown.status_code == 200 and "+25377123456" in shown.text and "omar.moussa@example.org" in shown.text
    )
    assert await AuditEntry.exists().where(
        AuditEntry.action == "registration.sensitive_viewed", AuditEntry.actor == organiser.user_id
    )
