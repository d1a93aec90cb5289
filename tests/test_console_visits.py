"""The console's study-visit pages: vehicles, slots, sites, travel times and settings through
forms (bad input beside its field, nothing written), the demand per slot, the scheduler's dry run
as a job, its page beside the plan in force, and its commit; other events' organisers refused."""

from __future__ import annotations

import asyncio
import re

import msgspec
import pytest

from events.auth.tables import Role
from events.jobs import runner
from events.visits import event_settings, preferences, schemas, sites, slots, vehicles
from events.visits.tables import Site, Vehicle, VisitAssignment, VisitSlot
from events.web.console import visits as console_visits
from tests.factories import SYSTEM
from tests.test_visits_api import register
from tests.test_web import sign_in_organiser

WEEKDAYS = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}
VENUE = (40.40, 49.85)
NEAR = (40.41, 49.87)


def base(event_id: int) -> str:
    return f"/organiser/events/{event_id}/visits"


def field_error(html: str, name: str) -> str | None:
    """The error message shown beside field ``name``."""
    match = re.search(
        rf'id="field-{re.escape(name)}-error"><span class="visually-hidden">[^<]*</span>\s*([^<]+)</p>', html
    )
    return match.group(1).strip() if match else None


@pytest.fixture
async def setup(client, make_event, make_account):
    """An event with venue coordinates, one site near it, a vehicle, and its organiser signed in."""
    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, account)
    await event_settings.update_settings(
        SYSTEM,
        event.id,
        msgspec.convert(
            {"venue_latitude": VENUE[0], "venue_longitude": VENUE[1]}, schemas.VisitSettingsUpdate
        ),
    )
    site = await sites.create_site(
        SYSTEM,
        msgspec.convert(
            {
                "name": "ASAN centre No. 1",
                "city": "Baku",
                "latitude": NEAR[0],
                "longitude": NEAR[1],
                "opening_hours": WEEKDAYS,
                "group_capacity": 20,
                "step_free": True,
            },
            schemas.SiteCreate,
        ),
    )
    bus = await vehicles.create_vehicle(
        SYSTEM, event.id, schemas.VehicleCreate(name="Bus 1", seats=2, step_free_seats=1)
    )
    return client, event, site, bus, account


async def make_slot(event_id: int, site_id: int, vehicle_id: int, start: str, end: str) -> schemas.Slot:
    return await slots.create_slot(
        SYSTEM,
        event_id,
        msgspec.convert(
            {
                "site_id": site_id,
                "starts_at": start,
                "ends_at": end,
                "vehicle_ids": [vehicle_id],
                "guide_language": "en",
            },
            schemas.SlotCreate,
        ),
    )


async def rank(registration_id: int, *slot_ids: int) -> None:
    await preferences.set_preferences(
        SYSTEM,
        registration_id,
        schemas.PreferencesSet([schemas.Choice(slot_id=slot_id) for slot_id in slot_ids]),
    )


async def test_vehicles_are_added_and_edited_with_bad_input_beside_its_field(setup):
    client, event, _, bus, _account = setup
    bad = await client.post(f"{base(event.id)}/vehicles", data={"name": " ", "seats": "many"})
    assert bad.status_code == 422
    assert field_error(bad.text, "name") == "Enter a name"
    assert field_error(bad.text, "seats") == "Enter a number of seats from 1 to 500"
    assert 'value="many"' in bad.text  # what was typed stays
    french = await client.post(f"{base(event.id)}/vehicles?lang=fr", data={"name": "Bus 3", "seats": "0"})
    assert field_error(french.text, "seats") == "Saisissez un nombre de places de 1 à 500"
    assert "There is a problem" not in french.text
    await client.get(f"{base(event.id)}/vehicles?lang=en")
    assert await Vehicle.count().where(Vehicle.event == event.id) == 1

    added = await client.post(
        f"{base(event.id)}/vehicles", data={"name": "Minibus 2", "seats": "8", "step_free_seats": "2"}
    )
    assert added.status_code == 303
    listing = await client.get(f"{base(event.id)}/vehicles")
    assert "Minibus 2" in listing.text and "The vehicle was added." in listing.text
    row = await Vehicle.select().where(Vehicle.name == "Minibus 2").first()
    assert (row["seats"], row["step_free_seats"]) == (8, 2)

    edit = await client.get(f"{base(event.id)}/vehicles/{bus.id}")
    assert 'value="Bus 1"' in edit.text
    refused = await client.post(
        f"{base(event.id)}/vehicles/{bus.id}", data={"name": "Bus 1", "seats": "3", "step_free_seats": "4"}
    )
    assert refused.status_code == 422
    assert "cannot exceed seats" in (field_error(refused.text, "step_free_seats") or "")
    saved = await client.post(
        f"{base(event.id)}/vehicles/{bus.id}", data={"name": "Bus One", "seats": "12", "step_free_seats": "1"}
    )
    assert saved.status_code == 303
    row = await Vehicle.select().where(Vehicle.id == bus.id).first()
    assert (row["name"], row["seats"]) == ("Bus One", 12)


async def test_slots_are_added_and_edited_and_the_rules_show_beside_the_fields(setup):
    client, event, site, bus, _account = setup
    page = await client.get(f"{base(event.id)}/slots/new")
    assert page.status_code == 200 and "Bus 1" in page.text and "ASAN centre No. 1" in page.text

    missing = await client.post(
        f"{base(event.id)}/slots/new",
        data={"site_id": str(site.id), "starts_at": "tomorrow", "ends_at": "", "guide_language": "en"},
    )
    assert missing.status_code == 422
    assert field_error(missing.text, "starts_at").startswith("Enter the start as a date and time")
    assert field_error(missing.text, "vehicle_ids") == "Select at least one vehicle"
    closed = await client.post(  # 07:00 is before the site opens: the service's rule, beside the field
        f"{base(event.id)}/slots/new",
        data={
            "site_id": str(site.id),
            "starts_at": "2027-10-12T07:00",
            "ends_at": "2027-10-12T08:00",
            "vehicle_ids": str(bus.id),
            "guide_language": "en",
        },
    )
    assert closed.status_code == 422
    assert "does not fit" in (field_error(closed.text, "starts_at") or "")
    assert await VisitSlot.count().where(VisitSlot.event == event.id) == 0

    added = await client.post(
        f"{base(event.id)}/slots/new",
        data={
            "site_id": str(site.id),
            "starts_at": "2027-10-12T10:00",
            "ends_at": "2027-10-12T12:00",
            "vehicle_ids": str(bus.id),
            "guide_language": "en",
            "capacity": "",
        },
    )
    assert added.status_code == 303, added.text
    (slot,) = await slots.list_slots(event.id)
    assert (slot.capacity, [v.id for v in slot.vehicles]) == (2, [bus.id])
    listing = await client.get(base(event.id))
    assert f'id="slot-{slot.id}"' in listing.text and "The slot was added." in listing.text

    edit = await client.get(f"{base(event.id)}/slots/{slot.id}")
    assert 'value="2027-10-12T10:00"' in edit.text
    saved = await client.post(
        f"{base(event.id)}/slots/{slot.id}",
        data={
            "site_id": str(site.id),
            "starts_at": "2027-10-12T14:00",
            "ends_at": "2027-10-12T15:30",
            "vehicle_ids": str(bus.id),
            "guide_language": "az",
            "capacity": "1",
        },
    )
    assert saved.status_code == 303, saved.text
    slot = await slots.get_slot(event.id, slot.id)
    assert (slot.starts_at.hour, slot.guide_language, slot.capacity) == (14, "az", 1)


async def test_a_site_edit_that_breaks_booked_visits_is_refused_with_the_reasons(setup):
    client, event, site, bus, _account = setup
    slot = await make_slot(event.id, site.id, bus.id, "2027-10-12T10:00:00", "2027-10-12T12:00:00")
    registration_id = await register(event.id, "ana@example.org")
    await VisitAssignment.insert(
        VisitAssignment(
            event=event.id,
            registration=registration_id,
            slot=slot.id,
            vehicle=bus.id,
            pinned=True,
            assigned_at=slot.starts_at,
            updated_at=slot.starts_at,
        )
    )
    form = {
        "name": "ASAN centre No. 1",
        "city": "Baku",
        "country": "AZE",
        "latitude": str(NEAR[0]),
        "longitude": str(NEAR[1]),
        "group_capacity": "20",
        "step_free": "true",
        **{f"hours_{day}": "09:00-18:00" for day in ("mon", "wed", "thu", "fri")},
        "hours_tue": "13:00-18:00",  # the booked 10:00 visit no longer fits
    }
    refused = await client.post(f"{base(event.id)}/sites/{site.id}", data=form)
    assert refused.status_code == 422
    assert "would break visits booked there" in refused.text
    assert (await Site.select(Site.opening_hours).where(Site.id == site.id).output(load_json=True).first())[
        "opening_hours"
    ]["tue"] == [["09:00", "18:00"]]

    typo = await client.post(f"{base(event.id)}/sites/{site.id}", data={**form, "hours_tue": "9 to 6"})
    assert typo.status_code == 422
    assert field_error(typo.text, "hours_tue").startswith("Enter the hours like 09:00-13:00")

    saved = await client.post(
        f"{base(event.id)}/sites/{site.id}", data={**form, "hours_tue": "08:00-12:00, 13:00-18:00"}
    )
    assert saved.status_code == 303, saved.text
    assert (await sites.get_site(SYSTEM, site.id)).opening_hours["tue"] == [
        ("08:00", "12:00"),
        ("13:00", "18:00"),
    ]

    created = await client.post(
        f"{base(event.id)}/sites/new",
        data={
            "name": "ASAN Sumgayit",
            "city": "Sumgayit",
            "group_capacity": "15",
            "hours_sat": "10:00-14:00",
        },
    )
    assert created.status_code == 303, created.text
    assert "ASAN Sumgayit" in (await client.get(f"{base(event.id)}/sites")).text


async def test_travel_times_and_settings_are_set_by_form(setup):
    client, event, site, bus, _account = setup
    await make_slot(event.id, site.id, bus.id, "2027-10-12T10:00:00", "2027-10-12T12:00:00")
    same = await client.post(
        f"{base(event.id)}/travel", data={"origin_site_id": str(site.id), "destination_site_id": str(site.id)}
    )
    assert same.status_code == 422
    assert field_error(same.text, "destination_site_id")
    saved = await client.post(
        f"{base(event.id)}/travel",
        data={
            "origin_site_id": "venue",
            "destination_site_id": str(site.id),
            "minutes": "35",
            "both_ways": "true",
        },
    )
    assert saved.status_code == 303
    matrix = await event_settings.travel_matrix(SYSTEM, event.id)
    assert matrix.minutes[0][1] == matrix.minutes[1][0] == 35
    page = await client.get(f"{base(event.id)}/travel")
    assert "your figure" in page.text

    bad = await client.post(
        f"{base(event.id)}/settings",
        data={"speed_kmh": "500", "overhead_minutes": "10", "visits_per_participant": "1"},
    )
    assert bad.status_code == 422
    assert field_error(bad.text, "speed_kmh") == "Enter a speed from 5 to 120 km/h"
    good = await client.post(
        f"{base(event.id)}/settings",
        data={
            "venue_latitude": str(VENUE[0]),
            "venue_longitude": str(VENUE[1]),
            "speed_kmh": "30",
            "overhead_minutes": "5",
            "visits_per_participant": "1",
            "default_meeting_point": "Main entrance",
        },
    )
    assert good.status_code == 303
    current = await event_settings.get_settings(event.id)
    assert (current.speed_kmh, current.default_meeting_point) == (30, "Main entrance")


async def test_demand_counts_first_and_any_choices_against_the_seats(setup):
    client, event, site, bus, _account = setup
    morning = await make_slot(event.id, site.id, bus.id, "2027-10-12T10:00:00", "2027-10-12T12:00:00")
    afternoon = await make_slot(event.id, site.id, bus.id, "2027-10-13T14:00:00", "2027-10-13T16:00:00")
    ana, ben, chloe, _dev = [
        await register(event.id, f"{name}@example.org") for name in ("ana", "ben", "chloe", "dev")
    ]
    await rank(ana, morning.id, afternoon.id)
    await rank(ben, afternoon.id)
    await rank(chloe, afternoon.id, morning.id)
    page = await client.get(f"{base(event.id)}/demand")
    assert page.status_code == 200
    text = page.text
    assert re.search(r'data-figure="participants">4<', text)
    assert re.search(r'data-figure="without-choices">1<', text)

    def cells(slot_id: int) -> tuple[str, str, str]:
        row = text[text.index(f'id="slot-{slot_id}"') :]
        return tuple(re.search(rf"data-{name}>(\d+)", row).group(1) for name in ("first", "ranked", "seats"))

    assert cells(morning.id) == ("1", "2", "2")
    assert cells(afternoon.id) == ("2", "3", "2")
    assert "more than the seats" not in text[text.index(f'id="slot-{morning.id}"') :].split("</tr>")[0]


async def _run_jobs_until_done(client, job_id: int) -> dict:
    job_runner = runner.JobRunner(poll_interval=0.05)
    job_runner.start()
    try:
        for _ in range(600):
            status = (await client.get(f"/organiser/jobs/{job_id}/status")).json()
            if status["finished"]:
                return status
            await asyncio.sleep(0.05)
    finally:
        await job_runner.stop(grace=1.0)
    raise AssertionError(f"job {job_id} did not finish: {status}")


async def test_a_dry_run_job_leads_to_its_proposal_beside_the_plan_and_its_commit(
    setup, make_event, make_account, monkeypatch
):
    client, event, site, bus, account = setup
    morning = await make_slot(event.id, site.id, bus.id, "2027-10-12T10:00:00", "2027-10-12T12:00:00")
    afternoon = await make_slot(event.id, site.id, bus.id, "2027-10-13T14:00:00", "2027-10-13T16:00:00")
    people = [await register(event.id, f"p{n}@example.org") for n in range(5)]  # 4 seats in all
    await rank(people[0], morning.id)
    await rank(people[1], morning.id, afternoon.id)

    bad = await client.post(f"{base(event.id)}/scheduler", data={"time_limit_s": "600"})
    assert bad.status_code == 422
    assert field_error(bad.text, "time_limit_s") == "Enter a time limit from 0.5 to 60 seconds"
    started = await client.post(f"{base(event.id)}/scheduler", data={"time_limit_s": "2"})
    assert started.status_code == 303
    job_id = int(started.headers["location"].rsplit("/", 1)[1])
    scheduler = await client.get(f"{base(event.id)}/scheduler")
    assert f'data-job-status-url="/organiser/jobs/{job_id}/status"' in scheduler.text  # its progress bar

    assert (await _run_jobs_until_done(client, job_id))["status"] == "succeeded"
    job_page = await client.get(f"/organiser/jobs/{job_id}")
    link = re.search(rf'href="({base(event.id)}/runs/(\d+))"', job_page.text)
    assert link, job_page.text
    run_url, run_id = link.group(1), int(link.group(2))

    run_page = await client.get(run_url)
    assert run_page.status_code == 200
    assert "This proposal" in run_page.text and "Plan in force" in run_page.text
    placed = run_page.text[run_page.text.index(">Placed<") :].split("</tr>")[0]
    assert re.search(r"data-proposal>4<", placed) and re.search(r"data-current>0<", placed)
    assert "Every slot that suits them is full." in run_page.text  # the one left out, and why
    monkeypatch.setattr(console_visits, "UNPLACED_SHOWN", 0)  # a long list is cut, not sent whole
    assert "… and 1 more" in (await client.get(run_url)).text
    monkeypatch.undo()
    assert "Commit this plan" in run_page.text
    french = await client.get(f"{run_url}?lang=fr")
    assert "Valider ce plan" in french.text and "Proposé" in french.text and "Plan en vigueur" in french.text
    await client.get(f"{run_url}?lang=en")
    assert await VisitAssignment.count().where(VisitAssignment.event == event.id) == 0
    past = await client.get(f"{base(event.id)}/scheduler")
    assert f'href="{run_url}"' in past.text

    stranger = await make_account(Role.organiser, (await make_event()).id)
    await sign_in_organiser(client, stranger)  # an organiser of another event
    assert (await client.post(f"{run_url}/commit")).status_code == 403
    assert (await client.get(run_url)).status_code == 403
    assert (await client.get(f"{base(event.id)}/demand")).status_code == 403
    assert (await client.post(f"{base(event.id)}/scheduler", data={"time_limit_s": "1"})).status_code == 403
    assert await VisitAssignment.count().where(VisitAssignment.event == event.id) == 0
    await sign_in_organiser(client, account)

    committed = await client.post(f"{run_url}/commit")
    assert committed.status_code == 303
    assert await VisitAssignment.count().where(VisitAssignment.event == event.id) == 4
    after = await client.get(run_url)
    assert "The plan was committed: 4 visits assigned" in after.text
    placed = after.text[after.text.index(">Placed<") :].split("</tr>")[0]
    assert re.search(r"data-current>4<", placed)
    assert "Commit this plan" not in after.text and "This plan is committed." in after.text

    again = await client.post(f"{run_url}/commit")  # a committed run cannot be committed twice
    assert again.status_code == 303
    assert "This plan was not committed" in (await client.get(run_url)).text
    assert run_id


async def test_manifests_link_each_slot_and_make_its_escort_feed(setup):
    client, event, site, bus, _account = setup
    slot = await make_slot(event.id, site.id, bus.id, "2027-10-12T10:00:00", "2027-10-12T12:00:00")
    page = await client.get(f"{base(event.id)}/manifests")
    manifest = f"/api/v1/events/{event.id}/visits/slots/{slot.id}/manifest?format=pdf"
    assert f'href="{manifest}"' in page.text
    assert (await client.get(manifest)).headers["content-type"] == "application/pdf"
    made = await client.post(f"{base(event.id)}/slots/{slot.id}/feed")
    assert made.status_code == 303
    page = await client.get(f"{base(event.id)}/manifests")
    assert "webcal://" in page.text and "New link" in page.text


@pytest.mark.parametrize("value", [2**31, 2**63])
async def test_ids_no_column_can_hold_are_404_pages(setup, value):
    client, event, _, _, _ = setup
    for path in ("slots", "vehicles", "sites", "runs"):
        response = await client.get(f"{base(event.id)}/{path}/{value}")
        assert response.status_code == 404, (path, response.status_code)
    assert (await client.post(f"{base(event.id)}/runs/{value}/commit")).status_code == 404
    assert (await client.post(f"{base(event.id)}/slots/{value}/feed")).status_code == 404
