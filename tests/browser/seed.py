"""Set up the browser tests' server database: migrate, then one open event with sessions and an organiser.

Run as ``python -m tests.browser.seed`` with the server's environment (DATA_DIR, DATABASE_URL …); prints
the ids as JSON on its last line.
"""

from __future__ import annotations

import asyncio
import datetime
import json

import msgspec


async def main() -> dict:
    from events import db
    from events.auth.tables import Role
    from events.commands import apply_migrations
    from events.programme import schemas as programme_schemas
    from events.programme import services as programme_services
    from tests.factories import SYSTEM, create_account, create_event, create_programme

    await db.start()
    try:
        await apply_migrations()
        programme = await create_programme("omnichannel")
        now = datetime.datetime.now(datetime.UTC)
        event = await create_event(
            programme.id,
            slug="baku-symposium",
            title="International Symposium on Omnichannel Public Service Delivery",
            capacity=50,
            registration_opens_at=(now - datetime.timedelta(days=1)).isoformat(),
            registration_closes_at=(now + datetime.timedelta(days=30)).isoformat(),
            languages=["en", "fr", "es"],
        )
        for title, kind, start, end, optional in (
            ("Opening plenary", "plenary", "2027-10-12T09:00:00", "2027-10-12T10:30:00", False),
            (
                "ASAN service centres: how one-stop shops work",
                "panel",
                "2027-10-12T11:00:00",
                "2027-10-12T12:30:00",
                False,
            ),
            (
                "Study visit to ASAN Xidmət centre No. 1",
                "study_visit",
                "2027-10-13T14:00:00",
                "2027-10-13T17:00:00",
                True,
            ),
        ):
            data = msgspec.convert(
                {
                    "title": title,
                    "kind": kind,
                    "starts_at": start,
                    "ends_at": end,
                    "optional": optional,
                    "room": "Hall A",
                },
                programme_schemas.SessionCreate,
            )
            await programme_services.create_session(SYSTEM, event.id, data)
        organiser = await create_account(Role.organiser, event.id, username="organiser")
        return {"event_id": event.id, "username": organiser.username, "password": organiser.password}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
