"""The daily subsistence allowance (DSA) of funded participants: the UN's rates, the computation, payment.

**Rates.** The UN publishes DSA rates per city monthly; a rate (:class:`~events.travel.tables.DsaRate`)
applies from its ``valid_from`` date until the day before the next ``valid_from`` of the same city
(country and city; the city compared without case). The table is programme-wide: programme
organisers keep it, every organiser reads it. Two rates for one city on one date are a conflict (409).

**Who gets DSA.** Approved participants whose funding decision is ``ticket_dsa`` or ``full``, at the
event's city and country (``Event.city``, ``Event.country``).

**Nights.** The rule followed is the UN's "DSA is paid per night spent away": the arrival and
departure instants (``Registration.arrival_at`` / ``departure_at``, which follow the itinerary) are
read as dates in the event's zone, and ``nights = departure date − arrival date``; each night is the
date it starts (arriving on the 11th and leaving on the 15th: the nights of the 11th to the 14th,
four nights). The day of departure, a travel day without a night, earns nothing; a trip without a
night (arriving and leaving on one date) earns no DSA and is reported. Each night takes the rate in
force on its date, so a rate published during the stay counts from its ``valid_from``; ``rate`` on a
payment is the first night's and ``notes`` lists every rate used. A night without a rate is a
problem that names the participant, the city and the date: the participant gets no payment until the
rate is entered (never a silent zero).

**Reductions** (percentages of the rate, per event in ``TravelSettings``): the accommodation
reduction applies when the programme provides the room — the funding level is ``full``, or the
participant was given a room (``RoomAllocation``); each meal's reduction (breakfast, lunch, dinner)
applies when its percentage is above 0, which means "the programme provides this meal every day of
the stay" (set it to 0 when it does not). The percentages add up, capped at 100, and apply to every
night alike.

**Arithmetic and rounding.** Decimal throughout: ``amount = Σ(rate of each night) × (100 − reduction)
/ 100``, rounded once per participant to the cent, half up (0.005 → 0.01). A stay whose nights have
rates in two currencies is reported, not converted.

**Recomputing** replaces the unpaid payments; a paid one never changes (a different figure now is
reported as a problem), and unpaid payments of participants who are no longer eligible, or who now
have a problem, are removed. Rate changes, computations, payments and sheet downloads are audited.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.db.transactions import serialise_on
from events.errors import Conflict, InvalidInput, NotFound
from events.programme.tables import Event
from events.registration.tables import Registration, RegistrationStatus
from events.travel import schemas
from events.travel.dsa_sheet import DsaSheet, SheetRow, render_pdf, render_xlsx
from events.travel.tables import (
    DsaPayment,
    DsaRate,
    FundingDecision,
    FundingLevel,
    RoomAllocation,
    TravelSettings,
)

CENT = Decimal("0.01")
HUNDRED = Decimal(100)
#: The largest amount a Numeric(12, 2) column holds.
MAX_AMOUNT = Decimal("9999999999.99")
#: Funding levels that include the DSA.
DSA_LEVELS = (FundingLevel.ticket_dsa.value, FundingLevel.full.value)
#: Problem codes (stable, for the API and the console's words).
NO_ITINERARY = "no_itinerary"
DEPARTURE_BEFORE_ARRIVAL = "departure_before_arrival"
NO_NIGHTS = "no_nights"
MISSING_RATE = "missing_rate"
MIXED_CURRENCIES = "mixed_currencies"
PAID_DIFFERS = "paid_differs"
PAID_NOT_ELIGIBLE = "paid_not_eligible"


def money(value: Any) -> Decimal:
    """An amount read from the database as cents (SQLite gives ``Decimal("200")`` for 200.00)."""
    return Decimal(value).quantize(CENT)


def is_any_organiser(actor: Actor | None) -> bool:
    if actor is None:
        return False
    ids = actor.organised_event_ids()
    return ids is None or bool(ids)


# --- the computation (pure) ------------------------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    valid_from: datetime.date
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Stay:
    """What the computation needs of one funded participant."""

    registration_id: int
    name: str
    reference: str
    level: str
    arrival: datetime.date | None
    departure: datetime.date | None
    room_provided: bool


@dataclass(frozen=True)
class Reductions:
    """Percentages of ``TravelSettings``."""

    accommodation: int = 50
    breakfast: int = 0
    lunch: int = 0
    dinner: int = 0

    def percent(self, room_provided: bool) -> int:
        meals = self.breakfast + self.lunch + self.dinner
        return min(100, (self.accommodation if room_provided else 0) + meals)


@dataclass(frozen=True)
class Computed:
    registration_id: int
    nights: int
    rate: Decimal
    reduction_percent: int
    amount: Decimal
    currency: str
    notes: str


@dataclass
class Assessment:
    computed: dict[int, Computed] = field(default_factory=dict)
    problems: list[schemas.DsaProblem] = field(default_factory=list)


def rate_on(rates: list[Rate], night: datetime.date) -> Rate | None:
    """The rate in force on ``night``: the latest ``valid_from`` on or before it (``rates`` sorted)."""
    found = None
    for rate in rates:
        if rate.valid_from <= night:
            found = rate
        else:
            break
    return found


def dsa_amount(night_rates: list[Decimal], reduction_percent: int) -> Decimal:
    """Σ rates × (100 − reduction) / 100, rounded to the cent half up, once."""
    gross = sum(night_rates, Decimal(0))
    return (gross * (HUNDRED - Decimal(reduction_percent)) / HUNDRED).quantize(CENT, rounding=ROUND_HALF_UP)


def assess(
    stays: list[Stay], rates: list[Rate], reductions: Reductions, city: str, country: str
) -> Assessment:
    """Each stay's DSA, or the problem that keeps it from being computed."""
    rates = sorted(rates, key=lambda r: r.valid_from)
    out = Assessment()

    def problem(stay: Stay, code: str, message: str, date: datetime.date | None = None) -> None:
        out.problems.append(
            schemas.DsaProblem(
                registration_id=stay.registration_id,
                name=stay.name,
                reference=stay.reference,
                code=code,
                message=message,
                city=city,
                country=country,
                date=date,
            )
        )

    for stay in stays:
        if stay.arrival is None or stay.departure is None:
            problem(stay, NO_ITINERARY, f"{stay.name} has no arrival or departure date")
            continue
        if stay.departure < stay.arrival:
            problem(stay, DEPARTURE_BEFORE_ARRIVAL, f"{stay.name} leaves before arriving")
            continue
        nights = (stay.departure - stay.arrival).days
        if nights == 0:
            problem(stay, NO_NIGHTS, f"{stay.name} arrives and leaves on {stay.arrival}: no night, no DSA")
            continue
        used: list[Rate] = []
        missing = None
        for n in range(nights):
            night = stay.arrival + datetime.timedelta(days=n)
            rate = rate_on(rates, night)
            if rate is None:
                missing = night
                break
            used.append(rate)
        if missing is not None:
            problem(
                stay,
                MISSING_RATE,
                f"No DSA rate for {city} ({country}) on {missing.isoformat()}: {stay.name}'s DSA "
                "cannot be computed until it is entered",
                missing,
            )
            continue
        currencies = {rate.currency for rate in used}
        if len(currencies) > 1:
            problem(
                stay,
                MIXED_CURRENCIES,
                f"{stay.name}'s nights have DSA rates in {', '.join(sorted(currencies))}",
            )
            continue
        percent = reductions.percent(stay.room_provided)
        amount = dsa_amount([rate.amount for rate in used], percent)
        notes = _notes(stay, used)
        out.computed[stay.registration_id] = Computed(
            registration_id=stay.registration_id,
            nights=nights,
            rate=used[0].amount,
            reduction_percent=percent,
            amount=amount,
            currency=used[0].currency,
            notes=notes,
        )
    return out


def _notes(stay: Stay, used: list[Rate]) -> str:
    assert stay.arrival is not None and stay.departure is not None
    groups: list[tuple[Rate, int]] = []
    for rate in used:
        if groups and groups[-1][0] == rate:
            groups[-1] = (rate, groups[-1][1] + 1)
        else:
            groups.append((rate, 1))
    parts = [
        f"{count} night(s) at {rate.amount} {rate.currency} (rate from {rate.valid_from.isoformat()})"
        for rate, count in groups
    ]
    return f"Arrival {stay.arrival.isoformat()}, departure {stay.departure.isoformat()}: " + "; ".join(parts)


# --- reading what the computation needs ---------------------------------------------------------------


def person_name(row: dict, prefix: str = "") -> str:
    return " ".join(
        part for part in (row[f"{prefix}given_names"].strip(), row[f"{prefix}family_name"].strip()) if part
    )


def _local_date(value: datetime.datetime | None, zone: ZoneInfo) -> datetime.date | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    return value.astimezone(zone).date()


async def _event(event_id: int) -> dict:
    row = (
        await Event.select(Event.id, Event.title, Event.city, Event.country, Event.time_zone)
        .where(Event.id == event_id)
        .first()
    )
    if row is None:
        raise NotFound(f"No event with id {event_id}")
    return row


async def _reductions(event_id: int) -> Reductions:
    row = await TravelSettings.select().where(TravelSettings.event == event_id).first()
    if row is None:
        return Reductions()
    return Reductions(
        accommodation=row["dsa_accommodation_reduction"],
        breakfast=row["dsa_breakfast_reduction"],
        lunch=row["dsa_lunch_reduction"],
        dinner=row["dsa_dinner_reduction"],
    )


async def _city_rates(city: str, country: str) -> list[Rate]:
    rows = await DsaRate.select().where(DsaRate.country == country)
    return sorted(
        (
            Rate(row["valid_from"], money(row["amount"]), row["currency"])
            for row in rows
            if row["city"].casefold() == city.strip().casefold()
        ),
        key=lambda r: r.valid_from,
    )


async def _stays(event_id: int, zone: ZoneInfo) -> list[Stay]:
    r = FundingDecision.registration
    rows = await FundingDecision.select(
        FundingDecision.level,
        r.id.as_alias("registration_id"),
        r.reference.as_alias("reference"),
        r.given_names.as_alias("given_names"),
        r.family_name.as_alias("family_name"),
        r.arrival_at.as_alias("arrival_at"),
        r.departure_at.as_alias("departure_at"),
    ).where(
        FundingDecision.event == event_id,
        FundingDecision.level.is_in(list(DSA_LEVELS)),
        r.status == RegistrationStatus.approved.value,
    )
    ids = [row["registration_id"] for row in rows]
    with_room = set()
    if ids:
        allocated = await RoomAllocation.select(RoomAllocation.registration).where(
            RoomAllocation.registration.is_in(ids)
        )
        with_room = {row["registration"] for row in allocated}
    stays = [
        Stay(
            registration_id=row["registration_id"],
            name=person_name(row),
            reference=row["reference"],
            level=row["level"],
            arrival=_local_date(row["arrival_at"], zone),
            departure=_local_date(row["departure_at"], zone),
            room_provided=row["level"] == FundingLevel.full.value or row["registration_id"] in with_room,
        )
        for row in rows
    ]
    return sorted(stays, key=lambda s: (s.name.casefold(), s.registration_id))


async def _assessment(event: dict) -> tuple[Assessment, set[int]]:
    """The computation as things stand, and who is eligible."""
    stays = await _stays(event["id"], ZoneInfo(event["time_zone"]))
    assessment = assess(
        stays,
        await _city_rates(event["city"], event["country"]),
        await _reductions(event["id"]),
        event["city"],
        event["country"],
    )
    return assessment, {s.registration_id for s in stays}


def _expected_dates(registration: dict, event: dict) -> tuple[datetime.date, datetime.date]:
    """The arrival and departure dates an estimate counts: the itinerary's, read in the event's zone,
    or before it is booked the day before the event starts and the day after it ends."""
    zone = ZoneInfo(event["time_zone"])
    one_day = datetime.timedelta(days=1)
    return (
        _local_date(registration["arrival_at"], zone) or event["start_date"] - one_day,
        _local_date(registration["departure_at"], zone) or event["end_date"] + one_day,
    )


async def expected_stay(registration_id: int) -> tuple[datetime.date, datetime.date] | None:
    """The arrival and departure dates the funding estimates count (see :func:`estimate`); ``None``
    for an unknown registration."""
    registration = (
        await Registration.select(Registration.event, Registration.arrival_at, Registration.departure_at)
        .where(Registration.id == registration_id)
        .first()
    )
    if registration is None:
        return None
    event = (
        await Event.select(Event.time_zone, Event.start_date, Event.end_date)
        .where(Event.id == registration["event"])
        .first()
    )
    return _expected_dates(registration, event)


async def estimate(registration_id: int, level: str) -> Decimal:
    """The DSA a funding decision commits, for the event's budget (``events.travel.funding``): the
    participant's nights from their itinerary, or, before it is booked, from the day before the event
    starts to the day after it ends; the city's rates; the event's reductions (the room provided at
    level ``full`` or when one is allocated). 0 when the level carries no DSA or no rate covers the
    nights yet (the DSA page names the missing rate). Amounts are taken as the budget's currency."""
    if level not in DSA_LEVELS:
        return Decimal(0)
    registration = (
        await Registration.select(
            Registration.event,
            Registration.reference,
            Registration.given_names,
            Registration.family_name,
            Registration.arrival_at,
            Registration.departure_at,
        )
        .where(Registration.id == registration_id)
        .first()
    )
    if registration is None:
        return Decimal(0)
    event = (
        await Event.select(
            Event.id, Event.city, Event.country, Event.time_zone, Event.start_date, Event.end_date
        )
        .where(Event.id == registration["event"])
        .first()
    )
    arrival, departure = _expected_dates(registration, event)
    stay = Stay(
        registration_id=registration_id,
        name=person_name(registration),
        reference=registration["reference"],
        level=level,
        arrival=arrival,
        departure=departure,
        room_provided=level == FundingLevel.full.value
        or await RoomAllocation.exists().where(RoomAllocation.registration == registration_id),
    )
    assessment = assess(
        [stay],
        await _city_rates(event["city"], event["country"]),
        await _reductions(event["id"]),
        event["city"],
        event["country"],
    )
    computed = assessment.computed.get(registration_id)
    return computed.amount if computed else Decimal(0)


# --- payments --------------------------------------------------------------------------------------


async def _payment_rows(event_id: int) -> list[dict]:
    r = DsaPayment.registration
    rows = await DsaPayment.select(
        DsaPayment.all_columns(),
        r.reference.as_alias("reference"),
        r.given_names.as_alias("given_names"),
        r.family_name.as_alias("family_name"),
        r.latin_name.as_alias("latin_name"),
    ).where(DsaPayment.event == event_id)
    return sorted(
        rows, key=lambda row: (row["family_name"].casefold(), row["given_names"].casefold(), row["id"])
    )


def _payment(row: dict) -> schemas.DsaPayment:
    return schemas.DsaPayment(
        registration_id=row["registration"],
        event_id=row["event"],
        name=person_name(row),
        reference=row["reference"],
        nights=row["nights"],
        rate=money(row["rate"]),
        reduction_percent=row["reduction_percent"],
        amount=money(row["amount"]),
        currency=row["currency"],
        computed_at=row["computed_at"],
        paid_at=row["paid_at"],
        notes=row["notes"],
    )


def _totals(payments: list[schemas.DsaPayment]) -> list[schemas.DsaTotal]:
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    paid: dict[str, Decimal] = defaultdict(Decimal)
    for payment in payments:
        amounts[payment.currency] += payment.amount
        if payment.paid_at is not None:
            paid[payment.currency] += payment.amount
    return [
        schemas.DsaTotal(currency=c, amount=amounts[c].quantize(CENT), paid=paid[c].quantize(CENT))
        for c in sorted(amounts)
    ]


def _paid_problems(rows: list[dict], assessment: Assessment, eligible: set[int]) -> list[schemas.DsaProblem]:
    """Paid payments never change: say where the figure would now differ, or the person no longer qualifies."""
    problems = []
    for row in rows:
        if row["paid_at"] is None:
            continue
        name = person_name(row)
        common = {"registration_id": row["registration"], "name": name, "reference": row["reference"]}
        if row["registration"] not in eligible:
            problems.append(
                schemas.DsaProblem(
                    **common,
                    code=PAID_NOT_ELIGIBLE,
                    message=f"{name} was paid {money(row['amount'])} {row['currency']} but no longer has DSA funding",
                )
            )
            continue
        new = assessment.computed.get(row["registration"])
        if new is not None and _figures(new) != _figures_of_row(row):
            problems.append(
                schemas.DsaProblem(
                    **common,
                    code=PAID_DIFFERS,
                    message=f"{name} was paid {money(row['amount'])} {row['currency']}; the DSA would now be "
                    f"{new.amount} {new.currency} ({new.nights} night(s))",
                )
            )
    return problems


def _figures(computed: Computed) -> tuple:
    return (computed.nights, computed.rate, computed.reduction_percent, computed.amount, computed.currency)


def _figures_of_row(row: dict) -> tuple:
    return (
        row["nights"],
        money(row["rate"]),
        row["reduction_percent"],
        money(row["amount"]),
        row["currency"],
    )


async def _overview(event: dict, assessment: Assessment, eligible: set[int]) -> schemas.DsaOverview:
    rows = await _payment_rows(event["id"])
    payments = [_payment(row) for row in rows]
    return schemas.DsaOverview(
        event_id=event["id"],
        city=event["city"],
        country=event["country"],
        payments=payments,
        problems=[*assessment.problems, *_paid_problems(rows, assessment, eligible)],
        totals=_totals(payments),
    )


async def overview(actor: Actor, event_id: int) -> schemas.DsaOverview:
    """The payments as last computed, and the problems as things stand now (nothing written)."""
    actor.require_organiser(event_id)
    event = await _event(event_id)
    assessment, eligible = await _assessment(event)
    return await _overview(event, assessment, eligible)


async def compute(actor: Actor, event_id: int) -> schemas.DsaOverview:
    """Work out the DSA of every eligible participant and store it (unpaid payments replaced)."""
    actor.require_organiser(event_id)
    async with write_transaction():
        event = await _event(event_id)
        await serialise_on(f"dsa-payments:{event_id}")
        assessment, eligible = await _assessment(event)
        existing = {
            row["registration"]: row for row in await DsaPayment.select().where(DsaPayment.event == event_id)
        }
        moment = now()
        written, unchanged, removed = [], 0, []
        for registration_id, computed in assessment.computed.items():
            row = existing.get(registration_id)
            values = {
                "nights": computed.nights,
                "rate": computed.rate,
                "reduction_percent": computed.reduction_percent,
                "amount": computed.amount,
                "currency": computed.currency,
                "notes": computed.notes,
            }
            if row is None:
                await DsaPayment(
                    registration=registration_id, event=event_id, computed_at=moment, **values
                ).save()
                written.append(registration_id)
            elif row["paid_at"] is not None:
                continue
            elif _figures(computed) != _figures_of_row(row) or row["notes"] != computed.notes:
                await DsaPayment.update({**values, "computed_at": moment}).where(DsaPayment.id == row["id"])
                written.append(registration_id)
            else:
                unchanged += 1
        for registration_id, row in existing.items():
            if row["paid_at"] is None and registration_id not in assessment.computed:
                removed.append(registration_id)
        if removed:
            await DsaPayment.delete().where(
                DsaPayment.event == event_id, DsaPayment.registration.is_in(removed)
            )
        await record(
            actor,
            "travel.dsa.computed",
            "event",
            event_id,
            event_id=event_id,
            data={
                "written": sorted(written),
                "unchanged": unchanged,
                "removed": sorted(removed),
                "problems": [
                    {
                        "registration_id": p.registration_id,
                        "code": p.code,
                        "date": p.date.isoformat() if p.date else None,
                    }
                    for p in assessment.problems
                ],
            },
        )
        return await _overview(event, assessment, eligible)


async def mark_paid(actor: Actor, registration_id: int) -> schemas.DsaPayment:
    """The participant signed for their DSA: the payment is paid and never recomputed."""
    row = await DsaPayment.select(DsaPayment.event).where(DsaPayment.registration == registration_id).first()
    if row is None:
        # Who may not see the event learns nothing more than "not found" either way.
        raise NotFound(f"Registration {registration_id} has no DSA computed")
    actor.require_organiser(row["event"])
    async with write_transaction():
        await serialise_on(f"dsa-payments:{row['event']}")
        current = await DsaPayment.select().where(DsaPayment.registration == registration_id).first()
        if current is None:
            raise NotFound(f"Registration {registration_id} has no DSA computed")
        if current["paid_at"] is not None:
            raise Conflict(f"This DSA was marked paid on {current['paid_at']:%Y-%m-%d %H:%M} UTC already")
        moment = now()
        await DsaPayment.update({DsaPayment.paid_at: moment}).where(DsaPayment.id == current["id"])
        await record(
            actor,
            "travel.dsa.paid",
            "registration",
            registration_id,
            event_id=current["event"],
            data={
                "amount": str(money(current["amount"])),
                "currency": current["currency"],
                "nights": current["nights"],
            },
        )
    rows = [r for r in await _payment_rows(current["event"]) if r["registration"] == registration_id]
    return _payment(rows[0])


async def payment_for(actor: Actor, registration_id: int) -> schemas.DsaPayment | None:
    """One participant's DSA as last computed (``None`` before), for the participant's own view
    (a participant actor of that registration) or an organiser of its event."""
    row = await DsaPayment.select(DsaPayment.event).where(DsaPayment.registration == registration_id).first()
    if row is None:
        return None
    if actor.registration_id != registration_id:
        actor.require_organiser(row["event"])
    rows = [r for r in await _payment_rows(row["event"]) if r["registration"] == registration_id]
    return _payment(rows[0]) if rows else None


# --- the payment sheet -----------------------------------------------------------------------------

SHEET_FORMATS = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def payment_sheet(actor: Actor, event_id: int, format: str) -> tuple[bytes, str, str]:
    """The event's DSA payment sheet, a signature line per participant: (body, media type, file name).
    Audited: it carries names and amounts."""
    actor.require_organiser(event_id)
    if format not in SHEET_FORMATS:
        raise InvalidInput.field("format", "must be pdf or xlsx")
    event = await _event(event_id)
    rows = await _payment_rows(event_id)
    sheet = DsaSheet(
        event=event["title"],
        city=event["city"],
        country=event["country"],
        generated_at=now().astimezone(ZoneInfo(event["time_zone"])),
        rows=tuple(
            SheetRow(
                name=person_name(row),
                latin_name=row["latin_name"],
                reference=row["reference"],
                nights=row["nights"],
                rate=money(row["rate"]),
                reduction_percent=row["reduction_percent"],
                amount=money(row["amount"]),
                currency=row["currency"],
                paid_at=row["paid_at"].astimezone(ZoneInfo(event["time_zone"])).date()
                if row["paid_at"]
                else None,
            )
            for row in rows
        ),
    )
    body = render_pdf(sheet) if format == "pdf" else render_xlsx(sheet)
    async with write_transaction():
        await record(
            actor,
            "travel.dsa.sheet_exported",
            "event",
            event_id,
            event_id=event_id,
            data={"format": format, "rows": len(rows)},
        )
    return body, SHEET_FORMATS[format], f"dsa-payment-sheet-event-{event_id}.{format}"
