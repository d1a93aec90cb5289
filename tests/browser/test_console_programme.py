"""The console's programme tab in chromium at 390 px: an organiser moves a session and creates one,
then reads the session's page in Arabic (right to left). A server of the module's own, so the seeded
event's sessions that other browser tests read stay as seeded."""

from __future__ import annotations

import re

import pytest

from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


async def test_an_organiser_moves_a_session_and_creates_one_on_a_phone(restartable_server, new_page):
    server = restartable_server
    page = await organiser_page(server, new_page, viewport=PHONE)
    await page.click(".console-tabs >> text=Programme")
    await page.wait_for_url(re.compile(rf"/organiser/events/{server.event_id}/programme$"))
    await assert_fits(page)
    await axe_check(page)

    await page.click("text=Opening plenary")
    await page.wait_for_url(re.compile(r"/programme/sessions/\d+$"))
    session_url = page.url
    assert await page.input_value("#field-starts_at") == "2027-10-12T09:00"
    await page.fill("#field-starts_at", "2027-10-12T09:30")
    await page.fill("#field-ends_at", "2027-10-12T10:45")
    await page.fill("#field-room", "Hall B")
    await page.click("button:has-text('Save session')")
    await page.wait_for_url(session_url)
    await page.get_by_text("Session “Opening plenary” saved").wait_for()
    assert await page.input_value("#field-starts_at") == "2027-10-12T09:30"
    await assert_fits(page)
    await axe_check(page)

    await page.click("text=Back to the programme")
    await page.click("text=New session")
    await page.fill("#field-title", "Closing ceremony of the symposium")
    await page.select_option("#field-kind", "ceremony")
    await page.fill("#field-starts_at", "2027-10-14T16:00")
    await page.fill("#field-ends_at", "2027-10-14T15:00")  # before the start: refused beside the field
    await page.click("button:has-text('Create session')")
    await page.locator("#field-ends_at-error").get_by_text("The end must be after the start").wait_for()
    await assert_fits(page)
    await page.fill("#field-ends_at", "2027-10-14T17:00")
    await page.click("button:has-text('Create session')")
    await page.wait_for_url(re.compile(rf"/organiser/events/{server.event_id}/programme$"))
    await page.get_by_text("Session “Closing ceremony of the symposium” created").wait_for()
    row = page.locator("tr", has_text="Closing ceremony of the symposium")
    assert "16:00" in await row.inner_text() and "Ceremony" in await row.inner_text()
    moved = page.locator("tr", has_text="Opening plenary")
    assert "09:30" in await moved.inner_text() and "Hall B" in await moved.inner_text()
    await assert_fits(page)

    await page.goto(f"{session_url}?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    await page.get_by_role("button", name="حفظ الجلسة").wait_for()
    await assert_fits(page)
    await axe_check(page)
