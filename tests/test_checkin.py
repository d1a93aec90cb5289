"""On-site check-in through the API: checkpoints, every denial reason, nonce idempotency, one admission
under concurrency, the offline kit, offline sync with conflicts, the live view and bad input."""

from __future__ import annotations

import asyncio
import datetime
import itertools
import uuid

import msgspec
import pytest

from events import crypto
from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.badges import services as badge_services
from events.badges import tokens
from events.badges.tables import Badge, BadgeKey
from events.checkin import config, scan_path, scanning, schemas
from events.checkin.controllers import forget_devices
from events.checkin.rules import FROM_BADGE, MESSAGES, Reason
from events.checkin.tables import CheckinConflict, Presence, Scan
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.programme.tables import Session
from events.registration import moderation, submission
from events.registration import schemas as registration_schemas
from events.registration.tables import Channel
from events.visits.tables import Site, SlotVehicle, Vehicle, VisitAssignment, VisitSlot
from tests.factories import SYSTEM, create_account
from tests.test_registration_workflow import person

UTC = datetime.UTC
API = "/api/v1"
_emails = itertools.count(1)


@pytest.fixture(autouse=True)
def fresh_caches():
    """Ids restart after each test's clean-up; cached rules must not outlive their rows."""
    config.forget()
    forget_devices()
    yield
    config.forget()
    forget_devices()


def now() -> datetime.datetime:
    return datetime.datetime.now(UTC)


@pytest.fixture
async def live_event(make_event):
    """An event on now: yesterday to tomorrow, so today's badges are valid."""
    today = datetime.date.today()
    return await make_event(
        start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=1)
    )


@pytest.fixture
async def organiser(live_event):
    return await create_account(Role.organiser, live_event.id)


@pytest.fixture
async def scanner(live_event):
    return await create_account(Role.staff, live_event.id)


async def approved(event_id: int, *, name: str = "Amina", **overrides) -> int:
    data = msgspec.convert(
        person(
            email=f"{name.lower()}.{next(_emails)}@example.org",
            given_names=name,
            preferred_name=name,
            **overrides,
        ),
        registration_schemas.RegistrationCreate,
    )
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
    )
    assert result.registration.status == "approved"
    return result.registration.id


async def badge(registration_id: int) -> str:
    return (await badge_services.issue_badge(SYSTEM, registration_id)).badge.token


async def attendee(event_id: int, **overrides) -> tuple[int, str]:
    registration_id = await approved(event_id, **overrides)
    return registration_id, await badge(registration_id)


async def checkpoint(client, event_id: int, headers, **body) -> dict:
    values = {"name": "Main entrance", "kind": "venue_entrance", **body}
    response = await client.post(f"{API}/events/{event_id}/checkin/checkpoints", json=values, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def nonce() -> str:
    return str(uuid.uuid4())


async def scan(client, event_id: int, headers, checkpoint_id: int, token: str | None = None, **more):
    body = {"checkpoint_id": checkpoint_id, "device_id": "phone-1", "nonce": nonce(), **more}
    if token is not None:
        body["token"] = token
    return await client.post(f"{API}/events/{event_id}/checkin/scans", json=body, headers=headers)


async def answer(
    client, event_id: int, headers, checkpoint_id: int, token: str | None = None, **more
) -> dict:
    response = await scan(client, event_id, headers, checkpoint_id, token, **more)
    assert response.status_code == 200, response.text
    return response.json()


async def audit_actions(prefix: str = "checkin.") -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.action.like(f"{prefix}%"))
        .order_by(AuditEntry.id)
    )
    return [row["action"] for row in rows]


async def add_session(event, *, optional: bool, hours_from_now: float = 0, title: str = "Workshop") -> int:
    start = now() + datetime.timedelta(hours=hours_from_now)
    data = msgspec.convert(
        {
            "title": title,
            "kind": "workshop",
            "starts_at": start.isoformat(),
            "ends_at": (start + datetime.timedelta(hours=1)).isoformat(),
            "optional": optional,
        },
        programme_schemas.SessionCreate,
    )
    return (await programme_services.create_session(SYSTEM, event.id, data)).id


# --- checkpoints -----------------------------------------------------------------------------------------


async def test_checkpoints_are_managed_by_organisers_and_audited(client, live_event, organiser, scanner):
    url = f"{API}/events/{live_event.id}/checkin/checkpoints"
    session_id = await add_session(live_event, optional=True)
    door = await checkpoint(client, live_event.id, organiser.headers)
    assert door["admits"] == "event" and door["window"] == {
        "opens_at": None,
        "closes_at": None,
        "source": "none",
    }
    room = await checkpoint(
        client,
        live_event.id,
        organiser.headers,
        name="Room B",
        kind="session_room",
        session_id=session_id,
        minutes_before=15,
        minutes_after=10,
        single_entry=True,
    )
    assert room["admits"] == "session" and room["window"]["source"] == "session"
    session = await Session.select().where(Session.id == session_id).first()
    opens = datetime.datetime.fromisoformat(room["window"]["opens_at"])
    assert opens == session["starts_at"] - datetime.timedelta(minutes=15)
    assert opens.utcoffset() == datetime.timedelta(hours=4)  # shown in the event's zone (Baku)

    assert (
        await client.post(url, json={"name": "x", "kind": "venue_entrance"}, headers=scanner.headers)
    ).status_code == 403
    listed = await client.get(url, headers=scanner.headers)
    assert listed.status_code == 200 and [c["name"] for c in listed.json()["items"]] == [
        "Main entrance",
        "Room B",
    ]

    bad = await client.post(url, json={"name": "Room C", "kind": "session_room"}, headers=organiser.headers)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "session_id"
    bus = await client.post(
        url,
        json={"name": "Bus", "kind": "visit_bus", "visit_checkpoint": "VS-NOPE.VH-NOPE"},
        headers=organiser.headers,
    )
    assert bus.status_code == 422 and bus.json()["errors"][0]["field"] == "visit_checkpoint"
    backwards = await client.post(
        url,
        json={
            "name": "Late",
            "kind": "help_desk",
            "opens_at": "2026-01-02T10:00:00",
            "closes_at": "2026-01-02T09:00:00",
        },
        headers=organiser.headers,
    )
    assert backwards.status_code == 422 and backwards.json()["errors"][0]["field"] == "closes_at"
    unknown = await client.post(
        url, json={"name": "X", "kind": "venue_entrance", "colour": "red"}, headers=organiser.headers
    )
    assert unknown.status_code == 400

    patched = await client.patch(
        f"{url}/{door['id']}", json={"name": "North door", "tracks_exit": True}, headers=organiser.headers
    )
    assert (
        patched.status_code == 200
        and patched.json()["name"] == "North door"
        and patched.json()["tracks_exit"]
    )
    assert (
        await client.patch(f"{url}/{door['id']}", json={"name": "y"}, headers=scanner.headers)
    ).status_code == 403

    _, token = await attendee(live_event.id)
    await answer(client, live_event.id, scanner.headers, door["id"], token)
    refused = await client.delete(f"{url}/{door['id']}", headers=organiser.headers)
    assert refused.status_code == 409 and "active: false" in refused.json()["detail"]
    closed = await client.patch(f"{url}/{door['id']}", json={"active": False}, headers=organiser.headers)
    assert closed.json()["active"] is False
    at_closed = await scan(client, live_event.id, scanner.headers, door["id"], token)
    assert at_closed.status_code == 409
    assert (await client.delete(f"{url}/{room['id']}", headers=organiser.headers)).status_code == 204
    assert (await client.get(f"{url}/{room['id']}", headers=scanner.headers)).status_code == 404
    assert await audit_actions() == [
        "checkin.checkpoint_created",
        "checkin.checkpoint_created",
        "checkin.checkpoint_updated",
        "checkin.checkpoint_updated",
        "checkin.checkpoint_deleted",
    ]
    # A session with a checkpoint cannot be deleted from under it.
    other = await checkpoint(
        client, live_event.id, organiser.headers, name="Room D", kind="session_room", session_id=session_id
    )
    assert other["session_id"] == session_id
    blocked = await client.delete(
        f"{API}/events/{live_event.id}/sessions/{session_id}", headers=organiser.headers
    )
    assert blocked.status_code == 409 and "checkpoint" in blocked.json()["detail"]


# --- scanning online --------------------------------------------------------------------------------------


async def test_a_valid_badge_is_admitted_with_what_staff_need(client, live_event, organiser, scanner):
    door = await checkpoint(client, live_event.id, organiser.headers)
    registration_id, token = await attendee(
        live_event.id,
        name="Tevita",
        country_represented="TON",
        nationality="TON",
        accessibility=["step_free_access", "dietary"],
        accessibility_other="guide dog",
        passport_number="P1234567",
        needs_visa=True,
        passport_expiry="2031-01-01",
        date_of_birth="1980-01-01",
        place_of_birth="Nuku'alofa",
    )
    await approved(live_event.id, name="Other")  # expected counts both
    response = await scan(client, live_event.id, scanner.headers, door["id"], token)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["result"] == "ok" and body["reason"] is None and body["message"] == "Welcome"
    assert body["person"] == {
        "registration_id": registration_id,
        "reference": body["person"]["reference"],
        "name": "Tevita",
        "full_name": "Tevita Moussa",
        "country": "TON",
        "country_name": "Tonga",
        "role": "participant",
        "accessibility": ["step_free_access"],
        "accessibility_other": "guide dog",
    }
    assert body["counts"] == {"inside": 1, "admitted": 1, "expected": 2}
    assert body["checkpoint"] == {"id": door["id"], "name": "Main entrance"}
    assert body["scanned_at"].endswith("+04:00")
    assert "P1234567" not in response.text and "1980" not in response.text
    row = await Scan.select().where(Scan.id == body["scan_id"]).first()
    assert (
        row["result"] == "ok"
        and row["registration"] == registration_id
        and row["scanned_by"] == scanner.user_id
    )
    # Multiple entry without exits: admitted again, counted once.
    again = await answer(client, live_event.id, scanner.headers, door["id"], token)
    assert again["result"] == "ok" and again["counts"]["admitted"] == 1
    assert (await Presence.select(Presence.entries).first())["entries"] == 2


async def _signed_by_the_event(event_id: int, badge_id: int, **overrides) -> str:
    key = await BadgeKey.select().where(BadgeKey.event == event_id).first()
    values = {
        "private_key": crypto.decrypt(key["private_key_enc"]),
        "key_id": key["key_id"],
        "event_id": event_id,
        "badge_id": badge_id,
        "version": 1,
        "not_before": now() - datetime.timedelta(days=1),
        "not_after": now() + datetime.timedelta(days=1),
    }
    values.update(overrides)
    return tokens.issue_token(**values)


def _tamper(token: str) -> str:
    """Change one character of the signature (the end of the token)."""
    last = token[-10]
    return token[:-10] + ("A" if last != "A" else "B") + token[-9:]


async def test_every_denial_reason(client, live_event, make_event, organiser, scanner):
    event_id = live_event.id
    door = await checkpoint(client, event_id, organiser.headers, single_entry=True)
    seen: dict[str, dict] = {}

    async def refused(expected: str, checkpoint_id: int, token: str | None = None, **more) -> dict:
        body = await answer(client, event_id, scanner.headers, checkpoint_id, token, **more)
        assert body["result"] == "denied", body
        assert body["reason"] == expected, body
        assert body["message"] == MESSAGES[Reason(expected)]
        seen[expected] = body
        return body

    # unknown: not a badge code; or a code signed with our key for a badge never issued.
    await refused("unknown", door["id"], "HELLO WORLD")
    registration_id, token = await attendee(event_id, name="Amina")
    await refused("unknown", door["id"], await _signed_by_the_event(event_id, 999_999))
    # forged: an altered signature; a key this event never had.
    assert (await refused("forged", door["id"], _tamper(token)))["person"] is None
    stranger = tokens.new_key_pair()
    await refused(
        "forged",
        door["id"],
        tokens.issue_token(
            private_key=stranger.private_key,
            key_id=stranger.key_id,
            event_id=event_id,
            badge_id=1,
            version=1,
            not_before=now() - datetime.timedelta(days=1),
            not_after=now() + datetime.timedelta(days=1),
        ),
    )
    # revoked: a lost badge replaced by a reissue.
    lost_id, lost = await attendee(event_id, name="Bola")
    await badge_services.reissue_badge(SYSTEM, lost_id, "lost")
    assert (await refused("revoked", door["id"], lost))["person"]["name"] == "Bola"
    # wrong_event
    other = await make_event(
        start_date=live_event.start_date, end_date=live_event.end_date, title="Regional forum"
    )
    _, elsewhere = await attendee(other.id, name="Chen")
    await refused("wrong_event", door["id"], elsewhere)
    # cancelled: the registration (its badge is revoked with it) …
    gone_id, gone = await attendee(event_id, name="Dawit")
    await moderation.cancel(SYSTEM, gone_id, "cannot travel")
    await refused("cancelled", door["id"], gone)
    # … or the checkpoint's session.
    cancelled_session = await add_session(live_event, optional=False, title="Cancelled panel")
    panel = await checkpoint(
        client, event_id, organiser.headers, name="Panel", kind="session_room", session_id=cancelled_session
    )
    await Session.update({Session.cancelled: True}).where(Session.id == cancelled_session)
    config.forget()
    await refused("cancelled", panel["id"], token)
    # not_registered: admitting by name someone who is not approved.
    submitted = await submission.submit(
        msgspec.convert(person(email="waiting@example.org"), registration_schemas.RegistrationCreate),
        event_id=event_id,
        channel=Channel.walk_in,
        actor=SYSTEM,
        approve_when_seats=False,
    )
    assert submitted.registration.status == "submitted"
    await refused("not_registered", door["id"], registration_id=submitted.registration.id)
    # not_signed_up: an optional session without a seat.
    optional = await add_session(live_event, optional=True, title="Workshop")
    room = await checkpoint(
        client,
        event_id,
        organiser.headers,
        name="Workshop room",
        kind="session_room",
        session_id=optional,
        opens_at=(now() - datetime.timedelta(hours=1)).isoformat(),
        closes_at=(now() + datetime.timedelta(hours=1)).isoformat(),
    )
    await refused("not_signed_up", room["id"], token)
    # not_assigned: a visit bus the person is not seated in.
    bus_checkpoint, seated = await _visit_bus(event_id, organiser_headers=organiser.headers, client=client)
    await refused("not_assigned", bus_checkpoint["id"], token)
    ok = await answer(client, event_id, scanner.headers, bus_checkpoint["id"], seated)
    assert ok["result"] == "ok" and ok["counts"]["expected"] == 1
    # outside_time_window: the checkpoint's window, or the badge's own validity.
    past = await checkpoint(
        client,
        event_id,
        organiser.headers,
        name="Breakfast",
        kind="help_desk",
        opens_at=(now() - datetime.timedelta(hours=3)).isoformat(),
        closes_at=(now() - datetime.timedelta(hours=2)).isoformat(),
    )
    await refused("outside_time_window", past["id"], token)
    later = await make_event(
        start_date=datetime.date.today() + datetime.timedelta(days=30),
        end_date=datetime.date.today() + datetime.timedelta(days=31),
    )
    later_door = await checkpoint(client, later.id, (await create_account(Role.organiser, later.id)).headers)
    _, early = await attendee(later.id, name="Early")
    later_staff = await create_account(Role.staff, later.id)
    early_answer = await answer(client, later.id, later_staff.headers, later_door["id"], early)
    assert early_answer["reason"] == "outside_time_window" and "valid from" in early_answer["detail"]
    seen["outside_time_window (badge)"] = early_answer
    # already_inside: a single-entry checkpoint admits a badge once.
    first = await answer(client, event_id, scanner.headers, door["id"], token)
    assert first["result"] == "ok"
    again = await refused("already_inside", door["id"], token)
    assert again["person"]["registration_id"] == registration_id

    assert {reason.value for reason in Reason} <= set(seen)
    # Every reason of the badge verifier has a check-in reason.
    assert set(FROM_BADGE) == set(tokens.Reason)


async def _visit_bus(event_id: int, *, organiser_headers, client) -> tuple[dict, str]:
    """A visit slot with one vehicle and one seated participant; its checkpoint, and their badge."""
    site = Site(name=f"ASAN Xidmət {event_id}", city="Baku")
    await site.save()
    vehicle = Vehicle(event=event_id, key=f"VH-T{event_id}", name="Coach", seats=40)
    await vehicle.save()
    start = now().replace(microsecond=0)
    slot = VisitSlot(
        event=event_id,
        site=site.id,
        key=f"VS-T{event_id}",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        guide_language="en",
    )
    await slot.save()
    await SlotVehicle(slot=slot.id, vehicle=vehicle.id).save()
    rider_id, rider_token = await attendee(event_id, name="Rider")
    await VisitAssignment(event=event_id, registration=rider_id, slot=slot.id, vehicle=vehicle.id).save()
    bus = await checkpoint(
        client,
        event_id,
        organiser_headers,
        name="Coach to ASAN",
        kind="visit_bus",
        visit_checkpoint=f"VS-T{event_id}.VH-T{event_id}",
        single_entry=True,
    )
    assert bus["admits"] == "visit" and bus["window"]["source"] == "visit"
    return bus, rider_token


# --- idempotency and concurrency ------------------------------------------------------------------------


async def test_a_retry_with_the_same_nonce_returns_the_first_answer(client, live_event, organiser, scanner):
    door = await checkpoint(client, live_event.id, organiser.headers, single_entry=True)
    _, token = await attendee(live_event.id)
    _, other = await attendee(live_event.id, name="Bola")
    body = {"checkpoint_id": door["id"], "device_id": "phone-7", "nonce": nonce(), "token": token}
    url = f"{API}/events/{live_event.id}/checkin/scans"
    first = await client.post(url, json=body, headers=scanner.headers)
    retry = await client.post(url, json={**body, "token": f"  {token.lower()} "}, headers=scanner.headers)
    assert first.status_code == retry.status_code == 200
    assert first.json()["result"] == "ok"
    assert retry.content == first.content and retry.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await Scan.count() == 1 and (await Presence.select(Presence.entries).first())["entries"] == 1
    clash = await client.post(url, json={**body, "token": other}, headers=scanner.headers)
    assert clash.status_code == 409 and "nonce" in clash.json()["detail"]
    moved = await client.post(url, json={**body, "direction": "out"}, headers=scanner.headers)
    assert moved.status_code in (409, 422)
    # Another device may use the same nonce: it is its own scan (and here, a second entry).
    elsewhere = await client.post(url, json={**body, "device_id": "phone-8"}, headers=scanner.headers)
    assert elsewhere.json()["reason"] == "already_inside"
    assert await Scan.count() == 2


@pytest.mark.parametrize("grouped", [True, False], ids=["grouped", "one-transaction-each"])
async def test_concurrent_scans_of_a_single_entry_badge_admit_exactly_once(
    client, live_event, organiser, scanner, monkeypatch, grouped
):
    monkeypatch.setattr(scanning, "GROUP_SCANS", grouped)
    door = await checkpoint(client, live_event.id, organiser.headers, single_entry=True)
    registration_id, token = await attendee(live_event.id)
    url = f"{API}/events/{live_event.id}/checkin/scans"

    def request(n: int):
        body = {"checkpoint_id": door["id"], "device_id": f"gate-{n % 4}", "nonce": nonce(), "token": token}
        return client.post(url, json=body, headers=scanner.headers)

    responses = await asyncio.gather(*(request(n) for n in range(24)))
    assert [r.status_code for r in responses] == [200] * 24
    results = sorted(r.json()["reason"] or "ok" for r in responses)
    assert results == ["already_inside"] * 23 + ["ok"]
    presence = await Presence.select().where(Presence.registration == registration_id)
    assert len(presence) == 1 and presence[0]["entries"] == 1
    assert await Scan.count().where(Scan.result == "ok") == 1


async def test_concurrent_transactions_race_on_the_presence_row(client, live_event, organiser, scanner):
    """Each scan in its own transaction at the same moment (on PostgreSQL: separate connections
    racing on the row; on SQLite: writers in turn): one admission, for entries and re-entries."""
    once = await checkpoint(client, live_event.id, organiser.headers, name="Once", single_entry=True)
    door = await checkpoint(client, live_event.id, organiser.headers, name="Door", tracks_exit=True)
    _, token = await attendee(live_event.id)
    data = [
        msgspec.convert(
            {"checkpoint_id": cp["id"], "device_id": f"d{n}", "nonce": nonce(), "token": token},
            schemas.ScanCreate,
        )
        for cp in (once, door)
        for n in range(12)
    ]
    items = [await scanning.prepare(scanner.actor, live_event.id, d) for d in data]
    outcomes = await asyncio.gather(*(scan_path.apply([item]) for item in items))
    answers = [msgspec.json.decode(o[0].answer) for o in outcomes]
    for cp in (once, door):
        mine = [a for a in answers if a["checkpoint"]["id"] == cp["id"]]
        assert sorted(a["result"] for a in mine) == ["denied"] * 11 + ["ok"]
    # Out, then again in: exactly one of the racing re-entries.
    out = await answer(client, live_event.id, scanner.headers, door["id"], token, direction="out")
    assert out["result"] == "ok" and out["counts"]["inside"] == 0
    again = [
        await scanning.prepare(
            scanner.actor,
            live_event.id,
            msgspec.convert(
                {"checkpoint_id": door["id"], "device_id": f"r{n}", "nonce": nonce(), "token": token},
                schemas.ScanCreate,
            ),
        )
        for n in range(8)
    ]
    outcomes = await asyncio.gather(*(scan_path.apply([item]) for item in again))
    assert sorted(msgspec.json.decode(o[0].answer)["result"] for o in outcomes) == ["denied"] * 7 + ["ok"]


@pytest.mark.postgres_only
async def test_scans_racing_from_several_processes_admit_once(
    live_event, organiser, scanner, client, tmp_path
):
    """Three worker processes of the real service on PostgreSQL, each receiving scans of the same
    single-entry badge at the same moment: exactly one ``ok`` across all of them."""
    import os
    import socket
    import sys
    import time

    import httpx

    from events.settings import get_settings

    door = await checkpoint(client, live_event.id, organiser.headers, single_entry=True)
    _, token = await attendee(live_event.id)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {
        **os.environ,
        "DATABASE_URL": get_settings().database_url,
        "DATA_DIR": str(tmp_path),
        "OUTBOX_WORKER": "off",
        "LOG_LEVEL": "WARNING",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "uvicorn",
        "events.app:create_app",
        "--factory",
        "--workers",
        "3",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if (await http.get("/health")).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                assert time.monotonic() < deadline, "the server did not start"
                await asyncio.sleep(0.2)
            url = f"{API}/events/{live_event.id}/checkin/scans"

            async def one(n: int):
                async with httpx.AsyncClient(base_url=base, timeout=30) as own:  # a connection each
                    body = {
                        "checkpoint_id": door["id"],
                        "device_id": f"gate-{n}",
                        "nonce": nonce(),
                        "token": token,
                    }
                    return await own.post(url, json=body, headers=scanner.headers)

            responses = await asyncio.gather(*(one(n) for n in range(30)))
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), timeout=20)
    assert all(r.status_code == 200 for r in responses), [r.text for r in responses if r.status_code != 200]
    assert sorted(r.json()["result"] for r in responses) == ["denied"] * 29 + ["ok"]
    assert await Scan.count().where(Scan.result == "ok") == 1


# --- exits, lookup, manual admission ----------------------------------------------------------------------


async def test_exits_keep_the_inside_count(client, live_event, organiser, scanner):
    door = await checkpoint(client, live_event.id, organiser.headers, tracks_exit=True)
    _, token = await attendee(live_event.id)
    _, second = await attendee(live_event.id, name="Bola")
    assert (await answer(client, live_event.id, scanner.headers, door["id"], token))["counts"]["inside"] == 1
    assert (await answer(client, live_event.id, scanner.headers, door["id"], token))[
        "reason"
    ] == "already_inside"
    assert (await answer(client, live_event.id, scanner.headers, door["id"], second))["counts"]["inside"] == 2
    out = await answer(client, live_event.id, scanner.headers, door["id"], token, direction="out")
    assert (
        out["result"] == "ok"
        and out["message"] == "Goodbye"
        and out["counts"] == {"inside": 1, "admitted": 2, "expected": 2}
    )
    never_in = await answer(client, live_event.id, scanner.headers, door["id"], token, direction="out")
    assert never_in["result"] == "ok" and never_in["detail"] == "was not recorded inside"
    back = await answer(client, live_event.id, scanner.headers, door["id"], token)
    assert back["result"] == "ok" and back["counts"]["inside"] == 2
    # Nobody is kept from leaving: a badge revoked while inside still scans out.
    await badge_services.revoke_badges_of_registration(SYSTEM, back["person"]["registration_id"], "revoked")
    leaving = await answer(client, live_event.id, scanner.headers, door["id"], token, direction="out")
    assert leaving["result"] == "ok"
    assert (await answer(client, live_event.id, scanner.headers, door["id"], "garbage", direction="out"))[
        "reason"
    ] == "unknown"


async def test_someone_without_a_badge_is_found_by_name_and_admitted(client, live_event, organiser, scanner):
    door = await checkpoint(client, live_event.id, organiser.headers, single_entry=True)
    registration_id = await approved(live_event.id, name="Makerita", accessibility=["sign_language"])
    url = f"{API}/events/{live_event.id}/checkin/lookup"
    found = await client.get(url, params={"checkpoint_id": door["id"], "q": "maker"}, headers=scanner.headers)
    assert found.status_code == 200, found.text
    (item,) = found.json()
    assert item["person"]["registration_id"] == registration_id and item["may_pass"] is True
    assert item["has_badge"] is False and item["person"]["accessibility"] == ["sign_language"]
    admitted = await answer(
        client, live_event.id, scanner.headers, door["id"], registration_id=registration_id
    )
    assert admitted["result"] == "ok" and admitted["mode"] == "manual"
    again = (
        await client.get(url, params={"checkpoint_id": door["id"], "q": "Makerita"}, headers=scanner.headers)
    ).json()
    assert again[0]["may_pass"] is False and again[0]["reason"] == "already_inside" and again[0]["admitted"]
    short = await client.get(url, params={"checkpoint_id": door["id"], "q": "%"}, headers=scanner.headers)
    assert short.status_code == 422
    both = await scan(
        client, live_event.id, scanner.headers, door["id"], "TOKEN", registration_id=registration_id
    )
    assert both.status_code == 422


# --- the offline kit ---------------------------------------------------------------------------------------


async def test_the_offline_kit_has_what_a_device_needs_and_updates_incrementally(
    client, live_event, organiser, scanner
):
    optional = await add_session(live_event, optional=True)
    room = await checkpoint(
        client,
        live_event.id,
        organiser.headers,
        name="Workshop",
        kind="session_room",
        session_id=optional,
        single_entry=True,
    )
    data = msgspec.convert(
        person(
            email="signed@example.org",
            given_names="Sione",
            preferred_name="",
            session_ids=[optional],
            needs_visa=True,
            passport_number="P7654321",
            passport_expiry="2031-01-01",
            date_of_birth="1979-02-03",
            place_of_birth="Apia",
        ),
        registration_schemas.RegistrationCreate,
    )
    signed = await submission.submit(
        data, event_id=live_event.id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
    )
    signed_id = signed.registration.id
    signed_token = await badge(signed_id)
    _, unsigned_token = await attendee(live_event.id, name="Nobody")
    url = f"{API}/events/{live_event.id}/checkin/checkpoints/{room['id']}/kit"
    response = await client.get(url, headers=scanner.headers)
    assert response.status_code == 200, response.text
    assert "P7654321" not in response.text and "1979" not in response.text and "Apia" not in response.text
    assert "signed@example.org" not in response.text
    kit = response.json()
    assert kit["full"] is True and kit["format"] == 1
    assert kit["rules"]["admits"] == "session" and kit["rules"]["session_optional"] is True
    assert kit["rules"]["single_entry"] is True
    assert kit["allowed"] == [signed_id]
    (person_row,) = kit["people"]
    assert person_row["registration_id"] == signed_id and person_row["name"] == "Sione"
    assert person_row["badge_id"] == tokens.read_token(signed_token).badge_id
    assert [k["key_id"] for k in kit["keys"]] == [tokens.read_token(signed_token).key_id]
    assert (
        kit["revoked"] == [] and kit["admitted"] == [] and set(kit["messages"]) == {r.value for r in Reason}
    )

    # The device decides alone with the kit, exactly as the service would.
    keys = [
        tokens.PublicKey(key_id=k["key_id"], event_id=live_event.id, public_key=k["public_key"])
        for k in kit["keys"]
    ]
    assert isinstance(tokens.verify_token(signed_token, keys, {}, live_event.id, now()), tokens.VerifiedBadge)
    unsigned_badge = tokens.read_token(unsigned_token).badge_id
    assert unsigned_badge not in {p["badge_id"] for p in kit["people"]}  # → not_signed_up on the device

    # Changes since: a revocation, a new person, an admission.
    await answer(client, live_event.id, scanner.headers, room["id"], signed_token)
    await badge_services.reissue_badge(SYSTEM, signed_id, "lost")
    newcomer = await submission.submit(
        msgspec.convert(
            person(email="new@example.org", given_names="Lagi", session_ids=[optional]),
            registration_schemas.RegistrationCreate,
        ),
        event_id=live_event.id,
        channel=Channel.walk_in,
        actor=SYSTEM,
        approve_when_seats=True,
    )
    await badge(newcomer.registration.id)
    later = (await client.get(url, params={"since": kit["as_of"]}, headers=scanner.headers)).json()
    assert later["full"] is False
    assert [r["badge_id"] for r in later["revoked"]] == [person_row["badge_id"]]
    assert later["revoked"][0]["kind"] == "superseded"
    assert {p["registration_id"] for p in later["people"]} == {signed_id, newcomer.registration.id}
    assert later["allowed"] == sorted([signed_id, newcomer.registration.id])
    assert later["admitted"] == [signed_id] and later["counts"]["admitted"] == 1
    naive = await client.get(url, params={"since": "2026-01-01T00:00:00"}, headers=scanner.headers)
    assert naive.status_code == 422
    assert (
        await client.get(url, headers=(await create_account(Role.participant)).headers)
    ).status_code == 403


# --- offline sync ----------------------------------------------------------------------------------------


def offline(
    checkpoint_id: int, token: str | None, *, result: str = "ok", minutes_ago: float = 10, **more
) -> dict:
    row = {
        "nonce": nonce(),
        "checkpoint_id": checkpoint_id,
        "scanned_at": (now() - datetime.timedelta(minutes=minutes_ago)).isoformat(),
        "result": result,
        **more,
    }
    if token is not None:
        row["token"] = token
    return row


async def sync(client, event_id: int, headers, device_id: str, scans: list) -> dict:
    response = await client.post(
        f"{API}/events/{event_id}/checkin/sync",
        json={"device_id": device_id, "scans": scans},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_an_offline_batch_synced_twice_changes_nothing_the_second_time(
    client, live_event, organiser, scanner
):
    door = await checkpoint(client, live_event.id, organiser.headers, tracks_exit=True)
    people = [await attendee(live_event.id, name=name) for name in ("Ana", "Bola", "Chen")]
    scans = [offline(door["id"], token, minutes_ago=30 - n) for n, (_, token) in enumerate(people)]
    scans.append(offline(door["id"], people[0][1], minutes_ago=5, direction="out"))
    scans.append(offline(door["id"], "NOT A BADGE", result="denied", reason="unknown"))
    first = await sync(client, live_event.id, scanner.headers, "tablet-2", scans)
    assert (
        first["received"],
        first["applied"],
        first["duplicates"],
        first["errors"],
        first["conflicts"],
    ) == (5, 5, 0, 0, 0)
    assert [row["status"] for row in first["rows"]] == ["applied"] * 5
    stored = {row["nonce"]: row for row in await Scan.select()}
    assert [stored[row["nonce"]]["mode"] for row in scans] == ["offline"] * 5
    for row in scans:  # the original scan times are kept
        original = datetime.datetime.fromisoformat(row["scanned_at"])
        assert abs((stored[row["nonce"]]["scanned_at"] - original).total_seconds()) < 0.001
    snapshot = (
        await Scan.count(),
        await Presence.select().order_by(Presence.id),
        await CheckinConflict.count(),
        (await client.get(f"{API}/events/{live_event.id}/checkin/live", headers=organiser.headers)).json()[
            "checkpoints"
        ],
    )
    assert snapshot[3][0]["inside"] == 2 and snapshot[3][0]["admitted"] == 3 and snapshot[3][0]["denied"] == 1
    second = await sync(client, live_event.id, scanner.headers, "tablet-2", scans)
    assert (second["applied"], second["duplicates"], second["errors"]) == (0, 5, 0)
    assert [row["scan_id"] for row in second["rows"]] == [row["scan_id"] for row in first["rows"]]
    assert snapshot == (
        await Scan.count(),
        await Presence.select().order_by(Presence.id),
        await CheckinConflict.count(),
        (await client.get(f"{API}/events/{live_event.id}/checkin/live", headers=organiser.headers)).json()[
            "checkpoints"
        ],
    )
    assert await audit_actions("checkin.synced") == ["checkin.synced"]  # the replay changed nothing


async def test_a_double_admission_across_two_devices_becomes_one_visible_conflict(
    client, live_event, organiser, scanner
):
    bus = await checkpoint(
        client, live_event.id, organiser.headers, name="Bus 1", kind="help_desk", single_entry=True
    )
    registration_id, token = await attendee(live_event.id, name="Tala")
    a = offline(bus["id"], token, minutes_ago=20)
    b = offline(bus["id"], token, minutes_ago=12)
    first = await sync(client, live_event.id, scanner.headers, "phone-a", [a])
    assert first["conflicts"] == 0
    second = await sync(client, live_event.id, scanner.headers, "phone-b", [b])
    assert second["applied"] == 1 and second["conflicts"] == 1
    again = await sync(client, live_event.id, scanner.headers, "phone-b", [b])
    assert again["duplicates"] == 1 and again["conflicts"] == 0
    assert await Scan.count().where(Scan.result == "ok") == 2  # both kept
    presence = await Presence.select().first()
    assert presence["entries"] == 2
    url = f"{API}/events/{live_event.id}/checkin/conflicts"
    listed = await client.get(url, headers=organiser.headers)
    assert listed.status_code == 200 and listed.json()["total"] == 1
    (conflict,) = listed.json()["items"]
    assert conflict["kind"] == "double_admission" and conflict["person"]["name"] == "Tala"
    assert conflict["checkpoint"] == {"id": bus["id"], "name": "Bus 1"}
    assert {conflict["first"]["device_id"], conflict["second"]["device_id"]} == {"phone-a", "phone-b"}
    assert conflict["first"]["scanned_by"] == conflict["second"]["scanned_by"] == scanner.username
    live = (await client.get(f"{API}/events/{live_event.id}/checkin/live", headers=organiser.headers)).json()
    assert live["open_conflicts"] == 1 and live["conflicts"][0]["id"] == conflict["id"]
    assert (await client.get(url, headers=scanner.headers)).status_code == 403

    resolve = f"{url}/{conflict['id']}/resolve"
    assert (await client.post(resolve, json={"note": ""}, headers=organiser.headers)).status_code == 400
    done = await client.post(
        resolve, json={"note": "Same person, two doors; fine"}, headers=organiser.headers
    )
    assert done.status_code == 200 and done.json()["resolved_by"] == organiser.username
    assert (await client.post(resolve, json={"note": "again"}, headers=organiser.headers)).status_code == 409
    assert (await client.get(url, headers=organiser.headers)).json()["total"] == 0
    assert (await client.get(url, params={"status": "resolved"}, headers=organiser.headers)).json()[
        "total"
    ] == 1
    assert await audit_actions("checkin.conflict") == ["checkin.conflict_resolved"]
    # An online scan now is refused: the badge was admitted.
    assert (await answer(client, live_event.id, scanner.headers, bus["id"], token))[
        "reason"
    ] == "already_inside"
    assert registration_id == conflict["person"]["registration_id"]


async def test_an_offline_admission_the_service_would_refuse_is_a_conflict(
    client, live_event, organiser, scanner
):
    door = await checkpoint(client, live_event.id, organiser.headers)
    registration_id, token = await attendee(live_event.id, name="Kofi")
    await moderation.cancel(SYSTEM, registration_id, "visa refused")
    result = await sync(
        client, live_event.id, scanner.headers, "phone-c", [offline(door["id"], token, minutes_ago=1)]
    )
    assert result["conflicts"] == 1
    (conflict,) = (
        await client.get(f"{API}/events/{live_event.id}/checkin/conflicts", headers=organiser.headers)
    ).json()["items"]
    assert conflict["kind"] == "offline_admission_refused" and "cancelled" in conflict["detail"]
    row = await Scan.select().first()
    assert row["result"] == "ok" and row["server_reason"] == "cancelled"


async def test_an_online_scan_is_judged_by_the_services_clock_not_the_devices(
    client, live_event, organiser, scanner
):
    """A superseded badge scanned "before" its reissue (by the device's word) is refused."""
    door = await checkpoint(client, live_event.id, organiser.headers)
    lost_id, lost = await attendee(live_event.id, name="Sione")
    replacement = await badge_services.reissue_badge(SYSTEM, lost_id, "lost")
    backdated = (now() - datetime.timedelta(hours=2)).isoformat()
    refused = await answer(client, live_event.id, scanner.headers, door["id"], lost, scanned_at=backdated)
    assert (refused["result"], refused["reason"]) == ("denied", "revoked")
    row = await Scan.select().where(Scan.id == refused["scan_id"]).first()
    assert abs((row["scanned_at"] - now()).total_seconds()) < 60  # stored at the service's time
    admitted = await answer(
        client, live_event.id, scanner.headers, door["id"], replacement.token, scanned_at=backdated
    )
    assert admitted["result"] == "ok"


async def test_an_offline_scan_of_a_badge_superseded_before_the_sync_is_a_conflict_not_an_admission(
    client, live_event, organiser, scanner
):
    door = await checkpoint(client, live_event.id, organiser.headers, single_entry=True)
    lost_id, lost = await attendee(live_event.id, name="Mele")
    replacement = await badge_services.reissue_badge(SYSTEM, lost_id, "lost")
    # The device says it scanned the old code an hour ago, before the reissue; the sync comes after it.
    result = await sync(
        client, live_event.id, scanner.headers, "phone-e", [offline(door["id"], lost, minutes_ago=60)]
    )
    assert (result["applied"], result["conflicts"]) == (1, 1)
    (conflict,) = (
        await client.get(f"{API}/events/{live_event.id}/checkin/conflicts", headers=organiser.headers)
    ).json()["items"]
    assert conflict["kind"] == "offline_admission_refused" and conflict["person"]["name"] == "Mele"
    assert "reissue" in conflict["detail"] and "not counted" in conflict["detail"]
    row = await Scan.select().where(Scan.id == result["rows"][0]["scan_id"]).first()
    assert row["result"] == "ok" and row["server_reason"] == "revoked"  # the device's decision, kept
    assert await Presence.count().where(Presence.registration == lost_id) == 0  # not an admission
    # So the new badge gets in at this single-entry door.
    assert (await answer(client, live_event.id, scanner.headers, door["id"], replacement.token))[
        "result"
    ] == "ok"

    # Device times still count for other revocations: a badge withdrawn after the device admitted it.
    kept_id, kept = await attendee(live_event.id, name="Vai")
    await badge_services.revoke_badges_of_registration(SYSTEM, kept_id, "misuse", kind=tokens.Reason.revoked)
    await Badge.update({Badge.revoked_at: now() - datetime.timedelta(minutes=30)}).where(
        Badge.registration == kept_id
    )
    kept_result = await sync(
        client, live_event.id, scanner.headers, "phone-e", [offline(door["id"], kept, minutes_ago=60)]
    )
    assert (kept_result["applied"], kept_result["conflicts"]) == (1, 0)
    assert await Presence.count().where(Presence.registration == kept_id) == 1


async def test_a_batch_with_bad_rows_applies_the_good_ones_and_reports_the_rest(
    client, live_event, organiser, scanner
):
    door = await checkpoint(client, live_event.id, organiser.headers)
    _, token = await attendee(live_event.id)
    _, other = await attendee(live_event.id, name="Bola")
    reused = offline(door["id"], token)
    await sync(client, live_event.id, scanner.headers, "phone-d", [reused])
    rows = [
        offline(door["id"], token),  # good
        {
            "checkpoint_id": door["id"],
            "scanned_at": now().isoformat(),
            "result": "ok",
            "token": token,
        },  # no nonce
        offline(999_999, token),  # unknown checkpoint
        offline(door["id"], token, minutes_ago=-120),  # scanned in two hours
        {**offline(door["id"], token), "checkpoint_id": "one"},  # wrong type
        {**reused, "token": other},  # a nonce replayed with another badge
        "not even an object",
        offline(door["id"], token, colour="red"),  # unknown field
        offline(door["id"], None),  # no token nor registration
        offline(door["id"], other, direction="out"),  # this door does not scan exits
        offline(door["id"], other),  # good
    ]
    result = await sync(client, live_event.id, scanner.headers, "phone-d", rows)
    statuses = [row["status"] for row in result["rows"]]
    assert statuses == [
        "applied",
        "error",
        "error",
        "error",
        "error",
        "error",
        "error",
        "error",
        "error",
        "error",
        "applied",
    ]
    assert [row["index"] for row in result["rows"]] == list(range(len(rows)))
    fields = {row["index"]: row["errors"][0]["field"] for row in result["rows"] if row["status"] == "error"}
    assert fields == {
        1: "nonce",
        2: "checkpoint_id",
        3: "scanned_at",
        4: "checkpoint_id",
        5: "nonce",
        6: "row",
        7: "colour",
        8: "token",
        9: "direction",
    }
    assert result["rows"][5]["nonce"] == reused["nonce"]
    assert (result["applied"], result["errors"]) == (2, 9)
    assert await Scan.count() == 3  # the first sync's and the two good rows
    too_many = await client.post(
        f"{API}/events/{live_event.id}/checkin/sync",
        json={"device_id": "phone-d", "scans": [offline(door["id"], token)] * 2001},
        headers=scanner.headers,
    )
    assert too_many.status_code == 400


# --- bad input, rights -----------------------------------------------------------------------------------


async def test_bad_input_gets_clear_answers(client, live_event, organiser, scanner, other_organiser):
    door = await checkpoint(client, live_event.id, organiser.headers)
    _, token = await attendee(live_event.id)
    url = f"{API}/events/{live_event.id}/checkin/scans"
    garbage = await answer(
        client, live_event.id, scanner.headers, door["id"], "\x00\x01 DROP TABLE badge; --"
    )
    assert garbage["result"] == "denied" and garbage["reason"] == "unknown" and garbage["person"] is None
    long = await scan(client, live_event.id, scanner.headers, door["id"], "A" * 401)
    assert long.status_code == 400
    huge = await client.post(
        url,
        content=b'{"token": "' + b"A" * 20_000 + b'"}',
        headers={**scanner.headers, "Content-Type": "application/json"},
    )
    assert huge.status_code == 413 and huge.headers["content-type"].startswith("application/problem+json")
    unknown = await scan(client, live_event.id, scanner.headers, 424242, token)
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "checkpoint_id"
    # The device's clock does not matter online: any time is accepted and the service's is used.
    for claimed in ("2030-01-01T00:00:00Z", "2001-01-01T00:00:00Z", "9999-12-31T23:59:59"):
        response = await scan(client, live_event.id, scanner.headers, door["id"], token, scanned_at=claimed)
        assert response.status_code == 200, response.text
        stored = datetime.datetime.fromisoformat(response.json()["scanned_at"])
        assert abs((stored - now()).total_seconds()) < 60
    out = await scan(client, live_event.id, scanner.headers, door["id"], token, direction="out")
    assert out.status_code == 422 and out.json()["errors"][0]["field"] == "direction"
    sideways = await scan(client, live_event.id, scanner.headers, door["id"], token, direction="up")
    assert sideways.status_code == 400
    short_nonce = await client.post(
        url,
        json={"checkpoint_id": door["id"], "device_id": "p", "nonce": "1", "token": token},
        headers=scanner.headers,
    )
    assert short_nonce.status_code == 400
    bad_device = await client.post(
        url,
        json={"checkpoint_id": door["id"], "device_id": "a b\x00", "nonce": nonce(), "token": token},
        headers=scanner.headers,
    )
    assert bad_device.status_code == 400
    not_json = await client.post(
        url, content=b"{not json", headers={**scanner.headers, "Content-Type": "application/json"}
    )
    assert not_json.status_code == 400
    assert (await scan(client, live_event.id, {}, door["id"], token)).status_code == 401
    assert (await scan(client, live_event.id, other_organiser.headers, door["id"], token)).status_code == 403
    participant = await create_account(Role.participant)
    assert (await scan(client, live_event.id, participant.headers, door["id"], token)).status_code == 403
    assert (
        await client.get(f"{API}/events/{live_event.id}/checkin/live", headers=scanner.headers)
    ).status_code == 403
    bad_sync = await client.post(
        f"{API}/events/{live_event.id}/checkin/sync", json={"scans": []}, headers=scanner.headers
    )
    assert bad_sync.status_code == 400
    assert (
        await client.get(
            f"{API}/events/{live_event.id}/checkin/checkpoints/{door['id']}/kit", headers=scanner.headers
        )
    ).status_code == 200
    assert (
        await client.get(f"{API}/events/{live_event.id}/checkin/checkpoints/777/kit", headers=scanner.headers)
    ).status_code == 404


async def test_the_live_view_counts_and_lists_recent_refusals(client, live_event, organiser, scanner):
    door = await checkpoint(client, live_event.id, organiser.headers, tracks_exit=True)
    desk = await checkpoint(client, live_event.id, organiser.headers, name="Help desk", kind="help_desk")
    _, a = await attendee(live_event.id, name="Ana")
    _, b = await attendee(live_event.id, name="Bola")
    await answer(client, live_event.id, scanner.headers, door["id"], a)
    await answer(client, live_event.id, scanner.headers, door["id"], b)
    await answer(client, live_event.id, scanner.headers, door["id"], b, direction="out")
    await answer(client, live_event.id, scanner.headers, door["id"], a)  # already inside
    await answer(client, live_event.id, scanner.headers, desk["id"], "XYZ")
    response = await client.get(f"{API}/events/{live_event.id}/checkin/live", headers=organiser.headers)
    assert response.status_code == 200, response.text
    live = response.json()
    by_name = {c["name"]: c for c in live["checkpoints"]}
    assert (
        by_name["Main entrance"]["inside"],
        by_name["Main entrance"]["admitted"],
        by_name["Main entrance"]["expected"],
    ) == (1, 2, 2)
    assert by_name["Main entrance"]["denied"] == 1 and by_name["Main entrance"]["last_scan_at"].endswith(
        "+04:00"
    )
    assert by_name["Help desk"]["denied"] == 1 and by_name["Help desk"]["admitted"] == 0
    assert [(d["checkpoint"]["name"], d["reason"]) for d in live["recent_denials"]] == [
        ("Help desk", "unknown"),
        ("Main entrance", "already_inside"),
    ]
    assert (
        live["recent_denials"][1]["person"]["name"] == "Ana" and live["recent_denials"][0]["person"] is None
    )
    log = await client.get(
        f"{API}/events/{live_event.id}/checkin/scans", params={"result": "denied"}, headers=organiser.headers
    )
    assert log.status_code == 200 and log.json()["total"] == 2
    assert log.json()["items"][0]["scanned_by"] == scanner.username


async def test_the_reasons_are_documented_in_the_openapi_description(client):
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    assert {
        "/api/v1/events/{event_id}/checkin/scans",
        "/api/v1/events/{event_id}/checkin/sync",
        "/api/v1/events/{event_id}/checkin/checkpoints/{checkpoint_id}/kit",
        "/api/v1/events/{event_id}/checkin/live",
        "/api/v1/events/{event_id}/checkin/conflicts/{conflict_id}/resolve",
    } <= set(paths)
    answer = paths["/api/v1/events/{event_id}/checkin/scans"]["post"]["responses"]["200"]
    assert answer["content"]["application/json"]["schema"]["$ref"].endswith("/ScanAnswer")
    reason = schema["components"]["schemas"]["ScanAnswer"]["properties"]["reason"]["oneOf"][0]["$ref"]
    documented = schema["components"]["schemas"][reason.rsplit("/", 1)[1]]["enum"]
    assert set(documented) == {reason.value for reason in Reason}


def test_a_remembered_verification_answers_as_the_verifier_would():
    """The memo in front of ``verify_token`` gives its answer back only while the verifier would."""
    from events.checkin import rules

    pair = tokens.new_key_pair()
    start = datetime.datetime(2027, 10, 11, 20, 0, tzinfo=UTC)
    token = tokens.issue_token(
        private_key=pair.private_key,
        key_id=pair.key_id,
        event_id=7,
        badge_id=42,
        version=1,
        not_before=start,
        not_after=start + datetime.timedelta(days=3),
    )
    key = tokens.PublicKey(key_id=pair.key_id, event_id=7, public_key=pair.public_key)
    moments = [start + datetime.timedelta(minutes=m) for m in (-6, -4, 60, 3 * 24 * 60 + 4, 3 * 24 * 60 + 6)]
    retired = tokens.PublicKey(
        key_id=pair.key_id,
        event_id=7,
        public_key=pair.public_key,
        retired_at=start + datetime.timedelta(hours=2),
    )
    for keys in ([key], [retired]):
        for revoked in ({}, {42: "superseded"}):
            for at in moments + moments[::-1]:  # remembered on the way there, reused on the way back
                expected = tokens.verify_token(token, keys, revoked, 7, at)
                got = rules._verify(token, keys, revoked, 7, at)
                assert type(got) is type(expected) and getattr(got, "reason", None) == getattr(
                    expected, "reason", None
                )
    assert rules._verify(token, [key], {}, 8, moments[2]).reason is tokens.Reason.wrong_event


async def test_the_scanner_page_and_its_files_are_served(client):
    page = await client.get("/scan")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert 'src="/scan/static/scanner.js"' in page.text and 'id="photo"' in page.text
    worker = await client.get("/scan/sw.js")
    assert worker.status_code == 200 and worker.headers["service-worker-allowed"] == "/scan"
    assert "javascript" in worker.headers["content-type"]
    manifest = await client.get("/scan/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.json()["start_url"] == "/scan"
    for name in ("scanner.js", "scanner.css", "jsQR.js", "jsQR.LICENSE.txt"):
        assert (await client.get(f"/scan/static/{name}")).status_code == 200, name
    assert "Apache License" in (await client.get("/scan/static/jsQR.LICENSE.txt")).text
