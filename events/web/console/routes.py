"""Every console page, mounted by ``events.web.controllers`` beside the dashboard."""

from __future__ import annotations

from events.web.console import (
    action_plans,
    badges,
    certificates,
    checkin,
    evaluations,
    imports,
    jobs,
    letters,
    overview,
    programme,
    reports,
    visits,
)
from events.web.console.travel import routes as travel

HANDLERS = [
    *overview.HANDLERS,
    *programme.HANDLERS,
    *letters.HANDLERS,
    *badges.HANDLERS,
    *visits.HANDLERS,
    *checkin.HANDLERS,
    *travel.HANDLERS,
    *certificates.HANDLERS,
    *evaluations.HANDLERS,
    *action_plans.HANDLERS,
    *reports.HANDLERS,
    *imports.HANDLERS,
    *jobs.HANDLERS,
]
