"""Who sleeps where: the room allocation of an event's funded participants.

:func:`allocate_rooms` is pure (participants and blocks in, allocations and the people who do not fit
out) and deterministic; :func:`allocate` is the service that reads the event, runs it and stores the
answer in one transaction.

The rules:

- **Who needs a room**: approved registrations whose funding level is ``full`` (ticket, DSA and the
  room); the other levels book their own room from their DSA.
- **Exactly their nights**: the night of the arrival date to the morning of the departure date, both
  read in the event's time zone (arriving on the 12th at 15:00 and leaving on the 15th at 10:00 uses
  the nights of the 12th, 13th and 14th). Without an arrival or a departure, or leaving the day they
  arrive, nobody is placed (reported).
- **Accessible rooms first**: participants who need step-free access (the registration's
  ``step_free_access``) are placed first and only in accessible room types; the others are then
  placed by arrival (then departure, then registration id), preferring rooms that are not accessible.
- **Sharing only by consent**: a participant who accepted sharing (``TravelPreference.accepts_sharing``)
  joins an earlier one in a room for two or more when both consented, have identical nights and the
  same recorded gender (female or male; nobody else is paired automatically); a participant who did
  not consent always has a room of their own.
- **Never more than the block**: one room type (so one hotel) for the whole stay, and on no night more
  rooms of a type than the block holds. Who does not fit is reported with the nights and why; nobody
  gets part of their stay.

Running it again replaces the whole previous allocation of the event (there are no hand-made
allocations to keep): the same data gives the same rooms and the same room labels. A participant
who withdraws leaves the lists and the rooming list at once; their room is freed by the next run.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import NotFound
from events.programme import services as programme_services
from events.registration.tables import Registration, RegistrationStatus
from events.travel import funding, rooming, schemas
from events.travel.hotels import lock_event
from events.travel.tables import (
    FundingDecision,
    FundingLevel,
    Hotel,
    RoomAllocation,
    RoomBlock,
    RoomType,
    TravelPreference,
)

#: Funding levels that include the hotel room.
ROOM_LEVELS = frozenset({FundingLevel.full.value})
#: The registration's accessibility code that needs an accessible room.
STEP_FREE = "step_free_access"
#: Genders that may be paired in a shared room (each only with the same).
PAIRED_GENDERS = frozenset({"female", "male"})

# Why someone does not fit (codes; the console words them).
NO_DATES = "no_dates"
NO_NIGHTS = "no_nights"
NO_ACCESSIBLE_ROOM = "no_accessible_room"
OUTSIDE_BLOCK = "outside_block"
FULL = "full"
SPLIT_STAY = "split_stay"


@dataclass(frozen=True)
class Guest:
    registration_id: int
    name: str
    arrival: datetime.date | None
    departure: datetime.date | None
    needs_accessible: bool = False
    accepts_sharing: bool = False
    gender: str = ""
    #: The arrival instant, to order people arriving on the same day.
    arrives_at: datetime.datetime | None = None

    @property
    def nights(self) -> list[datetime.date]:
        if self.arrival is None or self.departure is None:
            return []
        return [
            self.arrival + datetime.timedelta(days=n) for n in range((self.departure - self.arrival).days)
        ]


@dataclass(frozen=True)
class Block:
    """A room type with its rooms per night (a missing night holds no room)."""

    room_type_id: int
    hotel_id: int
    occupancy: int
    accessible: bool
    rooms: dict[datetime.date, int]


@dataclass(frozen=True)
class Placement:
    registration_id: int
    room_type_id: int
    check_in: datetime.date
    check_out: datetime.date
    room_label: str


@dataclass(frozen=True)
class NotPlaced:
    registration_id: int
    reason: str
    #: The nights that could not be given (all asked nights for ``split_stay``).
    nights: tuple[datetime.date, ...] = ()


@dataclass
class Outcome:
    placements: list[Placement] = field(default_factory=list)
    not_placed: list[NotPlaced] = field(default_factory=list)


@dataclass
class _Room:
    label: str
    room_type_id: int
    occupancy: int
    accessible: bool
    nights: tuple[datetime.date, ...]
    guests: list[Guest]


def _order(guest: Guest) -> tuple:
    far = datetime.datetime.max.replace(tzinfo=datetime.UTC)
    return (
        not guest.needs_accessible,
        guest.arrival or datetime.date.max,
        guest.arrives_at or far,
        guest.departure or datetime.date.max,
        guest.registration_id,
    )


def _may_share(a: Guest, b: Guest) -> bool:
    return (
        a.accepts_sharing
        and b.accepts_sharing
        and a.gender == b.gender
        and a.gender in PAIRED_GENDERS
        and a.nights == b.nights
    )


def allocate_rooms(guests: list[Guest], blocks: list[Block]) -> Outcome:
    """Rooms for ``guests`` within ``blocks``; see the module's rules. Pure and deterministic."""
    blocks = sorted(blocks, key=lambda b: (b.hotel_id, b.room_type_id))
    used: dict[int, dict[datetime.date, int]] = {b.room_type_id: defaultdict(int) for b in blocks}
    rooms: list[_Room] = []
    labels: dict[int, int] = defaultdict(int)
    outcome = Outcome()
    for guest in sorted(guests, key=_order):
        if guest.arrival is None or guest.departure is None:
            outcome.not_placed.append(NotPlaced(guest.registration_id, NO_DATES))
            continue
        nights = guest.nights
        if not nights:
            outcome.not_placed.append(NotPlaced(guest.registration_id, NO_NIGHTS))
            continue
        # 1. a consenting guest joins a room whose guests consented, with the same nights
        shared = next(
            (
                room
                for room in rooms
                if len(room.guests) < room.occupancy
                and (room.accessible or not guest.needs_accessible)
                and all(_may_share(guest, other) for other in room.guests)
            ),
            None,
        )
        if shared is not None:
            shared.guests.append(guest)
            outcome.placements.append(
                Placement(
                    guest.registration_id, shared.room_type_id, nights[0], guest.departure, shared.label
                )
            )
            continue
        # 2. a room of its own, of the best type free on every night
        suitable = [b for b in blocks if b.accessible or not guest.needs_accessible]
        if guest.needs_accessible and not any(any(b.rooms.values()) for b in suitable):
            outcome.not_placed.append(NotPlaced(guest.registration_id, NO_ACCESSIBLE_ROOM, tuple(nights)))
            continue

        def preference(block: Block, guest: Guest = guest) -> tuple:
            sharing_room = block.occupancy >= 2
            return (
                block.accessible and not guest.needs_accessible,
                sharing_room != guest.accepts_sharing,
                block.hotel_id,
                block.room_type_id,
            )

        chosen = next(
            (
                b
                for b in sorted(suitable, key=preference)
                if all(used[b.room_type_id][night] < b.rooms.get(night, 0) for night in nights)
            ),
            None,
        )
        if chosen is None:
            outside = tuple(n for n in nights if not any(b.rooms.get(n, 0) > 0 for b in suitable))
            full = tuple(
                n for n in nights if not any(used[b.room_type_id][n] < b.rooms.get(n, 0) for b in suitable)
            )
            if guest.needs_accessible and outside == tuple(nights):
                outcome.not_placed.append(NotPlaced(guest.registration_id, NO_ACCESSIBLE_ROOM, outside))
            elif outside:
                outcome.not_placed.append(NotPlaced(guest.registration_id, OUTSIDE_BLOCK, outside))
            elif full:
                outcome.not_placed.append(NotPlaced(guest.registration_id, FULL, full))
            else:
                outcome.not_placed.append(NotPlaced(guest.registration_id, SPLIT_STAY, tuple(nights)))
            continue
        for night in nights:
            used[chosen.room_type_id][night] += 1
        labels[chosen.hotel_id] += 1
        label = f"R{labels[chosen.hotel_id]:03d}"
        rooms.append(
            _Room(label, chosen.room_type_id, chosen.occupancy, chosen.accessible, tuple(nights), [guest])
        )
        outcome.placements.append(
            Placement(guest.registration_id, chosen.room_type_id, nights[0], guest.departure, label)
        )
    return outcome


def local_date(instant: datetime.datetime | None, zone: ZoneInfo) -> datetime.date | None:
    return None if instant is None else instant.astimezone(zone).date()


# --- the service -----------------------------------------------------------------------------------


async def guests_of(event_id: int, zone: ZoneInfo) -> list[Guest]:
    """The event's approved participants whose funding includes the room."""
    rows = (
        await Registration.select(
            Registration.id,
            Registration.given_names,
            Registration.family_name,
            Registration.arrival_at,
            Registration.departure_at,
            Registration.accessibility,
            Registration.gender,
        )
        .where(
            Registration.event == event_id,
            Registration.status == RegistrationStatus.approved.value,
            Registration.id.is_in(
                FundingDecision.select(FundingDecision.registration).where(
                    FundingDecision.event == event_id, FundingDecision.level.is_in(sorted(ROOM_LEVELS))
                )
            ),
        )
        .output(load_json=True)
    )
    sharing = {
        row["registration"]
        for row in await TravelPreference.select(TravelPreference.registration).where(
            TravelPreference.registration.event == event_id, TravelPreference.accepts_sharing.eq(True)
        )
    }
    return [
        Guest(
            registration_id=row["id"],
            name=f"{row['given_names']} {row['family_name']}".strip(),
            arrival=local_date(row["arrival_at"], zone),
            departure=local_date(row["departure_at"], zone),
            needs_accessible=STEP_FREE in (row["accessibility"] or []),
            accepts_sharing=row["id"] in sharing,
            gender=row["gender"],
            arrives_at=row["arrival_at"],
        )
        for row in rows
    ]


async def blocks_of(event_id: int) -> list[Block]:
    types = await RoomType.select(RoomType.id, RoomType.hotel, RoomType.occupancy, RoomType.accessible).where(
        RoomType.hotel.event == event_id
    )
    nights: dict[int, dict[datetime.date, int]] = defaultdict(dict)
    for row in await RoomBlock.select(RoomBlock.room_type, RoomBlock.night, RoomBlock.rooms).where(
        RoomBlock.room_type.hotel.event == event_id
    ):
        nights[row["room_type"]][row["night"]] = row["rooms"]
    return [
        Block(
            room_type_id=row["id"],
            hotel_id=row["hotel"],
            occupancy=row["occupancy"],
            accessible=row["accessible"],
            rooms=nights[row["id"]],
        )
        for row in types
    ]


async def allocate(actor: Actor, event_id: int) -> schemas.AllocationOutcome:
    """Allocate rooms to the event's funded participants, replacing the previous allocation."""
    actor.require_organiser(event_id)
    async with write_transaction():
        event = await lock_event(event_id)
        zone = ZoneInfo(event["time_zone"])
        guests = await guests_of(event_id, zone)
        outcome = allocate_rooms(guests, await blocks_of(event_id))
        await RoomAllocation.delete().where(RoomAllocation.registration.event == event_id)
        created = now()
        if outcome.placements:
            await RoomAllocation.insert(
                *[
                    RoomAllocation(
                        registration=p.registration_id,
                        room_type=p.room_type_id,
                        check_in=p.check_in,
                        check_out=p.check_out,
                        room_label=p.room_label,
                        created_at=created,
                    )
                    for p in outcome.placements
                ]
            )
        # The hotel part of a full decision is its room's nights and rate once a room is given.
        repriced = await funding.reprice_rooms(event_id)
        await record(
            actor,
            "travel.hotels.allocated",
            "event",
            event_id,
            event_id=event_id,
            data={
                "placed": len(outcome.placements),
                "not_placed": [[n.registration_id, n.reason] for n in outcome.not_placed],
                "decisions_repriced": repriced,
            },
        )
    by_id = {g.registration_id: g for g in guests}
    return schemas.AllocationOutcome(
        placed=len(outcome.placements),
        not_placed=[describe(n, by_id[n.registration_id]) for n in outcome.not_placed],
    )


# --- reading the allocation ------------------------------------------------------------------------

#: Not in the stored allocation although the current data would place them.
NOT_ALLOCATED = "not_allocated"

REASONS = {
    NO_DATES: "No arrival or departure on the registration",
    NO_NIGHTS: "The departure is not after the arrival night",
    NO_ACCESSIBLE_ROOM: "Needs an accessible room: none is free on these nights",
    OUTSIDE_BLOCK: "The room block holds no suitable room on these nights",
    FULL: "Every suitable room is taken on these nights",
    SPLIT_STAY: "A room is free each night, but not one room type for the whole stay",
    NOT_ALLOCATED: "Would fit now: allocate the rooms again",
}


async def _names(event_id: int) -> dict[int, dict]:
    rows = (
        await Registration.select(
            Registration.id,
            Registration.reference,
            Registration.given_names,
            Registration.family_name,
            Registration.latin_name,
            Registration.arrival_at,
            Registration.departure_at,
            Registration.accessibility,
            Registration.accessibility_other,
        )
        .where(Registration.event == event_id)
        .output(load_json=True)
    )
    return {row["id"]: row for row in rows}


async def list_allocations(actor: Actor, event_id: int) -> list[schemas.RoomAllocation]:
    """The rooms given out, by hotel, room and guest."""
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    return await _allocations(event_id)


async def _allocations(event_id: int) -> list[schemas.RoomAllocation]:
    rows = (
        await RoomAllocation.select(
            RoomAllocation.all_columns(),
            RoomAllocation.room_type.name.as_alias("type_name"),
            RoomAllocation.room_type.accessible.as_alias("accessible"),
            RoomAllocation.room_type.hotel.id.as_alias("hotel_id"),
            RoomAllocation.room_type.hotel.name.as_alias("hotel_name"),
        )
        .where(
            RoomAllocation.registration.event == event_id,
            # a withdrawn participant's room is no longer listed (it is freed by the next allocation)
            RoomAllocation.registration.status == RegistrationStatus.approved.value,
        )
        .order_by(RoomAllocation.room_type.hotel.id)
        .order_by(RoomAllocation.room_label)
        .order_by(RoomAllocation.registration)
    )
    names = await _names(event_id)
    rooms: dict[tuple[int, str], list[int]] = defaultdict(list)
    for row in rows:
        rooms[(row["room_type"], row["room_label"])].append(row["registration"])
    return [
        schemas.RoomAllocation(
            registration_id=row["registration"],
            reference=names[row["registration"]]["reference"],
            name=f"{names[row['registration']]['given_names']} {names[row['registration']]['family_name']}".strip(),
            hotel_id=row["hotel_id"],
            hotel_name=row["hotel_name"],
            room_type_id=row["room_type"],
            room_type=row["type_name"],
            check_in=row["check_in"],
            check_out=row["check_out"],
            nights=(row["check_out"] - row["check_in"]).days,
            room_label=row["room_label"],
            accessible=row["accessible"],
            sharing_with=[
                other
                for other in rooms[(row["room_type"], row["room_label"])]
                if other != row["registration"]
            ],
        )
        for row in rows
    ]


async def not_placed(actor: Actor, event_id: int) -> list[schemas.NotPlaced]:
    """Funded participants without a room in the stored allocation, each with why: the reason a run
    on the current data gives (or that it would place them now)."""
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    guests = await guests_of(event_id, ZoneInfo(event["time_zone"]))
    have = {
        row["registration"]
        for row in await RoomAllocation.select(RoomAllocation.registration).where(
            RoomAllocation.registration.event == event_id
        )
    }
    missing = [g for g in guests if g.registration_id not in have]
    if not missing:
        return []
    reasons = {n.registration_id: n for n in allocate_rooms(guests, await blocks_of(event_id)).not_placed}
    by_id = {g.registration_id: g for g in guests}
    answer = []
    for guest in sorted(missing, key=_order):
        found = reasons.get(guest.registration_id, NotPlaced(guest.registration_id, NOT_ALLOCATED))
        answer.append(describe(found, by_id[guest.registration_id]))
    return answer


def describe(item: NotPlaced, guest: Guest) -> schemas.NotPlaced:
    return schemas.NotPlaced(
        registration_id=item.registration_id,
        name=guest.name,
        reason=item.reason,
        detail=REASONS[item.reason],
        nights=list(item.nights),
    )


async def rooming_list(actor: Actor, event_id: int, hotel_id: int) -> rooming.RoomingList:
    """The hotel's rooming list from the stored allocation (guest names in Latin script)."""
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    hotel = await Hotel.select().where(Hotel.id == hotel_id, Hotel.event == event_id).first()
    if hotel is None:
        raise NotFound(f"Event {event_id} has no hotel {hotel_id}")
    zone = ZoneInfo(event["time_zone"])
    names = await _names(event_id)
    allocations = [a for a in await _allocations(event_id) if a.hotel_id == hotel_id]
    latin = {
        reg_id: rooming.guest_name(row["given_names"], row["family_name"], row["latin_name"])
        for reg_id, row in names.items()
    }
    rows = []
    for allocation in sorted(
        allocations, key=lambda a: (latin[a.registration_id][0].casefold(), a.registration_id)
    ):
        person = names[allocation.registration_id]
        notes = []
        if not latin[allocation.registration_id][1]:
            notes.append(rooming.NO_LATIN_NAME)
        if person["arrival_at"] is not None:
            notes.append(f"Arrives {person['arrival_at'].astimezone(zone):%H:%M}")
        if person["departure_at"] is not None:
            notes.append(f"leaves {person['departure_at'].astimezone(zone):%H:%M}")
        if STEP_FREE in (person["accessibility"] or []):
            notes.append("needs step-free access")
        rows.append(
            rooming.RoomingRow(
                guest=latin[allocation.registration_id][0],
                arrival=allocation.check_in,
                departure=allocation.check_out,
                room_type=allocation.room_type,
                sharing_with="; ".join(latin[other][0] for other in allocation.sharing_with),
                accessible=allocation.accessible,
                reference=f"{person['reference']} / {allocation.room_label}",
                notes=", ".join(notes),
            )
        )
    return rooming.RoomingList(
        event=event["title"],
        hotel=hotel["name"],
        hotel_address=", ".join(part for part in (hotel["address"], hotel["city"]) if part),
        rows=tuple(rows),
        generated_at=now().astimezone(zone),
    )
