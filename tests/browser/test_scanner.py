"""The badge scanner page in a real browser: sign in, pick a checkpoint, scan a picture of a badge's QR
code and see the answer; a name lookup for someone without a badge; then offline (the service worker
serves the page, the phone decides with the offline kit and queues), and back online (the queue is
synced: checked through the API). Screenshots go to test-artifacts/."""

from __future__ import annotations

import asyncio
import datetime
import itertools
import re
from dataclasses import dataclass

import httpx
import pytest

from events.rendering import qr_png
from tests.browser.layout import assert_fits

pytestmark = pytest.mark.browser

API = "/api/v1"
_serial = itertools.count(1)


@dataclass
class Setup:
    checkpoint_id: int
    people: list[dict]  # {"registration_id", "name", "token"}


def _person(name: str, tag: str) -> dict:
    return {
        "given_names": name,
        "family_name": "Tester",
        "preferred_name": name,
        "email": f"{name.lower()}.{tag}@example.org",
        "gender": "female",
        "nationality": "FJ",
        "country_represented": "FJI",
        "institution": "Ministry of Civil Service",
        "level": "mid",
        "accessibility": ["step_free_access"] if name == "Mere" else [],
        "consent": True,
    }


async def _prepare(server, names: tuple[str, ...] = ("Mere", "Losana", "Vika")) -> Setup:
    """Three approved people (``names``: other tests pick their own, so a name lookup here finds one
    person) with badges valid today, and a single-entry door, through the API as the seeded organiser. Badges are valid from the day before the event: the event is moved to
    today while they are issued, then put back."""
    tag = f"scan{next(_serial)}"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        signed = await http.post(
            f"{API}/auth/sign-in", json={"username": server.username, "password": server.password}
        )
        assert signed.status_code == 200, signed.text
        event_url = f"{API}/events/{server.event_id}"
        people = []
        for name in names:
            answer = await http.post(f"{event_url}/registrations", json=_person(name, tag))
            assert answer.status_code == 201, answer.text
            registration_id = answer.json()["registration"]["id"]
            approved = await http.post(f"{API}/registrations/{registration_id}/approve", json={"note": ""})
            assert approved.status_code == 200, approved.text
            people.append({"registration_id": registration_id, "name": name})
        original = (await http.get(event_url)).json()
        today = datetime.date.today()
        moved = await http.patch(
            event_url,
            json={
                "start_date": (today - datetime.timedelta(days=1)).isoformat(),
                "end_date": (today + datetime.timedelta(days=1)).isoformat(),
                "registration_closes_at": (
                    datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
                ).isoformat(),
            },
        )
        assert moved.status_code == 200, moved.text
        try:
            for person in people[:2]:  # the third has no badge: the desk finds her by name
                issued = await http.post(f"{API}/registrations/{person['registration_id']}/badge", json={})
                assert issued.status_code in (200, 201), issued.text
                person["token"] = issued.json()["badge"]["token"]
        finally:
            restored = await http.patch(
                event_url,
                json={
                    "start_date": original["start_date"],
                    "end_date": original["end_date"],
                    "registration_closes_at": original["registration_closes_at"],
                },
            )
            assert restored.status_code == 200, restored.text
        door = await http.post(
            f"{event_url}/checkin/checkpoints",
            json={"name": f"Plenary door {tag}", "kind": "venue_entrance", "single_entry": True},
        )
        assert door.status_code == 201, door.text
        return Setup(checkpoint_id=door.json()["id"], people=people)


async def _scans(server, checkpoint_id: int | None) -> list[dict]:
    """The scans of the checkpoint (None: of the whole event, the latest 50), as the organiser sees them."""
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        signed = await http.post(
            f"{API}/auth/sign-in", json={"username": server.username, "password": server.password}
        )
        assert signed.status_code == 200, signed.text
        params = {"limit": 50} if checkpoint_id is None else {"checkpoint_id": checkpoint_id, "limit": 50}
        page = await http.get(f"{API}/events/{server.event_id}/checkin/scans", params=params)
        assert page.status_code == 200, page.text
        return page.json()["items"]


def _picture(text: str) -> dict:
    return {"name": "badge.png", "mimeType": "image/png", "buffer": qr_png(text, 8)}


async def _scan_picture(page, text: str) -> dict:
    """Scan a picture of a QR code and wait for the full-screen answer; returns what it says."""
    await page.evaluate("document.getElementById('answer').hidden = true")
    await page.set_input_files("#photo", files=[_picture(text)])
    answer = page.locator("#answer")
    await answer.wait_for(state="visible")
    return {
        "result": await answer.get_attribute("data-result"),
        "reason": await answer.get_attribute("data-reason"),
        "offline": await answer.get_attribute("data-offline") == "true",
        "text": " ".join((await answer.inner_text()).split()),
        "background": await answer.evaluate("el => getComputedStyle(el).backgroundColor"),
    }


async def _close(page) -> None:
    await page.click("#answer-close")
    await page.locator("#answer").wait_for(state="hidden")


def _tampered(token: str) -> str:
    last = token[-10]
    return token[:-10] + ("A" if last != "A" else "B") + token[-9:]


async def _sign_in(page, server) -> None:
    """Open the scanner and sign in as the seeded organiser, up to the choice of checkpoint."""
    await page.goto(f"{server.url}/scan")
    await page.locator("#sign-in").wait_for(state="visible")
    await page.fill("#username", server.username)
    await page.fill("#password", server.password)
    await page.click("#sign-in-form button[type=submit]")
    await page.locator("#setup").wait_for(state="visible")


async def test_scanner_online_then_offline_then_synced(server, new_page, artifacts):
    setup = await _prepare(server)
    mere, losana, vika = setup.people
    page = await new_page(viewport={"width": 412, "height": 860}, service_workers="allow")
    context = page.context
    await _sign_in(page, server)
    await page.select_option("#event", str(server.event_id))
    await page.locator(f"#checkpoint option[value='{setup.checkpoint_id}']").wait_for(state="attached")
    await page.select_option("#checkpoint", str(setup.checkpoint_id))
    await page.click("#start")
    await page.locator("#scanner").wait_for(state="visible")
    await page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)
    ready = re.search(r"(\d+) people may pass", await page.text_content("#kit-state"))
    assert ready and int(ready.group(1)) >= 3  # everyone approved (other tests add people too)
    await page.screenshot(path=str(artifacts / "scanner-ready.png"), full_page=True)

    # Online: the service decides.
    admitted = await _scan_picture(page, mere["token"])
    assert admitted["result"] == "ok" and not admitted["offline"], admitted
    assert "ADMITTED" in admitted["text"] and "Welcome" in admitted["text"] and "Mere" in admitted["text"]
    assert "Fiji" in admitted["text"] and "Needs: Step-free access" in admitted["text"]
    assert admitted["background"] == "rgb(0, 112, 60)"
    await page.screenshot(path=str(artifacts / "scanner-admitted.png"))
    await _close(page)
    again = await _scan_picture(page, mere["token"])
    assert again["result"] == "denied" and again["reason"] == "already_inside", again
    assert "DENIED" in again["text"] and "Already admitted" in again["text"]
    assert again["background"] == "rgb(177, 14, 30)"
    await page.screenshot(path=str(artifacts / "scanner-denied.png"))
    await _close(page)

    # No badge: found by name, admitted by hand.
    await page.fill("#lookup", "Vika")
    await page.click("#lookup-form button[type=submit]")
    await page.get_by_role("button", name="Admit Vika").click()
    await page.locator("#answer").wait_for(state="visible")
    assert await page.get_attribute("#answer", "data-result") == "ok"
    assert "Vika" in await page.inner_text("#answer")
    await _close(page)

    # Offline: the phone decides with the kit and queues.
    await context.set_offline(True)
    await page.wait_for_function("navigator.onLine === false")
    await page.locator("#network").filter(has_text="Offline").wait_for()
    offline_ok = await _scan_picture(page, losana["token"])
    assert offline_ok["result"] == "ok" and offline_ok["offline"], offline_ok
    assert "Losana" in offline_ok["text"] and "Decided offline" in offline_ok["text"]
    await page.screenshot(path=str(artifacts / "scanner-offline.png"))
    await _close(page)
    twice = await _scan_picture(page, losana["token"])
    assert (twice["result"], twice["reason"], twice["offline"]) == ("denied", "already_inside", True)
    await _close(page)
    forged = await _scan_picture(page, _tampered(mere["token"]))
    assert (forged["result"], forged["reason"]) == ("denied", "forged") and "Forged" in forged["text"]
    await _close(page)
    assert (await page.text_content("#queue")).strip() == "3 to sync"

    # The service worker serves the page without a network; the queue and the kit are still there.
    await page.reload()
    await page.locator("#scanner").wait_for(state="visible")
    assert (await page.text_content("#queue")).strip() == "3 to sync"
    assert f"{ready.group(1)} people may pass" in await page.text_content("#kit-state")

    # Back online: the queue is sent.
    await context.set_offline(False)
    await page.locator("#queue").wait_for(state="hidden", timeout=20_000)
    scans = await _scans(server, setup.checkpoint_id)
    modes = sorted((s["mode"], s["result"], s["reason"], s["registration_id"]) for s in scans)
    if len(modes) != 6:  # say where the scans went (a rare failure once showed none on this checkpoint)
        event_scans = await _scans(server, None)
        seen = [(s["checkpoint"]["id"], s["mode"], s["reason"], s["registration_id"]) for s in event_scans]
        state = await page.evaluate("localStorage.getItem('scanner.state')")
        pytest.fail(
            f"checkpoint {setup.checkpoint_id}: {modes}; the event's latest scans: {seen}; page: {state}"
        )
    assert modes == sorted(
        [
            ("online", "ok", "", mere["registration_id"]),
            ("online", "denied", "already_inside", mere["registration_id"]),
            ("manual", "ok", "", vika["registration_id"]),
            ("offline", "ok", "", losana["registration_id"]),
            ("offline", "denied", "already_inside", losana["registration_id"]),
            ("offline", "denied", "forged", None),
        ]
    ), modes
    offline_rows = [s for s in scans if s["mode"] == "offline"]
    assert {s["device_id"] for s in offline_rows} == {s["device_id"] for s in scans}  # one phone
    # Synced scans keep their time: before the sync, not at it.
    assert all(s["scanned_at"] <= s["received_at"] for s in offline_rows)
    # Online again, the service refuses Losana too: the offline admission counts.
    after = await _scan_picture(page, losana["token"])
    assert (after["result"], after["reason"], after["offline"]) == ("denied", "already_inside", False)


async def test_checkpoint_picked_during_a_slow_reload_stays_picked(server, new_page):
    """On a slow link the checkpoint list can be loaded twice (once on sign-in, again when the event
    is chosen). A checkpoint picked from the first list must stay picked when the later answer
    refills it; otherwise the scanner opens on another door and its scans land there (the cause of
    an intermittent failure of the test above)."""
    setup = await _prepare(server)
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        signed = await http.post(
            f"{API}/auth/sign-in", json={"username": server.username, "password": server.password}
        )
        assert signed.status_code == 200, signed.text
        other = await http.post(
            f"{API}/events/{server.event_id}/checkin/checkpoints",
            json={"name": f"Side door {next(_serial)}", "kind": "venue_entrance"},
        )
        assert other.status_code == 201, other.text

    page = await new_page(viewport={"width": 390, "height": 844})
    lists = 0
    release = asyncio.Event()

    async def hold_the_second_list(route):
        nonlocal lists
        lists += 1
        if lists == 2:
            await release.wait()
        await route.continue_()

    await page.route(
        f"**/api/v1/events/{server.event_id}/checkin/checkpoints?limit=200", hold_the_second_list
    )
    await _sign_in(page, server)
    await page.locator(f"#checkpoint option[value='{setup.checkpoint_id}']").wait_for(state="attached")
    await page.select_option("#event", str(server.event_id))  # the second load starts and is held
    for _ in range(100):
        if lists == 2:
            break
        await asyncio.sleep(0.05)
    assert lists == 2
    values = await page.eval_on_selector_all("#checkpoint option", "options => options.map(o => o.value)")
    first = await page.input_value("#checkpoint")
    picked = next(value for value in values if value != first)  # not what the browser shows by default
    await page.select_option("#checkpoint", picked)
    await page.eval_on_selector_all(
        "#checkpoint option", "options => options.forEach(o => o.dataset.old = '1')"
    )
    release.set()
    await page.wait_for_function(  # the held answer has refilled the list
        "() => document.querySelectorAll('#checkpoint option').length > 0"
        " && !document.querySelector('#checkpoint option[data-old]')"
    )
    assert await page.input_value("#checkpoint") == picked
    await page.click("#start")
    await page.locator("#scanner").wait_for(state="visible")
    state = await page.evaluate("JSON.parse(localStorage.getItem('scanner.state'))")
    assert state["checkpointId"] == int(picked)


async def test_an_event_without_an_open_checkpoint_says_so(server, new_page):
    """On a phone, an event with no open checkpoint (a new event, or every door closed) leaves the
    checkpoint list empty: the scanner says why and "Start scanning" cannot be pressed in vain."""
    page = await new_page(viewport={"width": 390, "height": 844})

    async def no_checkpoints(route):
        await route.fulfill(json={"items": [], "total": 0, "limit": 200, "offset": 0})

    await page.route(f"**/api/v1/events/{server.event_id}/checkin/checkpoints?limit=200", no_checkpoints)
    await _sign_in(page, server)
    message = page.locator("#message")
    await message.wait_for(state="visible")
    assert "no open checkpoint" in await message.inner_text()
    assert await page.is_disabled("#start")
    await assert_fits(page)
