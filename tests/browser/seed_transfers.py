"""Airport-transfer data on top of an event: the airport (GYD), vehicles, and approved, funded
participants with flights landing at and leaving from it (one needs step-free access, one is not
funded). Nothing is planned: the tests plan.

Run as ``python -m tests.browser.seed_transfers EVENT_ID`` with the server's environment (DATA_DIR,
DATABASE_URL …); prints the ids as JSON on its last line. The unit tests call :func:`seed`.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys

UTC = datetime.UTC
LANDS = datetime.datetime(2027, 10, 11, 8, 0, tzinfo=UTC)

#: given, family, country, minutes after LANDS the flight lands, step-free, funded
PEOPLE = [
    ("Amina", "Moussa", "DJI", 0, False, True),
    ("Bilal", "Haddad", "JOR", 20, True, True),
    ("Chen", "Wei", "CHN", 40, False, True),
    ("Dilnoza", "Karimova", "UZB", 60, False, True),
    ("Farid", "Aliyev", "AZE", 300, False, True),
    ("Grace", "Mensah", "GHA", 30, False, False),
]


async def add_person(
    event_id: int,
    n: int,
    given: str,
    family: str,
    country: str,
    *,
    step_free: bool = False,
    funded: bool = True,
) -> int:
    import msgspec

    from events.registration import schemas as registration_schemas
    from events.registration import submission
    from events.registration.tables import Channel
    from events.travel.tables import FundingDecision
    from tests.factories import SYSTEM

    data = msgspec.convert(
        {
            "given_names": given,
            "family_name": family,
            "email": f"traveller{event_id}-{n}@example.org",
            "phone": "+994 12 000 00 00",
            "gender": "female" if n % 2 == 0 else "male",
            "nationality": country[:2],
            "country_represented": country,
            "institution": "Public Service Agency",
            "level": "high",
            "preferred_language": "en",
            "accessibility": ["step_free_access"] if step_free else [],
            "consent": True,
        },
        registration_schemas.RegistrationCreate,
    )
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
    )
    registration_id = result.registration.id
    await FundingDecision.insert(
        FundingDecision(
            registration=registration_id,
            event=event_id,
            level="full" if funded else "not_funded",
            reason="test",
        )
    )
    return registration_id


async def add_flight(
    registration_id: int, direction: str, departs_at: datetime.datetime, arrives_at: datetime.datetime, **kw
) -> int:
    from events.travel.tables import FlightSegment

    inbound = direction == "inbound"
    segment = FlightSegment(
        registration=registration_id,
        direction=direction,
        carrier=kw.get("carrier", "J2"),
        flight_number=kw.get("flight_number", "012"),
        from_airport=kw.get("from_airport", "IST" if inbound else "GYD"),
        to_airport=kw.get("to_airport", "GYD" if inbound else "IST"),
        departs_at=departs_at,
        arrives_at=arrives_at,
    )
    await segment.save()
    return segment.id


async def set_airport(event_id: int, airport: str = "GYD", window: int = 90, wait: int = 60) -> None:
    from events.travel.tables import TravelSettings

    await TravelSettings.delete().where(TravelSettings.event == event_id)
    await TravelSettings.insert(
        TravelSettings(
            event=event_id, airport=airport, transfer_window_minutes=window, transfer_wait_minutes=wait
        )
    )


async def seed(event_id: int) -> dict:
    from events.visits import schemas, vehicles
    from tests.factories import SYSTEM

    await set_airport(event_id)
    van = await vehicles.create_vehicle(
        SYSTEM,
        event_id,
        schemas.VehicleCreate(name="Accessible van", seats=3, step_free_seats=1, driver_name="Rashad"),
    )
    car = await vehicles.create_vehicle(SYSTEM, event_id, schemas.VehicleCreate(name="Car 2", seats=3))
    people = []
    for n, (given, family, country, minutes, step_free, funded) in enumerate(PEOPLE):
        registration_id = await add_person(
            event_id, n, given, family, country, step_free=step_free, funded=funded
        )
        lands = LANDS + datetime.timedelta(minutes=minutes)
        await add_flight(registration_id, "inbound", lands - datetime.timedelta(hours=3), lands)
        leaves = lands + datetime.timedelta(days=4)
        await add_flight(registration_id, "outbound", leaves, leaves + datetime.timedelta(hours=3))
        people.append(registration_id)
    return {"vehicle_ids": [van.id, car.id], "registration_ids": people}


async def main(event_id: int) -> dict:
    from events import db

    await db.start()
    try:
        return await seed(event_id)
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
