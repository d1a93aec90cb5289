"""E-mails to participants about their visits, queued in the caller's transaction.

Each kind has a subject and body in EN/FR/ES in ``events/notifications/templates.py`` (owned by
the notifications area):

* ``visit_assigned``: a new or changed visit (the scheduler's commit, a placement by hand);
* ``visit_added``: one more visit placed by hand, the participant's others staying as they are;
* ``visit_updated``: the same visit with new travel details (another vehicle);
* ``visit_cancelled``: placeholders ``name event site date reference link``: a visit taken away.

The first three share the placeholders ``name event site address date time meeting_point
meeting_time guide_language vehicle reference link``, filled by :func:`notify_visit`.

Until a kind has templates nothing is queued for it and :func:`notify` returns ``False``; the
commit's audit entry counts those as ``notifications_pending``. Once the templates exist, the
same call queues them, with no other change.
"""

from __future__ import annotations

from events.clock import now
from events.i18n.formatting import format_date, format_time
from events.notifications.services import queue_email
from events.notifications.templates import TEMPLATES, email_language
from events.settings import get_settings
from events.visits.context import EventVisits
from events.visits.tables import VisitNotice

VISIT_ASSIGNED = "visit_assigned"
VISIT_ADDED = "visit_added"
VISIT_UPDATED = "visit_updated"
VISIT_CANCELLED = "visit_cancelled"

_VISIT_DETAILS = (
    "name",
    "event",
    "site",
    "address",
    "date",
    "time",
    "meeting_point",
    "meeting_time",
    "guide_language",
    "vehicle",
    "reference",
    "link",
)
#: The details a notice keeps: what the participant's page compares between two notices.
NOTICE_DETAILS = (
    "site",
    "address",
    "date",
    "time",
    "meeting_point",
    "meeting_time",
    "vehicle",
    "guide_language",
)

PLACEHOLDERS = {
    VISIT_ASSIGNED: _VISIT_DETAILS,
    VISIT_ADDED: _VISIT_DETAILS,
    VISIT_UPDATED: _VISIT_DETAILS,
    VISIT_CANCELLED: ("name", "event", "site", "date", "reference", "link"),
}


def ready(kind: str) -> bool:
    """Whether the notifications area has texts for this kind."""
    return kind in TEMPLATES


async def notify(kind: str, registration: dict, context: dict[str, str]) -> bool:
    """Queue one e-mail to the registration's address in its language; ``False`` when the kind
    has no templates yet (nothing queued). Either way the participant's page keeps what they were
    told (a :class:`VisitNotice`), to show what a later change changed."""
    missing = set(PLACEHOLDERS[kind]) - context.keys()
    if missing:
        raise ValueError(f"{kind} needs {sorted(missing)}")
    await VisitNotice.insert(
        VisitNotice(
            registration=registration["id"],
            kind=kind,
            details={name: context[name] for name in NOTICE_DETAILS if name in context},
            created_at=now(),
        )
    )
    if not ready(kind):
        return False
    await queue_email(
        kind,
        to=registration["email"],
        language=registration["preferred_language"],
        context=context,
        object_type="registration",
        object_id=registration["id"],
    )
    return True


def _about(visits: EventVisits, person: dict) -> dict[str, str]:
    """The placeholders every kind shares: who, which event, where to look."""
    return {
        "name": person["preferred_name"] or f"{person['given_names']} {person['family_name']}",
        "event": visits.event["title"],
        "reference": person["reference"],
        "link": f"{get_settings().base_url}/my/visits",
    }


def visit_details(visits: EventVisits, person: dict, slot_id: int, vehicle_id: int | None) -> dict[str, str]:
    """What a participant is told about their visit on ``slot_id``, in their language: the same
    details before and after an edit mean there is nothing new to tell them."""
    language = email_language(person["preferred_language"])
    slot = visits.slots[slot_id]
    site = visits.sites[slot["site"]]
    trip = visits.trip(slot)
    start, end = visits.local(slot["starts_at"]), visits.local(slot["ends_at"])
    assert start is not None and end is not None
    return {
        **_about(visits, person),
        "site": site["name"],
        "address": site["address"] or site["city"],
        "date": format_date(start.date(), language),
        "time": f"{format_time(start, language)}–{format_time(end, language)}",
        "meeting_point": slot["meeting_point"]
        or visits.settings["default_meeting_point"]
        or visits.event["venue"],
        "meeting_time": format_time(visits.local(trip.departs_at), language) if trip else "",
        "guide_language": slot["guide_language"],
        "vehicle": visits.vehicles[vehicle_id]["name"] if vehicle_id in visits.vehicles else "",
    }


async def notify_visit(
    kind: str, visits: EventVisits, person: dict, slot_id: int, vehicle_id: int | None
) -> bool:
    """Tell a participant (a registration row with its e-mail, language and names) where and when
    their visit on ``slot_id`` is, and in which vehicle: ``visit_assigned``, ``visit_added`` or
    ``visit_updated``."""
    return await notify(kind, person, visit_details(visits, person, slot_id, vehicle_id))


async def notify_cancelled(visits: EventVisits, person: dict, slot_id: int) -> bool:
    """Tell a participant that their visit on ``slot_id`` is taken away."""
    slot = visits.slots[slot_id]
    start = visits.local(slot["starts_at"])
    assert start is not None
    return await notify(
        VISIT_CANCELLED,
        person,
        {
            **_about(visits, person),
            "site": visits.sites[slot["site"]]["name"],
            "date": format_date(start.date(), email_language(person["preferred_language"])),
        },
    )
