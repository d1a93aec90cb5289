"""Travel as the API shows it and takes it: msgspec Structs ``Thing``, ``ThingCreate``, ``ThingUpdate``.

One section per task (funding, itineraries, hotels, transfers, DSA, the participant's view), in
that order, so each grows without touching the others.
"""

from __future__ import annotations

import datetime
import decimal

import msgspec

# --- funding and budget ---------------------------------------------------------------------------


# --- itineraries ---------------------------------------------------------------------------------


# --- hotels and rooms ----------------------------------------------------------------------------


# --- airport transfers ---------------------------------------------------------------------------


# --- DSA -----------------------------------------------------------------------------------------


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
