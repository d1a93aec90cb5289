"""The console's check-in pages (no JavaScript): checkpoints with their rules, live counts that follow
the scans, recent refusals, conflicts resolved with a note, and who may see them."""

from __future__ import annotations

import datetime
import re

import pytest

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.checkin import config
from events.checkin.controllers import forget_devices
from events.checkin.tables import CheckinConflict, Checkpoint
from tests.factories import create_account
from tests.test_checkin import add_session, answer, attendee, checkpoint, offline, sync
from tests.test_web import sign_in_organiser


@pytest.fixture(autouse=True)
def fresh_caches():
    """Ids restart after each test's clean-up; cached rules must not outlive their rows."""
    config.forget()
    forget_devices()
    yield
    config.forget()
    forget_devices()


@pytest.fixture
async def live_event(make_event):
    today = datetime.date.today()
    return await make_event(
        start_date=today - datetime.timedelta(days=1), end_date=today + datetime.timedelta(days=1)
    )


@pytest.fixture
async def console(client, live_event):
    """The event's organiser signed in on the pages, and a scanner's account for the API."""
    organiser = await create_account(Role.organiser, live_event.id)
    scanner = await create_account(Role.staff, live_event.id)
    await sign_in_organiser(client, organiser)
    return client, live_event, organiser, scanner


def page_url(event_id: int, path: str = "") -> str:
    return f"/organiser/events/{event_id}/checkin{path}"


def error_beside(html: str, field: str) -> str:
    found = re.search(rf'id="field-{field}-error">(.*?)</p>', html, re.S)
    assert found, f"no error beside {field}"
    text = re.sub(r"<span class=\"visually-hidden\">.*?</span>", "", found.group(1))
    return re.sub(r"<[^>]+>", "", text).strip()


async def test_a_checkpoint_is_created_and_edited_with_errors_beside_the_fields(console):
    client, event, _, _ = console
    session_id = await add_session(event, optional=False, title="Plenary")
    form = await client.get(page_url(event.id, "/checkpoints/new"))
    assert form.status_code == 200 and 'name="session_id"' in form.text and "Plenary" in form.text

    bad = await client.post(
        page_url(event.id, "/checkpoints"),
        data={"name": "", "kind": "session_room", "minutes_before": "-5", "minutes_after": "30"},
    )
    assert bad.status_code == 422
    assert error_beside(bad.text, "name") == "Enter a name for the checkpoint, up to 100 characters"
    assert error_beside(bad.text, "minutes_before") == "Enter a number of minutes from 0 to 1440"
    assert 'value="-5"' in bad.text  # what was typed stays
    french = await client.post(
        page_url(event.id, "/checkpoints?lang=fr"), data={"name": "", "kind": "venue_entrance"}
    )
    assert "Il y a un problème" in french.text
    assert error_beside(french.text, "name").startswith("Saisissez un nom pour le point de contrôle")
    await client.get(page_url(event.id, "?lang=en"))  # the choice is remembered: back to English
    # The service's own rules, beside their fields: a session room needs its session; times in order.
    refused = await client.post(
        page_url(event.id, "/checkpoints"),
        data={
            "name": "Room B",
            "kind": "session_room",
            "opens_at": "2027-10-11T10:00",
            "closes_at": "2027-10-11T09:00",
        },
    )
    assert refused.status_code == 422
    assert "choose the session" in error_beside(refused.text, "session_id")
    assert error_beside(refused.text, "closes_at") == "The closing time must be after the opening time"
    assert await Checkpoint.count() == 0  # nothing half-written

    created = await client.post(
        page_url(event.id, "/checkpoints"),
        data={
            "name": "Room B",
            "kind": "session_room",
            "session_id": str(session_id),
            "minutes_before": "15",
            "minutes_after": "10",
            "single_entry": "true",
        },
    )
    assert created.status_code == 303 and created.headers["location"] == page_url(event.id)
    row = await Checkpoint.select().first()
    assert (row["name"], row["admits"], row["session"], row["single_entry"], row["minutes_before"]) == (
        "Room B",
        "session",
        session_id,
        True,
        15,
    )
    listing = await client.get(page_url(event.id))
    assert "Checkpoint Room B created." in listing.text
    assert "Session room" in listing.text and "Plenary" in listing.text and "Each badge once" in listing.text
    assert f'href="/api/v1/events/{event.id}/checkin/checkpoints/{row["id"]}/kit"' in listing.text
    assert 'href="/scan"' in listing.text
    kit = await client.get(f"/api/v1/events/{event.id}/checkin/checkpoints/{row['id']}/kit")
    assert (
        kit.status_code == 200 and kit.json()["rules"]["name"] == "Room B"
    )  # the organiser's session opens it

    edit = await client.get(page_url(event.id, f"/checkpoints/{row['id']}"))
    assert edit.status_code == 200 and 'value="Room B"' in edit.text
    too_long = await client.post(
        page_url(event.id, f"/checkpoints/{row['id']}"),
        data={"name": "x" * 101, "kind": "session_room", "admits": "session", "session_id": str(session_id)},
    )
    assert too_long.status_code == 422 and "101" not in error_beside(too_long.text, "name")
    saved = await client.post(
        page_url(event.id, f"/checkpoints/{row['id']}"),
        data={
            "name": "Room B (north)",
            "kind": "session_room",
            "admits": "session",
            "session_id": str(session_id),
            "minutes_before": "20",
            "minutes_after": "10",
            "tracks_exit": "true",
        },
    )
    assert saved.status_code == 303
    row = await Checkpoint.select().first()
    assert (row["name"], row["tracks_exit"], row["single_entry"], row["minutes_before"]) == (
        "Room B (north)",
        True,
        False,
        20,
    )
    actions = await AuditEntry.select(AuditEntry.action).where(AuditEntry.action.like("checkin.%"))
    assert [a["action"] for a in actions] == ["checkin.checkpoint_created", "checkin.checkpoint_updated"]


async def test_live_counts_and_refusals_follow_scans_made_through_the_api(console):
    client, event, organiser, scanner = console
    door = await checkpoint(client, event.id, organiser.headers, name="North door", tracks_exit=True)
    _, ana = await attendee(event.id, name="Ana")
    _, bola = await attendee(event.id, name="Bola")
    before = (await client.get(page_url(event.id, "/live.json"))).json()
    assert before["checkpoints"][str(door["id"])]["admitted"] == 0

    await answer(client, event.id, scanner.headers, door["id"], ana)
    await answer(client, event.id, scanner.headers, door["id"], bola)
    await answer(client, event.id, scanner.headers, door["id"], bola, direction="out")
    refused = await answer(client, event.id, scanner.headers, door["id"], ana)
    assert refused["reason"] == "already_inside"
    await answer(client, event.id, scanner.headers, door["id"], "NOT-A-BADGE")

    live = await client.get(page_url(event.id, "/live.json"))
    assert live.status_code == 200 and live.headers["cache-control"] == "no-store"
    counts = live.json()["checkpoints"][str(door["id"])]
    assert (counts["inside"], counts["admitted"], counts["expected"], counts["denied"]) == (1, 2, 2, 2)
    assert live.json()["announce"].startswith("Counts updated at")

    page = await client.get(page_url(event.id))
    assert page.status_code == 200
    row = re.search(rf'<tr data-live-checkpoint="{door["id"]}">(.*?)</tr>', page.text, re.S).group(1)
    assert re.findall(r'data-live-count="(\w+)">([^<]*)<', row)[:4] == [
        ("inside", "1"),
        ("admitted", "2"),
        ("expected", "2"),
        ("denied", "2"),
    ]
    # No automatic refresh (WCAG 2.2.1): a link, and a quiet live region for the script.
    assert 'http-equiv="refresh"' not in page.text
    assert f'href="{page_url(event.id)}" data-live-refresh>Refresh</a>' in page.text
    assert 'role="status" aria-live="polite"' in page.text
    denials = page.text.split('id="denials"')[1].split("</section>")[0]
    assert denials.index("Not a badge of this event system") < denials.index("Already admitted")
    assert "Ana" in denials and "Unknown badge" in denials and "North door" in denials

    french = await client.get(page_url(event.id, "?lang=fr"))
    assert "Already admitted" not in french.text  # the reasons are in the reader's language


async def test_a_conflict_is_resolved_through_the_page_with_a_note(console):
    client, event, organiser, scanner = console
    bus = await checkpoint(
        client, event.id, organiser.headers, name="Bus 1", kind="help_desk", single_entry=True
    )
    _, tala = await attendee(event.id, name="Tala")
    await sync(client, event.id, scanner.headers, "phone-a", [offline(bus["id"], tala, minutes_ago=20)])
    result = await sync(
        client, event.id, scanner.headers, "phone-b", [offline(bus["id"], tala, minutes_ago=12)]
    )
    assert result["conflicts"] == 1
    conflict = await CheckinConflict.select().first()

    page = await client.get(page_url(event.id))
    block = page.text.split(f'id="conflict-{conflict["id"]}"')[1].split("</li>")[0]
    assert "Admitted twice at a single-entry checkpoint" in block and "Tala" in block
    assert "phone-a" in block and "phone-b" in block

    resolve = page_url(event.id, f"/conflicts/{conflict['id']}/resolve")
    blank = await client.post(resolve, data={"note": "   "})
    assert blank.status_code == 422
    assert f'id="note-{conflict["id"]}-error"' in blank.text and 'aria-invalid="true"' in blank.text
    assert (await CheckinConflict.select().first())["resolved_at"] is None

    done = await client.post(resolve, data={"note": "Same person, two doors; fine"})
    assert done.status_code == 303
    stored = await CheckinConflict.select().first()
    assert stored["resolved_at"] is not None and stored["resolution_note"] == "Same person, two doors; fine"
    assert stored["resolved_by"] == organiser.user_id
    after = await client.get(page_url(event.id))
    assert "Conflict resolved; your note is kept." in after.text
    assert (
        f'id="conflict-{conflict["id"]}"' not in after.text and "Same person, two doors; fine" in after.text
    )
    again = await client.post(resolve, data={"note": "again"})
    assert again.status_code == 303
    assert "already resolved" in (await client.get(page_url(event.id))).text


async def test_close_reopen_and_a_refused_delete_are_readable(console):
    client, event, organiser, scanner = console
    door = await checkpoint(client, event.id, organiser.headers, name="Gate")
    spare = await checkpoint(client, event.id, organiser.headers, name="Spare desk", kind="help_desk")
    _, ana = await attendee(event.id, name="Ana")
    await answer(client, event.id, scanner.headers, door["id"], ana)

    refused = await client.post(page_url(event.id, f"/checkpoints/{door['id']}/delete"))
    assert refused.status_code == 303
    shown = await client.get(refused.headers["location"])
    assert "Checkpoint Gate was not deleted: badges were scanned there. Close it instead" in shown.text
    assert await Checkpoint.count().where(Checkpoint.id == door["id"]) == 1

    closed = await client.post(page_url(event.id, f"/checkpoints/{door['id']}/close"))
    assert closed.status_code == 303
    assert (await Checkpoint.select(Checkpoint.active).where(Checkpoint.id == door["id"]).first())[
        "active"
    ] is False
    assert "Checkpoint Gate is closed" in (await client.get(page_url(event.id))).text
    await client.post(page_url(event.id, f"/checkpoints/{door['id']}/reopen"))
    assert (await Checkpoint.select(Checkpoint.active).where(Checkpoint.id == door["id"]).first())[
        "active"
    ] is True

    deleted = await client.post(page_url(event.id, f"/checkpoints/{spare['id']}/delete"))
    assert deleted.status_code == 303
    assert await Checkpoint.count().where(Checkpoint.id == spare["id"]) == 0


async def test_others_and_staff_only_accounts_are_refused(client, live_event, make_event):
    other_event = await make_event()
    door = await Checkpoint(event=live_event.id, name="Door", kind="venue_entrance", admits="event").save()
    del door
    checkpoint_id = (await Checkpoint.select(Checkpoint.id).first())["id"]
    paths = [
        ("get", ""),
        ("get", "/live.json"),
        ("get", "/checkpoints/new"),
        ("get", f"/checkpoints/{checkpoint_id}"),
        ("post", f"/checkpoints/{checkpoint_id}/close"),
        ("post", f"/checkpoints/{checkpoint_id}/delete"),
    ]
    for account in (
        await create_account(Role.organiser, other_event.id),
        await create_account(Role.staff, live_event.id),
    ):
        client.cookies.clear()
        await sign_in_organiser(client, account)
        for method, path in paths:
            response = await getattr(client, method)(page_url(live_event.id, path))
            assert response.status_code == 403, (account.username, path)
    assert (await Checkpoint.select(Checkpoint.active).first())["active"] is True
    client.cookies.clear()
    signed_out = await client.get(page_url(live_event.id))
    assert signed_out.status_code == 303 and signed_out.headers["location"].startswith("/organiser/sign-in")
