"""The e-mails a registration's participant receives when it is received or decided."""

from __future__ import annotations

import secrets
from typing import Any

from events.i18n.formatting import format_date_range
from events.notifications.services import compose_email, queue_email
from events.notifications.templates import email_language, status_word
from events.registration.tables import RegistrationStatus
from events.settings import get_settings


def _manage_link() -> str:
    return f"{get_settings().base_url}/my/registration"


async def notify(
    kind: str, row: dict, event: dict, *, sign_in_link: str | None = None, note: str = ""
) -> None:
    """``sign_in_link`` (a magic link) is a secret: withheld from the stored body until sending."""
    await queue_email(kind, **_mail(kind, row, event, sign_in_link, note))


def notice(
    kind: str, row: dict, event: dict, *, sign_in_link: str | None = None, note: str = ""
) -> dict[str, Any]:
    """The outbox row :func:`notify` queues, as column values (for the registration hot path, which
    inserts it in its own statement program)."""
    return compose_email(kind, **_mail(kind, row, event, sign_in_link, note))


def notice_any_status(
    kind: str, row: dict, event: dict, statuses: tuple[str, ...], *, sign_in_link: str | None = None
) -> tuple[dict[str, Any], str, dict[str, str]]:
    """:func:`notice` for a row whose status is decided later, in the statement that writes it: the
    outbox row with a marker where the status's word goes, the marker, and the word of each status
    (in the row's language) to put in its place."""
    marker = f"[status {secrets.token_hex(6)}]"
    mail = _mail(kind, {**row, "status": statuses[0]}, event, sign_in_link, "")
    mail["context"]["status"] = marker
    words = {status: status_word(status, row["preferred_language"]) for status in statuses}
    return compose_email(kind, **mail), marker, words


def _mail(kind: str, row: dict, event: dict, sign_in_link: str | None, note: str) -> dict[str, Any]:
    language = row["preferred_language"]
    return {
        "to": row["email"],
        "language": language,
        "context": {
            "name": row["preferred_name"] or f"{row['given_names']} {row['family_name']}",
            "event": event["title"],
            "dates": format_date_range(event["start_date"], event["end_date"], email_language(language)),
            "city": event["city"],
            "reference": row["reference"],
            "status": status_word(row["status"], language),
            "note": note,
        }
        | ({} if sign_in_link else {"link": _manage_link()}),
        "secret_context": {"link": sign_in_link} if sign_in_link else None,
        "object_type": "registration",
        "object_id": row["id"],
    }


STATUS_MAIL = {
    RegistrationStatus.approved: "registration_approved",
    RegistrationStatus.waitlisted: "registration_waitlisted",
    RegistrationStatus.rejected: "registration_rejected",
    RegistrationStatus.cancelled: "registration_cancelled",
}
