"""The certificates tab in chromium at 390 px, on an event with check-ins (tests/browser/seed_reports.py):
the rule form, the participants with eligible or not and why; in English and Arabic it fits a phone
and passes axe."""

from __future__ import annotations

import pytest

from tests.browser import test_console_reports
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser
#: An event on now with check-ins, seeded in the module's own server (tests/browser/seed_reports.py).
report_event = test_console_reports.report_event


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_certificates_page_fits_a_phone(restartable_server, new_page, report_event, lang):
    server = restartable_server
    page = await organiser_page(server, new_page, viewport=PHONE, lang=lang)
    await page.goto(f"{server.url}/organiser/events/{report_event}/certificates?lang={lang}")
    assert await page.locator("#field-min_percent").count() == 1
    assert await page.locator("table.stacked tbody tr").count() > 0
    await assert_fits(page)
    await axe_check(page)
