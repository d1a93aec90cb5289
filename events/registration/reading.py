"""Reading registrations: one, a filtered list, the export, the statistics, and (audited) the
sensitive data in clear."""

from __future__ import annotations

import datetime

import msgspec

from events import crypto
from events.api import from_row
from events.audit.services import record
from events.auth.principal import Actor
from events.db import locked, write_transaction
from events.errors import NotFound, PermissionDenied
from events.programme import services as programme_services
from events.reference.services import groups_by_country, groups_of, normalise_country
from events.registration import schemas
from events.registration.tables import ACTIVE_STATUSES, Registration, RegistrationStatus, SessionSignup


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


def _masked_phone(token: str | None) -> str | None:
    phone = crypto.decrypt(token)
    return ("••••" + phone[-2:]) if phone else None


def _masked_email(token: str | None) -> str | None:
    address = crypto.decrypt(token)
    if not address:
        return None
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}•••@{domain}"


def to_schema(
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
        emergency_contact_phone=_masked_phone(row["emergency_contact_phone_enc"]),
        emergency_contact_email=_masked_email(row["emergency_contact_email_enc"]),
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
    return to_schema(row, groups, sessions, positions, event["time_zone"])


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
        to_schema(row, groups, sessions.get(row["id"], []), positions, event["time_zone"]) for row in page
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
    """Passport number, date and place of birth, the emergency contact's phone and e-mail in clear:
    organisers of the event only, and audited."""
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
        emergency_contact_phone=crypto.decrypt(row["emergency_contact_phone_enc"]),
        emergency_contact_email=crypto.decrypt(row["emergency_contact_email_enc"]),
        purged_at=row["sensitive_purged_at"],
    )


async def own_emergency_contact(actor: Actor, registration_id: int) -> schemas.EmergencyContact:
    """The emergency contact in clear for the participant's own form: the participant only (organisers
    read it, audited, with :func:`reveal_sensitive`); others get 404."""
    row = await get_registration_row(registration_id)
    if actor.registration_id != row["id"]:
        raise NotFound(f"No registration with id {registration_id}")
    return schemas.EmergencyContact(
        name=row["emergency_contact_name"],
        relationship=row["emergency_contact_relationship"],
        phone=crypto.decrypt(row["emergency_contact_phone_enc"]) or "",
        email=crypto.decrypt(row["emergency_contact_email_enc"]) or "",
    )
