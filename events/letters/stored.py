"""Issued letters as stored: their listing, the download of one, and the archive of an event's.

A letter's PDF and its SHA-256 never change once issued; what a PDF says about itself (the name
it was issued to, the fingerprint of its data) is read from its document information by
:func:`facts`. The archive (``letter.archive_downloaded``) streams through
:class:`events.letters.archive.ZipStream`, one PDF in memory at a time.

Encrypted at rest
-----------------
Every stored PDF is sealed with the data keys (:mod:`events.crypto`, Fernet): a visa-support
letter prints the passport number, its expiry and the date of birth, and an invitation the name,
position and institution; one rule for all is simpler to keep right than deciding per kind, and
costs ~35% more space (Fernet tokens are base64). ``sha256`` stays that of the signed plaintext:
the bytes served are the bytes signed, on every instance. A PDF stored before encryption
(starting ``%PDF``) is still read, and ``events rotate-data-key`` encrypts it
(:mod:`events.letters.retention`). An erased PDF (``b""``, status ``expired``) answers 410.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from zoneinfo import ZoneInfo

from events import crypto
from events.api import from_row
from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import write_transaction
from events.errors import Conflict, Gone, NotFound
from events.letters import schemas, verification
from events.letters.archive import ZipStream, csv_bytes
from events.letters.render import PdfFacts, read_facts
from events.letters.tables import Letter, LetterKind, LetterStatus
from events.programme import services as programme_services
from events.registration import reading
from events.registration.tables import Registration, RegistrationStatus
from events.settings import get_settings

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
    row = await reading.get_registration_row(registration_id)
    reading.check_access(actor, row)
    return row


def to_schema(row: dict) -> schemas.Letter:
    return from_row(
        schemas.Letter,
        row,
        download_url=f"/api/v1/registrations/{row['registration']}/letters/{row['id']}.pdf",
        verification_url=verification.verification_url(row["reference"]),
    )


PLAINTEXT_HEADER = b"%PDF"


def seal(pdf: bytes) -> bytes:
    """The stored form of a signed PDF: encrypted with the newest data key."""
    return crypto.encrypt_bytes(pdf)


def unseal(stored: bytes | memoryview) -> bytes:
    """The signed PDF of a stored one (a PDF stored before encryption is returned as it is)."""
    stored = bytes(stored)
    if stored.startswith(PLAINTEXT_HEADER):
        return stored
    return crypto.decrypt_bytes(stored)


def is_erased(stored: bytes | memoryview | None) -> bool:
    return not stored


ERASED = "This letter was erased under the retention policy: its personal data is kept until {days} days after the event"


def _gone() -> Gone:
    return Gone(ERASED.format(days=get_settings().sensitive_retention_days))


_facts_cache: OrderedDict[str, PdfFacts] = OrderedDict()


async def facts(letter: dict) -> PdfFacts:
    """What a stored letter's PDF says about itself, cached by the PDF's SHA-256."""
    facts = _facts_cache.get(letter["sha256"])
    if facts is None:
        row = await Letter.select(Letter.pdf).where(Letter.id == letter["id"]).first()
        if row is None or is_erased(row["pdf"]):
            return PdfFacts("", "")
        facts = read_facts(unseal(row["pdf"]))
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
    approved; organisers of the event any letter of it; anyone else a 404. A letter the
    retention purge erased is 410 Gone for everyone who may see it."""
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
        if is_erased(row["pdf"]):
            raise _gone()
        if row["status"] != LetterStatus.valid.value:
            raise Conflict(f"This letter was {row['status']}; download the current one")
    if is_erased(row["pdf"]):
        raise _gone()
    return f"{row['reference']}.pdf", unseal(row["pdf"])


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


async def event_letter(actor: Actor, event_id: int, letter_id: int) -> schemas.Letter:
    """One letter of the event (its organisers); 404 for a letter of another event."""
    actor.require_organiser(event_id)
    row = await Letter.select(*LETTER_COLUMNS).where(Letter.id == letter_id, Letter.event == event_id).first()
    if row is None:
        raise NotFound(f"No letter {letter_id} in event {event_id}")
    return to_schema(row)


ARCHIVE_BATCH = 25
#: Told after each letter put in an archive: ``await on_letter(done, total)``.
OnLetter = Callable[[int, int], Awaitable[None]]


async def people_of(event_id: int, registration_ids: Iterable[int] | None = None) -> dict[int, dict]:
    """Who the event's registrations are (reference, names, e-mail), by registration id: every
    registration of the event, or only ``registration_ids``."""
    clauses = [Registration.event == event_id]
    if registration_ids is not None:
        ids = sorted(set(registration_ids))
        if not ids:
            return {}
        clauses.append(Registration.id.is_in(ids))
    rows = await Registration.select(
        Registration.id,
        Registration.reference,
        Registration.given_names,
        Registration.family_name,
        Registration.latin_name,
        Registration.email,
    ).where(*clauses)
    return {row["id"]: row for row in rows}


async def archive_chunks(
    actor: Actor,
    event_id: int,
    *,
    kinds: Iterable[LetterKind] | None = None,
    statuses: Iterable[LetterStatus] = (LetterStatus.valid,),
    on_letter: OnLetter | None = None,
) -> AsyncIterator[bytes]:
    """The event's letters as a ZIP, produced piece by piece: one PDF in memory at a time,
    ``{reference}.pdf`` each, and ``letters.csv`` listing them. PDFs are stored, not deflated
    (their content is compressed already). The streamed download (``letters.zip``) and the
    ``letters.zip`` job (:mod:`events.letters.jobs`, which reports ``on_letter`` as its progress
    and stops there when cancelled) both build it here."""
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    clauses = [
        Letter.event == event_id,
        Letter.status.is_in([status.value for status in statuses]),
        Letter.status != LetterStatus.expired.value,  # erased: nothing to put in the archive
    ]
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
    return _archive(event, listing, await people_of(event_id), on_letter)


async def archive_bytes(
    actor: Actor,
    event_id: int,
    *,
    kinds: Iterable[LetterKind] | None = None,
    statuses: Iterable[LetterStatus] = (LetterStatus.valid,),
    on_letter: OnLetter | None = None,
) -> bytes:
    """The whole archive of :func:`archive_chunks` as bytes (for a job's result file)."""
    chunks = await archive_chunks(actor, event_id, kinds=kinds, statuses=statuses, on_letter=on_letter)
    return b"".join([chunk async for chunk in chunks])


def archive_name(event_id: int) -> str:
    return f"letters-event-{event_id}.zip"


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


async def _archive(
    event: dict, listing: list[dict], people: dict[int, dict], on_letter: OnLetter | None = None
) -> AsyncIterator[bytes]:
    archive = ZipStream(now().astimezone(ZoneInfo(event["time_zone"])).timetuple()[:6])
    total = len(listing)
    for start in range(0, total, ARCHIVE_BATCH):
        batch = listing[start : start + ARCHIVE_BATCH]
        rows = await Letter.select(Letter.id, Letter.pdf).where(Letter.id.is_in([row["id"] for row in batch]))
        pdfs = {row["id"]: unseal(row["pdf"]) for row in rows}
        for done, row in enumerate(batch, start=start + 1):
            yield archive.add(f"{row['reference']}.pdf", pdfs.pop(row["id"]))
            if on_letter is not None:
                await on_letter(done, total)
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
    """``invitation``, ``visa_support``, ``attendance_certificate`` or ``all``/None (every kind)."""
    if value in (None, "", "all"):
        return list(LetterKind)
    return [LetterKind(value)]
