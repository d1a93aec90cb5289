"""On-site check-in: checkpoints and their rules, every scan, who is inside where, and conflicts.

Indexes Piccolo cannot express (the composite unique ones that make scans idempotent and presence
rows single) are in the migration ``indexes the tables cannot declare``.
"""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Boolean, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User
from events.programme.tables import Event, Session
from events.registration.tables import Registration


class CheckpointKind(StrEnum):
    venue_entrance = "venue_entrance"
    session_room = "session_room"
    visit_bus = "visit_bus"
    transfer_bus = "transfer_bus"
    help_desk = "help_desk"


class Admits(StrEnum):
    """Who may pass a checkpoint (always among the event's approved registrations with a valid badge)."""

    #: Every approved registration of the event.
    event = "event"
    #: Those signed up for the checkpoint's session (everyone approved when the session is not optional).
    session = "session"
    #: Those assigned to the checkpoint's visit slot and seated in its vehicle.
    visit = "visit"
    #: Those riding the checkpoint's airport transfer run (events.travel.transfers).
    transfer = "transfer"


class Direction(StrEnum):
    entry = "in"
    exit = "out"


class ScanMode(StrEnum):
    online = "online"
    offline = "offline"
    #: Admitted by name at the desk, without a badge.
    manual = "manual"


class ScanResult(StrEnum):
    ok = "ok"
    denied = "denied"


class ConflictKind(StrEnum):
    #: Two scans admitted the same badge at a single-entry checkpoint (devices offline, usually).
    double_admission = "double_admission"
    #: A device offline admitted a badge the service would have refused at that moment.
    offline_admission_refused = "offline_admission_refused"


class Checkpoint(Table, tablename="checkin_checkpoint"):
    """A door, a session room, a bus or a desk of one event, with its admission rules."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    name = Varchar(length=100, null=False)
    kind = Varchar(length=16, choices=CheckpointKind, null=False)
    admits = Varchar(length=12, choices=Admits, null=False)
    session = ForeignKey(references=Session, null=True, default=None, on_delete=OnDelete.restrict)
    #: ``{visit slot key}.{vehicle key}`` (``events.visits.manifests.checkpoint_id``).
    visit_checkpoint = Varchar(length=40, default="")
    #: A transfer bus: the key of its airport transfer run (``TR-…``).
    transfer_run = Varchar(length=16, default="")
    #: An explicit window; without one, the session's (or visit trip's) times widened by the margins.
    opens_at = Timestamptz(null=True, default=None)
    closes_at = Timestamptz(null=True, default=None)
    minutes_before = Integer(default=30)
    minutes_after = Integer(default=30)
    #: Exits are scanned too, so "inside" counts people who are in now.
    tracks_exit = Boolean(default=False)
    #: A badge is admitted once; another entry is refused (``already_inside``).
    single_entry = Boolean(default=False)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Scan(Table, tablename="checkin_scan"):
    """One scan as decided (online by the service, offline by the device). Never changed afterwards,
    except that a claimed row gets its answer in the same transaction."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    checkpoint = ForeignKey(references=Checkpoint, null=False, index=True, on_delete=OnDelete.restrict)
    registration = ForeignKey(references=Registration, null=True, default=None, on_delete=OnDelete.set_null)
    badge_id = Integer(null=True, default=None)
    device_id = Varchar(length=64, null=False)
    nonce = Varchar(length=64, null=False)
    #: SHA-256 of what the scan says (token or registration, checkpoint, direction): a replayed nonce
    #: must say the same.
    fingerprint = Varchar(length=64, null=False)
    direction = Varchar(length=3, choices=Direction, null=False)
    mode = Varchar(length=8, choices=ScanMode, null=False)
    scanned_at = Timestamptz(null=False)
    received_at = Timestamptz(default=TimestamptzNow())
    result = Varchar(length=8, default="")
    reason = Varchar(length=32, default="")
    detail = Varchar(length=200, default="")
    #: Offline scans: what the service would have answered, when it differs from the device's answer.
    server_reason = Varchar(length=32, default="")
    scanned_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    #: The answer as first given (JSON), returned again to a retry with the same nonce.
    answer = Text(default="")


class Presence(Table, tablename="checkin_presence"):
    """One registration at one checkpoint: admitted how often, inside now. One row per pair (unique
    index), changed by conditional updates, so concurrent scans cannot both admit a single entry."""

    checkpoint = ForeignKey(references=Checkpoint, null=False, on_delete=OnDelete.cascade)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    inside = Boolean(default=False)
    entries = Integer(default=0)
    first_in_at = Timestamptz(null=True, default=None)
    last_in_at = Timestamptz(null=True, default=None)
    last_out_at = Timestamptz(null=True, default=None)
    #: Scan time of the last change of ``inside``: an older scan synced late does not undo a newer one.
    changed_at = Timestamptz(null=True, default=None)
    first_scan = Integer(null=True, default=None)


class CheckinConflict(Table, tablename="checkin_conflict"):
    """Something organisers must look at: both scans are kept, neither is dropped or forced."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    checkpoint = ForeignKey(references=Checkpoint, null=False, on_delete=OnDelete.restrict)
    registration = ForeignKey(references=Registration, null=True, default=None, on_delete=OnDelete.set_null)
    kind = Varchar(length=32, choices=ConflictKind, null=False)
    first_scan = ForeignKey(references=Scan, null=True, default=None, on_delete=OnDelete.set_null)
    second_scan = ForeignKey(references=Scan, null=False, on_delete=OnDelete.restrict)
    detail = Varchar(length=300, default="")
    detected_at = Timestamptz(default=TimestamptzNow())
    resolved_at = Timestamptz(null=True, default=None)
    resolved_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    resolution_note = Varchar(length=500, default="")
