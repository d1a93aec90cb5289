"""Bad input gets a problem-details answer naming the field: never a 500, never a half-written row."""

from __future__ import annotations

import pytest

from events.audit.tables import AuditEntry
from events.programme.tables import Event

VALID = {
    "slug": "forum-bkk",
    "title": "Regional forum (ESCAP)",
    "kind": "regional_forum",
    "venue": "UN Conference Centre",
    "city": "Bangkok",
    "country": "THA",
    "time_zone": "Asia/Bangkok",
    "start_date": "2027-05-10",
    "end_date": "2027-05-12",
    "capacity": 90,
}


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"capacity": "ninety"}, 400, "capacity"),
        ({"capacity": 0}, 400, "capacity"),
        ({"unknown": 1}, 400, "unknown"),
        ({"title": "x" * 201}, 400, "title"),
        ({"kind": "party"}, 400, "kind"),
        ({"start_date": "2027-02-30"}, 400, "start_date"),
        ({"slug": "Not A Slug"}, 400, "slug"),
        ({"languages": ["xx"]}, 400, "languages"),
        ({"end_date": "2027-05-01"}, 422, "end_date"),
        ({"time_zone": "Mars/Olympus"}, 422, "time_zone"),
        ({"country": "XX"}, 422, "country"),
        ({"country": "ZZZ"}, 422, "country"),
        (
            {
                "registration_opens_at": "2027-03-01T00:00:00Z",
                "registration_closes_at": "2027-02-01T00:00:00Z",
            },
            422,
            "registration_closes_at",
        ),
        ({"registration_closes_at": "2027-06-01T00:00:00Z"}, 422, "registration_closes_at"),
    ],
)
async def test_bad_event_fields(client, programme, programme_organiser, changes, status, field):
    body = {**VALID, "programme_id": programme.id, **changes}
    response = await client.post("/api/v1/events", json=body, headers=programme_organiser.headers)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert any(error["field"].startswith(field) for error in problem["errors"]), problem
    assert await Event.count() == 0
    assert await AuditEntry.count().where(AuditEntry.action == "event.created") == 0


@pytest.mark.parametrize(
    "raw", [b"{not json", b"[]", b"", b'{"slug": "a"', '{"title": "\u00e9"}'.encode("latin-1")]
)
async def test_unreadable_bodies(client, programme_organiser, raw):
    response = await client.post(
        "/api/v1/events",
        content=raw,
        headers={**programme_organiser.headers, "content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/bad-request"


async def test_missing_required_field_is_named(client, programme_organiser):
    body = {key: value for key, value in VALID.items() if key != "city"}
    response = await client.post("/api/v1/events", json=body, headers=programme_organiser.headers)
    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "city", "message": "Object missing required field `city`"}]


async def test_session_outside_event_dates_and_out_of_order(client, event, event_organiser):
    url = f"/api/v1/events/{event.id}/sessions"
    outside = {
        "title": "Too early",
        "kind": "panel",
        "starts_at": "2027-10-01T09:00:00",
        "ends_at": "2027-10-01T10:00:00",
    }
    response = await client.post(url, json=outside, headers=event_organiser.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "starts_at"
    backwards = {
        "title": "Backwards",
        "kind": "panel",
        "starts_at": "2027-10-12T11:00:00",
        "ends_at": "2027-10-12T10:00:00",
    }
    response = await client.post(url, json=backwards, headers=event_organiser.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "ends_at"


async def test_unknown_ids_are_404_problems(client, programme_organiser):
    for path in [
        "/api/v1/events/999999",
        "/api/v1/events/999999/sessions",
        "/api/v1/programmes/424242",
        "/api/v1/nothing",
    ]:
        response = await client.get(path, headers=programme_organiser.headers)
        assert response.status_code == 404, path
        assert response.json()["type"] == "/problems/not-found"


async def test_wrong_method_and_bad_query(client):
    assert (await client.put("/api/v1/events")).status_code == 405
    response = await client.get("/api/v1/events", params={"limit": 100000})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "limit"


async def test_oversized_body_is_413(client, programme_organiser):
    response = await client.post(
        "/api/v1/events",
        content=b'{"title": "' + b"x" * (3 * 1024 * 1024) + b'"}',
        headers={**programme_organiser.headers, "content-type": "application/json"},
    )
    assert response.status_code == 413


async def test_problem_types_are_explained(client):
    response = await client.get("/problems/invalid-input")
    assert response.status_code == 200
    assert "errors" in response.json()["description"]
