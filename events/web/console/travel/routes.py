"""The travel tab's pages and job pages, listed for ``events.web.console.routes`` and ``jobs``."""

from __future__ import annotations

from events.web.console.travel import dsa, funding, hotels, index, itineraries, transfers

HANDLERS = [
    *index.HANDLERS,
    *funding.HANDLERS,
    *itineraries.HANDLERS,
    *hotels.HANDLERS,
    *transfers.HANDLERS,
    *dsa.HANDLERS,
]
JOB_PAGES = {
    **funding.JOB_PAGES,
    **itineraries.JOB_PAGES,
    **hotels.JOB_PAGES,
    **transfers.JOB_PAGES,
    **dsa.JOB_PAGES,
}
