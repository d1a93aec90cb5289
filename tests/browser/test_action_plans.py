"""Country action plans in a real browser: an approved participant uploads the plan on a 390 px phone
(a refused file named beside the field, then a PDF), with no sideways scrolling and no serious axe
problem; the organiser's overview lists the country with its status, at 390 and 1280 px."""

from __future__ import annotations

import pytest

from tests.browser.console import LAPTOP, PHONE, organiser_page, register_participant
from tests.browser.layout import assert_fits, axe_check
from tests.browser.test_pages import magic_link
from tests.test_action_plans import pdf

pytestmark = pytest.mark.browser


async def test_a_participant_uploads_on_a_phone_and_the_organiser_sees_it(server, new_page):
    registering = await new_page()
    email = "plan.fiji@example.org"
    registration_id = await register_participant(
        server, registering, email, country_represented="FJI", nationality="FJI"
    )
    organiser = await organiser_page(server, new_page, viewport=LAPTOP)
    approved = await organiser.context.request.post(
        f"{server.url}/api/v1/registrations/{registration_id}/approve",
        data={},
        headers={"Origin": server.url},
    )
    assert approved.status == 200, await approved.text()

    page = await new_page(viewport=PHONE, bypass_csp=True)
    await page.goto(f"{server.url}/my/registration")
    await page.fill("#field-token", magic_link(server, email))
    await page.click("form[action='/my/registration/sign-in'] button[type=submit]")
    await page.wait_for_selector("#action-plan")
    await page.locator("#action-plan a").click()
    await page.wait_for_selector("h1:has-text('Action plan of Fiji')")
    await assert_fits(page)
    await axe_check(page)

    await page.set_input_files(
        "#field-file",
        files=[{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"MZ" + bytes(300)}],
    )
    await page.get_by_role("button", name="Upload", exact=True).click()
    await page.wait_for_selector("#field-file-error")
    assert "program, not a document" in await page.text_content("#field-file-error")
    await assert_fits(page)
    await axe_check(page)

    await page.set_input_files(
        "#field-file",
        files=[{"name": "Plan national.pdf", "mimeType": "application/pdf", "buffer": pdf("Fiji")}],
    )
    await page.get_by_role("button", name="Upload", exact=True).click()
    await page.wait_for_selector("text=The document is uploaded")
    assert "Plan national.pdf" in await page.text_content("main")
    await page.fill("#field-priority_services", "Birth registration\nDriving licences")
    await page.check("#field-channels")
    await page.get_by_role("button", name="Save", exact=True).click()
    await page.wait_for_selector("text=The plan is saved")
    await assert_fits(page)
    await axe_check(page)

    for viewport in (PHONE, LAPTOP):
        await organiser.set_viewport_size(viewport)
        await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/action-plans")
        row = organiser.locator("tr[data-country='FJI']")
        assert await row.locator("[data-status]").get_attribute("data-status") == "draft"
        await assert_fits(organiser)
        await axe_check(organiser)
    await organiser.locator("tr[data-country='FJI'] a").click()
    await organiser.wait_for_selector("text=Birth registration")
    await assert_fits(organiser)
    await axe_check(organiser)
