"""The participant's whole journey in Debian's chromium, as issue 15 asks: register → approved by an
organiser → sign in from the e-mailed link → download the letter and the badge → the subscribe link is
there and the feed lists the sessions → rank study visits → the organiser runs the scheduler → the
assignment on the page and the visit in the feed → change the arrival time.

Run at 390 px and at 1280 px, in English and in French, with and without JavaScript. On every state
the page must not scroll sideways (``scrollWidth``, see ``tests/browser/layout.py``) and axe-core must
find no serious or critical violation. Assertions read data attributes, links and values, not
English sentences, so the same journey runs in any language.
"""

from __future__ import annotations

import itertools
import re
import urllib.request

import pytest

from tests.browser.layout import assert_fits, axe_violations
from tests.browser.test_my_visits import Organiser, _scenario
from tests.browser.test_pages import fill_registration, magic_link
from tests.test_calendars import parse
from tests.test_letters_api import PROFILE

pytestmark = pytest.mark.browser

_journeys = itertools.count(1)


def fetch(url: str) -> bytes:
    """A feed as a calendar app fetches it: no cookie, no browser."""
    with urllib.request.urlopen(url, timeout=20) as response:  # noqa: S310 (the test server)
        assert response.status == 200
        return response.read()


def summaries(body: bytes) -> list[str]:
    return [event.summary for event in parse(body).events]


class Journey:
    """One participant's page, checked (width and axe) at every state it reaches.

    axe-core needs timers, which a page without JavaScript does not run: there, the page's HTML as
    the browser received it is checked in a second page that serves it from the same address with
    every script blocked, so axe sees exactly the no-JavaScript document with its styles."""

    def __init__(self, server, page, artifacts, name: str, checker=None):
        self.server, self.page, self.artifacts, self.name = server, page, artifacts, name
        self.checker = checker
        self.problems: dict[str, list[str]] = {}

    async def check(self, state: str) -> None:
        await assert_fits(self.page)
        if self.checker is None:
            self.problems[state] = await axe_violations(self.page)
        else:
            html = await self.page.content()
            url = self.page.url.split("#")[0]  # a fragment never reaches the server
            served = []

            def same_address(address: str) -> bool:
                return address == url

            async def fulfil(route) -> None:
                served.append(route.request.url)
                await route.fulfill(body=html, content_type="text/html")

            await self.checker.route(same_address, fulfil)
            await self.checker.goto(url)
            assert served == [url], served
            await assert_fits(self.checker)
            self.problems[state] = await axe_violations(self.checker)
            await self.checker.unroute(same_address)
        await self.page.screenshot(
            path=str(self.artifacts / f"journey-{self.name}-{state}.png"), full_page=True
        )

    async def open(self, path: str) -> None:
        response = await self.page.goto(f"{self.server.url}{path}")
        assert response is not None and response.status == 200, f"{path}: {response and response.status}"

    async def download(self, href: str, magic: bytes) -> None:
        """A document link answers the file (the browser context's cookies sign it in)."""
        response = await self.page.request.get(f"{self.server.url}{href}")
        assert response.status == 200, f"{href}: {response.status}"
        assert (await response.body()).startswith(magic), href


async def approve_in_dashboard(server, new_page, reference: str) -> None:
    organiser = await new_page()
    await organiser.goto(f"{server.url}/organiser/events/{server.event_id}/registrations")
    if "/organiser/sign-in" in organiser.url:
        await organiser.fill("#field-username", server.username)
        await organiser.fill("#field-password", server.password)
        await organiser.click("button[type=submit]")
        await organiser.wait_for_url(re.compile(r"/registrations"))
    await organiser.fill("#filter-search", reference)
    await organiser.get_by_role("button", name="Apply filters").click()
    await organiser.check("input[name=registration_ids]")
    await organiser.click("button[value=approve]")
    await organiser.wait_for_selector("text=Approve: 1 of 1 done")


async def registration_id(organiser: Organiser, server, reference: str) -> int:
    found = await organiser.call("GET", f"/events/{server.event_id}/registrations?search={reference}")
    [item] = [item for item in found["items"] if item["reference"] == reference]
    return item["id"]


#: Every pair of (width, language), (width, script) and (language, script) once: four runs where the
#: full product would take eight (each run costs 20–30 s of a CI budget that other pages need too).
JOURNEYS = [(390, "en", True), (390, "fr", False), (1280, "en", False), (1280, "fr", True)]


@pytest.mark.parametrize(
    ("width", "lang", "javascript"),
    JOURNEYS,
    ids=[f"{w}-{lang}-{'js' if js else 'no-js'}" for w, lang, js in JOURNEYS],
)
async def test_the_participants_journey(server, new_page, artifacts, width, lang, javascript):
    name = f"{width}-{lang}-{'js' if javascript else 'nojs'}"
    organiser = await Organiser.sign_in(server, new_page)
    await organiser.call("PUT", f"/events/{server.event_id}/letter-profile", PROFILE)
    visits = await _scenario(server, organiser)
    page = await new_page(
        viewport={"width": width, "height": 900},
        java_script_enabled=javascript,
        locale="fr-FR" if lang == "fr" else "en-GB",
    )
    checker = None
    if not javascript:
        checker = await new_page(viewport={"width": width, "height": 900})
        await checker.route("**/*.js", lambda route: route.abort())
    journey = Journey(server, page, artifacts, name, checker)

    # Register, from the event page, in the chosen language.
    await journey.open(f"/events/{server.event_id}?lang={lang}")
    assert await page.get_attribute("html", "lang") == lang
    await journey.check("event")
    await page.click(f"main a[href^='/events/{server.event_id}/register']")
    await journey.check("form")
    email = f"journey.{name}.{next(_journeys)}@example.org"
    await fill_registration(page, email)
    await page.click("form[method=post] button[type=submit]")
    await page.wait_for_selector(".reference")
    reference = (await page.text_content(".reference")).strip()
    await journey.check("registered")

    # The organiser approves in the dashboard; the participant signs in from the e-mailed link.
    await approve_in_dashboard(server, new_page, reference)
    if javascript:
        await page.goto(magic_link(server, email))
    else:  # the link's #token never reaches the server without a script: paste the link
        await journey.open("/my/registration")
        await page.fill("#field-token", magic_link(server, email))
        await page.click("form[action='/my/registration/sign-in'] button[type=submit]")
    await page.wait_for_selector("[data-status=approved]")
    assert await page.get_attribute("html", "lang") == lang
    await journey.check("approved")

    # Documents: the letter, then the badge once the organiser issued it.
    letter = "/my/registration/letters/invitation.pdf"
    assert await page.locator(f"#documents a[href='{letter}']").count() == 1
    await journey.download(letter, b"%PDF")
    registration = await registration_id(organiser, server, reference)
    await organiser.call("POST", f"/registrations/{registration}/badge", {}, 201)
    await journey.open("/my/registration")
    for href, magic in (("/my/badge.pdf", b"%PDF"), ("/my/badge.png", b"\x89PNG")):
        assert await page.locator(f"#documents a[href='{href}']").count() == 1
        await journey.download(href, magic)
    await page.click("#documents a[href='/my/badge']")
    await page.wait_for_selector(".e-badge__qr svg")
    qr = await page.locator(".e-badge__qr svg").bounding_box()
    assert qr is not None and qr["width"] >= min(250, width * 0.6)
    await journey.check("badge")

    # Calendar: a webcal:// link, and the feed it names lists the event's sessions.
    await journey.open("/my/calendar")
    webcal = await page.get_attribute("[data-calendar-subscribe]", "href")
    feed_url = (await page.text_content("[data-calendar-url]")).strip()
    assert webcal == re.sub(r"^https?://", "webcal://", feed_url)
    assert "Opening plenary" in summaries(fetch(feed_url))
    await journey.check("calendar")
    await journey.open("/my/agenda")
    assert "Opening plenary" in await page.text_content("main")
    await journey.check("agenda")

    # Rank study visits (five plain selects), then the organiser schedules and commits.
    await journey.open("/my/visits")
    assert await page.locator("select[name^=choice_]").count() == 5
    await page.select_option("#field-choice_1", f"slot:{visits['morning']['id']}")
    await page.select_option("#field-choice_2", f"site:{visits['museum']['id']}")
    await page.click("form[action='/my/visits'] button[type=submit]")
    await page.wait_for_selector("[data-ranking] li")
    assert await page.locator("[data-ranking] li").count() == 2
    await journey.check("ranked")
    run = await organiser.call("POST", f"/events/{server.event_id}/visits/schedule/dry-run", None, 201)
    assert run["committable"], run
    await organiser.call("POST", f"/events/{server.event_id}/visits/schedule/runs/{run['id']}/commit")

    # The assignment on the page, and the visit in the same feed.
    await journey.open("/my/visits")
    assigned = await page.text_content(".my-visit")
    assert visits["asan"]["name"] in assigned or visits["museum"]["name"] in assigned, assigned
    await journey.check("assigned")
    assert any(summary.startswith("Study visit: ") for summary in summaries(fetch(feed_url)))

    # Change the arrival time; the hub shows it.
    await journey.open("/my/travel")
    await page.fill("#field-arrival_at", "2027-10-11")
    await page.fill("#field-arrival_time", "21:45")
    await page.fill("#field-departure_at", "2027-10-15")
    await page.fill("#field-departure_time", "09:00")
    await page.click("form[action='/my/travel'] button[type=submit]")
    await page.wait_for_url(re.compile(r"/my/registration"))
    assert "21:45" in await page.text_content("#travel")
    await journey.check("arrival changed")

    assert not {state: found for state, found in journey.problems.items() if found}
