"""Demo evaluation: the Baku symposium's default questionnaire (anonymous), answered before the event by
most approved participants and after it by somewhat fewer, with understanding that grew, so the
console's results and the programme report show a before/after change."""

from __future__ import annotations

import random

from events.auth.principal import Actor
from events.db import write_transaction
from events.evaluations import answering, services
from events.evaluations.tables import Question
from events.registration.tables import Registration, RegistrationStatus

SHOWCASE = "baku-symposium-2027"
TEXTS = [
    "More time for the study visits, please.",
    "The session on service design standards was the most useful.",
    "Share the presentations before the event.",
    "Plus de temps pour les échanges entre pays.",
    "Más ejemplos de centros de servicio integrados.",
]


def _answers(questions: list[dict], phase: str, rng: random.Random) -> dict[str, object]:
    answers: dict[str, object] = {}
    for question in answering.phase_questions(questions, phase):
        key = str(question["id"])
        if question["kind"] == "rating":
            low, high = ((1, 3) if phase == "before" else (3, 5)) if question["self_assessment"] else (3, 5)
            answers[key] = rng.randint(low, high)
        elif question["kind"] == "single":
            answers[key] = rng.choice([0, 0, 1, 1, 2, 3])
        elif question["kind"] == "text" and rng.random() < 0.3:
            answers[key] = rng.choice(TEXTS)
    return answers


async def load_demo_evaluations(actor: Actor, events: dict[str, int], *, seed: int = 2027) -> int:
    """Answers for the Baku symposium (else the first event); returns how many phases were answered."""
    if not events:
        return 0
    event_id = events.get(SHOWCASE) or min(events.values())
    rng = random.Random(seed)
    questionnaire = await services.questionnaire_row(event_id)
    if questionnaire is None or not await Question.exists().where(
        Question.questionnaire == questionnaire["id"]
    ):
        await services.start_from_default(Actor.system("demo"), event_id)
        questionnaire = await services.questionnaire_row(event_id)
    questions = await services.question_rows(questionnaire["id"])
    people = (
        await Registration.select(Registration.id)
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.approved.value)
        .order_by(Registration.id)
    )
    answered = 0
    async with write_transaction():
        for person in people:
            for phase, share in (("before", 0.8), ("after", 0.65)):
                if rng.random() < share:
                    await answering.store_answers(
                        actor, event_id, person["id"], phase, _answers(questions, phase, rng)
                    )
                    answered += 1
    return answered
