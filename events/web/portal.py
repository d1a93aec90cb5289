"""The participant portal: the programme, each event, the registration form, sign-in by magic link
and "my registration". Each handler reads the request, calls the same service as the API, and
renders a page; the services decide everything.
"""

from __future__ import annotations

import datetime
import re

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Template

from events import clock
from events.auth.schemas import Email
from events.errors import Conflict, InvalidInput, NotAuthenticated
from events.i18n import choices
from events.programme import services as programme_services
from events.registration import access, editing, moderation, reading, schemas, submission
from events.registration.tables import Channel
from events.settings import get_settings
from events.web import i18n, messages, pages
from events.web.forms import Form, form_from, read_form
from events.web.i18n import N_
from events.web.my.sections import HANDLERS as MY_HANDLERS
from events.web.my.sections import sections_for
from events.web.my.view import my_view, own_registration

#: The registration form's questions in page order (the error summary follows it).
CREATE_FIELDS = (
    "given_names",
    "family_name",
    "latin_name",
    "preferred_name",
    "email",
    "phone",
    "gender",
    "nationality",
    "preferred_language",
    "country_represented",
    "institution",
    "position",
    "sector",
    "level",
    "government_level",
    "needs_visa",
    "passport_number",
    "passport_expiry",
    "date_of_birth",
    "place_of_birth",
    "visa_embassy",
    "arrival_at",
    "departure_at",
    "funding_requested",
    "accessibility",
    "accessibility_other",
    "dietary",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "emergency_contact_email",
    "session_ids",
    "self_identification",
    "consent",
    "invitation_token",
)
CREATE_REQUIRED = (
    "family_name",
    "email",
    "gender",
    "nationality",
    "country_represented",
    "institution",
    "level",
    "consent",
)
#: The edit page: everything but the address, the consent and the invitation.
UPDATE_FIELDS = tuple(name for name in CREATE_FIELDS if name not in {"email", "consent", "invitation_token"})
UPDATE_REQUIRED = tuple(name for name in CREATE_REQUIRED if name not in {"email", "consent"})
#: Shown masked; left blank on the edit page they stay as they are.
SENSITIVE_FIELDS = ("passport_number", "date_of_birth", "place_of_birth")
#: Shown in clear to their participant only (the phone and e-mail are masked elsewhere).
EMERGENCY_CONTACT_FIELDS = ("name", "relationship", "phone", "email")
REGISTER_FORM = "register"
_TOKEN_IN_TEXT = re.compile(r"osm_[A-Za-z0-9_-]+")

SAVED = N_("Your changes are saved")
CANCELLED = N_("Your registration is cancelled")
SIGNED_OUT = N_("You are signed out")
CANNOT_CANCEL = N_("This registration cannot be cancelled any more")


class NewLinkForm(msgspec.Struct, kw_only=True):
    event_id: int
    email: Email


def _form_context(request: Request, event, sessions, form: Form, **extra) -> dict:
    lang = pages.language(request)
    optional = [s for s in sessions if s.optional and not s.cancelled]
    return {
        "event": event,
        "optional_sessions": optional,
        "session_options": [
            (
                s.id,
                f"{s.title} — {i18n.format_date(s.starts_at.date(), lang, 'medium')}, "
                f"{i18n.format_time(s.starts_at, lang)}–{i18n.format_time(s.ends_at, lang)}",
                None,
            )
            for s in optional
        ],
        "form": form,
        "countries": i18n.countries(lang),
        "language_options": [(code, i18n.AUTONYMS[code]) for code in choices.PREFERRED_LANGUAGES],
        "retention_days": get_settings().sensitive_retention_days,
        "choices": choices,
        **extra,
    }


async def _event_and_sessions(event_id: int):
    return await programme_services.get_event(event_id), await programme_services.list_sessions(event_id)


def _days(sessions) -> list[tuple[datetime.date, list]]:
    days: dict[datetime.date, list] = {}
    for session in sessions:
        days.setdefault(session.starts_at.date(), []).append(session)
    return sorted(days.items())


class ProgrammePages(Controller):
    path = "/"

    @get("/", name="web:programme")
    async def programme(self, request: Request) -> Template:
        events, _ = await programme_services.list_events(
            programme_id=None, kind=None, upcoming_only=False, limit=200, offset=0
        )
        return pages.render(
            request,
            "portal/programme.html",
            {
                "programmes": await programme_services.list_programmes(),
                "events": events,
                "choices": choices,
                "now": clock.now(),
            },
        )

    @get("/events/{event_id:int}")
    async def event(self, request: Request, event_id: FromPath[int]) -> Template:
        event, sessions = await _event_and_sessions(event_id)
        return pages.render(
            request, "portal/event.html", {"event": event, "days": _days(sessions), "choices": choices}
        )


class RegistrationPages(Controller):
    path = "/events/{event_id:int}/register"

    @get("/")
    async def form(self, request: Request, event_id: FromPath[int]) -> Template:
        """The form. An invitation arrives as ``#invitation=osi_…`` (a script copies it into the form)
        or, without JavaScript, as ``?invitation=osi_…``."""
        event, sessions = await _event_and_sessions(event_id)
        form = Form(order=CREATE_FIELDS)
        form.values.update(
            preferred_language=pages.language(request),
            invitation_token=request.query_params.get("invitation", "")[:100],
        )
        context = _form_context(request, event, sessions, form, form_token=pages.form_token(REGISTER_FORM))
        return pages.render(request, "portal/register.html", context)

    @post("/")
    async def submit(self, request: Request, event_id: FromPath[int]) -> Response:
        event, sessions = await _event_and_sessions(event_id)
        gettext = pages.gettext(request)
        submitted = await request.form()
        data, form = read_form(
            submitted,
            schemas.RegistrationCreate,
            CREATE_FIELDS,
            gettext,
            required=CREATE_REQUIRED,
            hidden=("invitation_token",),
        )
        if not pages.form_token_valid(submitted.get("form_token"), REGISTER_FORM):
            form.add(None, gettext(messages.FORM_EXPIRED))
            data = None
        already_registered = False
        if data is not None:
            try:
                result = await submission.submit(data, event_id=event_id, channel=Channel.self_service)
            except InvalidInput as exc:
                form.add_service_error(exc, gettext)
            except Conflict as exc:
                already_registered = _conflict_on_submit(form, exc, gettext)
            else:
                return _registered(request, event, sessions, result)
        context = _form_context(
            request,
            event,
            sessions,
            form,
            form_token=pages.form_token(REGISTER_FORM),
            already_registered=already_registered,
        )
        return pages.render(request, "portal/register.html", context, status_code=422)


def _conflict_on_submit(form: Form, exc: Conflict, gettext) -> bool:
    """Put a conflict on the form; true when the address holds a registration already."""
    if "registration_reference_hint" in exc.extra:
        form.add("email", gettext(messages.ALREADY_REGISTERED))
        return True
    if "invitation" in exc.detail:
        form.add("invitation_token", gettext(messages.INVITATION_INVALID))
    elif "Registration for this event" in exc.detail:
        form.add(None, gettext(messages.REGISTRATION_CLOSED))
    else:
        form.add(None, exc.detail)
    return False


def _registered(request: Request, event, sessions, result: schemas.RegistrationSubmitted) -> Template:
    titles = {session.id: session.title for session in sessions}
    registration = result.registration
    response = pages.render(
        request,
        "portal/registered.html",
        {
            "event": event,
            "registration": registration,
            "created": result.created,
            "sessions_full": [titles.get(sid, str(sid)) for sid in result.sessions_full],
            "choices": choices,
        },
    )
    if i18n.is_supported(registration.preferred_language):
        pages.remember_language(response, registration.preferred_language)
    return response


class MyRegistrationPages(Controller):
    """Sign-in by magic link, then the participant's own registration: view, change, cancel."""

    path = "/my/registration"

    @get("/")
    async def show(self, request: Request) -> Template:
        actor = await pages.participant(request)
        if actor is None:
            expired = bool(request.cookies.get(pages.REGISTRATION_COOKIE))
            response = pages.render(
                request, "portal/sign_in.html", {"form": Form(order=("token",)), "expired": expired}
            )
            if expired:
                pages.delete_cookie(response, pages.REGISTRATION_COOKIE)
            return response
        view = await my_view(request, actor)
        deadline = editing.edit_deadline(view.event_row)
        sessions = await programme_services.list_sessions(view.registration.event_id)
        return pages.render(
            request,
            "portal/my_registration.html",
            {
                "registration": view.registration,
                "event": view.event,
                "deadline": programme_services.to_local(deadline, view.time_zone),
                "editable": view.active and clock.now() < deadline,
                "cancellable": view.active,
                "sessions": [s for s in sessions if s.id in view.registration.sessions],
                "sections": await sections_for(view),
                "choices": choices,
            },
        )

    @post("/sign-in")
    async def sign_in(self, request: Request) -> Response:
        """Spend the magic link's token (copied from the link by a script, or pasted) for a cookie."""
        gettext = pages.gettext(request)
        pasted = (await request.form()).get("token") or ""
        found = _TOKEN_IN_TEXT.search(pasted)
        data, form = read_form(
            FormMultiDict({"token": found.group(0) if found else pasted}),
            schemas.AccessExchange,
            ("token",),
            gettext,
            required=("token",),
        )
        if data is None:
            return pages.render(
                request, "portal/sign_in.html", {"form": form, "expired": False}, status_code=422
            )
        try:
            granted = await access.exchange_magic_link(data.token)
        except NotAuthenticated:
            return pages.render(
                request,
                "portal/link_refused.html",
                {"form": Form(order=("event_id", "email")), "event_options": await _event_options()},
                status_code=400,
            )
        response = pages.redirect("/my/registration")
        lifetime = int((granted.expires_at - clock.now()).total_seconds())
        pages.set_cookie(response, pages.REGISTRATION_COOKIE, granted.access_token, max_age=max(lifetime, 60))
        return response

    @post("/sign-out")
    async def sign_out(self, request: Request) -> Response:
        token = request.cookies.get(pages.REGISTRATION_COOKIE)
        if token:
            await access.revoke_access_token(token)
        response = pages.redirect("/my/registration", flash=SIGNED_OUT)
        pages.delete_cookie(response, pages.REGISTRATION_COOKIE)
        # The badge page's offline copy (service worker cache) goes too, also when no script runs.
        response.headers["Clear-Site-Data"] = '"storage"'
        return response

    @get("/edit")
    async def edit_form(self, request: Request) -> Response:
        actor, registration = await own_registration(request)
        event, sessions = await _event_and_sessions(registration.event_id)
        form = form_from(registration, UPDATE_FIELDS)
        form.values["session_ids"] = [str(sid) for sid in registration.sessions]
        for name in SENSITIVE_FIELDS:
            form.values[name] = ""
        contact = await reading.own_emergency_contact(actor, registration.id)
        for name in EMERGENCY_CONTACT_FIELDS:
            form.values[f"emergency_contact_{name}"] = getattr(contact, name)
        return pages.render(
            request,
            "portal/edit.html",
            _form_context(request, event, sessions, form, registration=registration),
        )

    @post("/edit")
    async def edit(self, request: Request) -> Response:
        actor, registration = await own_registration(request)
        gettext = pages.gettext(request)
        event, sessions = await _event_and_sessions(registration.event_id)
        data, form = read_form(
            await request.form(),
            schemas.RegistrationUpdate,
            UPDATE_FIELDS,
            gettext,
            required=UPDATE_REQUIRED,
            keep_when_blank=SENSITIVE_FIELDS,
        )
        if data is not None:
            try:
                await editing.update(actor, registration.id, data)
            except InvalidInput as exc:
                form.add_service_error(exc, gettext)
            except Conflict as exc:
                if exc.extra.get("sessions_full"):
                    titles = {s.id: s.title for s in sessions}
                    full = ", ".join(titles.get(sid, str(sid)) for sid in exc.extra["sessions_full"])
                    form.add("session_ids", gettext(messages.SESSIONS_FULL, sessions=full))
                else:
                    form.add(None, gettext(messages.CHANGES_CLOSED))
            else:
                return pages.redirect("/my/registration", flash=SAVED)
        context = _form_context(request, event, sessions, form, registration=registration)
        return pages.render(request, "portal/edit.html", context, status_code=422)

    @get("/cancel")
    async def cancel_form(self, request: Request) -> Response:
        _, registration = await own_registration(request)
        event = await programme_services.get_event(registration.event_id)
        return pages.render(request, "portal/cancel.html", {"registration": registration, "event": event})

    @post("/cancel")
    async def cancel(self, request: Request) -> Response:
        actor, _ = await own_registration(request)
        note = ((await request.form()).get("note") or "").strip()[:500]
        try:
            await moderation.cancel(actor, actor.registration_id, note)
        except Conflict:
            return pages.redirect("/my/registration", flash=CANNOT_CANCEL)
        return pages.redirect("/my/registration", flash=CANCELLED)

    @get("/new-link")
    async def new_link_form(self, request: Request) -> Template:
        form = Form(order=("event_id", "email"))
        form.values["event_id"] = request.query_params.get("event", "")
        return pages.render(
            request, "portal/new_link.html", {"form": form, "event_options": await _event_options()}
        )

    @post("/new-link")
    async def new_link(self, request: Request) -> Template:
        """E-mail a new sign-in link; the answer is the same whether or not the address is registered."""
        lang = pages.language(request)
        data, form = read_form(
            await request.form(),
            NewLinkForm,
            ("event_id", "email"),
            pages.gettext(request),
            required=("event_id", "email"),
        )
        if data is None:
            return pages.render(
                request,
                "portal/new_link.html",
                {"form": form, "event_options": await _event_options()},
                status_code=422,
            )
        admitted = await access.admit_magic_link_request(data.email, client=pages.client_address(request))
        page = pages.render(request, "portal/link_sent.html", {"email": data.email})
        if admitted:
            page.background = BackgroundTask(access.request_magic_link, data.event_id, data.email, lang)
        return page


async def _event_options() -> list[tuple[int, str]]:
    events, _ = await programme_services.list_events(
        programme_id=None, kind=None, upcoming_only=False, limit=200, offset=0
    )
    return [(event.id, event.title) for event in events]


HANDLERS = [ProgrammePages, RegistrationPages, MyRegistrationPages, *MY_HANDLERS]
