"""The console's check-in page in chromium: the live counts follow a scan made through the API without a
reload (JavaScript on), at 390 px with axe; without JavaScript the page offers a "Refresh" link."""

from __future__ import annotations

import datetime
import re
import uuid

import httpx
import pytest
from playwright.async_api import expect

from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser

API = "/api/v1"


async def _door_and_badge(server) -> tuple[int, str]:
    """A checkpoint of its own and one approved person with a badge valid today, through the API as
    the seeded organiser (the event is moved to today while the badge is issued, then put back)."""
    tag = uuid.uuid4().hex[:8]
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        signed = await http.post(
            f"{API}/auth/sign-in", json={"username": server.username, "password": server.password}
        )
        assert signed.status_code == 200, signed.text
        event_url = f"{API}/events/{server.event_id}"
        registered = await http.post(
            f"{event_url}/registrations",
            json={
                "given_names": "Losana",
                "family_name": "Tester",
                "preferred_name": "Losana",
                "email": f"losana.{tag}@example.org",
                "gender": "female",
                "nationality": "FJ",
                "country_represented": "FJI",
                "institution": "Ministry of Civil Service",
                "level": "mid",
                "consent": True,
            },
        )
        assert registered.status_code == 201, registered.text
        registration_id = registered.json()["registration"]["id"]
        approved = await http.post(f"{API}/registrations/{registration_id}/approve", json={"note": ""})
        assert approved.status_code == 200, approved.text
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
            issued = await http.post(f"{API}/registrations/{registration_id}/badge", json={})
            assert issued.status_code in (200, 201), issued.text
            token = issued.json()["badge"]["token"]
        finally:
            restored = await http.patch(
                event_url,
                json={key: original[key] for key in ("start_date", "end_date", "registration_closes_at")},
            )
            assert restored.status_code == 200, restored.text
        door = await http.post(
            f"{event_url}/checkin/checkpoints",
            json={"name": f"Live door {tag}", "kind": "venue_entrance", "tracks_exit": True},
        )
        assert door.status_code == 201, door.text
        return door.json()["id"], token


async def _scan(server, checkpoint_id: int, token: str) -> dict:
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as http:
        await http.post(
            f"{API}/auth/sign-in", json={"username": server.username, "password": server.password}
        )
        answer = await http.post(
            f"{API}/events/{server.event_id}/checkin/scans",
            json={
                "checkpoint_id": checkpoint_id,
                "device_id": "door-phone",
                "nonce": str(uuid.uuid4()),
                "token": token,
            },
        )
        assert answer.status_code == 200, answer.text
        return answer.json()


async def test_live_counts_follow_a_scan_without_a_reload_and_the_no_js_page_has_a_refresh_link(
    server, new_page
):
    checkpoint_id, token = await _door_and_badge(server)
    url = f"{server.url}/organiser/events/{server.event_id}/checkin"
    page = await organiser_page(server, new_page, viewport=PHONE)
    await page.goto(url)
    row = page.locator(f'[data-live-checkpoint="{checkpoint_id}"]')
    await expect(row.locator('[data-live-count="admitted"]')).to_have_text("0")
    await expect(page.locator("[data-live-url]")).to_have_attribute("data-live-running", "true")
    await assert_fits(page)
    await axe_check(page)
    await page.evaluate("window.stillTheSamePage = true")

    assert (await _scan(server, checkpoint_id, token))["result"] == "ok"
    assert (await _scan(server, checkpoint_id, "NOT-A-BADGE"))["result"] == "denied"

    await expect(row.locator('[data-live-count="admitted"]')).to_have_text("1")
    await expect(row.locator('[data-live-count="inside"]')).to_have_text("1")
    await expect(row.locator('[data-live-count="denied"]')).to_have_text("1")
    await expect(page.locator("[data-live-status]")).to_have_text(re.compile(r"^Counts updated at "))
    assert await page.evaluate("window.stillTheSamePage === true")  # updated in place, no reload
    await assert_fits(page)
    await page.goto(f"{url}/checkpoints/{checkpoint_id}")  # the checkpoint's form, on a phone too
    await expect(page.locator("#field-name")).to_have_value(re.compile(r"^Live door "))
    await assert_fits(page)
    await axe_check(page)

    plain = await organiser_page(server, new_page, viewport=PHONE, javascript=False)
    await plain.goto(url)
    refresh = plain.locator("[data-live-refresh]")
    await expect(refresh).to_be_visible()
    await expect(refresh).to_have_text("Refresh")
    assert await plain.locator('meta[http-equiv="refresh"]').count() == 0
    await refresh.click()
    await expect(
        plain.locator(f'[data-live-checkpoint="{checkpoint_id}"] [data-live-count="admitted"]')
    ).to_have_text("1")
    await assert_fits(plain)
