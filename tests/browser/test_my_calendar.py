"""The participant's calendar in a real browser at 390 px: approved by an organiser, the participant
finds the subscribe link on the hub and on /my/calendar, nothing scrolls sideways even with the long
address, axe finds no serious problem (help folded and unfolded), the feed fetched from the shown link
passes the strict parser, a new link stops the old one; and all of it without JavaScript."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import pytest

from tests.browser.test_pages import _serious_violations, fill_registration, magic_link, new_email, shoot
from tests.test_calendars import parse

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


async def approved_participant(server, new_page, *, java_script: bool = True):
    """Register, get approved by the organiser, sign in from the e-mailed link: the participant's page."""
    page = await new_page(viewport=PHONE, bypass_csp=True, java_script_enabled=java_script)
    email = new_email("calendar")
    await page.goto(f"{server.url}/events/{server.event_id}/register")
    await fill_registration(page, email)
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Registration received")
    reference = (await page.text_content(".reference")).strip()

    organiser = await new_page()
    await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/registrations")
    await organiser.fill("#field-username", server.username)
    await organiser.fill("#field-password", server.password)
    await organiser.click("button[type=submit]")
    await organiser.wait_for_url(re.compile(r"/registrations"))
    await organiser.fill("#filter-search", reference)
    await organiser.get_by_role("button", name="Apply filters").click()
    await organiser.check("input[name=registration_ids]")
    await organiser.click("button[value=approve]")
    await organiser.wait_for_selector("text=Approve: 1 of 1 done")

    link = magic_link(server, email)
    if java_script:
        await page.goto(link)
    else:  # the link's fragment cannot be read without JavaScript: paste it
        await page.goto(f"{server.url}/my/registration")
        await page.fill("#field-token", link)
        await page.click("button[type=submit]")
    await page.wait_for_selector("[data-status=approved]")
    return page


async def no_sideways_scroll(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide"


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 (the test server)
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


async def shown_feed(page, server) -> tuple[str, str]:
    """The subscribe link and the address to copy, as shown; the feed is fetched from the server."""
    webcal = await page.get_attribute("[data-calendar-subscribe]", "href")
    url = (await page.text_content("[data-calendar-url]")).strip()
    assert webcal == "webcal://" + url.split("://", 1)[1]
    assert url.startswith(f"{server.url}/calendars/personal/osc_")
    download = await page.get_attribute("[data-calendar-download]", "href")
    assert download == url + "?download=1"
    return webcal, url


async def test_the_calendar_on_a_phone(server, new_page, artifacts):
    page = await approved_participant(server, new_page)
    section = page.locator("#calendar")
    await section.wait_for()
    assert "Your calendar" in await section.text_content()
    _, url = await shown_feed(page, server)
    await no_sideways_scroll(page)
    assert not await _serious_violations(page)
    await shoot(page, artifacts, "my-calendar-hub-390")
    # The measure catches the long address: unbroken, it would push the page sideways.
    await page.add_style_tag(content=".my-calendar * { overflow-wrap: normal !important; }")
    assert await page.evaluate("document.documentElement.scrollWidth") > PHONE["width"]

    await page.get_by_role("link", name="Make a new link or stop the calendar feed").click()
    await page.wait_for_url(re.compile(r"/my/calendar$"))
    assert (await shown_feed(page, server))[1] == url  # the same link on every visit
    await no_sideways_scroll(page)
    assert not await _serious_violations(page)
    for summary in await page.locator(".calendar-help summary").all():
        await summary.click()
    assert await page.locator(".calendar-help details[open]").count() == 5
    assert await page.get_by_text("File > New Calendar Subscription").is_visible()
    await no_sideways_scroll(page)
    assert not await _serious_violations(page)
    await shoot(page, artifacts, "my-calendar-390")

    # The shown link is the working feed, and strict parsers read it.
    status, body = fetch(url)
    assert status == 200
    calendar = parse(body)
    assert {item.summary for item in calendar.events} >= {
        "Opening plenary",
        "ASAN service centres: how one-stop shops work",
    }

    # A new link: the old one answers 404, the new one works.
    await page.get_by_role("button", name="Make a new link").click()
    await page.wait_for_selector("text=Your new calendar link is ready")
    _, new_url = await shown_feed(page, server)
    assert new_url != url
    assert fetch(url)[0] == 404 and fetch(new_url)[0] == 200
    await no_sideways_scroll(page)
    assert not await _serious_violations(page)

    await page.goto(f"{server.url}/my/calendar?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    await no_sideways_scroll(page)
    assert not await _serious_violations(page)
    await shoot(page, artifacts, "my-calendar-390-ar")


async def test_the_calendar_without_javascript(server, new_page):
    page = await approved_participant(server, new_page, java_script=False)
    _, url = await shown_feed(page, server)
    await page.goto(f"{server.url}/my/calendar")
    await page.locator(".calendar-help summary").first.click()  # <details> opens without scripts
    assert await page.locator(".calendar-help details[open]").count() == 1
    await no_sideways_scroll(page)
    await page.get_by_role("button", name="Stop the calendar feed").click()
    await page.wait_for_selector("text=Your calendar feed is stopped. Calendars subscribed")
    assert await page.locator("[data-calendar-subscribe]").count() == 0
    assert fetch(url)[0] == 404
    await page.get_by_role("button", name="Make a new link").click()
    await page.wait_for_selector("text=Your new calendar link is ready")
    _, fresh = await shown_feed(page, server)
    assert fresh != url and urlsplit(fresh).path.endswith(".ics") and fetch(fresh)[0] == 200
