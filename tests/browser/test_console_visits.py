"""The study-visit console in chromium: the organiser starts a scheduler dry run, follows its
progress bar (JavaScript on) to Done, reads the proposal beside the plan in force and commits it;
the run page fits a phone and passes axe."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.browser.conftest import run_seed
from tests.browser.console import PHONE, organiser_page
from tests.browser.layout import assert_fits, axe_check

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def visits_server(restartable_server):
    """The module's own server (its environment is at hand) with sites, slots and participants."""
    return restartable_server, run_seed(
        "seed_visits", restartable_server.event_id, env=restartable_server.service.env
    )


async def test_an_organiser_runs_the_scheduler_and_commits_its_plan(visits_server, new_page):
    server, seeded = visits_server
    visits = f"{server.url}/organiser/events/{server.event_id}/visits"
    page = await organiser_page(server, new_page)
    await page.goto(f"{visits}/scheduler")
    await page.fill("#field-time_limit_s", "2")
    await page.get_by_role("button", name="Start a dry run").click()
    await page.wait_for_url(re.compile(r"/organiser/jobs/\d+$"))
    await expect(page.locator("progress[data-job-progress]")).to_be_visible()
    # console.js follows the job and reloads the page when it ends: the result's link appears.
    await expect(page.locator("[data-job-state]")).to_have_text("Done", timeout=60_000)
    await page.get_by_role("link", name="See the result").click()
    await page.wait_for_url(re.compile(r"/visits/runs/\d+$"))
    run_url = page.url

    placed = page.locator("tr", has=page.locator("th", has_text=re.compile(r"^Placed$")))
    await expect(placed.locator("[data-current]")).to_have_text("0")
    proposed = int(await placed.locator("[data-proposal]").inner_text())
    assert 0 < proposed <= seeded["participants"]
    await page.get_by_role("button", name="Commit this plan").click()
    await page.wait_for_url(run_url)
    await expect(page.locator(".notice")).to_contain_text("The plan was committed")
    await expect(placed.locator("[data-current]")).to_have_text(str(proposed))
    await expect(page.get_by_text("This plan is committed.")).to_be_visible()

    await page.goto(f"{visits}/manifests")
    assert await page.locator('a[href*="/manifest?format=pdf"]').count() == len(seeded["slot_ids"])

    phone = await organiser_page(server, new_page, viewport=PHONE)
    await phone.goto(run_url)
    await expect(phone.get_by_role("heading", level=1)).to_contain_text("Run #")
    await assert_fits(phone)
    await axe_check(phone)
