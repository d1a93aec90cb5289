"""The console's shared parts in chromium: the tab bar and the jobs page at 390 px, in English and Arabic."""

from __future__ import annotations

import itertools

import pytest

from tests.browser.console import PHONE, organiser_page, register_participant
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser
_emails = itertools.count(1)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_event_overview_and_jobs_page_fit_a_phone(server, new_page, lang):
    page = await organiser_page(server, new_page, viewport=PHONE, lang=lang)
    assert await page.locator(".console-tabs a[aria-current=page]").count() == 1
    await assert_fits(page)
    await axe_check(page)
    await page.goto(f"{server.url}/organiser/events/{server.event_id}/jobs")
    await assert_fits(page)
    await axe_check(page)


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_dashboard_pages_fit_a_phone(server, new_page, lang):
    """Organisers work from phones on site: the event list, registrations, one registration, the
    audit log and the statistics scroll only downwards at 390 px, and the registrations' checkboxes
    are big enough to tap."""
    page = await organiser_page(server, new_page, viewport=PHONE, lang=lang)
    registration_id = await register_participant(
        server, page, f"dashboard.{lang}.{next(_emails)}@example.org"
    )
    for path in (
        "/organiser",
        f"/organiser/events/{server.event_id}/registrations",
        f"/organiser/events/{server.event_id}/statistics",
        "/organiser/audit",
        f"/organiser/registrations/{registration_id}",
    ):
        await page.goto(f"{server.url}{path}")
        await assert_fits(page)
        await axe_check(page)
    # The rows' checkboxes for the bulk actions are a finger's target (24 px at least, WCAG 2.5.8).
    await page.goto(f"{server.url}/organiser/events/{server.event_id}/registrations")
    boxes = await page.eval_on_selector_all(
        "input[name=registration_ids]", "els => els.map(e => e.getBoundingClientRect().height)"
    )
    assert boxes and min(boxes) >= 24, boxes
