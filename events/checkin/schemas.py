from __future__ import annotations

import datetime
from typing import Annotated, Any, ClassVar

from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input
from events.checkin.rules import Reason
from events.checkin.tables import Admits, CheckpointKind, ConflictKind, Direction, ScanMode, ScanResult

Name = Annotated[str, Meta(min_length=1, max_length=100)]
Minutes = Annotated[int, Meta(ge=0, le=24 * 60)]
LocalOrAwareDateTime = Annotated[
    datetime.datetime, Meta(description="ISO 8601; without an offset it is read in the event's time zone")
]
DeviceId = Annotated[
    str,
    Meta(
        min_length=1,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="the scanning device's own id (letters, digits, . _ : -)",
    ),
]
Nonce = Annotated[
    str,
    Meta(
        min_length=8,
        max_length=64,
        pattern=r"^[A-Za-z0-9._:-]+$",
        description="unique per scan and device (a UUID); a retry sends the same one",
    ),
]
TokenText = Annotated[str, Meta(max_length=400, description="the badge's QR code text")]
Note = Annotated[str, Meta(min_length=1, max_length=500)]


# --- checkpoints -------------------------------------------------------------------------------------


class Window(Struct, kw_only=True):
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    #: ``explicit`` (opens_at / closes_at), ``session``, ``visit`` or ``transfer`` (their times ± the margins), or
    #: ``none`` (only the badge's validity).
    source: str


class Checkpoint(Struct, kw_only=True):
    id: int
    event_id: int
    name: str
    kind: CheckpointKind
    admits: Admits
    session_id: int | None
    visit_checkpoint: str
    #: A transfer bus: its airport transfer run's key (``TR-…``).
    transfer_run: str = ""
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    minutes_before: int
    minutes_after: int
    window: Window
    tracks_exit: bool
    single_entry: bool
    active: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CheckpointCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"name"})
    name: Name
    kind: CheckpointKind
    #: Defaults from the kind: session rooms admit the session's people, visit buses the vehicle's,
    #: the others everyone approved.
    admits: Admits | None = None
    session_id: int | None = None
    visit_checkpoint: Annotated[str, Meta(max_length=40)] = ""
    #: A transfer bus: the run's key, from GET …/travel/transfers/checkpoints.
    transfer_run: Annotated[str, Meta(max_length=16)] = ""
    opens_at: LocalOrAwareDateTime | None = None
    closes_at: LocalOrAwareDateTime | None = None
    minutes_before: Minutes = 30
    minutes_after: Minutes = 30
    tracks_exit: bool = False
    single_entry: bool = False
    active: bool = True


class CheckpointUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"name"})
    name: Name | UnsetType = UNSET
    kind: CheckpointKind | UnsetType = UNSET
    admits: Admits | UnsetType = UNSET
    session_id: int | UnsetType | None = UNSET
    visit_checkpoint: Annotated[str, Meta(max_length=40)] | UnsetType = UNSET
    transfer_run: Annotated[str, Meta(max_length=16)] | UnsetType = UNSET
    opens_at: LocalOrAwareDateTime | UnsetType | None = UNSET
    closes_at: LocalOrAwareDateTime | UnsetType | None = UNSET
    minutes_before: Minutes | UnsetType = UNSET
    minutes_after: Minutes | UnsetType = UNSET
    tracks_exit: bool | UnsetType = UNSET
    single_entry: bool | UnsetType = UNSET
    active: bool | UnsetType = UNSET


# --- scanning ----------------------------------------------------------------------------------------


class ScanCreate(Input):
    """One scan from a staff device. Give ``token`` (the QR text) or, for someone without their badge,
    ``registration_id`` (found with the lookup)."""

    verbatim: ClassVar[frozenset[str]] = frozenset({"token"})  # the scanner judges a code, denied or not

    checkpoint_id: int
    device_id: DeviceId
    nonce: Nonce
    token: TokenText | None = None
    registration_id: int | None = None
    direction: Direction = Direction.entry
    #: Accepted for older scanners and ignored: an online scan is judged and stored at the service's time.
    scanned_at: LocalOrAwareDateTime | None = None


class Person(Struct, kw_only=True):
    """What staff need to see: no passport data, no contact details."""

    registration_id: int
    reference: str
    name: str
    full_name: str
    country: str
    country_name: str
    role: str
    #: Needs to act on at the door (step-free access, sign language, hearing loop, large print, other).
    accessibility: list[str]
    accessibility_other: str


class Counts(Struct, kw_only=True):
    #: Inside now (with exits scanned), else admitted so far.
    inside: int
    #: People admitted at least once.
    admitted: int
    #: People who may pass (refreshed every half minute).
    expected: int


class CheckpointRef(Struct, kw_only=True):
    id: int
    name: str


class ScanAnswer(Struct, kw_only=True):
    scan_id: int
    result: ScanResult
    reason: Reason | None
    #: The text for staff: "Welcome", or what the reason means.
    message: str
    detail: str
    direction: Direction
    mode: ScanMode
    scanned_at: datetime.datetime
    checkpoint: CheckpointRef
    person: Person | None
    counts: Counts


# --- offline -----------------------------------------------------------------------------------------


class OfflineScan(Input):
    """One scan a device decided on its own, as it queued it."""

    verbatim: ClassVar[frozenset[str]] = frozenset({"token"})  # the scanner judges a code, denied or not

    nonce: Nonce
    checkpoint_id: int
    scanned_at: LocalOrAwareDateTime
    result: ScanResult
    token: TokenText | None = None
    registration_id: int | None = None
    direction: Direction = Direction.entry
    reason: Reason | None = None


class SyncRequest(Input):
    device_id: DeviceId
    #: Each row is checked on its own: a bad row is reported and the others are applied.
    scans: Annotated[list[Any], Meta(max_length=2000)]


class SyncRequestRows(Input):
    """What a sync request's rows are: :class:`SyncRequest` as the OpenAPI document shows it."""

    device_id: DeviceId
    scans: Annotated[list[OfflineScan], Meta(max_length=2000)]


class RowError(Struct, kw_only=True):
    field: str
    message: str


class SyncRow(Struct, kw_only=True, omit_defaults=True):
    index: int
    nonce: str | None
    #: ``applied``, ``duplicate`` (synced before: nothing changed) or ``error`` (not applied).
    status: str
    scan_id: int | None = None
    conflict_ids: list[int] = []
    errors: list[RowError] = []


class SyncResult(Struct, kw_only=True):
    device_id: str
    received: int
    applied: int
    duplicates: int
    errors: int
    conflicts: int
    rows: list[SyncRow]


class KitKey(Struct, kw_only=True):
    key_id: str
    public_key: str
    retired_at: datetime.datetime | None


class KitRevoked(Struct, kw_only=True):
    badge_id: int
    kind: str
    revoked_at: datetime.datetime


class KitPerson(Struct, kw_only=True):
    badge_id: int
    registration_id: int
    reference: str
    name: str
    full_name: str
    country: str
    country_name: str
    role: str
    accessibility: list[str]
    accessibility_other: str


class KitRules(Struct, kw_only=True):
    checkpoint_id: int
    event_id: int
    name: str
    kind: str
    admits: Admits
    session_optional: bool
    session_cancelled: bool
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime | None
    tracks_exit: bool
    single_entry: bool
    active: bool


class Kit(Struct, kw_only=True):
    """Everything a device needs to decide alone at one checkpoint. With ``since``, ``revoked`` and
    ``people`` hold only what changed; ``keys``, ``rules``, ``allowed``, ``admitted`` and ``inside``
    are always whole."""

    format: int
    event_id: int
    time_zone: str
    #: Pass it as ``since`` next time.
    as_of: datetime.datetime
    full: bool
    rules: KitRules
    keys: list[KitKey]
    revoked: list[KitRevoked]
    #: Registration ids that may pass now.
    allowed: list[int]
    people: list[KitPerson]
    #: Registration ids admitted at least once / inside now.
    admitted: list[int]
    inside: list[int]
    counts: Counts
    messages: dict[str, str]


# --- organisers --------------------------------------------------------------------------------------


class LookupItem(Struct, kw_only=True):
    person: Person
    status: str
    has_badge: bool
    may_pass: bool
    reason: Reason | None
    message: str
    admitted: bool
    inside: bool


class ScanRow(Struct, kw_only=True):
    id: int
    checkpoint: CheckpointRef
    registration_id: int | None
    badge_id: int | None
    direction: Direction
    mode: ScanMode
    result: str
    reason: str
    detail: str
    server_reason: str
    device_id: str
    scanned_by: str | None
    scanned_at: datetime.datetime
    received_at: datetime.datetime


class ScanSide(Struct, kw_only=True):
    scan_id: int
    scanned_at: datetime.datetime
    device_id: str
    mode: ScanMode
    scanned_by: str | None


class Conflict(Struct, kw_only=True):
    id: int
    kind: ConflictKind
    checkpoint: CheckpointRef
    person: Person | None
    first: ScanSide | None
    second: ScanSide
    detail: str
    detected_at: datetime.datetime
    resolved_at: datetime.datetime | None
    resolved_by: str | None
    resolution_note: str


class ConflictResolve(Input):
    note: Note


class Denial(Struct, kw_only=True):
    scan_id: int
    scanned_at: datetime.datetime
    checkpoint: CheckpointRef
    reason: str
    message: str
    detail: str
    person: Person | None
    device_id: str
    mode: ScanMode


class CheckpointLive(Struct, kw_only=True):
    id: int
    name: str
    kind: CheckpointKind
    active: bool
    inside: int
    admitted: int
    expected: int
    denied: int
    last_scan_at: datetime.datetime | None


class Live(Struct, kw_only=True):
    event_id: int
    as_of: datetime.datetime
    checkpoints: list[CheckpointLive]
    recent_denials: list[Denial]
    open_conflicts: int
    conflicts: list[Conflict]
