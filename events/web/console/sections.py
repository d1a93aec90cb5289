"""The event's console pages in tab-bar order: (name, label, path under /organiser/events/{id})."""

from __future__ import annotations

from events.web.i18n import N_

TABS: list[tuple[str, str, str]] = [
    ("overview", N_("Overview"), ""),
    ("programme", N_("Programme"), "/programme"),
    ("registrations", N_("Registrations"), "/registrations"),
    ("letters", N_("Letters"), "/letters"),
    ("badges", N_("Badges"), "/badges"),
    ("visits", N_("Study visits"), "/visits"),
    ("checkin", N_("Check-in"), "/checkin"),
    ("travel", N_("Travel"), "/travel"),
    ("certificates", N_("Certificates"), "/certificates"),
    ("evaluations", N_("Evaluations"), "/evaluations"),
    ("action_plans", N_("Action plans"), "/action-plans"),
    ("reports", N_("Reports"), "/reports"),
    ("jobs", N_("Jobs"), "/jobs"),
]


def tabs(event_id: int) -> list[tuple[str, str, str]]:
    """(name, label message id, URL) of each tab of an event."""
    return [(name, label, f"/organiser/events/{event_id}{path}") for name, label, path in TABS]
