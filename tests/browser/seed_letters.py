"""Letters for the console's letters tests, on the browser server's seeded event: a complete letter
profile, three approved participants with both letters (made and signed as always), then ``COUNT``
more approved participants, each with a letter.

Signing takes ~0.1 s a letter, so the many are copies: each further registration is a copy of the
first one under its own reference, name and e-mail, and its letter a copy of a signed letter's
stored PDF under its own reference (the next number of its kind). The ZIP job treats them as any
letter, which is what the test needs: enough letters that building the ZIP takes a few seconds.

Run as ``python -m tests.browser.seed_letters EVENT_ID [COUNT]`` with the server's environment;
prints ``{"letters": n}`` as JSON on its last line.
"""

from __future__ import annotations

import asyncio
import json
import sys

import msgspec

BATCH = 200


async def main(event_id: int, count: int) -> dict:
    from events import db
    from events.letters import issuing, profiles, schemas
    from events.letters.tables import Letter, LetterKind
    from events.registration import schemas as registration_schemas
    from events.registration import submission
    from events.registration.tables import Channel, Registration
    from tests.factories import SYSTEM
    from tests.test_letters_api import PROFILE
    from tests.test_registration_workflow import with_visa

    await db.start()
    try:
        await profiles.update_profile(SYSTEM, event_id, msgspec.convert(PROFILE, schemas.LetterProfileUpdate))
        originals = []
        for number, (given, family) in enumerate(
            (("Amina", "Moussa"), ("Rustam", "Aliyev"), ("Lucía", "Fernández"))
        ):
            body = {
                **with_visa(),
                "given_names": given,
                "family_name": family,
                "email": f"l{number}@example.org",
            }
            submitted = await submission.submit(
                msgspec.convert(body, registration_schemas.RegistrationCreate),
                event_id=event_id,
                channel=Channel.walk_in,
                actor=SYSTEM,
                approve_when_seats=True,
            )
            originals.append(submitted.registration.id)
            for kind in (LetterKind.invitation, LetterKind.visa_support):
                await issuing.issue_letter(SYSTEM, submitted.registration.id, kind)

        template = await Registration.select().where(Registration.id == originals[0]).first()
        letters = {
            row["kind"]: row for row in await Letter.select().where(Letter.registration == originals[0])
        }
        numbers = {kind: 3 for kind in letters}
        for start in range(0, count, BATCH):
            size = min(BATCH, count - start)
            copies = []
            for n in range(start, start + size):
                values = {key: value for key, value in template.items() if key != "id"}
                values |= {
                    "reference": f"{template['reference'][:14]}-C{n:05d}",
                    "email": f"copy{n}@example.org",
                    "family_name": f"Copy {n:04d}",
                }
                copies.append(Registration(**values))
            async with db.write_transaction():
                inserted = await Registration.insert(*copies).returning(Registration.id)
                rows = []
                for offset, row in enumerate(inserted):
                    kind = "visa_support" if (start + offset) % 2 else "invitation"
                    numbers[kind] += 1
                    source = letters[kind]
                    prefix = source["reference"].rsplit("-", 1)[0]
                    values = {key: value for key, value in source.items() if key != "id"}
                    values |= {"registration": row["id"], "reference": f"{prefix}-{numbers[kind]:06d}"}
                    rows.append(Letter(**values))
                await Letter.insert(*rows)
        return {"letters": await Letter.count().where(Letter.event == event_id)}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 1000))))
