"""The funded participant's travel page in a real browser at 390 px, in English and in Arabic:
funding, flights, hotel, pick-up and DSA shown, the itinerary confirmed and the sharing choice saved
(plain forms that also work without JavaScript); nothing sticks out and axe finds no serious problem."""

from __future__ import annotations

import pytest

from tests.browser.conftest import run_seed
from tests.browser.console import register_participant
from tests.browser.layout import assert_fits, axe_check
from tests.browser.test_pages import magic_link

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _seed(server, *registration_ids: int) -> None:
    seeded = run_seed("seed_my_travel", server.event_id, *registration_ids, env=server.service.env)
    assert seeded["funded"] == list(registration_ids)


async def _signed_in(server, new_page, email: str):
    page = await new_page(viewport=PHONE, bypass_csp=True)
    await page.goto(f"{server.url}/my/registration")
    await page.fill("#field-token", magic_link(server, email))
    await page.click("form[action='/my/registration/sign-in'] button[type=submit]")
    await page.wait_for_selector("[data-status]")
    return page


async def test_the_funded_participant_confirms_and_chooses_on_a_phone(restartable_server, new_page):
    server = restartable_server
    registering = await new_page()
    english = await register_participant(server, registering, "funded.en@example.org")
    arabic = await register_participant(server, registering, "funded.ar@example.org", preferred_language="ar")
    _seed(server, english, arabic)

    page = await _signed_in(server, new_page, "funded.en@example.org")
    await page.goto(f"{server.url}/my/travel")
    for part in ("#my-funding", "#my-flights", "#my-hotel", "#my-transfer", "#my-dsa"):
        assert await page.locator(part).count() == 1, part
    flights = await page.text_content("#my-flights")
    assert "QR 647" in flights and "Asia/Kathmandu" in flights
    await assert_fits(page)
    await axe_check(page)
    await page.get_by_role("button", name="Confirm my itinerary").click()
    await page.wait_for_selector("text=Thank you: your itinerary is confirmed")
    assert "You confirmed this itinerary" in await page.text_content("#my-flights")
    await page.check("#sharing-yes")
    await page.get_by_role("button", name="Save my answer").click()
    await page.wait_for_selector("text=Saved: you accept sharing a twin room")
    assert await page.is_checked("#sharing-yes")
    await assert_fits(page)

    page = await _signed_in(server, new_page, "funded.ar@example.org")
    await page.goto(f"{server.url}/my/travel")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert "تأكيد خط سير رحلتي" in await page.text_content("#my-flights")
    await assert_fits(page)
    await axe_check(page)
