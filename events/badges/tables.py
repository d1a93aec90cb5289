from __future__ import annotations

from enum import StrEnum

from piccolo.columns import ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.programme.tables import Event
from events.registration.tables import Registration


class BadgeRole(StrEnum):
    participant = "participant"
    speaker = "speaker"
    organiser = "organiser"
    staff = "staff"
    press = "press"
    guide = "guide"


class BadgeKey(Table, tablename="badge_key"):
    """An Ed25519 signing key of one event. Scanners trust every key not retired; the newest signs."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    key_id = Varchar(length=16, unique=True, null=False)
    private_key_enc = Text(null=False, secret=True)
    public_key = Varchar(length=64, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    retired_at = Timestamptz(null=True, default=None)


class Badge(Table, tablename="badge"):
    """One issued badge. Reissuing creates a new version and revokes the previous one (one per registration
    and version: the unique index ``badge_version_once``).

    Scanners and third parties may hold a badge, so it is revoked, never deleted: deleting its registration
    or its event is refused while it exists.
    """

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.restrict)
    version = Integer(default=1)
    role = Varchar(length=12, choices=BadgeRole, default=BadgeRole.participant.value)
    key_id = Varchar(length=16, null=False)
    token = Varchar(length=200, null=False)
    issued_at = Timestamptz(default=TimestamptzNow())
    revoked_at = Timestamptz(null=True, default=None, index=True)
    revoke_reason = Varchar(length=200, default="")
