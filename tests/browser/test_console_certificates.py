"""The certificates tab in chromium at 390 px, on an event with check-ins (tests/browser/seed_reports.py):
the rule form, the participants with eligible or not and why; in English and Arabic it fits a phone
and passes axe."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.browser.conftest import ROOT
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def checked_in_event(restartable_server) -> int:
    seeded = subprocess.run(
        [sys.executable, "-m", "tests.browser.seed_reports"],
        env=restartable_server.service.env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert seeded.returncode == 0, seeded.stderr + seeded.stdout
    return json.loads(seeded.stdout.strip().splitlines()[-1])["event_id"]


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_certificates_page_fits_a_phone(restartable_server, new_page, checked_in_event, lang):
    server = restartable_server
    page = await organiser_page(server, new_page, viewport=PHONE, lang=lang)
    await page.goto(f"{server.url}/organiser/events/{checked_in_event}/certificates?lang={lang}")
    assert await page.locator("#field-min_percent").count() == 1
    assert await page.locator("table.stacked tbody tr").count() > 0
    await assert_fits(page)
    await axe_check(page)
