"""The console's shared parts in chromium: the tab bar and the jobs page at 390 px, in English and Arabic."""

from __future__ import annotations

import pytest

from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_event_overview_and_jobs_page_fit_a_phone(server, new_page, lang):
    page = await organiser_page(server, new_page, viewport=PHONE, lang=lang)
    assert await page.locator(".console-tabs a[aria-current=page]").count() == 1
    await assert_fits(page)
    await axe_check(page)
    await page.goto(f"{server.url}/organiser/events/{server.event_id}/jobs")
    await assert_fits(page)
    await axe_check(page)
