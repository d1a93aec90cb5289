from __future__ import annotations

import datetime
from typing import Annotated, ClassVar, Literal

import msgspec
from msgspec import Meta, Struct

from events.api import Input
from events.letters.tables import LetterKind, LetterStatus

ReferencePrefix = Annotated[
    str,
    Meta(
        pattern=r"^([A-Z0-9][A-Z0-9-]{0,15})?$",
        description="capital letters, digits and -, up to 16 (empty: the event's slug)",
    ),
]


class Letter(Struct, kw_only=True):
    """An issued letter (without its bytes: download them at ``download_url``)."""

    id: int
    event_id: int
    registration_id: int
    kind: LetterKind
    reference: str
    version: int
    language: str
    status: LetterStatus
    issued_at: datetime.datetime
    issued_by: int | None
    sha256: str
    signed: bool
    revoked_at: datetime.datetime | None
    revoke_reason: str
    superseded_by: int | None
    download_url: str
    verification_url: str


class LetterIssued(Struct, kw_only=True):
    """``created`` is false when the same data had a valid letter already: that one is returned.

    ``warnings``: ``passport_valid_less_than_3_months_after_event``; ``language_fallback`` (the
    participant's language has no letters yet: written in English)."""

    letter: Letter
    created: bool
    warnings: list[str]


class IssueRequest(Input):
    kind: LetterKind


class RevokeRequest(Input):
    reason: Annotated[str, Meta(min_length=1, max_length=500)]


class LetterProfile(Struct, kw_only=True):
    """The letterhead and signatory of an event's letters. ``missing`` lists what must be set
    before letters can be issued."""

    event_id: int
    host_name: str
    host_address: str
    host_contact: str
    signatory_name: str
    signatory_title: str
    costs_statement: str
    reference_prefix: str
    effective_reference_prefix: str
    has_logo: bool
    has_signature_image: bool
    updated_at: datetime.datetime | None
    missing: list[str]


class LetterProfileUpdate(Input):
    """Replaces the profile's text fields (the images have endpoints of their own)."""

    single_line: ClassVar[frozenset[str]] = frozenset(
        {"host_name", "signatory_name", "signatory_title", "reference_prefix"}
    )

    host_name: Annotated[str, Meta(max_length=200)] = ""
    host_address: Annotated[str, Meta(max_length=1000)] = ""
    host_contact: Annotated[str, Meta(max_length=300)] = ""
    signatory_name: Annotated[str, Meta(max_length=200)] = ""
    signatory_title: Annotated[str, Meta(max_length=200)] = ""
    costs_statement: Annotated[str, Meta(max_length=2000)] = ""
    reference_prefix: ReferencePrefix = ""


class LetterTemplate(Struct, kw_only=True):
    event_id: int
    kind: LetterKind
    language: str
    title: str
    body: str
    source: Literal["default", "custom"]
    updated_at: datetime.datetime | None
    placeholders: dict[str, str]


class LetterTemplateUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"title"})
    title: Annotated[str, Meta(max_length=200)]
    body: Annotated[str, Meta(max_length=6000)]


class VerifiedEvent(Struct):
    title: str
    start_date: datetime.date
    end_date: datetime.date


class Verification(Struct, kw_only=True):
    """What the public verification page tells: no passport data, only what identifies the letter.

    ``details_erased``: the retention period is over and the letter's personal data was erased
    (``status`` ``expired``, ``name`` empty)."""

    reference: str
    valid: bool
    status: LetterStatus
    kind: LetterKind
    name: str
    event: VerifiedEvent
    issued_on: datetime.date
    revoked_on: datetime.date | None = None
    details_erased: bool = False


class Skipped(Struct):
    registration_id: int
    registration_reference: str
    kind: LetterKind
    reason: str


class BuildReport(Struct, kw_only=True):
    issued: int
    already_valid: int
    skipped: list[Skipped] = msgspec.field(default_factory=list)
