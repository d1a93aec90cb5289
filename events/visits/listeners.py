"""How study visits react to other areas: events and sessions with visit slots stay, and a
withdrawn registration loses its seats on visits in the same transaction."""

from __future__ import annotations

from events import signals
from events.visits.assignments import on_registration_withdrawn
from events.visits.tables import VisitSlot


async def slots_block_event_deletion(event_id: int) -> str | None:
    count = await VisitSlot.count().where(VisitSlot.event == event_id)
    return f"it has {count} study-visit slot(s); delete them first" if count else None


async def slots_block_session_deletion(session_id: int) -> str | None:
    count = await VisitSlot.count().where(VisitSlot.session == session_id)
    return f"{count} study-visit slot(s) belong to it" if count else None


def connect() -> None:
    signals.event_deleting.connect(slots_block_event_deletion)
    signals.session_deleting.connect(slots_block_session_deletion)
    signals.registration_withdrawn.connect(on_registration_withdrawn)
