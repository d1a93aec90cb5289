"""The travel tab's sub-pages in order: (name, label, path under /organiser/events/{id}/travel)."""

from __future__ import annotations

from events.web.i18n import N_

SUBPAGES: list[tuple[str, str, str]] = [
    ("summary", N_("Summary"), ""),
    ("funding", N_("Funding"), "/funding"),
    ("itineraries", N_("Itineraries"), "/itineraries"),
    ("hotels", N_("Hotels"), "/hotels"),
    ("transfers", N_("Airport transfers"), "/transfers"),
    ("dsa", N_("DSA"), "/dsa"),
]


def subpages(event_id: int) -> list[tuple[str, str, str]]:
    return [(name, label, f"/organiser/events/{event_id}/travel{path}") for name, label, path in SUBPAGES]


def context(event_id: int, current: str, actor=None) -> dict:
    """What ``console/travel/base.html`` needs for the sub-navigation (a travel agent, who is not
    an organiser of the event, sees only the itineraries)."""
    pages = subpages(event_id)
    if actor is not None and not actor.organises(event_id):
        pages = [page for page in pages if page[0] == "itineraries"]
    return {"subpages": pages, "subpage": current}
