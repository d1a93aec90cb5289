"""Organisers build the programme through the API; the public reads it."""

from __future__ import annotations

import datetime

from events.audit.tables import AuditEntry
from events.programme.tables import Event

EVENT_BODY = {
    "slug": "baku-2027",
    "title": "International Symposium on Omnichannel Public Service Delivery",
    "kind": "symposium",
    "venue": "Baku Congress Centre",
    "city": "Baku",
    "country": "AZ",
    "time_zone": "Asia/Baku",
    "start_date": "2027-10-12",
    "end_date": "2027-10-14",
    "capacity": 250,
    "languages": ["en", "ru"],
    "registration_opens_at": "2027-01-10T09:00:00",
    "registration_closes_at": "2027-09-30T18:00:00+04:00",
}


async def test_create_event_stores_utc_and_shows_the_venue_zone(client, programme, programme_organiser):
    response = await client.post("/api/v1/events", json=EVENT_BODY, headers=programme_organiser.headers)
    assert response.status_code == 201, response.text
    event = response.json()
    assert event["country"] == "AZE"
    assert event["country_name"] == "Azerbaijan"
    assert event["registration_opens_at"] == "2027-01-10T09:00:00+04:00"
    row = await Event.select(Event.registration_opens_at).where(Event.id == event["id"]).first()
    assert row["registration_opens_at"] == datetime.datetime(2027, 1, 10, 5, 0, tzinfo=datetime.UTC)

    public = await client.get(f"/api/v1/events/{event['id']}")
    assert public.status_code == 200
    assert public.json()["title"] == EVENT_BODY["title"]


async def test_session_times_in_event_zone(client, event, event_organiser):
    body = {
        "title": "Opening plenary",
        "kind": "plenary",
        "starts_at": "2027-10-12T09:00:00",
        "ends_at": "2027-10-12T10:30:00",
    }
    response = await client.post(
        f"/api/v1/events/{event.id}/sessions", json=body, headers=event_organiser.headers
    )
    assert response.status_code == 201, response.text
    session = response.json()
    assert session["starts_at"] == "2027-10-12T09:00:00+04:00"
    listed = await client.get(f"/api/v1/events/{event.id}/sessions")
    assert [s["title"] for s in listed.json()["items"]] == ["Opening plenary"]


async def test_every_change_is_audited(client, programme, programme_organiser):
    created = (
        await client.post("/api/v1/events", json=EVENT_BODY, headers=programme_organiser.headers)
    ).json()
    event_id = created["id"]
    await client.patch(
        f"/api/v1/events/{event_id}", json={"capacity": 300}, headers=programme_organiser.headers
    )
    session = (
        await client.post(
            f"/api/v1/events/{event_id}/sessions",
            json={
                "title": "Panel",
                "kind": "panel",
                "starts_at": "2027-10-13T11:00:00",
                "ends_at": "2027-10-13T12:00:00",
            },
            headers=programme_organiser.headers,
        )
    ).json()
    await client.patch(
        f"/api/v1/events/{event_id}/sessions/{session['id']}",
        json={"cancelled": True},
        headers=programme_organiser.headers,
    )
    await client.delete(
        f"/api/v1/events/{event_id}/sessions/{session['id']}", headers=programme_organiser.headers
    )
    assert (
        await client.delete(f"/api/v1/events/{event_id}", headers=programme_organiser.headers)
    ).status_code == 204

    entries = (
        await AuditEntry.select(AuditEntry.action, AuditEntry.actor)
        .where(AuditEntry.event_id == event_id)
        .order_by(AuditEntry.id)
    )
    assert [e["action"] for e in entries] == [
        "event.created",
        "event.updated",
        "session.created",
        "session.cancelled",
        "session.deleted",
        "event.deleted",
    ]
    assert {e["actor"] for e in entries} == {programme_organiser.user_id}

    log = await client.get(
        "/api/v1/audit",
        params={"object_type": "event", "object_id": str(event_id)},
        headers=programme_organiser.headers,
    )
    assert [e["action"] for e in log.json()["items"]] == ["event.deleted", "event.updated", "event.created"]
    by_actor = await client.get(
        "/api/v1/audit",
        params={"actor_id": programme_organiser.user_id, "action": "session."},
        headers=programme_organiser.headers,
    )
    assert by_actor.json()["total"] == 3


async def test_event_organiser_reads_only_their_events_audit(client, event, other_event, event_organiser):
    await client.patch(f"/api/v1/events/{event.id}", json={"capacity": 20}, headers=event_organiser.headers)
    log = (await client.get("/api/v1/audit", headers=event_organiser.headers)).json()
    assert log["items"] and {e["event_id"] for e in log["items"]} == {event.id}
