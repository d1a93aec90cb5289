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


def context(event_id: int, current: str) -> dict:
    """What ``console/travel/base.html`` needs for the sub-navigation."""
    return {"subpages": subpages(event_id), "subpage": current}
