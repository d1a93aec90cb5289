"""The scan path: deciding one scan and recording it, for online scans (:mod:`events.checkin.scanning`)
and offline ones (:mod:`events.checkin.sync`) alike, once :mod:`events.checkin.scan_input` checked
the request. One job: the statements below run in one transaction and must stay few (no extra
statement per scan), so the SQL and the program that runs it live together.

**Why plain SQL.** A badge scan is the busiest write of the service (a queue at the door: issue 17
asks for half the rate of a bare single-row UPDATE). Through the ORM it was a dozen queries; here
it is a statement program (:func:`events.db.statements.run`) of two statements for an admission at
a counted door on PostgreSQL (three at a single-entry or exit-tracking one), with the conditional writes the races need (``ON CONFLICT DO NOTHING``,
``UPDATE … WHERE inside = FALSE``) and a data-modifying CTE the query builder cannot say. The rules
stay in Python (:mod:`events.checkin.rules`), once: the statements only fetch what they judge and
write what they decided, for every kind of scan (there is no second, faster path).

A scan is a handful of short statements in one write transaction:

1. **claim the nonce**: insert the scan row, ``ON CONFLICT (event, device_id, nonce) DO NOTHING``.
   Nothing inserted means a retry: the first answer is returned (or 409 if the nonce came with
   another token, checkpoint or direction) and nothing else happens. The same statement reads the
   access version (:mod:`events.auth.revocation`): when it moved since the device's account, the
   checkpoint's rules or the keys were cached, the transaction is rolled back and the scan is tried
   once more with everything read afresh, so a revoked token or a closed checkpoint stops the very
   next scan in every process;
2. **read the badge** with its registration and whether the checkpoint's rule lets it pass (the
   badge's own row gives its revocation state, so a withdrawn badge is refused at once). Where
   parameters can be arrays (PostgreSQL) and the group is at one checkpoint, this is the same
   statement as the claim (:data:`_CLAIM_READ_MANY`), which also reads the checkpoint's counts;
3. **decide** (:mod:`events.checkin.rules`: the badge verifier, then the registration, the rule and
   the time window);
4. **presence**: at a counted door (every valid scan admits, no exits) the admission cannot fail:
   its write waits for the answers' statement and goes with it (one ``INSERT … ON CONFLICT DO
   UPDATE`` for the group's people, in lock order); whether it is a new row was read with the badge.
   Elsewhere an admission changes the (checkpoint, registration) row with a conditional write:
   ``INSERT … ON CONFLICT DO NOTHING`` for a single entry, ``UPDATE … WHERE inside = FALSE`` to
   re-enter. On PostgreSQL a second transaction waits on the first one's row and then finds the
   condition false, so of concurrent scans of one single-entry badge exactly one is admitted, in
   one process or many. On SQLite writers take turns (``BEGIN IMMEDIATE``);
5. **counts** of the checkpoint: those read with the claim plus what this group's own writes did
   (:class:`_Tally`: a new row is one more admitted and inside, an exit one fewer inside), or
   counted again when they were not read with the claim or a change's effect is unknown. Under
   concurrent writers elsewhere they are the counts as of the claim plus this scan: a figure for
   people, not a guarantee. Then the answer is stored on the scan row (a retry gets it back).

On SQLite the whole program runs in one hop to the writer thread, where a statement costs no round
trip: claim, badge, counts, presence, answer. On PostgreSQL an admission at a counted door is
``BEGIN``, claim-and-read, presence-and-answer, ``COMMIT`` (four round trips; a single-entry door
adds the conditional presence write); concurrent scans of one process share that transaction
(:mod:`events.checkin.scanning` groups them): a group of scans at one counted door costs four round
trips in all. The statements run with generic plans (planned once per connection: see
:func:`events.db.statements.run`), so each is written to need no other plan whatever the group.

Online scans are judged at the service's clock and every stored revocation counts. An offline scan
carries the device's decision, recorded as it was made with the device's time; the service's own
verdict is kept beside it. When a device admitted a badge that a single-entry checkpoint had already
admitted, both scans stay and a conflict is opened for organisers; so it is when a device admitted a
badge the service would have refused at that moment. A badge superseded by a reissue before the sync
arrived is refused whatever time the device gives: its admission is not counted (no presence) and a
conflict is opened.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field
from typing import Any

import msgspec

from events.auth import revocation
from events.badges import tokens
from events.badges.tokens import Reason as BadgeReason
from events.checkin import config, people, rules, schemas
from events.checkin.rules import Reason, Rules, Verdict
from events.checkin.tables import ConflictKind, Direction, ScanMode, ScanResult
from events.clock import now
from events.db import Dialect, dialect, statements
from events.db.statements import Program, Statement, one, together
from events.errors import Conflict, DomainError
from events.programme.services import to_local

logger = logging.getLogger("events.checkin")

UTC = datetime.UTC


@dataclass(slots=True)
class Item:
    """One scan, checked and ready to be written."""

    rules: Rules
    keys: list[tokens.PublicKey]
    device_id: str
    nonce: str
    fingerprint: str
    direction: Direction
    scanned_at: datetime.datetime
    mode: ScanMode
    user_id: int | None
    expected: int = 0
    token: str | None = None
    registration_id: int | None = None
    badge_id: int = 0
    #: Offline: what the device decided.
    device_result: ScanResult | None = None
    device_reason: Reason | None = None
    #: Online: the access versions the account, rules and keys were read at (all must be the
    #: database's, see :func:`_check_access`); ``None``: read just now, nothing to check.
    access_versions: frozenset[int] | None = None


@dataclass(slots=True)
class Outcome:
    scan_id: int = 0
    answer: bytes = b""
    duplicate: bool = False
    conflict_ids: list[int] = field(default_factory=list)
    error: DomainError | None = None


@dataclass(slots=True)
class _Written:
    index: int
    item: Item
    scan_id: int
    verdict: Verdict
    server: Verdict
    person: schemas.Person | None
    registration_id: int | None
    badge_id: int | None


# --- SQL ---------------------------------------------------------------------------------------------

_CLAIM = (
    "INSERT INTO checkin_scan (event, checkpoint, device_id, nonce, fingerprint, direction, mode, "  # noqa: S608
    "scanned_at, received_at, scanned_by, result, reason, detail, server_reason, answer) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', '', '', '') "
    f"ON CONFLICT (event, device_id, nonce) DO NOTHING RETURNING id, {revocation.CURRENT_SQL} AS access_version"
)
_EXISTING = (
    f"SELECT id, fingerprint, answer, {revocation.CURRENT_SQL} AS access_version "  # noqa: S608 (constants)
    "FROM checkin_scan WHERE event = ? AND device_id = ? AND nonce = ?"
)
_FINISH = (
    "UPDATE checkin_scan SET registration = ?, badge_id = ?, result = ?, reason = ?, detail = ?, "
    "server_reason = ?, answer = ? WHERE id = ?"
)
# The SQL below is assembled from constants of this package only (column lists, rule fragments).
#: What an admission at a counted door (:func:`_enter_counted`) needs to know: whether the person
#: already has a presence row there (over registration ``r``; its checkpoint is the first argument
#: after the rule's).
_PRESENCE = (
    "(SELECT p.id FROM checkin_presence p WHERE p.checkpoint = ? AND p.registration = r.id) AS presence_id"
)
_BADGE = (
    "SELECT b.id AS badge_id, b.event, b.role, b.revoked_at, b.revoke_reason, r.status, "  # noqa: S608
    + people.COLUMNS
    + ", {eligible} AS eligible, "
    + _PRESENCE
    + " FROM badge b JOIN registration r ON r.id = b.registration WHERE b.id = ?"
)
#: A whole group in one statement each, where parameters can be arrays (PostgreSQL: one round trip);
#: otherwise the statements above run one by one (SQLite: in its program thread, where a statement
#: costs no round trip).
_CLAIM_MANY = (
    "INSERT INTO checkin_scan (event, checkpoint, device_id, nonce, fingerprint, direction, mode, "  # noqa: S608
    "scanned_at, received_at, scanned_by, result, reason, detail, server_reason, answer) "
    "SELECT v.event, v.checkpoint, v.device_id, v.nonce, v.fingerprint, v.direction, v.mode, v.scanned_at, "
    "v.received_at, v.scanned_by, '', '', '', '', '' FROM unnest(?::int[], ?::int[], ?::text[], ?::text[], "
    "?::text[], ?::text[], ?::text[], ?::timestamptz[], ?::timestamptz[], ?::int[]) "
    "AS v(event, checkpoint, device_id, nonce, fingerprint, direction, mode, scanned_at, received_at, scanned_by) "
    "ON CONFLICT (event, device_id, nonce) DO NOTHING "
    f"RETURNING id, event, device_id, nonce, {revocation.CURRENT_SQL} AS access_version"
)
_BADGES_MANY = (
    "SELECT x.* FROM unnest(?::int[]) AS q(id) CROSS JOIN LATERAL ("  # noqa: S608
    "SELECT b.id AS badge_id, b.event, b.role, b.revoked_at, b.revoke_reason, r.status, "
    + people.COLUMNS
    + ", {eligible} AS eligible, "
    + _PRESENCE
    + " FROM badge b JOIN registration r ON r.id = b.registration WHERE b.id = q.id OFFSET 0) x"
)
#: The common case in one statement: the group's scans at one checkpoint claimed, the access version,
#: the badges the new ones name (with their registrations, the rule's verdict and whether they have a
#: presence row at the checkpoint) and the checkpoint's counts before this group (a data-modifying
#: CTE; its SELECT sees the database as it was, so the counts exclude this group's own changes, added
#: by :class:`_Tally`). The scan row is claimed as the common outcome (admitted, with the badge's
#: registration): nobody sees it before the commit, :data:`_FINISH_MANY` writes what was decided, and
#: when that equals the guess no indexed column changes, so PostgreSQL updates the row in place (a HOT
#: update, no index writes).
#:
#: Written for a plan made once (:func:`events.db.statements.run` with ``generic_plans``), which cannot
#: know how many scans a group has: each badge is found by its primary key in a subquery the planner
#: keeps apart (``LATERAL … OFFSET 0``, so it is never tempted to read all of an event's badges or to
#: hash the table), its event compared in the select list; the claimed rows carry the badge on to the
#: read (no join back to the arguments); the counts are a materialized CTE, counted once, not once per
#: scan of the group.
_CLAIM_READ_MANY = (
    "WITH claimed AS (INSERT INTO checkin_scan (event, checkpoint, device_id, nonce, fingerprint, direction, "  # noqa: S608
    "mode, scanned_at, received_at, scanned_by, registration, badge_id, result, reason, detail, server_reason, "
    "answer) SELECT v.event, v.checkpoint, v.device_id, v.nonce, v.fingerprint, v.direction, v.mode, "
    "v.scanned_at, v.received_at, v.scanned_by, CASE WHEN o.event = v.event THEN o.registration END, "
    "CASE WHEN o.event = v.event THEN o.id END, 'ok', '', '', '', '' "
    "FROM unnest(?::int[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::timestamptz[], "
    "?::timestamptz[], ?::int[], ?::int[]) AS v(event, checkpoint, device_id, nonce, fingerprint, direction, "
    "mode, scanned_at, received_at, scanned_by, badge) "
    "LEFT JOIN LATERAL (SELECT o.id, o.event, o.registration FROM badge o WHERE o.id = v.badge OFFSET 0) o "
    "ON TRUE ON CONFLICT (event, device_id, nonce) DO NOTHING RETURNING id, device_id, nonce, badge_id), "
    "k AS MATERIALIZED (SELECT COUNT(*) AS admitted, COALESCE(SUM(CASE WHEN inside THEN 1 ELSE 0 END), 0) "
    "AS inside FROM checkin_presence WHERE checkpoint = ?) "
    f"SELECT c.id AS scan_id, c.device_id AS scan_device, c.nonce AS scan_nonce, {revocation.CURRENT_SQL} "
    "AS access_version, k.admitted AS admitted_before, k.inside AS inside_before, x.* "
    "FROM k CROSS JOIN claimed c LEFT JOIN LATERAL ("
    "SELECT b.id AS badge_id, b.event, b.role, b.revoked_at, b.revoke_reason, r.status, "
    + people.COLUMNS
    + ", {eligible} AS eligible, "
    + _PRESENCE
    + " FROM badge b JOIN registration r ON r.id = b.registration WHERE b.id = c.badge_id OFFSET 0) x ON TRUE"
)
_FINISH_MANY = (
    "UPDATE checkin_scan AS s SET registration = v.registration, badge_id = v.badge_id, result = v.result, "
    "reason = v.reason, detail = v.detail, server_reason = v.server_reason, answer = v.answer "
    "FROM unnest(?::int[], ?::int[], ?::int[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[]) "
    "AS v(id, registration, badge_id, result, reason, detail, server_reason, answer) WHERE s.id = v.id"
)
_REGISTRATION = (
    "SELECT r.status, "  # noqa: S608
    + people.COLUMNS
    + ", {eligible} AS eligible, "
    "(SELECT b.role FROM badge b WHERE b.registration = r.id AND b.revoked_at IS NULL "
    "ORDER BY b.version DESC LIMIT 1) AS role, "
    "(SELECT b.id FROM badge b WHERE b.registration = r.id AND b.revoked_at IS NULL "
    "ORDER BY b.version DESC LIMIT 1) AS badge_id, "
    + _PRESENCE
    + " FROM registration r WHERE r.id = ? AND r.event = ?"
)
_ENTER_FIRST = (
    "INSERT INTO checkin_presence (checkpoint, registration, inside, entries, first_in_at, last_in_at, "
    "last_out_at, changed_at, first_scan) VALUES (?, ?, TRUE, 1, ?, ?, NULL, ?, ?) "
    "ON CONFLICT (checkpoint, registration) DO NOTHING RETURNING id"
)
_ENTER_AGAIN = (
    "UPDATE checkin_presence SET inside = TRUE, entries = entries + 1, last_in_at = ?, changed_at = ? "
    "WHERE checkpoint = ? AND registration = ? AND inside = FALSE RETURNING id"
)
#: Admissions at a counted door (every valid scan admits, no exits), written with the answers: a
#: person's scans of one group in one row (``entries`` of them, from ``first_in_at`` to ``last_in_at``).
_COUNTED_COLUMNS = (
    "INSERT INTO checkin_presence (checkpoint, registration, inside, entries, first_in_at, last_in_at, "
    "last_out_at, changed_at, first_scan) "
)
_COUNTED_CONFLICT = (
    " ON CONFLICT (checkpoint, registration) DO UPDATE SET entries = checkin_presence.entries + excluded.entries, "
    "last_in_at = CASE WHEN checkin_presence.last_in_at IS NULL "
    "OR checkin_presence.last_in_at < excluded.last_in_at "
    "THEN excluded.last_in_at ELSE checkin_presence.last_in_at END"
)
_ENTER_COUNTED = _COUNTED_COLUMNS + "VALUES (?, ?, TRUE, ?, ?, ?, NULL, ?, ?)" + _COUNTED_CONFLICT
#: The same for a whole group, in lock order (checkpoint, registration), where parameters can be arrays.
_ENTER_COUNTED_MANY = (
    _COUNTED_COLUMNS  # noqa: S608 (constants)
    + "SELECT x.checkpoint, x.registration, TRUE, x.entries, x.first_at, x.last_at, NULL, "
    "x.first_at, x.first_scan FROM unnest(?::int[], ?::int[], ?::int[], ?::timestamptz[], ?::timestamptz[], "
    "?::int[]) AS x(checkpoint, registration, entries, first_at, last_at, first_scan)" + _COUNTED_CONFLICT
)
#: An admission a device made offline, on an existing row: kept in scan-time order.
_ENTER_LATE = (
    "UPDATE checkin_presence SET entries = entries + 1, "
    "first_in_at = CASE WHEN first_in_at IS NULL OR first_in_at > ? THEN ? ELSE first_in_at END, "
    "last_in_at = CASE WHEN last_in_at IS NULL OR last_in_at < ? THEN ? ELSE last_in_at END, "
    "inside = CASE WHEN changed_at IS NULL OR changed_at <= ? THEN TRUE ELSE inside END, "
    "changed_at = CASE WHEN changed_at IS NULL OR changed_at <= ? THEN ? ELSE changed_at END "
    "WHERE checkpoint = ? AND registration = ? RETURNING first_scan"
)
_LEAVE = (
    "UPDATE checkin_presence SET inside = FALSE, last_out_at = ?, changed_at = ? "
    "WHERE checkpoint = ? AND registration = ? AND inside = TRUE "
    "AND (changed_at IS NULL OR changed_at <= ?) RETURNING id"
)
_COUNTS = (
    "SELECT COUNT(*) AS admitted, COALESCE(SUM(CASE WHEN inside THEN 1 ELSE 0 END), 0) AS inside "
    "FROM checkin_presence WHERE checkpoint = ?"
)
_CONFLICT = (
    "INSERT INTO checkin_conflict (event, checkpoint, registration, kind, first_scan, second_scan, "
    "detail, detected_at, resolved_at, resolved_by, resolution_note) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, '') ON CONFLICT (second_scan, kind) DO NOTHING RETURNING id"
)


# --- deciding and writing -------------------------------------------------------------------------------


def _read(item: Item) -> Program[dict[str, Any] | None]:
    """The badge (or, by name, the registration) with what the decision needs."""
    condition, args = config.eligible_sql(item.rules)
    if item.token is not None:
        if not item.badge_id:
            return None
        row = one((yield _BADGE.format(eligible=condition), (*args, item.rules.checkpoint_id, item.badge_id)))
        return row if row is not None and row["event"] == item.rules.event_id else None
    return one(
        (
            yield (
                _REGISTRATION.format(eligible=condition),
                (*args, item.rules.checkpoint_id, item.registration_id, item.rules.event_id),
            )
        )
    )


def _verdict(item: Item, row: dict[str, Any] | None) -> Verdict:
    """Everything but presence."""
    found = item.rules
    if item.token is not None:
        however_late = rules.SUPERSEDED_ONLY if item.mode is ScanMode.offline else rules.EVERY_REVOCATION
        code = rules.check_code(item.token, item.keys, row, found, item.scanned_at, however_late=however_late)
        if not code.ok:
            if item.direction is Direction.exit and code.reason not in rules.NOT_GENUINE:
                return rules.OK  # nobody is kept from leaving
            return code
    elif row is None:
        return Verdict(False, Reason.not_registered, f"no registration {item.registration_id} at this event")
    assert row is not None
    return rules.check_person(
        found,
        status=row["status"],
        eligible=statements.boolean(row["eligible"]),
        direction=item.direction,
        at=item.scanned_at,
    )


@dataclass(slots=True)
class _Tally:
    """What a group's presence changes did to each checkpoint's counts (admitted, inside), so the
    counts read with the claim need no second look; a change whose effect on them is not known
    (an offline admission merged into an existing row) marks its checkpoint to be counted again.
    It also holds the admissions at counted doors until they are written with the answers."""

    changes: dict[int, list[int]] = field(default_factory=dict)
    unknown: set[int] = field(default_factory=set)
    #: Admissions at counted doors not written yet: (checkpoint, registration) ->
    #: [entries, first scan, first time, last time].
    later: dict[tuple[int, int], list[Any]] = field(default_factory=dict)
    #: What those do to the counts (a fresh count does not see them yet).
    unwritten: dict[int, list[int]] = field(default_factory=dict)

    def add(self, checkpoint_id: int, admitted: int, inside: int, *, written: bool = True) -> None:
        change = self.changes.setdefault(checkpoint_id, [0, 0])
        change[0] += admitted
        change[1] += inside
        if not written:
            change = self.unwritten.setdefault(checkpoint_id, [0, 0])
            change[0] += admitted
            change[1] += inside

    def admit_later(
        self, checkpoint_id: int, registration_id: int, scan_id: int, at: datetime.datetime, had_row: bool
    ) -> None:
        """An admission at a counted door; ``had_row``: the person had a presence row there when the
        group read its badges (else the row is new, one more admitted and inside)."""
        pending = self.later.get((checkpoint_id, registration_id))
        if pending is not None:
            pending[0] += 1
            pending[3] = max(pending[3], at)
            return
        self.later[(checkpoint_id, registration_id)] = [1, scan_id, at, at]
        if not had_row:
            self.add(checkpoint_id, 1, 1, written=False)

    def counts(self, checkpoint_id: int, before: tuple[int, int] | None) -> tuple[int, int] | None:
        """(inside, admitted) after the group, or ``None`` when they must be read again."""
        if before is None or checkpoint_id in self.unknown:
            return None
        admitted, inside = self.changes.get(checkpoint_id, (0, 0))
        return before[0] + inside, before[1] + admitted

    def recounted(self, checkpoint_id: int, fresh: tuple[int, int]) -> tuple[int, int]:
        """(inside, admitted) after the group, from a count taken before the admissions held here."""
        admitted, inside = self.unwritten.get(checkpoint_id, (0, 0))
        return fresh[0] + inside, fresh[1] + admitted


def _admissions(tally: _Tally, database: Dialect) -> list[Statement]:
    """The writes of the admissions at counted doors, in lock order: one statement where parameters
    can be arrays, else one a person."""
    rows = [(*key, *tally.later[key]) for key in sorted(tally.later)]
    if not rows:
        return []
    if database.array_parameters:
        checkpoints, registrations, entries, scans, firsts, lasts = zip(*rows, strict=True)
        return [
            (
                _ENTER_COUNTED_MANY,
                (
                    list(checkpoints),
                    list(registrations),
                    list(entries),
                    list(firsts),
                    list(lasts),
                    list(scans),
                ),
            )
        ]
    return [
        (_ENTER_COUNTED, (checkpoint_id, registration_id, entries, first, last, first, scan_id))
        for checkpoint_id, registration_id, entries, scan_id, first, last in rows
    ]


def _enter_online(
    found: Rules, registration_id: int, scan_id: int, at: datetime.datetime, tally: _Tally, had_row: bool
) -> Program[bool]:
    """Admit online. At a counted door every valid scan admits: the write waits for the answers'
    statement (:func:`_admissions`). Elsewhere the conditional write decides, at once."""
    args = (found.checkpoint_id, registration_id, at, at, at, scan_id)
    if not found.single_entry and not found.tracks_exit:
        tally.admit_later(found.checkpoint_id, registration_id, scan_id, at, had_row)
        return True
    if (yield _ENTER_FIRST, args):
        tally.add(found.checkpoint_id, 1, 1)
        return True
    if found.single_entry:
        return False
    if (yield _ENTER_AGAIN, (at, at, found.checkpoint_id, registration_id)):
        tally.add(found.checkpoint_id, 0, 1)
        return True
    return False


def _enter_offline(
    found: Rules, registration_id: int, scan_id: int, at: datetime.datetime, tally: _Tally
) -> Program[int | None]:
    """Record an admission a device made; returns the earlier admitting scan when there was one."""
    if (yield _ENTER_FIRST, (found.checkpoint_id, registration_id, at, at, at, scan_id)):
        tally.add(found.checkpoint_id, 1, 1)
        return None
    tally.unknown.add(found.checkpoint_id)
    row = one((yield _ENTER_LATE, (at, at, at, at, at, at, at, found.checkpoint_id, registration_id)))
    return row["first_scan"] if row else None


def _leave(found: Rules, registration_id: int, at: datetime.datetime, tally: _Tally) -> Program[bool]:
    if (yield _LEAVE, (at, at, found.checkpoint_id, registration_id, at)):
        tally.add(found.checkpoint_id, 0, -1)
        return True
    return False


def _conflict(
    item: Item, kind: ConflictKind, registration_id: int | None, first: int | None, second: int, detail: str
) -> Program[int | None]:
    row = one(
        (
            yield (
                _CONFLICT,
                (
                    item.rules.event_id,
                    item.rules.checkpoint_id,
                    registration_id,
                    kind.value,
                    first,
                    second,
                    detail[:300],
                    now(),
                ),
            )
        )
    )
    return row["id"] if row else None


def _claim_args(item: Item, received_at: datetime.datetime) -> tuple:
    found = item.rules
    return (
        found.event_id,
        found.checkpoint_id,
        item.device_id,
        item.nonce,
        item.fingerprint,
        item.direction.value,
        item.mode.value,
        item.scanned_at,
        received_at,
        item.user_id,
    )


@dataclass(slots=True)
class _Claimed:
    #: The indexes whose nonce was new, with their scan ids.
    scans: dict[int, int] = field(default_factory=dict)
    #: The access version (``None`` when no nonce was new).
    version: int | None = None
    #: Rows read with the claim, by index (the badges of new scans with a token).
    rows: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    #: Counts read with the claim, before this group's changes: checkpoint -> (inside, admitted).
    before: dict[int, tuple[int, int]] = field(default_factory=dict)


def _claim(
    items: list[Item], order: list[int], received_at: datetime.datetime, database: Dialect
) -> Program[_Claimed]:
    """Insert the scan rows. Where parameters can be arrays and the group is at one checkpoint (the
    common case), the same statement reads the access version, the badges and the counts."""
    claimed = _Claimed()
    if database.array_parameters and len({items[index].rules.checkpoint_id for index in order}) == 1:
        found = items[order[0]].rules
        condition, args = config.eligible_sql(found)
        columns = zip(
            *((*_claim_args(items[index], received_at), items[index].badge_id) for index in order),
            strict=True,
        )
        rows = yield (
            _CLAIM_READ_MANY.format(eligible=condition),
            (*(list(column) for column in columns), found.checkpoint_id, *args, found.checkpoint_id),
        )
        by_nonce = {(row["scan_device"], row["scan_nonce"]): row for row in rows}
        for index in order:
            item = items[index]
            row = by_nonce.get((item.device_id, item.nonce))
            if row is None:
                continue
            claimed.scans[index] = row["scan_id"]
            if item.token is not None:
                # The badge's event is checked here, not in SQL: the primary key is then the only way in.
                ours = row["badge_id"] is not None and row["event"] == found.event_id
                claimed.rows[index] = row if ours else None
        if rows:
            claimed.version = rows[0]["access_version"]
            claimed.before[found.checkpoint_id] = (
                int(rows[0]["inside_before"]),
                int(rows[0]["admitted_before"]),
            )
        return claimed
    if database.array_parameters:
        columns = list(zip(*(_claim_args(items[index], received_at) for index in order), strict=True))
        rows = yield _CLAIM_MANY, tuple(list(column) for column in columns)
        ids = {(row["event"], row["device_id"], row["nonce"]): row["id"] for row in rows}
        for index in order:
            item = items[index]
            scan_id = ids.get((item.rules.event_id, item.device_id, item.nonce))
            if scan_id is not None:
                claimed.scans[index] = scan_id
        claimed.version = rows[0]["access_version"] if rows else None
        return claimed
    for index in order:
        row = one((yield _CLAIM, _claim_args(items[index], received_at)))
        if row is not None:
            claimed.scans[index] = row["id"]
            claimed.version = row["access_version"]
    return claimed


def _check_access(items: list[Item], version: int) -> None:
    """Refuse to go on with anything read at another access version than the database's (a token
    revoked, a role removed, a checkpoint changed since): the transaction is rolled back and the
    caller reads again (:class:`~events.auth.revocation.AccessChanged`)."""
    for item in items:
        if item.access_versions is not None and item.access_versions != {int(version)}:
            raise revocation.AccessChanged(
                f"access version {version}, read at {sorted(item.access_versions)}"
            )


def _read_all(
    items: list[Item], indexes: list[int], database: Dialect
) -> Program[dict[int, dict[str, Any] | None]]:
    """The rows the decisions need, by item index (with array parameters, one query per checkpoint)."""
    found: dict[int, dict[str, Any] | None] = {}
    if not database.array_parameters:
        for index in indexes:
            found[index] = yield from _read(items[index])
        return found
    groups: dict[int, list[int]] = {}
    for index in indexes:
        item = items[index]
        if item.token is not None and item.badge_id:
            groups.setdefault(item.rules.checkpoint_id, []).append(index)
        else:
            found[index] = yield from _read(item)
    for members in groups.values():
        rules_ = items[members[0]].rules
        condition, args = config.eligible_sql(rules_)
        rows = yield (
            _BADGES_MANY.format(eligible=condition),
            (sorted({items[index].badge_id for index in members}), *args, rules_.checkpoint_id),
        )
        # The badge's event is checked here, not in SQL: the primary key is then the only way in.
        by_badge = {row["badge_id"]: row for row in rows if row["event"] == rules_.event_id}
        for index in members:
            found[index] = by_badge.get(items[index].badge_id)
    return found


def _apply_one(
    item: Item, index: int, scan_id: int, row: dict[str, Any] | None, tally: _Tally
) -> Program[tuple[Outcome, _Written]]:
    """Decide one claimed scan and change presence (and open conflicts) accordingly."""
    found = item.rules
    server = _verdict(item, row)
    if server.reason in rules.NOT_GENUINE:
        row = None  # a forged or foreign code says nothing about whose badge it is
    registration_id = row["registration_id"] if row is not None else None
    outcome = Outcome(scan_id=scan_id)
    if item.mode is ScanMode.offline:
        verdict = Verdict(item.device_result is ScanResult.ok, item.device_reason, "decided offline")
        # A superseded badge's admission is held for organisers, not counted.
        held = server.badge_reason == BadgeReason.superseded.value
        if verdict.ok and registration_id is not None and not held:
            if item.direction is Direction.exit:
                yield from _leave(found, registration_id, item.scanned_at, tally)
            else:
                first = yield from _enter_offline(found, registration_id, scan_id, item.scanned_at, tally)
                if first is not None and found.single_entry:
                    conflict = yield from _conflict(
                        item,
                        ConflictKind.double_admission,
                        registration_id,
                        first,
                        scan_id,
                        f"admitted again by device {item.device_id} at a single-entry checkpoint",
                    )
                    if conflict is not None:
                        outcome.conflict_ids.append(conflict)
        if verdict.ok and not server.ok:
            assert server.reason is not None
            conflict = yield from _conflict(
                item,
                ConflictKind.offline_admission_refused,
                registration_id,
                None,
                scan_id,
                f"the service would have refused it: {server.reason.value}"
                + (f" ({server.detail})" if server.detail else "")
                + ("; replaced by a reissue before this sync, so not counted as admitted" if held else ""),
            )
            if conflict is not None:
                outcome.conflict_ids.append(conflict)
    else:
        verdict = server
        if verdict.ok and registration_id is not None:
            if item.direction is Direction.exit:
                if not (yield from _leave(found, registration_id, item.scanned_at, tally)):
                    verdict = Verdict(True, None, "was not recorded inside")
            elif not (
                yield from _enter_online(
                    found,
                    registration_id,
                    scan_id,
                    item.scanned_at,
                    tally,
                    row.get("presence_id") is not None,
                )
            ):
                verdict = Verdict(False, Reason.already_inside, "single entry" if found.single_entry else "")
    shown = row is not None and (verdict.ok or verdict.reason in rules.SHOWS_PERSON)
    person = people.person(row, row["role"]) if shown and row is not None else None
    written = _Written(
        index=index,
        item=item,
        scan_id=scan_id,
        verdict=verdict,
        server=server,
        person=person,
        registration_id=registration_id,
        badge_id=(row["badge_id"] if row is not None else None) or (item.badge_id or None),
    )
    return outcome, written


def _replay(item: Item) -> Program[Outcome]:
    existing = one((yield _EXISTING, (item.rules.event_id, item.device_id, item.nonce)))
    if existing is None:  # pragma: no cover - the row that conflicted is there
        raise Conflict("This scan conflicts with another one saved at the same moment; send it again")
    _check_access([item], existing["access_version"])  # a revoked device gets no earlier answer back
    if existing["fingerprint"] != item.fingerprint:
        return Outcome(
            scan_id=existing["id"],
            error=Conflict(
                "This nonce was already used by this device for another scan (another token, checkpoint "
                "or direction); give every scan a nonce of its own",
                scan_id=existing["id"],
            ),
        )
    return Outcome(scan_id=existing["id"], answer=(existing["answer"] or "").encode(), duplicate=True)


def _answer(written: _Written, counts: schemas.Counts) -> bytes:
    item, verdict = written.item, written.verdict
    return msgspec.json.encode(
        schemas.ScanAnswer(
            scan_id=written.scan_id,
            result=ScanResult.ok if verdict.ok else ScanResult.denied,
            reason=verdict.reason,
            message=rules.message(verdict, item.direction),
            detail=verdict.detail[:200],
            direction=item.direction,
            mode=item.mode,
            scanned_at=to_local(item.scanned_at, item.rules.time_zone),  # type: ignore[arg-type]
            checkpoint=schemas.CheckpointRef(id=item.rules.checkpoint_id, name=item.rules.name),
            person=written.person,
            counts=counts,
        )
    )


def _server_reason(written: _Written) -> str:
    if written.item.mode is not ScanMode.offline or written.server.ok == written.verdict.ok:
        return ""
    return written.server.reason.value if written.server.reason else "ok"


def _apply_program(items: list[Item], database: Dialect) -> Program[list[Outcome]]:
    received_at = now()
    outcomes: list[Outcome] = [Outcome() for _ in items]
    first_of: dict[tuple[int, str, str], int] = {}
    repeats: list[tuple[int, int]] = []
    order: list[int] = []
    for index in sorted(
        range(len(items)), key=lambda i: (items[i].rules.checkpoint_id, items[i].badge_id, i)
    ):
        item = items[index]
        key = (item.rules.event_id, item.device_id, item.nonce)
        if key in first_of:  # the same nonce twice in one group: the later one is a retry
            repeats.append((index, first_of[key]))
        else:
            first_of[key] = index
            order.append(index)
    claimed = yield from _claim(items, order, received_at, database)
    if claimed.version is not None:
        _check_access(items, claimed.version)
    for index in order:
        if index not in claimed.scans:
            outcomes[index] = yield from _replay(items[index])
    fresh = [index for index in order if index in claimed.scans]
    rows = claimed.rows
    rows.update((yield from _read_all(items, [index for index in fresh if index not in rows], database)))
    written: list[_Written] = []
    tally = _Tally()
    for index in fresh:  # in lock order: checkpoint, then badge
        outcome, done = yield from _apply_one(items[index], index, claimed.scans[index], rows[index], tally)
        outcomes[index] = outcome
        written.append(done)
    counts: dict[int, tuple[int, int]] = {}
    for checkpoint_id in sorted({w.item.rules.checkpoint_id for w in written}):
        known = tally.counts(checkpoint_id, claimed.before.get(checkpoint_id))
        if known is None:
            row = one((yield _COUNTS, (checkpoint_id,)))
            known = tally.recounted(
                checkpoint_id, (int(row["inside"]), int(row["admitted"])) if row else (0, 0)
            )
        counts[checkpoint_id] = known
    finished = []
    for done in written:
        inside, admitted = counts[done.item.rules.checkpoint_id]
        answer = _answer(done, schemas.Counts(inside=inside, admitted=admitted, expected=done.item.expected))
        outcomes[done.index].answer = answer
        verdict = done.verdict
        finished.append(
            (
                done.scan_id,
                done.registration_id,
                done.badge_id,
                ScanResult.ok.value if verdict.ok else ScanResult.denied.value,
                verdict.reason.value if verdict.reason else "",
                verdict.detail[:200],
                _server_reason(done),
                answer.decode(),
            )
        )
    if database.array_parameters and finished:
        answers = [(_FINISH_MANY, tuple(list(column) for column in zip(*finished, strict=True)))]
    else:
        answers = [(_FINISH, (*values, scan_id)) for scan_id, *values in finished]
    yield from together(*_admissions(tally, database), *answers)
    for index, first in repeats:
        original = outcomes[first]
        if items[index].fingerprint != items[first].fingerprint:
            outcomes[index] = Outcome(
                scan_id=original.scan_id,
                error=Conflict("This nonce was already used by this device for another scan"),
            )
        else:
            outcomes[index] = Outcome(scan_id=original.scan_id, answer=original.answer, duplicate=True)
    return outcomes


async def apply(items: list[Item]) -> list[Outcome]:
    """Write scans in one transaction (see the module's docstring); one outcome per item, in order."""
    return await statements.run(_apply_program(items, dialect()), generic_plans=True)


async def apply_each(items: list[Item]) -> list[Outcome | BaseException]:
    """:func:`apply`; when the group fails (a deadlock, a race on a nonce), each scan again in a
    transaction of its own. An exception stands for the scan that could not be written."""
    try:
        return list(await apply(items))
    except revocation.AccessChanged as exc:
        return [exc] * len(items)
    except Exception as exc:
        if len(items) > 1:
            logger.info("a group of %d scans failed (%s); writing them one by one", len(items), exc)
    results: list[Outcome | BaseException] = []
    for item in items:
        try:
            results.append((await apply([item]))[0])
        except Exception as exc:
            results.append(exc)
    return results
