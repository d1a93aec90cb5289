"""The evaluation for the browser test: the seeded event's default questionnaire with both phases open
now, the given registrations approved, and five more participants who answered before and after (so
the organiser's results show figures, not "fewer than 5 answers").

Run as ``python -m tests.browser.seed_evaluations EVENT_ID REGISTRATION_ID...`` with the server's
environment; prints JSON on its last line.
"""

from __future__ import annotations

import asyncio
import datetime
import json
import sys

import msgspec


async def main(event_id: int, registration_ids: list[int]) -> dict:
    from events import db
    from events.evaluations import answering, schemas, services
    from events.registration import moderation, submission
    from events.registration import schemas as registration_schemas
    from events.registration.tables import Channel
    from tests.factories import SYSTEM
    from tests.test_registration_workflow import person

    await db.start()
    try:
        now = datetime.datetime.now(datetime.UTC)
        for registration_id in registration_ids:
            await moderation.approve(SYSTEM, registration_id)
        await services.start_from_default(SYSTEM, event_id)
        windows = {
            "before_closes_at": (now + datetime.timedelta(days=2)).isoformat(),
            "after_opens_at": (now - datetime.timedelta(days=1)).isoformat(),
            "after_closes_at": (now + datetime.timedelta(days=2)).isoformat(),
        }
        await services.update_questionnaire(
            SYSTEM, event_id, msgspec.convert(windows, schemas.QuestionnaireUpdate)
        )
        questions = await services.question_rows((await services.questionnaire_row(event_id))["id"])
        for n in range(5):
            data = msgspec.convert(
                person(email=f"evaluated{n}@example.org"), registration_schemas.RegistrationCreate
            )
            result = await submission.submit(
                data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
            )
            for phase, rating in (("before", 2), ("after", 4)):
                answers = {}
                for question in answering.phase_questions(questions, phase):
                    if question["kind"] == "rating":
                        answers[str(question["id"])] = rating if question["self_assessment"] else 4
                    elif question["kind"] == "single":
                        answers[str(question["id"])] = n % 2
                    else:
                        answers[str(question["id"])] = f"Idea number {n}"
                async with db.write_transaction():
                    await answering.store_answers(SYSTEM, event_id, result.registration.id, phase, answers)
        return {"event_id": event_id, "approved": registration_ids}
    finally:
        await db.stop()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(int(sys.argv[1]), [int(v) for v in sys.argv[2:]]))))
