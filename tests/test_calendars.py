"""Calendar feeds: RFC 5545 output read back by another, strict parser (``ical``), stable UIDs and
SEQUENCE, cancellations, time zones across daylight-saving changes, personal feed tokens, and
conditional GETs."""

from __future__ import annotations

import datetime
import hashlib
from urllib.parse import urlsplit

import msgspec
import pytest
from ical.calendar import Calendar as ParsedCalendar
from ical.calendar_stream import IcsCalendarStream

from events import signals
from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.calendars import render, services
from events.calendars.conditional import accepts_gzip, if_none_match_tags, not_modified
from events.calendars.render import Item
from events.calendars.tables import FeedToken
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.programme.tables import Session
from events.registration.tables import SessionSignup
from events.settings import get_settings
from tests.factories import SYSTEM
from tests.test_registration_workflow import participant_headers, person, register, set_auto_approve

UTC = datetime.UTC
BASE_URL = get_settings().base_url.rstrip("/")
HOST = urlsplit(BASE_URL).hostname


@pytest.fixture(autouse=True)
def fresh_caches():
    """Every test builds its feeds (the caches are correct either way; this keeps tests independent)."""
    services.rendered_feeds.clear()
    yield
    services.rendered_feeds.clear()


def parse(body: bytes) -> ParsedCalendar:
    """Read a feed with ``ical`` (not the library that wrote it), after checking the framing that
    parsers are lenient about: CRLF line ends, lines of at most 75 octets, a VTIMEZONE per TZID."""
    assert body.endswith(b"\r\n")
    lines = body.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines), max(lines, key=len)
    text = body.decode("utf-8")
    unfolded = text.replace("\r\n ", "")
    used = {
        part.split(";TZID=", 1)[1].split(":", 1)[0] for part in unfolded.split("\r\n") if ";TZID=" in part
    }
    defined = {line[len("TZID:") :] for line in unfolded.split("\r\n") if line.startswith("TZID:")}
    assert used <= defined, f"no VTIMEZONE for {used - defined}"
    return IcsCalendarStream.calendar_from_ics(text)


def by_uid(calendar: ParsedCalendar) -> dict:
    return {event.uid: event for event in calendar.events}


async def add_session(event_id: int, **overrides) -> programme_schemas.Session:
    values = {
        "title": "Opening plenary",
        "kind": "plenary",
        "starts_at": "2027-10-12T09:00:00",
        "ends_at": "2027-10-12T10:30:00",
        "room": "Hall A",
    }
    values.update(overrides)
    return await programme_services.create_session(
        SYSTEM, event_id, msgspec.convert(values, programme_schemas.SessionCreate)
    )


async def edit_session(event_id: int, session_id: int, **changes) -> None:
    await programme_services.update_session(
        SYSTEM, event_id, session_id, msgspec.convert(changes, programme_schemas.SessionUpdate)
    )


async def event_feed(client, event_id: int, **headers):
    return await client.get(f"/calendars/events/{event_id}.ics", headers=headers)


# --- the event feed ----------------------------------------------------------------------------


async def test_event_feed_is_valid_icalendar_with_useful_items(client, event):
    plenary = await add_session(event.id, description="Welcome by the hosts")
    response = await event_feed(client, event.id)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["etag"].startswith('"') and not response.headers["etag"].startswith("W/")
    assert response.headers["last-modified"].endswith(" GMT")
    assert response.headers["content-disposition"] == f'inline; filename="{event.slug}.ics"'

    calendar = parse(response.content)
    assert calendar.prodid and calendar.version == "2.0"
    assert [zone.tz_id for zone in calendar.timezones] == ["Asia/Baku"]
    items = by_uid(calendar)
    assert set(items) == {f"event-{event.id}@{HOST}", f"session-{plenary.id}@{HOST}"}

    whole = items[f"event-{event.id}@{HOST}"]
    assert whole.dtstart == datetime.date(2027, 10, 12)
    assert whole.dtend == datetime.date(2027, 10, 15)  # exclusive: the day after the last day
    assert whole.summary == event.title and "Baku Congress Centre, Baku, Azerbaijan" == whole.location

    session = items[f"session-{plenary.id}@{HOST}"]
    assert session.dtstart == datetime.datetime(2027, 10, 12, 5, 0, tzinfo=UTC)  # 09:00 in Baku (+04)
    assert session.dtend == datetime.datetime(2027, 10, 12, 6, 30, tzinfo=UTC)
    assert session.sequence == 0
    assert session.dtstamp is not None and session.last_modified is not None
    assert session.location == "Hall A, Baku Congress Centre, Baku, Azerbaijan"
    link = f"{BASE_URL}/events/{event.id}#session-{plenary.id}"
    assert link in session.description and "Welcome by the hosts" in session.description
    assert session.url == link
    assert session.status.value == "CONFIRMED"


async def test_text_is_escaped_everywhere(client, make_event):
    tricky = await make_event(title="Forum, Santiago; 2027 \\ notes")
    session = await add_session(tricky.id, title="Q&A; panel, part 1", room="Room 3, floor 2")
    response = await event_feed(client, tricky.id)
    assert b"\r\nNAME:Forum\\, Santiago\\; 2027 \\\\ notes\r\n" in response.content
    calendar = parse(response.content)
    assert calendar.name == [tricky.title]  # NAME may repeat (one per language)
    item = by_uid(calendar)[f"session-{session.id}@{HOST}"]
    assert item.summary == "Q&A; panel, part 1" and item.location.startswith("Room 3, floor 2, ")


async def test_unknown_event_is_a_problem_404(client, event):
    response = await client.get("/calendars/events/999999.ics")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/not-found"
    assert (await client.get(f"/calendars/events/{event.id}.txt")).status_code == 404
    assert (await client.get("/calendars/events/abc.ics")).status_code == 404


@pytest.mark.parametrize(
    ("zone", "city", "country", "days", "nine_am_utc"),
    [
        # Chile's clocks go back at the end of Saturday 3 April 2027: UTC-3, then UTC-4.
        (
            "America/Santiago",
            "Santiago",
            "CHL",
            (datetime.date(2027, 4, 2), datetime.date(2027, 4, 5)),
            {datetime.date(2027, 4, 3): 12, datetime.date(2027, 4, 4): 13, datetime.date(2027, 4, 5): 13},
        ),
        # Lebanon's clocks go forward at midnight into Sunday 28 March 2027: UTC+2, then UTC+3.
        (
            "Asia/Beirut",
            "Beirut",
            "LBN",
            (datetime.date(2027, 3, 26), datetime.date(2027, 3, 29)),
            {datetime.date(2027, 3, 27): 7, datetime.date(2027, 3, 28): 6, datetime.date(2027, 3, 29): 6},
        ),
    ],
)
async def test_times_are_right_across_a_daylight_saving_change(
    client, make_event, zone, city, country, days, nine_am_utc
):
    venue = await make_event(
        time_zone=zone, city=city, country=country, venue="UN House", start_date=days[0], end_date=days[1]
    )
    sessions = {
        day: await add_session(
            venue.id, title=f"Day {day}", starts_at=f"{day}T09:00:00", ends_at=f"{day}T10:00:00"
        )
        for day in nine_am_utc
    }
    calendar = parse((await event_feed(client, venue.id)).content)
    items = by_uid(calendar)
    for day, hour in nine_am_utc.items():
        item = items[f"session-{sessions[day].id}@{HOST}"]
        assert item.dtstart.astimezone(UTC) == datetime.datetime.combine(day, datetime.time(hour), tzinfo=UTC)
        assert item.dtend - item.dtstart == datetime.timedelta(hours=1)

    # The VTIMEZONE itself, as the other parser read it, gives the same offsets as zoneinfo. (Its
    # observances are one-off onsets, DTSTART without RRULE, which ``ical``'s own lookup skips.)
    (vtimezone,) = calendar.timezones
    assert vtimezone.tz_id == zone
    onsets = sorted(
        (observance.dtstart, observance.tz_offset_to.offset)
        for observance in [*vtimezone.standard, *vtimezone.daylight]
    )
    for day, hour in nine_am_utc.items():
        wall = datetime.datetime.combine(day, datetime.time(9))
        offset = [offset for onset, offset in onsets if onset <= wall][-1]
        assert wall - offset == datetime.datetime.combine(day, datetime.time(hour))


async def test_the_second_of_two_equal_wall_times_is_written_in_utc(client, make_event):
    """23:30 happens twice in Santiago on 3 April 2027; RFC 5545 would read a local time as the first."""
    venue = await make_event(
        time_zone="America/Santiago",
        city="Santiago",
        country="CHL",
        start_date=datetime.date(2027, 4, 3),
        end_date=datetime.date(2027, 4, 4),
    )
    late = await add_session(venue.id, starts_at="2027-04-04T03:30:00Z", ends_at="2027-04-04T04:30:00Z")
    body = (await event_feed(client, venue.id)).content
    assert b"DTSTART:20270404T033000Z" in body
    item = by_uid(parse(body))[f"session-{late.id}@{HOST}"]
    assert item.dtstart == datetime.datetime(2027, 4, 4, 3, 30, tzinfo=UTC)


async def test_uid_stays_and_sequence_increases_after_an_edit(client, event, event_organiser):
    session = await add_session(event.id)
    uid = f"session-{session.id}@{HOST}"
    before = by_uid(parse((await event_feed(client, event.id)).content))[uid]
    edited = await client.patch(
        f"/api/v1/events/{event.id}/sessions/{session.id}",
        json={"room": "Hall B", "starts_at": "2027-10-12T09:30:00"},
        headers=event_organiser.headers,
    )
    assert edited.status_code == 200, edited.text
    after = by_uid(parse((await event_feed(client, event.id)).content))[uid]
    assert after.sequence == before.sequence + 1 == 1
    assert after.last_modified >= before.last_modified and after.dtstamp >= before.dtstamp
    assert after.location.startswith("Hall B, ")
    assert after.dtstart == datetime.datetime(2027, 10, 12, 5, 30, tzinfo=UTC)

    # The event's own item: its SEQUENCE counts the event's edits.
    event_uid = f"event-{event.id}@{HOST}"
    assert by_uid(parse((await event_feed(client, event.id)).content))[event_uid].sequence == 0
    moved = await client.patch(
        f"/api/v1/events/{event.id}", json={"end_date": "2027-10-15"}, headers=event_organiser.headers
    )
    assert moved.status_code == 200, moved.text
    items = by_uid(parse((await event_feed(client, event.id)).content))
    assert items[event_uid].sequence == 1 and items[event_uid].dtend == datetime.date(2027, 10, 16)
    assert items[uid].sequence == 1 and items[uid].last_modified >= after.last_modified


async def test_a_cancelled_session_is_shown_cancelled_then_left_out(client, event, monkeypatch):
    session = await add_session(event.id)
    await edit_session(event.id, session.id, cancelled=True)
    response = await event_feed(client, event.id)
    item = by_uid(parse(response.content))[f"session-{session.id}@{HOST}"]
    assert item.status.value == "CANCELLED"
    assert item.sequence == 1 and item.summary.startswith("Cancelled: ")

    # 31 days after the cancellation it is no longer in the feed (and the version changed).
    in_a_month = datetime.datetime.now(UTC).date() + datetime.timedelta(days=31)
    monkeypatch.setattr(services, "_today", lambda: in_a_month)
    later = await event_feed(client, event.id)
    assert f"session-{session.id}@{HOST}" not in by_uid(parse(later.content))
    assert later.headers["etag"] != response.headers["etag"]


async def test_the_same_inputs_give_the_same_bytes(client, event):
    await add_session(event.id, title="Ünïcode — 会议, with a long title " * 3)
    first = await event_feed(client, event.id)
    services.rendered_feeds.clear()
    render.render_item.cache_clear()
    render.render_timezone.cache_clear()
    again = await event_feed(client, event.id)
    assert again.content == first.content and again.headers["etag"] == first.headers["etag"]


# --- conditional GET ---------------------------------------------------------------------------


async def test_304_when_unchanged_and_200_after_a_change(client, event):
    session = await add_session(event.id)
    first = await event_feed(client, event.id)
    etag, last_modified = first.headers["etag"], first.headers["last-modified"]

    unchanged = await event_feed(client, event.id, **{"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.content == b""
    assert unchanged.headers["etag"] == etag and unchanged.headers["cache-control"] == "public, max-age=300"
    for header in (f"W/{etag}", f'"other", {etag}', "*"):
        assert (await event_feed(client, event.id, **{"If-None-Match": header})).status_code == 304
    assert (await event_feed(client, event.id, **{"If-Modified-Since": last_modified})).status_code == 304
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    assert (await event_feed(client, event.id, **{"If-Modified-Since": old})).status_code == 200
    # If-None-Match decides when both are sent.
    both = {"If-None-Match": '"other"', "If-Modified-Since": last_modified}
    assert (await event_feed(client, event.id, **both)).status_code == 200

    await edit_session(event.id, session.id, title="Opening plenary (new speaker)")
    changed = await event_feed(client, event.id, **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag
    assert b"new speaker" in changed.content


@pytest.mark.parametrize(
    "headers",
    [
        {"If-None-Match": "garbage"},
        {"If-None-Match": '"unterminated'},
        {"If-None-Match": "W/"},
        {"If-None-Match": '"a" "b"'},
        {"If-None-Match": ""},
        {"If-Modified-Since": "yesterday"},
        {"If-Modified-Since": "Mon, 99 Foo 20 99:99:99 GMT"},
        {"If-Modified-Since": ""},
    ],
)
async def test_unreadable_validators_get_a_plain_200(client, event, headers):
    response = await event_feed(client, event.id, **headers)
    assert response.status_code == 200 and response.content.startswith(b"BEGIN:VCALENDAR")


async def test_a_304_does_not_build_the_feed(client, event, monkeypatch):
    await add_session(event.id)
    etag = (await event_feed(client, event.id)).headers["etag"]
    services.rendered_feeds.clear()

    async def no_build(*args, **kwargs):
        raise AssertionError("the 304 path built the feed")

    monkeypatch.setattr(services, "_build_event", no_build)
    assert (await event_feed(client, event.id, **{"If-None-Match": etag})).status_code == 304


async def test_feeds_gzip_each_version_once_with_their_own_etag(client, event):
    """The app's compression middleware skips feeds (``skip_compression``): a feed gzips itself once
    per version and gives that coding its own strong ETag."""
    await add_session(event.id, description="A long description. " * 40)
    path = f"/calendars/events/{event.id}.ics"
    identity = await client.get(path, headers={"Accept-Encoding": "identity"})
    zipped = await client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert identity.headers.get("content-encoding") is None
    assert zipped.headers["content-encoding"] == "gzip" and zipped.content == identity.content
    assert zipped.headers["etag"] == identity.headers["etag"][:-1] + '-gz"'
    assert identity.headers["vary"] == zipped.headers["vary"] == "Accept-Encoding"
    for tag in (zipped.headers["etag"], identity.headers["etag"]):
        again = await client.get(path, headers={"Accept-Encoding": "gzip", "If-None-Match": tag})
        assert again.status_code == 304 and again.headers["etag"] == zipped.headers["etag"]


def test_accept_encoding_parsing():
    assert accepts_gzip("gzip") and accepts_gzip("br, gzip;q=0.5") and accepts_gzip("*")
    assert not accepts_gzip(None) and not accepts_gzip("identity") and not accepts_gzip("gzip;q=0")
    assert not accepts_gzip("*, gzip;q=0") and not accepts_gzip("gzip;q=zero")


def test_if_none_match_parsing():
    assert if_none_match_tags('"a", W/"b" ,"c"') == {'"a"', '"b"', '"c"'}
    assert if_none_match_tags("*") == {"*"}
    assert if_none_match_tags("a, b") is None
    assert not not_modified(etags=['"a"'], if_none_match="junk", if_modified_since=None, last_modified=None)


# --- the programme feed and links --------------------------------------------------------------


async def test_programme_feed_has_every_event_all_day(client, event, make_event):
    forum = await make_event(
        title="Regional forum",
        time_zone="America/Santiago",
        city="Santiago",
        country="CL",
        start_date=datetime.date(2027, 4, 2),
        end_date=datetime.date(2027, 4, 5),
    )
    response = await client.get("/calendars/programme.ics")
    assert response.status_code == 200 and response.headers["cache-control"] == "public, max-age=300"
    items = by_uid(parse(response.content))
    assert set(items) == {f"event-{event.id}@{HOST}", f"event-{forum.id}@{HOST}"}
    assert items[f"event-{forum.id}@{HOST}"].dtstart == datetime.date(2027, 4, 2)
    assert items[f"event-{forum.id}@{HOST}"].dtend == datetime.date(2027, 4, 6)
    assert (
        await client.get("/calendars/programme.ics", headers={"If-None-Match": response.headers["etag"]})
    ).status_code == 304
    head = await client.head("/calendars/programme.ics")
    assert head.status_code == 200 and head.headers["etag"] == response.headers["etag"]
    download = await client.get("/calendars/programme.ics?download=1")
    assert download.headers["content-disposition"] == 'attachment; filename="programme.ics"'


async def test_links_offer_webcal_and_download(client, event):
    links = (await client.get(f"/api/v1/events/{event.id}/calendar")).json()
    assert links == {
        "url": f"{BASE_URL}/calendars/events/{event.id}.ics",
        "webcal_url": f"webcal://{BASE_URL.split('://', 1)[1]}/calendars/events/{event.id}.ics",
        "download_url": f"{BASE_URL}/calendars/events/{event.id}.ics?download=1",
    }
    programme = (await client.get("/api/v1/calendars/programme")).json()
    assert programme["webcal_url"].startswith("webcal://") and programme["url"].endswith("/programme.ics")
    assert (await client.get("/api/v1/events/999999/calendar")).status_code == 404


async def test_event_ics_attachment_holds_the_event_alone(event):
    await add_session(event.id)
    body = await services.event_ics_attachment(event.id)
    calendar = parse(body)
    assert [item.uid for item in calendar.events] == [f"event-{event.id}@{HOST}"]
    assert calendar.events[0].dtend == datetime.date(2027, 10, 15)


# --- the personal feed -------------------------------------------------------------------------


async def approved_participant(client, event_id: int, email: str, session_ids: list[int]) -> tuple[int, dict]:
    await set_auto_approve(event_id, capacity=100)
    response = await register(client, event_id, person(email, session_ids=session_ids))
    assert response.status_code == 201, response.text
    assert response.json()["registration"]["status"] == "approved"
    return response.json()["registration"]["id"], await participant_headers(client, email)


def feed_path(url: str) -> str:
    return urlsplit(url).path


async def test_personal_feed_holds_the_participants_agenda(client, event):
    plenary = await add_session(event.id, title="Plenary")
    chosen = await add_session(event.id, title="Chosen workshop", kind="workshop", optional=True)
    skipped = await add_session(event.id, title="Other workshop", kind="workshop", optional=True)
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [chosen.id])

    created = await client.post(f"/api/v1/registrations/{registration_id}/calendar-feed", headers=headers)
    assert created.status_code == 201, created.text
    feed = created.json()
    assert feed["url"].startswith(f"{BASE_URL}/calendars/personal/osc_") and feed["url"].endswith(".ics")
    assert feed["webcal_url"] == "webcal://" + feed["url"].split("://", 1)[1]
    assert feed["download_url"] == feed["url"] + "?download=1"
    assert feed["regenerated"] is False

    response = await client.get(feed_path(feed["url"]))
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "private, max-age=300"
    assert response.headers["content-type"] == "text/calendar; charset=utf-8"
    items = by_uid(parse(response.content))
    assert set(items) == {
        f"event-{event.id}@{HOST}",
        f"session-{plenary.id}@{HOST}",
        f"session-{chosen.id}@{HOST}",
    }
    assert f"session-{skipped.id}" not in response.text
    assert b"amina@example.org" not in response.content

    # Only the SHA-256 of the token is stored.
    token = feed_path(feed["url"]).rsplit("/", 1)[1].removesuffix(".ics")
    stored = await FeedToken.select().where(FeedToken.registration == registration_id)
    assert [row["token_hash"] for row in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    actions = await AuditEntry.select(AuditEntry.action).where(AuditEntry.action.like("calendar_feed.%"))
    assert [row["action"] for row in actions] == ["calendar_feed.created"]

    status = await client.get(f"/api/v1/registrations/{registration_id}/calendar-feed", headers=headers)
    assert status.json()["active"] is True


async def test_regenerating_keeps_uids_and_stops_the_old_url(client, event):
    session = await add_session(event.id)
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [])
    path = f"/api/v1/registrations/{registration_id}/calendar-feed"
    first = (await client.post(path, headers=headers)).json()
    before = await client.get(feed_path(first["url"]))
    second = (await client.post(path, headers=headers)).json()
    assert second["regenerated"] is True and second["url"] != first["url"]

    assert (await client.get(feed_path(first["url"]))).status_code == 404
    after = await client.get(feed_path(second["url"]))
    assert after.status_code == 200
    assert (
        set(by_uid(parse(after.content)))
        == set(by_uid(parse(before.content)))
        == {
            f"event-{event.id}@{HOST}",
            f"session-{session.id}@{HOST}",
        }
    )
    assert await FeedToken.count().where(FeedToken.revoked_at.is_null()) == 1


async def test_a_revoked_token_is_a_404_like_one_that_never_existed(client, event):
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [])
    path = f"/api/v1/registrations/{registration_id}/calendar-feed"
    url = (await client.post(path, headers=headers)).json()["url"]
    assert (await client.get(feed_path(url))).status_code == 200

    revoked = await client.delete(path, headers=headers)
    assert revoked.status_code == 204
    gone = await client.get(feed_path(url))
    never = await client.get("/calendars/personal/osc_" + "x" * 43 + ".ics")
    malformed = await client.get("/calendars/personal/nothing.ics")
    assert gone.status_code == never.status_code == malformed.status_code == 404
    assert gone.json()["detail"] == never.json()["detail"] == malformed.json()["detail"]
    assert (await client.delete(path, headers=headers)).status_code == 204  # nothing left: still fine
    actions = await AuditEntry.select(AuditEntry.action).where(AuditEntry.action.like("calendar_feed.%"))
    assert [row["action"] for row in actions] == ["calendar_feed.created", "calendar_feed.revoked"]
    status = await client.get(path, headers=headers)
    assert status.json() == {"registration_id": registration_id, "active": False, "created_at": None}


async def test_who_may_manage_a_personal_feed(client, event, event_organiser, other_organiser):
    registration_id, _ = await approved_participant(client, event.id, "amina@example.org", [])
    _, stranger = await approved_participant(client, event.id, "someone@example.org", [])
    path = f"/api/v1/registrations/{registration_id}/calendar-feed"
    assert (await client.post(path)).status_code == 401
    assert (await client.post(path, headers=stranger)).status_code == 404
    assert (await client.post(path, headers=other_organiser.headers)).status_code == 404
    assert (await client.delete(path, headers=other_organiser.headers)).status_code == 404
    by_organiser = await client.post(path, headers=event_organiser.headers)
    assert by_organiser.status_code == 201
    entry = await AuditEntry.select().where(AuditEntry.action == "calendar_feed.created").first()
    assert entry["actor"] == event_organiser.user_id and entry["object_id"] == str(registration_id)
    assert (
        await client.post("/api/v1/registrations/999999/calendar-feed", headers=event_organiser.headers)
    ).status_code == 404


async def test_the_personal_feed_follows_approval_and_changes(client, event, make_account):
    session = await add_session(event.id)
    response = await register(client, event.id, person("amina@example.org"))
    registration_id = response.json()["registration"]["id"]
    assert response.json()["registration"]["status"] == "submitted"
    headers = await participant_headers(client, "amina@example.org")
    url = (
        await client.post(f"/api/v1/registrations/{registration_id}/calendar-feed", headers=headers)
    ).json()["url"]

    waiting = await client.get(feed_path(url))
    assert parse(waiting.content).events == []  # nothing to attend yet

    organiser = await make_account(Role.organiser, event.id)
    approved = await client.post(
        f"/api/v1/registrations/{registration_id}/approve", json={}, headers=organiser.headers
    )
    assert approved.status_code == 200, approved.text
    after = await client.get(feed_path(url), headers={"If-None-Match": waiting.headers["etag"]})
    assert after.status_code == 200 and len(parse(after.content).events) == 2

    same = await client.get(feed_path(url), headers={"If-None-Match": after.headers["etag"]})
    assert same.status_code == 304 and same.headers["cache-control"] == "private, max-age=300"
    await edit_session(event.id, session.id, cancelled=True)
    cancelled = await client.get(feed_path(url), headers={"If-None-Match": after.headers["etag"]})
    assert cancelled.status_code == 200
    assert by_uid(parse(cancelled.content))[f"session-{session.id}@{HOST}"].status.value == "CANCELLED"


async def test_a_change_written_elsewhere_replaces_the_cached_personal_feed(client, event, monkeypatch):
    """The rendered body is kept per (owner, fingerprint). A change made by another instance (here:
    straight in the database, no hook of this process runs) moves the fingerprint, so the next GET
    builds a new body; an unchanged feed is served from the cache without building."""
    session = await add_session(event.id, title="Opening plenary")
    chosen = await add_session(event.id, title="Chosen workshop", kind="workshop", optional=True)
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [chosen.id])
    url = (
        await client.post(f"/api/v1/registrations/{registration_id}/calendar-feed", headers=headers)
    ).json()["url"]
    builds = []
    build = services._build_personal

    async def counted(*args, **kwargs):
        builds.append(args)
        return await build(*args, **kwargs)

    monkeypatch.setattr(services, "_build_personal", counted)
    first = await client.get(feed_path(url))
    again = await client.get(feed_path(url))
    assert first.content == again.content and len(builds) == 1

    later = datetime.datetime.now(UTC) + datetime.timedelta(seconds=5)
    await Session.update(
        {Session.title: "Closing plenary", Session.sequence: Session.sequence + 1, Session.updated_at: later}
    ).where(Session.id == session.id)
    renamed = await client.get(feed_path(url))
    assert renamed.status_code == 200 and len(builds) == 2
    assert renamed.headers["etag"] != first.headers["etag"]
    assert "Closing plenary" in renamed.text and "Opening plenary" not in renamed.text

    await SessionSignup.delete().where(SessionSignup.registration == registration_id)
    dropped = await client.get(feed_path(url))
    assert len(builds) == 3 and f"session-{chosen.id}@" in renamed.text
    assert set(by_uid(parse(dropped.content))) == {f"event-{event.id}@{HOST}", f"session-{session.id}@{HOST}"}


async def test_agenda_signals_extend_the_personal_feed(client, event):
    """How a study-visit assignment will join the feed: receivers of items and of a version."""
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [])
    url = (
        await client.post(f"/api/v1/registrations/{registration_id}/calendar-feed", headers=headers)
    ).json()["url"]
    visit = {"title": "ASAN service centre No. 1", "version": "1"}

    async def visit_items(agenda: services.Agenda) -> list[Item]:
        start = datetime.datetime(2027, 10, 13, 6, 0, tzinfo=UTC)
        return [
            Item(
                uid=agenda.site.uid("visit", agenda.registration_id),
                summary=visit["title"],
                start=start,
                end=start + datetime.timedelta(hours=3),
                zone=agenda.event["time_zone"],
                changed_at=start,
            )
        ]

    async def visit_version(dialect) -> str:
        return f"SELECT '{visit['version']}'"

    signals.agenda_items.connect(visit_items)
    signals.agenda_version.connect(visit_version)
    try:
        first = await client.get(feed_path(url))
        assert by_uid(parse(first.content))[f"visit-{registration_id}@{HOST}"].summary == visit["title"]

        visit.update(title="ASAN service centre No. 5", version="2")
        second = await client.get(feed_path(url), headers={"If-None-Match": first.headers["etag"]})
    finally:
        signals.agenda_items.disconnect(visit_items)
        signals.agenda_version.disconnect(visit_version)
    assert second.status_code == 200
    assert by_uid(parse(second.content))[f"visit-{registration_id}@{HOST}"].summary == visit["title"]


async def test_the_approval_email_carries_the_event_as_ics(client, event, event_organiser, tmp_path):
    import dataclasses
    import email

    from events.notifications.sender import send_due
    from events.notifications.tables import OutboxMessage
    from events.settings import get_settings

    body = {
        "given_names": "Amina",
        "family_name": "Moussa",
        "email": "ics@example.org",
        "gender": "female",
        "nationality": "DJI",
        "country_represented": "DJI",
        "institution": "Cabinet Office",
        "level": "mid",
        "consent": True,
    }
    registration_id = (await client.post(f"/api/v1/events/{event.id}/registrations", json=body)).json()[
        "registration"
    ]["id"]
    await client.post(
        f"/api/v1/registrations/{registration_id}/approve", json={}, headers=event_organiser.headers
    )
    await OutboxMessage.update({OutboxMessage.sent_at: None}).where(
        OutboxMessage.kind != "registration_approved"
    )
    settings = dataclasses.replace(get_settings(), email_backend="file", data_dir=tmp_path)
    await send_due("test-worker", settings)
    approved = (
        await OutboxMessage.select(OutboxMessage.id)
        .where(OutboxMessage.kind == "registration_approved")
        .first()
    )
    mail = email.message_from_bytes((tmp_path / "mail" / f"{approved['id']}.eml").read_bytes())
    attachments = [part for part in mail.walk() if part.get_filename() == "event.ics"]
    assert len(attachments) == 1
    calendar = attachments[0].get_payload(decode=True).decode()
    assert f"UID:event-{event.id}@" in calendar and event.title in calendar
