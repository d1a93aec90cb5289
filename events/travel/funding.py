"""Funding: the event's travel settings, fare estimates, a decision per registration and the budget.

Rules:

- Only **approved** registrations get a decision (others: 409). A decision replaces the previous one;
  each is audited (``travel.funding.decided``) with the level, the previous level, the reason and who
  decided. A **reason is required for ``not_funded``**: a refusal is always explained.
- The **country of departure** is the registration's ``country_represented`` (officials travel from
  the country they represent; their nationality may differ and is shown beside it, not used).
- **Estimated cost** of a decision: 0 when not funded; else the fare estimate of the country of
  departure (0, flagged ``fare_missing``, when there is none) plus, for ``ticket_dsa`` and ``full``,
  the DSA estimate of :func:`dsa_estimate` (nights × the city's rates less the reductions; 0
  until a rate covers the nights), plus, for ``full``, the hotel of :func:`hotel_estimate` (nights ×
  the room type's nightly rate; 0 until a room type is priced). A decision is re-priced when it is
  made again, when a DSA rate of its event's city is added, changed or deleted (:func:`reprice_dsa`),
  and when the event's room types, their rates or the rooms given out change (:func:`reprice_rooms`).
  Editing or removing a fare estimate re-prices the decisions from that country in the same
  transaction, so the committed total always follows the fares as they stand.
- **Committed** = the sum of the estimated costs of the decisions of registrations still approved
  (a cancelled participant frees their share). A decision that takes the committed total over the
  budget is saved all the same; the answer says ``over_budget`` and the console shows it in red.
- Money is ``Decimal`` with at most two decimals, from 0 to :data:`MAX_AMOUNT`; bad amounts and
  unknown levels are a 422 naming the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from msgspec import UNSET

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.db.transactions import locked
from events.errors import Conflict, InvalidInput, NotFound
from events.programme import services as programme_services
from events.programme.tables import Event
from events.reference.services import normalise_country
from events.registration.tables import Registration, RegistrationStatus
from events.travel import dsa, schemas
from events.travel.tables import (
    FareEstimate,
    FundingDecision,
    FundingLevel,
    RoomAllocation,
    RoomType,
    TravelSettings,
)

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("9999999999.99")
LEVELS = [level.value for level in FundingLevel]
#: Levels whose cost includes the ticket, and the DSA.
TICKET_LEVELS = frozenset({FundingLevel.ticket, FundingLevel.ticket_dsa, FundingLevel.full})
DSA_LEVELS = frozenset({FundingLevel.ticket_dsa, FundingLevel.full})
#: Levels whose cost includes the hotel room.
HOTEL_LEVELS = frozenset({FundingLevel.full})
SETTINGS_FIELDS = (
    "currency",
    "budget",
    "airport",
    "transfer_window_minutes",
    "transfer_wait_minutes",
    "dsa_accommodation_reduction",
    "dsa_breakfast_reduction",
    "dsa_lunch_reduction",
    "dsa_dinner_reduction",
)


def money(field: str, value: Decimal | str | int) -> Decimal:
    """``value`` as an amount with two decimals, or a 422 naming ``field``."""
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidInput.field(field, "must be an amount such as 850.00") from None
    if not amount.is_finite():
        raise InvalidInput.field(field, "must be an amount such as 850.00")
    if amount < 0 or amount > MAX_AMOUNT:
        raise InvalidInput.field(field, f"must be from 0 to {MAX_AMOUNT}")
    if amount != amount.quantize(CENT):
        raise InvalidInput.field(field, "must have at most two decimals")
    return amount.quantize(CENT)


def _amount(value) -> Decimal:
    """A stored Numeric (SQLite may hand back a float or a string) as an exact two-decimal Decimal."""
    if value is None:
        return ZERO
    return Decimal(str(value)).quantize(CENT)


def _level(value: str) -> FundingLevel:
    try:
        return FundingLevel(value)
    except ValueError:
        raise InvalidInput.field("level", f"must be one of {', '.join(LEVELS)}") from None


# --- settings --------------------------------------------------------------------------------------


def _defaults(event_id: int) -> dict:
    """The settings an event has before an organiser saves any: the table's defaults."""
    row = TravelSettings(event=event_id)
    return {name: getattr(row, name) for name in SETTINGS_FIELDS} | {"updated_at": None}


async def _settings_row(event_id: int) -> dict:
    row = await TravelSettings.select().where(TravelSettings.event == event_id).first()
    return row if row is not None else _defaults(event_id)


def _settings(event_id: int, row: dict) -> schemas.TravelSettings:
    return schemas.TravelSettings(
        event_id=event_id,
        currency=row["currency"],
        budget=_amount(row["budget"]),
        airport=row["airport"],
        transfer_window_minutes=row["transfer_window_minutes"],
        transfer_wait_minutes=row["transfer_wait_minutes"],
        dsa_accommodation_reduction=row["dsa_accommodation_reduction"],
        dsa_breakfast_reduction=row["dsa_breakfast_reduction"],
        dsa_lunch_reduction=row["dsa_lunch_reduction"],
        dsa_dinner_reduction=row["dsa_dinner_reduction"],
        updated_at=row["updated_at"],
    )


async def settings_for(event_id: int) -> schemas.TravelSettings:
    """The event's travel settings (read by every travel task); the defaults when none were saved."""
    await programme_services.get_event_row(event_id)
    return _settings(event_id, await _settings_row(event_id))


async def _lock_settings(event_id: int) -> dict:
    """The settings row, created with the defaults if missing, locked: changes to the event's funding
    (decisions, fares, the budget) queue on it so the committed total is never raced."""
    row = await locked(TravelSettings.select().where(TravelSettings.event == event_id)).first()
    if row is None:
        await TravelSettings.insert(TravelSettings(event=event_id, updated_at=now()))
        row = await locked(TravelSettings.select().where(TravelSettings.event == event_id)).first()
    return row


async def update_settings(
    actor: Actor, event_id: int, data: schemas.TravelSettingsUpdate
) -> schemas.TravelSettings:
    actor.require_organiser(event_id)
    values = {name: getattr(data, name) for name in SETTINGS_FIELDS if getattr(data, name) is not UNSET}
    if "budget" in values:
        values["budget"] = money("budget", values["budget"])
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        current = await _lock_settings(event_id)
        changed = {name: value for name, value in values.items() if _differs(current[name], value)}
        if changed:
            await TravelSettings.update({**changed, "updated_at": now()}).where(
                TravelSettings.event == event_id
            )
        if "currency" in changed:  # which room rates can be added to the budget changed
            await reprice_rooms(event_id)
        await record(
            actor,
            "travel.funding.settings_updated",
            "event",
            event_id,
            event_id=event_id,
            data={
                "fields": sorted(changed),
                **({"budget": str(changed["budget"])} if "budget" in changed else {}),
            },
        )
    return await settings_for(event_id)


def _differs(stored, value) -> bool:
    if isinstance(value, Decimal):
        return _amount(stored) != value
    return stored != value


# --- fare estimates --------------------------------------------------------------------------------


async def list_fares(actor: Actor, event_id: int) -> list[schemas.FareEstimate]:
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    currency = (await _settings_row(event_id))["currency"]
    rows = await FareEstimate.select().where(FareEstimate.event == event_id).order_by(FareEstimate.country)
    return [_fare(row, currency) for row in rows]


def _fare(row: dict, currency: str) -> schemas.FareEstimate:
    return schemas.FareEstimate(
        country=row["country"], amount=_amount(row["amount"]), currency=currency, updated_at=row["updated_at"]
    )


async def set_fare_estimate(
    actor: Actor, event_id: int, country: str, amount: Decimal | str
) -> schemas.FareEstimate:
    """Set the return fare from ``country`` (alpha-2 or alpha-3); the decisions of participants
    departing from there are re-priced."""
    actor.require_organiser(event_id)
    code = normalise_country(country)
    value = money("amount", amount)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        settings = await _lock_settings(event_id)
        where = (FareEstimate.event == event_id, FareEstimate.country == code)
        previous = await FareEstimate.select(FareEstimate.amount).where(*where).first()
        if previous is None:
            await FareEstimate.insert(
                FareEstimate(event=event_id, country=code, amount=value, updated_at=now())
            )
        else:
            await FareEstimate.update({FareEstimate.amount: value, FareEstimate.updated_at: now()}).where(
                *where
            )
        repriced = await _reprice(event_id, code, value)
        await record(
            actor,
            "travel.funding.fare_set",
            "event",
            event_id,
            event_id=event_id,
            data={
                "country": code,
                "amount": str(value),
                "previous": None if previous is None else str(_amount(previous["amount"])),
                "decisions_repriced": repriced,
            },
        )
        row = await FareEstimate.select().where(*where).first()
    return _fare(row, settings["currency"])


async def remove_fare_estimate(actor: Actor, event_id: int, country: str) -> None:
    actor.require_organiser(event_id)
    code = normalise_country(country)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        await _lock_settings(event_id)
        where = (FareEstimate.event == event_id, FareEstimate.country == code)
        previous = await FareEstimate.select(FareEstimate.amount).where(*where).first()
        if previous is None:
            raise NotFound(f"Event {event_id} has no fare estimate for {code}")
        await FareEstimate.delete().where(*where)
        repriced = await _reprice(event_id, code, None)
        await record(
            actor,
            "travel.funding.fare_removed",
            "event",
            event_id,
            event_id=event_id,
            data={
                "country": code,
                "previous": str(_amount(previous["amount"])),
                "decisions_repriced": repriced,
            },
        )


async def _reprice(event_id: int, country: str, fare: Decimal | None) -> int:
    """New estimated costs for the event's decisions of participants departing from ``country``."""
    rows = await FundingDecision.select(
        FundingDecision.id, FundingDecision.level, FundingDecision.registration
    ).where(
        FundingDecision.event == event_id,
        FundingDecision.registration.country_represented == country,
    )
    for row in rows:
        await _store_cost(row, fare)
    return len(rows)


async def _store_cost(row: dict, fare: Decimal | None) -> None:
    """A decision's estimated cost worked out again (``row``: its id, level and registration)."""
    parts = await priced(row["registration"], FundingLevel(row["level"]), fare)
    await FundingDecision.update(_cost_values(parts)).where(FundingDecision.id == row["id"])


def _cost_values(parts: CostParts) -> dict:
    return {
        "estimated_cost": parts.total,
        "ticket_cost": parts.ticket,
        "dsa_cost": parts.dsa,
        "hotel_cost": parts.hotel,
    }


async def reprice_dsa(country: str, city: str) -> int:
    """New estimated costs for the decisions with DSA of the events held in ``city`` (a rate of that
    city changed): called by :mod:`events.travel.dsa_rates` inside its transaction."""
    events = [
        row["id"]
        for row in await Event.select(Event.id, Event.city).where(Event.country == country)
        if (row["city"] or "").strip().casefold() == city.strip().casefold()
    ]
    if not events:
        return 0
    rows = await FundingDecision.select(
        FundingDecision.id,
        FundingDecision.event,
        FundingDecision.level,
        FundingDecision.registration,
        FundingDecision.registration.country_represented.as_alias("country"),
    ).where(
        FundingDecision.event.is_in(events),
        FundingDecision.level.is_in([level.value for level in DSA_LEVELS]),
    )
    for row in rows:
        await _store_cost(row, await _fare_for(row["event"], row["country"]))
    return len(rows)


async def reprice_rooms(event_id: int) -> int:
    """New estimated costs for the event's decisions that include the hotel (a room type was added,
    priced or deleted, or the rooms were given out again): called by :mod:`events.travel.hotels`
    and :mod:`events.travel.allocation` inside their transaction."""
    return await reprice_event(event_id, HOTEL_LEVELS)


async def reprice_event(event_id: int, levels: frozenset[FundingLevel] | None = None) -> int:
    """New estimated costs for the event's decisions (only those at ``levels`` when given), read
    against the event's fares once: a bulk change, such as the rooms given out or the demo's."""
    fares = await _fares(event_id)
    query = FundingDecision.select(
        FundingDecision.id,
        FundingDecision.level,
        FundingDecision.registration,
        FundingDecision.registration.country_represented.as_alias("country"),
    ).where(FundingDecision.event == event_id)
    if levels is not None:
        query = query.where(FundingDecision.level.is_in([level.value for level in levels]))
    rows = await query
    for row in rows:
        await _store_cost(row, fares.get(row["country"]))
    return len(rows)


# --- decisions -------------------------------------------------------------------------------------


async def dsa_estimate(registration_id: int, level: str) -> Decimal:
    """The DSA counted in a decision's estimated cost (levels ``ticket_dsa`` and ``full``): the
    expected allowance from the DSA rules (:func:`events.travel.dsa.estimate`)."""
    return await dsa.estimate(registration_id, level)


async def hotel_estimate(registration_id: int, level: str) -> Decimal:
    """The hotel counted in a decision's estimated cost (level ``full``).

    With a room given out: its nights × its room type's nightly rate, shared equally by the people
    in that room. Before: the nights of the stay as the DSA estimate counts them
    (:func:`events.travel.dsa.expected_stay`) × the lowest nightly rate among the event's room
    types, a room each (what the programme pays at least). Only rates in the budget's currency
    count, since they are added to it; 0 when no room type is priced yet."""
    if level not in HOTEL_LEVELS:
        return ZERO
    registration = (
        await Registration.select(Registration.event).where(Registration.id == registration_id).first()
    )
    if registration is None:
        return ZERO
    currency = (await _settings_row(registration["event"]))["currency"]
    given = (
        await RoomAllocation.select(
            RoomAllocation.room_type,
            RoomAllocation.room_label,
            RoomAllocation.check_in,
            RoomAllocation.check_out,
            RoomAllocation.room_type.nightly_rate.as_alias("rate"),
            RoomAllocation.room_type.currency.as_alias("currency"),
        )
        .where(RoomAllocation.registration == registration_id)
        .first()
    )
    if given is not None:
        if given["rate"] is None or given["currency"] != currency:
            return ZERO
        sharing = await RoomAllocation.count().where(
            RoomAllocation.room_type == given["room_type"], RoomAllocation.room_label == given["room_label"]
        )
        nights = (given["check_out"] - given["check_in"]).days
        return (_amount(given["rate"]) * nights / max(sharing, 1)).quantize(CENT, rounding=ROUND_HALF_UP)
    rates = [
        _amount(row["nightly_rate"])
        for row in await RoomType.select(RoomType.nightly_rate, RoomType.currency).where(
            RoomType.hotel.event == registration["event"], RoomType.nightly_rate.is_not_null()
        )
        if row["currency"] == currency
    ]
    stay = await dsa.expected_stay(registration_id)
    if not rates or stay is None:
        return ZERO
    arrival, departure = stay
    return (min(rates) * max((departure - arrival).days, 0)).quantize(CENT)


@dataclass(frozen=True)
class CostParts:
    """What a decision commits, by part; each part 0 when the level does not include it."""

    ticket: Decimal = ZERO
    dsa: Decimal = ZERO
    hotel: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return (self.ticket + self.dsa + self.hotel).quantize(CENT)

    def __add__(self, other: CostParts) -> CostParts:
        return CostParts(self.ticket + other.ticket, self.dsa + other.dsa, self.hotel + other.hotel)


def cost_parts(level: FundingLevel, fare: Decimal | None, dsa: Decimal, hotel: Decimal = ZERO) -> CostParts:
    """What a decision commits: nothing when not funded, the fare for a ticket (0 while the country
    has no estimate), plus the DSA, plus the hotel, as the level says."""
    return CostParts(
        ticket=(fare if fare is not None and level in TICKET_LEVELS else ZERO).quantize(CENT),
        dsa=(dsa if level in DSA_LEVELS else ZERO).quantize(CENT),
        hotel=(hotel if level in HOTEL_LEVELS else ZERO).quantize(CENT),
    )


async def priced(registration_id: int, level: FundingLevel, fare: Decimal | None) -> CostParts:
    """The parts of a decision at ``level`` for the registration, as the estimates stand now."""
    return cost_parts(
        level,
        fare,
        await dsa_estimate(registration_id, level.value),
        await hotel_estimate(registration_id, level.value),
    )


async def _fare_for(event_id: int, country: str) -> Decimal | None:
    row = (
        await FareEstimate.select(FareEstimate.amount)
        .where(FareEstimate.event == event_id, FareEstimate.country == country)
        .first()
    )
    return None if row is None else _amount(row["amount"])


async def decide(
    actor: Actor, registration_id: int, level: str, reason: str = "", *, event_id: int | None = None
) -> schemas.DecisionResult:
    """Record what the programme pays for an approved registration (replacing an earlier decision);
    ``event_id``, when given, is the event the registration must belong to (a page's URL)."""
    registration = (
        await Registration.select(
            Registration.id, Registration.event, Registration.status, Registration.country_represented
        )
        .where(Registration.id == registration_id)
        .first()
    )
    if registration is None or event_id not in (None, registration["event"]):
        raise NotFound(f"No registration with id {registration_id}")
    event_id = registration["event"]
    actor.require_organiser(event_id)
    chosen = _level(level)
    reason = (reason or "").strip()
    if len(reason) > 500:
        raise InvalidInput.field("reason", "must be at most 500 characters")
    if chosen == FundingLevel.not_funded and not reason:
        raise InvalidInput.field("reason", "say why the participant is not funded")
    async with write_transaction():
        await _lock_settings(event_id)
        current = (
            await Registration.select(Registration.status).where(Registration.id == registration_id).first()
        )
        if current["status"] != RegistrationStatus.approved:
            raise Conflict(
                f"Only approved registrations get a funding decision; this one is {current['status']}"
            )
        fare = await _fare_for(event_id, registration["country_represented"])
        parts = await priced(registration_id, chosen, fare)
        cost = parts.total
        previous = (
            await FundingDecision.select(FundingDecision.level)
            .where(FundingDecision.registration == registration_id)
            .first()
        )
        values = {
            "level": chosen.value,
            "reason": reason,
            **_cost_values(parts),
            "decided_by": actor.user_id,
            "decided_at": now(),
        }
        if previous is None:
            await FundingDecision.insert(
                FundingDecision(registration=registration_id, event=event_id, **values)
            )
        else:
            await FundingDecision.update(values).where(FundingDecision.registration == registration_id)
        await record(
            actor,
            "travel.funding.decided",
            "registration",
            registration_id,
            event_id=event_id,
            data={
                "level": chosen.value,
                "previous": None if previous is None else previous["level"],
                "reason": reason,
                "estimated_cost": str(cost),
                "parts": {"ticket": str(parts.ticket), "dsa": str(parts.dsa), "hotel": str(parts.hotel)},
            },
        )
    decision = await _decision(registration_id)
    assert decision is not None
    return schemas.DecisionResult(decision=decision, budget=await _figures(event_id))


_DECISION_COLUMNS = (
    FundingDecision.registration,
    FundingDecision.event,
    FundingDecision.level,
    FundingDecision.reason,
    FundingDecision.estimated_cost,
    FundingDecision.ticket_cost,
    FundingDecision.dsa_cost,
    FundingDecision.hotel_cost,
    FundingDecision.decided_by.username,
    FundingDecision.decided_at,
    FundingDecision.registration.country_represented,
)


async def stored_parts(row: dict, fares: dict[str, Decimal]) -> CostParts:
    """The parts of a decision row (with its ``registration``, ``level``, the three part columns and
    ``registration.country_represented``); for a decision made before the parts were kept, worked
    out from the estimates as they stand (which its total followed, being re-priced at each change)."""
    if None not in (row["ticket_cost"], row["dsa_cost"], row["hotel_cost"]):
        return CostParts(_amount(row["ticket_cost"]), _amount(row["dsa_cost"]), _amount(row["hotel_cost"]))
    level = FundingLevel(row["level"])
    return await priced(row["registration"], level, fares.get(row["registration.country_represented"]))


async def _decision_from(row: dict, currency: str, fares: dict[str, Decimal]) -> schemas.FundingDecision:
    level = FundingLevel(row["level"])
    parts = await stored_parts(row, fares)
    return schemas.FundingDecision(
        registration_id=row["registration"],
        event_id=row["event"],
        level=level.value,
        reason=row["reason"],
        estimated_cost=_amount(row["estimated_cost"]),
        ticket_cost=parts.ticket,
        dsa_cost=parts.dsa,
        hotel_cost=parts.hotel,
        currency=currency,
        fare_missing=level in TICKET_LEVELS and row["registration.country_represented"] not in fares,
        decided_by=row["decided_by.username"],
        decided_at=row["decided_at"],
    )


async def _fares(event_id: int) -> dict[str, Decimal]:
    rows = await FareEstimate.select(FareEstimate.country, FareEstimate.amount).where(
        FareEstimate.event == event_id
    )
    return {row["country"]: _amount(row["amount"]) for row in rows}


async def _decision(registration_id: int) -> schemas.FundingDecision | None:
    row = (
        await FundingDecision.select(*_DECISION_COLUMNS)
        .where(FundingDecision.registration == registration_id)
        .first()
    )
    if row is None:
        return None
    settings = await _settings_row(row["event"])
    return await _decision_from(row, settings["currency"], await _fares(row["event"]))


async def get_decision(actor: Actor, registration_id: int) -> schemas.FundingDecision:
    """A registration's decision, for an organiser of its event or the participant themselves."""
    event = await Registration.select(Registration.event).where(Registration.id == registration_id).first()
    if event is None or not (actor.registration_id == registration_id or actor.organises(event["event"])):
        raise NotFound(f"No registration with id {registration_id}")
    decision = await _decision(registration_id)
    if decision is None:
        raise NotFound(f"Registration {registration_id} has no funding decision yet")
    return decision


# --- budget ----------------------------------------------------------------------------------------


async def _figures(event_id: int) -> schemas.BudgetFigures:
    settings = await _settings_row(event_id)
    rows = await FundingDecision.select(*_DECISION_COLUMNS).where(
        FundingDecision.event == event_id,
        FundingDecision.registration.status == RegistrationStatus.approved,
    )
    committed = sum((_amount(row["estimated_cost"]) for row in rows), ZERO)
    fares = await _fares(event_id) if any(row["ticket_cost"] is None for row in rows) else {}
    parts = CostParts()
    for row in rows:
        parts += await stored_parts(row, fares)
    budget = _amount(settings["budget"])
    return schemas.BudgetFigures(
        currency=settings["currency"],
        budget=budget,
        committed=committed,
        remaining=budget - committed,
        over_budget=committed > budget,
        committed_tickets=parts.ticket,
        committed_dsa=parts.dsa,
        committed_hotels=parts.hotel,
    )


async def funding_requests(
    actor: Actor, event_id: int, state: str | None = None
) -> list[schemas.FundingRequest]:
    """Approved registrations that asked for funding or have a decision, by name; ``state``
    ``undecided`` or ``decided`` keeps only those."""
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    if state not in (None, "", "undecided", "decided"):
        raise InvalidInput.field("state", "must be undecided or decided")
    settings = await _settings_row(event_id)
    fares = await _fares(event_id)
    decisions = {
        row["registration"]: await _decision_from(row, settings["currency"], fares)
        for row in await FundingDecision.select(*_DECISION_COLUMNS).where(FundingDecision.event == event_id)
    }
    registrations = await Registration.select(
        Registration.id,
        Registration.reference,
        Registration.given_names,
        Registration.preferred_name,
        Registration.family_name,
        Registration.country_represented,
        Registration.nationality,
        Registration.funding_requested,
    ).where(Registration.event == event_id, Registration.status == RegistrationStatus.approved)
    items = []
    for row in registrations:
        decision = decisions.get(row["id"])
        if not (row["funding_requested"] or decision):
            continue
        if (state == "undecided" and decision) or (state == "decided" and not decision):
            continue
        given = row["preferred_name"] or row["given_names"]
        items.append(
            schemas.FundingRequest(
                registration_id=row["id"],
                reference=row["reference"],
                name=f"{given} {row['family_name']}".strip(),
                country=row["country_represented"],
                nationality=row["nationality"],
                funding_requested=row["funding_requested"],
                fare=fares.get(row["country_represented"]),
                decision=decision,
            )
        )
    return sorted(items, key=lambda item: (item.name.casefold(), item.registration_id))


async def budget(actor: Actor, event_id: int) -> schemas.Budget:
    """The budget, the committed total and what remains, decisions per level, the requests waiting."""
    requests = await funding_requests(actor, event_id)
    figures = await _figures(event_id)
    levels = dict.fromkeys(LEVELS, 0)
    missing: set[str] = set()
    for item in requests:
        if item.decision is not None:
            levels[item.decision.level] += 1
        if item.fare is None and (item.decision is None or item.decision.level != FundingLevel.not_funded):
            missing.add(item.country)
    return schemas.Budget(
        event_id=event_id,
        currency=figures.currency,
        budget=figures.budget,
        committed=figures.committed,
        remaining=figures.remaining,
        over_budget=figures.over_budget,
        committed_tickets=figures.committed_tickets,
        committed_dsa=figures.committed_dsa,
        committed_hotels=figures.committed_hotels,
        levels=levels,
        missing_fares=sorted(missing),
        undecided=[item for item in requests if item.decision is None],
    )
