"""The organiser dashboard, in the organiser's language (switcher, cookie or browser): sign-in, registrations with filters and bulk decisions, one
registration with its passport data behind a "show" button, statistics as SVG charts, the audit log.

The session cookie is the API's (``id``, from ``events.auth.services.sign_in``); every action is the
API's service function, which checks the organiser's rights and writes the audit entry.
"""

from __future__ import annotations

from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.audit import schemas as audit_schemas
from events.audit import services as audit_services
from events.auth import schemas as auth_schemas
from events.auth import services as auth_services
from events.auth.guards import SESSION_COOKIE
from events.auth.principal import Actor
from events.errors import Conflict, NotAuthenticated, PermissionDenied, TooManyRequests
from events.i18n import choices
from events.programme import services as programme_services
from events.reference.tables import CountryGroup
from events.registration import moderation, reading, schemas
from events.registration.tables import RegistrationStatus
from events.settings import get_settings
from events.web import charts, pages
from events.web.console import sections
from events.web.console.common import VALUE_WORDS, organiser
from events.web.forms import Form, read_form
from events.web.i18n import N_

PAGE_SIZE = 50
AUDIT_PAGE_SIZE = 100
#: How a flash message names each decision: the dashboard's own button labels.
ACTION_WORDS = {
    "approve": N_("Approve"),
    "waitlist": N_("Waitlist"),
    "reject": N_("Reject"),
    "cancel": N_("Cancel registration"),
}
_DECISIONS = {
    "approve": moderation.approve,
    "waitlist": moderation.waitlist,
    "reject": moderation.reject,
    "cancel": moderation.cancel,
}


class BulkForm(msgspec.Struct, kw_only=True):
    action: schemas.BulkAction
    registration_ids: list[int]
    note: str = ""


def render(request: Request, template: str, context: dict | None = None, **options) -> Template:
    return pages.render(request, template, {"words": VALUE_WORDS, **(context or {})}, **options)


def _offset(request: Request) -> int:
    value = request.query_params.get("offset", "")
    return int(value) if value.isdigit() else 0


def _local_path(candidate: str | None, default: str) -> str:
    """Only our own dashboard paths, so a crafted link cannot send an organiser elsewhere."""
    if candidate and candidate.startswith("/organiser") and "//" not in candidate and "\\" not in candidate:
        return candidate
    return default


class DashboardPages(Controller):
    path = "/organiser"

    @get("/sign-in")
    async def sign_in_form(self, request: Request) -> Template:
        form = Form(order=("username", "password"))
        return render(
            request,
            "dashboard/sign_in.html",
            {"form": form, "next": _local_path(request.query_params.get("next"), "/organiser")},
        )

    @post("/sign-in")
    async def sign_in(self, request: Request) -> Response:
        submitted = await request.form()
        next_path = _local_path(submitted.get("next"), "/organiser")
        data, form = read_form(
            submitted,
            auth_schemas.SignIn,
            ("username", "password"),
            pages.gettext(request),
            required=("username", "password"),
        )
        form.values["password"] = ""
        if data is not None:
            try:
                _, token = await auth_services.sign_in(
                    data.username, data.password, client=pages.client_address(request), door="pages"
                )
            except (NotAuthenticated, TooManyRequests) as exc:
                form.add(None, exc.detail)
            else:
                response = pages.redirect(next_path)
                pages.set_cookie(
                    response, SESSION_COOKIE, token, max_age=get_settings().session_max_age_hours * 3600
                )
                return response
        return render(request, "dashboard/sign_in.html", {"form": form, "next": next_path}, status_code=422)

    @post("/sign-out")
    async def sign_out(self, request: Request) -> Response:
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await auth_services.sign_out(cookie)
        response = pages.redirect("/organiser/sign-in")
        pages.delete_cookie(response, SESSION_COOKIE)
        return response

    @get("/")
    async def home(self, request: Request) -> Template:
        actor = await organiser(request)
        events, _ = await programme_services.list_events(
            programme_id=None, kind=None, upcoming_only=False, limit=200, offset=0
        )
        mine = [event for event in events if actor.organises(event.id)]
        booking = [
            event for event in events if not actor.organises(event.id) and actor.books_travel(event.id)
        ]
        # Badge-scanning staff: the scanner is the page they need (the console's pages would refuse them).
        scanning = [event for event in events if not actor.organises(event.id) and actor.staffs(event.id)]
        return render(
            request,
            "dashboard/home.html",
            {"actor": actor, "events": mine, "booking": booking, "scanning": scanning},
        )

    @get("/events/{event_id:int}/registrations")
    async def registrations(self, request: Request, event_id: FromPath[int]) -> Template:
        actor = await organiser(request)
        chosen = {key: value for key, value in request.query_params.items() if value and key != "offset"}
        try:
            filters = msgspec.convert(chosen, reading.ListFilters, strict=False)
        except msgspec.ValidationError:
            chosen, filters = {}, reading.ListFilters()
        offset = _offset(request)
        items, total = await reading.list_registrations(
            actor, event_id, filters, limit=PAGE_SIZE, offset=offset
        )
        event = await programme_services.get_event(event_id)
        query = urlencode(chosen)
        return render(
            request,
            "dashboard/registrations.html",
            {
                "actor": actor,
                "event": event,
                "tab": "registrations",
                "tabs": sections.tabs(event_id),
                "items": items,
                "total": total,
                "offset": offset,
                "page_size": PAGE_SIZE,
                "filters": chosen,
                "query": query,
                "back": f"{request.url.path}?{query}&offset={offset}",
                "statuses": [status.value for status in RegistrationStatus],
                "groups": [group.value for group in CountryGroup],
                "genders": [gender.value for gender in schemas.Gender],
                "levels": [level.value for level in schemas.Level],
            },
        )

    @post("/events/{event_id:int}/registrations/bulk")
    async def bulk(self, request: Request, event_id: FromPath[int]) -> Response:
        actor = await organiser(request)
        submitted = await request.form()
        back = _local_path(submitted.get("back"), f"/organiser/events/{event_id}/registrations")
        data, _ = read_form(
            submitted, BulkForm, ("action", "registration_ids", "note"), pages.gettext(request)
        )
        if data is None or not data.registration_ids:
            return pages.redirect(back, flash=N_("Select at least one registration, then an action"))
        outcomes = await moderation.bulk_decide(
            actor, event_id, data.action, data.registration_ids, data.note
        )
        done = sum(outcome.ok for outcome in outcomes)
        failures = "; ".join(f"#{o.registration_id}: {o.error}" for o in outcomes if not o.ok)[:900]
        message = (
            N_("%(action)s: %(done)s of %(count)s done. Not changed — %(failures)s")
            if failures
            else N_("%(action)s: %(done)s of %(count)s done.")
        )
        return pages.redirect(
            back,
            flash=message,
            action=pages.Word(ACTION_WORDS.get(data.action.value, data.action.value)),
            done=done,
            count=len(outcomes),
            failures=failures,
        )

    @get("/events/{event_id:int}/statistics")
    async def statistics(self, request: Request, event_id: FromPath[int]) -> Template:
        actor = await organiser(request)
        figures = await reading.statistics(actor, event_id)
        event = await programme_services.get_event(event_id)
        return render(
            request,
            "dashboard/statistics.html",
            {
                "actor": actor,
                "event": event,
                "tab": "reports",
                "tabs": sections.tabs(event_id),
                "figures": figures,
                "charts": _charts(figures, pages.gettext(request)),
            },
        )

    @get("/registrations/{registration_id:int}")
    async def registration(self, request: Request, registration_id: FromPath[int]) -> Template:
        actor = await organiser(request)
        return await _detail(request, actor, registration_id, sensitive=None)

    @post("/registrations/{registration_id:int}/sensitive")
    async def sensitive(self, request: Request, registration_id: FromPath[int]) -> Template:
        """Passport number, date and place of birth in clear, on an explicit request (audited)."""
        actor = await organiser(request)
        revealed = await reading.reveal_sensitive(actor, registration_id)
        return await _detail(request, actor, registration_id, sensitive=revealed)

    @post("/registrations/{registration_id:int}/decision")
    async def decision(self, request: Request, registration_id: FromPath[int]) -> Response:
        actor = await organiser(request)
        submitted = await request.form()
        action = submitted.get("action", "")
        back = f"/organiser/registrations/{registration_id}"
        if action not in _DECISIONS:
            return pages.redirect(back, flash=N_("Choose approve, waitlist, reject or cancel"))
        note = (submitted.get("note") or "").strip()[:500]
        try:
            result = await _DECISIONS[action](actor, registration_id, note)
        except Conflict as exc:
            return pages.redirect(back, flash=N_("Not changed: %(reason)s"), reason=exc.detail)
        status = result.status.value
        return pages.redirect(
            back, flash=N_("Status is now %(status)s"), status=pages.Word(VALUE_WORDS.get(status, status))
        )

    @get("/audit")
    async def audit(self, request: Request) -> Template:
        actor = await organiser(request)
        event_ids = actor.organised_event_ids()
        if event_ids is not None and not event_ids:
            raise PermissionDenied("The audit log is for organisers")
        params = request.query_params
        event_id = int(params["event_id"]) if params.get("event_id", "").isdigit() else None
        if event_id is not None and event_ids is not None and event_id not in event_ids:
            raise PermissionDenied("You do not organise this event")
        offset = _offset(request)
        filters = {key: params.get(key) or None for key in ("action", "object_type", "object_id")}
        rows, total = await audit_services.list_entries(
            event_ids=event_ids, event_id=event_id, limit=AUDIT_PAGE_SIZE, offset=offset, **filters
        )
        events, _ = await programme_services.list_events(
            programme_id=None, kind=None, upcoming_only=False, limit=200, offset=0
        )
        chosen = {key: value for key, value in params.items() if value and key != "offset"}
        return render(
            request,
            "dashboard/audit.html",
            {
                "actor": actor,
                "entries": [audit_schemas.entry_from_row(row) for row in rows],
                "total": total,
                "offset": offset,
                "page_size": AUDIT_PAGE_SIZE,
                "filters": chosen,
                "query": urlencode(chosen),
                "events": [event for event in events if actor.organises(event.id)],
            },
        )


async def _detail(request: Request, actor: Actor, registration_id: int, sensitive) -> Template:
    registration = await reading.read_registration(actor, registration_id)
    event = await programme_services.get_event(registration.event_id)
    sessions = await programme_services.list_sessions(registration.event_id)
    rows, _ = await audit_services.list_entries(
        event_ids=actor.organised_event_ids(),
        object_type="registration",
        object_id=str(registration_id),
        limit=50,
        offset=0,
    )
    return render(
        request,
        "dashboard/registration.html",
        {
            "actor": actor,
            "registration": registration,
            "event": event,
            "sessions": [s for s in sessions if s.id in registration.sessions],
            "sensitive": sensitive,
            "government_words": {value: label for value, label, _hint in choices.GOVERNMENT_LEVELS},
            "history": [audit_schemas.entry_from_row(row) for row in rows],
        },
    )


def _charts(figures: schemas.Statistics, gettext) -> list[dict]:
    """The four charts UN reporting asks for, titled in the page's language; each with the rows of its table."""
    statuses = [(status.value, [figures.by_status.get(status.value, 0)]) for status in RegistrationStatus]
    result = [{"title": N_("Registrations by status"), "series": [N_("registrations")], "rows": statuses}]
    for title, table, order in (
        (
            N_("By country group (LDC, LLDC, SIDS)"),
            figures.by_country_group,
            [g.value for g in CountryGroup] + ["none"],
        ),
        (N_("By gender"), figures.by_gender, [g.value for g in schemas.Gender]),
        (N_("By level"), figures.by_level, [level.value for level in schemas.Level]),
    ):
        keys = [key for key in order if key in table["active"] or key in table["approved"]] or order
        rows = [(key, [table["approved"].get(key, 0), table["active"].get(key, 0)]) for key in keys]
        result.append({"title": title, "series": [N_("approved"), N_("all active")], "rows": rows})
    for chart in result:
        chart["rows"] = [(gettext(VALUE_WORDS.get(key, key)), values) for key, values in chart["rows"]]
        chart["title"] = gettext(chart["title"])
        chart["series"] = [gettext(name) for name in chart["series"]]
        chart["svg"] = charts.bar_chart(chart["title"], chart["rows"], chart["series"])
    return result


HANDLERS = [DashboardPages]
