"""The console's programme tab: the event's settings and its sessions, edited through the pages
(no JavaScript) with the programme services behind them — their audit entries, their warnings and
their refusals shown readably."""

from __future__ import annotations

import json
import re

import msgspec
import pytest

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.programme.tables import Event, Session
from tests.factories import SYSTEM
from tests.test_visits_api import _scenario
from tests.test_visits_changes import _place
from tests.test_web import sign_in_organiser

SESSION = {
    "title": "Opening plenary",
    "kind": "plenary",
    "starts_at": "2027-10-12T09:00",
    "ends_at": "2027-10-12T10:30",
    "room": "Hall A",
    "capacity": "",
    "description": "",
}


@pytest.fixture
async def signed_in(client, event, event_organiser):
    await sign_in_organiser(client, event_organiser)
    return client, event


def _programme(event_id: int) -> str:
    return f"/organiser/events/{event_id}/programme"


async def _create(client, event_id: int, **changes) -> int:
    response = await client.post(f"{_programme(event_id)}/sessions", data={**SESSION, **changes})
    assert response.status_code == 303, response.text
    [row] = await Session.select(Session.id).where(Session.title == changes.get("title", SESSION["title"]))
    return row["id"]


async def _actions(object_type: str, object_id: int) -> list[tuple[str, dict]]:
    rows = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.data)
        .where(AuditEntry.object_type == object_type, AuditEntry.object_id == str(object_id))
        .order_by(AuditEntry.id)
    )
    return [
        (row["action"], json.loads(row["data"]) if isinstance(row["data"], str) else row["data"])
        for row in rows
    ]


async def test_a_session_is_created_edited_moved_and_cancelled_through_the_pages(signed_in):
    client, event = signed_in
    empty = await client.get(_programme(event.id))
    assert empty.status_code == 200
    assert 'aria-current="page"' in empty.text and "No sessions yet." in empty.text
    assert 'name="time_zone"' in empty.text and 'value="Asia/Baku"' in empty.text

    created = await client.post(f"{_programme(event.id)}/sessions", data=SESSION)
    assert created.status_code == 303 and created.headers["location"] == _programme(event.id)
    listing = await client.get(_programme(event.id))
    assert "Session “Opening plenary” created" in listing.text
    [session] = await programme_services.list_sessions(event.id)
    assert session.starts_at.isoformat() == "2027-10-12T09:00:00+04:00"  # typed at the venue
    assert f'href="{_programme(event.id)}/sessions/{session.id}"' in listing.text
    assert 'datetime="2027-10-12T09:00:00+04:00"' in listing.text and "Hall A" in listing.text
    assert 'class="table stacked programme-sessions"' in listing.text
    assert len(listing.content) < 40_000  # with every country in the select: room for many sessions

    page = f"{_programme(event.id)}/sessions/{session.id}"
    form = await client.get(page)
    assert 'type="datetime-local" value="2027-10-12T09:00"' in form.text

    moved = await client.post(
        page,
        data={**SESSION, "starts_at": "2027-10-13T14:00", "ends_at": "2027-10-13T15:00", "room": "Hall B"},
    )
    assert moved.status_code == 303 and moved.headers["location"] == page
    shown = await client.get(page)
    assert "Session “Opening plenary” saved" in shown.text
    stored = await programme_services.get_session(event.id, session.id)
    assert (stored.starts_at.isoformat(), stored.room) == ("2027-10-13T14:00:00+04:00", "Hall B")

    cancelled = await client.post(f"{page}/cancel", data={"cancelled": "true"})
    assert cancelled.status_code == 303
    assert (await programme_services.get_session(event.id, session.id)).cancelled
    listing = await client.get(_programme(event.id))
    assert "<del>Opening plenary</del>" in listing.text and "Cancelled" in listing.text
    restore = await client.get(page)
    assert "Restore session" in restore.text
    await client.post(f"{page}/cancel", data={"cancelled": "false"})
    assert not (await programme_services.get_session(event.id, session.id)).cancelled

    audit = await _actions("session", session.id)
    assert [action for action, _ in audit] == [
        "session.created",
        "session.updated",
        "session.cancelled",
        "session.updated",
    ]
    # only what the organiser changed is sent, so the audit entry names the move
    assert audit[1][1]["fields"] == ["ends_at", "room", "starts_at"]
    assert audit[2][1]["fields"] == ["cancelled"]

    deleted = await client.post(f"{page}/delete")
    assert deleted.status_code == 303
    assert await Session.count().where(Session.id == session.id) == 0
    assert [action for action, _ in await _actions("session", session.id)][-1] == "session.deleted"


async def test_bad_input_is_shown_beside_the_field_and_nothing_is_saved(signed_in):
    client, event = signed_in
    blank = await client.post(
        f"{_programme(event.id)}/sessions", data={**SESSION, "title": "", "starts_at": "soon"}
    )
    assert blank.status_code == 422
    assert 'id="field-title-error"' in blank.text and "Enter a title" in blank.text
    assert 'id="field-starts_at-error"' in blank.text and "Enter the start as a date and time" in blank.text
    assert 'value="soon"' in blank.text  # what was typed stays

    backwards = await client.post(
        f"{_programme(event.id)}/sessions", data={**SESSION, "ends_at": "2027-10-12T08:00"}
    )
    assert backwards.status_code == 422
    error = re.search(r'id="field-ends_at-error">(.*?)</p>', backwards.text, re.S)
    assert error and "The end must be after the start" in error.group(1)

    outside = await client.post(
        f"{_programme(event.id)}/sessions",
        data={**SESSION, "starts_at": "2027-11-01T09:00", "ends_at": "2027-11-01T10:00"},
    )
    error = re.search(r'id="field-starts_at-error">(.*?)</p>', outside.text, re.S)
    assert error and "within the event" in error.group(1) and "2027-10-12" in error.group(1)
    assert await Session.count().where(Session.event == event.id) == 0

    settings = {
        "title": event.title,
        "kind": "symposium",
        "venue": event.venue,
        "city": event.city,
        "country": "AZE",
        "time_zone": "Mars/Olympus",
        "start_date": "2027-10-12",
        "end_date": "2027-10-14",
        "capacity": "100",
        "languages": ["en"],
    }
    zone = await client.post(_programme(event.id), data=settings)
    assert zone.status_code == 422
    assert 'id="field-time_zone-error"' in zone.text and "like Asia/Baku" in zone.text
    assert 'value="Mars/Olympus"' in zone.text
    settings = await client.post(
        _programme(event.id), data={**settings, "time_zone": "Asia/Baku", "end_date": "2027-10-11"}
    )
    assert settings.status_code == 422
    assert 'id="field-end_date-error"' in settings.text
    assert "The last day must be on or after the first day" in settings.text
    assert (await programme_services.get_event(event.id)).end_date.isoformat() == "2027-10-14"


async def test_the_event_settings_are_saved_with_only_the_changes_audited(signed_in):
    client, event = signed_in
    form = await client.get(_programme(event.id))
    assert 'id="field-languages"' in form.text
    data = {
        "title": "Renamed symposium",
        "kind": "symposium",
        "partner": "",
        "venue": event.venue,
        "city": event.city,
        "country": "AZE",
        "time_zone": "Asia/Baku",
        "start_date": "2027-10-12",
        "end_date": "2027-10-14",
        "capacity": "120",
        "registration_opens_at": "",
        "registration_closes_at": "2027-10-01T18:00",
        "languages": ["en", "fr"],
        "auto_approve": "true",
    }
    saved = await client.post(_programme(event.id), data=data)
    assert saved.status_code == 303, saved.text
    stored = await programme_services.get_event(event.id)
    assert (stored.title, stored.capacity, stored.languages, stored.auto_approve) == (
        "Renamed symposium",
        120,
        ["en", "fr"],
        True,
    )
    assert stored.registration_closes_at.isoformat() == "2027-10-01T18:00:00+04:00"
    [*_, (action, entry)] = await _actions("event", event.id)
    assert action == "event.updated"
    assert entry["fields"] == ["auto_approve", "capacity", "languages", "registration_closes_at", "title"]


async def test_a_session_moved_onto_booked_visits_shows_the_warnings(client, event, event_organiser):
    s = await _scenario(client, event, event_organiser.headers)
    slot = s["a"]  # 10:00-12:00 on the first day
    for registration_id in list(s["people"].values())[:2]:
        await _place(client, event, event_organiser.headers, registration_id, slot["id"])
    await sign_in_organiser(client, event_organiser)
    session_id = await _create(
        client, event.id, title="Closing plenary", starts_at="2027-10-12T15:00", ends_at="2027-10-12T16:00"
    )
    page = f"{_programme(event.id)}/sessions/{session_id}"
    assert "programme-warnings" not in (await client.get(page)).text

    moved = await client.post(
        page,
        data={
            **SESSION,
            "title": "Closing plenary",
            "starts_at": "2027-10-12T11:00",
            "ends_at": "2027-10-12T11:45",
        },
    )
    assert moved.status_code == 303 and moved.headers["location"] == f"{page}#warnings"
    shown = await client.get(page)
    assert "Session saved, with 1 warning(s): read them below" in shown.text
    assert 'id="warnings"' in shown.text and "would miss this session" in shown.text
    assert "Warnings (1)" in shown.text
    assert (
        await programme_services.get_session(event.id, session_id)
    ).starts_at.hour == 11  # saved all the same
    [*_, (action, entry)] = await _actions("session", session_id)
    assert action == "session.updated" and len(entry["warnings"]) == 1


async def test_a_session_that_cannot_be_deleted_says_why(client, event, event_organiser):
    await _scenario(client, event, event_organiser.headers)
    await sign_in_organiser(client, event_organiser)
    [workshop] = await Session.select(Session.id).where(Session.title == "Optional workshop")
    page = f"{_programme(event.id)}/sessions/{workshop['id']}"
    refused = await client.post(f"{page}/delete")
    assert refused.status_code == 303 and refused.headers["location"] == page
    shown = await client.get(page)
    assert "Not deleted: 1 participant(s) signed up for this session. Cancel it instead" in shown.text
    await client.post(f"{page}/delete")
    in_french = await client.get(page, params={"lang": "fr"})
    assert "Non supprimée : 1 participant(s) inscrit(s) à cette séance. Annulez-la plutôt" in in_french.text
    assert await Session.count().where(Session.id == workshop["id"]) == 1  # a participant signed up for it


async def test_another_events_organiser_is_refused(client, event, other_organiser):
    session = await programme_services.create_session(
        SYSTEM,
        event.id,
        msgspec.convert(
            {
                "title": "Plenary",
                "kind": "plenary",
                "starts_at": "2027-10-12T09:00:00",
                "ends_at": "2027-10-12T10:00:00",
            },
            programme_schemas.SessionCreate,
        ),
    )
    await sign_in_organiser(client, other_organiser)
    base = _programme(event.id)
    assert (await client.get(base)).status_code == 403
    assert (await client.get(f"{base}/sessions/{session.id}")).status_code == 403
    assert (await client.post(f"{base}/sessions", data=SESSION)).status_code == 403
    moved = await client.post(
        f"{base}/sessions/{session.id}", data={**SESSION, "starts_at": "2027-10-13T09:00"}
    )
    assert moved.status_code == 403
    assert (await client.post(f"{base}/sessions/{session.id}/cancel")).status_code == 403
    assert (await client.post(f"{base}/sessions/{session.id}/delete")).status_code == 403
    stored = await programme_services.get_session(event.id, session.id)
    assert (stored.starts_at.day, stored.cancelled) == (12, False)
    assert (await client.get("/organiser/events/new")).status_code == 403


async def test_a_programme_organiser_creates_an_event(client, programme, programme_organiser, make_account):
    await sign_in_organiser(client, programme_organiser)
    home = await client.get("/organiser")
    assert 'href="/organiser/events/new"' in home.text
    form = await client.get("/organiser/events/new")
    assert form.status_code == 200 and f'<option value="{programme.id}" selected>' in form.text
    data = {
        "programme_id": str(programme.id),
        "slug": "kigali-2028",
        "title": "Kigali forum",
        "kind": "regional_forum",
        "partner": "ECA",
        "venue": "Convention Centre",
        "city": "Kigali",
        "country": "RWA",
        "time_zone": "Africa/Kigali",
        "start_date": "2028-03-06",
        "end_date": "2028-03-08",
        "capacity": "80",
        "languages": ["en", "fr"],
    }
    bad = await client.post("/organiser/events/new", data={**data, "slug": "Kigali 2028", "capacity": "0"})
    assert bad.status_code == 422
    assert 'id="field-slug-error"' in bad.text and 'id="field-capacity-error"' in bad.text
    assert await Event.count().where(Event.slug == "kigali-2028") == 0

    created = await client.post("/organiser/events/new", data=data)
    assert created.status_code == 303, created.text
    [row] = await Event.select(Event.id, Event.partner).where(Event.slug == "kigali-2028")
    assert created.headers["location"] == _programme(row["id"]) and row["partner"] == "ECA"
    assert [action for action, _ in await _actions("event", row["id"])] == ["event.created"]
    taken = await client.post("/organiser/events/new", data=data)
    assert taken.status_code == 422 and "This short name is taken" in taken.text

    event_only = await make_account(Role.organiser, row["id"])
    await sign_in_organiser(client, event_only)
    assert 'href="/organiser/events/new"' not in (await client.get("/organiser")).text
    assert (
        await client.post("/organiser/events/new", data={**data, "slug": "other-2028"})
    ).status_code == 403


async def test_the_pages_speak_the_organisers_language(signed_in):
    client, event = signed_in
    page = await client.get(f"{_programme(event.id)}/sessions/new?lang=fr")
    assert page.status_code == 200 and 'lang="fr"' in page.text
    assert "<h1>Nouvelle séance</h1>" in page.text and "Heures du lieu (Asia/Baku)" in page.text
