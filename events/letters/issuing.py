"""Issuing letters, superseding and revoking them, one at a time or every missing one of an event,
and revoking a withdrawn registration's letters.

One function per action; each write runs in ``write_transaction()`` with its audit entry
(``letter.issued``, ``letter.superseded``, ``letter.revoked``).

Issuing
-------
A letter is a stored record: its PDF (signed) and the PDF's SHA-256 never change. Issuing the
same kind again for the same data returns the valid letter (``created`` false): the data's
fingerprint (:func:`events.letters.content.fingerprint`, which leaves out reference, date and
link) is compared with the one the valid letter's PDF carries in its document information.
Different data (a corrected name, a new passport, a changed template or profile) gives a new
letter, one version up, and the previous one becomes ``superseded`` (``superseded_by``).

References (``BAKU26-VSL-000123``: prefix, kind code, sequence per event and kind) are allocated
with the event row locked (``events.db.locked``, ``FOR UPDATE`` on PostgreSQL; SQLite's write
transaction is exclusive) as the last reference's number plus one. Rendering and signing take
~50 ms, too long to hold that lock (it is the one registrations take to count seats), so the
letter is made *before* the transaction with the reference the lock would most likely give,
and the transaction checks it: if another letter took the number, or the data changed in the
meantime, the letter is made again inside the lock. Either way the reference is allocated under
the lock and the letter matches the data read under it.
"""

from __future__ import annotations

import asyncio
import datetime
import hashlib
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import msgspec

from events import crypto
from events.audit.services import record
from events.auth.principal import Actor
from events.certificates.eligibility import standing_of
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound
from events.letters import content, schemas, signing, verification, wording
from events.letters.making import LetterChunk, LetterOrder, make_chunk, make_letter, renderer
from events.letters.profiles import default_prefix, profile_row
from events.letters.stored import LETTER_COLUMNS, facts, readable_registration, seal, to_schema
from events.letters.tables import Letter, LetterKind, LetterStatus
from events.letters.templates import stored_template
from events.programme import services as programme_services
from events.programme.tables import Event
from events.registration import reading
from events.registration.tables import Registration, RegistrationStatus
from events.rendering import pool

UTC = datetime.UTC
#: Letters per chunk a pool worker makes at most (about 50 kB each, held until the chunk is done).
BULK_CHUNK = 16


# --- issuing ------------------------------------------------------------------------------------


def _local_date(value: datetime.datetime | None, zone: str) -> datetime.date | None:
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(ZoneInfo(zone)).date()


def _participant(row: dict, kind: LetterKind, zone: str) -> content.Participant:
    born = crypto.decrypt(row["date_of_birth_enc"])
    visa = kind is LetterKind.visa_support
    certificate = kind is LetterKind.attendance_certificate
    return content.Participant(
        given_names=row["given_names"],
        family_name=row["family_name"],
        latin_name=row["latin_name"],
        nationality=row["nationality"],
        country=row["country_represented"],
        institution=row["institution"],
        position=row["position"],
        date_of_birth=datetime.date.fromisoformat(born) if born and not certificate else None,
        passport_number=crypto.decrypt(row["passport_number_enc"]) if visa else None,
        passport_expiry=row["passport_expiry"] if visa else None,
        visa_embassy=row["visa_embassy"] if visa else "",
        arrival=_local_date(row["arrival_at"], zone),
        departure=_local_date(row["departure_at"], zone),
        sensitive_purged=row["sensitive_purged_at"] is not None,
    )


@dataclass(frozen=True)
class _Prepared:
    source: content.LetterSource
    fingerprint: str
    warnings: list[str]
    event: dict
    prefix: str
    issued_on: datetime.date


def _refuse(exc: content.LetterDataError) -> Conflict:
    return Conflict(f"The letter cannot be issued: {exc}", errors=exc.errors)


def _event_facts(event: dict) -> content.EventFacts:
    return content.EventFacts(
        title=event["title"],
        venue=event["venue"],
        city=event["city"],
        country=event["country"],
        start=event["start_date"],
        end=event["end_date"],
    )


def _profile_facts(profile: dict) -> content.Profile:
    return content.Profile(
        host_name=profile.get("host_name", ""),
        host_address=profile.get("host_address", ""),
        host_contact=profile.get("host_contact", ""),
        signatory_name=profile.get("signatory_name", ""),
        signatory_title=profile.get("signatory_title", ""),
        costs_statement=profile.get("costs_statement", ""),
        logo=bytes(profile["logo_image"]) if profile.get("logo_image") else None,
        signature=bytes(profile["signature_image"]) if profile.get("signature_image") else None,
    )


async def _template_text(event_id: int, kind: LetterKind, language: str) -> wording.TemplateText:
    """The event's wording of ``kind`` in ``language``, else the default."""
    stored = await stored_template(event_id, kind.value, language)
    if stored:
        return wording.TemplateText(stored["title"], stored["body"])
    return wording.default_template(kind.value, language)


async def _prepare(registration_id: int, kind: LetterKind) -> _Prepared:
    """Read everything the letter is made from and check it can be issued (Conflict if not)."""
    row = await reading.get_registration_row(registration_id)
    if row["status"] != RegistrationStatus.approved.value:
        raise Conflict(f"Letters are issued to approved participants; this registration is {row['status']}")
    if kind is LetterKind.visa_support and not row["needs_visa"]:
        raise Conflict(
            "This participant did not ask for a visa: set needs_visa (with the passport details) first",
            errors=[FieldError("needs_visa", "must be true for a visa-support letter")],
        )
    attendance = None
    if kind is LetterKind.attendance_certificate:
        standing = await standing_of(row)
        if not standing.eligible:
            raise Conflict(
                "Not eligible for a certificate of attendance: "
                + "; ".join(reason.message for reason in standing.reasons)
            )
        attendance = content.Attendance(
            attended=standing.attended, counted=standing.counted, percent=standing.percent
        )
    event = await programme_services.get_event_row(row["event"])
    profile = await profile_row(event["id"]) or {}
    language = content.letter_language(row["preferred_language"])
    source = content.LetterSource(
        kind=kind.value,
        language=language,
        participant=_participant(row, kind, event["time_zone"]),
        event=_event_facts(event),
        profile=_profile_facts(profile),
        template=await _template_text(event["id"], kind, language),
        attendance=attendance,
    )
    issued_on = now().astimezone(ZoneInfo(event["time_zone"])).date()
    try:
        warnings_ = content.passport_warnings(source, issued_on)
        fingerprint = content.fingerprint(source)
    except content.LetterDataError as exc:
        raise _refuse(exc) from exc
    if row["preferred_language"] != language:
        warnings_.append("language_fallback")
    return _Prepared(
        source=source,
        fingerprint=fingerprint,
        warnings=warnings_,
        event=event,
        prefix=profile.get("reference_prefix") or default_prefix(event["slug"]),
        issued_on=issued_on,
    )


async def current_letter(registration_id: int, kind: LetterKind) -> dict | None:
    return (
        await Letter.select(*LETTER_COLUMNS)
        .where(
            Letter.registration == registration_id,
            Letter.kind == kind.value,
            Letter.status == LetterStatus.valid.value,
        )
        .order_by(Letter.id, ascending=False)
        .first()
    )


async def _next_reference(event_id: int, kind: LetterKind, prefix: str) -> str:
    last = (
        await Letter.select(Letter.reference)
        .where(Letter.event == event_id, Letter.kind == kind.value)
        .order_by(Letter.id, ascending=False)
        .first()
    )
    number = int(last["reference"].rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}-{content.KIND_CODES[kind]}-{number:06d}"


@dataclass(frozen=True)
class _Made:
    reference: str
    pdf: bytes
    fingerprint: str


def _issue_facts(prepared: _Prepared, reference: str) -> content.IssueFacts:
    return content.IssueFacts(
        reference=reference,
        issued_on=prepared.issued_on,
        verification_url=verification.verification_url(reference),
    )


async def _make(prepared: _Prepared, reference: str, identity: signing.SigningIdentity) -> _Made:
    issue = _issue_facts(prepared, reference)
    try:
        pdf = await asyncio.to_thread(make_letter, prepared.source, issue, identity, prepared.fingerprint)
    except content.LetterDataError as exc:
        raise _refuse(exc) from exc
    return _Made(reference=reference, pdf=pdf, fingerprint=prepared.fingerprint)


async def _identity() -> signing.SigningIdentity:
    try:
        return await asyncio.to_thread(signing.current_identity)
    except signing.SigningConfigurationError as exc:
        raise Conflict(f"Letters cannot be signed: {exc}") from exc


async def issue_letter(actor: Actor, registration_id: int, kind: LetterKind) -> schemas.LetterIssued:
    """Issue a letter of ``kind`` to an approved registration, or return the valid one when its
    data is unchanged; a letter with other data supersedes it. Certificates of attendance are
    issued by the event's organisers only, to whom the event's rule admits (else 409, why not)."""
    registration = await readable_registration(actor, registration_id)
    kind = LetterKind(kind)
    if kind is LetterKind.attendance_certificate:
        actor.require_organiser(
            registration["event"], "Certificates of attendance are issued by the organisers"
        )
    prepared = await _prepare(registration_id, kind)
    current = await current_letter(registration_id, kind)
    if current is not None and (await facts(current)).fingerprint == prepared.fingerprint:
        return schemas.LetterIssued(letter=to_schema(current), created=False, warnings=prepared.warnings)
    identity = await _identity()
    made = await _make(prepared, await _next_reference(prepared.event["id"], kind, prepared.prefix), identity)
    return await _store(actor, registration_id, kind, prepared, made, identity)


async def _store(
    actor: Actor,
    registration_id: int,
    kind: LetterKind,
    prepared: _Prepared,
    made: _Made,
    identity: signing.SigningIdentity,
) -> schemas.LetterIssued:
    """Store a letter made outside the lock, in its transaction with the event locked: the data
    is read again there, and the letter made again if it changed or its reference was taken."""
    event_id = prepared.event["id"]
    async with write_transaction():
        await locked(Event.select(Event.id).where(Event.id == event_id)).first()
        again = await _prepare(registration_id, kind)
        current = await current_letter(registration_id, kind)
        if current is not None and (await facts(current)).fingerprint == again.fingerprint:
            return schemas.LetterIssued(letter=to_schema(current), created=False, warnings=again.warnings)
        reference = await _next_reference(event_id, kind, again.prefix)
        if (
            reference != made.reference
            or again.fingerprint != made.fingerprint
            or again.issued_on != prepared.issued_on
        ):
            made = await _make(again, reference, identity)  # someone else was quicker: make it again, locked
        version = (
            await Letter.select(Letter.version)
            .where(Letter.registration == registration_id, Letter.kind == kind.value)
            .order_by(Letter.version, ascending=False)
            .first()
        )
        moment = now()
        inserted = await Letter.insert(
            Letter(
                event=event_id,
                registration=registration_id,
                kind=kind.value,
                reference=made.reference,
                version=(version["version"] + 1) if version else 1,
                language=again.source.language,
                status=LetterStatus.valid.value,
                issued_at=moment,
                issued_by=actor.user_id,
                sha256=hashlib.sha256(made.pdf).hexdigest(),
                signed=True,
                pdf=seal(made.pdf),
            )
        ).returning(Letter.id)
        letter_id = inserted[0]["id"]
        if current is not None:
            await Letter.update(
                {Letter.status: LetterStatus.superseded.value, Letter.superseded_by: letter_id}
            ).where(Letter.id == current["id"])
            await record(
                actor,
                "letter.superseded",
                "letter",
                current["id"],
                event_id=event_id,
                data={"reference": current["reference"], "superseded_by": made.reference},
            )
        await record(
            actor,
            "letter.issued",
            "letter",
            letter_id,
            event_id=event_id,
            data={
                "reference": made.reference,
                "registration_id": registration_id,
                "kind": kind.value,
                "version": (version["version"] + 1) if version else 1,
                "language": again.source.language,
                "supersedes": current["reference"] if current else None,
            },
        )
        row = await Letter.select(*LETTER_COLUMNS).where(Letter.id == letter_id).first()
    return schemas.LetterIssued(letter=to_schema(row), created=True, warnings=again.warnings)


# --- revoking -----------------------------------------------------------------------------------


async def _revoke(actor: Actor, row: dict, reason: str) -> None:
    await Letter.update(
        {
            Letter.status: LetterStatus.revoked.value,
            Letter.revoked_at: now(),
            Letter.revoke_reason: reason[:500],
        }
    ).where(Letter.id == row["id"])
    await record(
        actor,
        "letter.revoked",
        "letter",
        row["id"],
        event_id=row["event"],
        data={"reference": row["reference"], "from": row["status"], "reason": reason[:500]},
    )


async def revoke_letter(actor: Actor, letter_id: int, reason: str) -> schemas.Letter:
    """An organiser withdraws a letter: the verification page says "revoked" from now on (an
    ``expired`` letter, erased by the retention purge, stays so)."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput.field("reason", "must not be blank")
    async with write_transaction():
        row = await locked(Letter.select(*LETTER_COLUMNS).where(Letter.id == letter_id)).first()
        if row is None or not actor.organises(row["event"]):
            raise NotFound(f"No letter with id {letter_id}")
        if row["status"] not in (LetterStatus.revoked.value, LetterStatus.expired.value):
            await _revoke(actor, row, reason)
        row = await Letter.select(*LETTER_COLUMNS).where(Letter.id == letter_id).first()
    return to_schema(row)


async def revoke_letters_of_registration(actor: Actor, registration_id: int, reason: str) -> int:
    """Revoke every letter of a registration that is not revoked yet (valid and superseded ones).

    Joins the caller's open transaction (the registration's cancellation), so the letters are
    revoked if and only if the cancellation commits. Returns how many were revoked.
    """
    async with write_transaction():
        rows = await locked(
            Letter.select(*LETTER_COLUMNS).where(
                Letter.registration == registration_id,
                Letter.status.not_in([LetterStatus.revoked.value, LetterStatus.expired.value]),
            )
        )
        for row in rows:
            await _revoke(actor, row, reason)
    return len(rows)


async def revoke_registration_letters(actor: Actor, registration_id: int, reason: str) -> int:
    """An organiser withdraws every letter of one registration that is not revoked yet (its valid
    and superseded ones); returns how many were revoked."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput.field("reason", "must not be blank")
    row = await reading.get_registration_row(registration_id)
    if not actor.organises(row["event"]):
        raise NotFound(f"No registration with id {registration_id}")
    return await revoke_letters_of_registration(actor, registration_id, reason)


# --- preview ------------------------------------------------------------------------------------

#: Who a preview is addressed to when no registration is chosen: a fictional participant with
#: everything a letter prints.
SAMPLE_PARTICIPANT = content.Participant(
    given_names="Amina",
    family_name="Example",
    nationality="KEN",
    country="KEN",
    institution="Ministry of Public Service",
    position="Director of Digital Services",
    date_of_birth=datetime.date(1980, 5, 17),
)
PREVIEW_REFERENCE = "PREVIEW"
SAMPLE_ATTENDANCE = content.Attendance(attended=7, counted=8, percent=87)


def _render_preview(source: content.LetterSource, issue: content.IssueFacts) -> bytes:
    return renderer().render(content.compose(source, issue))


async def preview_letter(
    actor: Actor, event_id: int, kind: LetterKind, language: str, registration_id: int | None = None
) -> bytes:
    """A letter of ``kind`` in ``language`` as the event's wording, letterhead and signature make
    it now, for a sample participant or one registration of the event: unsigned, never stored,
    its reference ``PREVIEW``. Conflict (naming the fields) when the letter profile is incomplete
    or the registration lacks what the letter needs."""
    actor.require_organiser(event_id)
    kind = LetterKind(kind)
    if language not in wording.LETTER_LANGUAGES:
        raise InvalidInput.field("language", f"letters are written in {', '.join(wording.LETTER_LANGUAGES)}")
    event = await programme_services.get_event_row(event_id)
    visa = kind is LetterKind.visa_support
    if registration_id is None:
        participant = msgspec.structs.replace(
            SAMPLE_PARTICIPANT,
            passport_number="X1234567" if visa else None,
            passport_expiry=event["end_date"] + datetime.timedelta(days=5 * 365) if visa else None,
        )
    else:
        row = await reading.get_registration_row(registration_id)
        if row["event"] != event_id:
            raise NotFound(f"No registration {registration_id} in event {event_id}")
        participant = _participant(row, kind, event["time_zone"])
    source = content.LetterSource(
        kind=kind.value,
        language=language,
        participant=participant,
        event=_event_facts(event),
        profile=_profile_facts(await profile_row(event_id) or {}),
        template=await _template_text(event_id, kind, language),
        attendance=SAMPLE_ATTENDANCE if kind is LetterKind.attendance_certificate else None,
    )
    issue = content.IssueFacts(
        reference=PREVIEW_REFERENCE,
        issued_on=now().astimezone(ZoneInfo(event["time_zone"])).date(),
        verification_url=verification.verification_url(PREVIEW_REFERENCE),
    )
    try:
        return await asyncio.to_thread(_render_preview, source, issue)
    except content.LetterDataError as exc:
        raise Conflict(f"The letter cannot be made: {exc}", errors=exc.errors) from exc


# --- bulk ---------------------------------------------------------------------------------------


async def missing_letters(event_id: int, kinds: Iterable[LetterKind]) -> list[tuple[dict, LetterKind]]:
    """Approved registrations (with ``needs_visa`` for visa letters) without a valid letter of the kind."""
    registrations = (
        await Registration.select(Registration.id, Registration.reference, Registration.needs_visa)
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.approved.value)
        .order_by(Registration.id)
    )
    valid = {
        (row["registration"], row["kind"])
        for row in await Letter.select(Letter.registration, Letter.kind).where(
            Letter.event == event_id, Letter.status == LetterStatus.valid.value
        )
    }
    wanted = []
    for kind in kinds:
        for row in registrations:
            if kind is LetterKind.visa_support and not row["needs_visa"]:
                continue
            if kind is LetterKind.attendance_certificate:
                continue  # issued from the certificates area, to whom the rule admits
            if (row["id"], kind.value) not in valid:
                wanted.append((row, kind))
    return wanted


async def issue_missing(
    actor: Actor,
    event_id: int,
    kinds: Iterable[LetterKind],
    *,
    on_progress: Callable[[int, int], Awaitable[None] | None] | None = None,
    workers: int | None = None,
) -> schemas.BuildReport:
    """Issue every missing letter of the event; a registration that cannot get one is skipped
    with the reason (no passport data, expired passport, incomplete profile…).

    The letters are made (rendered and signed: the CPU) in the rendering pool's processes
    (:mod:`events.rendering.pool`, ``RENDER_PROCESSES``; ``workers`` overrides it), in chunks,
    with the references the event lock will most likely give them: the next numbers of each
    kind, in order. This process reads the data first and stores each letter as it comes back,
    in its own transaction as :func:`issue_letter` does (a letter whose reference another one
    took meanwhile, or whose data changed, is made again there). At most a few chunks of PDFs are
    in memory whatever the number of letters."""
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    kinds = list(kinds)
    wanted = await missing_letters(event_id, kinds)
    eligible = len(wanted)
    report = schemas.BuildReport(issued=0, already_valid=0)
    done = 0

    async def advance() -> None:
        nonlocal done
        done += 1
        if on_progress is not None:
            told = on_progress(done, eligible)
            if told is not None:
                await told  # a job's progress: it may stop the run (cancelled), pool included

    async def skip(row: dict, kind: LetterKind, exc: Conflict | NotFound | InvalidInput) -> None:
        details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
        report.skipped.append(schemas.Skipped(row["id"], row["reference"], kind, details))
        await advance()

    async def count(result: schemas.LetterIssued) -> None:
        if result.created:
            report.issued += 1
        else:
            report.already_valid += 1
        await advance()

    todo: list[tuple[dict, LetterKind, _Prepared, str]] = []
    numbers: dict[LetterKind, int] = {}
    for row, kind in wanted:
        try:
            prepared = await _prepare(row["id"], kind)
        except (Conflict, NotFound, InvalidInput) as exc:
            await skip(row, kind, exc)
            continue
        current = await current_letter(row["id"], kind)
        if current is not None and (await facts(current)).fingerprint == prepared.fingerprint:
            await count(
                schemas.LetterIssued(letter=to_schema(current), created=False, warnings=prepared.warnings)
            )
            continue
        if kind not in numbers:
            first = await _next_reference(event_id, kind, prepared.prefix)
            numbers[kind] = int(first.rsplit("-", 1)[1])
        else:
            numbers[kind] += 1
        reference = f"{prepared.prefix}-{content.KIND_CODES[kind]}-{numbers[kind]:06d}"
        todo.append((row, kind, prepared, reference))
    if not todo:
        return report

    identity = await _identity()
    portable = signing.PortableIdentity.of(identity)
    count_workers = workers if workers is not None else pool.worker_count(len(todo))
    size = pool.chunk_size(len(todo), count_workers, largest=BULK_CHUNK)
    chunks = [todo[start : start + size] for start in range(0, len(todo), size)]
    orders = (
        LetterChunk(
            identity=portable,
            letters=tuple(
                LetterOrder(prepared.source, _issue_facts(prepared, reference), prepared.fingerprint)
                for _row, _kind, prepared, reference in chunk
            ),
        )
        for chunk in chunks
    )
    async with pool.mapped(make_chunk, orders, workers=max(1, min(count_workers, len(chunks)))) as results:
        position = 0
        async for pdfs in results:
            for (row, kind, prepared, reference), pdf in zip(chunks[position], pdfs, strict=True):
                try:
                    if pdf is None:  # refused while making: issued alone, it says why
                        await count(await issue_letter(actor, row["id"], kind))
                    else:
                        made = _Made(reference=reference, pdf=pdf, fingerprint=prepared.fingerprint)
                        await count(await _store(actor, row["id"], kind, prepared, made, identity))
                except (Conflict, NotFound, InvalidInput) as exc:
                    await skip(row, kind, exc)
            chunks[position] = []  # the chunk's sources are no longer needed
            position += 1
    return report
