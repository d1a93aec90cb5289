"""The registration workflow: submit from any channel, moderate, cancel, promote from the waiting list.

Every action is one function that runs in ``write_transaction()``, checks its rules, raises a
domain error, writes its audit entry and queues its e-mail in the same transaction.

Capacity: the event row is locked (``FOR UPDATE`` on PostgreSQL; the SQLite write transaction is
exclusive) before seats are counted, so concurrent submissions are decided one after another and
an event is never overbooked. Session seats work the same way on the session row.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import secrets
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
import phonenumbers

from events import crypto, signals
from events.api import from_row
from events.audit.services import record, record_all
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, queue_for, write_transaction
from events.errors import Conflict, FieldError, InvalidInput, NotFound, PermissionDenied
from events.i18n.formatting import format_date_range
from events.notifications.services import queue_email
from events.notifications.templates import email_language, status_word
from events.programme import services as programme_services
from events.programme.tables import Event, Session
from events.reference.services import groups_by_country, groups_of, normalise_country
from events.registration import schemas
from events.registration.tables import (
    ACTIVE_STATUSES,
    Channel,
    Registration,
    RegistrationStatus,
    SessionSignup,
)
from events.settings import get_settings
from events.text import text_errors

UTC = datetime.UTC
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

#: Statuses a registration may move to, and from which.
TRANSITIONS: dict[RegistrationStatus, set[RegistrationStatus]] = {
    RegistrationStatus.approved: {RegistrationStatus.submitted, RegistrationStatus.waitlisted},
    RegistrationStatus.waitlisted: {RegistrationStatus.submitted},
    RegistrationStatus.rejected: {RegistrationStatus.submitted, RegistrationStatus.waitlisted},
    RegistrationStatus.cancelled: {
        RegistrationStatus.submitted,
        RegistrationStatus.approved,
        RegistrationStatus.waitlisted,
    },
}


# --- reading -----------------------------------------------------------------------------------


def _mask(value: str | None, keep: int = 0) -> str | None:
    if not value:
        return None
    return "•" * max(len(value) - keep, 4) + (value[-keep:] if keep else "")


async def get_registration_row(registration_id: int, *, lock: bool = False) -> dict:
    """The registration's row with its JSON columns read; 404 when there is none."""
    query = Registration.select().where(Registration.id == registration_id).output(load_json=True)
    row = await (locked(query) if lock else query).first()
    if row is None:
        raise NotFound(f"No registration with id {registration_id}")
    return row


async def _waitlist_positions(event_id: int) -> dict[int, int]:
    rows = (
        await Registration.select(Registration.id)
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.waitlisted.value)
        .order_by(Registration.status_changed_at)
        .order_by(Registration.id)
    )
    return {row["id"]: position for position, row in enumerate(rows, start=1)}


async def _sessions_of(registration_ids: list[int]) -> dict[int, list[int]]:
    if not registration_ids:
        return {}
    rows = await SessionSignup.select(SessionSignup.registration, SessionSignup.session).where(
        SessionSignup.registration.is_in(registration_ids)
    )
    result: dict[int, list[int]] = {}
    for row in rows:
        result.setdefault(row["registration"], []).append(row["session"])
    return {key: sorted(value) for key, value in result.items()}


def _to_schema(
    row: dict, groups: dict[str, list[str]], sessions: list[int], positions: dict[int, int], zone: str
) -> schemas.Registration:
    def local(value):
        return programme_services.to_local(value, zone)

    return from_row(
        schemas.Registration,
        row,
        country_groups=groups.get(row["country_represented"], []),
        passport_number=("••••" + row["passport_last4"]) if row["passport_number_enc"] else None,
        date_of_birth="••••-••-••" if row["date_of_birth_enc"] else None,
        place_of_birth="••••" if row["place_of_birth_enc"] else None,
        arrival_at=local(row["arrival_at"]),
        departure_at=local(row["departure_at"]),
        accessibility=list(row["accessibility"] or []),
        self_identification=list(row["self_identification"] or []),
        sessions=sessions,
        warnings=list(row["warnings"] or []),
        waitlist_position=positions.get(row["id"]),
        created_at=local(row["created_at"]),
        updated_at=local(row["updated_at"]),
        status_changed_at=local(row["status_changed_at"]),
    )


async def get_registration(registration_id: int) -> schemas.Registration:
    row = await get_registration_row(registration_id)
    event = await programme_services.get_event_row(row["event"])
    country = row["country_represented"]
    groups = {country: [group.value for group in await groups_of(country, event["start_date"])]}
    sessions = (await _sessions_of([registration_id])).get(registration_id, [])
    positions = {}
    if row["status"] == RegistrationStatus.waitlisted:
        ahead = await Registration.count().where(
            Registration.event == row["event"],
            Registration.status == RegistrationStatus.waitlisted.value,
            (Registration.status_changed_at < row["status_changed_at"])
            | ((Registration.status_changed_at == row["status_changed_at"]) & (Registration.id < row["id"])),
        )
        positions = {row["id"]: ahead + 1}
    return _to_schema(row, groups, sessions, positions, event["time_zone"])


def check_access(actor: Actor, row: dict) -> None:
    """The participant (through their magic link) or an organiser of the event; others get 404."""
    if actor.registration_id == row["id"] or actor.organises(row["event"]):
        return
    raise NotFound(f"No registration with id {row['id']}")


async def read_registration(actor: Actor, registration_id: int) -> schemas.Registration:
    check_access(actor, await get_registration_row(registration_id))
    return await get_registration(registration_id)


class ListFilters(msgspec.Struct, kw_only=True):
    status: RegistrationStatus | None = None
    country: str | None = None
    country_group: str | None = None
    gender: schemas.Gender | None = None
    level: schemas.Level | None = None
    needs_visa: bool | None = None
    accessibility: bool | None = None
    search: str | None = None


_SEARCHED_COLUMNS = ("family_name", "given_names", "preferred_name", "email", "reference", "institution")


async def _filtered_rows(event: dict, filters: ListFilters) -> tuple[list[dict], dict[str, list[str]]]:
    groups = await groups_by_country(event["start_date"])
    query = (
        Registration.select()
        .where(Registration.event == event["id"])
        .order_by(Registration.family_name)
        .order_by(Registration.id)
        .output(load_json=True)
    )
    if filters.status:
        query = query.where(Registration.status == filters.status.value)
    if filters.country:
        query = query.where(Registration.country_represented == normalise_country(filters.country))
    if filters.country_group:
        members = [country for country, names in groups.items() if filters.country_group.upper() in names]
        query = query.where(Registration.country_represented.is_in(members or ["---"]))
    if filters.gender:
        query = query.where(Registration.gender == filters.gender.value)
    if filters.level:
        query = query.where(Registration.level == filters.level.value)
    if filters.needs_visa is not None:
        query = query.where(Registration.needs_visa == filters.needs_visa)
    rows = await query
    if filters.search:
        # In Python, not SQL: SQLite's LIKE folds ASCII only (şəhriyar, DÉSIR, Токтогулова would be
        # missed) and the term's % and _ would act as wildcards.
        needle = filters.search.casefold()
        rows = [
            row
            for row in rows
            if any(needle in (row[column] or "").casefold() for column in _SEARCHED_COLUMNS)
        ]
    if filters.accessibility is not None:
        rows = [row for row in rows if bool(row["accessibility"]) == filters.accessibility]
    return rows, groups


async def list_registrations(
    actor: Actor, event_id: int, filters: ListFilters, *, limit: int, offset: int
) -> tuple[list[schemas.Registration], int]:
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event list its registrations")
    event = await programme_services.get_event_row(event_id)
    rows, groups = await _filtered_rows(event, filters)
    page = rows[offset : offset + limit]
    sessions = await _sessions_of([row["id"] for row in page])
    positions = await _waitlist_positions(event_id)
    items = [
        _to_schema(row, groups, sessions.get(row["id"], []), positions, event["time_zone"]) for row in page
    ]
    return items, len(rows)


async def registrations_for_export(
    actor: Actor, event_id: int, filters: ListFilters
) -> list[schemas.Registration]:
    items, _ = await list_registrations(actor, event_id, filters, limit=1_000_000, offset=0)
    return items


async def statistics(actor: Actor, event_id: int) -> schemas.Statistics:
    """The figures UN reporting asks for: by status, country group, gender and level.

    Group, gender and level counts cover approved participants and, separately, everyone active.
    """
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event see its statistics")
    event = await programme_services.get_event_row(event_id)
    rows, groups = await _filtered_rows(event, ListFilters())
    by_status = {status.value: 0 for status in RegistrationStatus}
    by_group: dict[str, dict[str, int]] = {"approved": {}, "active": {}}
    by_gender: dict[str, dict[str, int]] = {"approved": {}, "active": {}}
    by_level: dict[str, dict[str, int]] = {"approved": {}, "active": {}}
    by_country: dict[str, int] = {}
    accessibility: dict[str, int] = {}
    identification: dict[str, int] = {}
    needs_visa = 0

    def bump(table: dict[str, int], key: str) -> None:
        table[key] = table.get(key, 0) + 1

    for row in rows:
        by_status[row["status"]] += 1
        if row["status"] not in {s.value for s in ACTIVE_STATUSES}:
            continue
        scopes = ["active"] + (["approved"] if row["status"] == RegistrationStatus.approved else [])
        country_groups = groups.get(row["country_represented"]) or ["none"]
        for scope in scopes:
            for group in country_groups:
                bump(by_group[scope], group)
            bump(by_gender[scope], row["gender"])
            bump(by_level[scope], row["level"])
        bump(by_country, row["country_represented"])
        needs_visa += bool(row["needs_visa"])
        for need in row["accessibility"] or []:
            bump(accessibility, need)
        for group in row["self_identification"] or []:
            bump(identification, group)
    return schemas.Statistics(
        event_id=event_id,
        total=len(rows),
        by_status=by_status,
        by_country_group=by_group,
        by_gender=by_gender,
        by_level=by_level,
        by_country=dict(sorted(by_country.items())),
        needs_visa=needs_visa,
        accessibility=accessibility,
        self_identification=identification,
    )


async def reveal_sensitive(actor: Actor, registration_id: int) -> schemas.SensitiveData:
    """Passport number, date and place of birth in clear: organisers of the event only, and audited."""
    row = await get_registration_row(registration_id)
    if not actor.organises(row["event"]):
        raise PermissionDenied("Only organisers of this event see passport data")
    async with write_transaction():
        await record(
            actor, "registration.sensitive_viewed", "registration", registration_id, event_id=row["event"]
        )
    date_of_birth = crypto.decrypt(row["date_of_birth_enc"])
    return schemas.SensitiveData(
        registration_id=registration_id,
        passport_number=crypto.decrypt(row["passport_number_enc"]),
        date_of_birth=datetime.date.fromisoformat(date_of_birth) if date_of_birth else None,
        place_of_birth=crypto.decrypt(row["place_of_birth_enc"]),
        purged_at=row["sensitive_purged_at"],
    )


# --- validation --------------------------------------------------------------------------------


def _phone(value: str, country_iso3: str, errors: list[FieldError]) -> str:
    if not value.strip():
        return ""
    import pycountry

    region = getattr(pycountry.countries.get(alpha_3=country_iso3), "alpha_2", None)
    try:
        parsed = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        errors.append(
            FieldError("phone", "not a phone number; use the international format, e.g. +977 1 4211000")
        )
        return ""
    if not phonenumbers.is_valid_number(parsed):
        errors.append(FieldError("phone", "not a valid phone number for its country"))
        return ""
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _event_end(event: dict) -> datetime.datetime:
    return datetime.datetime.combine(
        event["end_date"] + datetime.timedelta(days=1), datetime.time(), tzinfo=ZoneInfo(event["time_zone"])
    )


_ONE_LINE_FIELDS = {
    "given_names",
    "family_name",
    "latin_name",
    "preferred_name",
    "email",
    "phone",
    "passport_number",
}


def _validate(values: dict[str, Any], event: dict) -> tuple[dict[str, Any], list[str]]:
    """Check and convert the participant's fields into column values. Collects every field error."""
    errors: list[FieldError] = []
    out: dict[str, Any] = {}
    warnings: list[str] = []
    errors.extend(text_errors(values, _ONE_LINE_FIELDS))
    for field in ("nationality", "country_represented"):
        if field in values:
            try:
                out[field] = normalise_country(values[field], field)
            except InvalidInput as exc:
                errors.extend(exc.errors)
    country = out.get("country_represented") or values.get("country_represented") or "XXX"
    if "phone" in values:
        out["phone"] = _phone(values["phone"], country, errors)
    for field in (
        "given_names",
        "family_name",
        "latin_name",
        "preferred_name",
        "institution",
        "position",
        "sector",
    ):
        if field in values:
            out[field] = values[field].strip()
            if field in {"family_name", "institution"} and not out[field]:
                errors.append(FieldError(field, "must not be blank"))
    for field in (
        "gender",
        "level",
        "preferred_language",
        "needs_visa",
        "visa_embassy",
        "funding_requested",
        "accessibility_other",
        "dietary",
        "passport_expiry",
    ):
        if field in values:
            value = values[field]
            out[field] = getattr(value, "value", value)
    for field in ("accessibility", "self_identification"):
        if field in values:
            out[field] = sorted({getattr(v, "value", v) for v in values[field]})
    today = now().date()
    if "date_of_birth" in values:
        born = values["date_of_birth"]
        if born is not None and not datetime.date(1900, 1, 1) <= born < today:
            errors.append(FieldError("date_of_birth", "must be a past date"))
        out["date_of_birth_enc"] = crypto.encrypt(born.isoformat()) if born else None
    if "passport_number" in values:
        number = (values["passport_number"] or "").upper() or None
        out["passport_number_enc"] = crypto.encrypt(number)
        out["passport_last4"] = number[-4:] if number else ""
    if "place_of_birth" in values:
        out["place_of_birth_enc"] = crypto.encrypt((values["place_of_birth"] or "").strip() or None)
    zone = event["time_zone"]
    for field in ("arrival_at", "departure_at"):
        if field in values:
            out[field] = programme_services.to_utc(values[field], zone)
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return out, warnings


def _check_whole(row: dict[str, Any], event: dict) -> list[str]:
    """Rules over the merged record (new, or current plus changes); returns warnings for organisers."""
    errors: list[FieldError] = []
    warnings: list[str] = []
    if row.get("needs_visa"):
        for field, column in (
            ("passport_number", "passport_number_enc"),
            ("passport_expiry", "passport_expiry"),
            ("date_of_birth", "date_of_birth_enc"),
        ):
            if not row.get(column) and not row.get("sensitive_purged_at"):
                errors.append(FieldError(field, "is needed for a visa letter"))
    expiry = row.get("passport_expiry")
    if expiry:
        end = event["end_date"]
        if expiry < now().date():
            warnings.append("passport_expired")
        elif expiry <= end:
            warnings.append("passport_expires_before_event_ends")
        elif expiry < end + schemas.PASSPORT_VALIDITY_MARGIN:
            warnings.append("passport_valid_less_than_3_months_after_event")
    arrival, departure = row.get("arrival_at"), row.get("departure_at")
    if arrival and departure and departure <= arrival:
        errors.append(FieldError("departure_at", "must be after arrival_at"))
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    return warnings


def _fingerprint(data: schemas.RegistrationCreate) -> str:
    payload = msgspec.to_builtins(data)
    payload.pop("invitation_token", None)
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def _reference(event_slug: str) -> str:
    code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(7))
    return f"{event_slug.upper()[:14]}-{code}"


# --- seats -------------------------------------------------------------------------------------


async def _lock_event(event_id: int) -> dict:
    row = await locked(Event.select().where(Event.id == event_id)).first()
    if row is None:
        raise NotFound(f"No event with id {event_id}")
    return row


async def _approved_count(event_id: int) -> int:
    return await Registration.count().where(
        Registration.event == event_id, Registration.status == RegistrationStatus.approved.value
    )


async def _take_session_seats(registration_id: int, event_id: int, session_ids: list[int]) -> list[int]:
    """Sign up for optional sessions while seats last; returns the sessions that were full."""
    full: list[int] = []
    wanted = sorted(set(session_ids))
    if not wanted:
        return full
    sessions = await locked(
        Session.select(Session.id, Session.capacity, Session.optional, Session.cancelled).where(
            Session.id.is_in(wanted), Session.event == event_id
        )
    )
    found = {row["id"]: row for row in sessions}
    unknown = [
        sid for sid in wanted if sid not in found or found[sid]["cancelled"] or not found[sid]["optional"]
    ]
    if unknown:
        raise InvalidInput.field("session_ids", f"not optional sessions of this event: {unknown}")
    already = {
        row["session"]
        for row in await SessionSignup.select(SessionSignup.session).where(
            SessionSignup.registration == registration_id
        )
    }
    for session_id in wanted:
        if session_id in already:
            continue
        capacity = found[session_id]["capacity"]
        if capacity is not None:
            taken = await SessionSignup.count().where(SessionSignup.session == session_id)
            if taken >= capacity:
                full.append(session_id)
                continue
        await SessionSignup.insert(
            SessionSignup(registration=registration_id, session=session_id, created_at=now())
        )
    return full


async def _release_session_seats(registration_id: int, keep: set[int] | None = None) -> None:
    query = SessionSignup.delete().where(SessionSignup.registration == registration_id)
    if keep:
        query = query.where(SessionSignup.session.not_in(list(keep)))
    await query


# --- notifications -----------------------------------------------------------------------------


def _manage_link() -> str:
    return f"{get_settings().base_url}/my/registration"


async def notify(kind: str, row: dict, event: dict, *, link: str | None = None, note: str = "") -> None:
    language = row["preferred_language"]
    await queue_email(
        kind,
        to=row["email"],
        language=language,
        context={
            "name": row["preferred_name"] or f"{row['given_names']} {row['family_name']}",
            "event": event["title"],
            "dates": format_date_range(event["start_date"], event["end_date"], email_language(language)),
            "city": event["city"],
            "reference": row["reference"],
            "status": status_word(row["status"], language),
            "link": link or _manage_link(),
            "note": note,
        },
        object_type="registration",
        object_id=row["id"],
    )


_STATUS_MAIL = {
    RegistrationStatus.approved: "registration_approved",
    RegistrationStatus.waitlisted: "registration_waitlisted",
    RegistrationStatus.rejected: "registration_rejected",
    RegistrationStatus.cancelled: "registration_cancelled",
}


# --- submitting --------------------------------------------------------------------------------


async def submit(
    data: schemas.RegistrationCreate,
    *,
    event_id: int,
    channel: Channel,
    actor: Actor | None = None,
    approve_when_seats: bool | None = None,
) -> schemas.RegistrationSubmitted:
    """Create a registration from any channel.

    Re-submitting the same data for the same e-mail returns the existing registration
    (``created`` false); different data for an e-mail that already holds an active registration
    is a conflict. ``approve_when_seats`` overrides the event's moderation (invitations that skip
    moderation, walk-ins); when seats are out the registration is waitlisted.
    """
    from events.registration import access

    if not data.consent:
        raise InvalidInput.field("consent", "consent to the processing of your data is required to register")
    email = data.email.strip().lower()
    fingerprint = _fingerprint(data)
    acting = actor or Actor.system("self-registration")
    # Everything that needs no lock happens first, so the event row is held only for the decision.
    event = await programme_services.get_event_row(event_id)
    if channel is Channel.self_service or channel is Channel.invitation:
        _check_window(event)
    values, _ = _validate(msgspec.to_builtins(data, builtin_types=(datetime.date, datetime.datetime)), event)
    for key in ("consent", "session_ids", "invitation_token", "email"):
        values.pop(key, None)
    moment = now()
    values.update(
        event=event_id,
        email=email,
        channel=channel.value,
        consent_at=moment,
        fingerprint=fingerprint,
        created_at=moment,
        updated_at=moment,
        status_changed_at=moment,
        reference=_reference(event["slug"]),
    )
    values["warnings"] = _check_whole(values, event)
    country = values["country_represented"]
    groups = {country: [group.value for group in await groups_of(country, event["start_date"])]}

    existing_id = None
    async with queue_for(f"event-seats:{event_id}"), write_transaction():
        seats = await locked(
            Event.select(Event.capacity, Event.auto_approve).where(Event.id == event_id)
        ).first()
        if seats is None:
            raise NotFound(f"No event with id {event_id}")
        existing = (
            await Registration.select(Registration.id, Registration.fingerprint)
            .where(
                Registration.event == event_id,
                Registration.email == email,
                Registration.status.is_in([s.value for s in ACTIVE_STATUSES]),
            )
            .first()
        )
        if existing is not None and existing["fingerprint"] != fingerprint:
            raise Conflict(
                f"{email} is already registered for this event; ask for a sign-in link to change the registration",
                registration_reference_hint="POST /api/v1/events/{event_id}/registrations/magic-link",
            )
        if existing is not None:
            existing_id = existing["id"]
        else:
            invitation = None
            if data.invitation_token:
                invitation = await access.redeem_invitation(
                    data.invitation_token, event_id=event_id, email=email
                )
                channel = Channel.invitation
                values["channel"] = channel.value
                if invitation["skip_moderation"]:
                    approve_when_seats = True
            approve = seats["auto_approve"] if approve_when_seats is None else approve_when_seats
            status = RegistrationStatus.submitted
            if approve:
                has_seat = await _approved_count(event_id) < seats["capacity"]
                status = RegistrationStatus.approved if has_seat else RegistrationStatus.waitlisted
            values["status"] = status.value
            registration = Registration(**values)
            await registration.save()
            sessions_full = await _take_session_seats(registration.id, event_id, data.session_ids)
            if invitation is not None:
                await access.mark_invitation_used(invitation["id"], registration.id)
            actions = ["registration.submitted"]
            if status is not RegistrationStatus.submitted:
                actions.append(f"registration.{status.value}")
            await record_all(
                acting,
                actions,
                "registration",
                registration.id,
                event_id=event_id,
                data={"channel": channel.value, "status": status.value},
            )
            row = {**_NEW_ROW_DEFAULTS, **values, "id": registration.id}
            link = await access.issue_magic_link(registration.id)
            await notify("registration_received", row, event, link=link)
            positions = {}
            if status is RegistrationStatus.waitlisted:
                positions[registration.id] = await Registration.count().where(
                    Registration.event == event_id, Registration.status == RegistrationStatus.waitlisted.value
                )
    if existing_id is not None:
        return schemas.RegistrationSubmitted(
            registration=await get_registration(existing_id), created=False, sessions_full=[]
        )
    signed_up = sorted(set(data.session_ids) - set(sessions_full))
    return schemas.RegistrationSubmitted(
        registration=_to_schema(row, groups, signed_up, positions, event["time_zone"]),
        created=True,
        sessions_full=sessions_full,
    )


#: Columns a new registration row has that ``submit`` does not set itself.
_NEW_ROW_DEFAULTS = {"decided_by": None, "decision_note": "", "sensitive_purged_at": None}


def _check_window(event: dict) -> None:
    moment = now()
    opens, closes = event["registration_opens_at"], event["registration_closes_at"]
    if opens and moment < opens:
        raise Conflict(
            f"Registration for this event opens at {programme_services.to_local(opens, event['time_zone'])}"
        )
    if closes and moment >= closes:
        raise Conflict("Registration for this event has closed; ask the organisers for an invitation")


# --- moderation --------------------------------------------------------------------------------


async def _transition(
    actor: Actor,
    registration_id: int,
    target: RegistrationStatus,
    *,
    note: str = "",
    check_seat: bool = False,
) -> dict:
    """Move one registration to ``target`` inside the caller's transaction; returns the new row."""
    current = await get_registration_row(registration_id)
    event = await _lock_event(current["event"])
    status = RegistrationStatus(current["status"])
    if status is target:
        return current
    if status not in TRANSITIONS[target]:
        raise Conflict(f"A {status.value} registration cannot become {target.value}")
    if check_seat and target is RegistrationStatus.approved:
        approved = await _approved_count(event["id"])
        if approved >= event["capacity"]:
            raise Conflict(
                f"The event is full ({approved} of {event['capacity']} seats); waitlist instead, or raise the capacity"
            )
    moment = now()
    await Registration.update(
        {
            Registration.status: target.value,
            Registration.status_changed_at: moment,
            Registration.updated_at: moment,
            Registration.decided_by: actor.user_id,
            Registration.decision_note: note,
        }
    ).where(Registration.id == registration_id)
    if target in {RegistrationStatus.cancelled, RegistrationStatus.rejected}:
        await _release_session_seats(registration_id)
        await signals.registration_withdrawn.send(
            actor, registration_id, f"registration {target.value}" + (f": {note}" if note else "")
        )
    await record(
        actor,
        f"registration.{target.value}",
        "registration",
        registration_id,
        event_id=event["id"],
        data={"from": status.value, "note": note} if note else {"from": status.value},
    )
    row = await get_registration_row(registration_id)
    await notify(_STATUS_MAIL[target], row, event, note=note)
    if status is RegistrationStatus.approved or target is RegistrationStatus.cancelled:
        await promote_waitlisted(event["id"])
    return row


async def approve(actor: Actor, registration_id: int, note: str = "") -> schemas.Registration:
    await _require_organiser_of_registration(actor, registration_id)
    async with write_transaction():
        await _transition(actor, registration_id, RegistrationStatus.approved, note=note, check_seat=True)
    return await get_registration(registration_id)


async def waitlist(actor: Actor, registration_id: int, note: str = "") -> schemas.Registration:
    await _require_organiser_of_registration(actor, registration_id)
    async with write_transaction():
        await _transition(actor, registration_id, RegistrationStatus.waitlisted, note=note)
    return await get_registration(registration_id)


async def reject(actor: Actor, registration_id: int, note: str = "") -> schemas.Registration:
    await _require_organiser_of_registration(actor, registration_id)
    async with write_transaction():
        await _transition(actor, registration_id, RegistrationStatus.rejected, note=note)
    return await get_registration(registration_id)


async def cancel(actor: Actor, registration_id: int, note: str = "") -> schemas.Registration:
    """The participant or an organiser cancels; a freed seat goes to the first on the waiting list."""
    check_access(actor, await get_registration_row(registration_id))
    async with write_transaction():
        await _transition(actor, registration_id, RegistrationStatus.cancelled, note=note)
    return await get_registration(registration_id)


async def _require_organiser_of_registration(actor: Actor, registration_id: int) -> None:
    row = await Registration.select(Registration.event).where(Registration.id == registration_id).first()
    if row is None or not actor.organises(row["event"]):
        raise NotFound(f"No registration with id {registration_id}")


async def promote_waitlisted(event_id: int) -> list[int]:
    """Give free seats to the waiting list, first come first served (inside the caller's transaction)."""
    event = await _lock_event(event_id)
    free = event["capacity"] - await _approved_count(event_id)
    if free <= 0:
        return []
    waiting = (
        await Registration.select(Registration.id)
        .where(Registration.event == event_id, Registration.status == RegistrationStatus.waitlisted.value)
        .order_by(Registration.status_changed_at)
        .order_by(Registration.id)
        .limit(free)
    )
    system = Actor.system("waiting list")
    promoted = []
    for row in waiting:
        moment = now()
        await Registration.update(
            {
                Registration.status: RegistrationStatus.approved.value,
                Registration.status_changed_at: moment,
                Registration.updated_at: moment,
                Registration.decided_by: None,
            }
        ).where(Registration.id == row["id"])
        await record(
            system,
            "registration.promoted",
            "registration",
            row["id"],
            event_id=event_id,
            data={"from": "waitlisted"},
        )
        await notify("registration_approved", await get_registration_row(row["id"]), event)
        promoted.append(row["id"])
    return promoted


async def bulk_decide(
    actor: Actor, event_id: int, action: schemas.BulkAction, registration_ids: list[int], note: str
) -> list[schemas.BulkOutcome]:
    """Apply one decision to many registrations; each succeeds or fails on its own, with its reason."""
    if not actor.organises(event_id):
        raise PermissionDenied("Only organisers of this event decide on its registrations")
    target = {
        schemas.BulkAction.approve: RegistrationStatus.approved,
        schemas.BulkAction.waitlist: RegistrationStatus.waitlisted,
        schemas.BulkAction.reject: RegistrationStatus.rejected,
    }[action]
    outcomes = []
    for registration_id in dict.fromkeys(registration_ids):
        try:
            async with write_transaction():
                row = (
                    await Registration.select(Registration.event)
                    .where(Registration.id == registration_id)
                    .first()
                )
                if row is None or row["event"] != event_id:
                    raise NotFound(f"No registration {registration_id} in this event")
                new = await _transition(
                    actor,
                    registration_id,
                    target,
                    note=note,
                    check_seat=target is RegistrationStatus.approved,
                )
            outcomes.append(
                schemas.BulkOutcome(registration_id, True, RegistrationStatus(new["status"]), None)
            )
        except (Conflict, NotFound) as exc:
            outcomes.append(schemas.BulkOutcome(registration_id, False, None, exc.detail))
    return outcomes


# --- editing -----------------------------------------------------------------------------------


def edit_deadline(event: dict) -> datetime.datetime:
    """Participants may edit until registration closes, or else until the event starts."""
    return event["registration_closes_at"] or datetime.datetime.combine(
        event["start_date"], datetime.time(), tzinfo=ZoneInfo(event["time_zone"])
    )


async def update(
    actor: Actor, registration_id: int, data: schemas.RegistrationUpdate
) -> schemas.Registration:
    current = await get_registration_row(registration_id)
    check_access(actor, current)
    changes = {
        name: getattr(data, name)
        for name in data.__struct_fields__
        if getattr(data, name) is not msgspec.UNSET
    }
    async with write_transaction():
        current = await get_registration_row(registration_id)
        event = await programme_services.get_event_row(current["event"])
        if not actor.organises(current["event"]):
            if now() >= edit_deadline(event):
                raise Conflict("The deadline for changes has passed; write to the organisers")
            if current["status"] not in {s.value for s in ACTIVE_STATUSES}:
                raise Conflict(f"A {current['status']} registration cannot be changed")
        session_ids = changes.pop("session_ids", None)
        values, _ = _validate(
            {k: (msgspec.to_builtins(v) if isinstance(v, list) else v) for k, v in changes.items()}, event
        )
        merged = {**current, **values}
        values["warnings"] = _check_whole(merged, event)
        values["updated_at"] = now()
        await Registration.update(values).where(Registration.id == registration_id)
        if session_ids is not None:
            await _release_session_seats(registration_id, keep=set(session_ids))
            full = await _take_session_seats(registration_id, current["event"], session_ids)
            if full:
                raise Conflict(f"These sessions are full: {full}", sessions_full=full)
        await record(
            actor,
            "registration.updated",
            "registration",
            registration_id,
            event_id=current["event"],
            data={"fields": sorted(changes) + (["session_ids"] if session_ids is not None else [])},
        )
    return await get_registration(registration_id)


# --- retention ---------------------------------------------------------------------------------


async def purge_sensitive(
    actor: Actor, *, today: datetime.date | None = None, dry_run: bool = False
) -> dict[int, int]:
    """Erase passport numbers, dates and places of birth once an event ended more than the retention
    period ago, and let other areas erase their copies (:data:`events.signals.sensitive_data_purged`,
    sent for every such event, so copies left by an earlier purge go too). Returns the number of
    registrations purged per event."""
    settings = get_settings()
    cutoff = (today or now().date()) - datetime.timedelta(days=settings.sensitive_retention_days)
    events = await Event.select(Event.id).where(Event.end_date < cutoff)
    result: dict[int, int] = {}
    for event in events:
        holding = (
            Registration.event == event["id"],
            (
                Registration.passport_number_enc.is_not_null()
                | Registration.date_of_birth_enc.is_not_null()
                | Registration.place_of_birth_enc.is_not_null()
            ),
        )
        count = await Registration.count().where(*holding)
        if count:
            result[event["id"]] = count
        if dry_run:
            continue
        async with write_transaction():
            await signals.sensitive_data_purged.send(actor, event["id"])
            if not count:
                continue
            await Registration.update(
                {
                    Registration.passport_number_enc: None,
                    Registration.date_of_birth_enc: None,
                    Registration.place_of_birth_enc: None,
                    Registration.passport_last4: "",
                    Registration.sensitive_purged_at: now(),
                }
            ).where(*holding)
            await record(
                actor,
                "registration.sensitive_purged",
                "event",
                event["id"],
                event_id=event["id"],
                data={"registrations": count, "retention_days": settings.sensitive_retention_days},
            )
    return result


async def rotate_data_key(actor: Actor) -> int:
    """Re-encrypt every stored sensitive value with the newest key of DATA_ENCRYPTION_KEYS."""
    rows = await Registration.select(
        Registration.id,
        Registration.passport_number_enc,
        Registration.date_of_birth_enc,
        Registration.place_of_birth_enc,
    ).where(
        Registration.passport_number_enc.is_not_null()
        | Registration.date_of_birth_enc.is_not_null()
        | Registration.place_of_birth_enc.is_not_null()
    )
    for start in range(0, len(rows), 200):
        async with write_transaction():
            for row in rows[start : start + 200]:
                await Registration.update(
                    {
                        Registration.passport_number_enc: crypto.rotate(row["passport_number_enc"]),
                        Registration.date_of_birth_enc: crypto.rotate(row["date_of_birth_enc"]),
                        Registration.place_of_birth_enc: crypto.rotate(row["place_of_birth_enc"]),
                    }
                ).where(Registration.id == row["id"])
    async with write_transaction():
        await record(actor, "registration.data_key_rotated", "registration", "*", data={"rows": len(rows)})
    return len(rows)
