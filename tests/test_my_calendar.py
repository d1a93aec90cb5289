"""The participant's calendar on their own pages: the hub's "Your calendar" section and /my/calendar.

Only an approved participant gets a feed; the first visit makes it and every later visit shows the
same link (the token is kept encrypted for its owner, the feed still answers by its hash); a new
link stops the old one; stopping the feed keeps it stopped; nobody else sees the link. Everything
works with plain links and forms (no JavaScript)."""

from __future__ import annotations

import hashlib
import html
import json
import re
from urllib.parse import urlsplit

import msgspec
import pytest

from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.calendars import services
from events.calendars.items import Site
from events.calendars.tables import FeedToken
from events.errors import NotFound
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.registration import moderation
from events.registration.tables import Registration
from events.settings import get_settings
from tests.factories import SYSTEM
from tests.test_calendars import by_uid, parse
from tests.test_web import person, sign_in_participant, submit

BASE_URL = get_settings().base_url.rstrip("/")
HOST = urlsplit(BASE_URL).hostname
WEBCAL = re.compile(r'href="(webcal://[^"]+)"')
SHOWN_URL = re.compile(r"<code data-calendar-url>([^<]+)</code>")
DOWNLOAD = re.compile(r'href="([^"]+\?download=1)"')
COMES_WITH_APPROVAL = "Your calendar comes with approval"


@pytest.fixture(autouse=True)
def fresh_caches():
    services.rendered_feeds.clear()
    yield
    services.rendered_feeds.clear()


@pytest.fixture
async def calendar_event(make_event):
    """An event taking registrations, with a plenary and an optional workshop (Baku time)."""
    event = await make_event(capacity=10)
    for title, start, end, optional in (
        ("Opening plenary", "2027-10-12T09:00:00", "2027-10-12T10:30:00", False),
        ("Optional workshop", "2027-10-13T14:00:00", "2027-10-13T17:00:00", True),
    ):
        data = msgspec.convert(
            {"title": title, "kind": "plenary", "starts_at": start, "ends_at": end, "optional": optional},
            programme_schemas.SessionCreate,
        )
        await programme_services.create_session(SYSTEM, event.id, data)
    return event


async def signed_in(client, event_id: int, email: str, *, approve: bool = True) -> int:
    """Register through the form, sign in, and approve (as an organiser would); the registration id."""
    client.cookies.clear()
    response = await submit(client, event_id, person(email))
    assert response.status_code in {200, 303}, response.text
    registration = await Registration.select(Registration.id).where(Registration.email == email).first()
    assert (await sign_in_participant(client, email)).status_code == 303
    if approve:
        await moderation.approve(SYSTEM, registration["id"])
    return registration["id"]


def shown_links(page: str) -> tuple[str, str, str]:
    """The subscribe (webcal), copy (https) and download links a page shows."""
    webcal, url, download = WEBCAL.search(page), SHOWN_URL.search(page), DOWNLOAD.search(page)
    assert webcal and url and download, "no calendar links on the page"
    return html.unescape(webcal.group(1)), html.unescape(url.group(1)), html.unescape(download.group(1))


async def created_entries() -> list[dict]:
    rows = await AuditEntry.select(AuditEntry.action, AuditEntry.data).where(
        AuditEntry.action.like("calendar_feed.%")
    )
    for row in rows:
        if isinstance(row["data"], str):
            row["data"] = json.loads(row["data"])
    return rows


async def test_before_approval_the_calendar_comes_with_approval(client, calendar_event):
    await signed_in(client, calendar_event.id, "amina@example.org", approve=False)
    hub = await client.get("/my/registration")
    assert "Your calendar" in hub.text and COMES_WITH_APPROVAL in hub.text
    assert "webcal://" not in hub.text and 'href="/my/calendar"' not in hub.text
    page = await client.get("/my/calendar")
    assert page.status_code == 200 and COMES_WITH_APPROVAL in page.text and "webcal://" not in page.text
    assert 'action="/my/calendar/new-link"' not in page.text
    refused = await client.post("/my/calendar/new-link")
    assert refused.status_code == 303 and refused.headers["location"] == "/my/calendar"
    assert await FeedToken.count() == 0  # no feed is made before approval


async def test_the_approved_participant_sees_the_same_working_link_on_every_visit(client, calendar_event):
    registration_id = await signed_in(client, calendar_event.id, "amina@example.org")
    hub = await client.get("/my/registration")
    assert hub.status_code == 200 and COMES_WITH_APPROVAL not in hub.text
    webcal, url, download = shown_links(hub.text)
    token = re.fullmatch(rf"{re.escape(BASE_URL)}/calendars/personal/(osc_[\w-]{{43}})\.ics", url).group(1)
    assert webcal == "webcal://" + url.split("://", 1)[1]  # BASE_URL is http:// in tests
    assert download == url + "?download=1"
    assert 'href="/my/calendar"' in hub.text
    assert hub.text.count("<details>") == 5  # the help for each calendar app, folded

    page = await client.get("/my/calendar")
    assert page.status_code == 200 and len(page.content) < 100_000
    assert shown_links(page.text) == (webcal, url, download)
    assert 'action="/my/calendar/new-link"' in page.text and 'action="/my/calendar/stop"' in page.text
    for help_for in ("Outlook on the web", "Outlook for Windows", "Google Calendar", "iPhone", "Mac"):
        assert help_for in page.text
    again = await client.get("/my/registration")
    assert shown_links(again.text) == (webcal, url, download)

    # One feed, made on the first visit and audited; the token is stored only hashed and encrypted.
    rows = await FeedToken.select().where(FeedToken.registration == registration_id)
    assert len(rows) == 1 and rows[0]["revoked_at"] is None
    assert rows[0]["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert rows[0]["token_enc"] and token not in rows[0]["token_enc"]
    entries = await created_entries()
    assert [entry["action"] for entry in entries] == ["calendar_feed.created"]
    assert entries[0]["data"]["first_visit"] is True

    # The link works and the feed passes the strict parser, with the participant's sessions.
    feed = await client.get(urlsplit(url).path)
    assert feed.status_code == 200, feed.text
    items = by_uid(parse(feed.content))
    sessions = await programme_services.list_sessions(calendar_event.id)
    plenary = next(s for s in sessions if not s.optional)
    assert set(items) == {f"event-{calendar_event.id}@{HOST}", f"session-{plenary.id}@{HOST}"}
    saved = await client.get(urlsplit(download).path, params={"download": "1"})
    assert saved.headers["content-disposition"] == 'attachment; filename="my-agenda.ics"'

    # The API still says the feed works, and never shows its URL again.
    status = await services.personal_feed_status(SYSTEM, registration_id)
    assert status.active is True


@pytest.mark.parametrize("base_url", ["https://events.example.org", "http://events.example.org"])
async def test_the_subscribe_link_is_webcal_for_https_and_http_sites(
    client, calendar_event, monkeypatch, base_url
):
    monkeypatch.setattr(services, "site", lambda: Site.of(base_url))
    await signed_in(client, calendar_event.id, "amina@example.org")
    webcal, url, download = shown_links((await client.get("/my/calendar")).text)
    assert url.startswith(f"{base_url}/calendars/personal/osc_")
    assert webcal == "webcal://events.example.org" + urlsplit(url).path
    assert download == url + "?download=1"


async def test_a_new_link_replaces_the_old_one(client, calendar_event):
    registration_id = await signed_in(client, calendar_event.id, "amina@example.org")
    _, old_url, _ = shown_links((await client.get("/my/calendar")).text)
    made = await client.post("/my/calendar/new-link")
    assert made.status_code == 303 and made.headers["location"] == "/my/calendar"
    page = await client.get("/my/calendar")
    assert "Your new calendar link is ready" in page.text
    _, new_url, _ = shown_links(page.text)
    assert new_url != old_url
    assert (await client.get(urlsplit(old_url).path)).status_code == 404
    assert (await client.get(urlsplit(new_url).path)).status_code == 200
    assert shown_links((await client.get("/my/registration")).text)[1] == new_url

    rows = await FeedToken.select().where(FeedToken.registration == registration_id).order_by(FeedToken.id)
    assert [row["revoked_at"] is None for row in rows] == [False, True]
    assert rows[0]["token_enc"] is None  # a replaced token is erased
    entries = await created_entries()
    assert [entry["action"] for entry in entries] == ["calendar_feed.created", "calendar_feed.created"]
    assert entries[1]["data"]["replaced"] == [rows[0]["id"]]


async def test_a_stopped_feed_stays_stopped_until_a_new_link_is_asked_for(client, calendar_event):
    await signed_in(client, calendar_event.id, "amina@example.org")
    _, url, _ = shown_links((await client.get("/my/calendar")).text)
    stopped = await client.post("/my/calendar/stop")
    assert stopped.status_code == 303
    page = await client.get("/my/calendar")
    assert "Your calendar feed is stopped. Calendars subscribed" in page.text  # the flash
    assert "webcal://" not in page.text and 'action="/my/calendar/stop"' not in page.text
    assert (await client.get(urlsplit(url).path)).status_code == 404
    hub = await client.get("/my/registration")
    assert "Your calendar feed is stopped" in hub.text and "webcal://" not in hub.text
    assert await FeedToken.count().where(FeedToken.revoked_at.is_null()) == 0  # not made again
    assert [entry["action"] for entry in await created_entries()] == [
        "calendar_feed.created",
        "calendar_feed.revoked",
    ]

    await client.post("/my/calendar/new-link")
    _, fresh, _ = shown_links((await client.get("/my/calendar")).text)
    assert fresh != url and (await client.get(urlsplit(fresh).path)).status_code == 200


async def test_nobody_else_sees_the_link(client, calendar_event, make_account):
    first_id = await signed_in(client, calendar_event.id, "amina@example.org")
    _, first_url, _ = shown_links((await client.get("/my/calendar")).text)
    second_id = await signed_in(client, calendar_event.id, "bakhyt@example.org")
    _, second_url, _ = shown_links((await client.get("/my/calendar")).text)
    assert second_url != first_url
    assert first_url not in (await client.get("/my/registration")).text
    await client.post("/my/calendar/stop")  # stops the second participant's feed only
    assert (await client.get(urlsplit(first_url).path)).status_code == 200
    assert (await client.get(urlsplit(second_url).path)).status_code == 404

    second = Actor.participant(second_id, "B")
    with pytest.raises(NotFound):
        await services.own_personal_feed(second, first_id)
    with pytest.raises(NotFound):  # an organiser may manage the feed but is not shown its link
        await services.own_personal_feed(SYSTEM, first_id)
    client.cookies.clear()
    anonymous = await client.get("/my/calendar")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == "/my/registration"
    assert (await client.post("/my/calendar/new-link")).status_code == 303
    assert await FeedToken.count().where(FeedToken.revoked_at.is_null()) == 1


async def test_a_cancelled_registration_has_no_calendar(client, calendar_event):
    await signed_in(client, calendar_event.id, "amina@example.org")
    _, url, _ = shown_links((await client.get("/my/registration")).text)
    assert (await client.post("/my/registration/cancel", data={"note": ""})).status_code == 303
    hub = await client.get("/my/registration")
    assert 'data-status="cancelled"' in hub.text and "Your calendar" not in hub.text
    page = await client.get("/my/calendar")
    assert page.status_code == 200 and "There is no calendar for a cancelled" in page.text
    assert "webcal://" not in page.text and url not in page.text


async def test_a_feed_made_before_tokens_were_kept_can_be_replaced(client, calendar_event):
    registration_id = await signed_in(client, calendar_event.id, "amina@example.org", approve=True)
    await services.create_personal_feed(SYSTEM, registration_id)
    await FeedToken.update({FeedToken.token_enc: None}).where(FeedToken.registration == registration_id)
    page = await client.get("/my/calendar")
    assert "was made earlier and cannot be shown again" in page.text and "webcal://" not in page.text
    assert await FeedToken.count() == 1  # the working feed is left alone
    await client.post("/my/calendar/new-link")
    shown_links((await client.get("/my/calendar")).text)


async def test_kept_tokens_are_re_encrypted_with_the_newest_key(client, calendar_event):
    await signed_in(client, calendar_event.id, "amina@example.org")
    _, url, _ = shown_links((await client.get("/my/calendar")).text)
    before = await FeedToken.select(FeedToken.token_enc).first()
    async with services.write_transaction():
        assert await services.rotate_feed_secrets() == 1
    after = await FeedToken.select(FeedToken.token_enc).first()
    assert after["token_enc"] != before["token_enc"]
    assert shown_links((await client.get("/my/calendar")).text)[1] == url


async def test_the_calendar_speaks_the_participants_language(client, calendar_event):
    await signed_in(client, calendar_event.id, "amina@example.org")
    page = await client.get("/my/calendar", params={"lang": "fr"})
    assert "Votre calendrier" in page.text and "webcal://" in page.text


async def test_two_first_visits_at_once_make_one_feed(client, calendar_event, run_concurrently):
    registration_id = await signed_in(client, calendar_event.id, "amina@example.org")
    owner = Actor.participant(registration_id, "A")
    results = await run_concurrently(
        *(services.own_personal_feed(owner, registration_id, make_first=True) for _ in range(4))
    )
    assert not [result for result in results if isinstance(result, BaseException)], results
    assert len({result.links.url for result in results}) == 1
    assert await FeedToken.count() == 1
    assert len(await created_entries()) == 1
