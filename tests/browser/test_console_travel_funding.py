"""Funding in chromium at 390 px: the organiser enters a fare estimate, decides the funding of an
approved participant who asked for it, and the budget box's committed total moves; the page fits a
phone and passes axe."""

from __future__ import annotations

import pytest
from playwright.async_api import expect

from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


async def test_an_organiser_decides_funding_and_the_committed_total_moves(server, new_page):
    page = await organiser_page(server, new_page, viewport=PHONE)
    walk_in = await page.context.request.post(
        f"{server.url}/api/v1/events/{server.event_id}/walk-ins",
        data={
            "given_names": "Tupou",
            "family_name": "Fifita",
            "email": "tupou.fifita.funding@example.org",
            "gender": "female",
            "nationality": "TON",
            "country_represented": "TON",
            "institution": "Prime Minister's Office",
            "level": "high",
            "preferred_language": "en",
            "funding_requested": True,
            "consent": True,
        },
    )
    assert walk_in.status == 201, await walk_in.text()
    registration_id = (await walk_in.json())["registration"]["id"]
    funding = f"{server.url}/organiser/events/{server.event_id}/travel/funding"

    await page.goto(funding)
    await page.select_option("#field-country", "TON")
    await page.fill("#field-amount", "1450.75")
    await page.get_by_role("button", name="Save the fare estimate").click()
    await expect(page.locator(".notice")).to_contain_text("was saved")
    committed = page.locator("#budget-committed")
    before = await committed.inner_text()

    row = page.locator(f"#registration-{registration_id}")
    await expect(row).to_contain_text("Not decided")
    await row.locator("select[name=level]").select_option("ticket_dsa")
    await row.locator("input[name=reason]").fill("LDC government official")
    await row.get_by_role("button", name="Save").click()
    await expect(page.locator(".notice")).to_contain_text("Decision saved")
    await expect(committed).not_to_have_text(before)
    await expect(committed).to_contain_text("1,450.75")
    await expect(row).to_contain_text("Ticket and DSA")
    await expect(row.locator(".funding-decision-parts")).to_contain_text("Ticket US$1,450.75 · DSA")
    await expect(page.locator("#budget-tickets")).to_contain_text("1,450.75")
    await expect(page.locator("#budget-hotels")).to_be_visible()
    await assert_fits(page)
    await axe_check(page)
    await page.goto(f"{funding}?lang=ar")  # the parts in Arabic, right to left, still within the phone
    await expect(page.locator("#budget-hotels")).to_contain_text("الفنادق")
    await assert_fits(page)
