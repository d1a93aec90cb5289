"""Travel and accommodation of funded participants: funding decisions and the event's budget, flight
itineraries, hotel room blocks and the rooms given out, airport transfer runs, DSA rates and payments.

Money is kept as ``Numeric`` in the event's travel currency (``TravelSettings.currency``, USD by
default). Instants are stored in UTC; a flight's local times are read and shown in its airports' zones
(``events.travel.airports``). Dates of nights are plain dates at the hotel (a night is the date it
starts: arriving on the 12th and leaving on the 15th uses the nights of the 12th, 13th and 14th).

Deleting rows: everything here belongs to its event or registration and goes with it, except that a
room type with rooms given out, a hotel with room types and a vehicle with transfer runs refuse the
delete, as the services do.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum

from piccolo.columns import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User
from events.programme.tables import Event
from events.registration.tables import Registration
from events.visits.tables import Vehicle

MONEY = (12, 2)


class FundingLevel(StrEnum):
    """What the programme pays for."""

    not_funded = "not_funded"
    ticket = "ticket"
    ticket_dsa = "ticket_dsa"
    #: Ticket, DSA and the hotel room (the DSA is then reduced for accommodation).
    full = "full"


class TravelSettings(Table, tablename="travel_settings"):
    """An event's travel rules: budget, currency, the arrival airport, transfer windows, DSA reductions."""

    event = ForeignKey(references=Event, unique=True, null=False, on_delete=OnDelete.cascade)
    currency = Varchar(length=3, default="USD")
    budget = Numeric(digits=MONEY, default=Decimal("0"))
    #: IATA code of the airport participants fly into (Baku: GYD).
    airport = Varchar(length=3, default="")
    #: Arrivals landing within this many minutes of each other may share a pick-up run.
    transfer_window_minutes = Integer(default=90)
    #: How long a pick-up waits for a delayed flight before it leaves without it.
    transfer_wait_minutes = Integer(default=60)
    #: Percentages of the DSA withheld when the programme provides the room, and each meal.
    dsa_accommodation_reduction = Integer(default=50)
    dsa_breakfast_reduction = Integer(default=0)
    dsa_lunch_reduction = Integer(default=0)
    dsa_dinner_reduction = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())


class FareEstimate(Table, tablename="travel_fare_estimate"):
    """The expected return fare from a country of departure (ISO alpha-3) to the event, for the budget."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    country = Varchar(length=3, null=False)
    amount = Numeric(digits=MONEY, null=False)
    updated_at = Timestamptz(default=TimestamptzNow())


class FundingDecision(Table, tablename="travel_funding"):
    """What the programme pays for one registration, who decided and why (each change audited)."""

    registration = ForeignKey(references=Registration, unique=True, null=False, on_delete=OnDelete.cascade)
    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    level = Varchar(length=12, choices=FundingLevel, null=False)
    reason = Varchar(length=500, default="")
    #: The cost committed: the fare estimate, plus the DSA and the hotel when the level includes them
    #: (re-priced when any of them changes); the three parts below add up to it.
    estimated_cost = Numeric(digits=MONEY, default=Decimal("0"))
    #: The parts of ``estimated_cost`` (NULL for decisions made before they were kept: worked out
    #: when read, see :func:`events.travel.funding.cost_parts`).
    ticket_cost = Numeric(digits=MONEY, null=True, default=None)
    dsa_cost = Numeric(digits=MONEY, null=True, default=None)
    hotel_cost = Numeric(digits=MONEY, null=True, default=None)
    decided_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    decided_at = Timestamptz(default=TimestamptzNow())


class TravelPreference(Table, tablename="travel_preference"):
    """What a funded participant tells about their stay: whether they accept sharing a room."""

    registration = ForeignKey(references=Registration, unique=True, null=False, on_delete=OnDelete.cascade)
    accepts_sharing = Boolean(default=False)
    #: The itinerary as the participant confirmed it (None until they do; a change clears it).
    itinerary_confirmed_at = Timestamptz(null=True, default=None)
    #: When the e-mail with the airport pick-up was queued (the day before arrival; once).
    transfer_notice_sent_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class SegmentDirection(StrEnum):
    inbound = "inbound"
    outbound = "outbound"


class FlightSegment(Table, tablename="travel_flight_segment"):
    """One flight of a participant's itinerary; times in UTC, entered and shown in each airport's zone."""

    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    direction = Varchar(length=8, choices=SegmentDirection, null=False)
    carrier = Varchar(length=3, null=False)
    flight_number = Varchar(length=6, null=False)
    from_airport = Varchar(length=3, null=False)
    to_airport = Varchar(length=3, null=False)
    departs_at = Timestamptz(null=False)
    arrives_at = Timestamptz(null=False)
    booking_reference = Varchar(length=12, default="")
    entered_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())


class Hotel(Table, tablename="travel_hotel"):
    """A hotel holding a room block for an event."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    name = Varchar(length=200, null=False)
    address = Varchar(length=300, default="")
    city = Varchar(length=100, default="")
    contact_email = Varchar(length=254, default="")
    contact_phone = Varchar(length=30, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class RoomType(Table, tablename="travel_room_type"):
    """A kind of room in a hotel's block: how many people sleep in it and whether it is accessible."""

    hotel = ForeignKey(references=Hotel, null=False, index=True, on_delete=OnDelete.restrict)
    name = Varchar(length=100, null=False)
    #: 1 for a single room, 2 for a twin or double that two participants may share.
    occupancy = Integer(default=1)
    accessible = Boolean(default=False)
    #: The price of one room for one night, in ``currency``; none until the hotel's price is entered
    #: (the funding estimate then counts the room as 0).
    nightly_rate = Numeric(digits=MONEY, null=True, default=None)
    currency = Varchar(length=3, default="USD")


class RoomBlock(Table, tablename="travel_room_block"):
    """How many rooms of a type the hotel holds for one night (the date the night starts)."""

    room_type = ForeignKey(references=RoomType, null=False, index=True, on_delete=OnDelete.cascade)
    night = Date(null=False)
    rooms = Integer(null=False)


class RoomAllocation(Table, tablename="travel_room_allocation"):
    """A room given to a participant from ``check_in`` (the arrival night) to ``check_out`` (the
    departure morning). Two allocations with the same ``room_label`` and room type share a room."""

    registration = ForeignKey(references=Registration, unique=True, null=False, on_delete=OnDelete.cascade)
    room_type = ForeignKey(references=RoomType, null=False, index=True, on_delete=OnDelete.restrict)
    check_in = Date(null=False)
    check_out = Date(null=False)
    room_label = Varchar(length=20, null=False)
    created_at = Timestamptz(default=TimestamptzNow())


class TransferDirection(StrEnum):
    arrival = "arrival"
    departure = "departure"


class TransferRun(Table, tablename="travel_transfer_run"):
    """One vehicle's trip between the airport and the hotel; ``key`` is its boarding checkpoint id."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    direction = Varchar(length=10, choices=TransferDirection, null=False)
    vehicle = ForeignKey(references=Vehicle, null=False, index=True, on_delete=OnDelete.restrict)
    key = Varchar(length=16, unique=True, null=False)
    #: When the vehicle leaves (arrivals: the last flight's landing plus the exit time).
    leaves_at = Timestamptz(null=False)
    #: Arrivals: the latest it waits for a delayed flight.
    waits_until = Timestamptz(null=True, default=None)
    meeting_point = Varchar(length=200, default="")
    contact_phone = Varchar(length=30, default="")
    created_at = Timestamptz(default=TimestamptzNow())


class TransferRider(Table, tablename="travel_transfer_rider"):
    """A participant on a transfer run (one arrival run and one departure run at most)."""

    run = ForeignKey(references=TransferRun, null=False, index=True, on_delete=OnDelete.cascade)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    segment = ForeignKey(references=FlightSegment, null=True, on_delete=OnDelete.set_null)
    step_free = Boolean(default=False)


class DsaRate(Table, tablename="travel_dsa_rate"):
    """The UN daily subsistence allowance for a city from a date (the UN publishes them monthly)."""

    country = Varchar(length=3, null=False)
    city = Varchar(length=100, null=False)
    valid_from = Date(null=False)
    amount = Numeric(digits=MONEY, null=False)
    currency = Varchar(length=3, default="USD")
    created_at = Timestamptz(default=TimestamptzNow())


class DsaPayment(Table, tablename="travel_dsa_payment"):
    """The DSA worked out for a funded participant: nights, the rate, reductions, the amount; paid when signed for."""

    registration = ForeignKey(references=Registration, unique=True, null=False, on_delete=OnDelete.cascade)
    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    nights = Integer(null=False)
    rate = Numeric(digits=MONEY, null=False)
    reduction_percent = Integer(default=0)
    amount = Numeric(digits=MONEY, null=False)
    currency = Varchar(length=3, default="USD")
    computed_at = Timestamptz(default=TimestamptzNow())
    paid_at = Timestamptz(null=True, default=None)
    notes = Text(default="")
