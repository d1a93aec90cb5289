"""My agenda: joining and leaving optional sessions (services, races on PostgreSQL) and the agenda page
(venue and own time zones, compulsory and cancelled sessions, join/leave without JavaScript)."""

from __future__ import annotations

import contextlib
import datetime
import html
import re

import msgspec
import pytest

from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.errors import Conflict, NotFound
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.reference.time_zones import country_time_zone
from events.registration import access, editing, moderation, schemas, signups, submission
from events.registration.tables import Channel, Registration, SessionSignup
from events.web.my import agenda
from tests.factories import SYSTEM
from tests.test_web import person, sign_in_participant, submit


async def add_session(event_id: int, title: str, start: str, end: str, **values) -> programme_schemas.Session:
    data = msgspec.convert(
        {"title": title, "kind": "plenary", "starts_at": start, "ends_at": end, **values},
        programme_schemas.SessionCreate,
    )
    return await programme_services.create_session(SYSTEM, event_id, data)


async def cancel_session(event_id: int, session_id: int) -> None:
    await programme_services.update_session(
        SYSTEM, event_id, session_id, programme_schemas.SessionUpdate(cancelled=True)
    )


@pytest.fixture
async def agenda_event(make_event):
    """An event in Baku taking registrations now, with compulsory, optional and cancelled sessions."""
    moment = datetime.datetime.now(datetime.UTC)
    event = await make_event(
        registration_opens_at=(moment - datetime.timedelta(days=1)).isoformat(),
        registration_closes_at=(moment + datetime.timedelta(days=30)).isoformat(),
    )
    sessions = {
        "opening": await add_session(
            event.id, "Opening plenary", "2027-10-12T09:00:00", "2027-10-12T10:30:00", room="Hall A"
        ),
        "dropped": await add_session(event.id, "Dropped panel", "2027-10-12T11:00:00", "2027-10-12T12:00:00"),
        "workshop": await add_session(
            event.id,
            "Workshop on ASAN centres",
            "2027-10-13T14:00:00",
            "2027-10-13T17:00:00",
            optional=True,
            capacity=2,
            room="Room 3",
        ),
        "tour": await add_session(
            event.id, "City tour", "2027-10-14T08:00:00", "2027-10-14T09:00:00", optional=True
        ),
        "gone": await add_session(
            event.id, "Cancelled side event", "2027-10-14T18:00:00", "2027-10-14T19:00:00", optional=True
        ),
    }
    await cancel_session(event.id, sessions["dropped"].id)
    await cancel_session(event.id, sessions["gone"].id)
    return event, sessions


async def register(event_id: int, email: str, **overrides) -> tuple[Actor, schemas.Registration]:
    form = {key: value for key, value in person(email, **overrides).items()}
    data = msgspec.convert(form, schemas.RegistrationCreate, strict=False)
    result = await submission.submit(data, event_id=event_id, channel=Channel.self_service)
    registration = result.registration
    return Actor.participant(registration.id, registration.reference), registration


# --- services ------------------------------------------------------------------------------------


async def test_join_and_leave_take_and_free_a_seat_and_are_audited(agenda_event):
    event, sessions = agenda_event
    actor, registration = await register(event.id, "a@example.org")
    workshop = sessions["workshop"].id
    joined = await signups.join_session(actor, registration.id, workshop)
    assert joined.sessions == [workshop]
    again = await signups.join_session(actor, registration.id, workshop)
    assert again.sessions == [workshop]
    assert (await signups.seats_left(event.id))[workshop] == 1
    left = await signups.leave_session(actor, registration.id, workshop)
    assert left.sessions == []
    await signups.leave_session(actor, registration.id, workshop)
    assert (await signups.seats_left(event.id))[workshop] == 2
    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert actions.count("registration.session_joined") == 1
    assert actions.count("registration.session_left") == 1


async def test_a_full_session_is_a_conflict_and_leaving_frees_the_seat(agenda_event, client):
    event, sessions = agenda_event
    workshop = sessions["workshop"].id
    people = [await register(event.id, f"p{n}@example.org") for n in range(3)]
    for actor, registration in people[:2]:
        await signups.join_session(actor, registration.id, workshop)
    third_actor, third = people[2]
    with pytest.raises(Conflict) as refused:
        await signups.join_session(third_actor, third.id, workshop)
    assert refused.value.status_code == 409 and refused.value.extra["sessions_full"] == [workshop]
    assert await SessionSignup.count().where(SessionSignup.session == workshop) == 2
    await signups.leave_session(*people[0][0:1], people[0][1].id, workshop)
    await signups.join_session(third_actor, third.id, workshop)
    assert await SessionSignup.count().where(SessionSignup.registration == third.id) == 1


async def test_the_edit_form_counts_the_same_seats(agenda_event):
    event, sessions = agenda_event
    workshop = sessions["workshop"].id
    for n in range(2):
        actor, registration = await register(event.id, f"j{n}@example.org")
        await signups.join_session(actor, registration.id, workshop)
    actor, registration = await register(event.id, "editor@example.org")
    with pytest.raises(Conflict) as refused:
        await editing.update(actor, registration.id, schemas.RegistrationUpdate(session_ids=[workshop]))
    assert refused.value.extra["sessions_full"] == [workshop]


async def test_cancelled_compulsory_and_foreign_sessions_cannot_be_joined(agenda_event, make_event):
    event, sessions = agenda_event
    actor, registration = await register(event.id, "c@example.org")
    with pytest.raises(Conflict) as cancelled:
        await signups.join_session(actor, registration.id, sessions["gone"].id)
    assert "session_cancelled" in cancelled.value.extra
    with pytest.raises(Conflict) as compulsory:
        await signups.join_session(actor, registration.id, sessions["opening"].id)
    assert "session_optional" in compulsory.value.extra
    other = await make_event()
    foreign = await add_session(
        other.id, "Elsewhere", "2027-10-12T09:00:00", "2027-10-12T10:00:00", optional=True
    )
    with pytest.raises(NotFound):
        await signups.join_session(actor, registration.id, foreign.id)
    assert await SessionSignup.count() == 0


async def test_nobody_changes_sessions_after_the_deadline_or_of_another_registration(
    agenda_event, monkeypatch
):
    event, sessions = agenda_event
    actor, registration = await register(event.id, "d@example.org")
    _, other = await register(event.id, "e@example.org")
    with pytest.raises(NotFound):
        await signups.join_session(actor, other.id, sessions["tour"].id)
    await signups.join_session(actor, registration.id, sessions["tour"].id)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=31)
    monkeypatch.setattr(editing, "now", lambda: later)
    with pytest.raises(Conflict) as closed:
        await signups.join_session(actor, registration.id, sessions["workshop"].id)
    assert "deadline" in closed.value.extra
    with pytest.raises(Conflict):
        await signups.leave_session(actor, registration.id, sessions["tour"].id)
    assert await SessionSignup.count() == 1


async def test_a_cancelled_registration_cannot_join(agenda_event):
    event, sessions = agenda_event
    actor, registration = await register(event.id, "f@example.org")
    await moderation.cancel(actor, registration.id)
    with pytest.raises(Conflict):
        await signups.join_session(actor, registration.id, sessions["tour"].id)


@pytest.mark.postgres_only
async def test_concurrent_joins_fill_exactly_the_seats(agenda_event, run_concurrently, monkeypatch):
    """Without the in-process queue, so the joins meet at the database's row lock, as from several workers."""

    @contextlib.asynccontextmanager
    async def no_queue(key):
        yield

    monkeypatch.setattr(signups, "queue_for", no_queue)
    event, _ = agenda_event
    seats = 3
    session = await add_session(
        event.id, "Small room", "2027-10-13T09:00:00", "2027-10-13T10:00:00", optional=True, capacity=seats
    )
    people = [await register(event.id, f"race{n}@example.org") for n in range(12)]
    results = await run_concurrently(
        *(signups.join_session(actor, registration.id, session.id) for actor, registration in people)
    )
    refused = [result for result in results if isinstance(result, Exception)]
    assert all(isinstance(result, Conflict) for result in refused), refused
    assert len(results) - len(refused) == seats
    assert await SessionSignup.count().where(SessionSignup.session == session.id) == seats


# --- time zones ----------------------------------------------------------------------------------


def test_countries_get_their_capital_zone():
    assert country_time_zone("NPL") == "Asia/Kathmandu"
    assert country_time_zone("RUS") == "Europe/Moscow"
    assert country_time_zone("FSM") == "Pacific/Pohnpei"
    assert country_time_zone("AZE") == "Asia/Baku"
    assert country_time_zone("XXX") is None


def test_offsets_are_short():
    at = datetime.datetime(2027, 10, 12, 12, tzinfo=datetime.UTC)
    from zoneinfo import ZoneInfo

    assert agenda.short_offset(at.astimezone(ZoneInfo("Asia/Baku"))) == "UTC+4"
    assert agenda.short_offset(at.astimezone(ZoneInfo("Asia/Kathmandu"))) == "UTC+5:45"
    assert agenda.short_offset(at.astimezone(ZoneInfo("America/La_Paz"))) == "UTC-4"
    assert agenda.short_offset(at) == "UTC"


# --- the page ------------------------------------------------------------------------------------


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


def item(page: str, session_id: int, within: str | None = None) -> str:
    source = page if within is None else page.split(within, 1)[1]
    found = re.search(rf'<li class="agenda-item[^"]*" data-session="{session_id}">(.*?)</li>', source, re.S)
    assert found, f"session {session_id} is not listed"
    return text_of(found.group(0))


async def signed_in(client, event_id: int, email: str = "amina.moussa@example.org", **overrides):
    response = await submit(client, event_id, person(email, **overrides))
    assert response.status_code == 200, response.text
    await sign_in_participant(client, email)


async def test_agenda_in_venue_time_and_own_country_time(client, agenda_event):
    event, sessions = agenda_event
    await signed_in(client, event.id, country_represented="NPL")
    page = await client.get("/my/agenda")
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    text = text_of(page.text)
    assert "Baku time (UTC+4)" in text and "Kathmandu time (UTC+5:45)" in text
    opening = item(page.text, sessions["opening"].id)
    assert "09:00–10:30" in opening and "10:45–12:15 in Kathmandu" in opening
    assert "Compulsory, for everyone" in opening and "Hall A" in opening
    dropped = item(page.text, sessions["dropped"].id)
    assert "Cancelled" in dropped and "<del>" in page.text
    assert f'data-session="{sessions["workshop"].id}"' not in page.text.split('id="optional"')[0]
    assert f'data-session="{sessions["gone"].id}"' not in page.text
    assert "Tuesday, 12 October 2027" in text
    assert "<bdi>Baku</bdi> time (UTC+4)" in page.text
    assert len(page.content) < 100_000
    assert "<table" not in page.text


async def test_no_second_time_when_the_participant_is_in_the_venue_zone(client, agenda_event):
    event, sessions = agenda_event
    await signed_in(client, event.id, country_represented="AZE")
    page = await client.get("/my/agenda")
    opening = item(page.text, sessions["opening"].id)
    assert "09:00–10:30" in opening and " in " not in opening
    assert "In brackets" not in page.text


async def test_a_chosen_zone_is_remembered_and_a_bad_one_ignored(client, agenda_event):
    event, sessions = agenda_event
    await signed_in(client, event.id, country_represented="AZE")
    chosen = await client.get("/my/agenda", params={"tz": "America/La_Paz"})
    assert chosen.headers["set-cookie"].startswith("tz=") and "America/La_Paz" in chosen.headers["set-cookie"]
    assert "01:00–02:30 in La Paz" in item(chosen.text, sessions["opening"].id)
    again = await client.get("/my/agenda")
    assert "01:00–02:30 in La Paz" in item(again.text, sessions["opening"].id)
    assert '<option value="America/La_Paz" selected>' in again.text
    bad = await client.get("/my/agenda", params={"tz": "Mars/Olympus"})
    assert bad.status_code == 200 and "in La Paz" in item(bad.text, sessions["opening"].id)


async def test_joining_and_leaving_through_the_page(client, agenda_event):
    event, sessions = agenda_event
    workshop = sessions["workshop"].id
    await signed_in(client, event.id)
    page = await client.get("/my/agenda")
    offer = item(page.text, workshop, within='id="optional"')
    assert "Seats left: 2" in offer and "Join" in offer
    assert f'action="/my/agenda/sessions/{workshop}/join"' in page.text
    joined = await client.post(f"/my/agenda/sessions/{workshop}/join")
    assert joined.status_code == 303 and joined.headers["location"] == "/my/agenda#optional"
    after = await client.get("/my/agenda")
    assert "You have a seat in “Workshop on ASAN centres”" in text_of(after.text)
    assert "Optional, you signed up" in item(after.text, workshop)
    assert "Seats left: 1" in item(after.text, workshop, within='id="optional"')
    hub = await client.get("/my/registration")
    assert 'href="/my/agenda"' in hub.text and "Opening plenary" in hub.text
    left = await client.post(f"/my/agenda/sessions/{workshop}/leave")
    assert left.status_code == 303
    assert await SessionSignup.count() == 0
    forged = await client.post(
        f"/my/agenda/sessions/{workshop}/join", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert forged.status_code == 403 and await SessionSignup.count() == 0
    unknown = await client.post("/my/agenda/sessions/999999/join")
    assert unknown.status_code == 404 and unknown.headers["content-type"].startswith("text/html")


async def test_a_full_session_shows_full_and_a_clear_message(client, agenda_event):
    event, sessions = agenda_event
    workshop = sessions["workshop"].id
    for n in range(2):
        actor, registration = await register(event.id, f"seat{n}@example.org")
        await signups.join_session(actor, registration.id, workshop)
    await signed_in(client, event.id)
    page = await client.get("/my/agenda")
    offer = item(page.text, workshop, within='id="optional"')
    assert "Full" in offer and f"/sessions/{workshop}/join" not in page.text
    refused = await client.post(f"/my/agenda/sessions/{workshop}/join")
    assert refused.status_code == 409
    assert "Full — no seats left in “Workshop on ASAN centres”" in text_of(refused.text)
    assert "data-error-summary" in refused.text
    cancelled = await client.post(f"/my/agenda/sessions/{sessions['gone'].id}/join")
    assert cancelled.status_code == 409 and "This session is cancelled" in cancelled.text


async def test_after_the_deadline_the_page_says_changes_are_closed(client, agenda_event, monkeypatch):
    event, sessions = agenda_event
    await signed_in(client, event.id)
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=31)
    monkeypatch.setattr(editing, "now", lambda: later)
    monkeypatch.setattr(agenda.clock, "now", lambda: later)
    page = await client.get("/my/agenda")
    assert "Changes closed on" in page.text and "/join" not in page.text
    refused = await client.post(f"/my/agenda/sessions/{sessions['tour'].id}/join")
    assert refused.status_code == 409 and "Changes closed on" in refused.text
    assert await SessionSignup.count() == 0


async def test_agenda_needs_sign_in_and_is_empty_when_cancelled(client, agenda_event):
    event, _ = agenda_event
    anonymous = await client.get("/my/agenda", follow_redirects=False)
    assert anonymous.status_code in {302, 303, 401}
    await signed_in(client, event.id)
    await client.post("/my/registration/cancel", data={"note": ""})
    page = await client.get("/my/agenda")
    assert "no sessions in your agenda" in page.text and "Opening plenary" not in page.text
    hub = await client.get("/my/registration")
    assert 'href="/my/agenda"' not in hub.text
    assert await Registration.count() == 1


async def test_french_agenda(client, agenda_event):
    event, sessions = agenda_event
    await signed_in(client, event.id, country_represented="NPL", preferred_language="fr")
    page = await client.get("/my/agenda", params={"lang": "fr"})
    assert '<html lang="fr"' in page.text
    text = text_of(page.text)
    assert "Heure de Baku (UTC+4)" in text and "Katmandou" in text
    assert "Obligatoire, pour tout le monde" in item(page.text, sessions["opening"].id)
    assert "Annulée" in item(page.text, sessions["dropped"].id)


# --- the API -------------------------------------------------------------------------------------


async def test_the_api_joins_and_leaves_with_the_participants_token(client, agenda_event):
    event, sessions = agenda_event
    _, registration = await register(event.id, "api@example.org")
    _, other = await register(event.id, "other@example.org")
    link = await access.issue_magic_link(registration.id)
    granted = await access.exchange_magic_link(link.partition("#token=")[2])
    headers = {"Authorization": f"Bearer {granted.access_token}"}
    url = f"/api/v1/registrations/{registration.id}/sessions"
    workshop = sessions["workshop"].id
    joined = await client.post(f"{url}/{workshop}", headers=headers)
    assert joined.status_code == 200 and joined.json()["sessions"] == [workshop]
    cancelled = await client.post(f"{url}/{sessions['gone'].id}", headers=headers)
    assert cancelled.status_code == 409 and cancelled.json()["session_cancelled"] == sessions["gone"].id
    foreign = await client.post(f"/api/v1/registrations/{other.id}/sessions/{workshop}", headers=headers)
    assert foreign.status_code == 404
    anonymous = await client.post(f"{url}/{workshop}")
    assert anonymous.status_code == 401
    left = await client.delete(f"{url}/{workshop}", headers=headers)
    assert left.status_code == 200 and left.json()["sessions"] == []
    _, third = await register(event.id, "third@example.org")
    for person_registration in (other, third):
        await signups.join_session(SYSTEM, person_registration.id, workshop)
    full = await client.post(f"{url}/{workshop}", headers=headers)
    assert full.status_code == 409 and full.json()["sessions_full"] == [workshop]
