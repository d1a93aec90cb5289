"""How check-in reacts to the programme: events and sessions with checkpoints stay."""

from __future__ import annotations

from events import signals
from events.checkin.tables import Checkpoint


async def checkpoints_block_event_deletion(event_id: int) -> str | None:
    count = await Checkpoint.count().where(Checkpoint.event == event_id)
    return f"it has {count} check-in checkpoint(s)" if count else None


async def checkpoints_block_session_deletion(session_id: int) -> str | None:
    count = await Checkpoint.count().where(Checkpoint.session == session_id)
    return f"{count} check-in checkpoint(s) belong to it" if count else None


def connect() -> None:
    signals.event_deleting.connect(checkpoints_block_event_deletion)
    signals.session_deleting.connect(checkpoints_block_session_deletion)
