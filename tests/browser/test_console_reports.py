"""The reports tab in chromium at 390 px: the event's charts with their tables (numbers from a seeded,
checked-in event), a CSV download, and the page in Arabic; both fit a phone and pass axe."""

from __future__ import annotations

import pytest

from tests.browser.conftest import run_seed
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def report_event(restartable_server) -> int:
    """An event on now in the module's own server, with check-ins (tests/browser/seed_reports.py)."""
    return run_seed("seed_reports", env=restartable_server.service.env)["event_id"]


async def test_event_report_on_a_phone(restartable_server, new_page, report_event):
    server = restartable_server
    page = await organiser_page(server, new_page, viewport=PHONE)
    await page.goto(f"{server.url}/organiser/events/{report_event}/reports")
    assert await page.locator(".console-tabs a[aria-current=page]").inner_text() == "Reports"
    totals = page.locator("dl.facts")
    assert "Attended" in await totals.inner_text()
    assert [await dd.inner_text() for dd in await totals.locator("dd").all()] == ["3", "3", "2 (67%)"]
    groups = page.locator("section[aria-labelledby=report-country_group] tbody tr")
    ldc = groups.filter(has_text="LDC").first
    assert "2" in await ldc.locator("td").nth(1).inner_text()  # DJI and YEM approved
    sessions = page.locator("section[aria-labelledby=report-sessions] tbody tr")
    assert "Opening plenary" in await sessions.first.inner_text()
    assert await sessions.first.locator("td").nth(1).inner_text() == "1"
    assert await page.locator("svg.chart[role=img] title").count() >= 4
    await assert_fits(page)
    await axe_check(page)

    download = await page.request.get(
        f"{server.url}/organiser/events/{report_event}/reports/download?table=sector&format=csv"
    )
    assert download.ok and "'=SUM(A1:A9)" in (await download.body()).decode("utf-8-sig")


async def test_reports_in_arabic_on_a_phone(restartable_server, new_page, report_event):
    server = restartable_server
    page = await organiser_page(server, new_page, viewport=PHONE, lang="ar")
    await page.goto(f"{server.url}/organiser/events/{report_event}/reports")
    assert await page.locator("html").get_attribute("dir") == "rtl"
    assert await page.locator("h1").inner_text() != "Reports"
    assert await page.locator("dl.facts dt").first.inner_text() == "المسجلون"
    await assert_fits(page)
    await axe_check(page)
    await page.goto(f"{server.url}/organiser/reports")
    assert await page.locator("section[aria-labelledby=report-event] tbody tr").count() == 2
    await assert_fits(page)
    await axe_check(page)
