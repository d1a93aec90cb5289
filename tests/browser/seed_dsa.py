"""DSA data for the console's browser test, on top of tests/browser/seed.py's event (Baku): the seeded
organiser made a programme-wide organiser (who edits DSA rates), and three approved participants
funded with DSA whose itineraries span four nights, one of them without dates (a problem to report).

Run as ``python -m tests.browser.seed_dsa EVENT_ID`` with the server's environment (DATA_DIR,
DATABASE_URL …); prints the ids as JSON on its last line.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys

import msgspec

UTC = datetime.UTC
PEOPLE = [
    # given, family, level, arrival, departure (UTC; Baku is UTC+4)
    ("Sione", "Tupou", "full", datetime.datetime(2027, 10, 11, 9, tzinfo=UTC), datetime.datetime(2027, 10, 15, 6, tzinfo=UTC)),
    ("ليلى", "الحسن", "ticket_dsa", datetime.datetime(2027, 10, 11, 9, tzinfo=UTC), datetime.datetime(2027, 10, 15, 6, tzinfo=UTC)),
    ("Tenzin", "Dorji", "ticket_dsa", None, None),
]  # fmt: skip


async def main(event_id: int) -> dict:
    from events import db
    from events.auth.services import grant_role
    from events.auth.tables import Role, User
    from events.registration import schemas as registration_schemas
    from events.registration import submission
    from events.registration.tables import Channel, Registration
    from events.travel.tables import FundingDecision
    from tests.factories import SYSTEM
    from tests.test_registration_workflow import person

    await db.start()
    try:
        organiser = await User.select(User.id).where(User.username == "organiser").first()
        await grant_role(SYSTEM, organiser["id"], Role.organiser, None)
        ids = []
        for number, (given, family, level, arrival, departure) in enumerate(PEOPLE):
            data = msgspec.convert(
                person(
                    email=f"dsa{number}@example.org", given_names=given, family_name=family, preferred_name=""
                ),
                registration_schemas.RegistrationCreate,
            )
            result = await submission.submit(
                data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
            )
            registration_id = result.registration.id
            await Registration.update(
                {Registration.arrival_at: arrival, Registration.departure_at: departure}
            ).where(Registration.id == registration_id)
            await FundingDecision(registration=registration_id, event=event_id, level=level).save()
            ids.append(registration_id)
        return {"registration_ids": ids}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
