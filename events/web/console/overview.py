"""The event's front page in the console: what it is, where registrations stand, what is running."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from events.jobs import services as job_services
from events.registration import reading
from events.web import pages
from events.web.console import common


class OverviewPage(Controller):
    path = "/organiser/events"

    @get("/{event_id:int}")
    async def overview(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        figures = await reading.statistics(actor, event_id)
        running, _ = await job_services.list_jobs(
            actor, event_id, status="running", kind=None, limit=10, offset=0
        )
        queued, _ = await job_services.list_jobs(
            actor, event_id, status="queued", kind=None, limit=10, offset=0
        )
        translate = pages.gettext(request)
        return common.render(
            request,
            "console/overview.html",
            actor,
            event,
            "overview",
            {"figures": figures, "jobs": [common.job_view(job, translate) for job in [*running, *queued]]},
        )


HANDLERS = [OverviewPage]
