"""Study visits through the API: sites, travel times, slots and their rules, preferences, the
scheduler's dry run and commit, pins, manual assignments, manifests and check-in checkpoints."""

from __future__ import annotations

import csv
import io
import math

import msgspec
import pytest

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.errors import Conflict
from events.notifications.tables import OutboxMessage
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.registration import moderation, submission
from events.registration import schemas as registration_schemas
from events.registration.tables import Channel
from events.visits import manifests
from events.visits.tables import ScheduleRun, VisitAssignment
from tests.factories import SYSTEM
from tests.test_registration_workflow import participant_headers, person

API = "/api/v1"
WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
VENUE = (40.40, 49.85)
NEAR = (40.41, 49.87)  # about 2 km from the venue
FAR = (40.59, 49.67)  # about 26 km (Sumgayit)


def expected_minutes(
    a: tuple[float, float], b: tuple[float, float], speed: int = 25, overhead: int = 10
) -> int:
    """The documented estimate, computed independently."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return overhead + math.ceil(60 * 2 * 6371 * math.asin(math.sqrt(h)) / speed)


async def make_site(client, headers, name: str, where=NEAR, **overrides) -> dict:
    body = {
        "name": name,
        "city": "Baku",
        "latitude": where[0],
        "longitude": where[1],
        "opening_hours": WEEKDAYS,
        "group_capacity": 20,
        "step_free": True,
        "guide_languages": ["az", "en"],
        "contact_name": "Leyla Aliyeva",
        "contact_phone": "+994 12 000 00 00",
        **overrides,
    }
    response = await client.post(f"{API}/visit-sites", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def prepare(client, event, headers) -> None:
    response = await client.patch(
        f"{API}/events/{event.id}/visits/settings",
        json={
            "venue_latitude": VENUE[0],
            "venue_longitude": VENUE[1],
            "default_meeting_point": "Main entrance",
        },
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def make_vehicle(client, event, headers, name: str, seats: int = 10, step_free_seats: int = 1) -> dict:
    response = await client.post(
        f"{API}/events/{event.id}/visits/vehicles",
        json={"name": name, "seats": seats, "step_free_seats": step_free_seats},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def slot_body(
    site: dict,
    vehicles: list[dict],
    start: str = "2027-10-12T10:00:00",
    end: str = "2027-10-12T12:00:00",
    **more,
):
    return {
        "site_id": site["id"],
        "starts_at": start,
        "ends_at": end,
        "vehicle_ids": [v["id"] for v in vehicles],
        "guide_language": "en",
        **more,
    }


async def make_slot(client, event, headers, site, vehicles, **more) -> dict:
    response = await client.post(
        f"{API}/events/{event.id}/visits/slots", json=slot_body(site, vehicles, **more), headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def register(event_id: int, email: str, country: str = "NPL", **overrides) -> int:
    data = msgspec.convert(
        person(email=email, country_represented=country, nationality=country, **overrides),
        registration_schemas.RegistrationCreate,
    )
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
    )
    assert result.registration.status == "approved"
    return result.registration.id


async def actions(prefix: str) -> list[str]:
    rows = (
        await AuditEntry.select(AuditEntry.action)
        .where(AuditEntry.action.like(f"{prefix}%"))
        .order_by(AuditEntry.id)
    )
    return [row["action"] for row in rows]


@pytest.fixture
def organiser(event_organiser):
    return event_organiser.headers


# --- sites and travel times -------------------------------------------------------------------------


async def test_sites_keep_contacts_for_organisers_and_check_their_fields(client, organiser, make_account):
    site = await make_site(client, organiser, "ASAN centre test")
    assert site["opening_hours"]["mon"] == [["09:00", "18:00"]] and "sat" not in site["opening_hours"]
    public = (await client.get(f"{API}/visit-sites/{site['id']}")).json()
    assert public["contact"] is None and public["step_free"] is True
    assert (await client.get(f"{API}/visit-sites/{site['id']}", headers=organiser)).json()["contact"][
        "name"
    ] == "Leyla Aliyeva"
    assert await actions("site.") == ["site.created"]

    bad = await client.post(
        f"{API}/visit-sites",
        json={"name": "X", "city": "Baku", "opening_hours": {"mon": [["18:00", "09:00"]]}},
        headers=organiser,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "opening_hours"
    half = await client.post(
        f"{API}/visit-sites", json={"name": "Y", "city": "Baku", "latitude": 40.0}, headers=organiser
    )
    assert half.status_code == 422
    twice = await client.post(
        f"{API}/visit-sites", json={"name": "ASAN centre test", "city": "Baku"}, headers=organiser
    )
    assert twice.status_code == 409
    outsider = await make_account(Role.participant)
    assert (
        await client.post(f"{API}/visit-sites", json={"name": "Z", "city": "Baku"}, headers=outsider.headers)
    ).status_code == 403
    patched = await client.patch(
        f"{API}/visit-sites/{site['id']}", json={"hearing_loop": True}, headers=organiser
    )
    assert patched.status_code == 200 and patched.json()["hearing_loop"] is True


async def test_travel_times_are_estimated_from_coordinates_and_can_be_overridden(client, event, organiser):
    near = await make_site(client, organiser, "Near")
    far = await make_site(client, organiser, "Far", where=FAR)
    unknown = await make_site(client, organiser, "Nowhere", latitude=None, longitude=None)
    await prepare(client, event, organiser)
    matrix = (await client.get(f"{API}/events/{event.id}/visits/travel-times", headers=organiser)).json()
    index = {place["site_id"]: i for i, place in enumerate(matrix["places"])}
    venue = index[None]
    assert matrix["minutes"][venue][index[near["id"]]] == expected_minutes(VENUE, NEAR)
    assert matrix["minutes"][index[far["id"]]][venue] == expected_minutes(FAR, VENUE)
    assert matrix["minutes"][index[near["id"]]][index[far["id"]]] == expected_minutes(NEAR, FAR)
    assert matrix["sources"][venue][index[unknown["id"]]] == "unknown"
    assert "haversine" in matrix["formula"]

    response = await client.put(
        f"{API}/events/{event.id}/visits/travel-times",
        json={"origin_site_id": None, "destination_site_id": far["id"], "minutes": 55},
        headers=organiser,
    )
    assert response.status_code == 200
    matrix = response.json()
    assert matrix["minutes"][venue][index[far["id"]]] == 55 == matrix["minutes"][index[far["id"]]][venue]
    assert matrix["sources"][venue][index[far["id"]]] == "manual"
    reset = await client.put(
        f"{API}/events/{event.id}/visits/travel-times",
        json={"origin_site_id": None, "destination_site_id": far["id"], "minutes": None},
        headers=organiser,
    )
    assert reset.json()["minutes"][venue][index[far["id"]]] == expected_minutes(VENUE, FAR)
    slower = await client.patch(
        f"{API}/events/{event.id}/visits/settings",
        json={"speed_kmh": 50, "overhead_minutes": 5},
        headers=organiser,
    )
    assert slower.status_code == 200
    matrix = (await client.get(f"{API}/events/{event.id}/visits/travel-times", headers=organiser)).json()
    assert matrix["minutes"][venue][index[far["id"]]] == expected_minutes(VENUE, FAR, 50, 5)


# --- slots --------------------------------------------------------------------------------------------


async def test_slot_capacity_is_the_smallest_of_group_seats_and_limit(client, event, organiser):
    site = await make_site(client, organiser, "Site", group_capacity=20)
    await prepare(client, event, organiser)
    small = await make_vehicle(client, event, organiser, "Minibus", seats=8, step_free_seats=1)
    large = await make_vehicle(client, event, organiser, "Coach", seats=45, step_free_seats=2)
    assert (await make_slot(client, event, organiser, site, [small]))["capacity"] == 8
    slot = await make_slot(
        client, event, organiser, site, [large], start="2027-10-13T10:00:00", end="2027-10-13T12:00:00"
    )
    assert slot["capacity"] == 20 and slot["step_free_seats"] == 2
    limited = await make_slot(
        client,
        event,
        organiser,
        site,
        [large],
        start="2027-10-14T10:00:00",
        end="2027-10-14T12:00:00",
        capacity=12,
    )
    assert limited["capacity"] == 12
    travel = expected_minutes(VENUE, NEAR)
    assert slot["travel_minutes_out"] == travel
    departs = 10 * 60 - travel
    assert slot["departs_at"] == f"2027-10-13T{departs // 60:02d}:{departs % 60:02d}:00+04:00"
    assert slot["starts_at"] == "2027-10-13T10:00:00+04:00"
    assert slot["meeting_point"] == "Main entrance"


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"capacity": 0}, 400, "capacity"),
        ({"capacity": -3}, 400, "capacity"),
        ({"ends_at": "2027-10-12T09:30:00"}, 422, "ends_at"),
        ({"site_id": 999_999}, 422, "site_id"),
        ({"starts_at": "2027-10-12T07:00:00"}, 422, "starts_at"),
        ({"ends_at": "2027-10-12T19:00:00"}, 422, "starts_at"),
        ({"starts_at": "2027-10-20T10:00:00", "ends_at": "2027-10-20T12:00:00"}, 422, "starts_at"),
        ({"vehicle_ids": []}, 400, "vehicle_ids"),
        ({"vehicle_ids": [999_999]}, 422, "vehicle_ids"),
        ({"guide_language": "English"}, 400, "guide_language"),
        ({"session_id": 999_999}, 422, "session_id"),
    ],
)
async def test_bad_slots_are_refused_with_the_reason(client, event, organiser, changes, status, field):
    site = await make_site(client, organiser, "Site")
    await prepare(client, event, organiser)
    vehicle = await make_vehicle(client, event, organiser, "Coach")
    response = await client.post(
        f"{API}/events/{event.id}/visits/slots",
        json={**slot_body(site, [vehicle]), **changes},
        headers=organiser,
    )
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert any(error["field"].startswith(field) for error in response.json().get("errors", [])), (
        response.json()
    )


async def test_outside_opening_hours_says_when_the_site_is_open(client, event, organiser):
    site = await make_site(client, organiser, "Site")
    await prepare(client, event, organiser)
    vehicle = await make_vehicle(client, event, organiser, "Coach")
    response = await client.post(
        f"{API}/events/{event.id}/visits/slots",
        json=slot_body(site, [vehicle], start="2027-10-12T16:00:00", end="2027-10-12T19:00:00"),
        headers=organiser,
    )
    assert response.status_code == 422
    assert "09:00-18:00" in response.json()["detail"]


async def test_a_slot_needs_a_travel_time(client, event, organiser):
    site = await make_site(client, organiser, "Site")  # the venue has no coordinates yet
    vehicle = await make_vehicle(client, event, organiser, "Coach")
    response = await client.post(
        f"{API}/events/{event.id}/visits/slots", json=slot_body(site, [vehicle]), headers=organiser
    )
    assert response.status_code == 422 and "travel time" in response.json()["detail"]


async def test_a_vehicle_cannot_be_on_two_trips_at_once_travel_included(client, event, organiser):
    near = await make_site(client, organiser, "Near")
    await prepare(client, event, organiser)
    coach = await make_vehicle(client, event, organiser, "Coach")
    travel = expected_minutes(VENUE, NEAR)
    await make_slot(client, event, organiser, near, [coach])  # 10:00-12:00, back at 12:00 + travel
    back = 12 * 60 + travel
    # Starting so that it leaves one minute before the coach is back: refused.
    start = back + travel - 1
    clash = slot_body(
        near, [coach], start=f"2027-10-12T{start // 60:02d}:{start % 60:02d}:00", end="2027-10-12T17:00:00"
    )
    response = await client.post(f"{API}/events/{event.id}/visits/slots", json=clash, headers=organiser)
    assert response.status_code == 409, response.text
    assert "Coach" in response.json()["detail"] and response.json()["other_slot_id"]
    start += 1  # leaves exactly when it is back: fine
    fits = slot_body(
        near, [coach], start=f"2027-10-12T{start // 60:02d}:{start % 60:02d}:00", end="2027-10-12T17:00:00"
    )
    assert (
        await client.post(f"{API}/events/{event.id}/visits/slots", json=fits, headers=organiser)
    ).status_code == 201


async def test_staff_and_other_organisers_cannot_manage_visits(
    client, event, staff, other_organiser, organiser
):
    site = await make_site(client, organiser, "Site")
    await prepare(client, event, organiser)
    for headers in (staff.headers, other_organiser.headers):
        response = await client.post(
            f"{API}/events/{event.id}/visits/vehicles", json={"name": "Bus", "seats": 5}, headers=headers
        )
        assert response.status_code == 403
    assert (await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run")).status_code == 401
    vehicle = await make_vehicle(client, event, organiser, "Coach")
    slot = await make_slot(client, event, organiser, site, [vehicle])
    assert (await client.get(f"{API}/events/{event.id}/visits/slots")).json()["items"][0]["id"] == slot["id"]
    # The slot keeps the event from being deleted.
    with pytest.raises(Conflict, match="study-visit slot"):
        await programme_services.delete_event(SYSTEM, event.id)


# --- preferences --------------------------------------------------------------------------------------------


async def test_participants_rank_up_to_five_slots_or_sites(client, event, other_event, organiser):
    site = await make_site(client, organiser, "Site")
    other_site = await make_site(client, organiser, "Elsewhere")
    await prepare(client, event, organiser)
    vehicle = await make_vehicle(client, event, organiser, "Coach")
    first = await make_slot(client, event, organiser, site, [vehicle])
    second = await make_slot(
        client, event, organiser, site, [vehicle], start="2027-10-13T10:00:00", end="2027-10-13T12:00:00"
    )
    registration_id = await register(event.id, "amina@example.org")
    mine = await participant_headers(client, "amina@example.org")
    url = f"{API}/registrations/{registration_id}/visit-preferences"
    response = await client.put(
        url, json={"choices": [{"slot_id": second["id"]}, {"site_id": site["id"]}]}, headers=mine
    )
    assert response.status_code == 200, response.text
    assert [(c["rank"], c["slot_id"], c["site_id"]) for c in response.json()["choices"]] == [
        (1, second["id"], None),
        (2, None, site["id"]),
    ]
    assert (await client.get(url, headers=mine)).json()["choices"][0]["label"].startswith("Site, Wed 13 Oct")

    six = {"choices": [{"slot_id": first["id"]}] * 6}
    assert (await client.put(url, json=six, headers=mine)).status_code == 400
    twice = await client.put(
        url, json={"choices": [{"slot_id": first["id"]}, {"slot_id": first["id"]}]}, headers=mine
    )
    assert twice.status_code == 422
    both = await client.put(
        url, json={"choices": [{"slot_id": first["id"], "site_id": site["id"]}]}, headers=mine
    )
    assert both.status_code == 422
    no_slot_there = await client.put(url, json={"choices": [{"site_id": other_site["id"]}]}, headers=mine)
    assert (
        no_slot_there.status_code == 422
        and no_slot_there.json()["errors"][0]["field"] == "choices[0].site_id"
    )

    # A slot of another event is refused.
    await client.patch(
        f"{API}/events/{other_event.id}/visits/settings",
        json={"venue_latitude": VENUE[0], "venue_longitude": VENUE[1]},
        headers=(await _organiser_of(other_event)).headers,
    )
    foreign = await _foreign_slot(client, other_event, site)
    wrong = await client.put(url, json={"choices": [{"slot_id": foreign}]}, headers=mine)
    assert wrong.status_code == 422 and "not a visit slot of this event" in wrong.text

    # An organiser may enter them for the participant; another participant may not see them.
    by_organiser = await client.put(url, json={"choices": [{"slot_id": first["id"]}]}, headers=organiser)
    assert by_organiser.status_code == 200
    await register(event.id, "other@example.org", country="FJI")
    someone_else = await participant_headers(client, "other@example.org")
    assert (await client.get(url, headers=someone_else)).status_code == 404
    assert await actions("visits.preferences") == ["visits.preferences_set", "visits.preferences_set"]


async def _organiser_of(event):
    from tests.factories import create_account

    return await create_account(Role.organiser, event.id)


async def _foreign_slot(client, other_event, site) -> int:
    account = await _organiser_of(other_event)
    vehicle = await make_vehicle(client, other_event, account.headers, "Other coach")
    slot = await make_slot(client, other_event, account.headers, site, [vehicle])
    return slot["id"]


# --- scheduling ---------------------------------------------------------------------------------------------


async def _scenario(client, event, organiser) -> dict:
    """Two slots at the same time: a step-free site (4 seats, one step-free) and one that is not
    (5 seats), both at 10:00-12:00 on the first day; an optional workshop clashes with the trips."""
    step_free = await make_site(client, organiser, "Step-free centre")
    stairs = await make_site(client, organiser, "Old building", step_free=False, where=FAR)
    await prepare(client, event, organiser)
    coach = await make_vehicle(client, event, organiser, "Coach", seats=4, step_free_seats=1)
    minibus = await make_vehicle(client, event, organiser, "Minibus", seats=5, step_free_seats=0)
    a = await make_slot(client, event, organiser, step_free, [coach])
    b = await make_slot(client, event, organiser, stairs, [minibus])
    workshop = await programme_services.create_session(
        SYSTEM,
        event.id,
        msgspec.convert(
            {
                "title": "Optional workshop",
                "kind": "workshop",
                "starts_at": "2027-10-12T09:00:00",
                "ends_at": "2027-10-12T10:30:00",
                "optional": True,
                "capacity": 10,
            },
            programme_schemas.SessionCreate,
        ),
    )
    people = {}
    for n, country in enumerate(["NPL", "NPL", "FJI", "HTI", "BOL", "LSO"], start=1):
        people[n] = await register(event.id, f"p{n}@example.org", country=country)
    wheelchair = await register(
        event.id, "wheels@example.org", country="TUV", accessibility=["step_free_access"]
    )
    busy = await register(event.id, "busy@example.org", country="MDV", session_ids=[workshop.id])
    return {"a": a, "b": b, "people": people, "wheelchair": wheelchair, "busy": busy, "coach": coach}


async def _choose(client, registration_id: int, headers, *slot_ids: int) -> None:
    response = await client.put(
        f"{API}/registrations/{registration_id}/visit-preferences",
        json={"choices": [{"slot_id": s} for s in slot_ids]},
        headers=headers,
    )
    assert response.status_code == 200, response.text


async def test_dry_run_then_commit_places_everyone_by_the_rules(client, event, organiser):
    s = await _scenario(client, event, organiser)
    a, b = s["a"]["id"], s["b"]["id"]
    for n, registration_id in s["people"].items():
        await _choose(client, registration_id, organiser, *((b, a) if n % 2 else (a, b)))
    await _choose(client, s["wheelchair"], organiser, b, a)  # wants the stairs: cannot have it
    await _choose(client, s["busy"], organiser, a)

    response = await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)
    assert response.status_code == 201, response.text
    run = response.json()
    assert run["solver_status"] == "optimal" and run["committable"] and run["current"]
    assert await VisitAssignment.count() == 0  # a dry run assigns nothing
    placed = {p["registration_id"]: p["slot_id"] for p in run["assignments"]}
    assert placed[s["wheelchair"]] == a  # step-free site only
    assert s["busy"] not in placed  # the workshop clashes with every trip
    assert [u["code"] for u in run["unplaced"]] == ["clash"] and "Optional workshop" in run["unplaced"][0][
        "reason"
    ]
    metrics = run["metrics"]
    assert metrics["placed"] == 7 and metrics["participants"] == 8
    assert {site["site_name"]: site["assigned"] for site in metrics["per_site"]} == {
        "Step-free centre": 4,
        "Old building": 3,
    }
    assert metrics["worst_rank"] == 2  # who cannot go at all does not count: they are explained above

    committed = await client.post(
        f"{API}/events/{event.id}/visits/schedule/runs/{run['id']}/commit", headers=organiser
    )
    assert committed.status_code == 200, committed.text
    assert committed.json()["assigned"] == 7 and committed.json()["changes"]["added"] == 7
    assert await actions("visits.schedule_committed") == ["visits.schedule_committed"]
    rows = await VisitAssignment.select()
    assert {row["registration"]: row["slot"] for row in rows} == placed
    assert all(row["vehicle"] is not None for row in rows)
    # Each placed participant is told where and when, in their language.
    assert await OutboxMessage.count().where(OutboxMessage.kind == "visit_assigned") == 7
    again = await client.post(
        f"{API}/events/{event.id}/visits/schedule/runs/{run['id']}/commit", headers=organiser
    )
    assert again.status_code == 409
    mine = await participant_headers(client, "wheels@example.org")
    visits = (await client.get(f"{API}/registrations/{s['wheelchair']}/visits", headers=mine)).json()["items"]
    assert visits[0]["site_name"] == "Step-free centre" and visits[0]["vehicle_name"] == "Coach"
    assert visits[0]["meeting_point"] == "Main entrance" and visits[0]["checkpoint_id"].startswith("VS-")


async def test_commit_is_refused_when_anything_changed_since_the_dry_run(client, event, organiser):
    s = await _scenario(client, event, organiser)
    run = (await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)).json()
    await _choose(client, s["people"][1], organiser, s["b"]["id"])
    stale = await client.post(
        f"{API}/events/{event.id}/visits/schedule/runs/{run['id']}/commit", headers=organiser
    )
    assert stale.status_code == 409 and "changed since this dry run" in stale.json()["detail"]
    assert (
        await client.get(f"{API}/events/{event.id}/visits/schedule/runs/{run['id']}", headers=organiser)
    ).json()["current"] is False
    fresh = (await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)).json()
    assert (
        await client.post(
            f"{API}/events/{event.id}/visits/schedule/runs/{fresh['id']}/commit", headers=organiser
        )
    ).status_code == 200
    # The older proposal was superseded by the newer one.
    assert (await ScheduleRun.select(ScheduleRun.status).where(ScheduleRun.id == run["id"]).first())[
        "status"
    ] == "superseded"


async def test_pinned_assignments_survive_reruns(client, event, organiser):
    s = await _scenario(client, event, organiser)
    a, b = s["a"]["id"], s["b"]["id"]
    someone = s["people"][1]
    await _choose(client, someone, organiser, a)
    first = (await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)).json()
    await client.post(f"{API}/events/{event.id}/visits/schedule/runs/{first['id']}/commit", headers=organiser)
    # The organiser moves them to the other slot by hand, pinned.
    current = (await client.get(f"{API}/events/{event.id}/visits/assignments", headers=organiser)).json()[
        "items"
    ]
    mine = next(row for row in current if row["registration_id"] == someone)
    await client.delete(f"{API}/events/{event.id}/visits/assignments/{mine['id']}", headers=organiser)
    pinned = await client.post(
        f"{API}/events/{event.id}/visits/assignments",
        json={"registration_id": someone, "slot_id": b},
        headers=organiser,
    )
    assert pinned.status_code == 201, pinned.text
    assert pinned.json()["pinned"] is True
    for _ in range(2):
        run = (
            await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)
        ).json()
        assert any(
            p["registration_id"] == someone and p["slot_id"] == b and p["pinned"] for p in run["assignments"]
        )
        commit = await client.post(
            f"{API}/events/{event.id}/visits/schedule/runs/{run['id']}/commit", headers=organiser
        )
        assert commit.status_code == 200
        row = await VisitAssignment.select().where(VisitAssignment.registration == someone).first()
        assert row["id"] == pinned.json()["id"] and row["slot"] == b and row["pinned"]
    unpinned = await client.patch(
        f"{API}/events/{event.id}/visits/assignments/{row['id']}", json={"pinned": False}, headers=organiser
    )
    assert unpinned.json()["pinned"] is False
    assert "visits.assignment_unpinned" in await actions("visits.assignment")


async def test_more_step_free_needs_than_step_free_seats_is_explained(client, event, organiser):
    s = await _scenario(client, event, organiser)
    extra = [
        await register(event.id, f"w{n}@example.org", country="NPL", accessibility=["step_free_access"])
        for n in range(2)
    ]
    run = (await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)).json()
    placed = {p["registration_id"] for p in run["assignments"]}
    needing = {s["wheelchair"], *extra}
    assert len(placed & needing) == 1  # one step-free seat in all
    reasons = {u["registration_id"]: u for u in run["unplaced"]}
    for registration_id in needing - placed:
        assert reasons[registration_id]["code"] == "step_free_seats_full"
        assert "step-free seats" in reasons[registration_id]["reason"]
    assert run["committable"]


async def test_hand_placements_keep_the_rules(client, event, other_event, organiser):
    s = await _scenario(client, event, organiser)
    url = f"{API}/events/{event.id}/visits/assignments"
    stairs = await client.post(
        url, json={"registration_id": s["wheelchair"], "slot_id": s["b"]["id"]}, headers=organiser
    )
    assert stairs.status_code == 409 and "step-free" in stairs.json()["detail"]
    clash = await client.post(
        url, json={"registration_id": s["busy"], "slot_id": s["a"]["id"]}, headers=organiser
    )
    assert clash.status_code == 409 and "Optional workshop" in clash.json()["detail"]
    stranger = await register(other_event.id, "stranger@example.org")
    foreign = await client.post(
        url, json={"registration_id": stranger, "slot_id": s["a"]["id"]}, headers=organiser
    )
    assert foreign.status_code == 422
    for registration_id in list(s["people"].values())[:4]:
        ok = await client.post(
            url, json={"registration_id": registration_id, "slot_id": s["a"]["id"]}, headers=organiser
        )
        assert ok.status_code == 201, ok.text
    full = await client.post(
        url, json={"registration_id": s["people"][5], "slot_id": s["a"]["id"]}, headers=organiser
    )
    assert full.status_code == 409 and "full" in full.json()["detail"]
    twice = await client.post(
        url, json={"registration_id": s["people"][1], "slot_id": s["b"]["id"]}, headers=organiser
    )
    assert twice.status_code == 409  # one visit each, and both trips are at the same time


async def test_slot_edits_that_would_overbook_are_refused(client, event, organiser):
    s = await _scenario(client, event, organiser)
    url = f"{API}/events/{event.id}/visits/assignments"
    for registration_id in list(s["people"].values())[:3]:
        await client.post(
            url, json={"registration_id": registration_id, "slot_id": s["a"]["id"]}, headers=organiser
        )
    smaller = await client.patch(
        f"{API}/events/{event.id}/visits/slots/{s['a']['id']}", json={"capacity": 2}, headers=organiser
    )
    assert smaller.status_code == 409
    assert (
        await client.delete(f"{API}/events/{event.id}/visits/slots/{s['a']['id']}", headers=organiser)
    ).status_code == 409
    later = await client.patch(
        f"{API}/events/{event.id}/visits/slots/{s['a']['id']}",
        json={"starts_at": "2027-10-12T14:00:00", "ends_at": "2027-10-12T16:00:00", "capacity": 3},
        headers=organiser,
    )
    assert later.status_code == 200 and later.json()["capacity"] == 3


# --- manifests and check-in ---------------------------------------------------------------------------------


async def _committed(client, event, organiser) -> dict:
    s = await _scenario(client, event, organiser)
    run = (await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)).json()
    assert (
        await client.post(
            f"{API}/events/{event.id}/visits/schedule/runs/{run['id']}/commit", headers=organiser
        )
    ).status_code == 200
    return s


async def test_manifests_list_exactly_the_assigned_people(client, event, organiser, staff):
    from pypdf import PdfReader

    s = await _committed(client, event, organiser)
    for slot in (s["a"], s["b"]):
        assigned = (
            await client.get(
                f"{API}/events/{event.id}/visits/assignments?slot_id={slot['id']}", headers=organiser
            )
        ).json()["items"]
        response = await client.get(
            f"{API}/events/{event.id}/visits/slots/{slot['id']}/manifest?format=csv", headers=staff.headers
        )
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
        assert sorted(row["Reference"] for row in rows) == sorted(a["reference"] for a in assigned)
        assert {row["Meeting point"] for row in rows} == {"Main entrance"}
        assert all(row["Guide language"] == "en" and row["Phone"].startswith("+") for row in rows)
        pdf = await client.get(
            f"{API}/events/{event.id}/visits/slots/{slot['id']}/manifest", headers=staff.headers
        )
        assert pdf.content.startswith(b"%PDF")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
        for a in assigned:
            assert a["reference"] in text
    wheelchair_row = next(
        row
        for row in csv.DictReader(
            io.StringIO(
                (
                    await client.get(
                        f"{API}/events/{event.id}/visits/slots/{s['a']['id']}/manifest?format=csv",
                        headers=organiser,
                    )
                ).content.decode("utf-8-sig")
            )
        )
        if "step-free" in row["Accessibility needs"]
    )
    assert wheelchair_row["Vehicle"] == "Coach"
    per_vehicle = await client.get(
        f"{API}/events/{event.id}/visits/slots/{s['a']['id']}/manifest?format=csv&vehicle_id={s['coach']['id']}",
        headers=staff.headers,
    )
    assert per_vehicle.status_code == 200
    assert await actions("visits.manifest_exported")


async def test_checkpoints_name_who_may_board_which_vehicle(client, event, organiser, staff, participant):
    s = await _committed(client, event, organiser)
    checkpoints = (
        await client.get(f"{API}/events/{event.id}/visits/checkpoints", headers=staff.headers)
    ).json()["items"]
    assert len(checkpoints) == 2
    coach = next(c for c in checkpoints if c["vehicle_name"] == "Coach")
    assert coach["checkpoint_id"] == f"{s['a']['key']}.{s['coach']['key']}"
    boarding = (
        await client.get(
            f"{API}/events/{event.id}/visits/checkpoints/{coach['checkpoint_id']}/boarding",
            headers=staff.headers,
        )
    ).json()
    on_a = (
        await client.get(
            f"{API}/events/{event.id}/visits/assignments?slot_id={s['a']['id']}", headers=organiser
        )
    ).json()["items"]
    assert len(boarding) == coach["boarding"] == len(on_a)
    assert {b["registration_id"] for b in boarding} == {a["registration_id"] for a in on_a}
    assert s["wheelchair"] in {b["registration_id"] for b in boarding}
    assert await manifests.may_board(event.id, coach["checkpoint_id"], s["wheelchair"]) is True
    assert await manifests.may_board(event.id, coach["checkpoint_id"], s["busy"]) is False
    assert await manifests.may_board(event.id, "VS-NOPE.VH-NOPE", s["wheelchair"]) is False
    trip = await manifests.resolve_checkpoint(event.id, coach["checkpoint_id"])
    assert (trip.slot_id, trip.vehicle_id, trip.vehicle_name) == (s["a"]["id"], s["coach"]["id"], "Coach")
    assert (
        trip.departs_at.isoformat().startswith("2027-10-12T05:") and trip.returns_at > trip.departs_at
    )  # UTC
    assert await manifests.boarding_registration_ids(event.id, coach["checkpoint_id"]) == {
        b["registration_id"] for b in boarding
    }
    assert (
        await client.get(f"{API}/events/{event.id}/visits/checkpoints", headers=participant.headers)
    ).status_code == 403
    assert (
        await client.get(
            f"{API}/events/{event.id}/visits/checkpoints/nonsense/boarding", headers=staff.headers
        )
    ).status_code == 404


async def test_cancelled_participants_leave_manifests_and_the_next_run(client, event, organiser, staff):
    s = await _committed(client, event, organiser)
    await moderation.cancel(SYSTEM, s["wheelchair"], "Travel not authorised")
    response = await client.get(
        f"{API}/events/{event.id}/visits/slots/{s['a']['id']}/manifest?format=csv", headers=staff.headers
    )
    assert all(
        "step-free" not in row["Accessibility needs"]
        for row in csv.DictReader(io.StringIO(response.content.decode("utf-8-sig")))
    )
    run = (await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)).json()
    assert s["wheelchair"] not in {p["registration_id"] for p in run["assignments"]}
    commit = await client.post(
        f"{API}/events/{event.id}/visits/schedule/runs/{run['id']}/commit", headers=organiser
    )
    assert commit.status_code == 200
    assert not await VisitAssignment.exists().where(VisitAssignment.registration == s["wheelchair"])


# --- demo -----------------------------------------------------------------------------------------------------


async def test_demo_visits_plan_the_baku_symposium():
    from events.demo.programme import load_programme, load_sites
    from events.visits.demo import load_demo_visits

    actor = SYSTEM
    programme = await load_programme(actor)
    await load_sites(actor)
    baku = programme["events"]["baku-symposium-2027"]
    from events.programme.tables import Event

    await Event.update({Event.registration_opens_at: None, Event.registration_closes_at: None}).where(
        Event.id == baku
    )
    for n, country in enumerate(["NPL", "FJI", "BOL", "HTI", "LSO", "TUV"]):
        await register(baku, f"demo{n}@example.org", country=country)
    summary = await load_demo_visits(actor)
    assert summary["created"] and summary["slots"] == 4 and summary["assigned"] == 6
    assert summary["solver_status"] == "optimal"
    assert (await load_demo_visits(actor))["created"] is False


async def test_slot_edits_that_would_strand_assigned_participants_are_refused(client, event, organiser):
    s = await _scenario(client, event, organiser)
    url = f"{API}/events/{event.id}/visits/assignments"
    someone = s["people"][1]
    assert (
        await client.post(url, json={"registration_id": someone, "slot_id": s["b"]["id"]}, headers=organiser)
    ).status_code == 201
    await programme_services.create_session(
        SYSTEM,
        event.id,
        msgspec.convert(
            {
                "title": "Plenary",
                "kind": "plenary",
                "starts_at": "2027-10-12T15:00:00",
                "ends_at": "2027-10-12T16:00:00",
            },
            programme_schemas.SessionCreate,
        ),
    )
    moved = await client.patch(
        f"{API}/events/{event.id}/visits/slots/{s['b']['id']}",
        json={"starts_at": "2027-10-12T14:00:00", "ends_at": "2027-10-12T16:00:00"},
        headers=organiser,
    )
    assert moved.status_code == 409 and "Plenary" in moved.json()["detail"]
    slot = (await client.get(f"{API}/events/{event.id}/visits/slots/{s['b']['id']}")).json()
    assert slot["starts_at"] == "2027-10-12T10:00:00+04:00"  # unchanged


async def test_runs_are_listed_newest_first(client, event, organiser):
    await _scenario(client, event, organiser)
    first = (
        await client.post(
            f"{API}/events/{event.id}/visits/schedule/dry-run?time_limit_s=2", headers=organiser
        )
    ).json()
    second = (await client.post(f"{API}/events/{event.id}/visits/schedule/dry-run", headers=organiser)).json()
    runs = (await client.get(f"{API}/events/{event.id}/visits/schedule/runs", headers=organiser)).json()[
        "items"
    ]
    assert [(r["id"], r["status"]) for r in runs] == [(second["id"], "proposed"), (first["id"], "superseded")]
    stale = await client.post(
        f"{API}/events/{event.id}/visits/schedule/runs/{first['id']}/commit", headers=organiser
    )
    assert stale.status_code == 409
    assert (
        await client.post(
            f"{API}/events/{event.id}/visits/schedule/dry-run?time_limit_s=0.1", headers=organiser
        )
    ).status_code == 400


async def test_a_registration_that_ends_can_release_its_visits(client, event, organiser):
    from events.visits.assignments import release_registration

    s = await _committed(client, event, organiser)
    assert await VisitAssignment.exists().where(VisitAssignment.registration == s["wheelchair"])
    assert await release_registration(SYSTEM, s["wheelchair"]) == 1
    assert not await VisitAssignment.exists().where(VisitAssignment.registration == s["wheelchair"])
    assert await release_registration(SYSTEM, s["wheelchair"]) == 0
