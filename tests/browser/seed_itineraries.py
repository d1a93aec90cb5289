"""Extra data for the itineraries' browser test: one approved participant of the seeded event.

``python -m tests.browser.seed_itineraries EVENT_ID`` with the server's environment; prints
``{"registration_id": n}`` on its last line.
"""

from __future__ import annotations

import asyncio
import json
import sys


async def main(event_id: int) -> dict:
    import msgspec

    from events import db
    from events.registration import schemas, submission
    from events.registration.tables import Channel
    from tests.factories import SYSTEM
    from tests.test_registration_workflow import person

    await db.start()
    try:
        data = msgspec.convert(
            person(email="itinerary-traveller@example.org", given_names="Sushila", family_name="Karki",
                   nationality="NP", country_represented="NPL"),
            schemas.RegistrationCreate,
        )  # fmt: skip
        result = await submission.submit(
            data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
        )
        return {"registration_id": result.registration.id, "status": result.registration.status}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1])))))
