from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Annotated, ClassVar

from msgspec import Meta, Struct

from events.api import Input
from events.badges.tables import BadgeRole
from events.badges.tokens import Reason

Reason200 = Annotated[str, Meta(max_length=200)]


class SheetKind(StrEnum):
    a6 = "a6"
    card = "card"
    four_a6 = "4xa6"
    cards_2x5 = "2x5"
    eight_a7 = "8xa7"


class SortOrder(StrEnum):
    name = "name"
    country = "country"


class BadgeState(StrEnum):
    """Where a registration stands, for the organisers' list: a valid badge, none yet (approved),
    or its newest badge revoked (only a reissue gives it a new one)."""

    issued = "issued"
    missing = "missing"
    revoked = "revoked"


class Badge(Struct, kw_only=True):
    id: int
    registration_id: int
    event_id: int
    version: int
    role: BadgeRole
    key_id: str
    token: str
    issued_at: datetime.datetime
    revoked_at: datetime.datetime | None
    revocation: Reason | None
    revoke_reason: str


class BadgeIssued(Struct, kw_only=True):
    badge: Badge
    created: bool


class BadgeIssue(Input):
    role: BadgeRole | None = None


class BadgeReissue(Input):
    reason: Reason200 = ""
    role: BadgeRole | None = None


class BadgeRevoke(Input):
    reason: Reason200 = ""


class BulkIssue(Input):
    role: BadgeRole | None = None


class SkippedRegistration(Struct, kw_only=True):
    """An approved registration bulk issuing passed over: its badge was revoked (reissue it explicitly)."""

    registration_id: int
    badge_id: int
    version: int
    revocation: Reason
    revoked_at: datetime.datetime
    revoke_reason: str


class BulkIssued(Struct, kw_only=True):
    issued: int
    existing: int
    skipped: list[SkippedRegistration]


class BadgeKey(Struct, kw_only=True):
    key_id: str
    event_id: int
    algorithm: str
    public_key: str  # base64url of the raw 32 bytes (a JWK's "x")
    created_at: datetime.datetime
    retired_at: datetime.datetime | None
    signing: bool


class KeyList(Struct, kw_only=True):
    event_id: int
    token_format: int
    keys: list[BadgeKey]


class RetiredKey(Struct, kw_only=True):
    key: BadgeKey
    badges_affected: int


class RevokedBadge(Struct, kw_only=True):
    badge_id: int
    version: int
    kind: Reason
    revoked_at: datetime.datetime


class RevocationList(Struct, kw_only=True):
    event_id: int
    #: Pass it as ``since`` next time to get only what changed.
    as_of: datetime.datetime
    items: list[RevokedBadge]


class VerifyRequest(Input):
    verbatim: ClassVar[frozenset[str]] = frozenset({"token"})  # a scanned code, judged by the verifier
    token: Annotated[str, Meta(max_length=400)]


class Verification(Struct, kw_only=True):
    valid: bool
    reason: Reason | None = None
    detail: str = ""
    badge_id: int | None = None
    registration_id: int | None = None
    version: int | None = None
    role: BadgeRole | None = None


class BadgeStateItem(Struct, kw_only=True):
    """A registration and its newest badge (none when ``state`` is ``missing``)."""

    registration_id: int
    reference: str
    given_names: str
    family_name: str
    latin_name: str
    country_represented: str
    status: str
    state: BadgeState
    badge_id: int | None = None
    version: int | None = None
    role: BadgeRole | None = None
    issued_at: datetime.datetime | None = None
    revoked_at: datetime.datetime | None = None
    revocation: Reason | None = None
    revoke_reason: str = ""


class BadgeOverview(Struct, kw_only=True):
    """Counts over the whole event and one page of registrations (filtered by ``state``)."""

    issued: int
    missing: int
    revoked: int
    total: int
    items: list[BadgeStateItem]
    #: Countries represented among the event's approved registrations (ISO alpha-3), for filters.
    countries: list[str]
