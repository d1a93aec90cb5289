"""Airport transfers in chromium at 390 px: the organiser plans the arrivals, reads the runs by day
and opens one with its riders and the driver's manifest; both pages fit a phone and pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import run_seed
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def transfers_server(restartable_server):
    """The module's own server with the airport, two vehicles and funded travellers' flights."""
    return restartable_server, run_seed(
        "seed_transfers", restartable_server.event_id, env=restartable_server.service.env
    )


async def test_an_organiser_plans_arrivals_on_a_phone_and_opens_a_run(transfers_server, new_page):
    server, _ = transfers_server
    page = await organiser_page(server, new_page, viewport=PHONE)
    await page.goto(f"{server.url}/organiser/events/{server.event_id}/travel/transfers")
    await expect(page.get_by_text("No transfer run yet.")).to_be_visible()
    await page.get_by_role("button", name="Plan arrivals").click()
    await expect(page.locator(".notice")).to_contain_text("Arrival runs planned: 3 run(s), 5 rider(s).")
    runs = page.locator("table.stacked tbody tr")
    await expect(runs).to_have_count(3)
    await expect(runs.first).to_contain_text("Accessible van")
    await assert_fits(page)
    await axe_check(page)

    await runs.first.get_by_role("link").click()
    await page.wait_for_url(re.compile(r"/travel/transfers/runs/\d+$"))
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Accessible van")
    await expect(page.locator("table.stacked tbody tr")).to_have_count(3)
    async with page.expect_download() as download_info:
        await page.get_by_role("link", name="Download the driver's manifest (PDF)").click()
    download = await download_info.value
    assert download.suggested_filename.startswith("transfer-TR-")
    await assert_fits(page)
    await axe_check(page)
