"""The travel tab's front page: the sub-navigation; each sub-page's module fills its own part."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from events.web.console import common
from events.web.console.travel import sections


class TravelSummaryPage(Controller):
    path = "/organiser/events"

    @get("/{event_id:int}/travel")
    async def summary(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return common.render(
            request,
            "console/travel/summary.html",
            actor,
            event,
            "travel",
            sections.context(event_id, "summary"),
        )


HANDLERS = [TravelSummaryPage]
