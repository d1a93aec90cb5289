"""Travel and needs in a real browser at 390 px, with and without JavaScript: register, sign in, change
the arrival time on /my/travel and see it on the hub; no horizontal scrolling; axe finds no serious or
critical problem on the form, its error state and the hub."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.test_pages import _serious_violations, fill_registration, magic_link, shoot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
_emails = itertools.count(1)


async def _signed_in(server, page, prefix: str) -> None:
    email = f"{prefix}.{next(_emails)}@example.org"
    await page.goto(f"{server.url}/events/{server.event_id}/register")
    await fill_registration(page, email)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Registration received")
    # Pasting the link works with and without JavaScript.
    await page.goto(f"{server.url}/my/registration")
    await page.fill("#field-token", magic_link(server, email))
    await page.click("form[action='/my/registration/sign-in'] button[type=submit]")
    await page.wait_for_selector("[data-status]")


async def _fits(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
async def test_changing_the_arrival_time_on_a_phone(server, new_page, artifacts, javascript):
    page = await new_page(viewport=PHONE, java_script_enabled=javascript, bypass_csp=javascript)
    await _signed_in(server, page, f"travel-{'js' if javascript else 'nojs'}")
    problems: dict[str, list[str]] = {}

    travel = page.locator("#travel")
    await travel.get_by_role("link", name="Change").click()
    await page.wait_for_selector("h1:has-text('Travel and needs')")
    assert "Baku time" in await page.text_content("main")
    await _fits(page)
    if javascript:
        problems["travel form"] = await _serious_violations(page)

    await page.fill("#field-arrival_at", "2027-10-11")
    await page.fill("#field-arrival_time", "18:30")
    await page.fill("#field-departure_at", "2027-10-10")
    await page.fill("#field-departure_time", "09:00")
    await page.check("#field-accessibility")  # step-free access
    await page.fill("#field-emergency_contact_name", "Omar Moussa")
    await page.fill("#field-emergency_contact_phone", "+253 77 12 34 56")
    await page.get_by_role("button", name="Save changes").click()
    await page.wait_for_selector("[data-error-summary]")
    assert "Your departure must be after your arrival" in await page.text_content("main")
    await _fits(page)
    if javascript:
        problems["travel form with errors"] = await _serious_violations(page)
    await shoot(page, artifacts, f"my-travel-errors-390-{'js' if javascript else 'nojs'}")

    await page.fill("#field-departure_at", "2027-10-15")
    await page.fill("#field-arrival_time", "21:45")
    await page.get_by_role("button", name="Save changes").click()
    await page.wait_for_selector("text=Your travel details and needs are saved")
    section = await page.text_content("#travel")
    assert "21:45" in section and "Omar Moussa" in section and "••••56" in section
    assert "Step-free access" in section
    await _fits(page)
    if javascript:
        problems["hub"] = await _serious_violations(page)
    await shoot(page, artifacts, f"my-travel-hub-390-{'js' if javascript else 'nojs'}")
    assert not {name: found for name, found in problems.items() if found}
