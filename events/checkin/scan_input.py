"""Checking a scan as it arrives, online or offline, before :mod:`events.checkin.scan_path` writes it:
the checkpoint, the subject (a token or a registration), the direction, the device's time."""

from __future__ import annotations

import datetime
import functools
import hashlib

from events.badges import tokens
from events.checkin import config
from events.checkin.rules import Rules
from events.checkin.tables import Direction
from events.errors import FieldError, InvalidInput
from events.programme.services import to_utc

#: A device's clock may run this much ahead; a scan time further in the future is refused.
MAX_AHEAD = datetime.timedelta(minutes=5)
#: Scans older than this are refused (a device's queue is synced within the event).
MAX_AGE = datetime.timedelta(days=30)


def fingerprint(
    checkpoint_id: int, direction: Direction, token: str | None, registration_id: int | None
) -> str:
    subject = "".join(token.split()).upper() if token is not None else f"registration:{registration_id}"
    return hashlib.sha256(f"{checkpoint_id}|{direction.value}|{subject}".encode()).hexdigest()


def token_fields(token: str | None) -> tokens.TokenFields | None:
    return _read_token(token) if token else None


@functools.lru_cache(maxsize=16_384)
def _read_token(token: str) -> tokens.TokenFields | None:
    """A memo of :func:`events.badges.tokens.read_token`, a pure function whose base32 decoding is a
    large share of a scan's own CPU; the same badge is scanned again and again (fields are frozen)."""
    return tokens.read_token(token)


async def keys_for(event_id: int, fields: tokens.TokenFields | None) -> list[tokens.PublicKey]:
    return (await keys_for_at(event_id, fields))[0]


async def keys_for_at(event_id: int, fields: tokens.TokenFields | None) -> tuple[list[tokens.PublicKey], int]:
    """:func:`keys_for` and the access version they were read at."""
    key_id = fields.key_id if fields is not None and fields.event_id == event_id else None
    return await config.keys_at(event_id, key_id)


def scan_time(value: datetime.datetime | None, zone: str, moment: datetime.datetime) -> datetime.datetime:
    """The scan's instant in UTC (a time without an offset is read in the event's zone)."""
    if value is None:
        return moment
    try:
        at = to_utc(value, zone, field="scanned_at")
    except (OverflowError, ValueError) as exc:
        raise InvalidInput.field("scanned_at", "not a valid instant") from exc
    assert at is not None
    if at > moment + MAX_AHEAD:
        raise InvalidInput.field(
            "scanned_at", "is in the future (check the device's clock; 5 minutes ahead are accepted)"
        )
    if at < moment - MAX_AGE:
        raise InvalidInput.field("scanned_at", "is more than 30 days old")
    return at


def require_subject(token: str | None, registration_id: int | None) -> None:
    if (token is None) == (registration_id is None):
        raise InvalidInput(
            "Give the badge's token, or a registration_id for someone without their badge (not both)",
            errors=[FieldError("token", "give token or registration_id")],
        )


async def checkpoint_rules(event_id: int, checkpoint_id: int, field_name: str = "checkpoint_id") -> Rules:
    return (await checkpoint_rules_at(event_id, checkpoint_id, field_name))[0]


async def checkpoint_rules_at(
    event_id: int, checkpoint_id: int, field_name: str = "checkpoint_id"
) -> tuple[Rules, int]:
    """:func:`checkpoint_rules` and the access version they were read at."""
    found, version = await config.rules_at(event_id, checkpoint_id)
    if found is None:
        raise InvalidInput.field(field_name, f"event {event_id} has no checkpoint {checkpoint_id}")
    return found, version


def require_direction(found: Rules, direction: Direction) -> None:
    if direction is Direction.exit and not found.tracks_exit:
        raise InvalidInput.field("direction", f"checkpoint {found.name!r} does not scan exits")
