"""The DSA page on a phone: a programme-wide organiser adds the city's rate, computes the DSA, sees each
participant's allowance and the problem of the one without dates; the page fits 390 px and passes axe."""

from __future__ import annotations

import pytest

from tests.browser.conftest import run_seed
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def dsa_server(restartable_server):
    """The module's own server with funded participants (tests/browser/seed_dsa.py)."""
    return restartable_server, run_seed(
        "seed_dsa", restartable_server.event_id, env=restartable_server.service.env
    )


async def test_add_a_rate_and_compute_the_dsa_on_a_phone(dsa_server, new_page):
    server, _ = dsa_server
    page = await organiser_page(server, new_page, viewport=PHONE)
    await page.goto(f"{server.url}/organiser/events/{server.event_id}/travel/dsa")
    assert await page.locator(".console-subnav a[aria-current=page]").inner_text() == "DSA"
    await page.fill("#field-valid_from", "2027-10-01")
    await page.fill("#field-amount", "-10")
    await page.get_by_role("button", name="Add the rate").click()
    assert "Enter an amount above 0" in await page.locator("#field-amount-error").inner_text()
    await page.fill("#field-amount", "212")
    await page.get_by_role("button", name="Add the rate").click()
    await page.wait_for_load_state()
    assert "The DSA rate was added." in await page.locator("body").inner_text()
    rates = page.locator("table.dsa-rates tbody tr")
    assert await rates.count() == 1 and "212.00 USD" in await rates.inner_text()

    await page.get_by_role("button", name="Compute DSA").click()
    await page.wait_for_load_state()
    assert "DSA computed: 2 allowance(s), 1 problem(s)." in await page.locator("body").inner_text()
    rows = page.locator("table.dsa-payments tbody tr")
    assert await rows.count() == 2
    amounts = sorted([await row.locator("strong").inner_text() for row in await rows.all()])
    # 4 nights × 212: fully funded (room provided, 50 % withheld) 424.00, ticket and DSA 848.00.
    assert amounts == ["424.00 USD", "848.00 USD"]
    assert (
        "Tenzin Dorji has no arrival or departure date." in await page.locator(".dsa-problems").inner_text()
    )
    await assert_fits(page)
    await axe_check(page)

    await page.get_by_role("button", name="Mark paid Sione Tupou").click()
    await page.wait_for_load_state()
    assert "Sione Tupou's DSA is marked paid." in await page.locator("body").inner_text()
    assert await page.get_by_role("button", name="Mark paid").count() == 1
    async with page.expect_download() as download:
        await page.get_by_role("link", name="Payment sheet (PDF)").click()
    assert (await download.value).suggested_filename.endswith(".pdf")
