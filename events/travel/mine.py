"""The participant's view of their travel: what the organisers decided and arranged, read straight
from the travel tables (:func:`my_travel`), the two things the participant does here (confirm the
itinerary, accept sharing a twin room), their flights and airport pick-up in their personal calendar
feed (:func:`travel_items`, :func:`travel_version`), and the e-mail with the pick-up details the day
before arrival (:func:`queue_transfer_notices`, run by the job runner's periodic tick).

Local times: a flight's departure and arrival are shown in each airport's zone (``airportsdata``,
through :func:`airport_zone`, from ``events.travel.airports``),
a pick-up in the event's zone.
"""

from __future__ import annotations

import datetime
import functools
from zoneinfo import ZoneInfo

from events import clock
from events.audit.services import record
from events.auth.principal import Actor
from events.calendars.render import Item
from events.calendars.services import OWNER_ID, Agenda
from events.db import Dialect, locked, write_transaction
from events.notifications.services import queue_email
from events.programme.tables import Event
from events.registration.reading import check_access, get_registration_row
from events.registration.tables import Registration, RegistrationStatus
from events.settings import get_settings
from events.travel import airports, schemas
from events.travel.tables import (
    DsaPayment,
    FlightSegment,
    FundingDecision,
    Hotel,
    RoomAllocation,
    RoomType,
    TransferDirection,
    TransferRider,
    TransferRun,
    TravelPreference,
)
from events.visits.tables import Vehicle

UTC = datetime.UTC
#: SEQUENCE counts seconds from here (as the visits' items do).
SEQUENCE_EPOCH = datetime.datetime(2024, 1, 1, tzinfo=UTC)
NOTICE_KIND = "transfer_notice"


def airport_zone(code: str) -> str:
    """The IANA zone of an airport (UTC for a code the data does not know)."""
    found = airports.airport(code)
    return found.tz if found else "UTC"


def _local(value: datetime.datetime, zone: str) -> datetime.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(zone))


def _person(row: dict) -> str:
    return " ".join(part for part in (row["given_names"], row["family_name"]) if part)


async def _preference(registration_id: int) -> dict | None:
    return await TravelPreference.select().where(TravelPreference.registration == registration_id).first()


async def _hotel(registration_id: int, accepts_sharing: bool) -> schemas.MyHotel | None:
    allocation = await RoomAllocation.select().where(RoomAllocation.registration == registration_id).first()
    if allocation is None:
        return None
    room_type = await RoomType.select().where(RoomType.id == allocation["room_type"]).first()
    hotel = await Hotel.select().where(Hotel.id == room_type["hotel"]).first()
    mates = await RoomAllocation.select(RoomAllocation.registration).where(
        RoomAllocation.room_type == allocation["room_type"],
        RoomAllocation.room_label == allocation["room_label"],
        RoomAllocation.registration != registration_id,
    )
    roommate = ""
    if mates and accepts_sharing and len(mates) == 1:
        other = mates[0]["registration"]
        other_preference = await _preference(other)
        if other_preference and other_preference["accepts_sharing"]:
            row = (
                await Registration.select(Registration.given_names, Registration.family_name)
                .where(Registration.id == other)
                .first()
            )
            roommate = _person(row) if row else ""
    return schemas.MyHotel(
        name=hotel["name"],
        address=hotel["address"],
        city=hotel["city"],
        phone=hotel["contact_phone"],
        check_in=allocation["check_in"],
        check_out=allocation["check_out"],
        room_type=room_type["name"],
        accessible=room_type["accessible"],
        shared=bool(mates),
        roommate=roommate,
    )


async def _transfers(registration_id: int, zone: str) -> list[schemas.MyTransfer]:
    riders = await TransferRider.select(TransferRider.run).where(
        TransferRider.registration == registration_id
    )
    if not riders:
        return []
    runs = (
        await TransferRun.select()
        .where(TransferRun.id.is_in([row["run"] for row in riders]))
        .order_by(TransferRun.leaves_at)
    )
    vehicles = {
        row["id"]: row
        for row in await Vehicle.select().where(Vehicle.id.is_in([run["vehicle"] for run in runs]))
    }
    out = []
    for run in runs:
        vehicle = vehicles.get(run["vehicle"], {})
        out.append(
            schemas.MyTransfer(
                direction=run["direction"],
                leaves_at=_local(run["leaves_at"], zone),
                waits_until=_local(run["waits_until"], zone) if run["waits_until"] else None,
                meeting_point=run["meeting_point"],
                vehicle=vehicle.get("name", ""),
                driver_name=vehicle.get("driver_name", ""),
                contact_phone=run["contact_phone"] or vehicle.get("driver_phone", ""),
            )
        )
    return out


def _flight(row: dict) -> schemas.MyFlight:
    departs_zone, arrives_zone = airport_zone(row["from_airport"]), airport_zone(row["to_airport"])
    return schemas.MyFlight(
        direction=row["direction"],
        carrier=row["carrier"],
        flight_number=row["flight_number"],
        from_airport=row["from_airport"],
        to_airport=row["to_airport"],
        departs_at=_local(row["departs_at"], departs_zone),
        departs_zone=departs_zone,
        arrives_at=_local(row["arrives_at"], arrives_zone),
        arrives_zone=arrives_zone,
        booking_reference=row["booking_reference"],
    )


async def _segments(registration_id: int) -> list[dict]:
    return (
        await FlightSegment.select()
        .where(FlightSegment.registration == registration_id)
        .order_by(FlightSegment.departs_at)
        .order_by(FlightSegment.id)
    )


async def read_my_travel(registration: dict, zone: str) -> schemas.MyTravel:
    """The travel of one registration (no access check: :func:`my_travel` is the entry)."""
    registration_id = registration["id"]
    decision = await FundingDecision.select().where(FundingDecision.registration == registration_id).first()
    preference = await _preference(registration_id) or {}
    accepts_sharing = bool(preference.get("accepts_sharing"))
    dsa = await DsaPayment.select().where(DsaPayment.registration == registration_id).first()
    return schemas.MyTravel(
        registration_id=registration_id,
        event_id=registration["event"],
        zone=zone,
        funding=decision["level"] if decision else None,
        flights=[_flight(row) for row in await _segments(registration_id)],
        itinerary_confirmed_at=preference.get("itinerary_confirmed_at"),
        accepts_sharing=accepts_sharing,
        hotel=await _hotel(registration_id, accepts_sharing),
        transfers=await _transfers(registration_id, zone),
        dsa=schemas.MyDsa(
            nights=dsa["nights"],
            rate=dsa["rate"],
            reduction_percent=dsa["reduction_percent"],
            amount=dsa["amount"],
            currency=dsa["currency"],
            paid_at=dsa["paid_at"],
        )
        if dsa
        else None,
    )


async def _event_zone(event_id: int) -> str:
    row = await Event.select(Event.time_zone).where(Event.id == event_id).first()
    return row["time_zone"] if row else "UTC"


async def my_travel(actor: Actor, registration_id: int) -> schemas.MyTravel:
    """The participant's funding, flights, hotel, pick-ups and DSA (the participant or the event's
    organisers; anyone else gets 404)."""
    registration = await get_registration_row(registration_id)
    check_access(actor, registration)
    return await read_my_travel(registration, await _event_zone(registration["event"]))


# --- the participant's two actions ----------------------------------------------------------------


async def _own_preference(registration_id: int) -> dict:
    """The preference row, locked, made when missing (inside a write transaction)."""
    await TravelPreference.insert(TravelPreference(registration=registration_id)).on_conflict(
        target=TravelPreference.registration, action="DO NOTHING"
    )
    query = TravelPreference.select().where(TravelPreference.registration == registration_id)
    row = await locked(query).first()
    assert row is not None
    return row


async def set_sharing(actor: Actor, registration_id: int, accepts: bool) -> bool:
    """Whether the participant accepts sharing a twin room with another participant (audited)."""
    async with write_transaction():
        registration = await get_registration_row(registration_id, lock=True)
        check_access(actor, registration)
        before = await _own_preference(registration_id)
        if before["accepts_sharing"] != accepts:
            await TravelPreference.update(
                {TravelPreference.accepts_sharing: accepts, TravelPreference.updated_at: clock.now()}
            ).where(TravelPreference.registration == registration_id)
            await record(
                actor,
                "travel.sharing.changed",
                "registration",
                registration_id,
                event_id=registration["event"],
                data={"accepts_sharing": accepts},
            )
        return accepts


# --- the personal calendar feed ---------------------------------------------------------------------

#: One text piece per flight and per airport pick-up of the registration, in order: everything the
#: items show (the booking reference included).
_VERSION_FRAGMENT = """
SELECT 'travel:' || coalesce({aggregate}, 'none') FROM (
    SELECT 'f' AS part, s."id" AS id, 'f' || CAST(s."id" AS TEXT) || ':' || s."direction" || ':' || s."carrier"
        || ':' || s."flight_number" || ':' || s."from_airport" || ':' || s."to_airport" || ':'
        || CAST(s."departs_at" AS TEXT) || ':' || CAST(s."arrives_at" AS TEXT) || ':'
        || coalesce(s."booking_reference", '') AS piece
    FROM "travel_flight_segment" s WHERE s."registration" = {owner_id}
    UNION ALL
    SELECT 't' AS part, run."id" AS id, 't' || CAST(run."id" AS TEXT) || ':' || CAST(run."leaves_at" AS TEXT)
        || ':' || coalesce(CAST(run."waits_until" AS TEXT), '') || ':' || run."meeting_point" || ':'
        || run."contact_phone" || ':' || v."name" || ':' || v."driver_name" || ':' || v."driver_phone" AS piece
    FROM "travel_transfer_rider" x
    JOIN "travel_transfer_run" run ON run."id" = x."run"
    JOIN "visit_vehicle" v ON v."id" = run."vehicle"
    WHERE x."registration" = {owner_id}
    ORDER BY part, id
) travel_pieces
"""


@functools.cache
def _version_fragment(dialect: Dialect) -> str:
    return _VERSION_FRAGMENT.format(aggregate=dialect.ordered_concat("piece", "part, id"), owner_id=OWNER_ID)


async def travel_version(dialect: Dialect) -> str:
    """What the travel items of a registration are made of: a fragment of the feed's one statement."""
    return _version_fragment(dialect)


def _sequence(changed_at: datetime.datetime) -> int:
    return max(0, int((changed_at - SEQUENCE_EPOCH).total_seconds()))


async def travel_items(agenda: Agenda) -> list[Item]:
    """The approved participant's flights (each in its departure airport's zone) and pick-ups."""
    registration_id = agenda.registration_id
    zone = agenda.event["time_zone"]
    items = []
    link = f"{agenda.site.base_url}/my/travel"
    for row in await _segments(registration_id):
        flight = _flight(row)
        changed = row["created_at"]
        items.append(
            Item(
                uid=agenda.site.uid("flight", row["id"]),
                summary=f"Flight {flight.carrier} {flight.flight_number}: {flight.from_airport} → {flight.to_airport}",
                start=flight.departs_at,
                end=flight.arrives_at.astimezone(ZoneInfo(flight.departs_zone)),
                zone=flight.departs_zone,
                changed_at=changed,
                sequence=_sequence(changed),
                location=flight.from_airport,
                description="\n".join(
                    [
                        f"Departs {flight.from_airport}: {flight.departs_at:%Y-%m-%d %H:%M} ({flight.departs_zone})",
                        f"Arrives {flight.to_airport}: {flight.arrives_at:%Y-%m-%d %H:%M} ({flight.arrives_zone})",
                        *(
                            [f"Booking reference: {flight.booking_reference}"]
                            if flight.booking_reference
                            else []
                        ),
                        f"Your travel: {link}",
                    ]
                ),
                url=link,
                categories=("flight",),
            )
        )
    riders = await TransferRider.select(TransferRider.run).where(
        TransferRider.registration == registration_id
    )
    if riders:
        runs = await TransferRun.select().where(TransferRun.id.is_in([row["run"] for row in riders]))
        vehicles = {
            row["id"]: row
            for row in await Vehicle.select().where(Vehicle.id.is_in([run["vehicle"] for run in runs]))
        }
        for run in runs:
            vehicle = vehicles.get(run["vehicle"], {})
            start = _local(run["leaves_at"], zone)
            end = _local(run["waits_until"], zone) if run["waits_until"] else start
            end = max(end, start + datetime.timedelta(minutes=30))
            phone = run["contact_phone"] or vehicle.get("driver_phone", "")
            what = (
                "Airport pick-up"
                if run["direction"] == TransferDirection.arrival.value
                else "Ride to the airport"
            )
            lines = [
                f"Meeting point: {run['meeting_point']}",
                f"Leaves at {start:%H:%M}" + (f", waits until {end:%H:%M}" if run["waits_until"] else ""),
                f"Vehicle: {vehicle.get('name', '')}",
            ]
            if phone:
                lines.append(f"Contact: {vehicle.get('driver_name', '')} {phone}".replace("  ", " "))
            lines.append(f"Your travel: {link}")
            items.append(
                Item(
                    uid=agenda.site.uid("transfer", run["id"]),
                    summary=what,
                    start=start,
                    end=end,
                    zone=zone,
                    changed_at=run["created_at"],
                    sequence=_sequence(run["created_at"]),
                    location=run["meeting_point"],
                    description="\n".join(lines),
                    url=link,
                    categories=("transfer",),
                )
            )
    return items


# --- the e-mail the day before arrival ---------------------------------------------------------------


async def _arrivals_tomorrow(now: datetime.datetime) -> list[dict]:
    """Approved riders of arrival runs leaving tomorrow in their event's zone, not told yet."""
    window_start = now - datetime.timedelta(days=1)
    window_end = now + datetime.timedelta(days=3)
    runs = await TransferRun.select().where(
        TransferRun.direction == TransferDirection.arrival.value,
        TransferRun.leaves_at >= window_start,
        TransferRun.leaves_at < window_end,
    )
    if not runs:
        return []
    zones = {
        row["id"]: row
        for row in await Event.select().where(Event.id.is_in(sorted({run["event"] for run in runs})))
    }
    due = []
    for run in runs:
        zone = ZoneInfo(zones[run["event"]]["time_zone"])
        if _local(run["leaves_at"], str(zone)).date() == now.astimezone(zone).date() + datetime.timedelta(
            days=1
        ):
            due.append(run)
    if not due:
        return []
    riders = await TransferRider.select(TransferRider.run, TransferRider.registration).where(
        TransferRider.run.is_in([run["id"] for run in due])
    )
    sent = {
        row["registration"]
        for row in await TravelPreference.select(TravelPreference.registration).where(
            TravelPreference.registration.is_in([row["registration"] for row in riders] or [0]),
            TravelPreference.transfer_notice_sent_at.is_not_null(),
        )
    }
    by_id = {run["id"]: run for run in due}
    return [
        {
            "run": by_id[row["run"]],
            "registration": row["registration"],
            "event": zones[by_id[row["run"]]["event"]],
        }
        for row in riders
        if row["registration"] not in sent
    ]


async def _claim_notice(registration_id: int, now: datetime.datetime) -> bool:
    """Mark the notice sent, once: only the transaction that flips the column queues the e-mail."""
    await TravelPreference.insert(TravelPreference(registration=registration_id)).on_conflict(
        target=TravelPreference.registration, action="DO NOTHING"
    )
    claimed = (
        await TravelPreference.update({TravelPreference.transfer_notice_sent_at: now})
        .where(
            TravelPreference.registration == registration_id,
            TravelPreference.transfer_notice_sent_at.is_null(),
        )
        .returning(TravelPreference.id)
    )
    return bool(claimed)


async def queue_transfer_notices(now: datetime.datetime | None = None, *, base_url: str = "") -> int:
    """Queue the pick-up e-mail for every arrival tomorrow (in the event's zone) not told yet; returns
    how many were queued. Safe to run from several workers at once: each registration's notice is
    claimed in the database, in the transaction that queues it."""
    now = now or clock.now()
    base_url = base_url or get_settings().base_url.rstrip("/")
    queued = 0
    for due in await _arrivals_tomorrow(now):
        async with write_transaction():
            registration = (
                await Registration.select()
                .where(
                    Registration.id == due["registration"],
                    Registration.status == RegistrationStatus.approved.value,
                )
                .first()
            )
            if registration is None or not await _claim_notice(due["registration"], now):
                continue
            run, event = due["run"], due["event"]
            vehicle = await Vehicle.select().where(Vehicle.id == run["vehicle"]).first() or {}
            leaves = _local(run["leaves_at"], event["time_zone"])
            waits = _local(run["waits_until"], event["time_zone"]) if run["waits_until"] else leaves
            await queue_email(
                NOTICE_KIND,
                to=registration["email"],
                language=registration["preferred_language"],
                context={
                    "name": registration["preferred_name"] or _person(registration),
                    "event": event["title"],
                    "date": f"{leaves:%Y-%m-%d}",
                    "time": f"{leaves:%H:%M}",
                    "waits_until": f"{waits:%H:%M}",
                    "meeting_point": run["meeting_point"] or "-",
                    "vehicle": vehicle.get("name", "") or "-",
                    "contact": " ".join(
                        part
                        for part in (
                            vehicle.get("driver_name", ""),
                            run["contact_phone"] or vehicle.get("driver_phone", ""),
                        )
                        if part
                    )
                    or "-",
                    "reference": registration["reference"],
                    "link": f"{base_url}/my/travel",
                },
                object_type="registration",
                object_id=registration["id"],
            )
            await record(
                Actor.system("travel"),
                "travel.transfer_notice.queued",
                "registration",
                registration["id"],
                event_id=event["id"],
                data={"run": run["id"]},
            )
            queued += 1
    return queued
