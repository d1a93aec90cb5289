"""Queue e-mails in the outbox, inside the caller's transaction: the message exists iff the change does."""

from __future__ import annotations

from events import clock
from events.notifications.tables import OutboxMessage
from events.notifications.templates import render


async def queue_email(
    kind: str,
    *,
    to: str,
    language: str,
    context: dict[str, str],
    object_type: str = "",
    object_id: int | str = "",
) -> int:
    subject, body, used = render(kind, language, context)
    now = clock.now()
    message = OutboxMessage(
        kind=kind,
        to_address=to,
        subject=subject,
        body=body,
        language=used,
        object_type=object_type,
        object_id=str(object_id),
        created_at=now,
        next_attempt_at=now,
    )
    await message.save()
    return message.id
