"""The participant's calendar (see :mod:`events.web.my`): their personal feed to subscribe to
(``webcal://``), the address to copy, the ``.ics`` download, short help for Outlook, Google and Apple
calendars, and a new link or no feed at all.

Only an approved participant has a calendar here (before approval the section says it comes with
approval; a cancelled or rejected registration has none). Their first visit makes the feed
(:func:`events.calendars.services.own_personal_feed`), and every later visit shows the same link
again: the token is kept encrypted for its owner. Making a new link or stopping the feed calls the
same services as the API (audited alike).

* ``GET /my/calendar`` — the page;
* ``POST /my/calendar/new-link`` — a new link (the old subscription stops updating);
* ``POST /my/calendar/stop`` — no feed any more (until a new link is asked for).
"""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post

from events.calendars import services as calendar_services
from events.web import pages
from events.web.i18n import N_
from events.web.my.view import MyView, my_view

NAME = "calendar"
PAGE = "/my/calendar"

NEW_LINK_MADE = N_("Your new calendar link is ready. Subscribe again with it: the old one no longer updates.")
FEED_STOPPED = N_("Your calendar feed is stopped. Calendars subscribed to it no longer update.")
NOT_YET = N_("Your calendar comes with approval.")


async def _context(view: MyView) -> dict | None:
    """What the section and the page show: ``state`` is ``pending`` (not approved yet) or
    ``ready``; ``None`` for a cancelled or rejected registration."""
    if view.approved:
        feed = await calendar_services.own_personal_feed(view.actor, view.registration.id, make_first=True)
        return {"state": "ready", "feed": feed, "time_zone": view.time_zone}
    if view.active:
        return {"state": "pending"}
    return None


async def section(view: MyView) -> dict | None:
    """The hub's calendar section, or ``None`` to leave it out."""
    return await _context(view)


class CalendarPages(Controller):
    """The participant's calendar page and its two actions."""

    path = PAGE

    @get("/")
    async def show(self, request: Request) -> Response:
        view = await my_view(request)
        return pages.render(
            request,
            "portal/my/calendar.html",
            {"section": await _context(view), "event": view.event, "registration": view.registration},
        )

    @post("/new-link")
    async def new_link(self, request: Request) -> Response:
        """Replace the feed's link (or make one after it was stopped)."""
        view = await my_view(request)
        if not view.approved:
            return pages.redirect(PAGE, flash=NOT_YET)
        await calendar_services.create_personal_feed(view.actor, view.registration.id)
        return pages.redirect(PAGE, flash=NEW_LINK_MADE)

    @post("/stop")
    async def stop(self, request: Request) -> Response:
        view = await my_view(request)
        await calendar_services.revoke_personal_feed(view.actor, view.registration.id)
        return pages.redirect(PAGE, flash=FEED_STOPPED)


HANDLERS: list = [CalendarPages]
