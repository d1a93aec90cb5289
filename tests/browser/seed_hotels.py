"""Funded participants for the console's hotels browser test, on top of tests/browser/seed.py's event:
two approved registrations funded in full who accept sharing a room, arriving on 12 October and leaving on the 15th (Baku time),
one with an Arabic passport name and a Latin name. No hotel: the test creates it on the page.

Run as ``python -m tests.browser.seed_hotels EVENT_ID`` with the server's environment; prints the
registration ids as JSON on its last line.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys

import msgspec

BAKU = datetime.timezone(datetime.timedelta(hours=4))
PEOPLE = [
    ("أمينة", "موسى", "MOUSSA AMINA", "DJI"),
    ("Grace", "Mensah", "", "GHA"),
]


async def main(event_id: int) -> dict:
    from events import db
    from events.registration import schemas as registration_schemas
    from events.registration import submission
    from events.registration.tables import Channel, Registration
    from events.travel.tables import FundingDecision, TravelPreference
    from tests.factories import SYSTEM

    await db.start()
    try:
        ids = []
        for n, (given, family, latin, country) in enumerate(PEOPLE):
            data = msgspec.convert(
                {
                    "given_names": given,
                    "family_name": family,
                    "latin_name": latin,
                    "email": f"guest{n}@example.org",
                    "gender": "female",
                    "nationality": country,
                    "country_represented": country,
                    "institution": "Public Service Agency",
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
            await Registration.update(
                {
                    Registration.arrival_at: datetime.datetime(2027, 10, 12, 15, 0, tzinfo=BAKU),
                    Registration.departure_at: datetime.datetime(2027, 10, 15, 10, 0, tzinfo=BAKU),
                }
            ).where(Registration.id == registration_id)
            await FundingDecision.insert(
                FundingDecision(registration=registration_id, event=event_id, level="full", reason="LDC")
            )
            await TravelPreference.insert(
                TravelPreference(registration=registration_id, accepts_sharing=True)
            )
            ids.append(registration_id)
        return {"registrations": ids}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
