"""The console's badges page in chromium: at 390 px with axe, and a 1,000-badge print job started from
the page whose progress bar moves, that survives a restart of the service (SIGTERM, then a kill)."""

from __future__ import annotations

import asyncio
import io
import re
import sqlite3
import time
from contextlib import closing

import pytest
from pypdf import PdfReader

from tests.browser.conftest import run_seed
from tests.browser.console import LAPTOP, PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser

BADGES = 1000


@pytest.fixture(scope="module")
def seeded(restartable_server):
    """The module's own server with 1,000 approved registrations, their badges issued."""
    assert restartable_server.service is not None
    seeded = run_seed("seed_badges", restartable_server.event_id, BADGES, env=restartable_server.service.env)
    assert seeded == {"registrations": BADGES, "issued": BADGES}
    return restartable_server


def _job(server, job_id: int) -> dict:
    with closing(sqlite3.connect(server.database)) as connection:
        status, attempts, progress = connection.execute(
            "SELECT status, attempts, progress FROM job WHERE id = ?", (job_id,)
        ).fetchone()
    return {"status": status, "attempts": attempts, "progress": progress}


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_the_badges_page_fits_a_phone(seeded, new_page, lang):
    page = await organiser_page(seeded, new_page, viewport=PHONE, lang=lang)
    await page.goto(f"{seeded.url}/organiser/events/{seeded.event_id}/badges?lang={lang}")
    assert await page.locator(".badge-list tbody tr").count() == 25
    await page.locator(".badge-action summary").first.click()  # the reissue / revoke form opens
    await assert_fits(page)
    await axe_check(page)


async def _print_and_restart(server, page, *, kill: bool) -> int:
    """Start a print job from the badges page, let it draw, restart the service; the job's id."""
    await page.goto(f"{server.url}/organiser/events/{server.event_id}/badges")
    await page.check("#field-sheet")  # 4 A6 badges on each A4 sheet
    await page.click("form.badge-print button[type=submit]")
    await page.wait_for_url(re.compile(r"/organiser/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    # Restart the moment a worker has claimed it: a thousand badges draw in a second or two on a quiet
    # machine, quicker than the page's progress bar polls (tests/test_console.py checks the bar).
    deadline = time.monotonic() + 30
    while (job := _job(server, job_id))["status"] == "queued":
        assert time.monotonic() < deadline, f"no worker claimed the job: {job}"
        await asyncio.sleep(0.01)
    assert job["status"] == "running", job
    server.restart(kill=kill)
    return job_id


async def _finished_pdf(server, page, job_id: int) -> bytes:
    await page.goto(f"{server.url}/organiser/jobs/{job_id}")
    await page.wait_for_selector("a[href$='/result']", timeout=60_000)  # the page reloads when done
    assert await page.locator("[data-job-state]").inner_text() == "Done"
    response = await page.request.get(f"{server.url}/organiser/jobs/{job_id}/result")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    return await response.body()


async def test_a_thousand_badge_print_job_survives_a_restart_and_a_crash(seeded, new_page):
    page = await organiser_page(seeded, new_page, viewport=LAPTOP)
    # A clean restart: the stopping worker finishes within its grace or puts the job back in the queue.
    first = await _print_and_restart(seeded, page, kill=False)
    pdf = await _finished_pdf(seeded, page, first)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == BADGES // 4
    # A crash: the job waits for its lease to run out, then runs again from the start.
    second = await _print_and_restart(seeded, page, kill=True)
    pdf = await _finished_pdf(seeded, page, second)
    assert len(PdfReader(io.BytesIO(pdf)).pages) == BADGES // 4
    assert _job(seeded, second) == {"status": "succeeded", "attempts": 2, "progress": 1.0}
    await page.goto(f"{seeded.url}/organiser/events/{seeded.event_id}/badges?job={second}")
    assert "1,000 badges on 250 pages." in await page.locator(".badge-result").inner_text()
