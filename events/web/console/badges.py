"""Console: badges — counts, the registrations with their badge, issue / reissue / revoke, the
event's signing keys, and badge sheets printed as a job (``badges.print``) with filters and layout.

Every action calls the badge services the API calls (``events.badges.services`` and ``keys``), which
check the organiser's right and write the audit entry; printing runs
:func:`events.badges.printing.print_pdf` in :mod:`events.badges.jobs`, and the page shows the
latest print jobs with their progress bars (see events/web/console/__init__.py).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.badges import jobs as badge_jobs
from events.badges import keys as badge_keys
from events.badges import printing, schemas, services
from events.badges.tables import BadgeRole
from events.errors import Conflict, DomainError, InvalidInput, NotFound
from events.jobs import services as job_services
from events.reference.services import normalise_country
from events.registration import reading
from events.registration.tables import RegistrationStatus
from events.web import pages
from events.web.console import common
from events.web.forms import Form, read_form
from events.web.i18n import N_

PAGE_SIZE = 25
PRINT_FIELDS = ("sheet", "crop_marks", "status", "role", "country", "sort")

#: The sheets printing offers (``events.badges.render.SHEETS``), as the print form names them.
SHEETS = [
    (schemas.SheetKind.four_a6.value, N_("A4 sheets, 4 A6 badges each"), None),
    (schemas.SheetKind.a6.value, N_("A6, one badge a page"), None),
    (schemas.SheetKind.eight_a7.value, N_("A4 sheets, 8 A7 badges each"), None),
    (schemas.SheetKind.cards_2x5.value, N_("A4 sheets, 10 cards (54 × 90 mm) each"), None),
    (schemas.SheetKind.card.value, N_("Cards (90 × 54 mm), one a page"), None),
]
ROLES = {
    BadgeRole.participant.value: N_("Participant"),
    BadgeRole.speaker.value: N_("Speaker"),
    BadgeRole.organiser.value: N_("Organiser"),
    BadgeRole.staff.value: N_("Staff"),
    BadgeRole.press.value: N_("Press"),
    BadgeRole.guide.value: N_("Guide"),
}
STATES = {
    schemas.BadgeState.issued.value: N_("Badge issued"),
    schemas.BadgeState.missing.value: N_("No badge yet"),
    schemas.BadgeState.revoked.value: N_("Badge revoked"),
}
REVOCATIONS = {
    "superseded": N_("replaced by a newer badge"),
    "registration_cancelled": N_("registration cancelled"),
    "registration_rejected": N_("registration not accepted"),
    "revoked": N_("revoked by an organiser"),
}
SORTS = [("name", N_("By family name"), None), ("country", N_("By country, then name"), None)]


def _page(event_id: int) -> str:
    return f"/organiser/events/{event_id}/badges"


def _local_back(value: Any, event_id: int) -> str:
    """Where a row's form sends the browser back to: the badges page (with its filter), nowhere else."""
    base = _page(event_id)
    value = str(value or "")
    return value if value == base or value.startswith(base + "?") else base


def print_form_defaults() -> Form:
    return Form(
        values={"sheet": schemas.SheetKind.four_a6.value, "status": "approved", "sort": "name"},
        order=PRINT_FIELDS,
    )


async def _registration_of(event_id: int, registration_id: int) -> None:
    """A row's action acts on a registration of this page's event only."""
    row = await reading.get_registration_row(registration_id)
    if row["event"] != event_id:
        raise NotFound(f"No registration {registration_id} in event {event_id}")


class BadgePages(Controller):
    path = "/organiser/events/{event_id:int}/badges"

    async def _render(self, request: Request, event_id: int, form: Form | None = None) -> Template:
        actor, event = await common.event_page(request, event_id)
        state_value = request.query_params.get("state", "")
        state = schemas.BadgeState(state_value) if state_value in STATES else None
        offset = common.query_int(request, "offset") or 0
        overview = await services.badge_overview(actor, event_id, state=state, limit=PAGE_SIZE, offset=offset)
        keys = await badge_keys.list_keys(actor, event_id)
        print_jobs = await common.latest_jobs(actor, event_id, badge_jobs.PRINT, request)
        shown_job = None
        job_id = common.query_int(request, "job")
        if job_id is not None:
            try:
                job = await job_services.get_job(actor, job_id)
            except NotFound:
                job = None
            if job is not None and job.kind == badge_jobs.PRINT and job.event_id == event_id:
                shown_job = {"view": common.job_view(job, pages.gettext(request)), "result": job.result}
        query = urlencode({"state": state.value} if state else {})
        return common.render(
            request,
            "console/badges/index.html",
            actor,
            event,
            "badges",
            {
                "overview": overview,
                "state": state.value if state else "",
                "offset": offset,
                "page_size": PAGE_SIZE,
                "query": query,
                "back": f"{_page(event_id)}?{query}&offset={offset}"
                if query
                else f"{_page(event_id)}?offset={offset}",
                "keys": keys.keys,
                "print_jobs": print_jobs,
                "shown_job": shown_job,
                "form": form or print_form_defaults(),
                "sheets": SHEETS,
                "sorts": SORTS,
                "roles": ROLES,
                "states": STATES,
                "revocations": REVOCATIONS,
                "statuses": [status.value for status in RegistrationStatus],
            },
            status_code=400 if form is not None and form.has_errors else 200,
        )

    @get("/")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        return await self._render(request, event_id)

    @post("/issue")
    async def issue_missing(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        result = await services.issue_missing(actor, event_id)
        if result.skipped:
            return pages.redirect(
                _page(event_id),
                flash=N_(
                    "Badges issued: %(issued)s. Not issued, because their badge was revoked: %(skipped)s (reissue those one by one)."
                ),
                issued=result.issued,
                skipped=len(result.skipped),
            )
        return pages.redirect(_page(event_id), flash=N_("Badges issued: %(issued)s."), issued=result.issued)

    @post("/registrations/{registration_id:int}/{action:str}")
    async def registration_action(
        self, request: Request, event_id: FromPath[int], registration_id: FromPath[int], action: FromPath[str]
    ) -> Response:
        """Issue, reissue (with a reason) or revoke (with a reason) one registration's badge."""
        actor, _event = await common.event_page(request, event_id)
        await _registration_of(event_id, registration_id)
        submitted = await request.form()
        back = _local_back(submitted.get("back"), event_id)
        reason = " ".join((submitted.get("reason") or "").split())
        if len(reason) > 200:
            return pages.redirect(
                back, flash=N_("Keep the reason under 200 characters; nothing was changed.")
            )
        try:
            if action == "issue":
                await services.issue_badge(actor, registration_id)
                flash = N_("Badge issued.")
            elif action == "reissue":
                await services.reissue_badge(actor, registration_id, reason)
                flash = N_("A new badge was issued; the old one no longer opens doors.")
            elif action == "revoke":
                await services.revoke_badge(actor, registration_id, reason)
                flash = N_("Badge revoked: scanners refuse it from their next update.")
            else:
                raise NotFound(f"No badge action {action!r}")
        except Conflict as exc:
            return pages.redirect(back, flash=N_("Not changed: %(reason)s"), reason=exc.detail)
        return pages.redirect(back, flash=flash)

    @post("/print")
    async def print_sheets(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        data, form = read_form(await request.form(), printing.PrintRequest, PRINT_FIELDS, gettext)
        if data is not None and data.country:
            try:
                data = msgspec.structs.replace(data, country=normalise_country(data.country))
            except InvalidInput as exc:
                form.add_service_error(exc, gettext)
                data = None
        if data is None:
            return await self._render(request, event_id, form)
        return await common.start_job(
            request,
            actor,
            badge_jobs.PRINT,
            event_id=event_id,
            params={"event_id": event_id, **badge_jobs.print_params(data)},
        )

    @post("/keys/rotate")
    async def rotate_key(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        key = await badge_keys.rotate_key(actor, event_id)
        return pages.redirect(
            f"{_page(event_id)}#keys",
            flash=N_("Key %(key)s signs new badges from now on; older keys still verify until retired."),
            key=key.key_id,
        )

    @post("/keys/{key_id:str}/retire")
    async def retire_key(self, request: Request, event_id: FromPath[int], key_id: FromPath[str]) -> Response:
        actor, _event = await common.event_page(request, event_id)
        try:
            result = await badge_keys.retire_key(actor, event_id, key_id)
        except DomainError as exc:
            return pages.redirect(
                f"{_page(event_id)}#keys", flash=N_("Not changed: %(reason)s"), reason=exc.detail
            )
        return pages.redirect(
            f"{_page(event_id)}#keys",
            flash=N_(
                "Key %(key)s retired: the %(count)s valid badges it signed are refused now; reissue them."
            ),
            key=result.key.key_id,
            count=result.badges_affected,
        )


#: Job kind → the page that shows what the job printed.
JOB_PAGES: dict = {badge_jobs.PRINT: lambda job: f"{_page(job.event_id)}?job={job.id}#print"}

HANDLERS: list = [BadgePages]
