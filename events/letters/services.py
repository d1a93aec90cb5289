"""Letters: the profile and templates organisers edit, issuing, superseding, revoking, verifying,
and the bulk archive.

One function per action; each writes runs in ``write_transaction()`` with its audit entry
(``letter.issued``, ``letter.superseded``, ``letter.revoked``, ``letter.profile_updated``,
``letter.template_updated``, ``letter.template_reset``).

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
import base64
import datetime
import hashlib
import io
import re
import warnings
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import msgspec

from events import crypto
from events.api import from_row
from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound
from events.letters import content, schemas, signing, verification
from events.letters.archive import ZipStream, csv_bytes
from events.letters.render import LetterRenderer, PdfFacts, read_facts
from events.letters.tables import Letter, LetterKind, LetterProfile, LetterStatus, LetterTemplate
from events.programme import services as programme_services
from events.programme.tables import Event
from events.registration import reading
from events.registration.tables import Registration, RegistrationStatus
from events.rendering import missing_glyphs

UTC = datetime.UTC
MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_SIDE = 4000
IMAGE_KINDS = ("logo", "signature")
_REQUIRED_PROFILE_FIELDS = (
    "host_name",
    "host_address",
    "host_contact",
    "signatory_name",
    "signatory_title",
    "costs_statement",
)
_LETTER_COLUMNS = (
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
_renderer: LetterRenderer | None = None


def renderer() -> LetterRenderer:
    global _renderer
    if _renderer is None:
        _renderer = LetterRenderer()
    return _renderer


# --- reading helpers ----------------------------------------------------------------------------


async def _readable_registration(actor: Actor, registration_id: int) -> dict:
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


# --- profile ------------------------------------------------------------------------------------


def default_prefix(slug: str) -> str:
    """The event's slug in capitals; a slug longer than 16 characters keeps 11 and a short hash,
    so two long slugs that start alike still get different prefixes."""
    prefix = re.sub(r"[^A-Z0-9-]", "", slug.upper())
    if len(prefix) <= 16:
        return prefix
    digest = base64.b32encode(hashlib.sha256(slug.encode()).digest()).decode()[:4]
    return f"{prefix[:11].rstrip('-')}-{digest}"


async def _profile_row(event_id: int) -> dict | None:
    return await LetterProfile.select().where(LetterProfile.event == event_id).first()


def _profile_schema(event: dict, row: dict | None) -> schemas.LetterProfile:
    row = row or {}
    prefix = row.get("reference_prefix") or ""
    return schemas.LetterProfile(
        event_id=event["id"],
        host_name=row.get("host_name", ""),
        host_address=row.get("host_address", ""),
        host_contact=row.get("host_contact", ""),
        signatory_name=row.get("signatory_name", ""),
        signatory_title=row.get("signatory_title", ""),
        costs_statement=row.get("costs_statement", ""),
        reference_prefix=prefix,
        effective_reference_prefix=prefix or default_prefix(event["slug"]),
        has_logo=bool(row.get("logo_image")),
        has_signature_image=bool(row.get("signature_image")),
        updated_at=row.get("updated_at"),
        missing=[field for field in _REQUIRED_PROFILE_FIELDS if not (row.get(field) or "").strip()],
    )


async def letters_available(event_id: int) -> bool:
    """Whether the event's letter profile is complete, so letters can be issued."""
    row = await _profile_row(event_id)
    return row is not None and all((row.get(field) or "").strip() for field in _REQUIRED_PROFILE_FIELDS)


async def get_profile(actor: Actor, event_id: int) -> schemas.LetterProfile:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    return _profile_schema(event, await _profile_row(event_id))


async def _check_prefix_unused(event_id: int, prefix: str) -> None:
    """A prefix two events share would give two letters the same reference."""
    if not prefix:
        return
    other = (
        await LetterProfile.select(LetterProfile.event)
        .where(LetterProfile.reference_prefix == prefix, LetterProfile.event != event_id)
        .first()
    )
    events = await Event.select(Event.id, Event.slug).where(Event.id != event_id)
    clash = (
        other["event"]
        if other
        else next((e["id"] for e in events if default_prefix(e["slug"]) == prefix), None)
    )
    if clash is not None:
        raise Conflict(
            f"reference_prefix: {prefix} is the reference prefix of event {clash} already",
            errors=[FieldError("reference_prefix", f"already used by event {clash}")],
        )


async def _upsert_profile(event_id: int, values: dict) -> None:
    existing = await locked(
        LetterProfile.select(LetterProfile.id).where(LetterProfile.event == event_id)
    ).first()
    values = {**values, "updated_at": now()}
    if existing is None:
        await LetterProfile.insert(LetterProfile(event=event_id, **values))
    else:
        await LetterProfile.update(
            {getattr(LetterProfile, key): value for key, value in values.items()}
        ).where(LetterProfile.id == existing["id"])


async def update_profile(
    actor: Actor, event_id: int, data: schemas.LetterProfileUpdate
) -> schemas.LetterProfile:
    actor.require_organiser(event_id)
    values = {field: getattr(data, field).strip() for field in data.__struct_fields__}
    errors = []
    for field, value in values.items():
        if any(ord(char) < 32 and char not in "\n\t" for char in value):
            errors.append(FieldError(field, "must not contain control characters"))
        elif field != "host_address" and "\n" in value and field != "costs_statement":
            errors.append(FieldError(field, "must be one line"))
        elif missing := missing_glyphs(value, family=content.FAMILY):
            errors.append(
                FieldError(field, f"characters that letters cannot print: {''.join(sorted(missing))}")
            )
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    async with write_transaction():
        await locked(Event.select(Event.id).where(Event.id == event_id)).first()
        event = await programme_services.get_event_row(event_id)
        await _check_prefix_unused(event_id, values["reference_prefix"])
        await _upsert_profile(event_id, values)
        await record(
            actor,
            "letter.profile_updated",
            "letter_profile",
            event_id,
            event_id=event_id,
            data={"fields": sorted(values)},
        )
    return _profile_schema(event, await _profile_row(event_id))


def check_image(data: bytes, field: str) -> str:
    """The image's media type if it is a PNG or JPEG within the limits; else InvalidInput."""
    from PIL import Image

    if not data:
        raise InvalidInput.field(field, "is empty")
    if len(data) > MAX_IMAGE_BYTES:
        raise InvalidInput.field(field, f"must be at most {MAX_IMAGE_BYTES // 1024} kB")
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        expected, media_type = "PNG", "image/png"
    elif data.startswith(b"\xff\xd8\xff"):
        expected, media_type = "JPEG", "image/jpeg"
    else:
        raise InvalidInput.field(field, "must be a PNG or JPEG image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if image.format != expected:
                    raise InvalidInput.field(field, "must be a PNG or JPEG image")
                if width > MAX_IMAGE_SIDE or height > MAX_IMAGE_SIDE:
                    raise InvalidInput.field(field, f"must be at most {MAX_IMAGE_SIDE} pixels wide and high")
                image.load()
    except InvalidInput:
        raise
    except (
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ) as exc:
        raise InvalidInput.field(field, f"is not a readable {expected} image ({exc})") from exc
    return media_type


async def set_profile_image(
    actor: Actor, event_id: int, which: str, data: bytes | None
) -> schemas.LetterProfile:
    """Store (or with ``None`` remove) the logo or the signature image."""
    actor.require_organiser(event_id)
    if which not in IMAGE_KINDS:
        raise NotFound(f"No letter profile image {which!r}; use logo or signature")
    if data is not None:
        check_image(data, which)
    column = "logo_image" if which == "logo" else "signature_image"
    async with write_transaction():
        await locked(Event.select(Event.id).where(Event.id == event_id)).first()
        event = await programme_services.get_event_row(event_id)
        await _upsert_profile(event_id, {column: data})
        await record(
            actor,
            "letter.profile_updated",
            "letter_profile",
            event_id,
            event_id=event_id,
            data={"fields": [column], "removed": data is None, "bytes": len(data or b"")},
        )
    return _profile_schema(event, await _profile_row(event_id))


async def get_profile_image(actor: Actor, event_id: int, which: str) -> tuple[bytes, str]:
    actor.require_organiser(event_id)
    if which not in IMAGE_KINDS:
        raise NotFound(f"No letter profile image {which!r}; use logo or signature")
    row = await _profile_row(event_id)
    data = (row or {}).get("logo_image" if which == "logo" else "signature_image")
    if not data:
        raise NotFound(f"This event's letter profile has no {which} image")
    data = bytes(data)
    return data, "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"


# --- templates ----------------------------------------------------------------------------------


def _check_language(language: str) -> None:
    if language not in content.LETTER_LANGUAGES:
        raise InvalidInput.field(
            "language",
            f"letters are written in {', '.join(content.LETTER_LANGUAGES)}; "
            f"{', '.join(content.PREPARED_LANGUAGES)} are prepared but have no wording yet",
        )


async def _stored_template(event_id: int, kind: str, language: str) -> dict | None:
    return (
        await LetterTemplate.select()
        .where(
            LetterTemplate.event == event_id, LetterTemplate.kind == kind, LetterTemplate.language == language
        )
        .order_by(LetterTemplate.id, ascending=False)
        .first()
    )


def _template_schema(event_id: int, kind: str, language: str, row: dict | None) -> schemas.LetterTemplate:
    default = content.default_template(kind, language)
    return schemas.LetterTemplate(
        event_id=event_id,
        kind=LetterKind(kind),
        language=language,
        title=row["title"] if row else default.title,
        body=row["body"] if row else default.body,
        source="custom" if row else "default",
        updated_at=row["updated_at"] if row else None,
        placeholders=content.placeholders_for(kind),
    )


async def list_templates(actor: Actor, event_id: int) -> list[schemas.LetterTemplate]:
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    rows = await LetterTemplate.select().where(LetterTemplate.event == event_id).order_by(LetterTemplate.id)
    stored = {(row["kind"], row["language"]): row for row in rows}
    return [
        _template_schema(event_id, kind.value, language, stored.get((kind.value, language)))
        for kind in LetterKind
        for language in content.LETTER_LANGUAGES
    ]


async def get_template(
    actor: Actor, event_id: int, kind: LetterKind, language: str
) -> schemas.LetterTemplate:
    actor.require_organiser(event_id)
    _check_language(language)
    await programme_services.get_event_row(event_id)
    return _template_schema(
        event_id, kind.value, language, await _stored_template(event_id, kind.value, language)
    )


async def put_template(
    actor: Actor, event_id: int, kind: LetterKind, language: str, data: schemas.LetterTemplateUpdate
) -> schemas.LetterTemplate:
    """Save an event's wording; an unknown placeholder or an unprintable character is a 422
    naming ``title`` or ``body``."""
    actor.require_organiser(event_id)
    _check_language(language)
    errors = content.check_template(kind.value, data.title, data.body)
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    async with write_transaction():
        await locked(Event.select(Event.id).where(Event.id == event_id)).first()
        await programme_services.get_event_row(event_id)
        existing = await _stored_template(event_id, kind.value, language)
        values = {
            "title": data.title.strip(),
            "body": data.body.strip(),
            "updated_at": now(),
            "updated_by": actor.user_id,
        }
        if existing is None:
            await LetterTemplate.insert(
                LetterTemplate(event=event_id, kind=kind.value, language=language, **values)
            )
        else:
            await LetterTemplate.update({getattr(LetterTemplate, k): v for k, v in values.items()}).where(
                LetterTemplate.id == existing["id"]
            )
        await record(
            actor,
            "letter.template_updated",
            "letter_template",
            f"{event_id}/{kind.value}/{language}",
            event_id=event_id,
        )
    return _template_schema(
        event_id, kind.value, language, await _stored_template(event_id, kind.value, language)
    )


async def reset_template(
    actor: Actor, event_id: int, kind: LetterKind, language: str
) -> schemas.LetterTemplate:
    """Forget the event's wording: the default applies again."""
    actor.require_organiser(event_id)
    _check_language(language)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        deleted = (
            await LetterTemplate.delete()
            .where(
                LetterTemplate.event == event_id,
                LetterTemplate.kind == kind.value,
                LetterTemplate.language == language,
            )
            .returning(LetterTemplate.id)
        )
        if deleted:
            await record(
                actor,
                "letter.template_reset",
                "letter_template",
                f"{event_id}/{kind.value}/{language}",
                event_id=event_id,
            )
    return _template_schema(event_id, kind.value, language, None)


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
    return content.Participant(
        given_names=row["given_names"],
        family_name=row["family_name"],
        latin_name=row["latin_name"],
        nationality=row["nationality"],
        country=row["country_represented"],
        institution=row["institution"],
        position=row["position"],
        date_of_birth=datetime.date.fromisoformat(born) if born else None,
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
    event = await programme_services.get_event_row(row["event"])
    profile_row = await _profile_row(event["id"]) or {}
    language = content.letter_language(row["preferred_language"])
    stored = await _stored_template(event["id"], kind.value, language)
    template = (
        content.TemplateText(stored["title"], stored["body"])
        if stored
        else content.default_template(kind.value, language)
    )
    source = content.LetterSource(
        kind=kind.value,
        language=language,
        participant=_participant(row, kind, event["time_zone"]),
        event=content.EventFacts(
            title=event["title"],
            venue=event["venue"],
            city=event["city"],
            country=event["country"],
            start=event["start_date"],
            end=event["end_date"],
        ),
        profile=content.Profile(
            host_name=profile_row.get("host_name", ""),
            host_address=profile_row.get("host_address", ""),
            host_contact=profile_row.get("host_contact", ""),
            signatory_name=profile_row.get("signatory_name", ""),
            signatory_title=profile_row.get("signatory_title", ""),
            costs_statement=profile_row.get("costs_statement", ""),
            logo=bytes(profile_row["logo_image"]) if profile_row.get("logo_image") else None,
            signature=bytes(profile_row["signature_image"]) if profile_row.get("signature_image") else None,
        ),
        template=template,
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
        prefix=profile_row.get("reference_prefix") or default_prefix(event["slug"]),
        issued_on=issued_on,
    )


_facts_cache: OrderedDict[str, PdfFacts] = OrderedDict()


async def _facts(letter: dict) -> PdfFacts:
    """What a stored letter's PDF says about itself, cached by the PDF's SHA-256."""
    facts = _facts_cache.get(letter["sha256"])
    if facts is None:
        row = await Letter.select(Letter.pdf).where(Letter.id == letter["id"]).first()
        facts = read_facts(bytes(row["pdf"])) if row else PdfFacts("", "")
        _facts_cache[letter["sha256"]] = facts
        while len(_facts_cache) > 4096:
            _facts_cache.popitem(last=False)
    return facts


async def _current_letter(registration_id: int, kind: LetterKind) -> dict | None:
    return (
        await Letter.select(*_LETTER_COLUMNS)
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


def make_letter(
    source: content.LetterSource,
    issue: content.IssueFacts,
    identity: signing.SigningIdentity,
    fingerprint: str,
) -> bytes:
    """Compose, render and sign one letter (CPU only: run it in a worker thread)."""
    data = msgspec.structs.replace(content.compose(source, issue), fingerprint=fingerprint)
    pdf = renderer().render(data)
    kind_label = content.LABELS[source.language]
    reason = f"{kind_label.visa_support if source.kind == LetterKind.visa_support else kind_label.invitation} {issue.reference}"
    return signing.sign_pdf(pdf, identity, reason=reason, location=source.event.city)


async def _make(prepared: _Prepared, reference: str, identity: signing.SigningIdentity) -> _Made:
    issue = content.IssueFacts(
        reference=reference,
        issued_on=prepared.issued_on,
        verification_url=verification.verification_url(reference),
    )
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
    data is unchanged; a letter with other data supersedes it."""
    await _readable_registration(actor, registration_id)
    kind = LetterKind(kind)
    prepared = await _prepare(registration_id, kind)
    current = await _current_letter(registration_id, kind)
    if current is not None and (await _facts(current)).fingerprint == prepared.fingerprint:
        return schemas.LetterIssued(letter=to_schema(current), created=False, warnings=prepared.warnings)
    identity = await _identity()
    event_id = prepared.event["id"]
    made = await _make(prepared, await _next_reference(event_id, kind, prepared.prefix), identity)
    async with write_transaction():
        await locked(Event.select(Event.id).where(Event.id == event_id)).first()
        again = await _prepare(registration_id, kind)
        current = await _current_letter(registration_id, kind)
        if current is not None and (await _facts(current)).fingerprint == again.fingerprint:
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
                pdf=made.pdf,
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
        row = await Letter.select(*_LETTER_COLUMNS).where(Letter.id == letter_id).first()
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
    """An organiser withdraws a letter: the verification page says "revoked" from now on."""
    reason = reason.strip()
    if not reason:
        raise InvalidInput.field("reason", "must not be blank")
    async with write_transaction():
        row = await locked(Letter.select(*_LETTER_COLUMNS).where(Letter.id == letter_id)).first()
        if row is None or not actor.organises(row["event"]):
            raise NotFound(f"No letter with id {letter_id}")
        if row["status"] != LetterStatus.revoked.value:
            await _revoke(actor, row, reason)
        row = await Letter.select(*_LETTER_COLUMNS).where(Letter.id == letter_id).first()
    return to_schema(row)


async def revoke_letters_of_registration(actor: Actor, registration_id: int, reason: str) -> int:
    """Revoke every letter of a registration that is not revoked yet (valid and superseded ones).

    Joins the caller's open transaction (the registration's cancellation), so the letters are
    revoked if and only if the cancellation commits. Returns how many were revoked.
    """
    async with write_transaction():
        rows = await locked(
            Letter.select(*_LETTER_COLUMNS).where(
                Letter.registration == registration_id, Letter.status != LetterStatus.revoked.value
            )
        )
        for row in rows:
            await _revoke(actor, row, reason)
    return len(rows)


# --- reading letters ----------------------------------------------------------------------------


async def list_registration_letters(actor: Actor, registration_id: int) -> list[schemas.Letter]:
    row = await _readable_registration(actor, registration_id)
    query = Letter.select(*_LETTER_COLUMNS).where(Letter.registration == registration_id)
    if not actor.organises(row["event"]) and row["status"] != RegistrationStatus.approved.value:
        return []
    return [to_schema(letter) for letter in await query.order_by(Letter.id)]


async def letter_pdf(actor: Actor, registration_id: int, letter_id: int) -> tuple[str, bytes]:
    """``(file name, bytes)`` of one letter. Participants get their own valid letters while
    approved; organisers of the event any letter of it; anyone else a 404."""
    registration = await _readable_registration(actor, registration_id)
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
        await Letter.select(*_LETTER_COLUMNS).where(*clauses).order_by(Letter.id).limit(limit).offset(offset)
    )
    return [to_schema(row) for row in rows], await Letter.count().where(*clauses)


# --- verification -------------------------------------------------------------------------------


class NotValid(NotFound):
    """The reference and code do not match a letter we issued (the same for both cases)."""


async def verify(reference: str, code: str | None) -> schemas.Verification:
    """The public check of a letter: its status, the name, the event, its dates, the issue date.

    A wrong code is refused before the database is read, with the same answer as an unknown
    reference.
    """
    refused = NotValid("This reference and code do not match a letter we issued")
    if len(reference) > 40 or len(code or "") > 64 or not verification.code_matches(reference, code):
        raise refused
    row = await Letter.select(*_LETTER_COLUMNS).where(Letter.reference == reference).first()
    if row is None:
        raise refused
    event = await programme_services.get_event_row(row["event"])
    name = (await _facts(row)).subject
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
        revoked_on=row["revoked_at"].astimezone(zone).date() if row["revoked_at"] else None,
    )


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
            if (row["id"], kind.value) not in valid:
                wanted.append((row, kind))
    return wanted


async def issue_missing(
    actor: Actor,
    event_id: int,
    kinds: Iterable[LetterKind],
    *,
    on_progress: Callable[[int, int], None] | None = None,
) -> schemas.BuildReport:
    """Issue every missing letter of the event; a registration that cannot get one is skipped
    with the reason (no passport data, expired passport, incomplete profile…)."""
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    kinds = list(kinds)
    wanted = await missing_letters(event_id, kinds)
    eligible = len(wanted)
    report = schemas.BuildReport(issued=0, already_valid=0)
    for done, (row, kind) in enumerate(wanted, start=1):
        try:
            result = await issue_letter(actor, row["id"], kind)
        except (Conflict, NotFound, InvalidInput) as exc:
            details = "; ".join(f"{e.field}: {e.message}" for e in exc.errors) or exc.detail
            report.skipped.append(schemas.Skipped(row["id"], row["reference"], kind, details))
        else:
            if result.created:
                report.issued += 1
            else:
                report.already_valid += 1
        if on_progress is not None:
            on_progress(done, eligible)
    return report


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
    listing = await Letter.select(*_LETTER_COLUMNS).where(*clauses).order_by(Letter.id)
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
