"""Check-in: checkpoints (organisers), the offline kit and the name lookup (staff), the live view,
conflicts and the scan log (organisers). Scanning itself is in :mod:`events.checkin.scanning` and :mod:`events.checkin.sync`.

Audited: ``checkin.checkpoint_created``, ``checkin.checkpoint_updated``,
``checkin.checkpoint_deleted``, ``checkin.conflict_resolved`` and, once per offline sync,
``checkin.synced``. Every scan is its own record (``checkin_scan``: who, where, when, which device).
"""

from __future__ import annotations

import datetime
from typing import Any

import msgspec

from events.api import from_row
from events.audit.services import record
from events.auth.principal import Actor
from events.badges import services as badge_services
from events.checkin import config, people, rules, schemas
from events.checkin.rules import Reason
from events.checkin.tables import Admits, CheckinConflict, Checkpoint, CheckpointKind, Direction, Scan
from events.clock import now
from events.db import locked, statements, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound
from events.programme import services as programme_services
from events.programme.services import to_local, to_utc
from events.programme.tables import Session

UTC = datetime.UTC
#: The kit's ``since`` reaches back this far, so a change committed while a kit was being read is
#: sent again next time rather than missed (applying it twice changes nothing).
KIT_OVERLAP = datetime.timedelta(seconds=10)
KIT_FORMAT = 1
DEFAULT_ADMITS = {
    CheckpointKind.venue_entrance: Admits.event,
    CheckpointKind.session_room: Admits.session,
    CheckpointKind.visit_bus: Admits.visit,
    CheckpointKind.help_desk: Admits.event,
}


def instant(value: Any) -> datetime.datetime | None:
    """A timestamp from an aggregate (SQLite hands those back as text)."""
    if value is None or isinstance(value, datetime.datetime):
        return value
    parsed = datetime.datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


# --- checkpoints ---------------------------------------------------------------------------------------


async def _rules_row(checkpoint_id: int, event_id: int) -> rules.Rules:
    found = await config.load_rules(event_id, checkpoint_id)
    if found is None:
        raise NotFound(f"Event {event_id} has no checkpoint {checkpoint_id}")
    return found


def _checkpoint(row: dict, found: rules.Rules) -> schemas.Checkpoint:
    zone = found.time_zone
    return from_row(
        schemas.Checkpoint,
        row,
        opens_at=to_local(row["opens_at"], zone),
        closes_at=to_local(row["closes_at"], zone),
        window=schemas.Window(
            opens_at=to_local(found.opens_at, zone),
            closes_at=to_local(found.closes_at, zone),
            source=found.window_source,
        ),
        created_at=to_local(row["created_at"], zone),
        updated_at=to_local(row["updated_at"], zone),
    )


async def _shaped(row: dict) -> schemas.Checkpoint:
    found = await _rules_row(row["id"], row["event"])
    return _checkpoint(row, found)


async def list_checkpoints(actor: Actor, event_id: int) -> list[schemas.Checkpoint]:
    """Staff pick theirs from this list; organisers manage it."""
    actor.require_staff(event_id)
    await programme_services.get_event_row(event_id)
    rows = await Checkpoint.select().where(Checkpoint.event == event_id).order_by(Checkpoint.id)
    return [await _shaped(row) for row in rows]


async def get_checkpoint(actor: Actor, event_id: int, checkpoint_id: int) -> schemas.Checkpoint:
    actor.require_staff(event_id)
    return await _shaped(await _row(event_id, checkpoint_id))


async def _row(event_id: int, checkpoint_id: int, *, lock: bool = False) -> dict:
    query = Checkpoint.select().where(Checkpoint.id == checkpoint_id, Checkpoint.event == event_id)
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"Event {event_id} has no checkpoint {checkpoint_id}")
    return row


async def _check(values: dict[str, Any], event: dict) -> None:
    """The rules of a checkpoint's values (after defaults); raises one 422 naming every bad field."""
    errors: list[tuple[str, str]] = []
    admits = Admits(values["admits"])
    session_id = values.get("session")
    if session_id is not None:
        session = (
            await Session.select(Session.id)
            .where(Session.id == session_id, Session.event == event["id"])
            .first()
        )
        if session is None:
            errors.append(("session_id", f"event {event['id']} has no session {session_id}"))
    if admits is Admits.session and session_id is None:
        errors.append(("session_id", "a checkpoint that admits a session's people needs the session"))
    if admits is Admits.visit or values.get("visit_checkpoint"):
        if not values.get("visit_checkpoint"):
            errors.append(
                ("visit_checkpoint", "a visit bus needs the visit checkpoint ({slot key}.{vehicle key})")
            )
        elif await config.visit_trip(event["id"], values["visit_checkpoint"]) is None:
            errors.append(
                (
                    "visit_checkpoint",
                    f"event {event['id']} has no visit checkpoint {values['visit_checkpoint']!r} "
                    "(see GET /api/v1/events/{id}/visits/checkpoints)",
                )
            )
    opens, closes = values.get("opens_at"), values.get("closes_at")
    if opens is not None and closes is not None and closes <= opens:
        errors.append(("closes_at", "must be after opens_at"))
    if errors:
        raise InvalidInput(
            "; ".join(f"{name}: {message}" for name, message in errors),
            errors=[FieldError(name, message) for name, message in errors],
        )


def _values(data: dict[str, Any], zone: str) -> dict[str, Any]:
    """Request fields → column values (``session_id`` → ``session``; local times → UTC)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == "session_id":
            out["session"] = value
        elif key in {"opens_at", "closes_at"}:
            try:
                out[key] = to_utc(value, zone)
            except (OverflowError, ValueError) as exc:
                raise InvalidInput.field(key, "not a valid instant") from exc
        elif isinstance(value, msgspec.Struct):
            out[key] = msgspec.to_builtins(value)
        else:
            out[key] = value.value if hasattr(value, "value") else value
    return out


async def create_checkpoint(
    actor: Actor, event_id: int, data: schemas.CheckpointCreate
) -> schemas.Checkpoint:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    values = _values(msgspec.to_builtins(data, builtin_types=(datetime.datetime,)), event["time_zone"])
    values["admits"] = (data.admits or DEFAULT_ADMITS[data.kind]).value
    await _check(values, event)
    moment = now()
    async with write_transaction():
        row = Checkpoint(event=event_id, created_at=moment, updated_at=moment, **values)
        await row.save()
        await record(
            actor,
            "checkin.checkpoint_created",
            "checkpoint",
            row.id,
            event_id=event_id,
            data={"name": values["name"], "kind": values["kind"], "admits": values["admits"]},
        )
    config.forget(row.id)
    return await _shaped(await _row(event_id, row.id))


async def update_checkpoint(
    actor: Actor, event_id: int, checkpoint_id: int, data: schemas.CheckpointUpdate
) -> schemas.Checkpoint:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    changes = _values(
        {key: value for key, value in msgspec.structs.asdict(data).items() if value is not msgspec.UNSET},
        event["time_zone"],
    )
    async with write_transaction():
        current = await _row(event_id, checkpoint_id, lock=True)
        merged = {**current, **changes}
        await _check(merged, event)
        if changes:
            changes["updated_at"] = now()
            await Checkpoint.update(
                {getattr(Checkpoint, key): value for key, value in changes.items()}
            ).where(Checkpoint.id == checkpoint_id)
            await record(
                actor,
                "checkin.checkpoint_updated",
                "checkpoint",
                checkpoint_id,
                event_id=event_id,
                data={key: _plain(value) for key, value in changes.items() if key != "updated_at"},
            )
    config.forget(checkpoint_id)
    return await _shaped(await _row(event_id, checkpoint_id))


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime.datetime) else value


async def delete_checkpoint(actor: Actor, event_id: int, checkpoint_id: int) -> None:
    """Only a checkpoint nothing was scanned at; otherwise close it (``active: false``)."""
    actor.require_organiser(event_id)
    async with write_transaction():
        row = await _row(event_id, checkpoint_id, lock=True)
        scans = await Scan.count().where(Scan.checkpoint == checkpoint_id)
        if scans:
            raise Conflict(f"{scans} scan(s) were made at this checkpoint; close it instead (active: false)")
        await Checkpoint.delete().where(Checkpoint.id == checkpoint_id)
        await record(
            actor,
            "checkin.checkpoint_deleted",
            "checkpoint",
            checkpoint_id,
            event_id=event_id,
            data={"name": row["name"]},
        )
    config.forget(checkpoint_id)


# --- the offline kit -------------------------------------------------------------------------------------


def _kit_rules(found: rules.Rules) -> schemas.KitRules:
    return schemas.KitRules(
        checkpoint_id=found.checkpoint_id,
        event_id=found.event_id,
        name=found.name,
        kind=found.kind,
        admits=found.admits,
        session_optional=found.session_optional,
        session_cancelled=found.session_cancelled,
        opens_at=found.opens_at,
        closes_at=found.closes_at,
        tracks_exit=found.tracks_exit,
        single_entry=found.single_entry,
        active=found.active,
    )


def _changed_sql(found: rules.Rules) -> tuple[str, tuple]:
    """Registrations whose display, badge or admission changed after a moment (one ``?`` per use)."""
    parts = [
        "r.updated_at > ?",
        "EXISTS (SELECT 1 FROM badge y WHERE y.registration = r.id "
        "AND (y.issued_at > ? OR y.revoked_at > ?))",
    ]
    args: list[Any] = []
    if found.admits is Admits.session and found.session_optional:
        parts.append(
            "EXISTS (SELECT 1 FROM session_signup x WHERE x.registration = r.id AND x.session = ? "
            "AND x.created_at > ?)"
        )
        args.append(found.session_id)
    elif found.admits is Admits.visit and found.visit_slot_id is not None:
        parts.append(
            "EXISTS (SELECT 1 FROM visit_assignment x WHERE x.registration = r.id AND x.slot = ? "
            "AND x.vehicle = ? AND x.updated_at > ?)"
        )
        args.extend((found.visit_slot_id, found.visit_vehicle_id))
    return "(" + " OR ".join(parts) + ")", tuple(args)


async def kit(
    actor: Actor, event_id: int, checkpoint_id: int, since: datetime.datetime | None = None
) -> schemas.Kit:
    """What a device needs to decide alone at this checkpoint; with ``since`` (the last ``as_of``),
    only the revocations and people that changed, plus the lists that are always whole."""
    actor.require_staff(event_id)
    if since is not None and since.tzinfo is None:
        raise InvalidInput.field("since", "give an offset, e.g. 2027-10-12T09:00:00Z")
    found = await _rules_row(checkpoint_id, event_id)
    as_of = now()
    cut = since - KIT_OVERLAP if since is not None else None
    keys = await badge_services.public_keys(event_id)
    revoked_sql = "SELECT id, revoke_reason, revoked_at FROM badge WHERE event = ? AND revoked_at IS NOT NULL"
    revoked_args: tuple = (event_id,)
    if cut is not None:
        revoked_sql += " AND revoked_at > ?"
        revoked_args += (cut,)
    revoked = []
    for row in await statements.fetch(revoked_sql + " ORDER BY revoked_at, id", *revoked_args):
        kind = rules.revocations_of(
            {"badge_id": row["id"], "revoked_at": row["revoked_at"], "revoke_reason": row["revoke_reason"]},
            row["revoked_at"],
        )[row["id"]]
        revoked.append(schemas.KitRevoked(badge_id=row["id"], kind=kind, revoked_at=row["revoked_at"]))
    condition, condition_args = config.eligible_sql(found)
    # Plain per-table queries joined here: a join the planner misjudges (fresh tables without
    # statistics) would make a kit of a few thousand people take seconds.
    base = f"FROM registration r WHERE r.event = ? AND r.status = 'approved' AND {condition}"
    allowed = [
        row["id"]
        for row in await statements.fetch(f"SELECT r.id {base} ORDER BY r.id", event_id, *condition_args)
    ]
    people_sql = f"SELECT {people.COLUMNS} {base}"
    people_args: tuple = (event_id, *condition_args)
    if cut is not None:
        changed, changed_args = _changed_sql(found)
        people_sql += f" AND {changed}"
        people_args += (cut, cut, cut, *changed_args) + ((cut,) if changed_args else ())
    valid = {
        row["registration"]: row
        for row in await statements.fetch(
            "SELECT id, registration, role FROM badge WHERE event = ? AND revoked_at IS NULL ORDER BY version",
            event_id,
        )
    }
    persons = []
    for row in await statements.fetch(people_sql + " ORDER BY r.id", *people_args):
        held = valid.get(row["registration_id"])
        persons.append(people.kit_person(row, held["id"] if held else 0, held["role"] if held else None))
    presence = await statements.fetch(
        "SELECT registration, inside FROM checkin_presence WHERE checkpoint = ? ORDER BY registration",
        checkpoint_id,
    )
    admitted = [row["registration"] for row in presence]
    inside = [row["registration"] for row in presence if statements.boolean(row["inside"])]
    return schemas.Kit(
        format=KIT_FORMAT,
        event_id=event_id,
        time_zone=found.time_zone,
        as_of=as_of,
        full=since is None,
        rules=_kit_rules(found),
        keys=[
            schemas.KitKey(key_id=k.key_id, public_key=k.public_key, retired_at=k.retired_at) for k in keys
        ],
        revoked=revoked,
        allowed=allowed,
        people=persons,
        admitted=admitted,
        inside=inside,
        counts=schemas.Counts(inside=len(inside), admitted=len(admitted), expected=len(allowed)),
        messages={reason.value: text for reason, text in rules.MESSAGES.items()},
    )


# --- looking someone up (no badge) --------------------------------------------------------------------


async def lookup(
    actor: Actor, event_id: int, checkpoint_id: int, query: str, limit: int = 20
) -> list[schemas.LookupItem]:
    """People of the event whose name or reference contains ``query``, with whether they may pass
    here now; admit one with a scan that gives ``registration_id``."""
    actor.require_staff(event_id)
    found = await _rules_row(checkpoint_id, event_id)
    text = "".join(ch for ch in query.strip() if ch not in "%_\\")
    if len(text) < 2:
        raise InvalidInput.field("q", "type at least two letters of a name or the reference")
    pattern = f"%{text.lower()}%"
    condition, condition_args = config.eligible_sql(found)
    badge = (
        "FROM badge b WHERE b.registration = r.id AND b.revoked_at IS NULL ORDER BY b.version DESC LIMIT 1"
    )
    here = "FROM checkin_presence p WHERE p.registration = r.id AND p.checkpoint = ?"
    rows = await statements.fetch(
        f"SELECT r.status, {people.COLUMNS}, {condition} AS eligible, "  # noqa: S608
        f"(SELECT b.id {badge}) AS badge_id, (SELECT b.role {badge}) AS role, "
        f"(SELECT p.inside {here}) AS inside, (SELECT p.entries {here}) AS entries "
        "FROM registration r WHERE r.event = ? AND (LOWER(r.given_names) LIKE ? OR LOWER(r.family_name) LIKE ? "
        "OR LOWER(r.preferred_name) LIKE ? OR LOWER(r.reference) LIKE ?) "
        "ORDER BY r.family_name, r.given_names, r.id LIMIT ?",
        *condition_args,
        checkpoint_id,
        checkpoint_id,
        event_id,
        pattern,
        pattern,
        pattern,
        pattern,
        limit,
    )
    moment = now()
    out = []
    for row in rows:
        verdict = rules.check_person(
            found,
            status=row["status"],
            eligible=statements.boolean(row["eligible"]),
            direction=Direction.entry,
            at=moment,
        )
        admitted = bool(row["entries"])
        inside = statements.boolean(row["inside"])
        if verdict.ok and ((found.single_entry and admitted) or (found.tracks_exit and inside)):
            verdict = rules.Verdict(False, Reason.already_inside)
        out.append(
            schemas.LookupItem(
                person=people.person(row, row["role"]),
                status=row["status"],
                has_badge=row["badge_id"] is not None,
                may_pass=verdict.ok,
                reason=verdict.reason,
                message=rules.message(verdict, Direction.entry),
                admitted=admitted,
                inside=inside,
            )
        )
    return out


# --- organisers: scans, live view, conflicts ---------------------------------------------------------


async def _names(user_ids: set[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    from events.auth.tables import User

    rows = await User.select(User.id, User.username).where(User.id.is_in(sorted(user_ids)))
    return {row["id"]: row["username"] for row in rows}


async def _people(registration_ids: set[int]) -> dict[int, schemas.Person]:
    if not registration_ids:
        return {}
    ids = sorted(registration_ids)
    marks = ", ".join("?" for _ in ids)
    rows = await statements.fetch(
        f"SELECT {people.COLUMNS}, (SELECT b.role FROM badge b WHERE b.registration = r.id "  # noqa: S608
        f"ORDER BY b.revoked_at IS NULL DESC, b.version DESC LIMIT 1) AS role "
        f"FROM registration r WHERE r.id IN ({marks})",
        *ids,
    )
    return {row["registration_id"]: people.person(row, row["role"]) for row in rows}


async def list_scans(
    actor: Actor,
    event_id: int,
    *,
    checkpoint_id: int | None,
    result: str | None,
    registration_id: int | None,
    device_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[schemas.ScanRow], int]:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    clauses = [Scan.event == event_id]
    if checkpoint_id is not None:
        clauses.append(Scan.checkpoint == checkpoint_id)
    if result:
        clauses.append(Scan.result == result)
    if registration_id is not None:
        clauses.append(Scan.registration == registration_id)
    if device_id:
        clauses.append(Scan.device_id == device_id)
    rows = await (
        Scan.select(
            *Scan.all_columns(exclude=[Scan.answer, Scan.fingerprint]),
            Scan.checkpoint.name.as_alias("checkpoint_name"),
        )
        .where(*clauses)
        .order_by(Scan.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    total = await Scan.count().where(*clauses)
    names = await _names({row["scanned_by"] for row in rows if row["scanned_by"]})
    zone = event["time_zone"]
    return [
        from_row(
            schemas.ScanRow,
            row,
            checkpoint=schemas.CheckpointRef(id=row["checkpoint"], name=row["checkpoint_name"]),
            scanned_by=names.get(row["scanned_by"]),
            scanned_at=to_local(row["scanned_at"], zone),
            received_at=to_local(row["received_at"], zone),
        )
        for row in rows
    ], total


async def _conflicts(
    event_id: int, zone: str, clauses: list, limit: int, offset: int
) -> list[schemas.Conflict]:
    rows = await (
        CheckinConflict.select(
            *CheckinConflict.all_columns(), CheckinConflict.checkpoint.name.as_alias("checkpoint_name")
        )
        .where(CheckinConflict.event == event_id, *clauses)
        .order_by(CheckinConflict.id, ascending=False)
        .limit(limit)
        .offset(offset)
    )
    scan_ids = {row["first_scan"] for row in rows if row["first_scan"]} | {row["second_scan"] for row in rows}
    scans = {
        row["id"]: row
        for row in (
            await Scan.select(Scan.id, Scan.scanned_at, Scan.device_id, Scan.mode, Scan.scanned_by).where(
                Scan.id.is_in(sorted(scan_ids))
            )
            if scan_ids
            else []
        )
    }
    names = await _names(
        {s["scanned_by"] for s in scans.values() if s["scanned_by"]}
        | {r["resolved_by"] for r in rows if r["resolved_by"]}
    )
    persons = await _people({row["registration"] for row in rows if row["registration"]})

    def side(scan_id: int | None) -> schemas.ScanSide | None:
        scan = scans.get(scan_id) if scan_id else None
        if scan is None:
            return None
        return schemas.ScanSide(
            scan_id=scan["id"],
            scanned_at=to_local(scan["scanned_at"], zone),  # type: ignore[arg-type]
            device_id=scan["device_id"],
            mode=scan["mode"],
            scanned_by=names.get(scan["scanned_by"]),
        )

    out = []
    for row in rows:
        second = side(row["second_scan"])
        assert second is not None
        out.append(
            schemas.Conflict(
                id=row["id"],
                kind=row["kind"],
                checkpoint=schemas.CheckpointRef(id=row["checkpoint"], name=row["checkpoint_name"]),
                person=persons.get(row["registration"]),
                first=side(row["first_scan"]),
                second=second,
                detail=row["detail"],
                detected_at=to_local(row["detected_at"], zone),  # type: ignore[arg-type]
                resolved_at=to_local(row["resolved_at"], zone),
                resolved_by=names.get(row["resolved_by"]),
                resolution_note=row["resolution_note"],
            )
        )
    return out


def _message(reason: str) -> str:
    try:
        return rules.MESSAGES[Reason(reason)]
    except ValueError:
        return "Refused"


def _status_clauses(status: str) -> list:
    if status == "open":
        return [CheckinConflict.resolved_at.is_null()]
    if status == "resolved":
        return [CheckinConflict.resolved_at.is_not_null()]
    return []


async def list_conflicts(
    actor: Actor, event_id: int, *, status: str, limit: int, offset: int
) -> tuple[list[schemas.Conflict], int]:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    clauses = _status_clauses(status)
    items = await _conflicts(event_id, event["time_zone"], clauses, limit, offset)
    total = await CheckinConflict.count().where(CheckinConflict.event == event_id, *clauses)
    return items, total


async def resolve_conflict(actor: Actor, event_id: int, conflict_id: int, note: str) -> schemas.Conflict:
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    async with write_transaction():
        row = await locked(
            CheckinConflict.select().where(
                CheckinConflict.id == conflict_id, CheckinConflict.event == event_id
            )
        ).first()
        if row is None:
            raise NotFound(f"Event {event_id} has no check-in conflict {conflict_id}")
        if row["resolved_at"] is not None:
            raise Conflict("This conflict is already resolved")
        await CheckinConflict.update(
            {
                CheckinConflict.resolved_at: now(),
                CheckinConflict.resolved_by: actor.user_id,
                CheckinConflict.resolution_note: note,
            }
        ).where(CheckinConflict.id == conflict_id)
        await record(
            actor,
            "checkin.conflict_resolved",
            "checkin_conflict",
            conflict_id,
            event_id=event_id,
            data={"kind": row["kind"], "registration_id": row["registration"], "note": note},
        )
    (item,) = await _conflicts(event_id, event["time_zone"], [CheckinConflict.id == conflict_id], 1, 0)
    return item


async def live(actor: Actor, event_id: int, *, denials: int = 20, conflicts: int = 20) -> schemas.Live:
    """Per checkpoint: inside now, admitted, expected, refused, last scan; the latest refusals; the
    open conflicts."""
    actor.require_organiser(event_id)
    event = await programme_services.get_event_row(event_id)
    zone = event["time_zone"]
    checkpoints = await Checkpoint.select().where(Checkpoint.event == event_id).order_by(Checkpoint.id)
    presence = {
        row["checkpoint"]: row
        for row in await statements.fetch(
            "SELECT p.checkpoint, COUNT(*) AS admitted, COALESCE(SUM(CASE WHEN p.inside THEN 1 ELSE 0 END), 0) AS inside "
            "FROM checkin_presence p JOIN checkin_checkpoint c ON c.id = p.checkpoint WHERE c.event = ? "
            "GROUP BY p.checkpoint",
            event_id,
        )
    }
    scans = {
        row["checkpoint"]: row
        for row in await statements.fetch(
            "SELECT checkpoint, COALESCE(SUM(CASE WHEN result = 'denied' THEN 1 ELSE 0 END), 0) AS denied, "
            "MAX(scanned_at) AS last_scan_at FROM checkin_scan WHERE event = ? GROUP BY checkpoint",
            event_id,
        )
    }
    items = []
    for row in checkpoints:
        found = await config.rules(event_id, row["id"])
        counts = presence.get(row["id"], {})
        scanned = scans.get(row["id"], {})
        items.append(
            schemas.CheckpointLive(
                id=row["id"],
                name=row["name"],
                kind=CheckpointKind(row["kind"]),
                active=row["active"],
                inside=int(counts.get("inside") or 0),
                admitted=int(counts.get("admitted") or 0),
                expected=await config.expected(found) if found is not None else 0,
                denied=int(scanned.get("denied") or 0),
                last_scan_at=to_local(instant(scanned.get("last_scan_at")), zone),
            )
        )
    names = {row["id"]: row["name"] for row in checkpoints}
    denied_rows = await (
        Scan.select(
            Scan.id,
            Scan.scanned_at,
            Scan.checkpoint,
            Scan.reason,
            Scan.detail,
            Scan.registration,
            Scan.device_id,
            Scan.mode,
        )
        .where(Scan.event == event_id, Scan.result == "denied")
        .order_by(Scan.id, ascending=False)
        .limit(denials)
    )
    persons = await _people({row["registration"] for row in denied_rows if row["registration"]})
    recent = [
        schemas.Denial(
            scan_id=row["id"],
            scanned_at=to_local(row["scanned_at"], zone),  # type: ignore[arg-type]
            checkpoint=schemas.CheckpointRef(id=row["checkpoint"], name=names.get(row["checkpoint"], "")),
            reason=row["reason"],
            message=_message(row["reason"]),
            detail=row["detail"],
            person=persons.get(row["registration"]),
            device_id=row["device_id"],
            mode=row["mode"],
        )
        for row in denied_rows
    ]
    open_clauses = _status_clauses("open")
    return schemas.Live(
        event_id=event_id,
        as_of=to_local(now(), zone),  # type: ignore[arg-type]
        checkpoints=items,
        recent_denials=recent,
        open_conflicts=await CheckinConflict.count().where(CheckinConflict.event == event_id, *open_clauses),
        conflicts=await _conflicts(event_id, zone, open_clauses, conflicts, 0),
    )


__all__ = [
    "create_checkpoint",
    "delete_checkpoint",
    "get_checkpoint",
    "kit",
    "list_checkpoints",
    "list_conflicts",
    "list_scans",
    "live",
    "lookup",
    "resolve_conflict",
    "update_checkpoint",
]
