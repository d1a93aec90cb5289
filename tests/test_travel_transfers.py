"""Airport transfers: the grouping rules (capacity, windows, step-free seats, the wait for delayed
flights, departures before their flights), the plan written over the API, manual changes refused
over capacity, the driver's manifest, and other events' organisers refused."""

from __future__ import annotations

import datetime

import pytest

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.errors import InvalidInput, PermissionDenied
from events.travel import transfers
from events.travel.tables import TransferRider, TransferRun
from events.travel.transfers import Traveller, group
from events.visits.solver.model import Vehicle
from tests.browser import seed_transfers
from tests.test_web import sign_in_organiser

T0 = datetime.datetime(2027, 10, 11, 8, 0, tzinfo=datetime.UTC)


def at(minutes: int) -> datetime.datetime:
    return T0 + datetime.timedelta(minutes=minutes)


def people(*minutes: int, step_free: tuple[int, ...] = ()) -> list[Traveller]:
    return [Traveller(n + 1, at(m), step_free=(n + 1) in step_free) for n, m in enumerate(minutes)]


def riders(run) -> list[int]:
    return [r.registration_id for r in run.riders]


# --- the grouping ----------------------------------------------------------------------------------


def test_a_run_never_holds_more_than_its_vehicle_seats():
    plan = group(people(0, 5, 10, 15, 20), [Vehicle(1, 2), Vehicle(2, 2)], "arrival")
    assert [len(run.riders) for run in plan.runs] == [2, 2]
    assert all(len(run.riders) <= 2 for run in plan.runs)
    # The fifth finds no seat: both vehicles are away until after the window.
    assert [(u.registration_id, u.code) for u in plan.unplaced] == [(5, "no_capacity")]


def test_arrivals_share_a_run_only_within_the_window():
    plan = group(people(0, 30, 60, 100, 400), [Vehicle(1, 10)], "arrival", window_minutes=60)
    first = plan.runs[0]
    assert all(
        r.flight_at - first.riders[0].flight_at <= datetime.timedelta(minutes=60) for r in first.riders
    )
    # A vehicle is not in two places at once: the second window (100 min) waits for no free vehicle.
    assert [u.registration_id for u in plan.unplaced] == [4]
    assert [riders(run) for run in plan.runs] == [[1, 2, 3], [5]]


def test_step_free_riders_ride_only_on_step_free_seats_and_count_against_them():
    vehicles = [Vehicle(1, 4, step_free_seats=1), Vehicle(2, 8)]
    plan = group(people(0, 10, 20, 30, step_free=(2, 3)), vehicles, "arrival")
    by_vehicle = {run.vehicle_id: run for run in plan.runs}
    # One step-free seat: one of the two is placed in vehicle 1, the other is reported.
    assert by_vehicle[1].step_free_riders == 1
    assert all(not r.step_free for run in plan.runs if run.vehicle_id == 2 for r in run.riders)
    assert [(u.registration_id, u.code) for u in plan.unplaced] == [(3, "no_step_free_seat")]
    assert "step-free" in plan.unplaced[0].detail
    # Plain riders fill the plain seats, never the held step-free one.
    assert sorted(rid for run in plan.runs for rid in riders(run)) == [1, 2, 4]


def test_a_step_free_rider_without_any_step_free_vehicle_is_reported():
    plan = group(people(0, 10, step_free=(2,)), [Vehicle(1, 10)], "arrival")
    assert [riders(run) for run in plan.runs] == [[1]]
    assert plan.unplaced[0].code == "no_step_free_seat"


def test_an_arrival_run_waits_for_a_delayed_flight_within_the_margin():
    plan = group(people(0, 50), [Vehicle(1, 10)], "arrival", wait_minutes=75, exit_minutes=45)
    (run,) = plan.runs
    assert run.leaves_at == at(50 + 45)  # the last landing plus the time to get out
    assert run.waits_until == run.leaves_at + datetime.timedelta(minutes=75)


def test_departures_leave_the_hotel_before_the_first_flight_of_the_run():
    plan = group(people(0, 60, 600), [Vehicle(1, 10), Vehicle(2, 10)], "departure", lead_hours=3)
    assert [riders(run) for run in plan.runs] == [[1, 2], [3]]
    first, second = plan.runs
    assert first.leaves_at == at(0) - datetime.timedelta(hours=3)
    assert second.leaves_at == at(600) - datetime.timedelta(hours=3)
    assert first.waits_until is None
    assert all(r.flight_at > run.leaves_at for run in plan.runs for r in run.riders)


def test_a_vehicle_away_on_a_study_visit_is_not_sent_to_the_airport():
    vehicles = [Vehicle(1, 10, 2), Vehicle(2, 10)]
    visit = (at(-60), at(120))  # vehicle 1 is on a study-visit trip while the flights land
    plan = group(people(0, 30, step_free=(2,)), vehicles, "arrival", busy={1: [visit]})
    assert [run.vehicle_id for run in plan.runs] == [2]
    assert [(u.registration_id, u.code) for u in plan.unplaced] == [(2, "no_step_free_seat")]
    later = group(people(600, 630, step_free=(2,)), vehicles, "arrival", busy={1: [visit]})
    assert [run.vehicle_id for run in later.runs] == [1] and later.unplaced == []


def test_the_grouping_is_deterministic_and_judged_by_the_visits_checker():
    crowd = people(*range(0, 300, 7), step_free=(3, 9, 20))
    vehicles = [Vehicle(1, 5, 1), Vehicle(2, 7), Vehicle(3, 4, 2)]
    one = group(crowd, vehicles, "arrival")
    two = group(list(reversed(crowd)), vehicles, "arrival")
    assert one == two
    assert transfers.judge(one, vehicles) == []
    placed = [rid for run in one.runs for rid in riders(run)]
    assert len(placed) == len(set(placed))
    assert len(placed) + len(one.unplaced) == len(crowd)


# --- the service, over the API ---------------------------------------------------------------------


@pytest.fixture
async def seeded(event):
    return await seed_transfers.seed(event.id)


async def plan(client, event, account, direction="arrival"):
    return await client.post(
        f"/api/v1/events/{event.id}/travel/transfers/plan",
        json={"direction": direction},
        headers=account.headers,
    )


async def test_planning_arrivals_writes_runs_and_a_replan_keeps_them(client, event, seeded, make_account):
    organiser = await make_account(Role.organiser, event.id)
    response = await plan(client, event, organiser)
    assert response.status_code == 200, response.text
    body = response.json()
    amina, bilal, chen, dilnoza, farid, grace = seeded["registration_ids"]
    van, car = seeded["vehicle_ids"]
    assert [[r["registration_id"] for r in run["riders"]] for run in body["runs"]] == [
        [amina, bilal, chen],
        [dilnoza],
        [farid],
    ]
    assert [run["vehicle_id"] for run in body["runs"]] == [van, car, car]
    assert body["unplaced"] == []
    first = body["runs"][0]
    assert [r["step_free"] for r in first["riders"]] == [False, True, False]
    assert first["leaves_at"].startswith("2027-10-11T09:25")  # Chen lands 08:40, plus 45 minutes
    assert first["waits_until"].startswith("2027-10-11T10:25")  # plus the 60-minute wait
    assert first["meeting_point"] == "Arrivals hall, GYD" and first["key"].startswith("TR-")
    assert all(grace not in [r["registration_id"] for r in run["riders"]] for run in body["runs"])

    runs_url = f"/api/v1/events/{event.id}/travel/transfers/runs"
    edited = await client.patch(
        f"{runs_url}/{first['id']}", json={"meeting_point": "Gate B, arrivals"}, headers=organiser.headers
    )
    assert edited.status_code == 200, edited.text
    again = await plan(client, event, organiser)
    assert again.status_code == 200
    assert await TransferRun.count().where(TransferRun.event == event.id) == 3
    assert await TransferRider.count() == 5  # riders replaced, not added
    # The same runs: their keys (boarding checkpoints) and the edited meeting point survive a re-plan.
    assert [(run["id"], run["key"]) for run in again.json()["runs"]] == [
        (run["id"], run["key"]) for run in body["runs"]
    ]
    assert again.json()["runs"][0]["meeting_point"] == "Gate B, arrivals"
    audit = await AuditEntry.select().where(AuditEntry.action == "travel.transfers.planned")
    assert len(audit) == 2

    departures = await plan(client, event, organiser, "departure")
    assert departures.status_code == 200
    listed = await client.get(f"/api/v1/events/{event.id}/travel/transfers/runs", headers=organiser.headers)
    assert listed.json()["total"] == 3 + len(departures.json()["runs"])


async def test_a_manual_change_over_capacity_is_refused(client, event, seeded, make_account):
    organiser = await make_account(Role.organiser, event.id)
    runs = (await plan(client, event, organiser)).json()["runs"]
    _van, car = seeded["vehicle_ids"]
    url = f"/api/v1/events/{event.id}/travel/transfers/runs"
    # The first run carries a step-free rider: the car has no step-free seat.
    refused = await client.patch(
        f"{url}/{runs[0]['id']}", json={"vehicle_id": car}, headers=organiser.headers
    )
    assert refused.status_code == 409, refused.text
    assert "step-free" in refused.text
    # Moving Chen onto the car's run would be fine; a fourth rider onto the full van is not.
    dilnoza = runs[1]["riders"][0]["registration_id"]
    full = await client.post(
        f"{url}/{runs[1]['id']}/riders/{dilnoza}/move",
        json={"run_id": runs[0]["id"]},
        headers=organiser.headers,
    )
    assert full.status_code == 409 and "seats" in full.text
    edited = await client.patch(
        f"{url}/{runs[0]['id']}",
        json={"meeting_point": "Gate B, arrivals", "contact_phone": "+994 50 123 45 67"},
        headers=organiser.headers,
    )
    assert edited.status_code == 200
    assert edited.json()["meeting_point"] == "Gate B, arrivals"
    got = (await client.get(f"{url}/{runs[1]['id']}", headers=organiser.headers)).json()
    assert [r["registration_id"] for r in got["riders"]] == [dilnoza]


async def test_no_vehicles_or_no_airport_is_a_clear_error(event, make_account):
    organiser = await make_account(Role.organiser, event.id)
    with pytest.raises(InvalidInput, match="arrival airport"):
        await transfers.plan_transfers(organiser.actor, event.id, "arrival")
    await seed_transfers.set_airport(event.id)
    with pytest.raises(InvalidInput, match="no vehicles") as refused:
        await transfers.plan_transfers(organiser.actor, event.id, "arrival")
    assert refused.value.errors[0].field == "vehicle_id"
    assert await TransferRun.count() == 0


async def test_the_driver_manifest_renders_as_pdf(client, event, seeded, make_account):
    organiser = await make_account(Role.organiser, event.id)
    staff = await make_account(Role.staff, event.id)
    runs = (await plan(client, event, organiser)).json()["runs"]
    response = await client.get(
        f"/api/v1/events/{event.id}/travel/transfers/runs/{runs[0]['id']}/manifest", headers=staff.headers
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.content.startswith(b"%PDF")
    assert runs[0]["key"] in response.headers["content-disposition"]
    checkpoints = await client.get(
        f"/api/v1/events/{event.id}/travel/transfers/checkpoints", headers=staff.headers
    )
    assert [c["checkpoint_id"] for c in checkpoints.json()["items"]] == [run["key"] for run in runs]
    boarding = await client.get(
        f"/api/v1/events/{event.id}/travel/transfers/checkpoints/{runs[0]['key']}/boarding",
        headers=staff.headers,
    )
    assert len(boarding.json()["riders"]) == 3
    assert await transfers.may_board(event.id, runs[0]["key"], runs[0]["riders"][0]["registration_id"])
    assert not await transfers.may_board(event.id, runs[1]["key"], runs[0]["riders"][0]["registration_id"])


async def test_another_events_organiser_is_refused(client, event, seeded, other_organiser, make_account):
    refused = await plan(client, event, other_organiser)
    assert refused.status_code == 403
    organiser = await make_account(Role.organiser, event.id)
    runs = (await plan(client, event, organiser)).json()["runs"]
    for path in ("runs", f"runs/{runs[0]['id']}", f"runs/{runs[0]['id']}/manifest", "checkpoints"):
        response = await client.get(
            f"/api/v1/events/{event.id}/travel/transfers/{path}", headers=other_organiser.headers
        )
        assert response.status_code == 403, path
    with pytest.raises(PermissionDenied):
        await transfers.plan_transfers(other_organiser.actor, event.id, "arrival")
    assert await TransferRun.count().where(TransferRun.event == event.id) == len(runs)


# --- the console pages -----------------------------------------------------------------------------


async def test_the_console_plans_arrivals_and_edits_a_run(client, event, seeded, make_account):
    organiser = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, organiser)
    base = f"/organiser/events/{event.id}/travel/transfers"
    empty = await client.get(base)
    assert empty.status_code == 200 and "No transfer run yet" in empty.text
    assert "Amina Moussa" in empty.text  # not on any run yet
    planned = await client.post(f"{base}/plan/arrival")
    assert planned.status_code == 303 and planned.headers["location"] == base
    page = await client.get(base)
    assert "Arrival runs planned: 3 run(s), 5 rider(s)." in page.text
    assert "Accessible van" in page.text and "Arrivals hall, GYD" in page.text
    run_id = (await TransferRun.select(TransferRun.id).order_by(TransferRun.leaves_at).first())["id"]
    run_page = await client.get(f"{base}/runs/{run_id}")
    assert run_page.status_code == 200
    assert "Bilal Haddad" in run_page.text and "/manifest" in run_page.text
    too_long = await client.post(
        f"{base}/runs/{run_id}", data={"meeting_point": "Gate B", "contact_phone": "9" * 40}
    )
    assert too_long.status_code == 422 and 'id="field-contact_phone-error"' in too_long.text
    saved = await client.post(
        f"{base}/runs/{run_id}", data={"meeting_point": "Gate B", "contact_phone": "+994 50"}
    )
    assert saved.status_code == 303
    assert (await TransferRun.select().where(TransferRun.id == run_id).first())["meeting_point"] == "Gate B"


async def test_the_console_says_why_it_cannot_plan(client, event, make_account, other_organiser):
    organiser = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, organiser)
    base = f"/organiser/events/{event.id}/travel/transfers"
    await seed_transfers.set_airport(event.id)
    refused = await client.post(f"{base}/plan/departure")
    assert refused.status_code == 422 and "the event has no vehicles" in refused.text
    await client.post("/organiser/sign-out")
    await sign_in_organiser(client, other_organiser)
    assert (await client.get(base)).status_code == 403
    assert (await client.post(f"{base}/plan/arrival")).status_code == 403


async def test_a_vehicle_with_transfer_runs_cannot_be_deleted(client, event, seeded, make_account):
    organiser = await make_account(Role.organiser, event.id)
    runs = (await plan(client, event, organiser)).json()["runs"]
    response = await client.delete(
        f"/api/v1/events/{event.id}/visits/vehicles/{runs[0]['vehicle_id']}", headers=organiser.headers
    )
    assert response.status_code == 409, response.text
    assert await TransferRun.count().where(TransferRun.event == event.id) == len(runs)
