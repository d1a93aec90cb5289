"""Console: the programme tab — the event's settings and its sessions (create, edit, move, cancel,
delete), and a new event for programme-wide organisers.

Every action is the programme service's (``events.programme.services``), which checks rights, writes
the audit entry and answers a saved session with its warnings (study visits it now clashes with). The
session's page lists those warnings as they stand (``session_warnings``), so they stay in sight after
the redirect until the organiser resolves them. Times are typed as wall-clock times at the venue
(``datetime-local`` inputs, read in the event's zone by the service). Forms send only the fields the
organiser changed, so the audit entry names what moved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from itertools import groupby
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Template
from msgspec import UNSET

from events.auth.principal import Actor
from events.errors import Conflict, InvalidInput, PermissionDenied
from events.i18n import choices
from events.i18n.languages import CODES
from events.programme import schemas
from events.programme import services as programme_services
from events.programme.tables import Partner
from events.web import i18n, messages, pages
from events.web.console import common
from events.web.forms import _LOCAL_MINUTES, TRUE_VALUES, Form, form_from, read_form
from events.web.i18n import N_

EVENT_FIELDS = (
    "title",
    "kind",
    "partner",
    "venue",
    "city",
    "country",
    "time_zone",
    "start_date",
    "end_date",
    "capacity",
    "registration_opens_at",
    "registration_closes_at",
    "languages",
    "auto_approve",
)
NEW_EVENT_FIELDS = ("programme_id", "slug", *EVENT_FIELDS)
EVENT_REQUIRED = (
    "title",
    "kind",
    "venue",
    "city",
    "country",
    "time_zone",
    "start_date",
    "end_date",
    "capacity",
)
SESSION_FIELDS = ("title", "kind", "starts_at", "ends_at", "room", "capacity", "optional", "description")
SESSION_REQUIRED = ("title", "kind", "starts_at", "ends_at")
CHECKBOXES = frozenset({"auto_approve", "optional"})

#: What to do about a field that is missing or not in a usable form (the pages' generic "Check this
#: answer" is replaced by these).
FIELD_MESSAGES = {
    "programme_id": N_("Select the programme the event belongs to"),
    "slug": N_("Enter a short name of 2 to 40 lower-case letters, digits and hyphens, like baku-2027"),
    "title": N_("Enter a title"),
    "kind": N_("Select a kind from the list"),
    "partner": N_("Select a partner from the list, or none"),
    "venue": N_("Enter the venue"),
    "city": N_("Enter the city"),
    "country": N_("Select the country from the list"),
    "time_zone": N_("Enter the venue's time zone as in the IANA list, like Asia/Baku"),
    "start_date": N_("Enter the first day as a date, like 2027-10-12"),
    "end_date": N_("Enter the last day as a date, like 2027-10-14"),
    "capacity": N_("Enter the number of seats, a whole number from 1 to 100000"),
    "registration_opens_at": N_("Enter a date and time, like 2027-06-01 09:00, or leave it blank"),
    "registration_closes_at": N_("Enter a date and time, like 2027-09-30 18:00, or leave it blank"),
    "languages": N_("Select at least one language"),
    "starts_at": N_("Enter the start as a date and time, like 2027-10-12 09:00"),
    "ends_at": N_("Enter the end as a date and time, like 2027-10-12 10:30"),
    "room": N_("Enter the room in 200 characters or fewer"),
}
#: The programme service's English field errors, by field and wording.
SERVICE_MESSAGES = [
    ("ends_at", re.compile(r"must be after starts_at"), N_("The end must be after the start")),
    (
        "starts_at",
        re.compile(r"within the event's dates"),
        N_("The session must lie within the event's dates: %(start)s to %(end)s"),
    ),
    ("end_date", re.compile(r"on or after start_date"), N_("The last day must be on or after the first day")),
    (
        "registration_closes_at",
        re.compile(r"after registration_opens_at"),
        N_("Registration must close after it opens"),
    ),
    (
        "registration_closes_at",
        re.compile(r"before the event ends"),
        N_("Registration must close before the event ends"),
    ),
    ("slug", re.compile(r"is taken"), N_("This short name is taken: choose another")),
    ("country", re.compile(r"ISO 3166"), FIELD_MESSAGES["country"]),
    ("time_zone", re.compile(r"IANA"), FIELD_MESSAGES["time_zone"]),
    ("programme_id", re.compile(r""), FIELD_MESSAGES["programme_id"]),
]

#: Why the service refused to delete a session (the other areas' English reasons), in the page's words.
DELETE_REFUSALS = [
    (
        re.compile(r"(\d+) participant\(s\) signed up for it"),
        N_("Not deleted: %(count)s participant(s) signed up for this session. Cancel it instead"),
    ),
    (
        re.compile(r"(\d+) study-visit slot\(s\) belong to it"),
        N_("Not deleted: %(count)s study-visit slot(s) belong to this session. Cancel it instead"),
    ),
    (
        re.compile(r"(\d+) check-in checkpoint\(s\) belong to it"),
        N_("Not deleted: %(count)s check-in checkpoint(s) belong to this session. Cancel it instead"),
    ),
]


# --- forms -------------------------------------------------------------------------------------


def _explain(form: Form, gettext) -> Form:
    """This page's own words for fields the shared reader could only say "check" about."""
    generic = gettext(messages.CHECK)
    for name, text in list(form.errors.items()):
        if name in FIELD_MESSAGES and text.startswith(generic):
            form.errors[name] = gettext(FIELD_MESSAGES[name])
    return form


def _service_error(form: Form, exc: InvalidInput, gettext, **values: Any) -> None:
    """A service's field errors beside their fields, in the page's language where the wording is known."""
    if not exc.errors:
        form.add(None, exc.detail)
        return
    for error in exc.errors:
        known = next(
            (
                text
                for name, pattern, text in SERVICE_MESSAGES
                if name == error.field and pattern.search(error.message)
            ),
            None,
        )
        if known:
            form.add(error.field, gettext(known, **values))
        else:
            form.add(error.field, f"{gettext(messages.CHECK)}: {error.message}")
    _explain(form, gettext)


def _read(
    submitted: FormMultiDict, struct: type, fields: Sequence[str], gettext, required: Sequence[str]
) -> tuple[Any, Form]:
    data, form = read_form(submitted, struct, fields, gettext, required=required)
    return data, _explain(form, gettext)


def _only_changes(data: msgspec.Struct, form: Form, stored: Form) -> msgspec.Struct:
    """The update with the fields the organiser left as they were taken out (UNSET)."""
    for name in form.order:
        if _same(name, form.values.get(name), stored.values.get(name)):
            setattr(data, name, UNSET)
    return data


def _same(name: str, typed: Any, stored: Any) -> bool:
    """Whether a submitted value is what the record holds (in the shapes ``form_from`` gives)."""
    if isinstance(stored, list):
        return list(typed or []) == stored
    if name in CHECKBOXES:  # ticked sends "true", unticked nothing
        return (str(typed or "").lower() in TRUE_VALUES) == (stored == "true")
    typed = str(typed or "")
    local = _LOCAL_MINUTES.match(typed)
    return (f"{local.group(1)}T{local.group(2)}" if local else typed) == str(stored or "")


# --- what the pages show -------------------------------------------------------------------------


def _options(request: Request) -> dict[str, Any]:
    lang = pages.language(request)
    gettext = pages.gettext(request)
    return {
        "event_kinds": [(value, gettext(label)) for value, label in choices.EVENT_KINDS.items()],
        "session_kinds": [(value, gettext(label)) for value, label in choices.SESSION_KINDS.items()],
        "kind_words": choices.SESSION_KINDS,
        "partners": [(partner.value, partner.value) for partner in Partner],
        "countries": i18n.countries(lang),
        "language_choices": [(code, i18n.AUTONYMS.get(code, code), None) for code in CODES],
    }


def _days(sessions: list[schemas.Session]) -> list[tuple[Any, list[schemas.Session]]]:
    """Sessions grouped by their day at the venue (they come in start order)."""
    return [(day, list(group)) for day, group in groupby(sessions, key=lambda s: s.starts_at.date())]


def _event_form(event: schemas.Event) -> Form:
    form = form_from(event, EVENT_FIELDS)
    form.values["partner"] = event.partner.value if event.partner else ""
    form.values["kind"] = event.kind.value
    return form


def _session_form(session: schemas.Session) -> Form:
    form = form_from(session, SESSION_FIELDS)
    form.values["kind"] = session.kind.value
    return form


async def _programme_page(
    request: Request,
    actor: Actor,
    event: schemas.Event,
    form: Form | None = None,
    status_code: int = 200,
) -> Template:
    sessions = await programme_services.list_sessions(event.id)
    return common.render(
        request,
        "console/programme/event.html",
        actor,
        event,
        "programme",
        {
            "form": form or _event_form(event),
            "days": _days(sessions),
            "session_count": len(sessions),
            **_options(request),
        },
        status_code=status_code,
    )


async def _session_page(
    request: Request,
    actor: Actor,
    event: schemas.Event,
    session: schemas.Session | None,
    form: Form,
    status_code: int = 200,
) -> Template:
    warnings = (
        await programme_services.session_warnings(actor, event.id, session.id) if session is not None else []
    )
    return common.render(
        request,
        "console/programme/session.html",
        actor,
        event,
        "programme",
        {"session": session, "form": form, "warnings": warnings, **_options(request)},
        status_code=status_code,
    )


def _base(event_id: int) -> str:
    return f"/organiser/events/{event_id}/programme"


def _saved(event_id: int, session: schemas.Session, created: bool) -> Response:
    page = f"{_base(event_id)}/sessions/{session.id}"
    if session.warnings:
        return pages.redirect(
            f"{page}#warnings",
            flash=N_("Session saved, with %(count)s warning(s): read them below"),
            count=len(session.warnings),
        )
    return pages.redirect(
        _base(event_id) if created else page,
        flash=N_("Session “%(title)s” created") if created else N_("Session “%(title)s” saved"),
        title=session.title,
    )


# --- pages ------------------------------------------------------------------------------------


class ProgrammePages(Controller):
    path = "/organiser/events"

    @get("/{event_id:int}/programme")
    async def programme(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await _programme_page(request, actor, event)

    @post("/{event_id:int}/programme")
    async def update_event(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        data, form = _read(await request.form(), schemas.EventUpdate, EVENT_FIELDS, gettext, EVENT_REQUIRED)
        if data is not None:
            try:
                await programme_services.update_event(
                    actor, event_id, _only_changes(data, form, _event_form(event))
                )
            except InvalidInput as exc:
                _service_error(form, exc, gettext)
            else:
                return pages.redirect(_base(event_id), flash=N_("Event settings saved"))
        return await _programme_page(request, actor, event, form, status_code=422)

    @get("/{event_id:int}/programme/sessions/new")
    async def new_session(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        form = Form(order=SESSION_FIELDS)
        day = event.start_date.isoformat()
        form.values.update({"kind": "plenary", "starts_at": f"{day}T09:00", "ends_at": f"{day}T10:00"})
        return await _session_page(request, actor, event, None, form)

    @post("/{event_id:int}/programme/sessions")
    async def create_session(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        data, form = _read(
            await request.form(), schemas.SessionCreate, SESSION_FIELDS, gettext, SESSION_REQUIRED
        )
        if data is not None:
            try:
                session = await programme_services.create_session(actor, event_id, data)
            except InvalidInput as exc:
                _service_error(form, exc, gettext, start=event.start_date, end=event.end_date)
            else:
                return _saved(event_id, session, created=True)
        return await _session_page(request, actor, event, None, form, status_code=422)

    @get("/{event_id:int}/programme/sessions/{session_id:int}")
    async def session(self, request: Request, event_id: FromPath[int], session_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        session = await programme_services.get_session(event_id, session_id)
        return await _session_page(request, actor, event, session, _session_form(session))

    @post("/{event_id:int}/programme/sessions/{session_id:int}")
    async def update_session(
        self, request: Request, event_id: FromPath[int], session_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        session = await programme_services.get_session(event_id, session_id)
        gettext = pages.gettext(request)
        data, form = _read(
            await request.form(), schemas.SessionUpdate, SESSION_FIELDS, gettext, SESSION_REQUIRED
        )
        if data is not None:
            try:
                saved = await programme_services.update_session(
                    actor, event_id, session_id, _only_changes(data, form, _session_form(session))
                )
            except InvalidInput as exc:
                _service_error(form, exc, gettext, start=event.start_date, end=event.end_date)
            else:
                return _saved(event_id, saved, created=False)
        return await _session_page(request, actor, event, session, form, status_code=422)

    @post("/{event_id:int}/programme/sessions/{session_id:int}/cancel")
    async def cancel_session(
        self, request: Request, event_id: FromPath[int], session_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        submitted = await request.form()
        cancelled = submitted.get("cancelled", "true") != "false"
        try:
            saved = await programme_services.update_session(
                actor, event_id, session_id, schemas.SessionUpdate(cancelled=cancelled)
            )
        except InvalidInput as exc:  # e.g. the event's dates moved away from the session: fix it first
            return pages.redirect(
                f"{_base(event_id)}/sessions/{session_id}",
                flash=N_("Not changed: %(reason)s"),
                reason=exc.detail,
            )
        if saved.warnings:
            return _saved(event_id, saved, created=False)
        return pages.redirect(
            f"{_base(event_id)}/sessions/{session_id}",
            flash=N_("Session “%(title)s” cancelled") if cancelled else N_("Session “%(title)s” restored"),
            title=saved.title,
        )

    @post("/{event_id:int}/programme/sessions/{session_id:int}/delete")
    async def delete_session(
        self, request: Request, event_id: FromPath[int], session_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        session = await programme_services.get_session(event_id, session_id)
        try:
            await programme_services.delete_session(actor, event_id, session_id)
        except Conflict as exc:
            known = next(
                ((text, found) for pattern, text in DELETE_REFUSALS if (found := pattern.search(exc.detail))),
                None,
            )
            back = f"{_base(event_id)}/sessions/{session_id}"
            if known:
                return pages.redirect(back, flash=known[0], count=int(known[1].group(1)))
            return pages.redirect(back, flash=N_("Not deleted: %(reason)s"), reason=exc.detail)
        return pages.redirect(_base(event_id), flash=N_("Session “%(title)s” deleted"), title=session.title)


class NewEventPages(Controller):
    """A new event, for programme-wide organisers (the service refuses others too)."""

    path = "/organiser/events/new"

    @get("/")
    async def new_event(self, request: Request) -> Template:
        actor = await _programme_organiser(request)
        form = Form(order=NEW_EVENT_FIELDS)
        programmes = await programme_services.list_programmes()
        form.values.update({"languages": ["en"], "kind": "workshop", "time_zone": "UTC", "capacity": "100"})
        if len(programmes) == 1:
            form.values["programme_id"] = str(programmes[0].id)
        return await _new_event_page(request, actor, form)

    @post("/")
    async def create_event(self, request: Request) -> Response:
        actor = await _programme_organiser(request)
        gettext = pages.gettext(request)
        data, form = _read(
            await request.form(),
            schemas.EventCreate,
            NEW_EVENT_FIELDS,
            gettext,
            ("programme_id", "slug", *EVENT_REQUIRED),
        )
        if data is not None:
            try:
                event = await programme_services.create_event(actor, data)
            except InvalidInput as exc:
                _service_error(form, exc, gettext)
            else:
                return pages.redirect(
                    _base(event.id),
                    flash=N_("Event “%(title)s” created: now add its sessions"),
                    title=event.title,
                )
        return await _new_event_page(request, actor, form, status_code=422)


async def _programme_organiser(request: Request) -> Actor:
    actor = await common.organiser(request)
    if not actor.is_programme_organiser:
        raise PermissionDenied("Only programme organisers create events")
    return actor


async def _new_event_page(request: Request, actor: Actor, form: Form, status_code: int = 200) -> Template:
    programmes = await programme_services.list_programmes()
    return pages.render(
        request,
        "console/programme/new_event.html",
        {
            "words": common.VALUE_WORDS,
            "actor": actor,
            "form": form,
            "programmes": [(programme.id, programme.title) for programme in programmes],
            **_options(request),
        },
        status_code=status_code,
    )


#: Job kind → function(job) giving the console page that shows what the job produced (none here).
JOB_PAGES: dict = {}

HANDLERS: list = [NewEventPages, ProgrammePages]
