"""Study-visit data for the console's browser test, on top of tests/browser/seed.py's event: venue
coordinates, two ASAN centres, two vehicles, three slots, and approved participants with ranked
choices (some ranking nothing). Nothing is assigned: the test runs the scheduler.

Run as ``python -m tests.browser.seed_visits EVENT_ID`` with the server's environment (DATA_DIR,
DATABASE_URL …); prints the ids as JSON on its last line.
"""

from __future__ import annotations

import asyncio
import json
import sys

import msgspec

PEOPLE = [
    ("Amina", "Moussa", "DJI"),
    ("Bilal", "Haddad", "JOR"),
    ("Chen", "Wei", "CHN"),
    ("Dilnoza", "Karimova", "UZB"),
    ("Élodie", "Martin", "FRA"),
    ("Farid", "Aliyev", "AZE"),
    ("Grace", "Mensah", "GHA"),
    ("Hugo", "Silva", "BRA"),
]


async def main(event_id: int) -> dict:
    from events import db
    from events.registration import schemas as registration_schemas
    from events.registration import submission
    from events.registration.tables import Channel
    from events.visits import event_settings, preferences, schemas, sites, slots, vehicles
    from tests.factories import SYSTEM

    await db.start()
    try:
        await event_settings.update_settings(
            SYSTEM,
            event_id,
            msgspec.convert(
                {"venue_latitude": 40.3777, "venue_longitude": 49.8920, "default_meeting_point": "Hall A"},
                schemas.VisitSettingsUpdate,
            ),
        )
        hours = {day: [["09:00", "19:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
        centres = []
        for name, where, step_free in (
            ("Baku ASAN service centre No. 1", (40.4093, 49.8671), True),
            ("Sumgayit ASAN service centre", (40.5897, 49.6686), False),
        ):
            site = await sites.create_site(
                SYSTEM,
                msgspec.convert(
                    {
                        "name": name,
                        "city": name.split()[0],
                        "latitude": where[0],
                        "longitude": where[1],
                        "opening_hours": hours,
                        "group_capacity": 4,
                        "step_free": step_free,
                    },
                    schemas.SiteCreate,
                ),
            )
            centres.append(site.id)
        bus = await vehicles.create_vehicle(
            SYSTEM, event_id, schemas.VehicleCreate(name="Bus 1", seats=4, step_free_seats=1)
        )
        van = await vehicles.create_vehicle(SYSTEM, event_id, schemas.VehicleCreate(name="Van 2", seats=4))
        slot_ids = []
        for site_id, vehicle_id, start, end in (
            (centres[0], bus.id, "2027-10-13T10:00:00", "2027-10-13T12:00:00"),
            (centres[1], van.id, "2027-10-13T10:00:00", "2027-10-13T12:30:00"),
            (centres[0], bus.id, "2027-10-14T10:00:00", "2027-10-14T12:00:00"),
        ):
            slot = await slots.create_slot(
                SYSTEM,
                event_id,
                msgspec.convert(
                    {
                        "site_id": site_id,
                        "starts_at": start,
                        "ends_at": end,
                        "vehicle_ids": [vehicle_id],
                        "guide_language": "en",
                    },
                    schemas.SlotCreate,
                ),
            )
            slot_ids.append(slot.id)
        participants = []
        for n, (given, family, country) in enumerate(PEOPLE):
            data = msgspec.convert(
                {
                    "given_names": given,
                    "family_name": family,
                    "preferred_name": given,
                    "email": f"visitor{n}@example.org",
                    "phone": "+994 12 000 00 00",
                    "gender": "female" if n % 2 == 0 else "male",
                    "nationality": country[:2],
                    "country_represented": country,
                    "institution": "Public Service Agency",
                    "position": "Director",
                    "level": "high",
                    "preferred_language": "en",
                    "consent": True,
                },
                registration_schemas.RegistrationCreate,
            )
            result = await submission.submit(
                data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
            )
            registration_id = result.registration.id
            participants.append(registration_id)
            if n < 6:  # the first six rank two slots, the first slot most often first; two rank nothing
                first = slot_ids[0] if n < 4 else slot_ids[1]
                second = slot_ids[2] if n % 2 == 0 else slot_ids[1] if first != slot_ids[1] else slot_ids[0]
                await preferences.set_preferences(
                    SYSTEM,
                    registration_id,
                    schemas.PreferencesSet([schemas.Choice(slot_id=first), schemas.Choice(slot_id=second)]),
                )
        return {"site_ids": centres, "slot_ids": slot_ids, "participants": len(participants)}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
