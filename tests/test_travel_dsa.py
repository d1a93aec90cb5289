"""DSA: rates per city and period, nights from the itinerary in the event's zone, reductions for a
room and meals provided, rounding to the cent half up, missing rates reported by name, paid payments
kept, audit entries, the payment sheet (XLSX read back, PDF text), and others' events refused."""

from __future__ import annotations

import datetime
import io
import itertools
import re
from decimal import Decimal

import msgspec
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from events.registration import schemas as registration_schemas
from events.registration import submission
from events.registration.tables import Channel, Registration
from events.travel import dsa, dsa_rates, schemas
from events.travel.tables import (
    DsaPayment,
    FundingDecision,
    Hotel,
    RoomAllocation,
    RoomType,
    TravelSettings,
)
from tests.factories import SYSTEM, create_account
from tests.test_registration_workflow import person

API = "/api/v1"
UTC = datetime.UTC
_emails = itertools.count(1)


def rate(
    amount: str, valid_from: str, city: str = "Baku", country: str = "AZE", **extra
) -> schemas.DsaRateCreate:
    return msgspec.convert(
        {"country": country, "city": city, "valid_from": valid_from, "amount": amount, **extra},
        schemas.DsaRateCreate,
    )


async def funded(
    event_id: int,
    arrival: datetime.datetime | None,
    departure: datetime.datetime | None,
    *,
    level: str = "ticket_dsa",
    given: str = "Amina",
    family: str = "Moussa",
    **overrides,
) -> int:
    data = msgspec.convert(
        person(email=f"dsa{next(_emails)}@example.org", given_names=given, family_name=family, **overrides),
        registration_schemas.RegistrationCreate,
    )
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
    )
    registration_id = result.registration.id
    await Registration.update({Registration.arrival_at: arrival, Registration.departure_at: departure}).where(
        Registration.id == registration_id
    )
    await FundingDecision(registration=registration_id, event=event_id, level=level).save()
    return registration_id


async def give_room(event_id: int, registration_id: int) -> None:
    hotel = Hotel(event=event_id, name="Hotel")
    await hotel.save()
    room_type = RoomType(hotel=hotel.id, name="Single")
    await room_type.save()
    await RoomAllocation(
        registration=registration_id,
        room_type=room_type.id,
        check_in=datetime.date(2027, 10, 11),
        check_out=datetime.date(2027, 10, 15),
        room_label="101",
    ).save()


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


async def actions(action: str) -> list[dict]:
    return (
        await AuditEntry.select()
        .where(AuditEntry.action == action)
        .order_by(AuditEntry.id)
        .output(load_json=True)
    )


@pytest.fixture
async def organiser(event):
    return (await create_account(Role.organiser, event.id)).actor


# --- arithmetic --------------------------------------------------------------------------------------


async def test_four_nights_at_200_with_the_room_provided_is_400(event, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("200", "2027-10-01"))
    # 22:00 UTC on the 10th is 02:00 on the 11th in Baku (UTC+4): the 11th is the arrival night.
    who = await funded(event.id, at("2027-10-10T22:00"), at("2027-10-15T05:00"), level="full")
    result = await dsa.compute(organiser, event.id)
    assert result.problems == []
    (payment,) = result.payments
    assert payment.registration_id == who
    assert (payment.nights, payment.rate, payment.reduction_percent) == (4, Decimal("200.00"), 50)
    assert payment.amount == Decimal("400.00")
    assert payment.currency == "USD"
    assert "Arrival 2027-10-11, departure 2027-10-15" in payment.notes
    assert result.totals == [schemas.DsaTotal("USD", Decimal("400.00"), Decimal("0"))]


async def test_the_room_allocated_and_each_meal_provided_reduce_the_dsa(event, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("180", "2027-10-01"))
    await TravelSettings(
        event=event.id, dsa_accommodation_reduction=50, dsa_breakfast_reduction=6, dsa_lunch_reduction=12
    ).save()
    without_room = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-14T10:00"), family="A")
    with_room = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-14T10:00"), family="B")
    await give_room(event.id, with_room)
    result = await dsa.compute(organiser, event.id)
    by_id = {p.registration_id: p for p in result.payments}
    # 3 nights × 180 = 540; meals 18 % → 442.80; with the room 68 % → 172.80.
    assert (by_id[without_room].reduction_percent, by_id[without_room].amount) == (18, Decimal("442.80"))
    assert (by_id[with_room].reduction_percent, by_id[with_room].amount) == (68, Decimal("172.80"))


async def test_reductions_are_capped_at_everything(event, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("100", "2027-10-01"))
    await TravelSettings(event=event.id, dsa_accommodation_reduction=80, dsa_dinner_reduction=30).save()
    await funded(event.id, at("2027-10-11T10:00"), at("2027-10-12T10:00"), level="full")
    (payment,) = (await dsa.compute(organiser, event.id)).payments
    assert (payment.reduction_percent, payment.amount) == (100, Decimal("0.00"))


async def test_a_rate_published_during_the_stay_counts_from_its_date(event, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("200", "2027-09-01"))
    await dsa_rates.create_rate(SYSTEM, rate("220", "2027-10-13"))
    await dsa_rates.create_rate(SYSTEM, rate("999", "2027-10-01", city="Ganja"))  # another city
    await funded(event.id, at("2027-10-11T10:00"), at("2027-10-15T10:00"), level="full")
    (payment,) = (await dsa.compute(organiser, event.id)).payments
    # Nights of the 11th and 12th at 200, of the 13th and 14th at 220: (400 + 440) × 50 %.
    assert payment.amount == Decimal("420.00")
    assert payment.rate == Decimal("200.00")
    assert "2 night(s) at 200.00 USD" in payment.notes and "2 night(s) at 220.00 USD" in payment.notes


def test_rounding_is_to_the_cent_half_up():
    assert dsa.dsa_amount([Decimal("100.01")], 50) == Decimal("50.01")  # 50.005: half up, not to even
    assert dsa.dsa_amount([Decimal("133.33")] * 3, 5) == Decimal("379.99")  # 379.9905
    assert dsa.dsa_amount([Decimal("0.03")], 50) == Decimal("0.02")  # 0.015
    assert dsa.dsa_amount([Decimal("0.01")], 0) == Decimal("0.01")


# --- problems ----------------------------------------------------------------------------------------


async def test_a_missing_rate_names_the_participant_city_and_date_and_writes_no_amount(event, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("200", "2027-10-13"))
    early = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-15T10:00"), given="Sita", family="Rai")
    result = await dsa.compute(organiser, event.id)
    assert result.payments == []
    (problem,) = result.problems
    assert (problem.registration_id, problem.code) == (early, dsa.MISSING_RATE)
    assert (problem.city, problem.country, problem.date) == ("Baku", "AZE", datetime.date(2027, 10, 11))
    assert "Sita Rai" in problem.message and "Baku" in problem.message and "2027-10-11" in problem.message
    assert not await DsaPayment.exists().where(DsaPayment.registration == early)
    (entry,) = await actions("travel.dsa.computed")
    assert entry["data"]["problems"] == [
        {"registration_id": early, "code": "missing_rate", "date": "2027-10-11"}
    ]
    # The overview reports it as well, without writing.
    assert [p.code for p in (await dsa.overview(organiser, event.id)).problems] == [dsa.MISSING_RATE]


async def test_only_approved_participants_funded_with_dsa_are_computed_and_others_reported(event, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("200", "2027-10-01"))
    await funded(event.id, at("2027-10-11T10:00"), at("2027-10-13T10:00"), level="ticket")
    no_dates = await funded(event.id, None, None, family="Nodates")
    same_day = await funded(event.id, at("2027-10-11T06:00"), at("2027-10-11T18:00"), family="Sameday")
    result = await dsa.compute(organiser, event.id)
    assert result.payments == []
    codes = {p.registration_id: p.code for p in result.problems}
    assert codes == {no_dates: dsa.NO_ITINERARY, same_day: dsa.NO_NIGHTS}


async def test_recomputing_replaces_unpaid_keeps_paid_and_removes_the_no_longer_funded(event, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("200", "2027-10-01"))
    paid = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-13T10:00"), family="Paid")
    unpaid = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-13T10:00"), family="Unpaid")
    dropped = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-13T10:00"), family="Dropped")
    await dsa.compute(organiser, event.id)
    marked = await dsa.mark_paid(organiser, paid)
    assert marked.paid_at is not None and marked.amount == Decimal("400.00")
    with pytest.raises(Conflict):
        await dsa.mark_paid(organiser, paid)
    await Registration.update({Registration.departure_at: at("2027-10-14T10:00")}).where(
        Registration.id.is_in([paid, unpaid])
    )
    await FundingDecision.update({FundingDecision.level: "ticket"}).where(
        FundingDecision.registration == dropped
    )
    result = await dsa.compute(organiser, event.id)
    by_id = {p.registration_id: p for p in result.payments}
    assert set(by_id) == {paid, unpaid}
    assert by_id[paid].amount == Decimal("400.00") and by_id[paid].nights == 2
    assert by_id[unpaid].amount == Decimal("600.00") and by_id[unpaid].nights == 3
    (problem,) = result.problems
    assert (problem.registration_id, problem.code) == (paid, dsa.PAID_DIFFERS)
    assert result.totals == [schemas.DsaTotal("USD", Decimal("1000.00"), Decimal("400.00"))]
    (entry,) = await actions("travel.dsa.paid")
    assert entry["object_id"] == str(paid) and entry["data"]["amount"] == "400.00"
    second = (await actions("travel.dsa.computed"))[-1]
    assert second["data"]["written"] == [unpaid] and second["data"]["removed"] == [dropped]


async def test_a_participant_reads_their_own_dsa_and_nobody_elses(event, organiser):
    from events.auth.principal import Actor

    await dsa_rates.create_rate(SYSTEM, rate("200", "2027-10-01"))
    mine = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-13T10:00"))
    theirs = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-14T10:00"))
    assert await dsa.payment_for(Actor.participant(mine, "R"), mine) is None
    await dsa.compute(organiser, event.id)
    own = await dsa.payment_for(Actor.participant(mine, "R"), mine)
    assert own is not None and own.amount == Decimal("400.00")
    with pytest.raises(PermissionDenied):
        await dsa.payment_for(Actor.participant(mine, "R"), theirs)


async def test_marking_paid_without_a_computation_is_not_found(event, organiser):
    who = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-13T10:00"))
    with pytest.raises(NotFound):
        await dsa.mark_paid(organiser, who)


# --- rates -------------------------------------------------------------------------------------------


async def test_rates_are_checked_and_audited_and_a_duplicate_is_a_conflict(event, organiser):
    created = await dsa_rates.create_rate(SYSTEM, rate("212.5", "2027-10-01", country="az", city="  Baku "))
    assert (created.country, created.city, created.amount) == ("AZE", "Baku", Decimal("212.50"))
    with pytest.raises(Conflict, match=r"(?i)baku \(AZE\) has a DSA rate from 2027-10-01"):
        await dsa_rates.create_rate(SYSTEM, rate("100", "2027-10-01", city="BAKU"))
    for amount, message in (
        ("-5", "more than 0"),
        ("0", "more than 0"),
        ("1.234", "2 decimals"),
        ("NaN", "number"),
    ):
        with pytest.raises(InvalidInput, match=message) as caught:
            await dsa_rates.create_rate(SYSTEM, rate(amount, "2027-11-01"))
        assert caught.value.errors[0].field == "amount"
    with pytest.raises(PermissionDenied):
        await dsa_rates.create_rate(organiser, rate("100", "2027-11-01"))
    assert [r.id for r in await dsa_rates.list_rates(organiser, city="baku")] == [created.id]
    other = await dsa_rates.create_rate(SYSTEM, rate("230", "2027-11-01"))
    with pytest.raises(Conflict):
        await dsa_rates.update_rate(
            SYSTEM, other.id, schemas.DsaRateUpdate(valid_from=datetime.date(2027, 10, 1))
        )
    updated = await dsa_rates.update_rate(SYSTEM, other.id, schemas.DsaRateUpdate(amount=Decimal("235")))
    assert updated.amount == Decimal("235.00")
    await dsa_rates.delete_rate(SYSTEM, other.id)
    assert [e["action"] for e in await AuditEntry.select().where(AuditEntry.object_type == "dsa_rate")] == [
        "travel.dsa.rate_created",
        "travel.dsa.rate_created",
        "travel.dsa.rate_updated",
        "travel.dsa.rate_deleted",
    ]
    (update,) = await actions("travel.dsa.rate_updated")
    assert update["data"] == {
        "before": {"amount": "230.00"},
        "after": {"amount": "235.00"},
        "decisions_repriced": 0,
    }


# --- rights ------------------------------------------------------------------------------------------


async def test_another_events_organiser_is_refused(event, other_organiser, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("200", "2027-10-01"))
    who = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-13T10:00"))
    await dsa.compute(organiser, event.id)
    stranger = other_organiser.actor
    for call in (
        dsa.compute(stranger, event.id),
        dsa.overview(stranger, event.id),
        dsa.mark_paid(stranger, who),
        dsa.payment_sheet(stranger, event.id, "pdf"),
    ):
        with pytest.raises(PermissionDenied):
            await call
    # They read the programme-wide rates, but do not edit them.
    assert len(await dsa_rates.list_rates(stranger)) == 1
    assert await DsaPayment.select(DsaPayment.paid_at).where(DsaPayment.registration == who) == [
        {"paid_at": None}
    ]


# --- the payment sheet -------------------------------------------------------------------------------


async def test_the_payment_sheet_renders_as_xlsx_and_pdf_with_a_signature_column(event, organiser):
    await dsa_rates.create_rate(SYSTEM, rate("200", "2027-10-01"))
    await funded(
        event.id, at("2027-10-10T22:00"), at("2027-10-15T05:00"), level="full", given="Sita", family="Rai"
    )
    await funded(
        event.id,
        at("2027-10-11T10:00"),
        at("2027-10-13T10:00"),
        given="Лейла",
        family="=Алиева",
        latin_name="ALIEVA",
    )
    await dsa.compute(organiser, event.id)
    body, media, filename = await dsa.payment_sheet(organiser, event.id, "xlsx")
    assert media.endswith("spreadsheetml.sheet") and filename.endswith(".xlsx")
    rows = list(load_workbook(io.BytesIO(body)).active.iter_rows(values_only=True))
    assert rows[1] == dsa_sheet_columns()
    # By family name; a name that looks like a formula stays text.
    assert [r[1] for r in rows[2:4]] == ["Лейла =Алиева", "Sita Rai"]
    sita = rows[3]
    assert (sita[3], sita[4], sita[5], sita[6], sita[7]) == (4, 200, 50, 400, "USD")
    assert rows[4][1] == "Total" and rows[4][6] == 800
    pdf, media, _ = await dsa.payment_sheet(organiser, event.id, "pdf")
    assert media == "application/pdf"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    assert "DSA payment sheet" in text and "Signature" in text
    assert "Sita Rai" in text and "Лейла" in text and "400.00" in text and "800.00" in text
    assert [e["data"]["format"] for e in await actions("travel.dsa.sheet_exported")] == ["xlsx", "pdf"]
    with pytest.raises(InvalidInput):
        await dsa.payment_sheet(organiser, event.id, "csv")


def dsa_sheet_columns() -> tuple:
    from events.travel.dsa_sheet import COLUMNS

    return COLUMNS


# --- the API -----------------------------------------------------------------------------------------


async def test_the_api_answers_409_for_a_duplicate_422_for_a_negative_amount_and_403_for_others(
    client, event, programme_organiser, event_organiser, other_organiser
):
    body = {"country": "AZE", "city": "Baku", "valid_from": "2027-10-01", "amount": "200.00"}
    response = await client.post(f"{API}/travel/dsa-rates", json=body, headers=programme_organiser.headers)
    assert response.status_code == 201, response.text
    assert response.json()["amount"] == "200.00"
    again = await client.post(f"{API}/travel/dsa-rates", json=body, headers=programme_organiser.headers)
    assert again.status_code == 409
    negative = {**body, "valid_from": "2027-11-01", "amount": -3}
    refused = await client.post(f"{API}/travel/dsa-rates", json=negative, headers=programme_organiser.headers)
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "amount"
    by_event_organiser = await client.post(
        f"{API}/travel/dsa-rates", json={**body, "valid_from": "2027-12-01"}, headers=event_organiser.headers
    )
    assert by_event_organiser.status_code == 403
    listed = await client.get(f"{API}/travel/dsa-rates", headers=event_organiser.headers)
    assert [r["city"] for r in listed.json()["items"]] == ["Baku"]

    who = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-14T10:00"))
    computed = await client.post(
        f"{API}/events/{event.id}/travel/dsa/compute", headers=event_organiser.headers
    )
    assert computed.status_code == 200, computed.text
    assert [(p["nights"], p["amount"]) for p in computed.json()["payments"]] == [(3, "600.00")]
    for method, url in (
        ("post", f"{API}/events/{event.id}/travel/dsa/compute"),
        ("get", f"{API}/events/{event.id}/travel/dsa/sheet?format=xlsx"),
        ("post", f"{API}/registrations/{who}/travel/dsa/paid"),
    ):
        response = await client.request(method.upper(), url, headers=other_organiser.headers)
        assert response.status_code == 403, url
    sheet = await client.get(
        f"{API}/events/{event.id}/travel/dsa/sheet?format=pdf", headers=event_organiser.headers
    )
    assert sheet.status_code == 200 and sheet.content.startswith(b"%PDF")
    paid = await client.post(f"{API}/registrations/{who}/travel/dsa/paid", headers=event_organiser.headers)
    assert paid.status_code == 200 and paid.json()["paid_at"]
    twice = await client.post(f"{API}/registrations/{who}/travel/dsa/paid", headers=event_organiser.headers)
    assert twice.status_code == 409


# --- the console page --------------------------------------------------------------------------------


async def test_the_console_page_adds_rates_computes_marks_paid_and_downloads(
    client, event, programme_organiser, other_organiser
):
    from tests.test_web import sign_in_organiser

    base = f"/organiser/events/{event.id}/travel/dsa"
    await sign_in_organiser(client, programme_organiser)
    page = await client.get(base)
    assert page.status_code == 200 and "Compute DSA" in page.text and "No DSA rate yet." in page.text
    bad = await client.post(
        f"{base}/rates",
        data={
            "city": "Baku",
            "country": "AZE",
            "valid_from": "2027-10-01",
            "amount": "-200",
            "currency": "USD",
        },
    )
    assert bad.status_code == 422
    assert 'id="field-amount-error"' in bad.text and "Enter an amount above 0" in bad.text, re.findall(
        r"error-message.{0,300}", bad.text
    )
    form = {"city": "Baku", "country": "AZE", "valid_from": "2027-10-01", "amount": "200", "currency": "usd"}
    added = await client.post(f"{base}/rates", data=form)
    assert added.status_code == 303
    again = await client.post(f"{base}/rates", data=form)
    assert again.status_code == 422 and "This city has a rate from this date already." in again.text
    who = await funded(event.id, at("2027-10-11T10:00"), at("2027-10-15T10:00"), level="full", given="Sita")
    missing = await funded(event.id, None, None, given="Tenzin", family="Dorji")
    computed = await client.post(f"{base}/compute")
    assert computed.status_code == 303
    page = await client.get(base)
    assert "400.00 USD" in page.text and "Tenzin Dorji has no arrival or departure date." in page.text
    assert f"{base}/{who}/paid" in page.text and f"{base}/{missing}/paid" not in page.text
    paid = await client.post(f"{base}/{who}/paid")
    assert paid.status_code == 303
    page = await client.get(base)
    assert f"{base}/{who}/paid" not in page.text and "of which paid: 400.00 USD" in page.text
    xlsx = await client.get(f"{base}/sheet.xlsx")
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxml")
    assert (await client.get(f"{base}/sheet.doc")).status_code == 404
    await client.post("/organiser/sign-out")
    await sign_in_organiser(client, other_organiser)
    assert (await client.get(base)).status_code == 403
    assert (await client.post(f"{base}/compute")).status_code == 403
