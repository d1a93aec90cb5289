"""E-mails to participants about their visits, queued in the caller's transaction.

Two kinds, each with a subject and body in EN/FR/ES in ``events/notifications/templates.py``
(owned by the notifications area):

* ``visit_assigned``: placeholders ``name event site address date time meeting_point
  meeting_time guide_language vehicle reference link``: a new or changed visit;
* ``visit_cancelled``: placeholders ``name event site date reference link``: a visit taken away.

Until a kind has templates nothing is queued for it and :func:`notify` returns ``False``; the
commit's audit entry counts those as ``notifications_pending``. Once the templates exist, the
same call queues them, with no other change.
"""

from __future__ import annotations

from events.notifications.services import queue_email

VISIT_ASSIGNED = "visit_assigned"
VISIT_CANCELLED = "visit_cancelled"

PLACEHOLDERS = {
    VISIT_ASSIGNED: (
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
    ),
    VISIT_CANCELLED: ("name", "event", "site", "date", "reference", "link"),
}


def ready(kind: str) -> bool:
    """Whether the notifications area has texts for this kind."""
    from events.notifications.templates import TEMPLATES

    return kind in TEMPLATES


async def notify(kind: str, registration: dict, context: dict[str, str]) -> bool:
    """Queue one e-mail to the registration's address in its language; ``False`` when the kind
    has no templates yet (nothing queued)."""
    missing = set(PLACEHOLDERS[kind]) - context.keys()
    if missing:
        raise ValueError(f"{kind} needs {sorted(missing)}")
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
