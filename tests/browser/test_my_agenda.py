"""My agenda in a real browser at 390 px, with and without JavaScript: the sessions in the venue's time and
the participant's own, joining and leaving optional sessions, a full session, a cancelled one; no
horizontal scrolling and no serious accessibility problem (axe)."""

from __future__ import annotations

import httpx
import pytest

from tests.browser.test_pages import _serious_violations, fill_registration, magic_link, new_email, shoot

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


class Organiser:
    """The seeded organiser through the API (a non-browser client), to add and cancel sessions."""

    def __init__(self, server):
        self.server = server
        self.client = httpx.Client(base_url=server.url, timeout=30)
        signed_in = self.client.post(
            "/api/v1/auth/sign-in", json={"username": server.username, "password": server.password}
        )
        assert signed_in.status_code == 200, signed_in.text

    def add_session(self, title: str, start: str, end: str, **values) -> int:
        response = self.client.post(
            f"/api/v1/events/{self.server.event_id}/sessions",
            json={"title": title, "kind": "workshop", "starts_at": start, "ends_at": end, **values},
        )
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def cancel_session(self, session_id: int) -> None:
        response = self.client.patch(
            f"/api/v1/events/{self.server.event_id}/sessions/{session_id}", json={"cancelled": True}
        )
        assert response.status_code == 200, response.text


@pytest.fixture
def organiser(server):
    found = Organiser(server)
    yield found
    found.client.close()


async def scroll_width(page) -> int:
    return await page.evaluate("document.documentElement.scrollWidth")


def offer(page, session_id: int):
    return page.locator(f"#optional ~ ul [data-session='{session_id}']")


async def register_and_sign_in(page, server, email: str, *, javascript: bool) -> None:
    await page.goto(f"{server.url}/events/{server.event_id}/register")
    await fill_registration(page, email)  # represents Djibouti: UTC+3, the venue is UTC+4
    await page.click("button[type=submit]")
    await page.wait_for_selector("text=Registration received")
    if javascript:
        await page.goto(magic_link(server, email))
    else:  # the link's fragment cannot be read without JavaScript: paste the link instead
        await page.goto(f"{server.url}/my/registration")
        await page.fill("#field-token", magic_link(server, email))
        await page.click("button[type=submit]")
    await page.wait_for_selector("[data-status]")


async def test_my_agenda_at_390_px_with_javascript(server, organiser, new_page, artifacts):
    small = organiser.add_session(
        "Agenda test: hands-on workshop for one",
        "2027-10-13T09:00:00",
        "2027-10-13T10:00:00",
        optional=True,
        capacity=1,
        room="Room 7",
    )
    reception = organiser.add_session(
        "Agenda test: evening reception",
        "2027-10-13T19:00:00",
        "2027-10-13T21:00:00",
        optional=True,
        capacity=20,
        room="Winter Garden, Heydar Aliyev Centre",
    )
    page = await new_page(viewport=PHONE, bypass_csp=True)  # lets axe's script in
    await register_and_sign_in(page, server, new_email("agenda"), javascript=True)
    assert await page.locator("#agenda a[href='/my/agenda']").count() == 1
    problems = {"hub": await _serious_violations(page)}

    await page.click("#agenda a[href='/my/agenda']")
    await page.wait_for_selector("h1:has-text('My agenda')")
    main = await page.text_content("main")
    assert "Baku time (UTC+4)" in main and "Djibouti time (UTC+3)" in main
    assert "09:00–10:30" in main and "08:00–09:30 in Djibouti" in main  # the opening plenary
    assert "Compulsory, for everyone" in main
    assert await scroll_width(page) <= PHONE["width"]
    problems["agenda"] = await _serious_violations(page)
    await shoot(page, artifacts, "my-agenda-390")

    await offer(page, small).get_by_role("button", name="Join").click()
    await page.wait_for_selector("text=You have a seat in “Agenda test: hands-on workshop for one”")
    assert "Full" in await offer(page, small).text_content()
    await offer(page, reception).get_by_role("button", name="Join").click()
    await page.wait_for_selector("text=You have a seat in “Agenda test: evening reception”")
    assert "Seats left: 19" in await offer(page, reception).text_content()

    organiser.cancel_session(reception)
    await page.goto(f"{server.url}/my/agenda")
    cancelled = page.locator(f".agenda-item--cancelled[data-session='{reception}']")
    assert "Cancelled" in await cancelled.text_content()
    assert await cancelled.locator("del").count() == 1
    assert await offer(page, reception).count() == 0
    assert await scroll_width(page) <= PHONE["width"]
    problems["agenda with a cancelled session"] = await _serious_violations(page)
    await shoot(page, artifacts, "my-agenda-cancelled-390")

    await page.select_option("#field-tz", "Asia/Kathmandu")
    await page.get_by_role("button", name="Show times").click()
    await page.wait_for_selector("text=10:45–12:15 in Kathmandu")

    await page.goto(f"{server.url}/my/agenda?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    assert await scroll_width(page) <= PHONE["width"]
    problems["agenda in Arabic"] = await _serious_violations(page)
    await shoot(page, artifacts, "my-agenda-ar-390")
    assert not {state: found for state, found in problems.items() if found}

    wide = await new_page(viewport={"width": 1280, "height": 900})
    await register_and_sign_in(wide, server, new_email("agenda-wide"), javascript=True)
    await wide.goto(f"{server.url}/my/agenda")
    assert await scroll_width(wide) <= 1280
    assert "Full" in await offer(wide, small).text_content()
    assert await offer(wide, small).get_by_role("button", name="Join").count() == 0


async def test_my_agenda_without_javascript(server, organiser, new_page, artifacts):
    pair = organiser.add_session(
        "Agenda test: round table for two",
        "2027-10-14T09:00:00",
        "2027-10-14T10:00:00",
        optional=True,
        capacity=2,
    )
    page = await new_page(viewport=PHONE, java_script_enabled=False)
    await register_and_sign_in(page, server, new_email("agenda-nojs"), javascript=False)
    await page.goto(f"{server.url}/my/agenda")
    assert await scroll_width(page) <= PHONE["width"]
    await offer(page, pair).get_by_role("button", name="Join").click()
    await page.wait_for_selector("text=You have a seat in “Agenda test: round table for two”")
    assert "Seats left: 1" in await offer(page, pair).text_content()
    assert await page.locator(f"#sessions ~ ol [data-session='{pair}']").count() == 1
    await offer(page, pair).get_by_role("button", name="Leave").click()
    await page.wait_for_selector("text=You have left “Agenda test: round table for two”")
    assert "Seats left: 2" in await offer(page, pair).text_content()
    assert await page.locator(f"#sessions ~ ol [data-session='{pair}']").count() == 0
    await page.select_option("#field-tz", "America/La_Paz")
    await page.get_by_role("button", name="Show times").click()
    await page.wait_for_selector("text=01:00–02:30 in La Paz")
    assert await scroll_width(page) <= PHONE["width"]
    await shoot(page, artifacts, "my-agenda-nojs-390")
