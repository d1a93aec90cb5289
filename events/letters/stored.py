"""Issued letters as stored: their listing, the download of one, and the archive of an event's.

A letter's PDF and its SHA-256 never change once issued; what a PDF says about itself (the name
it was issued to, the fingerprint of its data) is read from its document information by
:func:`facts`. The archive (``letter.archive_downloaded``) streams through
:class:`events.letters.archive.ZipStream`, one PDF in memory at a time.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable
from zoneinfo import ZoneInfo

from events.api import from_row
from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, NotFound
from events.letters import schemas, verification
from events.letters.archive import ZipStream, csv_bytes
from events.letters.render import PdfFacts, read_facts
from events.letters.tables import Letter, LetterKind, LetterStatus
from events.programme import services as programme_services
from events.registration import services as registration_services
from events.registration.tables import Registration, RegistrationStatus

LETTER_COLUMNS = (
    Letter.id,
    Letter.event,
    Letter.registration,
    Letter.kind,
    Letter.reference,
    Letter.version,
    Letter.language,
    Letter.status,
    Letter.issued_at,
    Letter.issued_by,
    Letter.sha256,
    Letter.signed,
    Letter.revoked_at,
    Letter.revoke_reason,
    Letter.superseded_by,
)


async def readable_registration(actor: Actor, registration_id: int) -> dict:
    """The participant themself or an organiser of the event; anyone else gets 404."""
    row = await registration_services.get_registration_row(registration_id)
    registration_services.check_access(actor, row)
    return row


def to_schema(row: dict) -> schemas.Letter:
    return from_row(
        schemas.Letter,
        row,
        download_url=f"/api/v1/registrations/{row['registration']}/letters/{row['id']}.pdf",
        verification_url=verification.verification_url(row["reference"]),
    )


_facts_cache: OrderedDict[str, PdfFacts] = OrderedDict()


async def facts(letter: dict) -> PdfFacts:
    """What a stored letter's PDF says about itself, cached by the PDF's SHA-256."""
    facts = _facts_cache.get(letter["sha256"])
    if facts is None:
        row = await Letter.select(Letter.pdf).where(Letter.id == letter["id"]).first()
        facts = read_facts(bytes(row["pdf"])) if row else PdfFacts("", "")
        _facts_cache[letter["sha256"]] = facts
        while len(_facts_cache) > 4096:
            _facts_cache.popitem(last=False)
    return facts


async def list_registration_letters(actor: Actor, registration_id: int) -> list[schemas.Letter]:
    row = await readable_registration(actor, registration_id)
    query = Letter.select(*LETTER_COLUMNS).where(Letter.registration == registration_id)
    if not actor.organises(row["event"]) and row["status"] != RegistrationStatus.approved.value:
        return []
    return [to_schema(letter) for letter in await query.order_by(Letter.id)]


async def letter_pdf(actor: Actor, registration_id: int, letter_id: int) -> tuple[str, bytes]:
    """``(file name, bytes)`` of one letter. Participants get their own valid letters while
    approved; organisers of the event any letter of it; anyone else a 404."""
    registration = await readable_registration(actor, registration_id)
    row = (
        await Letter.select(Letter.reference, Letter.status, Letter.pdf, Letter.event)
        .where(Letter.id == letter_id, Letter.registration == registration_id)
        .first()
    )
    if row is None:
        raise NotFound(f"No letter {letter_id} for registration {registration_id}")
    if not actor.organises(row["event"]):
        if registration["status"] != RegistrationStatus.approved.value:
            raise Conflict(
                f"Letters are available to approved participants; this registration is {registration['status']}"
            )
        if row["status"] != LetterStatus.valid.value:
            raise Conflict(f"This letter was {row['status']}; download the current one")
    return f"{row['reference']}.pdf", bytes(row["pdf"])


async def list_event_letters(
    actor: Actor,
    event_id: int,
    *,
    kind: LetterKind | None,
    status: LetterStatus | None,
    registration_id: int | None,
    limit: int,
    offset: int,
) -> tuple[list[schemas.Letter], int]:
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    clauses = [Letter.event == event_id]
    if kind is not None:
        clauses.append(Letter.kind == kind.value)
    if status is not None:
        clauses.append(Letter.status == status.value)
    if registration_id is not None:
        clauses.append(Letter.registration == registration_id)
    rows = (
        await Letter.select(*LETTER_COLUMNS).where(*clauses).order_by(Letter.id).limit(limit).offset(offset)
    )
    return [to_schema(row) for row in rows], await Letter.count().where(*clauses)


ARCHIVE_BATCH = 25


async def archive_chunks(
    actor: Actor,
    event_id: int,
    *,
    kinds: Iterable[LetterKind] | None = None,
    statuses: Iterable[LetterStatus] = (LetterStatus.valid,),
) -> AsyncIterator[bytes]:
    """The event's letters as a ZIP, produced piece by piece: one PDF in memory at a time,
    ``{reference}.pdf`` each, and ``letters.csv`` listing them. PDFs are stored, not deflated
    (their content is compressed already)."""
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    clauses = [Letter.event == event_id, Letter.status.is_in([status.value for status in statuses])]
    if kinds is not None:
        clauses.append(Letter.kind.is_in([kind.value for kind in kinds]))
    listing = await Letter.select(*LETTER_COLUMNS).where(*clauses).order_by(Letter.id)
    async with write_transaction():  # the archive holds passport data: who took it is recorded
        await record(
            actor,
            "letter.archive_downloaded",
            "event",
            event_id,
            event_id=event_id,
            data={"letters": len(listing), "kinds": sorted({row["kind"] for row in listing})},
        )
    people = {
        row["id"]: row
        for row in await Registration.select(
            Registration.id,
            Registration.reference,
            Registration.given_names,
            Registration.family_name,
            Registration.latin_name,
            Registration.email,
        ).where(Registration.event == event_id)
    }
    return _archive(event, listing, people)


MANIFEST_HEADER = (
    "file",
    "reference",
    "kind",
    "version",
    "status",
    "language",
    "issued_at",
    "sha256",
    "registration",
    "family_name",
    "given_names",
    "latin_name",
    "email",
)


async def _archive(event: dict, listing: list[dict], people: dict[int, dict]) -> AsyncIterator[bytes]:
    archive = ZipStream(now().astimezone(ZoneInfo(event["time_zone"])).timetuple()[:6])
    for start in range(0, len(listing), ARCHIVE_BATCH):
        batch = listing[start : start + ARCHIVE_BATCH]
        rows = await Letter.select(Letter.id, Letter.pdf).where(Letter.id.is_in([row["id"] for row in batch]))
        pdfs = {row["id"]: bytes(row["pdf"]) for row in rows}
        for row in batch:
            yield archive.add(f"{row['reference']}.pdf", pdfs.pop(row["id"]))
    manifest = []
    for row in listing:
        person = people.get(row["registration"], {})
        manifest.append(
            [
                f"{row['reference']}.pdf",
                row["reference"],
                row["kind"],
                row["version"],
                row["status"],
                row["language"],
                row["issued_at"].isoformat(),
                row["sha256"],
                person.get("reference", ""),
                person.get("family_name", ""),
                person.get("given_names", ""),
                person.get("latin_name", ""),
                person.get("email", ""),
            ]
        )
    yield archive.add("letters.csv", csv_bytes(MANIFEST_HEADER, manifest), deflate=True) + archive.close()


def kinds_from(value: str | None) -> list[LetterKind]:
    """``invitation``, ``visa_support`` or ``all``/None (both)."""
    if value in (None, "", "all"):
        return list(LetterKind)
    return [LetterKind(value)]
