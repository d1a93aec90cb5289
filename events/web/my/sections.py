"""The hub page's parts in page order, and all their pages' handlers."""

from __future__ import annotations

from events.web.my import action_plan, agenda, calendar, documents, evaluations, travel, visits
from events.web.my.view import MyView

PARTS = (documents, calendar, agenda, visits, travel, evaluations, action_plan)


async def sections_for(view: MyView) -> list[tuple[str, dict]]:
    """``(name, context)`` of each part that has something to show this participant."""
    found = []
    for part in PARTS:
        context = await part.section(view)
        if context is not None:
            found.append((part.NAME, context))
    return found


HANDLERS = [handler for part in PARTS for handler in part.HANDLERS]
