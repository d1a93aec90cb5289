"""Changes elsewhere that meet visits already booked: site edits that would break them are
refused with the reason, a session saved over them answers with a warning, and participants
placed, re-seated or removed by hand are told, in their language."""

from __future__ import annotations

import pytest

from events.notifications.tables import OutboxMessage
from tests.test_visits_api import (
    API,
    WEEKDAYS,
    _organiser_of,
    _scenario,
    make_site,
    make_slot,
    make_vehicle,
    prepare,
    register,
)


@pytest.fixture
def organiser(event_organiser):
    return event_organiser.headers


async def _place(client, event, organiser, registration_id: int, slot_id: int, **more) -> dict:
    response = await client.post(
        f"{API}/events/{event.id}/visits/assignments",
        json={"registration_id": registration_id, "slot_id": slot_id, **more},
        headers=organiser,
    )
    assert response.status_code == 201, response.text
    return response.json()


async def _site(client, site_id: int) -> dict:
    return (await client.get(f"{API}/visit-sites/{site_id}")).json()


async def _mail(kind: str, to: str) -> list[dict]:
    return (
        await OutboxMessage.select()
        .where(OutboxMessage.kind == kind, OutboxMessage.to_address == to)
        .order_by(OutboxMessage.id)
    )


# --- site edits ---------------------------------------------------------------------------------------------


async def test_a_site_cannot_seat_fewer_than_are_booked_there(client, event, organiser):
    s = await _scenario(client, event, organiser)
    slot = s["a"]
    for registration_id in list(s["people"].values())[:3]:
        await _place(client, event, organiser, registration_id, slot["id"])
    site_url = f"{API}/visit-sites/{slot['site_id']}"

    smaller = await client.patch(site_url, json={"group_capacity": 1}, headers=organiser)
    assert smaller.status_code == 409, smaller.text
    problem = smaller.json()
    assert f"slot {slot['id']} " in problem["detail"] and "3 participants booked" in problem["detail"]
    assert "would seat 1" in problem["detail"] and problem["slot_ids"] == [slot["id"]]
    assert (await _site(client, slot["site_id"]))["group_capacity"] == 20  # unchanged

    enough = await client.patch(site_url, json={"group_capacity": 3}, headers=organiser)
    assert enough.status_code == 200 and enough.json()["group_capacity"] == 3


async def test_a_shared_site_keeps_the_visits_another_event_booked_there(
    client, event, other_event, organiser
):
    """Sites are shared: the edit is refused for a booking in an event the editor does not
    organise, and the answer names the slot without naming its participants."""
    site = await make_site(client, organiser, "Shared museum")
    await prepare(client, event, organiser)
    theirs = (await _organiser_of(other_event)).headers
    await prepare(client, other_event, theirs)
    coach = await make_vehicle(client, other_event, theirs, "Their coach")
    slot = await make_slot(client, other_event, theirs, site, [coach])
    for n in range(2):
        registration_id = await register(other_event.id, f"guest{n}@example.org", given_names="Nadia")
        await _place(client, other_event, theirs, registration_id, slot["id"])

    refused = await client.patch(
        f"{API}/visit-sites/{site['id']}", json={"group_capacity": 1}, headers=organiser
    )
    assert refused.status_code == 409, refused.text
    assert f"event {other_event.id}" in refused.json()["detail"] and refused.json()["slot_ids"] == [
        slot["id"]
    ]
    assert "Nadia" not in refused.text


async def test_a_site_cannot_lose_step_free_access_while_those_who_need_it_are_booked(
    client, event, organiser
):
    s = await _scenario(client, event, organiser)
    slot = s["a"]
    await _place(client, event, organiser, s["wheelchair"], slot["id"])
    await _place(client, event, organiser, s["people"][1], slot["id"])
    site_url = f"{API}/visit-sites/{slot['site_id']}"

    stairs = await client.patch(site_url, json={"step_free": False}, headers=organiser)
    assert stairs.status_code == 409, stairs.text
    assert "1 booked participant(s) who need step-free access" in stairs.json()["detail"]
    assert f"slot {slot['id']} " in stairs.json()["detail"]
    assert (await _site(client, slot["site_id"]))["step_free"] is True

    # Edits that the booked visits do not depend on go through.
    renamed = await client.patch(site_url, json={"notes": "Lift at the back"}, headers=organiser)
    assert renamed.status_code == 200, renamed.text


async def test_opening_hours_that_leave_a_booked_visit_outside_are_refused(client, event, organiser):
    s = await _scenario(client, event, organiser)
    booked, free = s["a"], s["b"]  # 10:00-12:00 on Tuesday 12 October, at two different sites
    await _place(client, event, organiser, s["people"][1], booked["id"])
    afternoons = {**WEEKDAYS, "tue": [["13:00", "18:00"]]}

    refused = await client.patch(
        f"{API}/visit-sites/{booked['site_id']}", json={"opening_hours": afternoons}, headers=organiser
    )
    assert refused.status_code == 409, refused.text
    assert "opening hours" in refused.json()["detail"] and f"slot {booked['id']} " in refused.json()["detail"]
    assert (await _site(client, booked["site_id"]))["opening_hours"]["tue"] == [["09:00", "18:00"]]

    # A slot nobody is booked on only shows the problem, as before.
    accepted = await client.patch(
        f"{API}/visit-sites/{free['site_id']}", json={"opening_hours": afternoons}, headers=organiser
    )
    assert accepted.status_code == 200, accepted.text
    slot = (await client.get(f"{API}/events/{event.id}/visits/slots/{free['id']}")).json()
    assert any("opening hours" in warning for warning in slot["warnings"])


# --- sessions -----------------------------------------------------------------------------------------------


async def test_a_compulsory_session_moved_onto_booked_visits_warns_the_organiser(client, event, organiser):
    s = await _scenario(client, event, organiser)
    slot = s["a"]  # 10:00-12:00, the trip a little longer
    for registration_id in list(s["people"].values())[:2]:
        await _place(client, event, organiser, registration_id, slot["id"])
    sessions = f"{API}/events/{event.id}/sessions"
    created = await client.post(
        sessions,
        json={
            "title": "Closing plenary",
            "kind": "plenary",
            "starts_at": "2027-10-12T15:00:00",
            "ends_at": "2027-10-12T16:00:00",
        },
        headers=organiser,
    )
    assert created.status_code == 201, created.text
    assert created.json()["warnings"] == []

    moved = await client.patch(
        f"{sessions}/{created.json()['id']}",
        json={"starts_at": "2027-10-12T11:00:00", "ends_at": "2027-10-12T11:45:00"},
        headers=organiser,
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["starts_at"] == "2027-10-12T11:00:00+04:00"  # saved all the same
    [warning] = moved.json()["warnings"]
    assert f"2 participant(s) booked on study-visit slot {slot['id']} " in warning
    assert "would miss this session" in warning and "Amina Moussa" in warning

    optional = await client.patch(
        f"{sessions}/{created.json()['id']}", json={"optional": True}, headers=organiser
    )
    assert optional.json()["warnings"] == []  # nobody signed up: nobody misses it
    on_top = await client.post(
        sessions,
        json={
            "title": "Keynote",
            "kind": "ceremony",
            "starts_at": "2027-10-12T10:30:00",
            "ends_at": "2027-10-12T11:00:00",
        },
        headers=organiser,
    )
    assert on_top.status_code == 201 and len(on_top.json()["warnings"]) == 1


# --- notifications ------------------------------------------------------------------------------------------


async def test_participants_placed_reseated_and_removed_by_hand_are_told(client, event, organiser):
    s = await _scenario(client, event, organiser)
    van = await make_vehicle(client, event, organiser, "Van", seats=3, step_free_seats=0)
    slot = s["a"]
    response = await client.patch(
        f"{API}/events/{event.id}/visits/slots/{slot['id']}",
        json={"vehicle_ids": [s["coach"]["id"], van["id"]]},
        headers=organiser,
    )
    assert response.status_code == 200, response.text
    email = "p1@example.org"  # preferred language: French
    placed = await _place(client, event, organiser, s["people"][1], slot["id"], vehicle_id=s["coach"]["id"])

    [assigned] = await _mail("visit_assigned", email)
    assert assigned["language"] == "fr" and "Step-free centre" in assigned["body"]
    assert "véhicule : Coach" in assigned["body"]

    moved = await client.patch(
        f"{API}/events/{event.id}/visits/assignments/{placed['id']}",
        json={"vehicle_id": van["id"]},
        headers=organiser,
    )
    assert moved.status_code == 200, moved.text
    [updated] = await _mail("visit_updated", email)
    assert updated["language"] == "fr" and "véhicule : Van" in updated["body"]
    pinned = await client.patch(
        f"{API}/events/{event.id}/visits/assignments/{placed['id']}",
        json={"pinned": False},
        headers=organiser,
    )
    assert pinned.status_code == 200 and len(await _mail("visit_updated", email)) == 1  # nothing to tell

    removed = await client.delete(
        f"{API}/events/{event.id}/visits/assignments/{placed['id']}", headers=organiser
    )
    assert removed.status_code == 204
    [cancelled] = await _mail("visit_cancelled", email)
    assert cancelled["language"] == "fr" and "Step-free centre" in cancelled["subject"]


async def test_one_more_visit_placed_by_hand_says_the_others_stay(client, event, organiser):
    s = await _scenario(client, event, organiser)
    settings = await client.patch(
        f"{API}/events/{event.id}/visits/settings", json={"visits_per_participant": 2}, headers=organiser
    )
    assert settings.status_code == 200, settings.text
    site = await _site(client, s["a"]["site_id"])
    afternoon = await make_slot(
        client,
        event,
        organiser,
        site,
        [s["coach"]],
        start="2027-10-12T14:00:00",
        end="2027-10-12T16:00:00",
    )
    someone = await register(event.id, "es@example.org", preferred_language="es")
    await _place(client, event, organiser, someone, s["a"]["id"])
    await _place(client, event, organiser, someone, afternoon["id"])
    assert len(await _mail("visit_assigned", "es@example.org")) == 1
    [added] = await _mail("visit_added", "es@example.org")
    assert added["language"] == "es" and "Sus demás visitas no cambian" in added["body"]


# --- slot edits ---------------------------------------------------------------------------------------------


async def test_participants_booked_on_a_slot_are_told_when_its_time_or_meeting_point_changes(
    client, event, organiser
):
    s = await _scenario(client, event, organiser)
    slot_url = f"{API}/events/{event.id}/visits/slots/{s['a']['id']}"
    french = "p1@example.org"
    spanish = "es@example.org"
    await _place(client, event, organiser, s["people"][1], s["a"]["id"])
    await _place(
        client, event, organiser, await register(event.id, spanish, preferred_language="es"), s["a"]["id"]
    )

    unseen = await client.patch(
        slot_url, json={"capacity": 3, "notes": "Call Leyla on arrival"}, headers=organiser
    )
    assert unseen.status_code == 200, unseen.text
    assert await OutboxMessage.count().where(OutboxMessage.kind == "visit_updated") == 0

    later = await client.patch(
        slot_url,
        json={"starts_at": "2027-10-12T10:30:00", "ends_at": "2027-10-12T12:30:00"},
        headers=organiser,
    )
    assert later.status_code == 200, later.text
    [to_french] = await _mail("visit_updated", french)
    [to_spanish] = await _mail("visit_updated", spanish)
    assert (to_french["language"], to_spanish["language"]) == ("fr", "es")
    assert "10:30" in to_french["body"] and "10:30" in to_spanish["body"]

    moved = await client.patch(slot_url, json={"meeting_point": "North gate"}, headers=organiser)
    assert moved.status_code == 200, moved.text
    for email in (french, spanish):
        assert "North gate" in (await _mail("visit_updated", email))[-1]["body"]
    assert await OutboxMessage.count().where(OutboxMessage.kind == "visit_updated") == 4
    van = await make_vehicle(client, event, organiser, "Van", seats=3, step_free_seats=0)
    swapped = await client.patch(slot_url, json={"vehicle_ids": [van["id"]]}, headers=organiser)
    assert swapped.status_code == 200, swapped.text
    assert "véhicule : Van" in (await _mail("visit_updated", french))[-1]["body"]
    assert await OutboxMessage.count().where(OutboxMessage.kind == "visit_updated") == 6
