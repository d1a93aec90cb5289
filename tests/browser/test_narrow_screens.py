"""Every public and participant page fits a 390 px phone: no horizontal scrolling (the test measures
``scrollWidth``) in each of the six languages, with very long names, e-mail addresses and titles;
and at 1280 px too. axe-core finds no serious or critical violation on any of them (English and
Arabic, at both widths)."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.browser.layout import assert_fits, axe_violations
from tests.browser.test_pages import fill_registration, magic_link

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

#: Words no line-breaker can split at a space: a compound noun, a run of Thai (no spaces between
#: words) and a long address; the organisers' titles get the same treatment on the public pages.
GERMAN = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"
THAI = "กรุงเทพมหานครอมรรัตนโกสินทร์มหินทรายุทธยามหาดิลกภพนพรัตนราชธานีบุรีรมย์"
INSTITUTION = "Bundesministeriumfürverwaltungsdigitalisierungunddienstleistungsmodernisierung"
_numbers = itertools.count(1)


def long_email(lang: str) -> str:
    return (
        f"amina.rechtsschutzversicherungsgesellschaften.{lang}{next(_numbers)}"
        "@ministry-of-public-administration-and-digital-transformation.example.org"
    )


#: Prepends a long word to the organisers' texts on a public page (event and session titles, venue,
#: room), as an organiser might type them; the server's seeded event stays as the other tests know it.
_LENGTHEN = """(word) => {
  for (const element of document.querySelectorAll("main bdi, main h1[dir=auto], .card h3 a")) {
    if (element.children.length === 0) element.textContent = word + " " + element.textContent;
  }
}"""


class Pages:
    """Visits pages in one language at one width and collects what does not fit (or fails axe)."""

    def __init__(self, lang: str, viewport: dict, axe: bool) -> None:
        self.lang, self.viewport, self.axe = lang, viewport, axe
        self.problems: dict[str, str] = {}
        self.checked: list[str] = []

    async def check(self, page, name: str) -> None:
        self.checked.append(name)
        assert await page.get_attribute("html", "lang") == self.lang, (name, page.url)
        try:
            await assert_fits(page, self.viewport["width"])
        except AssertionError as exc:
            self.problems[name] = str(exc)
        if self.axe:
            found = await axe_violations(page)
            if found:
                self.problems[f"{name} (axe)"] = "; ".join(found)

    async def check_lengthened(self, page, name: str) -> None:
        await page.evaluate(_LENGTHEN, GERMAN)
        try:
            await assert_fits(page, self.viewport["width"])
        except AssertionError as exc:
            self.problems[f"{name} with long titles"] = str(exc)


async def visit_every_page(server, new_page, lang: str, viewport: dict, *, axe: bool) -> Pages:
    pages = Pages(lang, viewport, axe)
    page = await new_page(viewport=viewport)
    await page.goto(f"{server.url}/?lang={lang}")  # the choice is remembered in a cookie
    await pages.check(page, "programme")
    await pages.check_lengthened(page, "programme")
    await page.goto(f"{server.url}/events/{server.event_id}")
    await pages.check(page, "event")
    await pages.check_lengthened(page, "event")
    await page.goto(f"{server.url}/events/{server.event_id}/register")
    await pages.check(page, "register")
    await pages.check_lengthened(page, "register")
    await page.goto(f"{server.url}/events/{server.event_id}/register")
    await page.fill("#field-email", long_email("bad") + "@")
    await page.check("#field-needs_visa")
    await page.fill("#field-passport_number", "x")
    await page.fill("#field-phone", "+" + "1" * 40)
    await page.click("form[action$='/register'] button[type=submit]")
    await page.wait_for_selector("[data-error-summary]")
    await pages.check(page, "register with errors")

    email = long_email(lang)
    await fill_registration(page, email, visa=True)
    await page.fill("#field-given_names", THAI)
    await page.fill("#field-family_name", GERMAN)
    await page.fill("#field-preferred_name", GERMAN)
    await page.fill("#field-latin_name", GERMAN.upper())
    await page.fill("#field-institution", INSTITUTION)
    await page.fill("#field-position", GERMAN)
    await page.fill("#field-phone", "+253 77 83 32 55")
    await page.fill("#field-place_of_birth", THAI)
    await page.check("#field-accessibility")
    await page.fill("#field-accessibility_other", GERMAN + " " + THAI)
    await page.fill("#field-dietary", INSTITUTION)
    await page.click("form[action$='/register'] button[type=submit]")
    await page.wait_for_selector(".reference")
    await pages.check(page, "registered")

    link = magic_link(server, email)
    await page.goto(link)
    await page.wait_for_selector("[data-status]")
    await pages.check(page, "my registration")
    await page.goto(f"{server.url}/my/registration/edit")
    await pages.check(page, "edit")
    await page.fill("#field-family_name", "")
    await page.fill("#field-institution", "")
    await page.fill("#field-passport_number", "x")
    await page.click("form[action$='/edit'] button[type=submit]")
    await page.wait_for_selector("[data-error-summary]")
    await pages.check(page, "edit with errors")
    await page.goto(f"{server.url}/my/registration/cancel")
    await pages.check(page, "cancel")
    await page.goto(f"{server.url}/my/registration/letters/invitation.pdf")  # not approved: a short page
    await pages.check(page, "letter not available")

    stranger = await new_page(viewport=viewport)
    await stranger.goto(f"{server.url}/my/registration?lang={lang}")
    await pages.check(stranger, "sign in")
    await stranger.click("form[data-token-form] button[type=submit]")
    await stranger.wait_for_selector("[data-error-summary]")
    await pages.check(stranger, "sign in with errors")
    await stranger.fill("#field-token", link)  # spent already
    await stranger.click("form[data-token-form] button[type=submit]")
    await stranger.wait_for_selector("form[action$='/new-link']")
    await pages.check(stranger, "link refused")
    await stranger.goto(f"{server.url}/my/registration/new-link")
    await pages.check(stranger, "new link")
    await stranger.click("form[action$='/new-link'] button[type=submit]")
    await stranger.wait_for_selector("[data-error-summary]")
    await pages.check(stranger, "new link with errors")
    await stranger.select_option("#field-event_id", str(server.event_id))
    await stranger.fill("#field-email", email)
    await stranger.click("form[action$='/new-link'] button[type=submit]")
    await stranger.wait_for_url(re.compile(r"/new-link"))
    await stranger.wait_for_selector("a[href='/my/registration/new-link']")
    await pages.check(stranger, "link sent")
    await stranger.goto(f"{server.url}/events/999999")
    await pages.check(stranger, "not found")
    await stranger.goto(f"{server.url}/verify/BAKU-SYMPOSIUM-INV-000001?c=abcdefgh&lang={lang}")
    await pages.check(stranger, "letter verification")
    return pages


CASES = [
    ("en", PHONE, True),
    ("ar", PHONE, True),
    ("ru", PHONE, False),
    ("zh", PHONE, False),
    ("fr", PHONE, False),
    ("es", PHONE, False),
    ("en", DESKTOP, True),
    ("ar", DESKTOP, True),
]


@pytest.mark.parametrize(
    ("lang", "viewport", "axe"), CASES, ids=[f"{lang}-{viewport['width']}" for lang, viewport, _ in CASES]
)
async def test_every_page_fits_the_screen(server, new_page, lang, viewport, axe):
    pages = await visit_every_page(server, new_page, lang, viewport, axe=axe)
    assert len(pages.checked) == 18, pages.checked
    assert not pages.problems, "\n".join(f"{name}: {problem}" for name, problem in pages.problems.items())


async def test_the_check_sees_a_page_that_scrolls_sideways(server, new_page):
    """assert_fits fails, naming the culprit, when something is wider than the phone."""
    page = await new_page(viewport=PHONE)
    await page.goto(f"{server.url}/events/{server.event_id}")
    await page.evaluate("document.querySelector('main h1').textContent = 'W'.repeat(200)")
    await page.evaluate("document.querySelector('main h1').style.overflowWrap = 'normal'")
    with pytest.raises(AssertionError, match=r"at 390 px; sticking out: \['h1"):
        await assert_fits(page, 390)
    # A list that cannot wrap, pushed past the start edge: cut off, with no scrollbar to reach it.
    await page.reload()
    await assert_fits(page, 390)
    await page.evaluate("""() => {
      const list = document.querySelector('.languages ul');
      list.style.flexWrap = 'nowrap';
      list.style.overflowWrap = 'normal';
      list.insertAdjacentHTML('afterbegin', '<li>Bahasa Indonesia</li><li>Kiswahili</li>');
    }""")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390
    with pytest.raises(AssertionError, match=r"sticking out: \['li \[-\d+, -\d+\]: Bahasa Indonesia"):
        await assert_fits(page, 390)


async def test_tables_become_stacked_lists_with_their_labels(server, new_page):
    page = await new_page(viewport=PHONE)
    await page.goto(f"{server.url}/events/{server.event_id}?lang=en")
    row = page.locator(".agenda tbody tr").first
    cells = row.locator("td")
    first, second = await cells.nth(0).bounding_box(), await cells.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1  # one under the other, not side by side
    assert first["width"] > 300
    label = await cells.nth(2).evaluate("cell => getComputedStyle(cell, '::before').content")
    assert label == '"Room"'
    assert await page.get_by_role("cell", name="Hall A").count() == 3  # still a table to screen readers
    head = page.locator(".agenda thead").first
    assert (await head.bounding_box())["width"] <= 1  # for screen readers only
    await page.set_viewport_size(DESKTOP)
    first, second = await cells.nth(0).bounding_box(), await cells.nth(1).bounding_box()
    assert abs(second["y"] - first["y"]) < 2  # a table again on a wide screen
    assert (await head.bounding_box())["width"] > 300
