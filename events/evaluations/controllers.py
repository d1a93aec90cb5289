"""The evaluations API: the questionnaire and its questions (the event's organisers), the open
phases and answering them (the participant, with their ``osr_`` access token), results and
reminders (organisers). Errors are RFC 9457 problem details, as everywhere."""

from __future__ import annotations

from litestar import Controller, Response, delete, get, patch, post, put
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of
from events.auth.guards import ActorDep, requires_event_organiser, requires_sign_in
from events.evaluations import answering, reminders, results, schemas, services
from events.evaluations.tables import Phase
from events.programme.zones import in_event_zones


class QuestionnaireController(Controller):
    """The event's questionnaire: settings, questions, the default, results, reminders."""

    path = "/events/{event_id:int}/evaluation"
    tags = ["evaluations"]
    guards = [requires_event_organiser]

    @get("/")
    async def get_questionnaire(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.Questionnaire:
        """404 until the questionnaire is made (by a settings change, a question or the default).
        Times in the event's zone."""
        return await in_event_zones(await services.get_questionnaire(actor, event_id))

    @put("/", status_code=HTTP_200_OK)
    async def update(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.QuestionnaireUpdate]
    ) -> schemas.Questionnaire:
        """Settings and windows (``null``: the default). 409 when making it named after answers."""
        return await in_event_zones(await services.update_questionnaire(actor, event_id, data))

    @post("/default", status_code=HTTP_201_CREATED)
    async def default(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.Questionnaire:
        """Fill an empty questionnaire with the ready-made questions (409 if it has questions)."""
        return await in_event_zones(await services.start_from_default(actor, event_id))

    @post("/questions", status_code=HTTP_201_CREATED)
    async def add_question(
        self, actor: ActorDep, event_id: FromPath[int], data: JSONBody[schemas.QuestionCreate]
    ) -> schemas.Question:
        return await services.add_question(actor, event_id, data)

    @patch("/questions/{question_id:int}", status_code=HTTP_200_OK)
    async def update_question(
        self,
        actor: ActorDep,
        event_id: FromPath[int],
        question_id: FromPath[int],
        data: JSONBody[schemas.QuestionUpdate],
    ) -> schemas.Question:
        return await services.update_question(actor, event_id, question_id, data)

    @delete("/questions/{question_id:int}", status_code=HTTP_204_NO_CONTENT)
    async def delete_question(
        self, actor: ActorDep, event_id: FromPath[int], question_id: FromPath[int]
    ) -> None:
        """409 once anybody answered."""
        await services.delete_question(actor, event_id, question_id)

    @get("/results")
    async def get_results(self, actor: ActorDep, event_id: FromPath[int]) -> schemas.Results:
        """Counts, means and texts per question and phase; withheld under five respondents."""
        return await results.results(actor, event_id)

    @post("/reminders/{phase:str}", status_code=HTTP_200_OK)
    async def remind(self, actor: ActorDep, event_id: FromPath[int], phase: FromPath[Phase]) -> dict:
        """E-mail those who have not answered the open phase (not twice within 24 hours)."""
        return {"sent": await reminders.send_reminders(actor, event_id, phase.value)}


class AnswersController(Controller):
    """The participant: the phases open now, and answering one (once; a second time is a 409)."""

    path = "/registrations/{registration_id:int}/evaluations"
    tags = ["evaluations"]
    guards = [requires_sign_in]

    @get("/")
    async def open_phases(
        self,
        actor: ActorDep,
        registration_id: FromPath[int],
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.OpenPhase]:
        """The phases open now (answered or not), questions in the participant's language; times in
        the event's zone."""
        return page_of(
            await in_event_zones(await answering.open_phases(actor, registration_id)), limit, offset
        )

    @post("/{phase:str}", status_code=HTTP_201_CREATED)
    async def answer(
        self,
        actor: ActorDep,
        registration_id: FromPath[int],
        phase: FromPath[Phase],
        data: JSONBody[schemas.AnswersCreate],
    ) -> Response[schemas.Answered]:
        answered = await answering.submit_answers(actor, registration_id, phase.value, data.answers)
        return Response(answered, status_code=HTTP_201_CREATED)


API_HANDLERS: list = [QuestionnaireController, AnswersController]
ROOT_HANDLERS: list = []
