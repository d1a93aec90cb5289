"""Study visits in a real browser on a 390 px phone screen, with and without JavaScript: rank visits
in the five selects and see the saved ranking, an error beside its select, the assignment an
organiser makes and the notice when they change it; no horizontal scroll (scrollWidth), and axe-core
finds no serious or critical problem in any of these states, in English and in Arabic."""

from __future__ import annotations

import itertools
import re

import pytest

from tests.browser.conftest import AXE

pytestmark = pytest.mark.browser

API = "/api/v1"
PHONE = {"width": 390, "height": 844}
WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
_tags = itertools.count(1)


async def _ok(response, status: int = 200) -> dict:
    assert response.status == status, await response.text()
    return await response.json()


class Organiser:
    """The seeded organiser through the API, with a token of their own."""

    def __init__(self, server, request, token: str):
        self.server, self.request = server, request
        self.headers = {"Authorization": f"Bearer {token}"}

    @classmethod
    async def sign_in(cls, server, new_page) -> Organiser:
        request = (await new_page()).context.request
        same_origin = {"Origin": server.url}
        await _ok(
            await request.post(
                f"{server.url}{API}/auth/sign-in",
                data={"username": server.username, "password": server.password},
                headers=same_origin,
            )
        )
        created = await _ok(
            await request.post(
                f"{server.url}{API}/auth/tokens", data={"name": "visits tests"}, headers=same_origin
            ),
            201,
        )
        return cls(server, request, created["secret"])

    async def call(self, method: str, path: str, body: dict | None = None, status: int = 200) -> dict:
        response = await self.request.fetch(
            f"{self.server.url}{API}{path}", method=method, data=body, headers=self.headers
        )
        return await _ok(response, status)


async def _scenario(server, organiser: Organiser) -> dict:
    """Two sites (one step-free, one with stairs and sign language), a coach each, two slots."""
    tag = next(_tags)
    event = f"/events/{server.event_id}/visits"
    common = {"city": "Baku", "opening_hours": WEEKDAYS, "group_capacity": 20}
    asan = await organiser.call(
        "POST",
        "/visit-sites",
        {
            **common,
            "name": f"ASAN Xidmət centre No. {tag}",
            "address": "Heydar Aliyev Avenue 1",
            "latitude": 40.41,
            "longitude": 49.87,
            "step_free": True,
            "hearing_loop": True,
            "guide_languages": ["az", "en"],
        },
        201,
    )
    museum = await organiser.call(
        "POST",
        "/visit-sites",
        {
            **common,
            "name": f"E-government museum with a deliberately long name {tag}",
            "latitude": 40.59,
            "longitude": 49.67,
            "step_free": False,
            "sign_language_on_request": True,
            "guide_languages": ["ru", "en"],
        },
        201,
    )
    await organiser.call(
        "PATCH",
        f"{event}/settings",
        {"venue_latitude": 40.40, "venue_longitude": 49.85, "default_meeting_point": "Main gate"},
    )
    coach = await organiser.call(
        "POST", f"{event}/vehicles", {"name": f"Coach {tag}", "seats": 20, "step_free_seats": 2}, 201
    )
    bus = await organiser.call("POST", f"{event}/vehicles", {"name": f"Bus {tag}", "seats": 20}, 201)
    morning = await organiser.call(
        "POST",
        f"{event}/slots",
        {
            "site_id": asan["id"],
            "starts_at": "2027-10-13T10:00:00",
            "ends_at": "2027-10-13T12:00:00",
            "vehicle_ids": [coach["id"]],
            "guide_language": "en",
            "meeting_point": "North entrance of the Congress Centre",
        },
        201,
    )
    afternoon = await organiser.call(
        "POST",
        f"{event}/slots",
        {
            "site_id": museum["id"],
            "starts_at": "2027-10-13T14:00:00",
            "ends_at": "2027-10-13T16:00:00",
            "vehicle_ids": [bus["id"]],
            "guide_language": "ru",
        },
        201,
    )
    return {"asan": asan, "museum": museum, "morning": morning, "afternoon": afternoon, "coach": coach}


async def _participant(server, organiser: Organiser, email: str) -> int:
    """An approved registration (through the API, as the register page does)."""
    created = await organiser.request.post(
        f"{server.url}{API}/events/{server.event_id}/registrations",
        data={
            "given_names": "Amina",
            "family_name": "Moussa",
            "email": email,
            "gender": "female",
            "nationality": "DJI",
            "country_represented": "DJI",
            "institution": "Cabinet Office",
            "position": "Director of e-Government",
            "level": "high",
            "preferred_language": "en",
            "consent": True,
        },
    )
    registration = (await _ok(created, 201))["registration"]
    await organiser.call("POST", f"/registrations/{registration['id']}/approve", {"note": ""})
    return registration["id"]


def magic_link(server, email: str) -> str:
    for body in server.mails(email):
        found = re.search(r"(http\S+#token=osm_[\w-]+)", body)
        if found:
            return found.group(1)
    raise AssertionError(f"no sign-in link e-mailed to {email}")


async def _serious_violations(page) -> list[str]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in {"serious", "critical"}
    ]


async def _fits(page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px"


async def _check(page, states: dict, name: str, *, axe: bool) -> None:
    await _fits(page)
    states[name] = await _serious_violations(page) if axe else []


async def _journey(server, new_page, artifacts, *, javascript: bool) -> None:
    organiser = await Organiser.sign_in(server, new_page)
    s = await _scenario(server, organiser)
    email = f"visits.{'js' if javascript else 'nojs'}.{next(_tags)}@example.org"
    registration_id = await _participant(server, organiser, email)
    page = await new_page(viewport=PHONE, java_script_enabled=javascript, bypass_csp=javascript)
    states: dict[str, list[str]] = {}
    suffix = "" if javascript else "-no-js"

    if javascript:
        await page.goto(magic_link(server, email))
    else:  # the link's fragment needs a script: paste the link instead
        await page.goto(f"{server.url}/my/registration")
        await page.fill("#field-token", magic_link(server, email))
        await page.click("button[type=submit]")
    await page.wait_for_selector("[data-status=approved]")
    assert "Rank your study visits by" in await page.text_content("#visits")
    await _check(page, states, "hub", axe=javascript)

    await page.get_by_role("link", name="Choose your study visits").click()
    await page.wait_for_selector("h1:has-text('Study visits')")
    assert "How choosing works" in await page.text_content("main")
    assert await page.locator("select[name^=choice_]").count() == 5
    await _check(page, states, "rules and form", axe=javascript)
    await page.screenshot(path=str(artifacts / f"my-visits-form{suffix}.png"), full_page=True)

    # The same visit twice: the error is beside the second select, nothing is saved.
    await page.select_option("#field-choice_1", f"slot:{s['morning']['id']}")
    await page.select_option("#field-choice_2", f"slot:{s['morning']['id']}")
    await page.get_by_role("button", name="Save my choices").click()
    await page.wait_for_selector("[data-error-summary]")
    assert "You chose this visit twice" in await page.text_content("#field-choice_2-error")
    await _check(page, states, "form with an error", axe=javascript)

    await page.select_option("#field-choice_2", f"site:{s['museum']['id']}")
    await page.select_option("#field-choice_3", f"slot:{s['afternoon']['id']}")
    await page.get_by_role("button", name="Save my choices").click()
    await page.wait_for_selector("text=Your visit choices are saved")
    ranked = await page.locator("[data-ranking] li").all_text_contents()
    assert len(ranked) == 3 and ranked[0].startswith(s["asan"]["name"])
    assert ranked[1] == f"{s['museum']['name']} – any time"
    await _check(page, states, "saved ranking", axe=javascript)

    # An organiser places them, then moves the meeting point.
    await organiser.call(
        "POST",
        f"/events/{server.event_id}/visits/assignments",
        {"registration_id": registration_id, "slot_id": s["morning"]["id"], "vehicle_id": s["coach"]["id"]},
        201,
    )
    await page.goto(f"{server.url}/my/visits")
    visit = await page.text_content(".my-visit")
    assert s["asan"]["name"] in visit and "North entrance of the Congress Centre" in visit
    assert s["coach"]["name"] in visit and "Heydar Aliyev Avenue 1" in visit
    await _check(page, states, "assigned", axe=javascript)
    await organiser.call(
        "PATCH",
        f"/events/{server.event_id}/visits/slots/{s['morning']['id']}",
        {"meeting_point": "South car park"},
    )
    await page.goto(f"{server.url}/my/visits")
    assert "Your visit was changed on" in await page.text_content("[data-visit-change]")
    changed = await page.text_content("[data-changed=meeting_point]")
    assert "North entrance of the Congress Centre" in changed and "South car park" in changed
    assert "South car park" in await page.text_content(".my-visit")
    await _check(page, states, "changed", axe=javascript)
    await page.screenshot(path=str(artifacts / f"my-visits-assigned{suffix}.png"), full_page=True)

    await page.goto(f"{server.url}/my/visits?lang=ar")
    assert await page.get_attribute("html", "dir") == "rtl"
    await _check(page, states, "arabic", axe=javascript)
    await page.goto(f"{server.url}/my/registration?lang=en")
    await _check(page, states, "hub with the visit", axe=javascript)
    assert "South car park" in await page.text_content("#visits")
    assert not {name: found for name, found in states.items() if found}


async def test_ranking_and_seeing_the_visit_on_a_phone(server, new_page, artifacts):
    await _journey(server, new_page, artifacts, javascript=True)


async def test_ranking_and_seeing_the_visit_on_a_phone_without_javascript(server, new_page, artifacts):
    await _journey(server, new_page, artifacts, javascript=False)
