"""Badges: issue, reissue and revoke; what scanners need; printing. Signing keys: :mod:`events.badges.keys`.

Every action is one function that runs in ``write_transaction()``, checks its rules, raises a domain
error and writes its audit entry (``badge.issued``, ``badge.reissued``, ``badge.revoked``,
``badge.role_changed``).

* One valid badge per registration at a time: issuing is idempotent (the valid badge is returned);
  a reissue revokes it (kind ``superseded``) and signs version + 1 under a new badge id, so the old
  code is refused from then on. Rows are never deleted: the revocation list is the revoked rows.
* A revoked badge stays revoked: issuing (one, in bulk, before printing) skips a registration whose
  newest badge is revoked, and reading it answers ``410 gone``. Only an explicit reissue signs a
  new version for it.
* Cancelling or rejecting a registration revokes its badge inside the same transaction, through
  ``events.signals.registration_withdrawn`` (connected in ``listeners.py``).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from typing import Any

from events import crypto
from events.api import from_row
from events.audit.services import record
from events.auth.principal import Actor
from events.badges import keys, schemas, tokens
from events.badges.render import BadgeData, EventInfo, date_range, latin_fallback
from events.badges.tables import Badge, BadgeRole
from events.badges.tokens import Reason
from events.clock import now
from events.db import locked, write_transaction
from events.errors import Conflict, Gone, InvalidInput, NotFound
from events.programme import services as programme_services
from events.reference.services import country_name, normalise_country
from events.registration import reading
from events.registration.tables import Registration, RegistrationStatus

UTC = datetime.UTC
#: Badges work from the day before the event (badge pick-up) to the end of its last day.
DAYS_BEFORE = 1
ISSUE_BATCH = 200


# --- shaping ------------------------------------------------------------------------------------------


def _kind(reason: str) -> Reason | None:
    if not reason:
        return None
    head = reason.partition(":")[0].strip()
    try:
        return Reason(head)
    except ValueError:
        return Reason.revoked


def _badge(row: dict) -> schemas.Badge:
    reason = row["revoke_reason"] or ""
    kind = _kind(reason) if row["revoked_at"] is not None else None
    return from_row(
        schemas.Badge,
        row,
        revocation=kind,
        revoke_reason=reason.partition(":")[2].strip() if ":" in reason else "",
    )


def event_info(event: dict) -> EventInfo:
    return EventInfo(
        title=event["title"],
        dates=date_range(event["start_date"], event["end_date"]),
        place=", ".join(part for part in (event["city"], country_name(event["country"])) if part),
    )


def badge_data(registration: dict, badge: dict) -> BadgeData:
    code = registration["country_represented"]
    return BadgeData(
        token=badge["token"],
        given_names=registration["given_names"],
        family_name=registration["family_name"],
        latin_name=registration["latin_name"],
        preferred_name=registration["preferred_name"],
        country_code=code,
        country_name=country_name(code) if code else "",
        institution=registration["institution"],
        role=badge["role"],
    )


def validity(event: dict) -> tuple[datetime.datetime, datetime.datetime]:
    """From midnight (event's zone) of the day before the event to the midnight after its last day."""
    zone = zoneinfo.ZoneInfo(event["time_zone"])
    start = datetime.datetime.combine(
        event["start_date"] - datetime.timedelta(days=DAYS_BEFORE), datetime.time(), zone
    )
    end = datetime.datetime.combine(event["end_date"] + datetime.timedelta(days=1), datetime.time(), zone)
    return start.astimezone(UTC), end.astimezone(UTC)


# --- reading ------------------------------------------------------------------------------------------


async def _current_badge(registration_id: int) -> dict | None:
    return (
        await Badge.select()
        .where(Badge.registration == registration_id, Badge.revoked_at.is_null())
        .order_by(Badge.version, ascending=False)
        .first()
    )


async def _newest_badge(registration_id: int) -> dict | None:
    """The newest version, valid or not: the valid badge when there is one (it is always the newest)."""
    return (
        await Badge.select()
        .where(Badge.registration == registration_id)
        .order_by(Badge.version, ascending=False)
        .first()
    )


def _revocation(row: dict) -> Reason:
    return _kind(row["revoke_reason"]) or Reason.revoked


def _gone(row: dict) -> Gone:
    kind = _revocation(row)
    advice = "; an organiser can reissue it" if kind is Reason.revoked else ""
    return Gone(
        f"This registration's badge (version {row['version']}) was revoked ({kind.value}){advice}",
        badge_id=row["id"],
        version=row["version"],
        revocation=kind.value,
        revoked_at=row["revoked_at"].isoformat(),
    )


async def _readable_badge(registration_id: int) -> dict:
    """The valid badge; a revoked one is ``410 gone`` (it is not "not issued yet")."""
    badge = await _newest_badge(registration_id)
    if badge is None:
        raise NotFound("No badge has been issued for this registration yet")
    if badge["revoked_at"] is not None:
        raise _gone(badge)
    return badge


_ORGANISER_REFUSAL = "Only organisers of this event manage its badges"
_STAFF_REFUSAL = "Only staff and organisers of this event see its badge keys"


async def get_badge(actor: Actor, registration_id: int) -> schemas.Badge:
    """The registration's valid badge: for the participant (magic link) and organisers of the event."""
    registration = await reading.get_registration_row(registration_id)
    reading.check_access(actor, registration)
    return _badge(await _readable_badge(registration_id))


async def own_badge(actor: Actor, registration_id: int) -> tuple[schemas.Badge, BadgeData, EventInfo]:
    """What the e-badge shows: the badge, its printed data and the event."""
    registration = await reading.get_registration_row(registration_id)
    reading.check_access(actor, registration)
    badge = await _readable_badge(registration_id)
    if registration["status"] != RegistrationStatus.approved.value:
        raise NotFound("No badge has been issued for this registration yet")
    event = await programme_services.get_event_row(registration["event"])
    return _badge(badge), badge_data(registration, badge), event_info(event)


async def badge_overview(
    actor: Actor,
    event_id: int,
    *,
    state: schemas.BadgeState | None = None,
    limit: int = 50,
    offset: int = 0,
) -> schemas.BadgeOverview:
    """Organisers: how many registrations have a valid badge, how many approved ones have none yet,
    how many had theirs revoked; one page of them (approved, or with a badge), by family name."""
    actor.require_organiser(event_id, _ORGANISER_REFUSAL)
    await programme_services.get_event_row(event_id)
    newest: dict[int, dict] = {}
    for row in await (
        Badge.select(
            Badge.id,
            Badge.registration,
            Badge.version,
            Badge.role,
            Badge.issued_at,
            Badge.revoked_at,
            Badge.revoke_reason,
        )
        .where(Badge.event == event_id)
        .order_by(Badge.version)
    ):
        newest[row["registration"]] = row
    registrations = await Registration.select(
        Registration.id,
        Registration.reference,
        Registration.given_names,
        Registration.family_name,
        Registration.latin_name,
        Registration.country_represented,
        Registration.status,
    ).where(Registration.event == event_id)
    items: list[schemas.BadgeStateItem] = []
    countries: set[str] = set()
    for registration in registrations:
        badge = newest.get(registration["id"])
        approved = registration["status"] == RegistrationStatus.approved.value
        if approved:
            countries.add(registration["country_represented"])
        if badge is None and not approved:
            continue
        fields: dict[str, Any] = {}
        if badge is None:
            kind = schemas.BadgeState.missing
        else:
            kind = schemas.BadgeState.issued if badge["revoked_at"] is None else schemas.BadgeState.revoked
            reason = badge["revoke_reason"] or ""
            fields = {
                "badge_id": badge["id"],
                "version": badge["version"],
                "role": BadgeRole(badge["role"]),
                "issued_at": badge["issued_at"],
                "revoked_at": badge["revoked_at"],
                "revocation": _revocation(badge) if badge["revoked_at"] is not None else None,
                "revoke_reason": reason.partition(":")[2].strip(),
            }
        items.append(
            schemas.BadgeStateItem(
                registration_id=registration["id"],
                reference=registration["reference"],
                given_names=registration["given_names"],
                family_name=registration["family_name"],
                latin_name=registration["latin_name"],
                country_represented=registration["country_represented"],
                status=registration["status"],
                state=kind,
                **fields,
            )
        )
    counts = {kind: sum(item.state is kind for item in items) for kind in schemas.BadgeState}
    chosen = [item for item in items if state is None or item.state is state]
    chosen.sort(
        key=lambda item: (item.family_name.casefold(), item.given_names.casefold(), item.registration_id)
    )
    return schemas.BadgeOverview(
        issued=counts[schemas.BadgeState.issued],
        missing=counts[schemas.BadgeState.missing],
        revoked=counts[schemas.BadgeState.revoked],
        total=len(chosen),
        items=chosen[offset : offset + limit],
        countries=sorted(countries),
    )


# --- issuing ------------------------------------------------------------------------------------------


async def _sign_new_badge(actor: Actor, registration: dict, event: dict, role: str) -> dict:
    """Insert the next version of the registration's badge and sign its token (in a transaction)."""
    key = await keys.signing_key(actor, event["id"])
    latest = (
        await Badge.select(Badge.version)
        .where(Badge.registration == registration["id"])
        .order_by(Badge.version, ascending=False)
        .first()
    )
    version = (latest["version"] if latest else 0) + 1
    moment = now()
    badge = Badge(
        event=event["id"],
        registration=registration["id"],
        version=version,
        role=role,
        key_id=key["key_id"],
        token="",
        issued_at=moment,
    )
    await badge.save()
    not_before, not_after = validity(event)
    private_key = crypto.decrypt(key["private_key_enc"])
    assert private_key is not None
    token = tokens.issue_token(
        private_key=private_key,
        key_id=key["key_id"],
        event_id=event["id"],
        badge_id=badge.id,
        version=version,
        not_before=not_before,
        not_after=not_after,
    )
    await Badge.update({Badge.token: token}).where(Badge.id == badge.id)
    return await Badge.select().where(Badge.id == badge.id).first()


def _require_approved(registration: dict) -> None:
    if registration["status"] != RegistrationStatus.approved.value:
        raise Conflict(f"Badges are issued for approved registrations; this one is {registration['status']}")


async def issue_badge(
    actor: Actor, registration_id: int, role: BadgeRole | None = None
) -> schemas.BadgeIssued:
    """Version 1 for an approved registration; an existing valid badge is returned as it is (its
    role changed if another is asked for: the code does not carry the role). A revoked badge is not
    replaced here: that takes an explicit :func:`reissue_badge`."""
    registration = await reading.get_registration_row(registration_id)
    actor.require_organiser(registration["event"], _ORGANISER_REFUSAL)
    async with write_transaction():
        registration = await reading.get_registration_row(registration_id, lock=True)
        _require_approved(registration)
        current = await _current_badge(registration_id)
        if current is not None:
            if role is not None and role.value != current["role"]:
                await Badge.update({Badge.role: role.value}).where(Badge.id == current["id"])
                await record(
                    actor,
                    "badge.role_changed",
                    "badge",
                    current["id"],
                    event_id=current["event"],
                    data={"from": current["role"], "to": role.value},
                )
                current = await Badge.select().where(Badge.id == current["id"]).first()
            return schemas.BadgeIssued(badge=_badge(current), created=False)
        newest = await _newest_badge(registration_id)
        if newest is not None:
            raise Conflict(
                f"This registration's badge was revoked ({_revocation(newest).value}); "
                "reissue it explicitly (POST …/badge/reissue) to give it a new one"
            )
        event = await programme_services.get_event_row(registration["event"])
        row = await _sign_new_badge(actor, registration, event, (role or BadgeRole.participant).value)
        await _record_issued(actor, row)
    return schemas.BadgeIssued(badge=_badge(row), created=True)


async def _record_issued(actor: Actor, row: dict) -> None:
    await record(
        actor,
        "badge.issued",
        "badge",
        row["id"],
        event_id=row["event"],
        data={
            "registration_id": row["registration"],
            "version": row["version"],
            "role": row["role"],
            "key_id": row["key_id"],
        },
    )


async def issue_missing(actor: Actor, event_id: int, role: BadgeRole | None = None) -> schemas.BulkIssued:
    """A badge for every approved registration of the event that never had one (batches of 200).
    Registrations whose badge was revoked are skipped and listed: only a reissue brings it back."""
    actor.require_organiser(event_id, _ORGANISER_REFUSAL)
    event = await programme_services.get_event_row(event_id)
    issued = 0
    while True:
        async with write_transaction():
            batch, revoked = await _approved_without_badge(event_id, ISSUE_BATCH)
            for registration in batch:
                row = await _sign_new_badge(actor, registration, event, (role or BadgeRole.participant).value)
                await _record_issued(actor, row)
        issued += len(batch)
        if len(batch) < ISSUE_BATCH:
            break
    existing = await Badge.count().where(Badge.event == event_id, Badge.revoked_at.is_null()) - issued
    skipped = [
        schemas.SkippedRegistration(
            registration_id=row["registration"],
            badge_id=row["id"],
            version=row["version"],
            revocation=_revocation(row),
            revoked_at=row["revoked_at"],
            revoke_reason=row["revoke_reason"].partition(":")[2].strip(),
        )
        for row in revoked.values()
    ]
    return schemas.BulkIssued(issued=issued, existing=existing, skipped=skipped)


async def _revoked_registrations(event_id: int) -> dict[int, dict]:
    """Registrations of the event whose newest badge is revoked, with that badge."""
    newest: dict[int, dict] = {}
    for row in await (
        Badge.select(Badge.id, Badge.registration, Badge.version, Badge.revoked_at, Badge.revoke_reason)
        .where(Badge.event == event_id)
        .order_by(Badge.version)
    ):
        newest[row["registration"]] = row
    return {
        registration_id: row
        for registration_id, row in sorted(newest.items())
        if row["revoked_at"] is not None
    }


async def _approved_without_badge(event_id: int, limit: int) -> tuple[list[dict], dict[int, dict]]:
    """Approved registrations that never had a badge (at most ``limit``), and the revoked ones skipped."""
    with_badge = {
        row["registration"]
        for row in await Badge.select(Badge.registration).where(
            Badge.event == event_id, Badge.revoked_at.is_null()
        )
    }
    rows = await locked(
        Registration.select()
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.approved.value)
        .order_by(Registration.id)
    )
    revoked = await _revoked_registrations(event_id)
    approved_ids = {row["id"] for row in rows}
    missing = [row for row in rows if row["id"] not in with_badge and row["id"] not in revoked]
    return missing[:limit], {key: row for key, row in revoked.items() if key in approved_ids}


async def reissue_badge(
    actor: Actor, registration_id: int, reason: str = "", role: BadgeRole | None = None
) -> schemas.Badge:
    """A lost badge: the valid one is revoked (``superseded``) and version + 1 is signed. The one way
    to give a registration whose badge was revoked a valid badge again (its old code stays refused)."""
    registration = await reading.get_registration_row(registration_id)
    actor.require_organiser(registration["event"], _ORGANISER_REFUSAL)
    async with write_transaction():
        registration = await reading.get_registration_row(registration_id, lock=True)
        _require_approved(registration)
        current = await _newest_badge(registration_id)
        if current is None:
            raise Conflict("This registration has no badge to reissue; issue one")
        if current["revoked_at"] is None:
            await _revoke_rows([current], Reason.superseded, reason)
        event = await programme_services.get_event_row(registration["event"])
        row = await _sign_new_badge(actor, registration, event, (role.value if role else current["role"]))
        await record(
            actor,
            "badge.reissued",
            "badge",
            row["id"],
            event_id=row["event"],
            data={
                "registration_id": registration_id,
                "from_badge_id": current["id"],
                "from_version": current["version"],
                "version": row["version"],
                "reason": reason,
            },
        )
    return _badge(row)


# --- revoking -----------------------------------------------------------------------------------------


async def _revoke_rows(rows: Iterable[dict], kind: Reason, reason: str) -> list[dict]:
    moment = now()
    stored = f"{kind.value}: {reason}" if reason else kind.value
    revoked = []
    for row in rows:
        await Badge.update({Badge.revoked_at: moment, Badge.revoke_reason: stored[:200]}).where(
            Badge.id == row["id"], Badge.revoked_at.is_null()
        )
        revoked.append(row)
    return revoked


def _kind_of_withdrawal(reason: str) -> Reason:
    if reason.startswith("registration cancelled"):
        return Reason.registration_cancelled
    if reason.startswith("registration rejected"):
        return Reason.registration_rejected
    return Reason.revoked


async def revoke_badges_of_registration(
    actor: Actor, registration_id: int, reason: str, *, kind: Reason | None = None
) -> list[int]:
    """Revoke every valid badge of the registration; joins the caller's transaction when one is open
    (a withdrawal, through ``events.signals.registration_withdrawn``), else opens its own. Returns
    the revoked badge ids."""
    kind = kind or _kind_of_withdrawal(reason)
    if kind not in tokens.REVOCATION_KINDS:
        raise ValueError(f"not a revocation kind: {kind}")
    async with write_transaction():
        rows = await locked(
            Badge.select().where(Badge.registration == registration_id, Badge.revoked_at.is_null())
        )
        for row in await _revoke_rows(rows, kind, reason):
            await record(
                actor,
                "badge.revoked",
                "badge",
                row["id"],
                event_id=row["event"],
                data={"registration_id": registration_id, "kind": kind.value, "reason": reason},
            )
    return [row["id"] for row in rows]


async def revoke_badge(actor: Actor, registration_id: int, reason: str = "") -> list[int]:
    """An organiser withdraws the registration's badge without a replacement."""
    registration = await reading.get_registration_row(registration_id)
    actor.require_organiser(registration["event"], _ORGANISER_REFUSAL)
    revoked = await revoke_badges_of_registration(actor, registration_id, reason, kind=Reason.revoked)
    if not revoked:
        raise Conflict("This registration has no valid badge to revoke")
    return revoked


# --- scanners -----------------------------------------------------------------------------------------


async def revocation_list(
    actor: Actor, event_id: int, since: datetime.datetime | None = None
) -> schemas.RevocationList:
    """Badges of the event revoked after ``since`` (all without it); ``as_of`` is the next ``since``."""
    actor.require_staff(event_id, _STAFF_REFUSAL)
    await programme_services.get_event_row(event_id)
    as_of = now()
    clauses = [Badge.event == event_id, Badge.revoked_at.is_not_null(), Badge.revoked_at <= as_of]
    if since is not None:
        if since.tzinfo is None:
            raise InvalidInput.field("since", "give an offset, e.g. 2027-10-12T09:00:00Z")
        # One near year 1 or 9999 overflowed converted to UTC as a parameter.
        clauses.append(Badge.revoked_at > programme_services.to_utc(since, "UTC", field="since"))
    rows = await (
        Badge.select(Badge.id, Badge.version, Badge.revoke_reason, Badge.revoked_at)
        .where(*clauses)
        .order_by(Badge.revoked_at)
        .order_by(Badge.id)
    )
    return schemas.RevocationList(
        event_id=event_id,
        as_of=as_of,
        items=[
            schemas.RevokedBadge(
                badge_id=row["id"],
                version=row["version"],
                kind=_kind(row["revoke_reason"]) or Reason.revoked,
                revoked_at=row["revoked_at"],
            )
            for row in rows
        ],
    )


async def verify_scanned(
    actor: Actor, event_id: int, text: str, at: datetime.datetime | None = None
) -> schemas.Verification:
    """The online verifier: :func:`events.badges.tokens.verify_token` with the event's keys and the
    revocation state of the scanned badge."""
    actor.require_staff(event_id, _STAFF_REFUSAL)
    at = at or now()
    fields = tokens.read_token(text)
    revoked: dict[int, str] = {}
    row = None
    if fields is not None:
        row = await Badge.select().where(Badge.id == fields.badge_id, Badge.event == event_id).first()
        if row is not None and row["revoked_at"] is not None and row["revoked_at"] <= at:
            revoked[row["id"]] = (_kind(row["revoke_reason"]) or Reason.revoked).value
        elif row is None:
            revoked[fields.badge_id] = Reason.revoked.value  # signed, but not a badge we issued
    result = tokens.verify_token(text, await keys.public_keys(event_id), revoked, event_id, at)
    if isinstance(result, tokens.Rejection):
        return schemas.Verification(valid=False, reason=result.reason, detail=result.detail)
    assert row is not None
    return schemas.Verification(
        valid=True,
        badge_id=row["id"],
        registration_id=row["registration"],
        version=row["version"],
        role=BadgeRole(row["role"]),
    )


# --- printing -----------------------------------------------------------------------------------------


async def print_selection(
    actor: Actor,
    event_id: int,
    *,
    status: RegistrationStatus = RegistrationStatus.approved,
    role: BadgeRole | None = None,
    country: str | None = None,
    sort: schemas.SortOrder = schemas.SortOrder.name,
    issue: bool = True,
) -> tuple[EventInfo, list[BadgeData], dict[str, Any]]:
    """The badges to print, in order, with a summary. With ``issue`` (the default), approved
    registrations that never had a badge get one first (each audited as ``badge.issued``).
    Registrations without a valid badge are skipped and counted: ``skipped_revoked`` those whose badge
    was revoked (reissue to print them), ``skipped_without_badge`` the others (not approved)."""
    actor.require_organiser(event_id, _ORGANISER_REFUSAL)
    event = await programme_services.get_event_row(event_id)
    issued = 0
    if issue and status is RegistrationStatus.approved:
        issued = (await issue_missing(actor, event_id)).issued
    clauses = [Registration.event == event_id, Registration.status == status.value]
    if country:
        clauses.append(Registration.country_represented == normalise_country(country, "country"))
    registrations = await Registration.select(
        Registration.id,
        Registration.given_names,
        Registration.family_name,
        Registration.latin_name,
        Registration.preferred_name,
        Registration.country_represented,
        Registration.institution,
    ).where(*clauses)
    badges = {
        row["registration"]: row
        for row in await Badge.select(Badge.registration, Badge.token, Badge.role).where(
            Badge.event == event_id, Badge.revoked_at.is_null()
        )
    }
    revoked = await _revoked_registrations(event_id)
    chosen = []
    skipped = skipped_revoked = 0
    for registration in registrations:
        badge = badges.get(registration["id"])
        if badge is None:
            if registration["id"] in revoked:
                skipped_revoked += 1
            else:
                skipped += 1
            continue
        if role is not None and badge["role"] != role.value:
            continue
        chosen.append((registration, badge))

    def name_key(registration: dict) -> tuple[str, str, int]:
        family = (registration["family_name"] or registration["latin_name"]).casefold()
        return family, registration["given_names"].casefold(), registration["id"]

    if sort is schemas.SortOrder.country:
        chosen.sort(key=lambda pair: (country_name(pair[0]["country_represented"]), *name_key(pair[0])))
    else:
        chosen.sort(key=lambda pair: name_key(pair[0]))
    data = [badge_data(registration, badge) for registration, badge in chosen]
    in_latin = {}
    for (registration, _badge), printed in zip(chosen, data, strict=True):
        if scripts := latin_fallback(printed):
            in_latin[registration["id"]] = scripts
    summary = {
        "badges": len(data),
        "issued": issued,
        "skipped_without_badge": skipped,
        # Registration id -> the scripts no font draws: these badges show the Latin name.
        "names_in_latin": in_latin,
        "skipped_revoked": skipped_revoked,
    }
    return event_info(event), data, summary
