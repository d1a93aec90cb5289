"""Badge tokens: what the QR code of a badge says, signed, and the one verifier of it.

Pure: no database, no HTTP, no clock of its own. The check-in area calls :func:`verify_token` with
the event's keys and revocation list from the database; a phone scanner mirrors it offline with
the keys from ``GET /api/v1/events/{id}/badges/keys`` and the list from
``GET /api/v1/events/{id}/badges/revoked``. The layout below is the contract between them.

Token layout (format 1)
-----------------------
A token carries no personal data: who the badge belongs to is known only to the service.

The token is 87 bytes, written as RFC 4648 base32 in upper case without ``=`` padding:
**140 characters** of ``A-Z`` and ``2-7``, all in the QR alphanumeric set, which QR packs at
5.5 bits a character. At error correction M that is a **version 6** symbol (41 x 41 modules;
alphanumeric capacity 154 characters at M), whatever the numbers inside. All integers are
unsigned, big-endian:

======  =====  ==================================================================================
offset  bytes  field
======  =====  ==================================================================================
0       1      format: ``0x01``
1       4      key id: the first 4 bytes of SHA-256 of the signing key's 32-byte raw Ed25519
               public key (its ``key_id`` is these 4 bytes as 8 upper-case hex digits)
5       4      event id
9       4      badge id (one issued version of a badge; a reissue has a new id)
13      2      badge version (1, 2, … per registration)
15      4      not before: Unix time, seconds (UTC)
19      4      not after: Unix time, seconds (UTC)
23      64     Ed25519 signature (RFC 8032) of bytes 0-22 with the private key of ``key id``
======  =====  ==================================================================================

To verify (:func:`verify_token`; each failure has its own reason, in this order):

1. strip spaces, upper-case, base32-decode: not base32, not 87 bytes or not the canonical spelling
   (the unused bits of the last character set) → ``malformed``;
2. byte 0 is not 1 → ``unsupported_format``;
3. the event id is not the scanner's event → ``wrong_event``;
4. no key of this event has the key id → ``unknown_key``;
5. the signature does not verify with that key → ``bad_signature`` (forged or altered);
6. the key was retired at or before now → ``key_retired``;
7. the badge id is on the revocation list → its kind: ``superseded`` (reissued),
   ``registration_cancelled``, ``registration_rejected`` or ``revoked``;
8. now is before "not before" → ``not_yet_valid``; after "not after" → ``expired``
   (both with a leeway of 5 minutes for a phone's clock).

A revocation list entry is ``{badge_id, version, kind, revoked_at}``.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import struct
from collections.abc import Container, Iterable, Mapping
from enum import StrEnum
from functools import lru_cache

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = 1
PAYLOAD = struct.Struct(">B4sIIHII")
PAYLOAD_BYTES = PAYLOAD.size  # 23
SIGNATURE_BYTES = 64
TOKEN_BYTES = PAYLOAD_BYTES + SIGNATURE_BYTES  # 87
TOKEN_LENGTH = 140  # base32 characters
LEEWAY = datetime.timedelta(minutes=5)
_MAX_U32 = 2**32 - 1
_MAX_U16 = 2**16 - 1


class Reason(StrEnum):
    """Why a token is refused: one reason per way it can be wrong."""

    malformed = "malformed"
    unsupported_format = "unsupported_format"
    wrong_event = "wrong_event"
    unknown_key = "unknown_key"
    bad_signature = "bad_signature"
    key_retired = "key_retired"
    superseded = "superseded"
    registration_cancelled = "registration_cancelled"
    registration_rejected = "registration_rejected"
    revoked = "revoked"
    not_yet_valid = "not_yet_valid"
    expired = "expired"


#: Revocation kinds, as stored and listed; each is also the verifier's reason.
REVOCATION_KINDS = frozenset(
    {Reason.superseded, Reason.registration_cancelled, Reason.registration_rejected, Reason.revoked}
)


class PublicKey(msgspec.Struct, frozen=True, kw_only=True):
    """A verification key of one event, as the keys endpoint lists it."""

    key_id: str
    event_id: int
    public_key: str  # the 32 raw bytes, base64url without padding (a JWK's "x")
    retired_at: datetime.datetime | None = None


class TokenFields(msgspec.Struct, frozen=True, kw_only=True):
    """What a token says, before (or after) its signature is checked."""

    format: int
    key_id: str
    event_id: int
    badge_id: int
    version: int
    not_before: datetime.datetime
    not_after: datetime.datetime


class VerifiedBadge(msgspec.Struct, frozen=True, kw_only=True):
    """A token that verified: the badge it stands for."""

    badge_id: int
    event_id: int
    version: int
    key_id: str
    not_before: datetime.datetime
    not_after: datetime.datetime


class Rejection(msgspec.Struct, frozen=True):
    reason: Reason
    detail: str = ""


# --- keys --------------------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def from_b64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id_of(public_raw: bytes) -> str:
    return hashlib.sha256(public_raw).digest()[:4].hex().upper()


class KeyPair(msgspec.Struct, frozen=True, kw_only=True):
    key_id: str
    public_key: str  # base64url of the 32 raw bytes
    private_key: str  # base64url of the 32 raw bytes (encrypt it before storing it)


def new_key_pair() -> KeyPair:
    private = Ed25519PrivateKey.generate()
    private_raw = private.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    public_raw = private.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KeyPair(
        key_id=key_id_of(public_raw), public_key=b64url(public_raw), private_key=b64url(private_raw)
    )


@lru_cache(maxsize=64)
def _private(private_key: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(from_b64url(private_key))


@lru_cache(maxsize=256)
def _public(public_key: str) -> Ed25519PublicKey | None:
    try:
        return Ed25519PublicKey.from_public_bytes(from_b64url(public_key))
    except (ValueError, binascii.Error):
        return None


# --- issuing ------------------------------------------------------------------------------------------


def _seconds(moment: datetime.datetime) -> int:
    if moment.tzinfo is None:
        raise ValueError("validity instants must be aware (UTC)")
    value = int(moment.timestamp())
    if not 0 <= value <= _MAX_U32:
        raise ValueError("validity instants must fall between 1970 and 2106")
    return value


def issue_token(
    *,
    private_key: str,
    key_id: str,
    event_id: int,
    badge_id: int,
    version: int,
    not_before: datetime.datetime,
    not_after: datetime.datetime,
) -> str:
    """Sign a badge's token (layout in the module's docstring) with a base64url raw private key."""
    if not (0 < event_id <= _MAX_U32 and 0 < badge_id <= _MAX_U32 and 0 < version <= _MAX_U16):
        raise ValueError("event id, badge id and version must be positive and fit their fields")
    start, end = _seconds(not_before), _seconds(not_after)
    if end <= start:
        raise ValueError("not_after must be after not_before")
    payload = PAYLOAD.pack(FORMAT, bytes.fromhex(key_id), event_id, badge_id, version, start, end)
    signature = _private(private_key).sign(payload)
    return base64.b32encode(payload + signature).decode("ascii").rstrip("=")


# --- reading and verifying ------------------------------------------------------------------------------


def _instant(seconds: int) -> datetime.datetime:
    return datetime.datetime.fromtimestamp(seconds, datetime.UTC)


def _decode(text: str) -> bytes | None:
    cleaned = "".join(str(text).split()).upper().rstrip("=")
    if len(cleaned) != TOKEN_LENGTH:
        return None
    try:
        raw = base64.b32decode(cleaned + "=" * (-len(cleaned) % 8))
    except (binascii.Error, ValueError):
        return None
    if len(raw) != TOKEN_BYTES:
        return None
    # b32decode ignores the unused low bits of the last character, so 16 spellings would decode
    # to the same bytes; only the one the issuer writes (those bits zero) is a token.
    if base64.b32encode(raw).decode("ascii").rstrip("=") != cleaned:
        return None
    return raw


def read_token(text: str) -> TokenFields | None:
    """The fields of a well-formed token, **unverified** (``None`` if it is not one)."""
    raw = _decode(text)
    if raw is None:
        return None
    fmt, key, event_id, badge_id, version, not_before, not_after = PAYLOAD.unpack(raw[:PAYLOAD_BYTES])
    return TokenFields(
        format=fmt,
        key_id=key.hex().upper(),
        event_id=event_id,
        badge_id=badge_id,
        version=version,
        not_before=_instant(not_before),
        not_after=_instant(not_after),
    )


def verify_token(
    text: str,
    keys: Iterable[PublicKey],
    revoked: Mapping[int, str] | Container[int],
    event_id: int,
    now: datetime.datetime,
    *,
    leeway: datetime.timedelta = LEEWAY,
) -> VerifiedBadge | Rejection:
    """Check a scanned token for the scanner's event at ``now``.

    ``keys`` are the event's keys, retired ones included (so a retired key is told apart from an
    unknown one); ``revoked`` maps revoked badge ids to their kind (a plain set of ids means
    ``revoked``). Returns the badge, or a :class:`Rejection` with the first reason that applies.
    """
    raw = _decode(text)
    if raw is None:
        return Rejection(Reason.malformed, "not a badge code, or cut short")
    payload, signature = raw[:PAYLOAD_BYTES], raw[PAYLOAD_BYTES:]
    fmt, key_bytes, token_event, badge_id, version, not_before, not_after = PAYLOAD.unpack(payload)
    if fmt != FORMAT:
        return Rejection(Reason.unsupported_format, f"format {fmt}")
    if token_event != event_id:
        return Rejection(Reason.wrong_event, f"a badge of event {token_event}")
    key_id = key_bytes.hex().upper()
    key = next((k for k in keys if k.key_id == key_id and k.event_id == event_id), None)
    public = _public(key.public_key) if key is not None else None
    if key is None or public is None:
        return Rejection(Reason.unknown_key, f"key {key_id}")
    try:
        public.verify(signature, payload)
    except InvalidSignature:
        return Rejection(Reason.bad_signature, "the signature does not match")
    if key.retired_at is not None and key.retired_at <= now:
        return Rejection(Reason.key_retired, f"key {key_id} retired")
    if badge_id in revoked:
        kind = revoked[badge_id] if isinstance(revoked, Mapping) else Reason.revoked
        try:
            reason = Reason(kind)
        except ValueError:
            reason = Reason.revoked
        return Rejection(reason if reason in REVOCATION_KINDS else Reason.revoked, f"badge {badge_id}")
    if now + leeway < _instant(not_before):
        return Rejection(Reason.not_yet_valid, f"valid from {_instant(not_before).isoformat()}")
    if now - leeway > _instant(not_after):
        return Rejection(Reason.expired, f"valid until {_instant(not_after).isoformat()}")
    return VerifiedBadge(
        badge_id=badge_id,
        event_id=token_event,
        version=version,
        key_id=key_id,
        not_before=_instant(not_before),
        not_after=_instant(not_after),
    )
