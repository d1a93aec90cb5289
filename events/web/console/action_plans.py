"""Country action plans: each country's plan and its status, organisers' comments, the overview.

``/organiser/events/{id}/action-plans``: the countries represented by approved participants with
their plan's status, target date and last change, filtered by status and country group; a country's
page with the document, the fields, the comment thread, "Return to draft" (with a comment) and
"Mark reviewed"; ``/organiser/action-plans`` lists which countries have a plan in which event.
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Template

from events.action_plans import report, schemas, services
from events.action_plans.controllers import attachment
from events.errors import DomainError, InvalidInput
from events.programme import services as programme_services
from events.reference.tables import CountryGroup
from events.web import pages
from events.web.console import common
from events.web.forms import Form
from events.web.i18n import N_
from events.web.my.action_plan import CHANNEL_WORDS

#: Job kind → the page showing what the job produced.
JOB_PAGES: dict = {}

#: How the console names each status (the report's words).
STATUS_WORDS = report.STATUS_WORDS
COMMENTED = N_("The comment is added")
RETURNED = N_("The plan is returned to draft")
REVIEWED = N_("The plan is marked reviewed")
WRITE_COMMENT = N_("Write the comment")
SAY_WHY = N_("Say why the plan is returned: the country's participants read it")
CANNOT = N_("This cannot be done now: the plan is %(status)s")


def _base(event_id: int) -> str:
    return f"/organiser/events/{event_id}/action-plans"


class ActionPlanConsole(Controller):
    path = "/organiser"

    @get("/events/{event_id:int}/action-plans")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        status = request.query_params.get("status") or None
        if status not in STATUS_WORDS:
            status = None
        group = request.query_params.get("group") or None
        if group not in {g.value for g in CountryGroup}:
            group = None
        rows = await services.overview(actor, event_id, status=status, group=group)
        everything = await services.overview(actor, event_id) if status or group else rows
        counts = {key: sum(1 for row in everything if row.status == key) for key in STATUS_WORDS}
        return common.render(
            request,
            "console/action_plans/index.html",
            actor,
            event,
            "action_plans",
            {
                "rows": rows,
                "counts": counts,
                "status_words": STATUS_WORDS,
                "groups": [g.value for g in CountryGroup],
                "filters": {k: v for k, v in {"status": status, "group": group}.items() if v},
            },
        )

    async def _plan_page(
        self, request: Request, event_id: int, country: str, form: Form | None = None, status_code: int = 200
    ) -> Template:
        actor, event = await common.event_page(request, event_id)
        plan = await services.get_plan(actor, event_id, country)
        return common.render(
            request,
            "console/action_plans/plan.html",
            actor,
            event,
            "action_plans",
            {
                "plan": plan,
                "status_words": STATUS_WORDS,
                "channel_words": CHANNEL_WORDS,
                "download_url": f"{_base(event_id)}/{plan.country}/document",
                "form": form or Form(order=("body", "comment")),
            },
            status_code=status_code,
        )

    @get("/events/{event_id:int}/action-plans/{country:str}")
    async def plan(self, request: Request, event_id: FromPath[int], country: FromPath[str]) -> Template:
        return await self._plan_page(request, event_id, country)

    @get("/events/{event_id:int}/action-plans/{country:str}/document")
    async def download(self, request: Request, event_id: FromPath[int], country: FromPath[str]) -> Response:
        actor, _ = await common.event_page(request, event_id)
        filename, content_type, content = await services.document(actor, event_id, country)
        return attachment(filename, content_type, content)

    @post("/events/{event_id:int}/action-plans/{country:str}/comments")
    async def comment(
        self, request: Request, event_id: FromPath[int], country: FromPath[str]
    ) -> Response | Template:
        actor, _ = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        body = ((await request.form()).get("body") or "").strip()
        form = Form(values={"body": body}, order=("body", "comment"))
        if not body:
            form.add("body", gettext(WRITE_COMMENT))
        elif len(body) > 2000:
            form.add("body", f"{gettext(N_('Check this answer'))}: ≤ 2000")
        return await common.act(
            request,
            form,
            lambda: services.add_comment(actor, event_id, country, body),
            done=lambda _: pages.redirect(f"{_base(event_id)}/{country.upper()}", flash=COMMENTED),
            again=lambda form, status: self._plan_page(request, event_id, country, form, status_code=status),
        )

    @post("/events/{event_id:int}/action-plans/{country:str}/status")
    async def change_status(
        self, request: Request, event_id: FromPath[int], country: FromPath[str]
    ) -> Response | Template:
        actor, _ = await common.event_page(request, event_id)
        gettext = pages.gettext(request)
        submitted = await request.form()
        target = submitted.get("status")
        comment = (submitted.get("comment") or "").strip()[:2000]
        form = Form(values={"comment": comment}, order=("body", "comment"))
        if target not in {"draft", "reviewed"}:
            form.add(None, gettext(CANNOT, status=target or ""))

        async def refusal(form: Form, exc: DomainError, gettext) -> None:
            if isinstance(exc, InvalidInput):
                form.add("comment", gettext(SAY_WHY))
            else:  # changed meanwhile: say what the plan is now
                plan = await services.get_plan(actor, event_id, country)
                form.add(None, gettext(CANNOT, status=gettext(STATUS_WORDS[plan.status])))

        return await common.act(
            request,
            form,
            lambda: services.change_status(
                actor, event_id, country, schemas.StatusChange(status=target, comment=comment)
            ),
            done=lambda _: pages.redirect(
                f"{_base(event_id)}/{country.upper()}", flash=RETURNED if target == "draft" else REVIEWED
            ),
            again=lambda form, status: self._plan_page(request, event_id, country, form, status_code=status),
            refusal=refusal,
        )

    @get("/action-plans")
    async def programme(self, request: Request) -> Template:
        """Which countries have a plan in which of the organiser's events."""
        actor = await common.organiser(request)
        found = await services.programme_overview(actor)
        event_ids = sorted({event_id for events in found.values() for event_id in events})
        events = [await programme_services.get_event(event_id) for event_id in event_ids]
        return pages.render(
            request,
            "console/action_plans/programme.html",
            {"found": found, "events": events, "status_words": STATUS_WORDS, "actor": actor},
        )


HANDLERS = [ActionPlanConsole]
