"""What the console pages share: the signed-in organiser, pages with the event's tab bar, jobs, and
the way a posted form is handled (:func:`act`, :func:`post_form`).

Rights are the services' business (each checks ``actor.require_organiser``); :func:`event_page` checks
up front only so that a page of an event someone does not organise is a 403 page before any work.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.response import Redirect, Template

from events.auth.guards import current_actor
from events.auth.principal import Actor
from events.errors import Conflict, DomainError, InvalidInput, NotAuthenticated
from events.i18n import choices
from events.jobs import registry as job_registry
from events.jobs import services as job_services
from events.jobs.schemas import Job
from events.jobs.tables import FINISHED
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.registration.tables import RegistrationStatus
from events.web import messages, pages
from events.web.console import sections
from events.web.forms import Form, Gettext, read_form
from events.web.i18n import N_

S = TypeVar("S", bound=msgspec.Struct)
T = TypeVar("T")
#: Puts a service's refusal into the form, in the page's words; may answer the status to show the
#: form again with (422 when it answers nothing), and may be a coroutine function.
Refusal = Callable[[Form, Any, Gettext], "int | Awaitable[int | None] | None"]

#: How the dashboard names the values of statuses, genders and levels (the codes stay in links,
#: filters and exports; country groups are the UN's acronyms).
VALUE_WORDS = {
    RegistrationStatus.submitted.value: N_("Awaiting decision"),
    RegistrationStatus.approved.value: N_("Approved"),
    RegistrationStatus.waitlisted.value: N_("On the waiting list"),
    RegistrationStatus.rejected.value: N_("Not accepted"),
    RegistrationStatus.cancelled.value: N_("Cancelled"),
    **{value: label for value, label, _hint in choices.GENDERS},
    **{value: label for value, label, _hint in choices.LEVELS},
}
#: How pages name a job's status.
JOB_STATES = {
    "queued": N_("Waiting to start"),
    "running": N_("Running"),
    "succeeded": N_("Done"),
    "failed": N_("Failed"),
    "cancelled": N_("Cancelled"),
}


async def organiser(request: Request) -> Actor:
    """The signed-in account (session cookie); the dashboard's error handler sends others to sign in."""
    actor = await current_actor(request)
    if actor is None:
        raise NotAuthenticated("Sign in")
    return actor


async def event_page(
    request: Request, event_id: int, *, travel: bool = False
) -> tuple[Actor, programme_schemas.Event]:
    """The organiser and the event of a console page; 403 for an event they do not organise.
    ``travel``: the page is also a travel agent's of this event (the itineraries pages)."""
    actor = await organiser(request)
    event = await programme_services.get_event(event_id)
    if travel:
        actor.require_travel(event_id, "You do not book travel for this event")
    else:
        actor.require_organiser(event_id, "You do not organise this event")
    return actor, event


def render(
    request: Request,
    template: str,
    actor: Actor,
    event: programme_schemas.Event,
    tab: str,
    context: dict[str, Any] | None = None,
    **options: Any,
) -> Template:
    """A console page of ``event`` with the tab bar (``tab`` marked current)."""
    # A travel agent reaches only the itineraries pages: no tab bar to pages that would refuse them.
    tabs = sections.tabs(event.id) if actor.organises(event.id) else []
    page = {
        "words": VALUE_WORDS,
        "actor": actor,
        "event": event,
        "tab": tab,
        "tabs": tabs,
        **(context or {}),
    }
    return pages.render(request, template, page, **options)


def job_view(job: Job, gettext) -> dict[str, Any]:
    """A job as the progress bar shows it, in the reader's language (also the status poll's JSON)."""
    finished = job.status in FINISHED
    return {
        "id": job.id,
        "kind": job.kind,
        "label": gettext(job_registry.label_for(job.kind)),
        "status": job.status,
        "state": gettext(JOB_STATES.get(job.status, job.status)),
        "percent": 100 if job.status == "succeeded" else round(job.progress * 100),
        "message": job_services.filled(job.message_id, job.message_args, gettext) if job.message_id else "",
        "finished": finished,
        "error": job.error,
        "has_file": job.result_url is not None,
        "page": f"/organiser/jobs/{job.id}",
        "result": f"/organiser/jobs/{job.id}/result" if job.result_url else None,
        "status_url": f"/organiser/jobs/{job.id}/status",
        "event_id": job.event_id,
        "created_at": job.created_at,
        "finished_at": job.finished_at,
        "cancel_requested": job.cancel_requested,
    }


async def start_job(
    request: Request, actor: Actor, kind: str, *, event_id: int, params: dict[str, Any] | None = None
) -> Redirect:
    """Queue a job of ``kind`` (the caller checked the right to ask) and send the browser to its page."""
    job = await job_services.enqueue(actor, kind, event_id=event_id, params=params or {})
    return pages.redirect(f"/organiser/jobs/{job.id}")


async def latest_jobs(actor: Actor, event_id: int, kind: str, request: Request, limit: int = 3) -> list[dict]:
    """The event's newest jobs of ``kind``, for a page that offers to start one (running ones show
    their progress bar there too)."""
    jobs, _ = await job_services.list_jobs(actor, event_id, status=None, kind=kind, limit=limit, offset=0)
    translate = pages.gettext(request)
    return [job_view(job, translate) for job in jobs]


def query_int(request: Request, name: str) -> int | None:
    value = request.query_params.get(name, "")
    return int(value) if value.isdigit() and len(value) < 10 else None


# --- posted forms ------------------------------------------------------------------------------------


def service_refusal(form: Form, exc: DomainError, gettext: Gettext) -> None:
    """The service's field errors beside their fields, anything else in the summary."""
    form.add_service_error(exc, gettext)


def own_words(form: Form, gettext: Gettext, field_messages: Mapping[str, str]) -> None:
    """An area's own words beside its fields in place of the generic "Check this answer" (alone or
    followed by the service's English)."""
    generic = gettext(messages.CHECK)
    for name, text in list(form.errors.items()):
        if name in field_messages and (text == generic or text.startswith(f"{generic}:")):
            form.errors[name] = gettext(field_messages[name])


async def act(
    request: Request,
    form: Form,
    call: Callable[[], Awaitable[T]],
    *,
    done: Callable[[T], Response],
    again: Callable[[Form, int], Awaitable[Response]],
    refused: tuple[type[Exception], ...] = (InvalidInput, Conflict),
    refusal: Refusal = service_refusal,
    words: Callable[[Form, Gettext], None] | None = None,
) -> Response:
    """What every console form post does once its form is read (into ``form``, with any error the
    page found itself): unless the form has errors already, ``call`` the service; when it accepts,
    answer ``done(result)`` (a redirect, 303, with a flash); when it refuses with one of ``refused``,
    ``refusal`` puts why into the form. Then ``words`` (the area's words for its fields) and the page
    again with the form as typed, ``again(form, status)`` (422, or the status ``refusal`` answered).

    Only the exceptions in ``refused`` become messages: anything else (not found, not allowed) goes to
    the console's error pages as it would from any handler."""
    gettext = pages.gettext(request)
    status = 422
    if not form.has_errors:
        try:
            result = await call()
        except refused as exc:
            answer = refusal(form, exc, gettext)
            if inspect.isawaitable(answer):
                answer = await answer
            status = answer or 422
        else:
            return done(result)
    if words is not None:
        words(form, gettext)
    return await again(form, status)


async def post_form(
    request: Request,
    struct: type[S],
    fields: Sequence[str],
    call: Callable[[S], Awaitable[T]],
    *,
    required: Iterable[str] = (),
    done: Callable[[T], Response],
    again: Callable[[Form, int], Awaitable[Response]],
    refused: tuple[type[Exception], ...] = (InvalidInput, Conflict),
    refusal: Refusal = service_refusal,
    words: Callable[[Form, Gettext], None] | None = None,
) -> Response:
    """:func:`act` for a form read into ``struct`` by :func:`events.web.forms.read_form` (every
    field's error at once); ``call`` gets the struct."""
    data, form = read_form(await request.form(), struct, fields, pages.gettext(request), required=required)
    return await act(
        request,
        form,
        lambda: call(data),
        done=done,
        again=again,
        refused=refused,
        refusal=refusal,
        words=words,
    )
