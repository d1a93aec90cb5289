"""The e-badge on a 390 px phone in Debian's chromium: the QR code is large enough to scan and the page
does not scroll sideways, axe finds no serious problem, the page opens again with the network off
(its service worker), signing out forgets it, and without JavaScript the code is still there."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tests.browser.test_pages import _serious_violations, magic_link

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
_emails = itertools.count(1)


async def approved_with_badge(server, new_page) -> str:
    """A participant registered through the API, approved and given a badge by the organiser (in a
    context of their own); the participant's e-mail address."""
    email = f"badge.{next(_emails)}@example.org"
    organiser = (await new_page()).context.request
    registered = await organiser.post(
        f"{server.url}/api/v1/events/{server.event_id}/registrations",
        data={
            "given_names": "أمينة",
            "family_name": "موسى",
            "latin_name": "Amina Moussa",
            "email": email,
            "gender": "female",
            "nationality": "DJI",
            "country_represented": "DJI",
            "institution": "Cabinet Office",
            "level": "high",
            "preferred_language": "en",
            "consent": True,
        },
    )
    assert registered.status == 201, await registered.text()
    registration_id = (await registered.json())["registration"]["id"]
    signed_in = await organiser.post(
        f"{server.url}/api/v1/auth/sign-in", data={"username": server.username, "password": server.password}
    )
    assert signed_in.status == 200, await signed_in.text()
    approved = await organiser.post(f"{server.url}/api/v1/registrations/{registration_id}/approve", data={})
    assert approved.status == 200, await approved.text()
    issued = await organiser.post(f"{server.url}/api/v1/registrations/{registration_id}/badge", data={})
    assert issued.status == 201, await issued.text()
    return email


async def badge_kept(page) -> bool:
    return await page.evaluate("async () => Boolean(await caches.match('/my/badge'))")


async def test_the_badge_on_a_phone_works_offline_and_leaves_with_sign_out(server, new_page, artifacts):
    email = await approved_with_badge(server, new_page)
    page = await new_page(viewport=PHONE, bypass_csp=True)  # bypass_csp lets axe's script in
    await page.goto(magic_link(server, email))
    await page.wait_for_selector("[data-status=approved]")
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert await _serious_violations(page) == []
    await page.get_by_role("link", name="Your badge on this phone").click()
    await page.wait_for_url(f"{server.url}/my/badge")
    qr = page.locator(".e-badge__qr svg")
    assert await qr.is_visible()
    box = await qr.bounding_box()
    assert box["width"] >= 250 and box["height"] >= 250, box
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert await page.text_content("#badge-name bdi") == "أمينة موسى"
    assert await page.get_attribute("html", "dir") == "ltr"
    await page.locator("[data-badge-offline-ready]").wait_for()  # the worker is active
    for _ in range(50):
        if await badge_kept(page):
            break
        await asyncio.sleep(0.1)
    assert await badge_kept(page)
    assert await _serious_violations(page) == []
    await page.screenshot(path=str(artifacts / "my-badge-390.png"), full_page=True)

    await page.context.set_offline(True)
    try:
        offline = await page.reload()
        assert offline is not None and offline.from_service_worker
        assert await page.locator(".e-badge__qr svg").is_visible()
        assert await page.evaluate("fetch('/health').then(() => 'online', () => 'offline')") == "offline"
    finally:
        await page.context.set_offline(False)

    await page.goto(f"{server.url}/my/registration")
    await page.get_by_role("button", name="Sign out").click()
    await page.wait_for_selector("text=You are signed out")
    assert await page.evaluate("caches.keys()") == []
    assert await page.evaluate("navigator.serviceWorker.getRegistrations().then(found => found.length)") == 0
    again = await page.goto(f"{server.url}/my/badge")
    assert not again.from_service_worker and page.url == f"{server.url}/my/registration"


async def test_the_badge_page_without_javascript(server, new_page):
    email = await approved_with_badge(server, new_page)
    page = await new_page(viewport=PHONE, java_script_enabled=False)
    await page.goto(f"{server.url}/my/registration")
    await page.fill("#field-token", magic_link(server, email))
    await page.click("button[type=submit]")
    await page.wait_for_selector("[data-status=approved]")
    await page.goto(f"{server.url}/my/badge")
    box = await page.locator(".e-badge__qr svg").bounding_box()
    assert box["width"] >= 250
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert await page.locator("[data-badge-offline-ready]").is_hidden()
    assert await page.get_by_text("Keep this page open, or save the QR code image").is_visible()
    download = page.locator("a[href='/my/badge.png']")
    assert await download.is_visible()
    await page.goto(f"{server.url}/my/badge?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await page.locator(".e-badge__qr svg").is_visible()
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
