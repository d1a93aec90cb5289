"""Arabic and Chinese pages in a real browser: right to left, axe-core finds no serious or critical
problem, and a name in a script the system fonts lack is drawn with the vendored font, which the
browser downloads only for the page that shows it."""

from __future__ import annotations

import re

import pytest

from tests.browser.test_pages import _serious_violations, fill_registration, magic_link, new_email, shoot

pytestmark = pytest.mark.browser


async def test_arabic_pages_have_no_serious_accessibility_problems(server, new_page, artifacts):
    page = await new_page(bypass_csp=True)  # lets axe's script in
    problems: dict[str, list[str]] = {}
    for path in ("/?lang=ar", f"/events/{server.event_id}", f"/events/{server.event_id}/register"):
        await page.goto(f"{server.url}{path}")
        assert await page.get_attribute("html", "dir") == "rtl"
        problems[path] = await _serious_violations(page)
    await page.click("button[type=submit]")
    await page.wait_for_selector("[data-error-summary]")
    assert "توجد مشكلة" in await page.text_content("[data-error-summary]")
    problems["register with errors"] = await _serious_violations(page)
    await shoot(page, artifacts, "register-ar-errors")
    email = new_email("arabic")
    await fill_registration(page, email)
    await page.fill("#field-given_names", "ليلى")
    await page.fill("#field-family_name", "الحداد")
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=ورد التسجيل")
    problems["registered"] = await _serious_violations(page)
    await page.goto(magic_link(server, email))
    await page.wait_for_selector("[data-status]")
    assert "ليلى" in await page.text_content("main")
    problems["my registration"] = await _serious_violations(page)
    await shoot(page, artifacts, "my-registration-ar")
    await page.goto(f"{server.url}/organiser/sign-in")
    problems["organiser sign-in"] = await _serious_violations(page)
    await page.fill("#field-username", server.username)
    await page.fill("#field-password", server.password)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(r"/organiser$"))
    for path in (
        "/organiser",
        f"/organiser/events/{server.event_id}/registrations",
        f"/organiser/events/{server.event_id}/statistics",
        "/organiser/audit",
    ):
        await page.goto(f"{server.url}{path}")
        assert await page.get_attribute("html", "lang") == "ar"
        problems[path] = await _serious_violations(page)
    await shoot(page, artifacts, "organiser-audit-ar")
    assert not {path: found for path, found in problems.items() if found}


async def test_the_layout_mirrors_for_arabic(server, new_page):
    page = await new_page()
    await page.goto(f"{server.url}/events/{server.event_id}/register?lang=ar")
    await page.set_viewport_size({"width": 390, "height": 800})
    label = await page.locator("label[for=field-family_name]").bounding_box()
    field = await page.locator("#field-family_name").bounding_box()
    assert abs((label["x"] + label["width"]) - (field["x"] + field["width"])) < 2  # both start on the right
    assert await page.evaluate("document.documentElement.scrollWidth") <= 390  # fits a phone


async def test_a_page_downloads_the_font_of_a_script_only_when_it_shows_it(server, new_page):
    page = await new_page()
    fonts: list[str] = []
    page.on("request", lambda request: fonts.append(request.url) if ".woff2" in request.url else None)
    await page.goto(f"{server.url}/events/{server.event_id}/register?lang=en")
    await page.evaluate("document.fonts.ready")
    # The switcher's 中文 comes from one tiny file, not from blocks of the Chinese font.
    assert not [url for url in fonts if "ethiopic" in url or "cjk" in url]
    await page.fill("#field-given_names", "አበበ")  # an Ethiopic name, typed
    await page.evaluate("document.fonts.ready")
    await page.wait_for_timeout(300)
    drawn = await page.evaluate(
        "document.fonts.check('16px \"OneStop Noto\"', 'አበበ') && "
        "[...document.fonts].some(f => f.family.includes('OneStop Noto') && f.status === 'loaded'"
        " && f.unicodeRange.includes('U+1200'))"
    )
    assert drawn and any("/static/fonts/ethiopic-" in url for url in fonts), fonts
    assert not [url for url in fonts if "cjk" in url or "georgian" in url]
