"""Travel as the API shows it and takes it: msgspec Structs ``Thing``, ``ThingCreate``, ``ThingUpdate``.

One section per task (funding, itineraries, hotels, transfers, DSA, the participant's view), in
that order, so each grows without touching the others.
"""

from __future__ import annotations

import datetime
from typing import Literal

import msgspec

# --- funding and budget ---------------------------------------------------------------------------


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


# --- airport transfers ---------------------------------------------------------------------------


# --- DSA -----------------------------------------------------------------------------------------


# --- the participant's view ----------------------------------------------------------------------
