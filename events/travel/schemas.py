"""Travel as the API shows it and takes it: msgspec Structs ``Thing``, ``ThingCreate``, ``ThingUpdate``.

One section per task (funding, itineraries, hotels, transfers, DSA, the participant's view), in
that order, so each grows without touching the others.
"""

from __future__ import annotations

import datetime
import decimal
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input
from events.programme.schemas import CountryCode

# --- funding and budget ---------------------------------------------------------------------------

#: An amount of money in the event's travel currency, at most two decimals (checked by the service,
#: which answers 422 naming the field: msgspec cannot bound a Decimal).
Money = Annotated[Decimal, Meta(description='Amount in the event\'s travel currency, e.g. "850.00"')]
CurrencyCode = Annotated[str, Meta(pattern=r"^[A-Z]{3}$", description="ISO 4217, e.g. USD")]
AirportCode = Annotated[
    str, Meta(pattern=r"^([A-Z]{3})?$", description="IATA code, e.g. GYD; empty for none")
]
Minutes = Annotated[int, Meta(ge=0, le=1440)]
Percent = Annotated[int, Meta(ge=0, le=100)]
LevelName = Annotated[
    str, Meta(max_length=20, description="not_funded, ticket, ticket_dsa or full (ticket, DSA and hotel)")
]
Reason = Annotated[str, Meta(max_length=500)]


class TravelSettings(Struct):
    """An event's travel rules; the defaults until an organiser saves them (``updated_at`` null)."""

    event_id: int
    currency: str
    budget: Decimal
    airport: str
    transfer_window_minutes: int
    transfer_wait_minutes: int
    dsa_accommodation_reduction: int
    dsa_breakfast_reduction: int
    dsa_lunch_reduction: int
    dsa_dinner_reduction: int
    updated_at: datetime.datetime | None


class TravelSettingsUpdate(Input):
    """Fields left out keep their value."""

    single_line: ClassVar[frozenset[str]] = frozenset({"currency", "airport"})
    currency: CurrencyCode | UnsetType = UNSET
    budget: Money | UnsetType = UNSET
    airport: AirportCode | UnsetType = UNSET
    transfer_window_minutes: Minutes | UnsetType = UNSET
    transfer_wait_minutes: Minutes | UnsetType = UNSET
    dsa_accommodation_reduction: Percent | UnsetType = UNSET
    dsa_breakfast_reduction: Percent | UnsetType = UNSET
    dsa_lunch_reduction: Percent | UnsetType = UNSET
    dsa_dinner_reduction: Percent | UnsetType = UNSET


class FareEstimate(Struct):
    """The expected return fare from a country of departure (ISO alpha-3) to the event."""

    country: str
    amount: Decimal
    currency: str
    updated_at: datetime.datetime | None


class FareEstimateSet(Input):
    amount: Money


class FundingDecisionSet(Input):
    """``reason`` is required when the level is ``not_funded`` (a refusal is always explained)."""

    level: LevelName
    reason: Reason = ""


class FundingDecision(Struct):
    registration_id: int
    event_id: int
    level: str
    reason: str
    #: The fare estimate of the participant's country of departure (``country_represented``), plus the
    #: DSA estimate when the level includes DSA (none yet: 0), plus the hotel nights × the room's
    #: nightly rate at level ``full`` (none priced yet: 0); 0 when not funded.
    estimated_cost: Decimal
    #: The parts of ``estimated_cost``: the ticket, the DSA and the hotel (each 0 when the level does
    #: not include it, or while nothing prices it).
    ticket_cost: Decimal
    dsa_cost: Decimal
    hotel_cost: Decimal
    currency: str
    #: The participant's country has no fare estimate: the ticket is counted as 0 until one is entered.
    fare_missing: bool
    decided_by: str | None
    decided_at: datetime.datetime


class BudgetFigures(Struct):
    currency: str
    budget: Decimal
    #: The estimated costs of the decisions of approved registrations.
    committed: Decimal
    remaining: Decimal
    over_budget: bool
    #: ``committed`` in parts: tickets, DSA and hotels.
    committed_tickets: Decimal
    committed_dsa: Decimal
    committed_hotels: Decimal


class DecisionResult(Struct):
    """A decision and the budget after it; a decision over the budget is saved, with ``over_budget``."""

    decision: FundingDecision
    budget: BudgetFigures


class FundingRequest(Struct):
    """An approved registration that asked for funding, or that has a decision."""

    registration_id: int
    reference: str
    name: str
    country: str
    nationality: str
    funding_requested: bool
    fare: Decimal | None
    decision: FundingDecision | None


class Budget(Struct):
    event_id: int
    currency: str
    budget: Decimal
    committed: Decimal
    remaining: Decimal
    over_budget: bool
    #: ``committed`` in parts: tickets, DSA and hotels.
    committed_tickets: Decimal
    committed_dsa: Decimal
    committed_hotels: Decimal
    #: Approved registrations per level decided (every level present, 0 when none).
    levels: dict[str, int]
    #: Countries of departure of requests or decisions without a fare estimate.
    missing_fares: list[str]
    #: Approved registrations that asked for funding and have no decision yet.
    undecided: list[FundingRequest]


# --- itineraries ---------------------------------------------------------------------------------


class SegmentCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A flight as the ticket prints it: local times at each airport (naive, or with the UTC offset
    when the local time happens twice there)."""

    direction: Literal["inbound", "outbound"]
    carrier: str
    flight_number: str
    from_airport: str
    to_airport: str
    departs_local: datetime.datetime
    arrives_local: datetime.datetime
    booking_reference: str = ""


class SegmentUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    direction: Literal["inbound", "outbound"] | msgspec.UnsetType = msgspec.UNSET
    carrier: str | msgspec.UnsetType = msgspec.UNSET
    flight_number: str | msgspec.UnsetType = msgspec.UNSET
    from_airport: str | msgspec.UnsetType = msgspec.UNSET
    to_airport: str | msgspec.UnsetType = msgspec.UNSET
    departs_local: datetime.datetime | msgspec.UnsetType = msgspec.UNSET
    arrives_local: datetime.datetime | msgspec.UnsetType = msgspec.UNSET
    booking_reference: str | msgspec.UnsetType = msgspec.UNSET


class Segment(msgspec.Struct, kw_only=True):
    id: int
    registration_id: int
    direction: str
    carrier: str
    flight_number: str
    from_airport: str
    from_name: str
    to_airport: str
    to_name: str
    #: Local times with their offset, and the airports' zones.
    departs_local: datetime.datetime
    departs_zone: str
    arrives_local: datetime.datetime
    arrives_zone: str
    departs_at: datetime.datetime
    arrives_at: datetime.datetime
    booking_reference: str


class Itinerary(msgspec.Struct, kw_only=True):
    registration_id: int
    #: Inbound flights first, each direction in flight order.
    segments: list[Segment]
    #: As the registration now says: the last inbound landing, the first outbound take-off (UTC).
    arrival_at: datetime.datetime | None
    departure_at: datetime.datetime | None
    confirmed_at: datetime.datetime | None


class ItineraryImportRow(msgspec.Struct, kw_only=True):
    row: int
    reference: str
    outcome: Literal["created", "unchanged", "rejected"]
    segment_id: int | None = None
    reasons: list[str] = msgspec.field(default_factory=list)


class ItineraryImportReport(msgspec.Struct, kw_only=True):
    created: int
    unchanged: int
    rejected: int
    rows: list[ItineraryImportRow]


# --- hotels and rooms ----------------------------------------------------------------------------

HotelName = Annotated[str, Meta(min_length=1, max_length=200)]
RoomTypeName = Annotated[str, Meta(min_length=1, max_length=100)]
Occupancy = Annotated[int, Meta(ge=1, le=4)]
RoomCount = Annotated[int, Meta(ge=0, le=10_000)]
RoomRate = Annotated[Decimal, Meta(description='The price of one room for one night, e.g. "120.00"')]
RateCurrency = Annotated[str, Meta(pattern="^[A-Za-z]{3}$", description="ISO 4217, e.g. USD")]


class RoomType(Struct):
    id: int
    hotel_id: int
    name: str
    occupancy: int
    accessible: bool
    #: Rooms held per night (ISO date of the night's start → rooms).
    nights: dict[datetime.date, int]
    allocated: int
    #: The price of one room for one night, in ``currency``; ``None``: not priced yet.
    nightly_rate: Decimal | None = None
    currency: str = "USD"


class Hotel(Struct):
    id: int
    event_id: int
    name: str
    address: str
    city: str
    contact_email: str
    contact_phone: str
    room_types: list[RoomType]


class HotelCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset(
        {"name", "address", "city", "contact_email", "contact_phone"}
    )
    name: HotelName
    address: Annotated[str, Meta(max_length=300)] = ""
    city: Annotated[str, Meta(max_length=100)] = ""
    contact_email: Annotated[str, Meta(max_length=254)] = ""
    contact_phone: Annotated[str, Meta(max_length=30)] = ""


class HotelUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset(
        {"name", "address", "city", "contact_email", "contact_phone"}
    )
    name: HotelName | UnsetType = UNSET
    address: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET
    city: Annotated[str, Meta(max_length=100)] | UnsetType = UNSET
    contact_email: Annotated[str, Meta(max_length=254)] | UnsetType = UNSET
    contact_phone: Annotated[str, Meta(max_length=30)] | UnsetType = UNSET


class RoomTypeCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"name", "currency"})
    name: RoomTypeName
    occupancy: Occupancy = 1
    accessible: bool = False
    #: The price of one room for one night (0 or more, two decimals); ``None``: not known yet.
    nightly_rate: RoomRate | None = None
    #: The rate's currency; ``None``: the event's travel currency.
    currency: RateCurrency | None = None


class RoomTypeUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"name", "currency"})
    name: RoomTypeName | UnsetType = UNSET
    occupancy: Occupancy | UnsetType = UNSET
    accessible: bool | UnsetType = UNSET
    #: ``null`` takes the price away (the estimate counts the room as 0 again).
    nightly_rate: RoomRate | UnsetType | None = UNSET
    currency: RateCurrency | UnsetType = UNSET


class BlockRange(Input):
    """The same number of rooms for every night from ``check_in`` to the morning of ``check_out``."""

    check_in: datetime.date
    check_out: datetime.date
    rooms: int


class BlockNights(Input):
    """Rooms per night (0 takes the night out of the block)."""

    nights: dict[datetime.date, int]


class RoomAllocation(Struct):
    registration_id: int
    reference: str
    name: str
    hotel_id: int
    hotel_name: str
    room_type_id: int
    room_type: str
    check_in: datetime.date
    check_out: datetime.date
    nights: int
    room_label: str
    accessible: bool
    sharing_with: list[int]


class NotPlaced(Struct):
    registration_id: int
    name: str
    reason: str
    detail: str
    nights: list[datetime.date]


class AllocationOutcome(Struct):
    placed: int
    not_placed: list[NotPlaced]


# --- airport transfers ---------------------------------------------------------------------------


class TransferRider(msgspec.Struct, kw_only=True):
    """A participant on a transfer run, with the flight that sets the run's time."""

    registration_id: int
    name: str
    step_free: bool
    segment_id: int | None
    #: Carrier and number, e.g. ``J2 012`` (empty when the segment was deleted since).
    flight: str = ""
    #: Arrivals: when the flight lands; departures: when it leaves (UTC).
    flight_at: datetime.datetime | None = None
    phone: str = ""


class TransferRun(msgspec.Struct, kw_only=True):
    """One vehicle's trip between the airport and the hotel; ``key`` is its boarding checkpoint id."""

    id: int
    event_id: int
    direction: Literal["arrival", "departure"]
    key: str
    vehicle_id: int
    vehicle_name: str
    seats: int
    step_free_seats: int
    driver_name: str
    driver_phone: str
    leaves_at: datetime.datetime
    #: Arrivals: the latest the vehicle waits for a delayed flight.
    waits_until: datetime.datetime | None
    meeting_point: str
    contact_phone: str
    riders: list[TransferRider]

    @property
    def step_free_riders(self) -> int:
        return sum(rider.step_free for rider in self.riders)


class TransferRunUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """What an organiser may change on a planned run; another vehicle must seat its riders."""

    meeting_point: Annotated[str, msgspec.Meta(max_length=200)] | msgspec.UnsetType = msgspec.UNSET
    contact_phone: Annotated[str, msgspec.Meta(max_length=30)] | msgspec.UnsetType = msgspec.UNSET
    vehicle_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | msgspec.UnsetType = msgspec.UNSET


class TransferRiderMove(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Move a rider to another run of the same direction (refused when it has no seat for them)."""

    run_id: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)]


class TransferPlanCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    direction: Literal["arrival", "departure"]


class TransferUnplaced(msgspec.Struct, kw_only=True):
    """A funded traveller the plan found no seat for: ``no_step_free_seat`` or ``no_capacity``."""

    registration_id: int
    name: str
    code: str
    detail: str


class TransferPlan(msgspec.Struct, kw_only=True):
    """A plan for one direction: the runs (replacing the previous plan) and who could not be placed."""

    direction: Literal["arrival", "departure"]
    runs: list[TransferRun]
    unplaced: list[TransferUnplaced]


class TransferCheckpoint(msgspec.Struct, kw_only=True):
    """A transfer run as a boarding checkpoint for the scanner (``checkpoint_id`` is the run's key)."""

    checkpoint_id: str
    run_id: int
    direction: Literal["arrival", "departure"]
    vehicle_name: str
    meeting_point: str
    leaves_at: datetime.datetime
    waits_until: datetime.datetime | None
    boarding: int


# --- DSA -----------------------------------------------------------------------------------------

CurrencyCode = Annotated[str, Meta(pattern="^[A-Za-z]{3}$", description="ISO 4217, e.g. USD")]
Money = Annotated[Decimal, Meta(description='A decimal amount with at most 2 decimals, e.g. "212.00"')]


class DsaRate(Struct):
    """A UN DSA rate: from ``valid_from`` until the next rate of the same city."""

    id: int
    country: str
    city: str
    valid_from: datetime.date
    amount: Decimal
    currency: str


class DsaRateCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"country", "city", "currency"})
    country: CountryCode
    city: Annotated[str, Meta(min_length=1, max_length=100)]
    valid_from: datetime.date
    amount: Money
    currency: CurrencyCode = "USD"


class DsaRateUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"country", "city", "currency"})
    country: CountryCode | UnsetType = UNSET
    city: Annotated[str, Meta(min_length=1, max_length=100)] | UnsetType = UNSET
    valid_from: datetime.date | UnsetType = UNSET
    amount: Money | UnsetType = UNSET
    currency: CurrencyCode | UnsetType = UNSET


class DsaPayment(Struct):
    """The DSA worked out for one funded participant; ``notes`` tells the dates and the rates used."""

    registration_id: int
    event_id: int
    name: str
    reference: str
    nights: int
    rate: Decimal
    reduction_percent: int
    amount: Decimal
    currency: str
    computed_at: datetime.datetime
    paid_at: datetime.datetime | None
    notes: str


class DsaProblem(Struct):
    """Why a funded participant has no (new) DSA: ``code`` is stable, ``message`` says it in English."""

    registration_id: int
    name: str
    reference: str
    code: str
    message: str
    city: str = ""
    country: str = ""
    date: datetime.date | None = None


class DsaTotal(Struct):
    currency: str
    amount: Decimal
    paid: Decimal


class DsaOverview(Struct):
    """An event's DSA: the payments as computed, what keeps others from being computed, totals."""

    event_id: int
    city: str
    country: str
    payments: list[DsaPayment]
    problems: list[DsaProblem]
    totals: list[DsaTotal]


# --- the participant's view ----------------------------------------------------------------------


class MyFlight(msgspec.Struct, kw_only=True):
    """One flight as its passenger sees it: local times in each airport's zone."""

    direction: str
    carrier: str
    flight_number: str
    from_airport: str
    to_airport: str
    #: Aware datetimes in ``departs_zone`` and ``arrives_zone``.
    departs_at: datetime.datetime
    departs_zone: str
    arrives_at: datetime.datetime
    arrives_zone: str
    booking_reference: str = ""


class MyHotel(msgspec.Struct, kw_only=True):
    name: str
    address: str
    city: str
    phone: str
    check_in: datetime.date
    check_out: datetime.date
    room_type: str
    accessible: bool
    #: The room is shared with another participant.
    shared: bool
    #: Whom with: only when both accepted sharing; otherwise ``""``.
    roommate: str = ""


class MyTransfer(msgspec.Struct, kw_only=True):
    direction: str
    #: Aware datetimes in the event's zone.
    leaves_at: datetime.datetime
    waits_until: datetime.datetime | None
    meeting_point: str
    vehicle: str
    driver_name: str
    contact_phone: str


class MyDsa(msgspec.Struct, kw_only=True):
    nights: int
    rate: decimal.Decimal
    reduction_percent: int
    amount: decimal.Decimal
    currency: str
    paid_at: datetime.datetime | None


class MyTravel(msgspec.Struct, kw_only=True):
    """Everything the programme arranges for one participant (each part ``None``/empty until it exists)."""

    registration_id: int
    event_id: int
    #: The event's zone (transfers are shown in it).
    zone: str
    #: A :class:`~events.travel.tables.FundingLevel` value, or ``None`` before a decision.
    funding: str | None
    flights: list[MyFlight]
    itinerary_confirmed_at: datetime.datetime | None
    accepts_sharing: bool
    hotel: MyHotel | None
    transfers: list[MyTransfer]
    dsa: MyDsa | None

    @property
    def funded(self) -> bool:
        return self.funding is not None and self.funding != "not_funded"
