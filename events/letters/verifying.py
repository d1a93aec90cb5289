"""What the public verification page answers for a reference and its code (the code itself and
the page's limiter are in :mod:`events.letters.verification`)."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from events.errors import NotFound
from events.letters import schemas, verification
from events.letters.stored import LETTER_COLUMNS, facts
from events.letters.tables import Letter, LetterKind, LetterStatus
from events.programme import services as programme_services


class NotValid(NotFound):
    """The reference and code do not match a letter we issued (the same for both cases)."""


async def verify(reference: str, code: str | None) -> schemas.Verification:
    """The public check of a letter: its status, the name, the event, its dates, the issue date.

    A wrong code is refused before the database is read, with the same answer as an unknown
    reference. A letter the retention purge erased answers ``expired`` with ``details_erased``
    and no name (the reference, the event and the issue date identify no one).
    """
    refused = NotValid("This reference and code do not match a letter we issued")
    if len(reference) > 40 or len(code or "") > 64 or not verification.code_matches(reference, code):
        raise refused
    row = await Letter.select(*LETTER_COLUMNS).where(Letter.reference == reference).first()
    if row is None:
        raise refused
    event = await programme_services.get_event_row(row["event"])
    erased = row["status"] == LetterStatus.expired.value
    name = "" if erased else (await facts(row)).subject
    zone = ZoneInfo(event["time_zone"])
    return schemas.Verification(
        reference=row["reference"],
        valid=row["status"] == LetterStatus.valid.value,
        status=LetterStatus(row["status"]),
        kind=LetterKind(row["kind"]),
        name=name,
        event=schemas.VerifiedEvent(
            title=event["title"], start_date=event["start_date"], end_date=event["end_date"]
        ),
        issued_on=row["issued_at"].astimezone(zone).date(),
        revoked_on=row["revoked_at"].astimezone(zone).date() if row["revoked_at"] and not erased else None,
        details_erased=erased,
    )
