"""The country's action plan: the participant's view of their country's plan, upload and the structured fields, status and organisers' comments. (see :mod:`events.web.my`).

Three plain forms (no JavaScript needed): the fields, the document (multipart) and "Submit to the
organisers". Any approved participant representing the country may change the plan while it is a
draft; the page says who changed it last. A refused file is named beside the file field and the
previous document stays.
"""

from __future__ import annotations

import datetime

from litestar import Controller, Request, Response, get, post
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.response import Template

from events.action_plans import files, schemas, services
from events.action_plans.controllers import BODY_LIMIT, attachment, read_upload
from events.errors import Conflict, DomainError, InvalidInput, NotFound
from events.web import pages
from events.web.forms import Form
from events.web.i18n import N_
from events.web.my.view import MyView, my_view

NAME = "action_plan"
PATH = "/my/action-plan"
FIELDS = ("priority_services", "channels", "target_date", "summary")
FILE_FIELDS = ("file",)

CHANNEL_WORDS = {
    "in_person": N_("In person, at a one-stop centre"),
    "web_portal": N_("Web portal"),
    "mobile_app": N_("Mobile app"),
    "call_centre": N_("Call centre"),
    "sms_ussd": N_("SMS or USSD"),
    "kiosk": N_("Self-service kiosks"),
    "mobile_unit": N_("Mobile service units"),
    "intermediaries": N_("Intermediaries or agents"),
}
STATUS_WORDS = {
    "none": N_("Not started"),
    "draft": N_("Draft"),
    "submitted": N_("Submitted to the organisers"),
    "reviewed": N_("Reviewed by the organisers"),
}
#: The file checks' messages (events.action_plans.files) as the page says them.
FILE_ERRORS = {
    files.EMPTY: N_("The file is empty. Choose your plan's PDF or Word file."),
    files.EXECUTABLE: N_("This file is a program, not a document. Choose your plan's PDF or Word file."),
    files.NOT_A_DOCUMENT: N_("Send a PDF or a Word (DOCX) document."),
    files.BROKEN_PDF: N_("This PDF is damaged or incomplete. Save it again and upload the new file."),
    files.BROKEN_DOCX: N_("This Word document is damaged or is not a DOCX file. Save it as DOCX or PDF."),
    files.BOMB: N_("This file unpacks to far more than its size and cannot be accepted."),
}
TOO_LARGE = N_("The file is larger than %(mb)s MB. Make it smaller (e.g. compress its images) and try again.")
SAVED = N_("The plan is saved")
UPLOADED = N_("The document is uploaded")
SUBMITTED = N_("The plan is submitted to the organisers")
FROZEN = N_("The plan was submitted: it can be changed again when the organisers return it to draft")
NO_DOCUMENT = N_("Upload the plan's document before submitting it")
BAD_DATE = N_("Enter the target date as a date, e.g. 2027-06-30")
TOO_MANY = N_("List at most %(count)s priority services, one per line")
CHECK = N_("Check this answer")


def _max_mb() -> int:
    return files.max_bytes() // (1024 * 1024)


def _fields_form(plan: schemas.Plan) -> Form:
    return Form(
        values={
            "priority_services": "\n".join(plan.priority_services),
            "channels": list(plan.channels),
            "target_date": plan.target_date.isoformat() if plan.target_date else "",
            "summary": plan.summary,
        },
        order=FIELDS,
    )


def _file_error(message: str, gettext) -> str:
    if message.startswith("the file is larger"):
        return gettext(TOO_LARGE, mb=_max_mb())
    known = FILE_ERRORS.get(message)
    return gettext(known) if known else message


async def _where(view: MyView) -> tuple[int, str]:
    mine = await services.my_country(view.actor)
    if mine is None:
        raise NotFound("Action plans are written by approved participants")
    return mine


def _context(view: MyView, plan: schemas.Plan, form: Form, file_form: Form | None = None) -> dict:
    return {
        "event": view.event,
        "registration": view.registration,
        "plan": plan,
        "form": form,
        "file_form": file_form or Form(order=FILE_FIELDS),
        "channels": [(code, CHANNEL_WORDS[code], None) for code in schemas.CHANNELS],
        "channel_words": CHANNEL_WORDS,
        "status_words": STATUS_WORDS,
        "max_mb": _max_mb(),
        "max_services": schemas.MAX_SERVICES,
        "accept": f"{files.PDF},{files.DOCX},.pdf,.docx",
    }


async def _page(
    request: Request, view: MyView, form: Form | None = None, file_form: Form | None = None, status: int = 200
) -> Template:
    event_id, country = await _where(view)
    plan = await services.get_plan(view.actor, event_id, country)
    return pages.render(
        request,
        "portal/my/action_plan.html",
        _context(view, plan, form or _fields_form(plan), file_form),
        status_code=status,
    )


def _read_fields(submitted, gettext) -> tuple[schemas.PlanFields | None, Form]:
    lines = [line.strip() for line in (submitted.get("priority_services") or "").splitlines() if line.strip()]
    channels = [value for value in submitted.getall("channels", []) if value in schemas.CHANNELS]
    raw_date = (submitted.get("target_date") or "").strip()
    summary = submitted.get("summary") or ""
    form = Form(
        values={
            "priority_services": "\n".join(lines),
            "channels": channels,
            "target_date": raw_date,
            "summary": summary,
        },
        order=FIELDS,
    )
    target = None
    if raw_date:
        try:
            target = datetime.date.fromisoformat(raw_date)
        except ValueError:
            form.add("target_date", gettext(BAD_DATE))
    if len(lines) > schemas.MAX_SERVICES:
        form.add("priority_services", gettext(TOO_MANY, count=schemas.MAX_SERVICES))
    if any(len(line) > 200 for line in lines):
        form.add("priority_services", f"{gettext(CHECK)}: ≤ 200")
    if len(summary) > 2000:
        form.add("summary", f"{gettext(CHECK)}: ≤ 2000")
    if form.has_errors:
        return None, form
    try:
        fields = schemas.PlanFields(
            priority_services=lines, channels=channels, target_date=target, summary=summary
        )
    except InvalidInput as exc:
        form.add_service_error(exc, gettext)
        return None, form
    return fields, form


class ActionPlanPages(Controller):
    path = PATH

    @get("/")
    async def show(self, request: Request) -> Template:
        return await _page(request, await my_view(request))

    @post("/")
    async def save(self, request: Request) -> Response | Template:
        view = await my_view(request)
        gettext = view.gettext
        event_id, country = await _where(view)
        fields, form = _read_fields(await request.form(), gettext)
        if fields is not None:
            try:
                await services.update_fields(view.actor, event_id, country, fields)
            except Conflict:
                form.add(None, gettext(FROZEN))
            except InvalidInput as exc:
                form.add_service_error(exc, gettext)
            else:
                return pages.redirect(PATH, flash=SAVED)
        return await _page(request, view, form=form, status=422)

    @post("/document", request_max_body_size=BODY_LIMIT)
    async def upload(self, request: Request) -> Response | Template:
        view = await my_view(request)
        gettext = view.gettext
        event_id, country = await _where(view)
        file_form = Form(order=FILE_FIELDS)
        try:
            submitted = await request.form()
        except RequestEntityTooLarge:
            file_form.add("file", gettext(TOO_LARGE, mb=_max_mb()))
            return await _page(request, view, file_form=file_form, status=413)
        try:
            content, filename = await read_upload(submitted.get("file"))
            await services.upload_document(view.actor, event_id, country, content, filename)
        except Conflict:
            file_form.add(None, gettext(FROZEN))
        except InvalidInput as exc:
            message = exc.errors[0].message if exc.errors else exc.detail
            file_form.add("file", _file_error(message, gettext))
        else:
            return pages.redirect(PATH, flash=UPLOADED)
        return await _page(request, view, file_form=file_form, status=422)

    @post("/submit")
    async def submit(self, request: Request) -> Response | Template:
        view = await my_view(request)
        gettext = view.gettext
        event_id, country = await _where(view)
        form = Form(order=FIELDS)
        try:
            await services.change_status(
                view.actor, event_id, country, schemas.StatusChange(status="submitted")
            )
        except InvalidInput:
            form.add(None, gettext(NO_DOCUMENT))
        except (Conflict, DomainError):
            form.add(None, gettext(FROZEN))
        else:
            return pages.redirect(PATH, flash=SUBMITTED)
        plan = await services.get_plan(view.actor, event_id, country)
        merged = _fields_form(plan)
        merged.general = form.general
        return await _page(request, view, form=merged, status=409)

    @get("/document")
    async def download(self, request: Request) -> Response:
        view = await my_view(request)
        event_id, country = await _where(view)
        filename, content_type, content = await services.document(view.actor, event_id, country)
        return attachment(filename, content_type, content)


async def section(view: MyView) -> dict | None:
    """The hub's summary: the country's plan status and a link; ``None`` until approved."""
    mine = await services.my_country(view.actor)
    if mine is None or mine[0] != view.registration.event_id:
        return None
    plan = await services.get_plan(view.actor, *mine)
    return {"plan": plan, "status_words": STATUS_WORDS}


HANDLERS: list = [ActionPlanPages]
