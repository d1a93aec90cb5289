"""The participant's study-visit pages: the rules, ranking up to five visits in plain selects
(saved through the preferences service, errors beside their select), the deadline, the assigned
visit with its travel details, the notice when an organiser changes it, and nobody else's data."""

from __future__ import annotations

import datetime
import html
import re

import msgspec
import pytest

from events.db import write_transaction
from events.registration import access, submission
from events.registration import schemas as registration_schemas
from events.registration.tables import Channel
from events.visits.tables import VisitPreference
from tests.factories import SYSTEM

API = "/api/v1"
WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
VENUE = (40.40, 49.85)
NEAR = (40.41, 49.87)
FAR = (40.59, 49.67)


# --- factories (after tests/test_visits_api.py) ---------------------------------------------------------


async def make_site(client, headers, name: str, where=NEAR, **overrides) -> dict:
    body = {
        "name": name,
        "city": "Baku",
        "address": "1 Example Street",
        "latitude": where[0],
        "longitude": where[1],
        "opening_hours": WEEKDAYS,
        "group_capacity": 20,
        "step_free": True,
        "guide_languages": ["az", "en"],
        "contact_name": "Leyla Aliyeva",
        "contact_phone": "+994 12 000 00 00",
        **overrides,
    }
    response = await client.post(f"{API}/visit-sites", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def make_vehicle(client, event, headers, name: str, seats: int = 10, step_free_seats: int = 1, **more):
    response = await client.post(
        f"{API}/events/{event.id}/visits/vehicles",
        json={"name": name, "seats": seats, "step_free_seats": step_free_seats, **more},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def make_slot(
    client, event, headers, site, vehicles, start="2027-10-12T10:00:00", end="2027-10-12T12:00:00", **more
):
    body = {
        "site_id": site["id"],
        "starts_at": start,
        "ends_at": end,
        "vehicle_ids": [v["id"] for v in vehicles],
        "guide_language": "en",
        **more,
    }
    response = await client.post(f"{API}/events/{event.id}/visits/slots", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def register(event_id: int, email: str, **overrides) -> int:
    body = {
        "given_names": "Amina",
        "family_name": "Moussa",
        "email": email,
        "gender": "female",
        "nationality": "DJ",
        "country_represented": "DJI",
        "institution": "Cabinet Office",
        "position": "Director of e-Government",
        "level": "high",
        "preferred_language": "en",
        "consent": True,
        **overrides,
    }
    data = msgspec.convert(body, registration_schemas.RegistrationCreate)
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
    )
    return result.registration.id


async def sign_in(client, registration_id: int) -> None:
    async with write_transaction():
        link = await access.issue_magic_link(registration_id)
    client.cookies.clear()
    response = await client.post("/my/registration/sign-in", data={"token": link.split("#token=")[1]})
    assert response.status_code == 303, response.text


@pytest.fixture
def organiser(event_organiser):
    return event_organiser.headers


@pytest.fixture
async def visits(client, event, organiser):
    """Two sites (one step-free, one with stairs and sign language), a coach and a van, three
    slots; two participants."""
    step_free = await make_site(client, organiser, "Step-free centre", hearing_loop=True)
    stairs = await make_site(
        client,
        organiser,
        "Old building",
        where=FAR,
        step_free=False,
        sign_language_on_request=True,
        guide_languages=["ru"],
    )
    response = await client.patch(
        f"{API}/events/{event.id}/visits/settings",
        json={"venue_latitude": VENUE[0], "venue_longitude": VENUE[1], "default_meeting_point": "Main gate"},
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    coach = await make_vehicle(
        client, event, organiser, "Coach 1", driver_name="Rashad", driver_phone="+994 50 1"
    )
    van = await make_vehicle(client, event, organiser, "Van 2", seats=1, step_free_seats=0)
    morning = await make_slot(client, event, organiser, step_free, [coach], meeting_point="North entrance")
    afternoon = await make_slot(
        client, event, organiser, step_free, [coach], start="2027-10-13T14:00:00", end="2027-10-13T16:00:00"
    )
    old = await make_slot(client, event, organiser, stairs, [van], guide_language="ru")
    me = await register(event.id, "me@example.org")
    other = await register(event.id, "other@example.org", given_names="Otherperson", family_name="Hidden")
    return {
        "sites": (step_free, stairs),
        "slots": (morning, afternoon, old),
        "coach": coach,
        "van": van,
        "me": me,
        "other": other,
    }


def error_beside(page: str, field: str) -> str | None:
    found = re.search(
        rf'id="field-{field}-error"><span class="visually-hidden">[^<]*</span> ([^<]+)</p>', page
    )
    return html.unescape(found.group(1)) if found else None


def selected(page: str, field: str) -> str | None:
    block = re.search(rf'<select[^>]*name="{field}".*?</select>', page, re.S).group(0)
    found = re.search(r'<option value="([^"]*)" selected>', block)
    return found.group(1) if found else None


async def _choices(registration_id: int) -> list[tuple[int | None, int | None]]:
    rows = (
        await VisitPreference.select()
        .where(VisitPreference.registration == registration_id)
        .order_by(VisitPreference.rank)
    )
    return [(row["slot"], row["site"]) for row in rows]


async def _place(client, event, organiser, registration_id: int, slot_id: int, **more) -> dict:
    response = await client.post(
        f"{API}/events/{event.id}/visits/assignments",
        json={"registration_id": registration_id, "slot_id": slot_id, **more},
        headers=organiser,
    )
    assert response.status_code == 201, response.text
    return response.json()


# --- the rules and the form ----------------------------------------------------------------------------------


async def test_the_page_needs_a_signed_in_participant(client, visits):
    response = await client.get("/my/visits", follow_redirects=False)
    assert response.status_code in (302, 303, 401)
    assert "Rank your visits" not in response.text


async def test_rules_and_five_selects_listing_every_slot_and_site(client, event, visits):
    await sign_in(client, visits["me"])
    page = await client.get("/my/visits")
    assert page.status_code == 200, page.text
    text = html.unescape(page.text)
    assert "How choosing works" in text and "Rank up to 5 visits" in text
    assert "(the start of the event)" in text and "12 Oct 2027" in text
    assert "Asia/Baku" in text
    assert "Step-free access" in text and "Not step-free: there are steps" in text
    assert "Sign language on request" in text and "Hearing loop" in text
    assert "Guide languages: Azerbaijani, English" in text and "Russian" in text
    for n, label in enumerate(("1st choice", "2nd choice", "3rd choice", "4th choice", "5th choice"), 1):
        assert f'<label class="label" for="field-choice_{n}">{label}</label>' in page.text
    assert 'name="choice_6"' not in page.text
    morning, _afternoon, old = visits["slots"]
    step_free, stairs = visits["sites"]
    block = re.search(r'<select[^>]*name="choice_1".*?</select>', text, re.S).group(0)
    assert f'value="slot:{morning["id"]}"' in block and f'value="slot:{old["id"]}"' in block
    assert f'value="site:{step_free["id"]}"' in block and f'value="site:{stairs["id"]}"' in block
    assert "Step-free centre – 12 Oct 2027, 10:00–12:00 · guide: English · step-free" in block
    assert "Old building – 12 Oct 2027, 10:00–12:00 · guide: Russian · sign language" in block
    assert "Old building – any time" in block
    assert "You have not chosen any visits yet." in text
    assert "drag" not in text.lower()
    assert len(page.content) < 100_000


async def test_a_slot_without_free_seats_is_marked_full(client, event, organiser, visits):
    old = visits["slots"][2]  # the van: one seat
    await sign_in(client, visits["me"])
    before = html.unescape((await client.get("/my/visits")).text)
    assert "Old building – 12 Oct 2027, 10:00–12:00 · guide: Russian · sign language<" in before
    await _place(client, event, organiser, visits["other"], old["id"])
    after = html.unescape((await client.get("/my/visits")).text)
    assert "Old building – 12 Oct 2027, 10:00–12:00 · guide: Russian · sign language · full<" in after
    assert "Otherperson" not in after


async def test_choices_are_saved_through_the_service_and_shown_ranked(client, event, visits):
    await sign_in(client, visits["me"])
    _morning, afternoon, old = visits["slots"]
    step_free, _stairs = visits["sites"]
    saved = await client.post(
        "/my/visits",
        data={
            "choice_1": f"slot:{old['id']}",
            "choice_2": "",
            "choice_3": f"site:{step_free['id']}",
            "choice_4": f"slot:{afternoon['id']}",
            "choice_5": "",
        },
    )
    assert saved.status_code == 303, saved.text
    assert await _choices(visits["me"]) == [
        (old["id"], None),
        (None, step_free["id"]),
        (afternoon["id"], None),
    ]
    page = await client.get("/my/visits")
    text = html.unescape(page.text)
    assert "Your visit choices are saved" in text
    ranking = re.search(r"<ol class=\"visit-ranking\".*?</ol>", text, re.S).group(0)
    assert re.findall(r"<li><bdi>([^<]+)</bdi></li>", ranking) == [
        "Old building – 12 Oct 2027, 10:00–12:00 · guide: Russian · sign language",
        "Step-free centre – any time",
        "Step-free centre – 13 Oct 2027, 14:00–16:00 · guide: English · step-free",
    ]
    # The form shows them again, compacted in rank order.
    assert selected(page.text, "choice_1") == f"slot:{old['id']}"
    assert selected(page.text, "choice_2") == f"site:{step_free['id']}"
    assert selected(page.text, "choice_3") == f"slot:{afternoon['id']}"
    assert selected(page.text, "choice_4") is None
    # The audit trail is the service's.
    api = await client.get(f"{API}/registrations/{visits['me']}/visit-preferences", headers={})
    assert api.status_code in (401, 403)  # the page's cookie is not an API token

    hub = await client.get("/my/registration")
    assert 'id="visits-title"' in hub.text and "Visits you have ranked: 3." in hub.text
    assert "Rank your study visits by" in html.unescape(hub.text)

    withdrawn = await client.post("/my/visits", data={name: "" for name in ("choice_1", "choice_2")})
    assert withdrawn.status_code == 303 and await _choices(visits["me"]) == []


async def test_duplicate_and_unknown_choices_are_shown_beside_their_select(
    client, event, visits, other_event
):
    await sign_in(client, visits["me"])
    morning, _afternoon, old = visits["slots"]
    twice = await client.post(
        "/my/visits",
        data={
            "choice_1": f"slot:{morning['id']}",
            "choice_2": f"slot:{old['id']}",
            "choice_4": f"slot:{morning['id']}",
        },
    )
    assert twice.status_code == 422, twice.text
    assert error_beside(twice.text, "choice_4") == (
        "You chose this visit twice. Choose another one, or leave this choice empty"
    )
    assert error_beside(twice.text, "choice_1") is None and "There is a problem" in twice.text
    assert 'href="#field-choice_4"' in twice.text
    assert selected(twice.text, "choice_2") == f"slot:{old['id']}"  # what they chose stays
    assert await _choices(visits["me"]) == []  # nothing half-written

    unknown = await client.post("/my/visits", data={"choice_1": "slot:999999", "choice_2": "banana"})
    assert unknown.status_code == 422
    assert error_beside(unknown.text, "choice_2") == "Choose one of the visits in the list"
    gone = await client.post("/my/visits", data={"choice_2": "slot:999999"})
    assert gone.status_code == 422
    assert error_beside(gone.text, "choice_2") == "This visit is no longer offered. Choose another one"
    assert await _choices(visits["me"]) == []


async def test_after_the_deadline_the_choices_are_read_only(client, event, visits, monkeypatch):
    await sign_in(client, visits["me"])
    morning = visits["slots"][0]
    assert (await client.post("/my/visits", data={"choice_1": f"slot:{morning['id']}"})).status_code == 303
    started = datetime.datetime(2027, 10, 12, 0, 0, tzinfo=datetime.UTC)
    monkeypatch.setattr("events.visits.preferences.now", lambda: started)
    page = await client.get("/my/visits")
    assert "Visit choices can no longer be changed: the event has started" in page.text
    assert '<form method="post" action="/my/visits"' not in page.text
    assert "Step-free centre" in re.search(r'<ol class="visit-ranking".*?</ol>', page.text, re.S).group(0)
    late = await client.post("/my/visits", data={"choice_1": f"slot:{visits['slots'][2]['id']}"})
    assert late.status_code == 422
    assert "Visit choices can no longer be changed: the event has started" in late.text
    assert await _choices(visits["me"]) == [(morning["id"], None)]
    hub = await client.get("/my/registration")
    assert "The visits are being scheduled" in hub.text


async def test_a_cancelled_registration_cannot_rank(client, event, visits):
    await sign_in(client, visits["me"])
    assert (await client.post("/my/registration/cancel", data={"note": ""})).status_code == 303
    page = await client.get("/my/visits")
    assert page.status_code == 200
    assert "Your registration is not active, so you cannot choose study visits" in page.text
    refused = await client.post("/my/visits", data={"choice_1": f"slot:{visits['slots'][0]['id']}"})
    assert refused.status_code == 422
    assert "Your registration is not active, so you cannot choose study visits" in refused.text
    assert await _choices(visits["me"]) == []


async def test_an_event_without_visits_shows_no_section(client, make_event):
    bare = await make_event()
    me = await register(bare.id, "bare@example.org")
    await sign_in(client, me)
    hub = await client.get("/my/registration")
    assert 'id="visits-title"' not in hub.text
    page = await client.get("/my/visits")
    assert "No study visits are offered for this event yet" in page.text and "<select" not in page.text


# --- the assignment ------------------------------------------------------------------------------------------


async def test_the_assigned_visit_shows_everything_for_the_day(client, event, organiser, visits):
    morning = visits["slots"][0]
    noted = await client.patch(
        f"/api/v1/events/{event.id}/visits/slots/{morning['id']}",
        json={"notes": "Bring a passport copy and water"},
        headers=organiser,
    )
    assert noted.status_code == 200, noted.text
    await _place(client, event, organiser, visits["me"], morning["id"], vehicle_id=visits["coach"]["id"])
    await _place(client, event, organiser, visits["other"], morning["id"])
    await sign_in(client, visits["me"])
    page = await client.get("/my/visits")
    text = html.unescape(page.text)
    visit = re.search(r'<section class="my-visit".*?</section>', text, re.S).group(0)
    assert "Step-free centre" in visit
    assert "12 Oct 2027, 10:00–12:00" in visit and "+04:00" in visit
    assert "North entrance" in visit
    departs = datetime.datetime.fromisoformat(morning["departs_at"]).strftime("%H:%M")
    assert f"<dt>Departure</dt><dd>{departs}" in visit
    assert "Coach 1" in visit and "step-free seats (lift or ramp)" in visit
    assert "1 Example Street" in visit and "Baku" in visit
    assert "What to bring" in visit and "Your badge" in visit and "Bring a passport copy and water" in visit
    assert "Rashad" in visit and 'href="tel:+994501"' in visit
    assert "Otherperson" not in text and "other@example.org" not in text
    assert "Leyla" not in text  # the site's contact is for organisers
    assert "was changed" not in text  # a first visit is no change

    hub = await client.get("/my/registration")
    assert f"departure {departs} from" in html.unescape(hub.text) and 'href="/my/visits"' in hub.text


async def test_a_change_by_an_organiser_is_noticed_on_the_page(client, event, organiser, visits):
    morning, _afternoon, _ = visits["slots"]
    await _place(client, event, organiser, visits["me"], morning["id"])
    moved = await client.patch(
        f"{API}/events/{event.id}/visits/slots/{morning['id']}",
        json={"meeting_point": "South car park"},
        headers=organiser,
    )
    assert moved.status_code == 200, moved.text
    await sign_in(client, visits["me"])
    page = await client.get("/my/visits")
    text = html.unescape(page.text)
    assert 'data-visit-change="updated"' in text and "Your visit was changed on " in text
    notice = re.search(r'<div class="notice visit-change".*?</div>', text, re.S).group(0)
    assert re.findall(r'data-changed="(\w+)">([^<]*)<bdi>([^<]*)</bdi>([^<]*)<bdi>([^<]*)</bdi>', notice) == [
        ("meeting_point", "Meeting point: was ", "North entrance", ", now ", "South car park")
    ]
    details = re.search(r'<section class="my-visit".*?</section>', text, re.S).group(0)
    assert "South car park" in details and "North entrance" not in details
    hub = await client.get("/my/registration")
    assert "Your visit was changed on " in html.unescape(hub.text)

    # The other participant, not on the slot, sees nothing of it.
    await sign_in(client, visits["other"])
    theirs = await client.get("/my/visits")
    assert "was changed" not in theirs.text and 'class="my-visit"' not in theirs.text


async def test_a_visit_taken_away_and_given_again_is_a_move(client, event, organiser, visits):
    morning, afternoon, _ = visits["slots"]
    placed = await _place(client, event, organiser, visits["me"], morning["id"])
    removed = await client.delete(
        f"{API}/events/{event.id}/visits/assignments/{placed['id']}", headers=organiser
    )
    assert removed.status_code == 204
    await sign_in(client, visits["me"])
    cancelled = html.unescape((await client.get("/my/visits")).text)
    assert 'data-visit-change="cancelled"' in cancelled and "Your study visit was cancelled on" in cancelled
    await _place(client, event, organiser, visits["me"], afternoon["id"])
    page = html.unescape((await client.get("/my/visits")).text)
    assert 'data-visit-change="moved"' in page and "moved you to another visit" in page
    assert "13 Oct 2027, 14:00–16:00" in page
    assert 'data-changed="date">Date: was <bdi>12 October 2027</bdi>, now <bdi>13 October 2027</bdi>' in page


async def test_the_page_speaks_the_participants_language(client, event, visits):
    await sign_in(client, visits["me"])
    page = await client.get("/my/visits", params={"lang": "fr"})
    text = html.unescape(page.text)
    assert "1er choix" in text and "anglais" in text
    arabic = await client.get("/my/visits", params={"lang": "ar"})
    assert 'dir="rtl"' in arabic.text
