"""The badge scanner in Arabic on a phone: right to left, the page's and the script's texts
translated (the script reads them from the page's JSON block, which the Content-Security-Policy
lets through as data), the page still fits a 390 px screen, and its language switch works while
the service worker controls the page."""

from __future__ import annotations

import pytest

from tests.browser.layout import assert_fits
from tests.browser.test_scanner import _close, _prepare, _scan_picture

pytestmark = pytest.mark.browser


async def test_the_scanner_in_arabic_at_phone_width(server, new_page, artifacts):
    setup = await _prepare(server, names=("Amal", "Layla", "Huda"))
    amal = setup.people[0]
    page = await new_page(viewport={"width": 390, "height": 844}, locale="ar", service_workers="allow")
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text) if "Content Security" in message.text else None,
    )
    await page.goto(f"{server.url}/scan?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.get_attribute("html", "lang") == "ar"
    await page.locator("#sign-in").wait_for(state="visible")
    assert "سجّل الدخول للمسح" in await page.inner_text("#sign-in-title")
    await page.locator("#network").filter(has_text="متصل").wait_for()  # "Online", set by the script
    await assert_fits(page)
    await page.fill("#username", server.username)
    await page.fill("#password", server.password)
    await page.click("#sign-in-form button[type=submit]")
    await page.locator("#setup").wait_for(state="visible")
    await page.select_option("#event", str(server.event_id))
    await page.locator(f"#checkpoint option[value='{setup.checkpoint_id}']").wait_for(state="attached")
    await page.select_option("#checkpoint", str(setup.checkpoint_id))
    await page.click("#start")
    await page.locator("#scanner").wait_for(state="visible")
    await page.locator("#kit-state").filter(has_text="يمكن").wait_for()  # "… people may pass"
    await assert_fits(page)
    await page.screenshot(path=str(artifacts / "scanner-ar-ready.png"), full_page=True)

    admitted = await _scan_picture(page, amal["token"])
    assert admitted["result"] == "ok" and not admitted["offline"], admitted
    assert "مسموح بالدخول" in admitted["text"] and "أهلاً وسهلاً" in admitted["text"], admitted
    assert "ADMITTED" not in admitted["text"] and "Amal" in admitted["text"]
    await assert_fits(page)
    await page.screenshot(path=str(artifacts / "scanner-ar-admitted.png"))
    await _close(page)
    again = await _scan_picture(page, amal["token"])
    assert again["result"] == "denied" and again["reason"] == "already_inside", again
    assert "مرفوض" in again["text"] and "دخل من قبل" in again["text"], again  # "Already admitted"
    await assert_fits(page)
    await _close(page)

    # The language switch works online though the service worker serves /scan from its cache.
    await page.wait_for_function("navigator.serviceWorker.controller !== null", timeout=15_000)
    await page.click("nav.languages a[hreflang=en]")
    await page.wait_for_function("document.documentElement.dir === 'ltr'")
    assert await page.get_attribute("html", "lang") == "en"
    await page.locator("#network").filter(has_text="Online").wait_for()
    assert not refused, refused
