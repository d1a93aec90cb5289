"""The console's letters pages in chromium: the pages at 390 px with axe, and a ZIP of letters built as
a job that survives a restart of the service in the middle."""

from __future__ import annotations

import asyncio
import io
import json
import re
import sqlite3
import time
import zipfile
from contextlib import closing

import pytest

from tests.browser.conftest import run_seed
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser

#: Enough letters that building their ZIP takes a few seconds.
LETTERS = 1200


@pytest.fixture(scope="module")
def letters_server(restartable_server):
    """The restartable server's event with a letter profile and ``LETTERS`` valid letters."""
    env = restartable_server.service.env
    seeded = run_seed("seed_letters", restartable_server.event_id, LETTERS, env=env, timeout=300)
    assert seeded["letters"] == LETTERS + 6
    return restartable_server


def _valid_references(server) -> list[str]:
    with closing(sqlite3.connect(server.database)) as connection:
        rows = connection.execute(
            "SELECT reference FROM letter WHERE event = ? AND status = 'valid'", (server.event_id,)
        ).fetchall()
    return sorted(row[0] for row in rows)


def _job(server, job_id: int) -> dict:
    with closing(sqlite3.connect(server.database)) as connection:
        connection.row_factory = sqlite3.Row
        return dict(connection.execute("SELECT * FROM job WHERE id = ?", (job_id,)).fetchone())


async def test_the_letters_pages_fit_a_phone(letters_server, new_page):
    page = await organiser_page(letters_server, new_page, viewport=PHONE)
    base = f"{letters_server.url}/organiser/events/{letters_server.event_id}/letters"
    for path in ("", "/wording", "/wording/visa_support/ar", "/letterhead"):
        await page.goto(base + path)
        await assert_fits(page)
        await axe_check(page)
    await page.goto(base)
    assert await page.locator(".letters-table tbody tr").count() == 50
    # A full page of letters stays light (with site.css and console.js, under the 100 KB of pages).
    assert len((await page.content()).encode()) < 70_000
    first = page.locator(".letters-table tbody tr").first
    await first.get_by_role("link", name=re.compile("^Revoke")).click()
    await page.fill("#field-reason", "Issued to the wrong person")
    await assert_fits(page)
    await page.get_by_role("button", name="Revoke the letter").click()
    await page.wait_for_url(re.compile(r"/letters$"))
    assert "is revoked." in await page.locator("[role=status]").inner_text()
    assert await page.locator(".letter-status--revoked").count() == 1
    for path in ("", "/letterhead"):  # right to left
        await page.goto(f"{base}{path}?lang=ar")
        await assert_fits(page)
        await axe_check(page)


async def test_a_letters_zip_job_survives_a_restart_of_the_service(letters_server, new_page):
    page = await organiser_page(letters_server, new_page)
    await page.goto(f"{letters_server.url}/organiser/events/{letters_server.event_id}/letters")
    await page.select_option("#zip-kind", "all")
    await page.select_option("#zip-status", "valid")
    await page.get_by_role("button", name="Build ZIP of letters").click()
    await page.wait_for_url(re.compile(r"/organiser/jobs/\d+$"))
    job_id = int(page.url.rsplit("/", 1)[1])
    # Running with progress: read from the database at once (the bar's script polls every second,
    # and the whole job takes a second or two), then the service dies in the middle of the job.
    deadline = time.monotonic() + 60
    while (job := _job(letters_server, job_id))["status"] != "running" or not job["progress"]:
        assert time.monotonic() < deadline, f"the job did not start: {job}"
        await asyncio.sleep(0.02)
    assert job["message"] == "Letter %(done)s of %(total)s" and json.loads(job["message_args"])["done"] >= 1
    # A crash: a clean stop (SIGTERM) would give the job 5 s to finish, more than it needs; killed,
    # its lease runs out and a worker of the restarted service runs it again from the start.
    letters_server.restart(kill=True)

    await page.reload()  # the service is back; the page follows the job (console.js) until it ends
    await page.locator("[data-job-state]").filter(has_text="Done").wait_for(timeout=120_000)
    job = _job(letters_server, job_id)
    assert job["status"] == "succeeded" and job["attempts"] == 2  # interrupted, then run again in full
    async with page.expect_download() as waiting:
        await page.get_by_role("link", name="Download the result").click()
    download = await waiting.value
    archive = zipfile.ZipFile(io.BytesIO((await download.path()).read_bytes()))
    names = archive.namelist()
    references = _valid_references(letters_server)
    assert len(references) >= LETTERS
    assert len(names) == len(set(names)) == len(references) + 1 and names[-1] == "letters.csv"
    assert sorted(name.removesuffix(".pdf") for name in names[:-1]) == references
    listed = archive.read("letters.csv").decode("utf-8-sig").splitlines()[1:]
    assert sorted(line.split(",")[1] for line in listed) == references
