"""The personal calendar feed's hot path: one statement answers who owns the token and the
fingerprint of everything the feed shows, and the body comes from the per-process cache keyed by
it. Every kind of change (a session moved, a sign-up, a visit assignment, a flight) is written
straight into the database or through a service and must show in the very next answer; a revoked
token stops at once; the cache stays within its bytes, gzip copies included."""

from __future__ import annotations

import contextlib
import datetime
import gzip

import aiosqlite
import asyncpg
import pytest

from events.calendars import services
from events.db import engine
from events.programme.tables import Session
from events.registration.signups import join_session
from events.registration.tables import SessionSignup
from events.travel import itineraries
from events.travel.schemas import SegmentCreate, SegmentUpdate
from events.visits.tables import VisitSlot
from tests import test_visits_feeds
from tests.factories import SYSTEM
from tests.test_calendars import add_session, approved_participant, by_uid, feed_path, parse
from tests.test_visits_feeds import _assign, _visits_setup

UTC = datetime.UTC
#: The feed tests' fixtures: every test starts with empty caches; ``builds`` counts the bodies built.
fresh_caches = test_visits_feeds.fresh_caches
builds = test_visits_feeds.builds
#: httpx asks for gzip unless told otherwise.
IDENTITY = {"Accept-Encoding": "identity"}


@contextlib.contextmanager
def statements_sent(monkeypatch):
    """Every SQL statement sent to the database driver while the block runs (both drivers)."""
    sent: list[str] = []
    sqlite_execute = aiosqlite.Connection.execute
    reader_run = engine._ReaderThreads._run  # SQLite's single statements outside transactions
    pg_execute, pg_query = asyncpg.connection.Connection._execute, asyncpg.connection.Connection.execute

    def counted_sqlite(self, sql, parameters=None):
        sent.append(sql)
        return sqlite_execute(self, sql, parameters)

    def counted_reader(self, sql, args):
        sent.append(sql)
        return reader_run(self, sql, args)

    async def counted_pg(self, query, *args, **kwargs):
        sent.append(query)
        return await pg_execute(self, query, *args, **kwargs)

    async def counted_pg_query(self, query, *args, **kwargs):
        if not args:  # with arguments it goes through _execute, counted there
            sent.append(query)
        return await pg_query(self, query, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(aiosqlite.Connection, "execute", counted_sqlite)
        patch.setattr(engine._ReaderThreads, "_run", counted_reader)
        patch.setattr(asyncpg.connection.Connection, "_execute", counted_pg)
        patch.setattr(asyncpg.connection.Connection, "execute", counted_pg_query)
        yield sent


@pytest.fixture
async def feed(client, event):
    """An approved participant with a personal feed: one session for everyone, one optional they
    chose, one optional they did not."""
    # On the last day, clear of the study visits' first two days.
    day = {"starts_at": "2027-10-14T09:00:00", "ends_at": "2027-10-14T10:00:00"}
    plenary = await add_session(event.id, title="Plenary", **day)
    chosen = await add_session(event.id, title="Chosen workshop", kind="workshop", optional=True, **day)
    other = await add_session(
        event.id,
        title="Other workshop",
        kind="workshop",
        optional=True,
        starts_at="2027-10-14T11:00:00",
        ends_at="2027-10-14T12:00:00",
    )
    registration_id, headers = await approved_participant(client, event.id, "amina@example.org", [chosen.id])
    created = await client.post(f"/api/v1/registrations/{registration_id}/calendar-feed", headers=headers)
    assert created.status_code == 201, created.text
    return {
        "path": feed_path(created.json()["url"]),
        "registration_id": registration_id,
        "headers": headers,
        "plenary": plenary,
        "chosen": chosen,
        "other": other,
    }


async def _cached(client, path: str, builds: list) -> bytes:
    """The feed, asked twice: the second answer comes from the cache, with the same bytes."""
    first = await client.get(path)
    assert first.status_code == 200, first.text
    built = len(builds)
    again = await client.get(path)
    assert again.status_code == 200 and again.content == first.content and len(builds) == built
    return first.content


async def _next_body(client, path: str, before: bytes, builds: list) -> bytes:
    built = len(builds)
    response = await client.get(path)
    assert response.status_code == 200, response.text
    assert response.content != before, "the cached body was served after a change"
    assert len(builds) == built + 1
    return response.content


# --- each kind of change shows at the next request ---------------------------------------------


async def test_a_session_moved_elsewhere_shows_at_the_next_request(client, feed, builds):
    before = await _cached(client, feed["path"], builds)
    # Written straight into the table, as another instance (or a script) would.
    await Session.update(
        {
            Session.starts_at: datetime.datetime(2027, 10, 12, 7, 0, tzinfo=UTC),
            Session.ends_at: datetime.datetime(2027, 10, 12, 8, 0, tzinfo=UTC),
            Session.sequence: Session.sequence + 1,
            Session.updated_at: datetime.datetime.now(UTC),
        }
    ).where(Session.id == feed["plenary"].id)
    after = await _next_body(client, feed["path"], before, builds)
    moved = by_uid(parse(after))[f"session-{feed['plenary'].id}@{services.site().host}"]
    assert moved.dtstart == datetime.datetime(2027, 10, 12, 7, 0, tzinfo=UTC)


async def test_a_sign_up_shows_at_the_next_request(client, feed, builds):
    before = await _cached(client, feed["path"], builds)
    uid = f"session-{feed['other'].id}@{services.site().host}"
    assert uid not in by_uid(parse(before))
    await join_session(SYSTEM, feed["registration_id"], feed["other"].id)
    after = await _next_body(client, feed["path"], before, builds)
    assert uid in by_uid(parse(after))

    # Leaving it, written straight into the table: gone at the next request. The inputs are those
    # of the first answer again, so its body (still cached under that fingerprint) is the answer.
    await SessionSignup.delete().where(
        SessionSignup.registration == feed["registration_id"], SessionSignup.session == feed["other"].id
    )
    left = await client.get(feed["path"])
    assert left.content == before and uid not in by_uid(parse(left.content))


async def test_a_visit_assignment_and_its_slot_moving_show_at_the_next_request(
    client, event, event_organiser, feed, builds
):
    visits = await _visits_setup(client, event, event_organiser.headers)
    before = await _cached(client, feed["path"], builds)
    assignment = await _assign(
        client, event, event_organiser.headers, feed["registration_id"], visits["slot"]["id"]
    )
    assigned = await _next_body(client, feed["path"], before, builds)
    uid = f"visit-{assignment['id']}@{services.site().host}"
    assert uid in by_uid(parse(assigned))

    # The slot's meeting point changed straight in the table (no updated_at moved): still seen.
    await VisitSlot.update({VisitSlot.meeting_point: "North gate"}).where(
        VisitSlot.id == visits["slot"]["id"]
    )
    moved = await _next_body(client, feed["path"], assigned, builds)
    assert "North gate" in by_uid(parse(moved))[uid].description


async def test_a_flight_added_and_changed_shows_at_the_next_request(client, feed, builds):
    before = await _cached(client, feed["path"], builds)
    segment = await itineraries.add_segment(
        SYSTEM,
        feed["registration_id"],
        SegmentCreate(
            direction="inbound",
            carrier="J2",
            flight_number="42",
            from_airport="IST",
            to_airport="GYD",
            departs_local=datetime.datetime(2027, 10, 11, 10, 0),
            arrives_local=datetime.datetime(2027, 10, 11, 13, 30),
            booking_reference="ABC123",
        ),
    )
    added = await _next_body(client, feed["path"], before, builds)
    assert b"J2 42" in added and b"ABC123" in added

    # Only the booking reference changes: the flight's row keeps its times and created_at.
    await itineraries.update_segment(SYSTEM, segment.id, SegmentUpdate(booking_reference="XYZ789"))
    changed = await _next_body(client, feed["path"], added, builds)
    assert b"XYZ789" in changed and b"ABC123" not in changed


# --- tokens --------------------------------------------------------------------------------------


async def test_a_revoked_or_replaced_token_is_a_404_at_once(client, feed, builds):
    await _cached(client, feed["path"], builds)
    api = f"/api/v1/registrations/{feed['registration_id']}/calendar-feed"
    assert (await client.delete(api, headers=feed["headers"])).status_code == 204
    assert (await client.get(feed["path"])).status_code == 404
    assert (await client.get(feed["path"], headers={"Accept-Encoding": "gzip"})).status_code == 404

    created = await client.post(api, headers=feed["headers"])
    new_path = feed_path(created.json()["url"])
    assert (await client.get(new_path)).status_code == 200
    replaced = await client.post(api, headers=feed["headers"])
    assert (await client.get(new_path)).status_code == 404
    assert (await client.get(feed_path(replaced.json()["url"]))).status_code == 200


# --- the statement budget ------------------------------------------------------------------------


async def test_a_cached_request_costs_one_statement(client, event, event_organiser, feed, monkeypatch):
    # With visits and flights in the feed, so every agenda_version fragment has rows to read.
    visits = await _visits_setup(client, event, event_organiser.headers)
    await _assign(client, event, event_organiser.headers, feed["registration_id"], visits["slot"]["id"])
    first = await client.get(feed["path"], headers=IDENTITY)
    assert first.status_code == 200
    etag = first.headers["etag"]
    gzipped = await client.get(feed["path"], headers={"Accept-Encoding": "gzip"})
    assert gzipped.status_code == 200

    for headers in (IDENTITY, {"Accept-Encoding": "gzip"}, {"If-None-Match": etag, **IDENTITY}):
        with statements_sent(monkeypatch) as sent:
            response = await client.get(feed["path"], headers=headers)
        assert response.status_code in (200, 304)
        assert len(sent) == 1, sent
        assert '"calendar_feed_token"' in sent[0]


async def test_an_unknown_token_costs_one_statement_and_a_malformed_one_none(client, feed, monkeypatch):
    with statements_sent(monkeypatch) as sent:
        unknown = await client.get("/calendars/personal/osc_" + "A" * 43 + ".ics")
    assert unknown.status_code == 404 and len(sent) == 1
    with statements_sent(monkeypatch) as sent:
        malformed = await client.get("/calendars/personal/nothing.ics")
    assert malformed.status_code == 404 and sent == []


# --- the variants ----------------------------------------------------------------------------------


async def test_gzip_and_304_follow_a_change(client, feed):
    plain = await client.get(feed["path"], headers=IDENTITY)
    assert "content-encoding" not in plain.headers
    zipped = await client.get(feed["path"], headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip" and zipped.headers["vary"] == "Accept-Encoding"
    # httpx decodes the coding; the bytes on the wire are gzip of the same body.
    assert zipped.content == plain.content
    assert zipped.headers["etag"] != plain.headers["etag"]
    for tag in (plain.headers["etag"], zipped.headers["etag"]):
        assert (await client.get(feed["path"], headers={"If-None-Match": tag})).status_code == 304

    await join_session(SYSTEM, feed["registration_id"], feed["other"].id)
    for tag, coding in ((plain.headers["etag"], "identity"), (zipped.headers["etag"], "gzip")):
        response = await client.get(feed["path"], headers={"If-None-Match": tag, "Accept-Encoding": coding})
        assert response.status_code == 200 and response.headers["etag"] != tag
        assert f"session-{feed['other'].id}@".encode() in response.content


# --- the cache ---------------------------------------------------------------------------------------


def test_the_cache_keeps_within_its_bytes_counting_gzip_copies():
    cache = services.RenderedFeeds(max_bytes=3000)
    now = datetime.datetime(2027, 1, 1, tzinfo=UTC)
    bodies = {name: (name * 1000).encode() for name in "abc"}  # 1,000 bytes each, compress well
    for name, body in bodies.items():
        cache.put(name, services.Rendered(body, now))
    assert cache.size == 3000
    zipped = cache.gzipped("a", cache.get("a"))
    assert gzip.decompress(zipped) == bodies["a"]
    # "a" grew by its gzip copy and was used last, so "b" (least recently used) had to go.
    assert cache.get("b") is None and cache.get("a") is not None and cache.get("c") is not None
    assert cache.size == 2000 + len(zipped) <= 3000
    cache.put("d", services.Rendered(b"d" * 1500, now))
    assert cache.size <= 3000 and cache.get("d") is not None
    cache.put("huge", services.Rendered(b"h" * 4000, now))
    assert cache.get("huge") is None and cache.size <= 3000
