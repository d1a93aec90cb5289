"""The participant's evaluations (see :mod:`events.web.my`): the questionnaire before the event and
after it, each answered once, optionally anonymously (the page says which).

* ``GET /my/evaluations`` — the phases: open (with a link), answered, not open yet, closed;
* ``GET /my/evaluations/{phase}`` — the plain form of one phase (no script needed);
* ``POST /my/evaluations/{phase}`` — the answers: wrong ones are named beside their question (422);
  a second submission, or one after the phase closed, gets a page that says so (409).

Everything goes through :mod:`events.evaluations.answering`, as the API does. The e-mail that invites
participants carries the usual single-use sign-in link; the hub's section leads here.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath

from events.errors import Conflict, InvalidInput, NotFound
from events.evaluations import answering
from events.web import pages
from events.web.forms import Form
from events.web.i18n import N_
from events.web.my.view import MyView, my_view

NAME = "evaluations"
PATH = "/my/evaluations"

THANKS = N_("Thank you: your answers are saved.")
PHASE_TITLES = {"before": N_("Before the event"), "after": N_("After the event")}
#: The service's messages about an answer, as the page says them.
ANSWER_ERRORS = {
    "Answer this question": N_("Answer this question"),
    "Choose a number from 1 to 5": N_("Choose a number from 1 to 5"),
    "Choose one of the options": N_("Choose one of the options"),
    "Choose among the options, each once": N_("Choose among the options, each once"),
    "Write your answer as text": N_("Write your answer as text"),
    f"At most {answering.MAX_ANSWER} characters": N_("Your answer is too long"),
}
CHECK_ANSWER = N_("Check this answer")


async def section(view: MyView) -> dict | None:
    """The hub's part: each phase with its state, or ``None`` when nothing is asked of them."""
    phases = await answering.phases_for(view.actor, view.registration.id, language=view.lang)
    if not phases:
        return None
    return {"phases": phases, "time_zone": view.time_zone}


def _phase(phases: list[dict], phase: str) -> dict:
    for found in phases:
        if found["phase"] == phase:
            for question in found["questions"]:
                question["choices"] = [(str(i), text, None) for i, text in enumerate(question["options"])]
            return found
    raise NotFound(f"No questionnaire {phase} the event")


async def _form_page(
    request: Request, view: MyView, phase: dict, form: Form, *, status_code: int = 200
) -> Response:
    return pages.render(
        request,
        "portal/my/evaluation.html",
        {
            "event": view.event,
            "registration": view.registration,
            "phase": phase,
            "title": PHASE_TITLES[phase["phase"]],
            "form": form,
            "time_zone": view.time_zone,
        },
        status_code=status_code,
    )


def _answers(form_data, questions: list[dict]) -> tuple[dict, dict]:
    """The answers for the service and the values to show again."""
    answers, values = {}, {}
    for question in questions:
        field = question["field"]
        if question["kind"] == "multiple":
            chosen = [value for value in form_data.getall(field, []) if value]
            answers[field] = chosen
            values[field] = chosen
        else:
            value = form_data.get(field) or ""
            answers[field] = value
            values[field] = value
    return answers, values


class EvaluationPages(Controller):
    path = PATH

    @get("/")
    async def show(self, request: Request) -> Response:
        view = await my_view(request)
        return pages.render(
            request,
            "portal/my/evaluations.html",
            {
                "event": view.event,
                "registration": view.registration,
                "section": await section(view),
                "titles": PHASE_TITLES,
            },
        )

    @get("/{phase:str}")
    async def form(self, request: Request, phase: FromPath[str]) -> Response:
        view = await my_view(request)
        found = _phase(
            await answering.phases_for(view.actor, view.registration.id, language=view.lang), phase
        )
        return await _form_page(request, view, found, Form(order=[q["field"] for q in found["questions"]]))

    @post("/{phase:str}")
    async def answer(self, request: Request, phase: FromPath[str]) -> Response:
        view = await my_view(request)
        gettext = pages.gettext(request)
        found = _phase(
            await answering.phases_for(view.actor, view.registration.id, language=view.lang), phase
        )
        answers, values = _answers(await request.form(), found["questions"])
        form = Form(values=values, order=[q["field"] for q in found["questions"]])
        try:
            await answering.submit_answers(view.actor, view.registration.id, phase, answers)
        except InvalidInput as exc:
            for error in exc.errors:
                known = ANSWER_ERRORS.get(error.message)
                form.add(error.field, gettext(known or CHECK_ANSWER))
            return await _form_page(request, view, found, form, status_code=422)
        except Conflict:
            # Answered already (perhaps in another tab) or closed: the page says which, from the state.
            refreshed = _phase(
                await answering.phases_for(view.actor, view.registration.id, language=view.lang), phase
            )
            return await _form_page(request, view, refreshed, form, status_code=409)
        return pages.redirect(PATH, flash=THANKS)


HANDLERS: list = [EvaluationPages]
