"""The travel tab's front page: the budget box and the funding decisions by level (from
``events.travel.funding``), with links to the sub-pages, which fill in the rest."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from events.travel import funding
from events.web import pages
from events.web.console import common
from events.web.console.travel import sections
from events.web.console.travel.funding import LEVEL_WORDS, money


class TravelSummaryPage(Controller):
    path = "/organiser/events"

    @get("/{event_id:int}/travel")
    async def summary(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        language = pages.language(request)
        return common.render(
            request,
            "console/travel/summary.html",
            actor,
            event,
            "travel",
            {
                **sections.context(event_id, "summary"),
                "base": f"/organiser/events/{event_id}/travel",
                "budget": await funding.budget(actor, event_id),
                "level_words": LEVEL_WORDS,
                "money": lambda value, currency: money(value, currency, language),
            },
        )


HANDLERS = [TravelSummaryPage]
