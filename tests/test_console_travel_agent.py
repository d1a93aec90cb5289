"""A travel agent's console: the events they book flights for, and only the itineraries pages."""

from __future__ import annotations

from events.auth.tables import Role
from tests.test_web import sign_in_organiser


async def test_a_travel_agent_reaches_the_itineraries_and_nothing_else(client, make_event, make_account):
    event, other = await make_event(), await make_event()
    agent = await make_account(Role.travel_agent, event.id)
    await sign_in_organiser(client, agent)
    home = await client.get("/organiser")
    assert home.status_code == 200
    assert f'href="/organiser/events/{event.id}/travel/itineraries"' in home.text
    assert f"/organiser/events/{other.id}/" not in home.text
    page = await client.get(f"/organiser/events/{event.id}/travel/itineraries")
    assert page.status_code == 200, page.text
    assert 'class="console-tabs"' not in page.text  # no tab bar to pages that would refuse them
    assert f'href="/organiser/events/{event.id}/travel/funding"' not in page.text
    for path in ("", "/travel", "/travel/funding", "/registrations", "/letters", "/checkin"):
        assert (await client.get(f"/organiser/events/{event.id}{path}")).status_code == 403, path
    assert (await client.get(f"/organiser/events/{other.id}/travel/itineraries")).status_code == 403


async def test_an_organiser_still_sees_every_tab_on_the_itineraries_page(client, make_event, make_account):
    event = await make_event()
    organiser = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, organiser)
    page = await client.get(f"/organiser/events/{event.id}/travel/itineraries")
    assert page.status_code == 200
    assert 'class="console-tabs"' in page.text
    assert f'href="/organiser/events/{event.id}/travel/funding"' in page.text


async def test_badge_scanning_staff_are_pointed_to_the_scanner(client, make_event, make_account):
    """Staff may scan badges only: the console's home sends them to the scanner, and its header
    links to no page that would refuse them (the reports and the audit log are for organisers)."""
    event, other = await make_event(), await make_event()
    staff = await make_account(Role.staff, event.id)
    await sign_in_organiser(client, staff)
    home = await client.get("/organiser")
    assert home.status_code == 200
    assert 'href="/scan"' in home.text
    assert event.title in home.text and other.title not in home.text
    assert "organises no event" not in home.text
    for path in ("/organiser/reports", "/organiser/audit"):
        assert f'href="{path}"' not in home.text
        assert (await client.get(path)).status_code == 403, path


async def test_an_organiser_keeps_the_reports_and_audit_links(client, make_event, make_account):
    event = await make_event()
    organiser = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, organiser)
    home = await client.get("/organiser")
    assert 'href="/organiser/reports"' in home.text and 'href="/organiser/audit"' in home.text
    assert 'href="/scan"' not in home.text
