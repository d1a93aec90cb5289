"""The programme report in chromium at 390 px: the event's report and the whole programme's, in
English and Arabic — charts and stacked tables fit a phone, small figures show as "<5", axe passes."""

from __future__ import annotations

import pytest

from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check
from tests.browser.test_console_reports import report_event  # noqa: F401 (a fixture)

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_programme_report_on_a_phone(restartable_server, new_page, report_event, lang):  # noqa: F811
    server = restartable_server
    page = await organiser_page(server, new_page, viewport=PHONE, lang=lang)
    await page.goto(f"{server.url}/organiser/events/{report_event}/reports/programme")
    assert await page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    # The seeded event has four registrations: every figure describes fewer than five people.
    assert await page.locator("td .suppressed").count() > 10
    assert await page.locator("svg.chart[role=img]").count() >= 4
    assert await page.locator("[role=note]").count() == 1
    links = page.locator(".report-downloads a")
    assert await links.count() == 2
    await assert_fits(page)
    await axe_check(page)
    pdf = await page.request.get(await links.first.evaluate("a => a.href"))
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF")

    await page.goto(f"{server.url}/organiser/reports/programme")
    assert await page.locator(".report-events li").count() >= 1
    assert await page.locator("table.stacked").count() >= 5
    await assert_fits(page)
    await axe_check(page)
