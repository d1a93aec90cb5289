"""The itineraries console in chromium at 390 px: an organiser adds a flight to a participant's
itinerary; a bad airport code is refused beside its field; the page fits a phone and passes axe."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.conftest import run_seed
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


def _approved_participant(server) -> int:
    """One approved participant in the module's own server (the shared one's event stays as seeded)."""
    result = run_seed("seed_itineraries", server.event_id, env=server.service.env)
    assert result["status"] == "approved", result
    return result["registration_id"]


async def test_an_organiser_adds_a_flight_on_a_phone(restartable_server, new_page):
    server = restartable_server
    registration_id = _approved_participant(server)
    page = await organiser_page(server, new_page, viewport=PHONE)
    base = f"{server.url}/organiser/events/{server.event_id}/travel/itineraries"
    await page.goto(base)
    await page.get_by_role("link", name="Sushila Karki").click()
    await page.wait_for_url(f"{base}/{registration_id}")

    await page.select_option("#field-direction", "inbound")
    await page.fill("#field-carrier", "RA")
    await page.fill("#field-flight_number", "201")
    await page.fill("#field-from_airport", "KTM")
    await page.fill("#field-departs_local", "2027-10-11T10:00")
    await page.fill("#field-to_airport", "GYX")
    await page.fill("#field-arrives_local", "2027-10-11T09:50")
    await page.get_by_role("button", name="Add the flight").click()
    await expect(page.locator("#field-to_airport-error")).to_contain_text("No airport has this code")
    await expect(page.locator("#field-to_airport")).to_have_attribute("aria-invalid", "true")
    await assert_fits(page)
    await axe_check(page)

    await page.fill("#field-to_airport", "GYD")
    await page.get_by_role("button", name="Add the flight").click()
    await page.wait_for_url(f"{base}/{registration_id}")
    await expect(page.locator(".notice")).to_contain_text("The flight was added")
    row = page.locator("tbody tr").first
    await expect(row).to_contain_text("RA 201")
    await expect(row).to_contain_text("UTC+05:45")
    await expect(row).to_contain_text("UTC+04:00")
    await assert_fits(page)
    await axe_check(page)
