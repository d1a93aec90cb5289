"""Study visits in calendar feeds: the participant's personal feed lists each assigned visit (from
the departure at the meeting point, with the travel time, vehicle and what to bring), its ETag and
cached body follow every organiser change, and each visit slot has a secret feed for its escorts
(counts, never names) that only the event's organisers manage. Every feed is read back with the
strict parser of ``tests/test_calendars.py``."""

from __future__ import annotations

import datetime
import hashlib

import pytest

from events.audit.tables import AuditEntry
from events.calendars import services as calendar_services
from events.registration.tables import Registration
from events.visits.tables import SlotFeedToken, VisitAssignment
from tests.test_calendars import BASE_URL, HOST, approved_participant, by_uid, feed_path, parse
from tests.test_visits_api import (
    API,
    NEAR,
    VENUE,
    expected_minutes,
    make_site,
    make_slot,
    make_vehicle,
    prepare,
)

UTC = datetime.UTC
BAKU = datetime.timezone(datetime.timedelta(hours=4))  # Asia/Baku has no daylight saving


@pytest.fixture(autouse=True)
def fresh_caches():
    calendar_services.rendered_feeds.clear()
    yield
    calendar_services.rendered_feeds.clear()


@pytest.fixture
def organiser(event_organiser):
    return event_organiser.headers


@pytest.fixture
def builds(monkeypatch):
    """Counts the personal feed bodies built (a 200 served from the cache builds none)."""
    calls = []
    build = calendar_services._build_personal

    async def counted(*args, **kwargs):
        calls.append(args)
        return await build(*args, **kwargs)

    monkeypatch.setattr(calendar_services, "_build_personal", counted)
    return calls


async def _visits_setup(client, event, organiser) -> dict:
    """A site about 2 km from the venue, two coaches and two slots on the first day."""
    site = await make_site(client, organiser, "ASAN service centre No. 1", address="12 Nizami Street, Baku")
    other_site = await make_site(client, organiser, "Heydar Aliyev Centre", address="1 Heydar Aliyev Avenue")
    await prepare(client, event, organiser)  # default meeting point: "Main entrance"
    coach = await make_vehicle(client, event, organiser, "Coach 1")
    minibus = await make_vehicle(client, event, organiser, "Minibus 2")
    slot = await make_slot(client, event, organiser, site, [coach, minibus], notes="Passport copy and water")
    later = await make_slot(
        client,
        event,
        organiser,
        other_site,
        [coach],
        start="2027-10-13T14:00:00",
        end="2027-10-13T16:00:00",
        meeting_point="Gate 3",
    )
    return {
        "site": site,
        "other_site": other_site,
        "coach": coach,
        "minibus": minibus,
        "slot": slot,
        "later": later,
    }


async def _assign(client, event, organiser, registration_id: int, slot_id: int, **more) -> dict:
    response = await client.post(
        f"{API}/events/{event.id}/visits/assignments",
        json={"registration_id": registration_id, "slot_id": slot_id, **more},
        headers=organiser,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _personal_feed(client, registration_id: int, headers) -> str:
    created = await client.post(f"/api/v1/registrations/{registration_id}/calendar-feed", headers=headers)
    assert created.status_code == 201, created.text
    return feed_path(created.json()["url"])


def _visit_uids(calendar) -> set[str]:
    return {uid for uid in by_uid(calendar) if uid.startswith("visit-")}


# --- the personal feed --------------------------------------------------------------------------


async def test_the_personal_feed_lists_the_visit_with_meeting_point_and_travel_time(client, event, organiser):
    s = await _visits_setup(client, event, organiser)
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [])
    path = await _personal_feed(client, registration_id, headers)
    before = await client.get(path)
    assert before.status_code == 200 and _visit_uids(parse(before.content)) == set()

    assignment = await _assign(
        client, event, organiser, registration_id, s["slot"]["id"], vehicle_id=s["coach"]["id"]
    )
    after = await client.get(path, headers={"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200 and after.headers["etag"] != before.headers["etag"]
    assert after.headers["cache-control"] == "private, max-age=300"
    calendar = parse(after.content)
    assert _visit_uids(calendar) == {f"visit-{assignment['id']}@{HOST}"}
    visit = by_uid(calendar)[f"visit-{assignment['id']}@{HOST}"]

    minutes = expected_minutes(VENUE, NEAR)
    assert s["slot"]["travel_minutes_out"] == minutes
    on_site = datetime.datetime(2027, 10, 12, 10, 0, tzinfo=BAKU)
    assert visit.dtstart == on_site - datetime.timedelta(minutes=minutes)  # the bus leaves then
    assert visit.dtend == on_site + datetime.timedelta(hours=2, minutes=minutes)
    assert b"DTSTART;TZID=Asia/Baku:" in after.content
    assert visit.summary == "Study visit: ASAN service centre No. 1"
    assert visit.location == "12 Nizami Street, Baku"
    departs = (on_site - datetime.timedelta(minutes=minutes)).strftime("%H:%M")
    for text in (
        "Meeting point: Main entrance",
        f"Departure from the meeting point: {departs}",
        f"Travel time: {minutes} min to the site, {minutes} min back",
        "Vehicle: Coach 1",
        "What to bring: Passport copy and water",
        f"{BASE_URL}/my/visits",
    ):
        assert text in visit.description, (text, visit.description)
    assert visit.sequence > 0 and visit.status.value == "CONFIRMED"
    # The same departure as the participant's own visits API.
    mine = (await client.get(f"{API}/registrations/{registration_id}/visits", headers=headers)).json()
    assert datetime.datetime.fromisoformat(mine["items"][0]["meeting_at"]) == visit.dtstart
    assert b"amina@example.org" not in after.content


async def test_every_organiser_change_moves_the_etag_and_replaces_the_cached_body(
    client, event, organiser, builds
):
    s = await _visits_setup(client, event, organiser)
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [])
    path = await _personal_feed(client, registration_id, headers)
    first = await _assign(
        client, event, organiser, registration_id, s["slot"]["id"], vehicle_id=s["coach"]["id"]
    )
    seen = {"response": await client.get(path)}
    assert seen["response"].status_code == 200 and len(builds) == 1
    assert (await client.get(path)).content == seen["response"].content and len(builds) == 1  # cached

    async def changed(uid: str):
        previous = seen["response"]
        response = await client.get(path, headers={"If-None-Match": previous.headers["etag"]})
        assert response.status_code == 200, "the change left the ETag as it was"
        assert response.headers["etag"] != previous.headers["etag"]
        assert response.content != previous.content
        seen["response"] = response
        calendar = parse(response.content)
        return by_uid(calendar).get(uid), calendar

    uid = f"visit-{first['id']}@{HOST}"
    built = len(builds)

    # The slot's time.
    response = await client.patch(
        f"{API}/events/{event.id}/visits/slots/{s['slot']['id']}",
        json={"starts_at": "2027-10-12T14:00:00", "ends_at": "2027-10-12T16:00:00"},
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    visit, _ = await changed(uid)
    minutes = expected_minutes(VENUE, NEAR)
    assert visit.dtstart == datetime.datetime(2027, 10, 12, 14, 0, tzinfo=BAKU) - datetime.timedelta(
        minutes=minutes
    )
    assert len(builds) == built + 1
    sequence = visit.sequence

    # The meeting point.
    response = await client.patch(
        f"{API}/events/{event.id}/visits/slots/{s['slot']['id']}",
        json={"meeting_point": "North lobby"},
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    visit, _ = await changed(uid)
    assert "Meeting point: North lobby" in visit.description and visit.sequence >= sequence

    # The vehicle: another one, then a new name for it (vehicles keep no change time).
    response = await client.patch(
        f"{API}/events/{event.id}/visits/assignments/{first['id']}",
        json={"vehicle_id": s["minibus"]["id"]},
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    visit, _ = await changed(uid)
    assert "Vehicle: Minibus 2" in visit.description
    response = await client.patch(
        f"{API}/events/{event.id}/visits/vehicles/{s['minibus']['id']}",
        json={"name": "Blue minibus"},
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    visit, _ = await changed(uid)
    assert "Vehicle: Blue minibus" in visit.description

    # The travel time, entered by the organiser.
    response = await client.put(
        f"{API}/events/{event.id}/visits/travel-times",
        json={
            "origin_site_id": None,
            "destination_site_id": s["site"]["id"],
            "minutes": 45,
            "both_ways": True,
        },
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    visit, _ = await changed(uid)
    assert visit.dtstart == datetime.datetime(2027, 10, 12, 13, 15, tzinfo=BAKU)
    assert "Travel time: 45 min to the site, 45 min back" in visit.description

    # The site's address.
    response = await client.patch(
        f"{API}/visit-sites/{s['site']['id']}", json={"address": "14 Nizami Street, Baku"}, headers=organiser
    )
    assert response.status_code == 200, response.text
    visit, _ = await changed(uid)
    assert visit.location == "14 Nizami Street, Baku"

    # Moved to another slot: the old item goes, the new one comes.
    assert (
        await client.delete(f"{API}/events/{event.id}/visits/assignments/{first['id']}", headers=organiser)
    ).status_code == 204
    gone, calendar = await changed(uid)
    assert gone is None and _visit_uids(calendar) == set()
    moved = await _assign(client, event, organiser, registration_id, s["later"]["id"])
    visit, calendar = await changed(f"visit-{moved['id']}@{HOST}")
    assert _visit_uids(calendar) == {f"visit-{moved['id']}@{HOST}"}
    assert (
        visit.summary == "Study visit: Heydar Aliyev Centre" and "Meeting point: Gate 3" in visit.description
    )
    assert len(builds) == built + 8


async def test_a_change_written_elsewhere_moves_the_version_and_the_sequence(
    client, event, organiser, builds
):
    """Another instance (or a script) writes straight into the database: no hook of this process
    runs, yet the next GET builds a new body and SEQUENCE goes up."""
    s = await _visits_setup(client, event, organiser)
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [])
    path = await _personal_feed(client, registration_id, headers)
    assignment = await _assign(client, event, organiser, registration_id, s["slot"]["id"])
    first = await client.get(path)
    uid = f"visit-{assignment['id']}@{HOST}"
    before = by_uid(parse(first.content))[uid]

    later = datetime.datetime.now(UTC) + datetime.timedelta(seconds=30)
    await VisitAssignment.update(
        {VisitAssignment.vehicle: s["minibus"]["id"], VisitAssignment.updated_at: later}
    ).where(VisitAssignment.id == assignment["id"])
    second = await client.get(path, headers={"If-None-Match": first.headers["etag"]})
    assert second.status_code == 200 and len(builds) == 2
    after = by_uid(parse(second.content))[uid]
    assert "Vehicle: Minibus 2" in after.description
    assert after.sequence > before.sequence
    assert (await client.get(path, headers={"If-None-Match": second.headers["etag"]})).status_code == 304


async def test_no_visits_in_the_feed_of_a_registration_that_is_not_approved(client, event, organiser):
    s = await _visits_setup(client, event, organiser)
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [])
    path = await _personal_feed(client, registration_id, headers)
    await _assign(client, event, organiser, registration_id, s["slot"]["id"])
    assert len(_visit_uids(parse((await client.get(path)).content))) == 1

    await Registration.update({Registration.status: "submitted"}).where(Registration.id == registration_id)
    waiting = await client.get(path)
    assert waiting.status_code == 200 and parse(waiting.content).events == []
    assert await VisitAssignment.count().where(VisitAssignment.registration == registration_id) == 1


async def test_a_withdrawn_registration_loses_its_visits_from_the_feed(client, event, organiser):
    s = await _visits_setup(client, event, organiser)
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [])
    path = await _personal_feed(client, registration_id, headers)
    await _assign(client, event, organiser, registration_id, s["slot"]["id"])
    response = await client.post(f"/api/v1/registrations/{registration_id}/cancel", json={}, headers=headers)
    assert response.status_code == 200, response.text
    assert await VisitAssignment.count().where(VisitAssignment.registration == registration_id) == 0
    assert parse((await client.get(path)).content).events == []


# --- the slot feed for escorts --------------------------------------------------------------------


def _slot_feed_api(event, slot_id: int) -> str:
    return f"{API}/events/{event.id}/visits/slots/{slot_id}/calendar-feed"


async def test_the_slot_feed_shows_the_run_with_counts_and_no_names(client, event, organiser):
    s = await _visits_setup(client, event, organiser)
    people = []
    for n in range(3):
        registration_id, _ = await approved_participant(client, event.id, f"rider{n}@example.org", [])
        people.append(registration_id)
    await _assign(client, event, organiser, people[0], s["slot"]["id"], vehicle_id=s["coach"]["id"])
    await _assign(client, event, organiser, people[1], s["slot"]["id"], vehicle_id=s["coach"]["id"])

    created = await client.post(_slot_feed_api(event, s["slot"]["id"]), headers=organiser)
    assert created.status_code == 201, created.text
    feed = created.json()
    assert feed["url"].startswith(f"{BASE_URL}/calendars/visit-slots/osv_") and feed["url"].endswith(".ics")
    assert feed["webcal_url"] == "webcal://" + feed["url"].split("://", 1)[1]
    assert feed["regenerated"] is False

    response = await client.get(feed_path(feed["url"]))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "private, max-age=300"
    assert response.headers["x-robots-tag"] == "noindex, nofollow"
    calendar = parse(response.content)
    run = by_uid(calendar)[f"visit-slot-{s['slot']['id']}@{HOST}"]
    assert len(calendar.events) == 1
    minutes = expected_minutes(VENUE, NEAR)
    assert run.dtstart == datetime.datetime(2027, 10, 12, 10, 0, tzinfo=BAKU) - datetime.timedelta(
        minutes=minutes
    )
    assert run.summary == "Study visit run: ASAN service centre No. 1 (2 riders)"
    assert run.location == "Main entrance"
    manifest = f"{BASE_URL}/api/v1/events/{event.id}/visits/slots/{s['slot']['id']}/manifest"
    for text in (
        f"(travel time {minutes} min)",
        f"Vehicle Coach 1 ({s['coach']['key']}): 2 riders, 10 seats",
        f"Vehicle Minibus 2 ({s['minibus']['key']}): 0 riders, 10 seats",
        "Riders: 2",
        manifest,
    ):
        assert text in run.description, (text, run.description)
    body = response.text.replace("\r\n ", "")
    for private in ("rider0", "rider1", "example.org", "Leyla", "+994"):
        assert private not in body  # names, e-mails, the site contact's name and phone

    # The riders count follows the assignments.
    await _assign(client, event, organiser, people[2], s["slot"]["id"], vehicle_id=s["minibus"]["id"])
    again = await client.get(feed_path(feed["url"]), headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 200
    run = by_uid(parse(again.content))[f"visit-slot-{s['slot']['id']}@{HOST}"]
    assert "(3 riders)" in run.summary and "Minibus 2" in run.description and "1 riders" in run.description
    same = await client.get(feed_path(feed["url"]), headers={"If-None-Match": again.headers["etag"]})
    assert same.status_code == 304

    # A new time moves it too.
    response = await client.patch(
        f"{API}/events/{event.id}/visits/slots/{s['slot']['id']}",
        json={"starts_at": "2027-10-12T14:00:00", "ends_at": "2027-10-12T16:00:00"},
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    moved = await client.get(feed_path(feed["url"]), headers={"If-None-Match": again.headers["etag"]})
    assert moved.status_code == 200
    run = by_uid(parse(moved.content))[f"visit-slot-{s['slot']['id']}@{HOST}"]
    assert run.dtstart == datetime.datetime(2027, 10, 12, 14, 0, tzinfo=BAKU) - datetime.timedelta(
        minutes=minutes
    )


async def test_the_slot_token_is_stored_hashed_and_encrypted_and_shown_to_organisers(
    client, event, organiser
):
    s = await _visits_setup(client, event, organiser)
    path = _slot_feed_api(event, s["slot"]["id"])
    status = await client.get(path, headers=organiser)
    assert status.status_code == 200 and status.json()["active"] is False and status.json()["url"] is None
    url = (await client.post(path, headers=organiser)).json()["url"]
    token = feed_path(url).rsplit("/", 1)[1].removesuffix(".ics")
    rows = await SlotFeedToken.select().where(SlotFeedToken.slot == s["slot"]["id"])
    assert len(rows) == 1
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in rows[0]["token_encrypted"] and token[4:] not in rows[0]["token_encrypted"]
    shown = (await client.get(path, headers=organiser)).json()
    assert shown["active"] is True and shown["url"] == url and shown["download_url"] == url + "?download=1"
    entry = await AuditEntry.select().where(AuditEntry.action == "visits.slot_feed_created").first()
    assert entry["object_type"] == "visit_slot" and entry["object_id"] == str(s["slot"]["id"])
    assert token not in str(entry["data"])


async def test_regenerated_revoked_and_unknown_slot_tokens_are_404(client, event, organiser):
    s = await _visits_setup(client, event, organiser)
    path = _slot_feed_api(event, s["later"]["id"])
    first = (await client.post(path, headers=organiser)).json()
    assert (await client.get(feed_path(first["url"]))).status_code == 200
    second = (await client.post(path, headers=organiser)).json()
    assert second["regenerated"] is True and second["url"] != first["url"]
    old = await client.get(feed_path(first["url"]))
    assert old.status_code == 404
    assert (await client.get(feed_path(second["url"]))).status_code == 200

    assert (await client.delete(path, headers=organiser)).status_code == 204
    revoked = await client.get(feed_path(second["url"]))
    never = await client.get("/calendars/visit-slots/osv_" + "x" * 43 + ".ics")
    malformed = await client.get("/calendars/visit-slots/nothing.ics")
    no_suffix = await client.get("/calendars/visit-slots/osv_" + "x" * 43)
    assert {r.status_code for r in (revoked, never, malformed, no_suffix)} == {404}
    assert (
        revoked.json()["detail"]
        == never.json()["detail"]
        == malformed.json()["detail"]
        == old.json()["detail"]
    )
    assert (await client.delete(path, headers=organiser)).status_code == 204  # nothing left: still fine
    actions = await AuditEntry.select(AuditEntry.action).where(AuditEntry.action.like("visits.slot_feed_%"))
    assert [row["action"] for row in actions] == [
        "visits.slot_feed_created",
        "visits.slot_feed_created",
        "visits.slot_feed_revoked",
    ]

    # A deleted slot takes its feed with it.
    url = (await client.post(path, headers=organiser)).json()["url"]
    assert (
        await client.delete(f"{API}/events/{event.id}/visits/slots/{s['later']['id']}", headers=organiser)
    ).status_code == 204
    assert (await client.get(feed_path(url))).status_code == 404
    assert await SlotFeedToken.count().where(SlotFeedToken.slot == s["later"]["id"]) == 0


async def test_only_the_events_organisers_manage_slot_feeds(
    client, event, other_event, organiser, staff, other_organiser, participant
):
    s = await _visits_setup(client, event, organiser)
    _, participant_headers = await approved_participant(client, event.id, "amina@example.org", [])
    path = _slot_feed_api(event, s["slot"]["id"])
    assert (await client.post(path)).status_code == 401
    for headers in (staff.headers, other_organiser.headers, participant.headers, participant_headers):
        for method in ("post", "get", "delete"):
            response = await getattr(client, method)(path, headers=headers)
            assert response.status_code == 403, (method, response.status_code)
    assert await SlotFeedToken.count() == 0
    assert await AuditEntry.count().where(AuditEntry.action.like("visits.slot_feed_%")) == 0
    # A slot of another event, through this event's path, is not found.
    assert (await client.post(_slot_feed_api(event, 999999), headers=organiser)).status_code == 404
    assert (
        await client.post(_slot_feed_api(other_event, s["slot"]["id"]), headers=organiser)
    ).status_code == 403
    assert (await client.post(path, headers=organiser)).status_code == 201
