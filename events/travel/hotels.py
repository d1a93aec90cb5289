"""An event's hotels, their room types and the rooms each holds per night (the room block).

One function per action, each in one transaction that first locks the event's row (the allocation
locks it too, so an edit never interleaves with an allocation), audited as ``travel.hotels.*``.
A room type with rooms given out keeps its occupancy and accessibility, and a night's block cannot
fall below the rooms given out that night: run the allocation again after changing those.

A room type's nightly rate (amount and currency) prices the hotel part of the ``full`` funding
decisions: adding, pricing or deleting a room type re-prices the event's decisions in the same
transaction (:func:`events.travel.funding.reprice_rooms`), as DSA rates do for the DSA part.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import msgspec

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound
from events.programme.tables import Event
from events.travel import funding, schemas
from events.travel.tables import Hotel, RoomAllocation, RoomBlock, RoomType

#: The longest block one form may set (a year of nights).
MAX_NIGHTS = 366
MAX_ROOMS = 10_000


async def lock_event(event_id: int) -> dict:
    """The event's row, locked for the rest of the transaction (404 when missing)."""
    row = await locked(Event.select().where(Event.id == event_id)).first()
    if row is None:
        raise NotFound(f"No event with id {event_id}")
    return row


def _changes(data: msgspec.Struct) -> dict:
    return {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}


async def list_hotels(actor: Actor, event_id: int) -> list[schemas.Hotel]:
    """The event's hotels with their room types, rooms per night and rooms given out."""
    actor.require_organiser(event_id)
    if not await Event.exists().where(Event.id == event_id):
        raise NotFound(f"No event with id {event_id}")
    hotels = await Hotel.select().where(Hotel.event == event_id).order_by(Hotel.id)
    types = await RoomType.select().where(RoomType.hotel.event == event_id).order_by(RoomType.id)
    nights: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for row in (
        await RoomBlock.select().where(RoomBlock.room_type.hotel.event == event_id).order_by(RoomBlock.night)
    ):
        nights[row["room_type"]][row["night"]] = row["rooms"]
    allocated: dict[int, int] = defaultdict(int)
    for row in await RoomAllocation.select(RoomAllocation.room_type).where(
        RoomAllocation.room_type.hotel.event == event_id
    ):
        allocated[row["room_type"]] += 1
    by_hotel: dict[int, list[schemas.RoomType]] = defaultdict(list)
    for row in types:
        by_hotel[row["hotel"]].append(
            schemas.RoomType(
                id=row["id"],
                hotel_id=row["hotel"],
                name=row["name"],
                occupancy=row["occupancy"],
                accessible=row["accessible"],
                nights=nights[row["id"]],
                allocated=allocated[row["id"]],
                nightly_rate=_rate(row["nightly_rate"]),
                currency=row["currency"],
            )
        )
    return [
        schemas.Hotel(
            id=row["id"],
            event_id=event_id,
            name=row["name"],
            address=row["address"],
            city=row["city"],
            contact_email=row["contact_email"],
            contact_phone=row["contact_phone"],
            room_types=by_hotel[row["id"]],
        )
        for row in hotels
    ]


async def get_hotel(actor: Actor, event_id: int, hotel_id: int) -> schemas.Hotel:
    for hotel in await list_hotels(actor, event_id):
        if hotel.id == hotel_id:
            return hotel
    raise NotFound(f"Event {event_id} has no hotel {hotel_id}")


async def _hotel_row(event_id: int, hotel_id: int) -> dict:
    row = await Hotel.select().where(Hotel.id == hotel_id, Hotel.event == event_id).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no hotel {hotel_id}")
    return row


async def _room_type_row(event_id: int, room_type_id: int) -> dict:
    row = (
        await RoomType.select(RoomType.all_columns(), RoomType.hotel.event.as_alias("event_id"))
        .where(RoomType.id == room_type_id)
        .first()
    )
    if row is None or row["event_id"] != event_id:
        raise NotFound(f"Event {event_id} has no room type {room_type_id}")
    return row


def _strip(values: dict) -> dict:
    return {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}


def _rate(value) -> Decimal | None:
    """A stored rate (SQLite may hand back a float or a string) as a two-decimal Decimal."""
    return None if value is None else Decimal(str(value)).quantize(funding.CENT)


def _priced(values: dict) -> dict:
    """The rate checked (0 or more, two decimals: a 422 naming ``nightly_rate``), the currency in
    capitals."""
    if values.get("nightly_rate") is not None:
        values["nightly_rate"] = funding.money("nightly_rate", values["nightly_rate"])
    if values.get("currency"):
        values["currency"] = values["currency"].upper()
    return values


def _audited(values: dict) -> dict:
    return {k: str(v) if isinstance(v, Decimal) else v for k, v in values.items()}


async def create_hotel(actor: Actor, event_id: int, data: schemas.HotelCreate) -> schemas.Hotel:
    actor.require_organiser(event_id)
    values = _strip(msgspec.structs.asdict(data))
    if not values["name"]:
        raise InvalidInput.field("name", "must not be blank")
    async with write_transaction():
        await lock_event(event_id)
        if await Hotel.exists().where(Hotel.event == event_id, Hotel.name == values["name"]):
            raise Conflict(f"This event has a hotel called {values['name']!r} already")
        hotel = Hotel(event=event_id, created_at=now(), **values)
        await hotel.save()
        await record(
            actor,
            "travel.hotels.hotel_created",
            "hotel",
            hotel.id,
            event_id=event_id,
            data={"name": values["name"]},
        )
    return await get_hotel(actor, event_id, hotel.id)


async def update_hotel(
    actor: Actor, event_id: int, hotel_id: int, data: schemas.HotelUpdate
) -> schemas.Hotel:
    actor.require_organiser(event_id)
    values = _strip(_changes(data))
    if values.get("name") == "":
        raise InvalidInput.field("name", "must not be blank")
    async with write_transaction():
        await lock_event(event_id)
        await _hotel_row(event_id, hotel_id)
        if "name" in values and await Hotel.exists().where(
            Hotel.event == event_id, Hotel.name == values["name"], Hotel.id != hotel_id
        ):
            raise Conflict(f"This event has a hotel called {values['name']!r} already")
        if values:
            await Hotel.update(values).where(Hotel.id == hotel_id)
        await record(
            actor,
            "travel.hotels.hotel_updated",
            "hotel",
            hotel_id,
            event_id=event_id,
            data={"fields": sorted(values)},
        )
    return await get_hotel(actor, event_id, hotel_id)


async def delete_hotel(actor: Actor, event_id: int, hotel_id: int) -> None:
    actor.require_organiser(event_id)
    async with write_transaction():
        await lock_event(event_id)
        row = await _hotel_row(event_id, hotel_id)
        types = await RoomType.count().where(RoomType.hotel == hotel_id)
        if types:
            raise Conflict(f"Hotel {row['name']!r} has {types} room type(s); delete them first")
        await Hotel.delete().where(Hotel.id == hotel_id)
        await record(
            actor,
            "travel.hotels.hotel_deleted",
            "hotel",
            hotel_id,
            event_id=event_id,
            data={"name": row["name"]},
        )


async def create_room_type(
    actor: Actor, event_id: int, hotel_id: int, data: schemas.RoomTypeCreate
) -> schemas.RoomType:
    actor.require_organiser(event_id)
    values = _priced(_strip(msgspec.structs.asdict(data)))
    if not values["name"]:
        raise InvalidInput.field("name", "must not be blank")
    async with write_transaction():
        await lock_event(event_id)
        await _hotel_row(event_id, hotel_id)
        if await RoomType.exists().where(RoomType.hotel == hotel_id, RoomType.name == values["name"]):
            raise Conflict(f"This hotel has a room type called {values['name']!r} already")
        if not values["currency"]:
            values["currency"] = (await funding.settings_for(event_id)).currency
        room_type = RoomType(hotel=hotel_id, **values)
        await room_type.save()
        repriced = await funding.reprice_rooms(event_id) if values["nightly_rate"] is not None else 0
        await record(
            actor,
            "travel.hotels.room_type_created",
            "room_type",
            room_type.id,
            event_id=event_id,
            data={"hotel_id": hotel_id, **_audited(values), "decisions_repriced": repriced},
        )
    return await _room_type(actor, event_id, room_type.id)


async def _room_type(actor: Actor, event_id: int, room_type_id: int) -> schemas.RoomType:
    for hotel in await list_hotels(actor, event_id):
        for room_type in hotel.room_types:
            if room_type.id == room_type_id:
                return room_type
    raise NotFound(f"Event {event_id} has no room type {room_type_id}")


async def update_room_type(
    actor: Actor, event_id: int, room_type_id: int, data: schemas.RoomTypeUpdate
) -> schemas.RoomType:
    actor.require_organiser(event_id)
    values = _priced(_strip(_changes(data)))
    if values.get("name") == "":
        raise InvalidInput.field("name", "must not be blank")
    async with write_transaction():
        await lock_event(event_id)
        current = await _room_type_row(event_id, room_type_id)
        current["nightly_rate"] = _rate(current["nightly_rate"])
        values = {k: v for k, v in values.items() if v != current[k]}
        given = await RoomAllocation.count().where(RoomAllocation.room_type == room_type_id)
        if given and ({"occupancy", "accessible"} & values.keys()):
            raise Conflict(
                f"{given} room(s) of this type are given out; change its occupancy or accessibility "
                "before allocating, or clear the allocation first"
            )
        if "name" in values and await RoomType.exists().where(
            RoomType.hotel == current["hotel"], RoomType.name == values["name"], RoomType.id != room_type_id
        ):
            raise Conflict(f"This hotel has a room type called {values['name']!r} already")
        if values:
            await RoomType.update(values).where(RoomType.id == room_type_id)
        repriced = 0
        if {"nightly_rate", "currency"} & values.keys():
            repriced = await funding.reprice_rooms(event_id)
        await record(
            actor,
            "travel.hotels.room_type_updated",
            "room_type",
            room_type_id,
            event_id=event_id,
            data={
                "fields": sorted(values),
                **{
                    name: {"before": _audited(current)[name], "after": _audited(values)[name]}
                    for name in ("nightly_rate", "currency")
                    if name in values
                },
                "decisions_repriced": repriced,
            },
        )
    return await _room_type(actor, event_id, room_type_id)


async def delete_room_type(actor: Actor, event_id: int, room_type_id: int) -> None:
    actor.require_organiser(event_id)
    async with write_transaction():
        await lock_event(event_id)
        row = await _room_type_row(event_id, room_type_id)
        given = await RoomAllocation.count().where(RoomAllocation.room_type == room_type_id)
        if given:
            raise Conflict(
                f"{given} room(s) of type {row['name']!r} are given out; allocate without it first"
            )
        await RoomType.delete().where(RoomType.id == room_type_id)
        repriced = await funding.reprice_rooms(event_id) if row["nightly_rate"] is not None else 0
        await record(
            actor,
            "travel.hotels.room_type_deleted",
            "room_type",
            room_type_id,
            event_id=event_id,
            data={"name": row["name"], "decisions_repriced": repriced},
        )


def range_nights(data: schemas.BlockRange) -> dict[datetime.date, int]:
    """Every night from check-in to the morning of check-out, with the same count."""
    if not 0 <= data.rooms <= MAX_ROOMS:
        raise InvalidInput.field("rooms", "must be from 0 to 10000")
    if data.check_out <= data.check_in:
        raise InvalidInput.field("check_out", "must be after the check-in date")
    days = (data.check_out - data.check_in).days
    if days > MAX_NIGHTS:
        raise InvalidInput.field("check_out", f"at most {MAX_NIGHTS} nights at once")
    return {data.check_in + datetime.timedelta(days=n): data.rooms for n in range(days)}


async def set_block(
    actor: Actor, event_id: int, room_type_id: int, nights: dict[datetime.date, int]
) -> schemas.RoomType:
    """Set the rooms held on the given nights (0 removes the night); other nights stay."""
    actor.require_organiser(event_id)
    errors = [
        FieldError(
            f"nights.{night.isoformat()}", "must not be negative" if rooms < 0 else "at most 10000 rooms"
        )
        for night, rooms in sorted(nights.items())
        if not 0 <= rooms <= MAX_ROOMS
    ]
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    async with write_transaction():
        await lock_event(event_id)
        await _room_type_row(event_id, room_type_id)
        given: dict[datetime.date, int] = defaultdict(int)
        # a shared room is one room: one label, one stay
        rooms_in_use = {
            (row["room_label"], row["check_in"], row["check_out"])
            for row in await RoomAllocation.select(
                RoomAllocation.check_in, RoomAllocation.check_out, RoomAllocation.room_label
            ).where(RoomAllocation.room_type == room_type_id)
        }
        for _, check_in, check_out in rooms_in_use:
            for n in range((check_out - check_in).days):
                given[check_in + datetime.timedelta(days=n)] += 1
        short = sorted(night for night, rooms in nights.items() if rooms < given.get(night, 0))
        if short:
            raise Conflict(
                "More rooms are given out than that on "
                + ", ".join(night.isoformat() for night in short)
                + "; allocate again with fewer people or keep the rooms"
            )
        for night, rooms in sorted(nights.items()):
            await RoomBlock.delete().where(RoomBlock.room_type == room_type_id, RoomBlock.night == night)
            if rooms:
                await RoomBlock.insert(RoomBlock(room_type=room_type_id, night=night, rooms=rooms))
        await record(
            actor,
            "travel.hotels.block_set",
            "room_type",
            room_type_id,
            event_id=event_id,
            data={"nights": {night.isoformat(): rooms for night, rooms in sorted(nights.items())}},
        )
    return await _room_type(actor, event_id, room_type_id)
