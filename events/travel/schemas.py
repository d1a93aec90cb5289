"""Travel as the API shows it and takes it: msgspec Structs ``Thing``, ``ThingCreate``, ``ThingUpdate``.

One section per task (funding, itineraries, hotels, transfers, DSA, the participant's view), in
that order, so each grows without touching the others.
"""

from __future__ import annotations

import datetime
from typing import Annotated, ClassVar

from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input

# --- funding and budget ---------------------------------------------------------------------------


# --- itineraries ---------------------------------------------------------------------------------


# --- hotels and rooms ----------------------------------------------------------------------------

HotelName = Annotated[str, Meta(min_length=1, max_length=200)]
RoomTypeName = Annotated[str, Meta(min_length=1, max_length=100)]
Occupancy = Annotated[int, Meta(ge=1, le=4)]
RoomCount = Annotated[int, Meta(ge=0, le=10_000)]


class RoomType(Struct):
    id: int
    hotel_id: int
    name: str
    occupancy: int
    accessible: bool
    #: Rooms held per night (ISO date of the night's start → rooms).
    nights: dict[datetime.date, int]
    allocated: int


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
    single_line: ClassVar[frozenset[str]] = frozenset({"name"})
    name: RoomTypeName
    occupancy: Occupancy = 1
    accessible: bool = False


class RoomTypeUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"name"})
    name: RoomTypeName | UnsetType = UNSET
    occupancy: Occupancy | UnsetType = UNSET
    accessible: bool | UnsetType = UNSET


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


# --- DSA -----------------------------------------------------------------------------------------


# --- the participant's view ----------------------------------------------------------------------
