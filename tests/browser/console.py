"""What the console's browser tests share: an organiser signed in, at a given width and language."""

from __future__ import annotations

import re

#: A phone (organisers work on site from phones) and a laptop.
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1280, "height": 900}


async def organiser_page(
    server, new_page, *, viewport: dict | None = None, lang: str = "en", javascript: bool = True
):
    """A page of a fresh browser context signed in as the seeded event's organiser, on the event's
    console overview (``/organiser/events/{id}``) in ``lang``."""
    page = await new_page(viewport=viewport or LAPTOP, java_script_enabled=javascript)
    await page.goto(f"{server.url}/organiser/sign-in?next=/organiser/events/{server.event_id}&lang={lang}")
    await page.fill("#field-username", server.username)
    await page.fill("#field-password", server.password)
    await page.click("button[type=submit]")
    await page.wait_for_url(re.compile(rf"/organiser/events/{server.event_id}$"))
    return page


async def register_participant(server, page, email: str, **fields) -> int:
    """A registration for the seeded event through the public API (as the form would send it), by
    ``page``'s browser context; its id."""
    body = {
        "given_names": "أمينة عبد الرحمن",
        "family_name": "موسى",
        "latin_name": "Amina Abderrahmane Moussa",
        "email": email,
        "gender": "female",
        "nationality": "DJI",
        "country_represented": "DJI",
        "institution": "Ministry of Public Administration and Administrative Reform",
        "level": "high",
        "preferred_language": "en",
        "consent": True,
        **fields,
    }
    response = await page.context.request.post(
        f"{server.url}/api/v1/events/{server.event_id}/registrations", data=body
    )
    assert response.status == 201, await response.text()
    return (await response.json())["registration"]["id"]
