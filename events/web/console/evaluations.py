"""Evaluations: the event's questionnaire, reminders and results with the before/after change.

* ``/organiser/events/{id}/evaluations`` — the editor: settings and phase windows (times typed in the
  event's zone; empty means the default window), the questions in order (edit, up, down, delete), a
  new question, "start from the default questionnaire", and reminders per open phase;
* ``…/evaluations/questions/{qid}`` — one question's form: kind, texts per language (English
  required, the others in a disclosure), options one per line, ends of the scale, self-assessment,
  phase, required;
* ``…/evaluations/results`` — answered / invited per phase, per question a chart with its table (free
  text listed without names), the self-assessment change; under five answers "fewer than 5 answers";
  ``…/results.csv`` the same table.

Everything goes through :mod:`events.evaluations` (rights, validation, audit).
"""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.errors import Conflict, DomainError, InvalidInput, NotFound
from events.evaluations import reminders, results, schemas, services
from events.evaluations.tables import Phase, QuestionKind
from events.i18n.languages import CODES, DEFAULT_LANGUAGE
from events.registration import export
from events.web import charts, pages
from events.web.console import common
from events.web.forms import Form
from events.web.i18n import N_

#: Job kind → the page showing what the job produced.
JOB_PAGES: dict = {}

KIND_WORDS = {
    QuestionKind.rating.value: N_("Rating scale (1–5)"),
    QuestionKind.single.value: N_("Single choice"),
    QuestionKind.multiple.value: N_("Multiple choice"),
    QuestionKind.text.value: N_("Free text"),
}
PHASE_WORDS = {Phase.before.value: N_("Before the event"), Phase.after.value: N_("After the event")}
WINDOW_FIELDS = ("before_opens_at", "before_closes_at", "after_opens_at", "after_closes_at")
SETTINGS_FIELDS = ("anonymous", "auto_reminders", *WINDOW_FIELDS, "after_days")
TEXT_GROUPS = ("text", "options", "low_label", "high_label")
QUESTION_FIELDS = (
    "kind",
    *(f"{group}_{code}" for group in TEXT_GROUPS for code in CODES),
    "self_assessment",
    "phase",
    "required",
)
FEWER = N_("fewer than 5 answers")


def _base(event_id: int) -> str:
    return f"/organiser/events/{event_id}/evaluations"


def _local_input(value: datetime.datetime | None, zone: str) -> str:
    return value.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%dT%H:%M") if value else ""


def _question_form(question: schemas.Question | None) -> Form:
    form = Form(order=QUESTION_FIELDS)
    if question is None:
        form.values.update({"kind": QuestionKind.rating.value, "phase": Phase.after.value})
        return form
    form.values.update(
        {
            "kind": question.kind.value,
            "phase": question.phase.value,
            "self_assessment": "true" if question.self_assessment else None,
            "required": "true" if question.required else None,
        }
    )
    for code in CODES:
        form.values[f"text_{code}"] = question.text.get(code, "")
        form.values[f"low_label_{code}"] = question.low_label.get(code, "")
        form.values[f"high_label_{code}"] = question.high_label.get(code, "")
        form.values[f"options_{code}"] = "\n".join(
            option.get(code, "") for option in question.options
        ).rstrip("\n")
    return form


def _question_body(values) -> tuple[dict[str, Any], Form]:
    """The form's fields as the service's ``QuestionCreate`` body (options: one per line, the lines of
    each language in the same order as the English ones)."""
    form = Form(order=QUESTION_FIELDS)
    for name in QUESTION_FIELDS:
        form.values[name] = values.get(name) or ""
    kind = form.values["kind"] if form.values["kind"] in KIND_WORDS else QuestionKind.rating.value
    body: dict[str, Any] = {
        "kind": kind,
        "text": {code: form.values[f"text_{code}"] for code in CODES if form.values[f"text_{code}"].strip()},
        "self_assessment": form.values["self_assessment"] == "true",
        "phase": form.values["phase"] if form.values["phase"] in PHASE_WORDS else Phase.after.value,
        "required": form.values["required"] == "true",
    }
    if kind in (QuestionKind.single.value, QuestionKind.multiple.value):
        lines = {
            code: [line.strip() for line in form.values[f"options_{code}"].splitlines()] for code in CODES
        }
        english = [line for line in lines[DEFAULT_LANGUAGE] if line]
        body["options"] = [
            {code: lines[code][index] for code in CODES if index < len(lines[code]) and lines[code][index]}
            for index in range(len(english))
        ]
    if kind == QuestionKind.rating.value:
        for group in ("low_label", "high_label"):
            body[group] = {
                code: form.values[f"{group}_{code}"]
                for code in CODES
                if form.values[f"{group}_{code}"].strip()
            }
    return body, form


def _service_errors(form: Form, exc: DomainError, gettext) -> None:
    """A service's refusal beside the field it names (texts of the English field), else on top."""
    for error in exc.errors or []:
        name = error.field.split(".")[0]
        target = (
            name if name in ("kind", "phase", "self_assessment", "required") else f"{name}_{DEFAULT_LANGUAGE}"
        )
        form.add(
            target if target in form.order else None, f"{gettext(N_('Check this field'))}: {error.message}"
        )
    if not exc.errors:
        form.add(None, exc.detail)


def _question_refusal(form: Form, exc: Exception, gettext) -> int:
    """A refused question: beside its fields (422), or on top when answers keep it as it is (409)."""
    if isinstance(exc, Conflict):
        form.add(None, exc.detail)
        return 409
    _service_errors(form, exc if isinstance(exc, DomainError) else InvalidInput(str(exc)), gettext)
    return 422


def _settings_refusal(form: Form, exc: DomainError, gettext) -> int:
    """Refused settings: a phase's window beside its field (422); anonymity kept once people
    answered anonymously (409)."""
    if isinstance(exc, Conflict):
        form.add(
            "anonymous",
            gettext(N_("People answered anonymously already: the questionnaire stays anonymous.")),
        )
        return 409
    for error in exc.errors:
        message = (
            N_("The phase must close after it opens.")
            if "close after" in error.message
            else N_("Give a date and time, or leave it empty for the default.")
        )
        form.add(error.field if error.field in SETTINGS_FIELDS else None, gettext(message))
    return 422


async def _editor(
    request: Request,
    actor,
    event,
    *,
    form: Form | None = None,
    settings: Form | None = None,
    status_code: int = 200,
) -> Template:
    questionnaire = await services.find_questionnaire(actor, event.id)
    if settings is None:
        settings = Form(order=SETTINGS_FIELDS)
        if questionnaire is not None:
            settings.values = {
                "anonymous": "true" if questionnaire.anonymous else None,
                "auto_reminders": "true" if questionnaire.auto_reminders else None,
                "after_days": questionnaire.after_days,
                **{
                    name: _local_input(getattr(questionnaire, name), event.time_zone)
                    for name in WINDOW_FIELDS
                },
            }
        else:
            settings.values = {"anonymous": "true", "after_days": 14}
    lang = pages.language(request)
    return common.render(
        request,
        "console/evaluations/index.html",
        actor,
        event,
        "evaluations",
        {
            "questionnaire": questionnaire,
            "settings": settings,
            "form": form or _question_form(None),
            "kinds": list(KIND_WORDS.items()),
            "phases": list(PHASE_WORDS.items()),
            "phase_words": PHASE_WORDS,
            "kind_words": KIND_WORDS,
            "codes": CODES,
            "lang": lang,
            "text_of": services.in_language,
            "windows": {w.phase.value: w for w in questionnaire.windows} if questionnaire else {},
        },
        status_code=status_code,
    )


def _read_window(value: str, zone: str) -> datetime.datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.datetime.fromisoformat(value.strip()).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise InvalidInput.field("window", "not a date and time") from None


def _percent(part: int, whole: int) -> str:
    return f"{round(100 * part / whole)} %" if whole else "—"


def _results_view(found: schemas.Results, gettext) -> dict[str, Any]:
    answers = gettext(N_("Answers"))
    questions = []
    for item in found.questions:
        view = {"item": item, "phase": gettext(PHASE_WORDS[item.phase.value]), "svg": None}
        if item.shown and item.counts:
            view["svg"] = charts.bar_chart(item.text, [(c.label, [c.count]) for c in item.counts], [answers])
        questions.append(view)
    changes = [c for c in found.changes]
    shown = [c for c in changes if c.shown]
    svg = (
        charts.bar_chart(
            gettext(N_("Self-assessment before and after")),
            [(c.text, [c.mean_before, c.mean_after]) for c in shown],
            [gettext(N_("Mean before")), gettext(N_("Mean after"))],
        )
        if shown
        else None
    )
    return {
        "results": found,
        "rates": [
            {
                "phase": gettext(PHASE_WORDS[r.phase.value]),
                "rate": r,
                "percent": _percent(r.answered, r.invited),
            }
            for r in found.rates
        ],
        "questions": questions,
        "changes": changes,
        "changes_svg": svg,
        "fewer": gettext(FEWER),
    }


class EvaluationPages(Controller):
    path = "/organiser/events/{event_id:int}/evaluations"

    @get("")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await _editor(request, actor, event)

    @post("/default")
    async def default(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        try:
            await services.start_from_default(actor, event_id)
        except Conflict:
            return pages.redirect(_base(event_id), flash=N_("The questionnaire has questions already."))
        return pages.redirect(
            _base(event_id),
            flash=N_("The default questionnaire is ready: check it and change what you need."),
        )

    @post("/settings")
    async def settings(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        values = await request.form()
        gettext = pages.gettext(request)
        form = Form(order=SETTINGS_FIELDS, values={name: values.get(name) or "" for name in SETTINGS_FIELDS})
        body: dict[str, Any] = {
            "anonymous": values.get("anonymous") == "true",
            "auto_reminders": values.get("auto_reminders") == "true",
        }
        for name in WINDOW_FIELDS:
            try:
                body[name] = _read_window(values.get(name) or "", event.time_zone)
            except InvalidInput:
                form.add(name, gettext(N_("Give a date and time, or leave it empty for the default.")))
        days = (values.get("after_days") or "").strip()
        if days.isdigit() and int(days) <= 365:
            body["after_days"] = int(days)
        else:
            form.add("after_days", gettext(N_("Give a number of days from 0 to 365.")))
        return await common.act(
            request,
            form,
            lambda: services.update_questionnaire(
                actor, event_id, msgspec.convert(body, schemas.QuestionnaireUpdate)
            ),
            done=lambda _: pages.redirect(_base(event_id), flash=N_("Settings saved.")),
            again=lambda form, status: _editor(request, actor, event, settings=form, status_code=status),
            refusal=_settings_refusal,
        )

    @post("/questions")
    async def add(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        body, form = _question_body(await request.form())
        return await common.act(
            request,
            form,
            lambda: services.add_question(actor, event_id, msgspec.convert(body, schemas.QuestionCreate)),
            done=lambda _: pages.redirect(_base(event_id), flash=N_("Question added.")),
            again=lambda form, status: _editor(request, actor, event, form=form, status_code=status),
            refused=(InvalidInput, msgspec.ValidationError),
            refusal=_question_refusal,
        )

    @get("/questions/{question_id:int}")
    async def edit(self, request: Request, event_id: FromPath[int], question_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        question = await _find(actor, event_id, question_id)
        return await _question_page(request, actor, event, question, _question_form(question))

    @post("/questions/{question_id:int}")
    async def save(self, request: Request, event_id: FromPath[int], question_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        question = await _find(actor, event_id, question_id)
        body, form = _question_body(await request.form())
        body.setdefault("options", [])
        body.setdefault("low_label", {})
        body.setdefault("high_label", {})
        return await common.act(
            request,
            form,
            lambda: services.update_question(
                actor, event_id, question_id, msgspec.convert(body, schemas.QuestionUpdate)
            ),
            done=lambda _: pages.redirect(_base(event_id), flash=N_("Question saved.")),
            again=lambda form, status: _question_page(
                request, actor, event, question, form, status_code=status
            ),
            refused=(InvalidInput, msgspec.ValidationError, Conflict),
            refusal=_question_refusal,
        )

    @post("/questions/{question_id:int}/move")
    async def move(self, request: Request, event_id: FromPath[int], question_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        step = -1 if (await request.form()).get("direction") == "up" else 1
        await services.move_question(actor, event_id, question_id, step)
        return pages.redirect(f"{_base(event_id)}#question-{question_id}")

    @post("/questions/{question_id:int}/delete")
    async def delete(self, request: Request, event_id: FromPath[int], question_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        try:
            await services.delete_question(actor, event_id, question_id)
        except Conflict:
            return pages.redirect(
                _base(event_id), flash=N_("People answered already: questions cannot be deleted any more.")
            )
        return pages.redirect(_base(event_id), flash=N_("Question deleted."))

    @post("/reminders/{phase:str}")
    async def remind(self, request: Request, event_id: FromPath[int], phase: FromPath[str]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        try:
            sent = await reminders.send_reminders(actor, event_id, phase)
        except Conflict:
            return pages.redirect(_base(event_id), flash=N_("This phase is not open: no reminder was sent."))
        return pages.redirect(
            _base(event_id),
            flash=N_("Reminders sent: %(count)s (nobody is reminded twice within 24 hours)."),
            count=sent,
        )

    @get("/results")
    async def results_page(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        found = await results.results(actor, event_id, pages.language(request))
        return common.render(
            request,
            "console/evaluations/results.html",
            actor,
            event,
            "evaluations",
            _results_view(found, pages.gettext(request)),
        )

    @get("/results.csv")
    async def results_csv(self, request: Request, event_id: FromPath[int]) -> Response[bytes]:
        actor, _event = await common.event_page(request, event_id)
        found = await results.results(actor, event_id, pages.language(request))
        header, body = results.csv_rows(found)
        stamp = datetime.date.today().isoformat()
        return Response(
            export.table_csv(header, body),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="evaluation-{event_id}-{stamp}.csv"'},
        )


async def _find(actor, event_id: int, question_id: int) -> schemas.Question:
    questionnaire = await services.get_questionnaire(actor, event_id)
    for question in questionnaire.questions:
        if question.id == question_id:
            return question
    raise NotFound(f"No question {question_id} in this questionnaire")


async def _question_page(
    request: Request, actor, event, question, form: Form, *, status_code: int = 200
) -> Template:
    return common.render(
        request,
        "console/evaluations/question.html",
        actor,
        event,
        "evaluations",
        {
            "question": question,
            "form": form,
            "kinds": list(KIND_WORDS.items()),
            "phases": list(PHASE_WORDS.items()),
            "codes": CODES,
        },
        status_code=status_code,
    )


HANDLERS: list = [EvaluationPages]
