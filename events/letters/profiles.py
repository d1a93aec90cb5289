"""The letterhead and signatory of an event's letters (``LetterProfile``), its logo and signature
images, and the reference prefix. Audited as ``letter.profile_updated``."""

from __future__ import annotations

import base64
import hashlib
import io
import re
import warnings

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound
from events.letters import schemas, wording
from events.letters.tables import LetterProfile
from events.programme import services as programme_services
from events.programme.tables import Event
from events.rendering import missing_glyphs

MAX_IMAGE_BYTES = 1024 * 1024
MAX_IMAGE_SIDE = 4000
IMAGE_KINDS = ("logo", "signature")
REQUIRED_PROFILE_FIELDS = (
    "host_name",
    "host_address",
    "host_contact",
    "signatory_name",
    "signatory_title",
    "costs_statement",
)


def default_prefix(slug: str) -> str:
    """The event's slug in capitals; a slug longer than 16 characters keeps 11 and a short hash,
    so two long slugs that start alike still get different prefixes."""
    prefix = re.sub(r"[^A-Z0-9-]", "", slug.upper())
    if len(prefix) <= 16:
        return prefix
    digest = base64.b32encode(hashlib.sha256(slug.encode()).digest()).decode()[:4]
    return f"{prefix[:11].rstrip('-')}-{digest}"


async def profile_row(event_id: int) -> dict | None:
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
        missing=[field for field in REQUIRED_PROFILE_FIELDS if not (row.get(field) or "").strip()],
    )


async def letters_available(event_id: int) -> bool:
    """Whether the event's letter profile is complete, so letters can be issued."""
    row = await profile_row(event_id)
    return row is not None and all((row.get(field) or "").strip() for field in REQUIRED_PROFILE_FIELDS)


async def get_profile(actor: Actor, event_id: int) -> schemas.LetterProfile:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    return _profile_schema(event, await profile_row(event_id))


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
        elif missing := missing_glyphs(value, family=wording.FAMILY):
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
    return _profile_schema(event, await profile_row(event_id))


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
    return _profile_schema(event, await profile_row(event_id))


async def get_profile_image(actor: Actor, event_id: int, which: str) -> tuple[bytes, str]:
    actor.require_organiser(event_id)
    if which not in IMAGE_KINDS:
        raise NotFound(f"No letter profile image {which!r}; use logo or signature")
    row = await profile_row(event_id)
    data = (row or {}).get("logo_image" if which == "logo" else "signature_image")
    if not data:
        raise NotFound(f"This event's letter profile has no {which} image")
    data = bytes(data)
    return data, "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
