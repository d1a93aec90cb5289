"""The event row's seat counters (``approved_seats``, ``waitlisted_seats``) are kept by database
triggers: whatever writes a registration — the submission, moderation, the waiting list, bulk
decisions, cancellation, a raw UPDATE or DELETE — the counters equal the rows after it commits.
A submission decides on the counters, so a drift would overbook or refuse seats."""

from __future__ import annotations

import asyncio

from events.auth.tables import Role
from events.db import statements
from events.programme.tables import Event
from events.registration.tables import Registration
from tests.test_registration_workflow import participant_headers, person, register


async def _assert_counters_match(event_id: int) -> dict:
    counted = await statements.first(
        "SELECT approved_seats, waitlisted_seats, "
        "(SELECT count(*) FROM registration WHERE event = ? AND status = 'approved') AS approved, "
        "(SELECT count(*) FROM registration WHERE event = ? AND status = 'waitlisted') AS waitlisted "
        "FROM event WHERE id = ?",
        event_id,
        event_id,
        event_id,
    )
    assert (counted["approved_seats"], counted["waitlisted_seats"]) == (
        counted["approved"],
        counted["waitlisted"],
    ), counted
    return counted


async def test_every_way_of_changing_a_registration_keeps_the_counters(client, make_event, make_account):
    event = await make_event(capacity=2, auto_approve=True)
    organiser = await make_account(Role.organiser, event.id)
    ids = [
        (await register(client, event.id, person(f"seat{n}@example.org"))).json()["registration"]["id"]
        for n in range(5)
    ]
    counted = await _assert_counters_match(event.id)
    assert (counted["approved"], counted["waitlisted"]) == (2, 3)

    participant = await participant_headers(client, "seat0@example.org")
    response = await client.post(f"/api/v1/registrations/{ids[0]}/cancel", json={}, headers=participant)
    assert response.status_code == 200, response.text  # and the first waiting is promoted
    counted = await _assert_counters_match(event.id)
    assert (counted["approved"], counted["waitlisted"]) == (2, 2)

    for action, registration_id in (("reject", ids[3]), ("cancel", ids[1])):
        response = await client.post(
            f"/api/v1/registrations/{registration_id}/{action}", json={}, headers=organiser.headers
        )
        assert response.status_code == 200, response.text
        await _assert_counters_match(event.id)

    grown = await client.patch(f"/api/v1/events/{event.id}", json={"capacity": 4}, headers=organiser.headers)
    assert grown.status_code == 200, grown.text  # the waiting list moves up
    response = await client.post(
        f"/api/v1/events/{event.id}/registrations/bulk",
        json={"action": "reject", "registration_ids": ids[2:4]},
        headers=organiser.headers,
    )
    assert response.status_code == 200, response.text
    await _assert_counters_match(event.id)

    # Writes that bypass every service: the database still keeps count.
    await Registration.update({Registration.status: "approved"}).where(Registration.id == ids[4])
    await _assert_counters_match(event.id)
    await Registration.delete().where(Registration.id == ids[4])
    counted = await _assert_counters_match(event.id)
    assert counted["approved"] + counted["waitlisted"] <= 4


async def test_counters_hold_under_a_burst_of_submissions_and_cancellations(client, make_event):
    event = await make_event(capacity=5, auto_approve=True)
    bodies = [person(f"burst{n}@example.org") for n in range(30)]
    answers = await asyncio.gather(*(register(client, event.id, body) for body in bodies))
    assert all(answer.status_code == 201 for answer in answers)
    counted = await _assert_counters_match(event.id)
    assert (counted["approved"], counted["waitlisted"]) == (5, 25)
    approved = [a.json()["registration"] for a in answers if a.json()["registration"]["status"] == "approved"]

    async def cancel(registration):
        headers = await participant_headers(client, registration["email"])
        return await client.post(
            f"/api/v1/registrations/{registration['id']}/cancel", json={}, headers=headers
        )

    await asyncio.gather(*(cancel(r) for r in approved[:3]))
    counted = await _assert_counters_match(event.id)
    assert (counted["approved"], counted["waitlisted"]) == (5, 22)


async def test_a_new_event_starts_with_empty_counters(make_event):
    event = await make_event(capacity=3)
    row = await Event.select(Event.approved_seats, Event.waitlisted_seats).where(Event.id == event.id).first()
    assert row == {"approved_seats": 0, "waitlisted_seats": 0}
