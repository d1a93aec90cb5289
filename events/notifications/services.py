"""Queue e-mails in the outbox, inside the caller's transaction: the message exists iff the change does.

Secrets (a sign-in or invitation link) are never stored usable: the body holds a placeholder, the
value is kept encrypted in ``withheld_enc`` until the sender puts it into the e-mail it delivers,
and the sender erases it once the message is delivered. A backup or a look at /admin shows the
placeholder and ciphertext only.
"""

from __future__ import annotations

import json
import secrets
from typing import Any

from events import clock, crypto
from events.notifications.tables import OutboxMessage
from events.notifications.templates import render


def _placeholder(name: str) -> str:
    """A marker no participant text can guess, so only it is replaced at delivery."""
    return f"[{name} withheld {secrets.token_hex(6)}]"


async def queue_email(kind: str, **fields: Any) -> int:
    """Queue one e-mail (the fields of :func:`compose_email`); ``secret_context`` values fill their
    placeholders only when it is sent."""
    message = OutboxMessage(**compose_email(kind, **fields))
    await message.save()
    return message.id


def compose_email(
    kind: str,
    *,
    to: str,
    language: str,
    context: dict[str, str],
    secret_context: dict[str, str] | None = None,
    object_type: str = "",
    object_id: int | str = "",
) -> dict[str, Any]:
    """The outbox row of one e-mail as column values: rendered, its secrets withheld. No database, so
    a statement program can insert it (:func:`events.db.statements.insert`); :func:`queue_email`
    saves it through Piccolo."""
    secret_context = secret_context or {}
    markers = {name: _placeholder(name) for name in secret_context}
    withheld = {markers[name]: value for name, value in secret_context.items()}
    subject, body, used = render(kind, language, {**context, **markers})
    now = clock.now()
    return {
        "kind": kind,
        "to_address": to,
        "subject": subject,
        "body": body,
        "withheld_enc": crypto.encrypt(json.dumps(withheld)) if withheld else None,
        "language": used,
        "object_type": object_type,
        "object_id": str(object_id),
        "created_at": now,
        "next_attempt_at": now,
    }


def delivered_body(message: dict) -> str:
    """The body as e-mailed: the withheld secrets put back in place of their placeholders."""
    body = message["body"]
    if message.get("withheld_enc"):
        for marker, value in json.loads(crypto.decrypt(message["withheld_enc"])).items():
            body = body.replace(marker, value)
    return body


async def rotate_withheld_secrets() -> int:
    """Re-encrypt the secrets of messages not sent yet with the newest data key."""
    rows = await OutboxMessage.select(OutboxMessage.id, OutboxMessage.withheld_enc).where(
        OutboxMessage.withheld_enc.is_not_null()
    )
    for row in rows:
        await OutboxMessage.update({OutboxMessage.withheld_enc: crypto.rotate(row["withheld_enc"])}).where(
            OutboxMessage.id == row["id"]
        )
    return len(rows)
