"""Evaluations in chromium: a participant answers the questionnaire on a 390 px phone (the plain form,
nothing sticking out, axe clean), and the organiser reads the results with charts and the
before/after change."""

from __future__ import annotations

import pytest

from tests.browser.conftest import run_seed
from tests.browser.console import PHONE, organiser_page, register_participant
from tests.browser.layout import assert_fits, axe_check
from tests.browser.test_pages import magic_link

pytestmark = pytest.mark.browser


async def _labels_cut_off(page) -> list[str]:
    """The texts of the page's charts that reach past their chart's edges (the chart clips them)."""
    return await page.evaluate(
        """() => [...document.querySelectorAll("svg.chart")].flatMap((svg) => {
          const box = svg.getBoundingClientRect();
          return [...svg.querySelectorAll("text")]
            .filter((text) => {
              const drawn = text.getBoundingClientRect();
              return drawn.left < box.left - 0.5 || drawn.right > box.right + 0.5;
            })
            .map((text) => text.textContent);
        })"""
    )


def _seed(server, *registration_ids: int) -> None:
    seeded = run_seed("seed_evaluations", server.event_id, *registration_ids, env=server.service.env)
    assert seeded["approved"] == list(registration_ids)


async def test_a_participant_answers_on_a_phone_and_the_organiser_reads_the_results(
    restartable_server, new_page
):
    server = restartable_server
    registering = await new_page()
    me = await register_participant(server, registering, "evaluation.en@example.org")
    _seed(server, me)

    page = await new_page(viewport=PHONE, bypass_csp=True)
    await page.goto(f"{server.url}/my/registration")
    await page.fill("#field-token", magic_link(server, "evaluation.en@example.org"))
    await page.click("form[action='/my/registration/sign-in'] button[type=submit]")
    await page.wait_for_selector("#evaluations")
    await page.click("#evaluations a[href='/my/evaluations/before']")
    await page.wait_for_selector("form.evaluation-form")
    assert await page.evaluate("window.innerWidth") == 390
    await assert_fits(page)
    await axe_check(page)
    names = await page.evaluate(
        "[...new Set([...document.querySelectorAll('input[type=radio]')].map(i => i.name))]"
    )
    assert len(names) == 3
    # Sent empty first: the errors are beside the questions.
    await page.get_by_role("button", name="Send my answers").click()
    await page.wait_for_selector(".error-summary")
    assert await page.locator(".error-message").count() == 3
    await assert_fits(page)
    for name in names:
        await page.check(f"input[name={name}][value='3']")
    await page.get_by_role("button", name="Send my answers").click()
    await page.wait_for_selector("text=Thank you: your answers are saved.")
    assert "Answered on" in await page.text_content("main")
    # The other phase in Arabic: right to left, the questions in Arabic, still fitting the phone.
    await page.goto(f"{server.url}/my/evaluations/after?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert "ما مدى رضاك عن الفعالية بشكل عام؟" in await page.text_content("form.evaluation-form")
    await assert_fits(page)
    await axe_check(page)

    organiser = await organiser_page(server, new_page, viewport=PHONE)
    await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/evaluations/results")
    assert await organiser.locator(".console-tabs a[aria-current=page]").inner_text() == "Evaluations"
    change = organiser.locator("section[aria-labelledby=change-title]")
    # Before: five at 2 and this participant's 3 (13 / 6 = 2.17); after: five at 4.
    assert "+1.83" in await change.inner_text()
    assert await organiser.locator("svg.chart[role=img]").count() >= 3
    await assert_fits(organiser)
    assert await _labels_cut_off(organiser) == []
    await axe_check(organiser)
    # In Arabic too: the free-text answers (English, in a right-to-left list) keep their bullets on
    # the phone, and the questions beside the bars are shortened, not cut off at the chart's edge.
    await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/evaluations/results?lang=ar")
    assert "Idea number 1" in await organiser.locator("ul.evaluation-texts").first.inner_text()
    await assert_fits(organiser)
    assert await _labels_cut_off(organiser) == []
    await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/evaluations/results?lang=en")
    await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/evaluations")
    await assert_fits(organiser)
    await axe_check(organiser)
