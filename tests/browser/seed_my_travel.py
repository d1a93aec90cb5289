"""A funded participant's travel for the portal's browser test (and the unit tests' ``fund``): the
funding decision, two flights KTM-DOH-GYD, a twin room, an airport pick-up and the DSA, written to the
travel tables as the organisers' services would.

Run as ``python -m tests.browser.seed_my_travel EVENT_ID REGISTRATION_ID...`` with the server's
environment (DATA_DIR, DATABASE_URL …): approves each registration and funds it.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys
from decimal import Decimal

from events.travel.tables import (
    DsaPayment,
    FlightSegment,
    FundingDecision,
    Hotel,
    RoomAllocation,
    RoomBlock,
    RoomType,
    TransferRider,
    TransferRun,
)
from events.visits.tables import Vehicle

UTC = datetime.UTC
#: KTM-DOH-GYD: lands in Baku (UTC+4) at 07:15 local on 11 October 2027.
LANDS = datetime.datetime(2027, 10, 11, 3, 15, tzinfo=UTC)


async def fund(event_id: int, registration_id: int, *, room_label: str = "101") -> dict:
    """Everything the organisers arrange for one participant, written to the tables."""
    await FundingDecision.insert(
        FundingDecision(registration=registration_id, event=event_id, level="full", reason="LDC official")
    )
    await FlightSegment.insert(
        FlightSegment(
            registration=registration_id,
            direction="inbound",
            carrier="QR",
            flight_number="647",
            from_airport="KTM",
            to_airport="DOH",
            departs_at=datetime.datetime(2027, 10, 10, 15, 0, tzinfo=UTC),
            arrives_at=datetime.datetime(2027, 10, 10, 18, 40, tzinfo=UTC),
            booking_reference="QX7P2K",
        ),
        FlightSegment(
            registration=registration_id,
            direction="inbound",
            carrier="QR",
            flight_number="353",
            from_airport="DOH",
            to_airport="GYD",
            departs_at=datetime.datetime(2027, 10, 10, 23, 50, tzinfo=UTC),
            arrives_at=LANDS,
            booking_reference="QX7P2K",
        ),
    )
    hotel = (await Hotel.insert(Hotel(event=event_id, name="Hotel Caspian", address="1 Neftchilar Ave")))[0]
    twin = (await RoomType.insert(RoomType(hotel=hotel["id"], name="Twin room", occupancy=2)))[0]
    await RoomBlock.insert(RoomBlock(room_type=twin["id"], night=datetime.date(2027, 10, 11), rooms=5))
    await RoomAllocation.insert(
        RoomAllocation(
            registration=registration_id,
            room_type=twin["id"],
            check_in=datetime.date(2027, 10, 11),
            check_out=datetime.date(2027, 10, 15),
            room_label=room_label,
        )
    )
    vehicle = (
        await Vehicle.insert(
            Vehicle(
                event=event_id, key=f"v{registration_id}", name="Minibus 1", seats=16, driver_name="Rashad"
            )
        )
    )[0]
    run = (
        await TransferRun.insert(
            TransferRun(
                event=event_id,
                direction="arrival",
                vehicle=vehicle["id"],
                key=f"tr{registration_id}",
                leaves_at=LANDS + datetime.timedelta(minutes=45),
                waits_until=LANDS + datetime.timedelta(minutes=105),
                meeting_point="Arrivals hall, exit 2",
                contact_phone="+994 50 123 45 67",
            )
        )
    )[0]
    await TransferRider.insert(TransferRider(run=run["id"], registration=registration_id))
    await DsaPayment.insert(
        DsaPayment(
            registration=registration_id,
            event=event_id,
            nights=4,
            rate=Decimal("229.00"),
            reduction_percent=50,
            amount=Decimal("458.00"),
        )
    )
    return {"run": run, "hotel": hotel, "twin": twin}


async def main(event_id: int, registration_ids: list[int]) -> dict:
    from events import db
    from events.registration import moderation
    from tests.factories import SYSTEM

    await db.start()
    try:
        for n, registration_id in enumerate(registration_ids):
            await moderation.approve(SYSTEM, registration_id)
            await fund(event_id, registration_id, room_label=f"3{n:02d}")
        return {"funded": registration_ids}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), [int(value) for value in sys.argv[2:]]))))
