"""Extra data for the reports' browser tests: an event on now (so badges are valid today) organised by
the seeded organiser, a session with a checkpoint, registrations from LDC and SIDS countries, some
checked in through the scan service, one cancelled.

Run as ``python -m tests.browser.seed_reports`` with the server's environment; prints the new event's id
as JSON on its last line.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import uuid

import msgspec

PEOPLE = [
    # given, family, country, nationality, gender, level, sector, admitted at the door / in the room
    ("Amina", "Moussa", "DJI", "DJ", "female", "high", "Government", True, True),
    ("Sione", "Tupou", "TON", "TO", "male", "mid", "=SUM(A1:A9)", True, False),
    ("ليلى", "الحسن", "YEM", "YE", "female", "mid", "Ministry of Digital Transformation and Communications", False, False),
    ("Jean-Baptiste", "Pierre-Louis", "HTI", "HT", "other", "high", "", True, True),
]  # fmt: skip


async def main() -> dict:
    from events import db
    from events.auth.services import grant_role
    from events.auth.tables import Role, User
    from events.badges import services as badge_services
    from events.checkin import checkpoints, scanning
    from events.checkin import schemas as checkin_schemas
    from events.programme import schemas as programme_schemas
    from events.programme import services as programme_services
    from events.registration import moderation, submission
    from events.registration import schemas as registration_schemas
    from events.registration.tables import Channel
    from tests.factories import SYSTEM, create_event, create_programme
    from tests.test_registration_workflow import person

    scanning.GROUP_SCANS = False  # a script: no background task to group scans
    await db.start()
    try:
        today = datetime.date.today()
        programme = await create_programme("reports")
        event = await create_event(
            programme.id,
            slug="reports-live",
            title="Regional Workshop on Digital Public Services",
            start_date=today - datetime.timedelta(days=1),
            end_date=today + datetime.timedelta(days=1),
        )
        organiser = await User.select(User.id).where(User.username == "organiser").first()
        await grant_role(SYSTEM, organiser["id"], Role.organiser, event.id)
        start = datetime.datetime.now(datetime.UTC)
        session = await programme_services.create_session(
            SYSTEM,
            event.id,
            msgspec.convert(
                {
                    "title": "Opening plenary",
                    "kind": "plenary",
                    "starts_at": start.isoformat(),
                    "ends_at": (start + datetime.timedelta(hours=1)).isoformat(),
                },
                programme_schemas.SessionCreate,
            ),
        )
        door = await checkpoints.create_checkpoint(
            SYSTEM,
            event.id,
            msgspec.convert({"name": "Door", "kind": "venue_entrance"}, checkin_schemas.CheckpointCreate),
        )
        room = await checkpoints.create_checkpoint(
            SYSTEM,
            event.id,
            msgspec.convert(
                {"name": "Hall A", "kind": "session_room", "session_id": session.id},
                checkin_schemas.CheckpointCreate,
            ),
        )
        ids = []
        for n, (given, family, country, nationality, gender, level, sector, at_door, in_room) in enumerate(
            PEOPLE
        ):
            data = msgspec.convert(
                person(
                    email=f"reports{n}@example.org",
                    given_names=given,
                    family_name=family,
                    preferred_name=given,
                    country_represented=country,
                    nationality=nationality,
                    gender=gender,
                    level=level,
                    sector=sector,
                ),
                registration_schemas.RegistrationCreate,
            )
            result = await submission.submit(
                data, event_id=event.id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
            )
            registration_id = result.registration.id
            ids.append(registration_id)
            token = (await badge_services.issue_badge(SYSTEM, registration_id)).badge.token
            for checkpoint, admitted in ((door, at_door), (room, in_room)):
                if admitted:
                    scan = checkin_schemas.ScanCreate(
                        checkpoint_id=checkpoint.id, device_id="seed", nonce=str(uuid.uuid4()), token=token
                    )
                    await scanning.scan(SYSTEM, event.id, scan)
        await moderation.cancel(SYSTEM, ids[-1], "cannot travel")
        return {"event_id": event.id}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main())))
