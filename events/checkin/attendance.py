"""Reports: registrations and attendance by country group, gender, level, sector, session and event.

Read-only. *Attendance* is an approved registration admitted at least once by check-in (a presence
row with an entry, at any checkpoint of the event); a session's attendance counts those of its
registered participants (signed up for an optional session, every approved one otherwise) admitted
at one of the session's checkpoints. Country groups are those of the represented country on the
event's first day (as ``registration.reading.statistics`` counts them); a country can be in more
than one group, so the group rows can add up to more than the total. Numbers are exact: nothing is
suppressed or rounded here.
"""

from __future__ import annotations

import datetime

from msgspec import Struct

from events.auth.principal import Actor
from events.db import statements
from events.errors import PermissionDenied
from events.programme import services as programme_services
from events.reference.services import groups_by_country
from events.reference.tables import CountryGroup
from events.registration.schemas import Gender, Level
from events.registration.tables import ACTIVE_STATUSES, Registration, RegistrationStatus, SessionSignup

#: The breakdowns of every report, in page order (``sector`` only when some registration gives one).
BREAKDOWNS = ("country_group", "gender", "level", "sector")
#: Key of the country-group row for countries in none of the groups; of the sector row for no sector.
NONE = "none"
_ACTIVE = {status.value for status in ACTIVE_STATUSES}
_ORDER = {
    "country_group": [group.value for group in CountryGroup] + [NONE],
    "gender": [gender.value for gender in Gender],
    "level": [level.value for level in Level],
}


class Row(Struct, kw_only=True):
    """One category: active registrations (submitted, approved, waitlisted), approved ones, and the
    approved ones admitted at least once."""

    key: str
    registered: int = 0
    approved: int = 0
    attended: int = 0
    #: How pages name a category that is no code (an event's title); empty for codes.
    label: str = ""


class SessionAttendance(Struct, kw_only=True):
    session_id: int
    title: str
    starts_at: datetime.datetime
    optional: bool
    #: Approved registrations expected: signed up (optional session) or every approved one.
    registered: int
    #: Of those, admitted at one of the session's checkpoints; ``None`` when it has no checkpoint.
    attended: int | None


class EventReport(Struct, kw_only=True):
    event_id: int
    title: str
    start_date: datetime.date
    #: Every registration, whatever its status.
    total: int
    by_status: dict[str, int]
    totals: Row
    breakdowns: dict[str, list[Row]]
    sessions: list[SessionAttendance]


class ProgrammeReport(Struct, kw_only=True):
    """The events an organiser organises (every event for a programme organiser), summed."""

    events: list[EventReport]
    totals: Row
    #: The event reports' breakdowns added up, plus ``event`` (one row per event).
    breakdowns: dict[str, list[Row]]


async def event_report(actor: Actor, event_id: int) -> EventReport:
    """The event's registrations and attendance, by category and by session (organisers of the event)."""
    actor.require_organiser(event_id, "Only organisers of this event see its reports")
    return await _event_report(event_id)


async def programme_report(actor: Actor) -> ProgrammeReport:
    """Every event the actor organises, with totals and the breakdowns across them, plus ``event``."""
    organised = actor.organised_event_ids()
    if organised is not None and not organised:
        raise PermissionDenied("Reports are for organisers")
    events, _ = await programme_services.list_events(
        programme_id=None, kind=None, upcoming_only=False, limit=10_000, offset=0
    )
    reports = [await _event_report(event.id) for event in events if actor.organises(event.id)]
    totals = Row(key="all")
    sums: dict[str, dict[str, Row]] = {name: {} for name in BREAKDOWNS}
    for report in reports:
        _add(totals, report.totals)
        for name, rows in report.breakdowns.items():
            for row in rows:
                _add(sums[name].setdefault(row.key, Row(key=row.key, label=row.label)), row)
    breakdowns = {name: _ordered(name, rows) for name, rows in sums.items() if name != "sector" or rows}
    breakdowns["event"] = [
        Row(
            key=str(report.event_id),
            label=report.title,
            registered=report.totals.registered,
            approved=report.totals.approved,
            attended=report.totals.attended,
        )
        for report in reports
    ]
    return ProgrammeReport(events=reports, totals=totals, breakdowns=breakdowns)


def _add(into: Row, row: Row) -> None:
    into.registered += row.registered
    into.approved += row.approved
    into.attended += row.attended


def _ordered(name: str, rows: dict[str, Row]) -> list[Row]:
    """Codes in their usual order, every code shown (zeros too); free text by size, then name."""
    order = _ORDER.get(name)
    if order is None:
        return sorted(rows.values(), key=lambda row: (-row.registered, row.key == NONE, row.key.casefold()))
    known = [rows.get(key) or Row(key=key) for key in order]
    return known + [rows[key] for key in sorted(rows) if key not in order]


async def _event_report(event_id: int) -> EventReport:
    event = await programme_services.get_event_row(event_id)
    groups = await groups_by_country(event["start_date"])
    registrations = await Registration.select(
        Registration.id,
        Registration.status,
        Registration.gender,
        Registration.level,
        Registration.sector,
        Registration.country_represented,
    ).where(Registration.event == event_id)
    admitted = await admitted_by_session(event_id)
    anywhere = set().union(*admitted.values()) if admitted else set()
    by_status = {status.value: 0 for status in RegistrationStatus}
    totals = Row(key="all")
    tables: dict[str, dict[str, Row]] = {name: {} for name in BREAKDOWNS}
    approved_ids: set[int] = set()
    for registration in registrations:
        status = registration["status"]
        by_status[status] = by_status.get(status, 0) + 1
        if status not in _ACTIVE:
            continue
        approved = status == RegistrationStatus.approved
        attended = approved and registration["id"] in anywhere
        if approved:
            approved_ids.add(registration["id"])
        sector = " ".join((registration["sector"] or "").split())
        keys = {
            "country_group": groups.get(registration["country_represented"]) or [NONE],
            "gender": [registration["gender"]],
            "level": [registration["level"]],
            "sector": [sector or NONE],
        }
        for row in [totals] + [
            tables[name].setdefault(key, Row(key=key)) for name, values in keys.items() for key in values
        ]:
            row.registered += 1
            row.approved += approved
            row.attended += attended
    has_sector = any(key != NONE for key in tables["sector"])
    breakdowns = {
        name: _ordered(name, rows) for name, rows in tables.items() if name != "sector" or has_sector
    }
    return EventReport(
        event_id=event_id,
        title=event["title"],
        start_date=event["start_date"],
        total=len(registrations),
        by_status=by_status,
        totals=totals,
        breakdowns=breakdowns,
        sessions=await _sessions(event_id, approved_ids, admitted),
    )


async def admitted_by_session(event_id: int) -> dict[int | None, set[int]]:
    """Registrations admitted at least once, per session of the checkpoint (``None``: no session)."""
    rows = await statements.fetch(
        "SELECT DISTINCT c.session AS session, p.registration AS registration FROM checkin_presence p "
        "JOIN checkin_checkpoint c ON c.id = p.checkpoint WHERE c.event = ? AND p.entries > 0",
        event_id,
    )
    result: dict[int | None, set[int]] = {}
    for row in rows:
        result.setdefault(row["session"], set()).add(row["registration"])
    return result


async def _sessions(
    event_id: int, approved_ids: set[int], admitted: dict[int | None, set[int]]
) -> list[SessionAttendance]:
    sessions = await programme_services.list_sessions(event_id, include_cancelled=False)
    checked = {
        row["session"]
        for row in await statements.fetch(
            "SELECT DISTINCT session FROM checkin_checkpoint WHERE event = ? AND session IS NOT NULL",
            event_id,
        )
    }
    optional = [session.id for session in sessions if session.optional]
    signed: dict[int, set[int]] = {}
    if optional:
        for row in await SessionSignup.select(SessionSignup.session, SessionSignup.registration).where(
            SessionSignup.session.is_in(optional)
        ):
            signed.setdefault(row["session"], set()).add(row["registration"])
    result = []
    for session in sessions:
        expected = approved_ids & signed.get(session.id, set()) if session.optional else approved_ids
        result.append(
            SessionAttendance(
                session_id=session.id,
                title=session.title,
                starts_at=session.starts_at,
                optional=session.optional,
                registered=len(expected),
                attended=len(expected & admitted.get(session.id, set())) if session.id in checked else None,
            )
        )
    return result
