"""Flight itineraries: time zones, the rules between flights, CSV import, the registration's dates,
the participant's confirmation, and who may write them (organisers and travel agents of the event)."""

from __future__ import annotations

import datetime
import itertools

import msgspec
import pytest

from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.auth.tables import Role
from events.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from events.registration import schemas as registration_schemas
from events.registration import submission
from events.registration.tables import Channel, Registration
from events.travel import airports, itineraries
from events.travel.schemas import SegmentCreate, SegmentUpdate
from events.travel.tables import FlightSegment, TravelPreference
from tests.factories import SYSTEM, create_account
from tests.test_registration_workflow import participant_headers, person

UTC = datetime.UTC
_emails = itertools.count(1)


async def approved(event_id: int, email: str | None = None) -> registration_schemas.Registration:
    data = msgspec.convert(
        person(email=email or f"t{next(_emails)}@example.org"), registration_schemas.RegistrationCreate
    )
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
    )
    assert result.registration.status == "approved"
    return result.registration


def flight(direction="inbound", carrier="RA", number="201", origin="KTM", destination="GYD", **times):
    return SegmentCreate(
        direction=direction,
        carrier=carrier,
        flight_number=number,
        from_airport=origin,
        to_airport=destination,
        departs_local=times.get("departs", datetime.datetime(2027, 10, 11, 10, 0)),
        arrives_local=times.get("arrives", datetime.datetime(2027, 10, 11, 9, 50)),
        booking_reference=times.get("booking", "ABC123"),
    )


def home(**times):
    return flight(
        "outbound",
        "J2",
        "42",
        "GYD",
        "KTM",
        departs=times.get("departs", datetime.datetime(2027, 10, 15, 8, 0)),
        arrives=times.get("arrives", datetime.datetime(2027, 10, 15, 15, 30)),
    )


def fields(exc: DomainError) -> list[str]:
    return [error.field for error in exc.errors]


async def dates(registration_id: int) -> tuple:
    row = (
        await Registration.select(Registration.arrival_at, Registration.departure_at)
        .where(Registration.id == registration_id)
        .first()
    )
    return row["arrival_at"], row["departure_at"]


@pytest.fixture
async def organiser(event):
    return (await create_account(Role.organiser, event.id)).actor


# --- airports --------------------------------------------------------------------------------------


def test_airports_know_codes_zones_and_refuse_gaps_and_folds():
    baku = airports.airport(" gyd ")
    assert baku is not None
    assert (baku.code, baku.city, baku.country, baku.tz) == ("GYD", "Baku", "AZE", "Asia/Baku")
    assert airports.airport("ZZZ") is None and airports.airport("GY") is None
    assert str(airports.zone("KTM")) == "Asia/Kathmandu"
    assert airports.to_utc("KTM", datetime.datetime(2027, 10, 11, 10, 0)) == datetime.datetime(
        2027, 10, 11, 4, 15, tzinfo=UTC
    )
    assert airports.local("GYD", datetime.datetime(2027, 10, 11, 5, 50, tzinfo=UTC)).hour == 9
    with pytest.raises(InvalidInput) as unknown:
        airports.to_utc("ZZZ", datetime.datetime(2027, 10, 11, 10, 0))
    assert fields(unknown.value) == ["airport"]
    with pytest.raises(InvalidInput, match="does not exist"):
        airports.to_utc("CDG", datetime.datetime(2027, 3, 28, 2, 30))  # clocks go forward
    with pytest.raises(InvalidInput, match="happens twice"):
        airports.to_utc("CDG", datetime.datetime(2027, 10, 31, 2, 30))  # clocks go back
    offset = datetime.timezone(datetime.timedelta(hours=1))
    assert airports.to_utc("CDG", datetime.datetime(2027, 10, 31, 2, 30, tzinfo=offset)).hour == 1


# --- time zones and rules ----------------------------------------------------------------------------


async def test_kathmandu_to_baku_lands_earlier_on_the_clock_but_later_in_utc(event, organiser):
    registration = await approved(event.id)
    segment = await itineraries.add_segment(organiser, registration.id, flight())
    assert segment.departs_at == datetime.datetime(2027, 10, 11, 4, 15, tzinfo=UTC)
    assert segment.arrives_at == datetime.datetime(2027, 10, 11, 5, 50, tzinfo=UTC)
    assert segment.departs_local.utcoffset() == datetime.timedelta(hours=5, minutes=45)
    assert (segment.arrives_local.hour, segment.arrives_local.minute) == (9, 50)
    assert (segment.departs_zone, segment.arrives_zone) == ("Asia/Kathmandu", "Asia/Baku")


async def test_a_flight_landing_before_it_leaves_in_utc_is_refused(event, organiser):
    registration = await approved(event.id)
    # 10:00 in Kathmandu is 04:15 UTC; 08:00 in Baku is 04:00 UTC.
    with pytest.raises(InvalidInput) as refused:
        await itineraries.add_segment(
            organiser, registration.id, flight(arrives=datetime.datetime(2027, 10, 11, 8, 0))
        )
    assert fields(refused.value) == ["arrives_local"]
    assert "lands before it takes off" in refused.value.detail
    assert await FlightSegment.count() == 0
    assert await dates(registration.id) == (None, None)


async def test_the_inbound_arriving_after_the_outbound_leaves_is_refused(event, organiser):
    registration = await approved(event.id)
    await itineraries.add_segment(organiser, registration.id, flight())
    with pytest.raises(InvalidInput) as refused:
        await itineraries.add_segment(
            organiser,
            registration.id,
            home(
                departs=datetime.datetime(2027, 10, 11, 8, 0), arrives=datetime.datetime(2027, 10, 11, 15, 0)
            ),
        )
    assert fields(refused.value) == ["departs_local"]
    assert await FlightSegment.count() == 1
    outbound = await itineraries.add_segment(organiser, registration.id, home())
    with pytest.raises(InvalidInput) as moved:
        await itineraries.update_segment(
            organiser,
            outbound.id,
            SegmentUpdate(
                departs_local=datetime.datetime(2027, 10, 11, 7, 0),
                arrives_local=datetime.datetime(2027, 10, 11, 14, 0),
            ),
        )
    assert fields(moved.value) == ["departs_local"]
    assert (await itineraries.get_segment(organiser, outbound.id)).departs_local.day == 15


async def test_unknown_airports_and_bad_codes_name_every_field_and_write_nothing(event, organiser):
    registration = await approved(event.id)
    with pytest.raises(InvalidInput) as refused:
        await itineraries.add_segment(
            organiser,
            registration.id,
            flight(carrier="R!", number="12345", origin="XQZ", destination="gyd", booking="no spaces"),
        )
    assert set(fields(refused.value)) == {"carrier", "flight_number", "from_airport", "booking_reference"}
    assert "XQZ is not a known IATA airport code" in refused.value.detail
    with pytest.raises(InvalidInput) as same:
        await itineraries.add_segment(
            organiser,
            registration.id,
            flight(destination="ktm", arrives=datetime.datetime(2027, 10, 11, 12, 0)),
        )
    assert fields(same.value) == ["to_airport"]
    assert await FlightSegment.count() == 0
    assert await AuditEntry.count().where(AuditEntry.action.like("travel.itineraries.%")) == 0


async def test_carrier_and_number_are_normalised(event, organiser):
    registration = await approved(event.id)
    segment = await itineraries.add_segment(
        organiser, registration.id, flight(carrier="j2 ", number="J2 0072")
    )
    assert (segment.carrier, segment.flight_number) == ("J2", "72")


# --- the registration's dates and the confirmation -------------------------------------------------


async def test_arrival_and_departure_follow_the_itinerary(event, organiser):
    registration = await approved(event.id)
    first = await itineraries.add_segment(
        organiser,
        registration.id,
        flight(
            carrier="TK",
            number="727",
            destination="IST",
            departs=datetime.datetime(2027, 10, 10, 23, 0),
            arrives=datetime.datetime(2027, 10, 11, 5, 0),
        ),
    )
    second = await itineraries.add_segment(
        organiser,
        registration.id,
        flight(
            carrier="TK",
            number="336",
            origin="IST",
            departs=datetime.datetime(2027, 10, 11, 7, 0),
            arrives=datetime.datetime(2027, 10, 11, 11, 0),
        ),
    )
    await itineraries.add_segment(organiser, registration.id, home())
    assert await dates(registration.id) == (
        second.arrives_at,
        datetime.datetime(2027, 10, 15, 4, 0, tzinfo=UTC),
    )
    shown = await itineraries.itinerary(organiser, registration.id)
    assert [s.flight_number for s in shown.segments] == ["727", "336", "42"]
    await itineraries.remove_segment(organiser, second.id)
    assert (await dates(registration.id))[0] == first.arrives_at
    actions = await AuditEntry.select(AuditEntry.action).where(AuditEntry.object_id == str(registration.id))
    assert "registration.travel_dates_set" in {row["action"] for row in actions}


async def test_the_participant_confirms_and_a_change_clears_it(client, event, organiser):
    email = "confirming@example.org"
    registration = await approved(event.id, email)
    headers = await participant_headers(client, email)
    url = f"/api/v1/registrations/{registration.id}/travel/itinerary"
    assert (await client.post(f"{url}/confirm", headers=headers)).status_code == 409  # nothing booked yet
    segment = await itineraries.add_segment(organiser, registration.id, flight())
    seen = await client.get(url, headers=headers)
    assert seen.status_code == 200, seen.text
    assert seen.json()["segments"][0]["arrives_local"] == "2027-10-11T09:50:00+04:00"
    confirmed = await client.post(f"{url}/confirm", headers=headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["confirmed_at"] is not None
    # The participant reads but does not write.
    assert (await client.delete(f"/api/v1/travel/segments/{segment.id}", headers=headers)).status_code == 403
    await itineraries.update_segment(organiser, segment.id, SegmentUpdate(booking_reference="XYZ789"))
    row = await TravelPreference.select().where(TravelPreference.registration == registration.id).first()
    assert row["itinerary_confirmed_at"] is None
    # Organisers cannot confirm for the participant.
    with pytest.raises(PermissionDenied):
        await itineraries.confirm(organiser, registration.id)


# --- who may write ------------------------------------------------------------------------------------


async def test_a_travel_agent_of_the_event_may_write_another_events_organiser_may_not(
    client, event, other_event
):
    registration = await approved(event.id)
    agent = await create_account(Role.travel_agent, event.id)
    body = msgspec.to_builtins(flight())
    added = await client.post(
        f"/api/v1/registrations/{registration.id}/travel/itinerary/segments", json=body, headers=agent.headers
    )
    assert added.status_code == 201, added.text
    assert added.json()["from_name"] == "Tribhuvan International Airport"
    other = await create_account(Role.organiser, other_event.id)
    refused = await client.post(
        f"/api/v1/registrations/{registration.id}/travel/itinerary/segments", json=body, headers=other.headers
    )
    assert refused.status_code == 404
    with pytest.raises(NotFound):
        await itineraries.itinerary(other.actor, registration.id)
    with pytest.raises(PermissionDenied):
        await itineraries.import_csv(other.actor, event.id, b"reference\n")
    other_agent = await create_account(Role.travel_agent, other_event.id)
    with pytest.raises(NotFound):
        await itineraries.remove_segment(other_agent.actor, added.json()["id"])
    bad = await client.post(
        f"/api/v1/registrations/{registration.id}/travel/itinerary/segments",
        json={**body, "to_airport": "QQQ"},
        headers=agent.headers,
    )
    assert bad.status_code == 422
    assert bad.json()["errors"] == [
        {"field": "to_airport", "message": "QQQ is not a known IATA airport code"}
    ]


async def test_a_travel_agent_needs_an_event():
    with pytest.raises(InvalidInput):
        await create_account(Role.travel_agent)
    assert Actor.system().books_travel(1)


# --- CSV import ------------------------------------------------------------------------------------


HEADER = "reference,direction,carrier,flight,from,to,departs_local,arrives_local,booking\n"


async def test_csv_import_adds_good_rows_and_reports_bad_ones(client, event, organiser):
    one, two = await approved(event.id), await approved(event.id)
    text = (
        HEADER
        + f"{one.reference},inbound,RA,201,KTM,GYD,2027-10-11 10:00,2027-10-11 09:50,ABC123\n"
        + f"{one.reference},outbound,J2,42,GYD,KTM,2027-10-15 08:00,2027-10-15 15:30,ABC123\n"
        + f"{two.reference},inbound,RA,201,KTM,GYD,2027-10-11 10:00,2027-10-11 08:00,\n"
        + f"{two.reference},inbound,RA,201,KTM,XXX,2027-10-11 10:00,2027-10-11 09:50,\n"
        + "NOPE-1,inbound,RA,201,KTM,GYD,2027-10-11 10:00,2027-10-11 09:50,\n"
        + f"{two.reference},inbound,RA,201,KTM,GYD,tomorrow,2027-10-11 09:50,\n"
    )
    report = await itineraries.import_csv(organiser, event.id, text.encode())
    assert (report.created, report.unchanged, report.rejected) == (2, 0, 4)
    reasons = {row.row: row.reasons for row in report.rows}
    assert reasons[4][0].startswith("arrives_local: lands before it takes off")
    assert reasons[5] == ["to: XXX is not a known IATA airport code"]
    assert reasons[6][0].startswith("reference: NOPE-1")
    assert reasons[7][0].startswith("departs_local: must be a local date and time")
    assert await FlightSegment.count().where(FlightSegment.registration == two.id) == 0
    assert await dates(one.id) == (
        datetime.datetime(2027, 10, 11, 5, 50, tzinfo=UTC),
        datetime.datetime(2027, 10, 15, 4, 0, tzinfo=UTC),
    )
    again = await itineraries.import_csv(organiser, event.id, text.encode())
    assert (again.created, again.unchanged) == (0, 2)
    assert await FlightSegment.count() == 2
    # Over HTTP, a file without the columns is refused whole.
    refused = await client.post(
        f"/api/v1/events/{event.id}/travel/itineraries/import",
        files={"data": ("flights.csv", b"reference,carrier\nX,RA\n", "text/csv")},
        headers=(await create_account(Role.organiser, event.id)).headers,
    )
    assert refused.status_code == 422
    assert "missing columns: direction" in refused.json()["detail"]


# --- console pages -----------------------------------------------------------------------------------


async def test_console_pages_add_refuse_beside_the_field_import_and_remove(client, event):
    from tests.test_web import sign_in_organiser

    account = await create_account(Role.organiser, event.id)
    await sign_in_organiser(client, account)
    registration = await approved(event.id)
    base = f"/organiser/events/{event.id}/travel/itineraries"
    listing = await client.get(base)
    assert listing.status_code == 200, listing.text
    assert "No flights yet" in listing.text
    form = {
        "direction": "inbound",
        "carrier": "RA",
        "flight_number": "201",
        "from_airport": "KTM",
        "departs_local": "2027-10-11T10:00",
        "to_airport": "QQQ",
        "arrives_local": "2027-10-11T09:50",
        "booking_reference": "",
    }
    empty = await client.post(f"{base}/{registration.id}", data={"direction": "inbound"})
    assert empty.status_code == 422
    assert "Enter the airline&#39;s code, like TK or J2" in empty.text
    assert 'id="field-departs_local-error"' in empty.text
    refused = await client.post(f"{base}/{registration.id}", data=form)
    assert refused.status_code == 422
    assert 'id="field-to_airport-error"' in refused.text
    assert "No airport has this code" in refused.text
    assert await FlightSegment.count() == 0
    added = await client.post(f"{base}/{registration.id}", data={**form, "to_airport": "GYD"})
    assert added.status_code == 303, added.text
    page = await client.get(f"{base}/{registration.id}")
    assert "UTC+04:00" in page.text and "UTC+05:45" in page.text
    (segment,) = await FlightSegment.select(FlightSegment.id)
    late = await client.post(
        f"{base}/{registration.id}/segments/{segment['id']}",
        data={**form, "to_airport": "GYD", "arrives_local": "2027-10-11T08:00"},
    )
    assert late.status_code == 422
    assert 'id="field-arrives_local-error"' in late.text
    csv_text = (
        HEADER + f"{registration.reference},outbound,J2,42,GYD,KTM,2027-10-15 08:00,2027-10-15 15:30,\n"
    )
    csv_text += f"{registration.reference},outbound,J2,42,GYD,ZZZ,2027-10-15 08:00,2027-10-15 15:30,\n"
    imported = await client.post(f"{base}/import", files={"file": ("f.csv", csv_text.encode(), "text/csv")})
    assert imported.status_code == 200, imported.text
    assert "to: ZZZ is not a known IATA airport code" in imported.text
    assert "Not confirmed" in (await client.get(base)).text
    removed = await client.post(f"{base}/{registration.id}/segments/{segment['id']}/remove")
    assert removed.status_code == 303
    assert await FlightSegment.count() == 1


async def test_a_year_out_of_range_is_refused_beside_its_field(client, event):
    registration = await approved(event.id)
    agent = await create_account(Role.travel_agent, event.id)
    body = {**msgspec.to_builtins(flight()), "departs_local": "0001-01-01T00:00:00"}
    refused = await client.post(
        f"/api/v1/registrations/{registration.id}/travel/itinerary/segments", json=body, headers=agent.headers
    )
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["departs_local"]
