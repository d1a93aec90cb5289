"""Checking and converting a participant's fields into column values, for every channel and for edits."""

from __future__ import annotations

import datetime
import hashlib
import json
import re
import secrets
import unicodedata
from typing import Any

import msgspec
import phonenumbers

from events import crypto
from events.clock import now
from events.errors import FieldError, InvalidInput
from events.programme import services as programme_services
from events.reference.services import normalise_country
from events.registration import schemas
from events.text import text_errors

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _phone(value: str, country_iso3: str, errors: list[FieldError], field: str = "phone") -> str:
    if not value.strip():
        return ""
    import pycountry

    region = getattr(pycountry.countries.get(alpha_3=country_iso3), "alpha_2", None)
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        errors.append(
            FieldError(field, "not a phone number; use the international format, e.g. +977 1 4211000")
        )
        return ""
    if not phonenumbers.is_valid_number(parsed):
        errors.append(FieldError(field, "not a valid phone number for its country"))
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_ONE_LINE_FIELDS = {
    "given_names",
    "family_name",
    "latin_name",
    "preferred_name",
    "email",
    "phone",
    "passport_number",
    "emergency_contact_name",
    "emergency_contact_relationship",
    "emergency_contact_phone",
    "emergency_contact_email",
}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: A name is printed on badges, letters and lists: one made only of marks, joiners or punctuation
#: (an accent on nothing, a zero-width space) prints as nothing, or as a box.
_NAME_FIELDS = frozenset({"given_names", "family_name", "latin_name", "preferred_name"})


def _has_letter(text: str) -> bool:
    return any(unicodedata.category(char)[0] == "L" for char in text)


def validate(values: dict[str, Any], event: dict) -> tuple[dict[str, Any], list[str]]:
    """Check and convert the participant's fields into column values. Collects every field error."""
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    warnings: list[str] = []
    errors.extend(text_errors(values, _ONE_LINE_FIELDS))
    for field in ("nationality", "country_represented"):
        if field in values:
            try:
                out[field] = normalise_country(values[field], field)
            except InvalidInput as exc:
                errors.extend(exc.errors)
    country = out.get("country_represented") or values.get("country_represented") or "XXX"
    if "phone" in values:
        out["phone"] = _phone(values["phone"], country, errors)
    for field in (
        "given_names",
        "family_name",
        "latin_name",
        "preferred_name",
        "institution",
        "position",
        "sector",
        "visa_embassy",
        "accessibility_other",
        "dietary",
        "emergency_contact_name",
        "emergency_contact_relationship",
    ):
        if field in values:
            # NFC: "é" typed as "e" + U+0301 (some keyboards, macOS) is stored, compared and searched as "é"
            out[field] = unicodedata.normalize("NFC", values[field]).strip()
            if field in {"family_name", "institution"} and not out[field]:
                errors.append(FieldError(field, "must not be blank"))
            elif field in _NAME_FIELDS and out[field] and not _has_letter(out[field]):
                errors.append(FieldError(field, "must contain a letter"))
    for field in (
        "gender",
        "level",
        "preferred_language",
        "needs_visa",
        "funding_requested",
        "passport_expiry",
    ):
        if field in values:
            value = values[field]
            out[field] = getattr(value, "value", value)
    if "government_level" in values:
        value = values["government_level"]
        out["government_level"] = getattr(value, "value", value) or ""
    for field in ("accessibility", "self_identification"):
        if field in values:
            out[field] = sorted({getattr(v, "value", v) for v in values[field]})
    today = now().date()
    if "date_of_birth" in values:
        born = values["date_of_birth"]
        if born is not None and not datetime.date(1900, 1, 1) <= born < today:
            errors.append(FieldError("date_of_birth", "must be a past date"))
        out["date_of_birth_enc"] = crypto.encrypt(born.isoformat()) if born else None
    if "passport_number" in values:
        number = (values["passport_number"] or "").upper() or None
        out["passport_number_enc"] = crypto.encrypt(number)
        out["passport_last4"] = number[-4:] if number else ""
    if "place_of_birth" in values:
        out["place_of_birth_enc"] = crypto.encrypt((values["place_of_birth"] or "").strip() or None)
    if "emergency_contact_phone" in values:
        phone = _phone(values["emergency_contact_phone"], country, errors, "emergency_contact_phone")
        out["emergency_contact_phone_enc"] = crypto.encrypt(phone or None)
    if "emergency_contact_email" in values:
        address = values["emergency_contact_email"].strip()
        if address and not _EMAIL.match(address):
            errors.append(FieldError("emergency_contact_email", "not an e-mail address"))
        out["emergency_contact_email_enc"] = crypto.encrypt(address or None)
    zone = event["time_zone"]
    for field in ("arrival_at", "departure_at"):
        if field in values:
            try:
                out[field] = programme_services.to_utc(values[field], zone, field=field)
            except InvalidInput as exc:
                errors.extend(exc.errors)
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return out, warnings


def check_whole(row: dict[str, Any], event: dict) -> list[str]:
    """Rules over the merged record (new, or current plus changes); returns warnings for organisers."""
    errors: list[FieldError] = []
    warnings: list[str] = []
    if row.get("needs_visa"):
        for field, column in (
            ("passport_number", "passport_number_enc"),
            ("passport_expiry", "passport_expiry"),
            ("date_of_birth", "date_of_birth_enc"),
        ):
            if not row.get(column) and not row.get("sensitive_purged_at"):
                errors.append(FieldError(field, "is needed for a visa letter"))
    expiry = row.get("passport_expiry")
    if expiry:
        end = event["end_date"]
        if expiry < now().date():
            warnings.append("passport_expired")
        elif expiry <= end:
            warnings.append("passport_expires_before_event_ends")
        elif expiry < end + schemas.PASSPORT_VALIDITY_MARGIN:
            warnings.append("passport_valid_less_than_3_months_after_event")
    arrival, departure = row.get("arrival_at"), row.get("departure_at")
    if arrival and departure and departure <= arrival:
        errors.append(FieldError("departure_at", "must be after arrival_at"))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return warnings


def submission_fingerprint(data: schemas.RegistrationCreate, values: dict[str, Any]) -> str:
    """What identifies a submission, so the same person sending the same form again gets their
    registration back: the form as :func:`validate` stores it (``values``), not as typed, so
    ``GM`` and ``GMB``, ``Kofi@Example.ORG`` and ``kofi@example.org``, ``UNDP`` and ``UNDP `` agree."""
    payload = msgspec.to_builtins(data, builtin_types=(datetime.date, datetime.datetime))
    payload.pop("invitation_token", None)
    payload.update({name: value for name, value in values.items() if name in payload})
    payload["email"] = normalise_email(data.email)
    payload["passport_number"] = (data.passport_number or "").strip().upper() or None
    payload["place_of_birth"] = (data.place_of_birth or "").strip() or None
    payload["session_ids"] = sorted(set(data.session_ids))
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def normalise_email(address: str) -> str:
    """How an address is stored and compared: compatibility-normalised (NFKC), without surrounding
    spaces, case-folded as a whole.

    The local part is case-sensitive in theory only; every mail system in use treats
    ``Kofi@`` and ``kofi@`` as one mailbox, and so does the one-registration-per-address index.
    NFKC turns the fullwidth letters East Asian input methods type (``ｋｏｆｉ@``) into the
    address they stand for, so they cannot take a second seat either.
    """
    return unicodedata.normalize("NFKC", address).strip().lower()


def email_problem(address: str) -> str | None:
    """Why a normalised address cannot be one, or ``None``: an invisible character (zero-width
    space, word joiner, byte-order mark…) or a space inside makes a look-alike of another address."""
    if not _EMAIL.match(address) or any(unicodedata.category(char)[0] in "CZ" for char in address):
        return "not an e-mail address"
    return None


def new_reference(event_slug: str) -> str:
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(7))
    return f"{event_slug.upper()[:14]}-{code}"
