"""The console's hotels page in chromium at 390 px: a hotel, a room type and its block created on the
pages, the rooms allocated to the seeded funded participants; every page fits and passes axe."""

from __future__ import annotations

import re

import pytest

from tests.browser.conftest import run_seed
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def seeded(restartable_server):
    """The module's own server with two approved participants funded in full (12 to 15 October)."""
    assert restartable_server.service is not None
    seeded = run_seed("seed_hotels", restartable_server.event_id, env=restartable_server.service.env)
    assert len(seeded["registrations"]) == 2
    return restartable_server


async def test_create_a_hotel_its_block_and_allocate_on_a_phone(seeded, new_page):
    page = await organiser_page(seeded, new_page, viewport=PHONE)
    base = f"{seeded.url}/organiser/events/{seeded.event_id}/travel/hotels"
    await page.goto(base)
    await page.fill("#field-name", "Hotel Caspian Riviera")
    await page.fill("#field-city", "Baku")
    await page.click("form[action$='/hotels'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/travel/hotels/\d+$"))
    await page.fill("#field-name", "Twin room")
    await page.fill("#field-occupancy", "2")
    await page.click("form[action$='/room-types'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/travel/hotels/room-types/\d+$"))
    # a check-out before the check-in is refused beside the field
    await page.fill("#field-check_in", "2027-10-15")
    await page.fill("#field-check_out", "2027-10-11")
    await page.fill("#field-rooms", "1")
    await page.click("form[action$='/range'] button[type=submit]")
    await page.locator("#field-check_out-error").wait_for()
    await page.fill("#field-check_in", "2027-10-11")
    await page.fill("#field-check_out", "2027-10-16")
    await page.click("form[action$='/range'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/room-types/\d+$"))
    assert await page.input_value("#field-night-2027-10-13") == "1"
    await assert_fits(page)
    await axe_check(page)

    await page.goto(base)
    await page.click("form[action$='/allocate'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/travel/hotels/rooms$"))
    given = page.locator("#given + table tbody tr")
    assert await given.count() == 2  # both accepted sharing and have the same nights: one twin
    assert await page.locator("#given + table tbody tr td[data-label='Shared']").all_inner_texts() == [
        "Yes",
        "Yes",
    ]
    assert await page.locator("#not-fitting + p").count() == 1  # "Every funded participant has a room."
    await assert_fits(page)
    await axe_check(page)
