"""Extra data for the badge tests: many approved registrations in one insert, with their badges.

``python -m tests.browser.seed_badges EVENT_ID COUNT`` (with the server's environment) adds COUNT
approved registrations to the event and issues their badges through the badge service
(``issue_missing``, the service the console's button calls); prints ``{"registrations": COUNT,
"issued": n}``. The tests import :func:`add_approved` to do the same in-process.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import secrets
import sys

GIVEN = ["Amina", "Bakhyt", "Chen", "Dilnoza", "Elena", "Farid", "Gulnara", "Hassan", "Ines", "Jamal"]
FAMILY = ["Moussa", "Aliyev", "Wei", "Karimova", "Petrova", "Haddad", "Nurlanova", "Said", "Garcia", "Osei"]
COUNTRIES = ["AZE", "DJI", "NPL", "KAZ", "FRA", "PER"]


async def add_approved(event_id: int, count: int, *, start: int = 0) -> list[int]:
    """``count`` approved registrations, inserted in one statement per 500 rows; their ids."""
    from events.registration.tables import Registration

    now = datetime.datetime.now(datetime.UTC)
    batch = secrets.token_hex(3)
    rows = [
        Registration(
            event=event_id,
            reference=f"B{batch}{n:06d}".upper(),
            status="approved",
            channel="import",
            email=f"badge-{batch}-{n}@example.org",
            given_names=GIVEN[n % len(GIVEN)],
            family_name=f"{FAMILY[(n // len(GIVEN)) % len(FAMILY)]}{n}",
            gender="female" if n % 2 else "male",
            nationality=COUNTRIES[n % len(COUNTRIES)],
            country_represented=COUNTRIES[n % len(COUNTRIES)],
            institution="Public Service Agency",
            level="mid",
            consent_at=now,
        )
        for n in range(start, start + count)
    ]
    ids: list[int] = []
    for first in range(0, len(rows), 500):
        inserted = await Registration.insert(*rows[first : first + 500]).returning(Registration.id)
        ids += [row["id"] for row in inserted]
    return ids


async def main(event_id: int, count: int) -> dict:
    from events import db
    from events.auth.principal import Actor
    from events.badges import services

    await db.start()
    try:
        await add_approved(event_id, count)
        result = await services.issue_missing(Actor.system("seed badges"), event_id)
        return {"registrations": count, "issued": result.issued}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))))
