"""The pages in a real browser: register → organiser approves → participant sees "approved"; the error
summary; French and Spanish; axe-core finds no serious or critical problem; registering without
JavaScript. Screenshots of the main pages go to test-artifacts/."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.browser.conftest import AXE

pytestmark = pytest.mark.browser

_emails = itertools.count(1)


def new_email(prefix: str) -> str:
    return f"{prefix}.{next(_emails)}@example.org"


async def fill_registration(page, email: str, *, visa: bool = False) -> None:
    await page.fill("#field-given_names", "Amina")
    await page.fill("#field-family_name", "Moussa")
    await page.fill("#field-email", email)
    await page.fill("#field-phone", "+253 77 83 32 55")
    await page.check("#field-gender")  # the first choice: female
    await page.select_option("#field-nationality", "DJI")
    await page.select_option("#field-country_represented", "DJI")
    await page.fill("#field-institution", "Cabinet Office")
    await page.check("#field-level-mid")
    if visa:
        await page.check("#field-needs_visa")
        await page.fill("#field-passport_number", "P9876543")
        await page.fill("#field-passport_expiry", "2030-01-31")
        await page.fill("#field-date_of_birth", "1980-05-17")
        await page.fill("#field-place_of_birth", "Djibouti")
    else:
        await page.check("#field-needs_visa-false")
    await page.check("#field-consent")


async def shoot(page, artifacts, name: str) -> None:
    await page.screenshot(path=str(artifacts / f"{name}.png"), full_page=True)


def magic_link(server, email: str) -> str:
    """The newest sign-in link e-mailed to the address."""
    for body in server.mails(email):
        found = re.search(r"(http\S+#token=osm_[\w-]+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no sign-in link e-mailed to {email}")


async def test_register_then_organiser_approves_then_participant_sees_it(server, new_page, artifacts):
    page = await new_page()
    await page.goto(f"{server.url}/")
    await shoot(page, artifacts, "programme")
    await page.click(f"a[href='/events/{server.event_id}']")
    await shoot(page, artifacts, "event")
    await page.get_by_role("link", name="Register for this event").click()
    await shoot(page, artifacts, "register-form")
    email = new_email("approve")
    await fill_registration(page, email, visa=True)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Registration received")
    reference = await page.text_content(".reference")
    await shoot(page, artifacts, "registered")

    organiser = await new_page()
    await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/registrations")
    assert "/organiser/sign-in" in organiser.url
    await shoot(organiser, artifacts, "organiser-sign-in")
    await organiser.fill("#field-username", server.username)
    await organiser.fill("#field-password", server.password)
    await organiser.click("button[type=submit]")
    await organiser.wait_for_url(re.compile(r"/registrations"))
    await organiser.fill("#filter-search", reference)
    await organiser.get_by_role("button", name="Apply filters").click()
    await shoot(organiser, artifacts, "organiser-registrations")
    await organiser.check("input[name=registration_ids]")
    await organiser.click("button[value=approve]")
    await organiser.wait_for_selector("text=Approve: 1 of 1 done")
    await organiser.click("td a")
    await organiser.get_by_role("button", name="Show passport data").click()
    await organiser.wait_for_selector("[data-sensitive]")
    assert await organiser.text_content("[data-sensitive]") == "P9876543"
    await shoot(organiser, artifacts, "organiser-registration")
    await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/statistics")
    assert await organiser.locator("svg.chart").count() == 4
    await shoot(organiser, artifacts, "organiser-statistics")
    await organiser.goto(f"{server.url}/organiser/audit")
    await organiser.wait_for_selector("text=registration.sensitive_viewed")
    await shoot(organiser, artifacts, "organiser-audit")

    participant = await new_page()
    await participant.goto(magic_link(server, email))
    await participant.wait_for_selector("[data-status=approved]")
    assert "#token" not in participant.url
    assert "Approved" in await participant.text_content("[data-status]")
    await shoot(participant, artifacts, "my-registration")


async def test_error_summary_takes_focus_and_links_to_the_fields(server, new_page, artifacts):
    page = await new_page()
    await page.goto(f"{server.url}/events/{server.event_id}/register")
    await page.fill("#field-email", "not-an-email")
    await page.click("button[type=submit]")
    summary = page.locator("[data-error-summary]")
    await summary.wait_for()
    assert await page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert (await page.title()).startswith("Error:")
    assert await page.input_value("#field-email") == "not-an-email"
    links = await summary.locator("a").all_text_contents()
    assert "Enter your family name, as in your passport" in links
    await summary.locator("a[href='#field-email']").click()
    assert await page.evaluate("document.activeElement.id") == "field-email"
    assert await page.locator("#field-email-error").is_visible()
    await shoot(page, artifacts, "register-errors")


async def test_french_and_spanish_pages(server, new_page, artifacts):
    page = await new_page()
    await page.goto(f"{server.url}/events/{server.event_id}")
    await page.click("nav[aria-label=Language] >> text=Français")
    assert await page.get_attribute("html", "lang") == "fr"
    await page.get_by_role("link", name="S’inscrire à cet évènement").click()
    assert "Nom de famille" in await page.text_content("main")
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Il y a un problème")
    await shoot(page, artifacts, "register-fr")
    await page.click("nav[aria-label=Langue] >> text=Español")
    assert await page.get_attribute("html", "lang") == "es"
    await page.goto(f"{server.url}/events/{server.event_id}/register")  # the choice is remembered
    assert await page.get_attribute("html", "lang") == "es"
    assert "Apellido" in await page.text_content("main")
    await shoot(page, artifacts, "register-es")


async def _serious_violations(page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


async def test_participant_pages_have_no_serious_accessibility_problems(server, new_page):
    page = await new_page(bypass_csp=True)  # lets axe's script in
    email = new_email("axe")
    problems: dict[str, list[str]] = {}
    for path in (
        "/",
        f"/events/{server.event_id}",
        f"/events/{server.event_id}/register",
        f"/events/{server.event_id}/register?lang=fr",
        f"/events/{server.event_id}/register?lang=es",
        "/my/registration?lang=en",
        "/my/registration/new-link",
    ):
        await page.goto(f"{server.url}{path}")
        problems[path] = await _serious_violations(page)
    await page.goto(f"{server.url}/events/{server.event_id}/register")
    await page.click("button[type=submit]")
    await page.wait_for_selector("[data-error-summary]")
    problems["register with errors"] = await _serious_violations(page)
    await fill_registration(page, email)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Registration received")
    problems["registered"] = await _serious_violations(page)
    await page.goto(magic_link(server, email))
    await page.wait_for_selector("[data-status]")
    problems["my registration"] = await _serious_violations(page)
    await page.goto(f"{server.url}/my/registration/edit")
    problems["edit"] = await _serious_violations(page)
    await page.goto(f"{server.url}/my/registration/cancel")
    problems["cancel"] = await _serious_violations(page)
    assert not {path: found for path, found in problems.items() if found}


async def test_registering_and_signing_in_without_javascript(server, new_page, artifacts):
    page = await new_page(java_script_enabled=False)
    await page.goto(f"{server.url}/events/{server.event_id}/register")
    email = new_email("nojs")
    await fill_registration(page, email, visa=True)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Registration received")
    # The e-mailed link's fragment cannot be read without JavaScript: paste the link instead.
    await page.goto(f"{server.url}/my/registration")
    await page.fill("#field-token", magic_link(server, email))
    await page.click("button[type=submit]")
    await page.wait_for_selector("[data-status=submitted]")
    await page.get_by_role("link", name="Change your answers").click()
    await page.fill("#field-institution", "Ministry of Finance")
    await page.get_by_role("button", name="Save changes").click()
    await page.wait_for_selector("text=Your changes are saved")
    assert "Ministry of Finance" in await page.text_content("main")
    await shoot(page, artifacts, "my-registration-no-js")
