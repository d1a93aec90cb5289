"""Reports: registrations and attendance by country group, gender, level, sector, session and event.

Read-only. *Attendance* is an approved registration admitted at least once by check-in (a presence
row with an entry, at any checkpoint of the event); a session's attendance counts those of its
registered participants (signed up for an optional session, every approved one otherwise) admitted
at one of the session's checkpoints. Country groups are those of the represented country on the
event's first day (as ``registration.reading.statistics`` counts them); a country can be in more
than one group, so the group rows can add up to more than the total. Numbers are exact: nothing is
suppressed or rounded here (the programme report, ``events/reports``, suppresses small cells).

*Attendance depth* is, for each approved registration, the share of the sessions it was expected at
that it was admitted to: the compulsory sessions and the optional ones it signed up for, cancelled
sessions left out, and only sessions with a checkpoint (the others cannot be measured). Someone
expected at no measurable session is not *measured*; the others fall in one of :data:`DEPTHS`.
"""

from __future__ import annotations

import datetime

import msgspec
from msgspec import Struct

from events.auth.principal import Actor
from events.db import statements
from events.errors import PermissionDenied
from events.programme import services as programme_services
from events.reference.services import groups_by_country
from events.reference.tables import CountryGroup
from events.registration.schemas import Gender, GovernmentLevel, Level
from events.registration.tables import ACTIVE_STATUSES, Registration, RegistrationStatus, SessionSignup

#: The breakdowns of every report, in page order (``sector`` only when some registration gives one).
BREAKDOWNS = ("country_group", "gender", "level", "government_level", "sector")
#: Attendance depth bands: no measurable session attended, under half, half to under three
#: quarters, three quarters or more.
DEPTHS = ("none", "under_50", "50_to_74", "75_or_more")
#: Key of the country-group row for countries in none of the groups; of the sector row for no sector.
NONE = "none"
_ACTIVE = {status.value for status in ACTIVE_STATUSES}
_ORDER = {
    "country_group": [group.value for group in CountryGroup] + [NONE],
    "gender": [gender.value for gender in Gender],
    "level": [level.value for level in Level],
    "government_level": [level.value for level in GovernmentLevel] + [NONE],
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
    #: Approved registrations expected at one session with a checkpoint at least.
    measured: int = 0
    #: The shares (0–1) of their measurable sessions the measured ones attended, added up.
    share_sum: float = 0.0
    #: The measured ones per band of :data:`DEPTHS`, in that order.
    depth: list[int] = msgspec.field(default_factory=lambda: [0] * len(DEPTHS))

    @property
    def mean_share(self) -> float | None:
        """The mean share of their expected sessions the measured ones attended, or ``None``."""
        return self.share_sum / self.measured if self.measured else None


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
            measured=report.totals.measured,
            share_sum=report.totals.share_sum,
            depth=list(report.totals.depth),
        )
        for report in reports
    ]
    return ProgrammeReport(events=reports, totals=totals, breakdowns=breakdowns)


def _add(into: Row, row: Row) -> None:
    into.registered += row.registered
    into.approved += row.approved
    into.attended += row.attended
    into.measured += row.measured
    into.share_sum += row.share_sum
    into.depth = [mine + theirs for mine, theirs in zip(into.depth, row.depth, strict=True)]


def depth_band(share: float) -> int:
    """The index in :data:`DEPTHS` of a share of sessions attended (0–1)."""
    if share <= 0:
        return 0
    return 1 if share < 0.5 else 2 if share < 0.75 else 3


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
        Registration.government_level,
        Registration.country_represented,
    ).where(Registration.event == event_id)
    admitted = await admitted_by_session(event_id)
    anywhere = set().union(*admitted.values()) if admitted else set()
    sessions = await programme_services.list_sessions(event_id, include_cancelled=False)
    checked = await _checked_sessions(event_id)
    signed = await _signups(sessions)
    measurable = [session for session in sessions if session.id in checked]
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
        share = None
        if approved:
            approved_ids.add(registration["id"])
            share = _share(registration["id"], measurable, signed, admitted)
        sector = " ".join((registration["sector"] or "").split())
        keys = {
            "country_group": groups.get(registration["country_represented"]) or [NONE],
            "gender": [registration["gender"]],
            "level": [registration["level"]],
            "government_level": [registration["government_level"] or NONE],
            "sector": [sector or NONE],
        }
        for row in [totals] + [
            tables[name].setdefault(key, Row(key=key)) for name, values in keys.items() for key in values
        ]:
            row.registered += 1
            row.approved += approved
            row.attended += attended
            if share is not None:
                row.measured += 1
                row.share_sum += share
                row.depth[depth_band(share)] += 1
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
        sessions=_sessions(sessions, checked, signed, approved_ids, admitted),
    )


def _share(
    registration_id: int,
    measurable: list,
    signed: dict[int, set[int]],
    admitted: dict[int | None, set[int]],
) -> float | None:
    """The share of its measurable expected sessions a registration was admitted to (None: none expected)."""
    expected = [
        session.id
        for session in measurable
        if not session.optional or registration_id in signed.get(session.id, set())
    ]
    if not expected:
        return None
    return sum(registration_id in admitted.get(session_id, set()) for session_id in expected) / len(expected)


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


async def _checked_sessions(event_id: int) -> set[int]:
    """The event's sessions with a checkpoint: those whose attendance can be measured."""
    return {
        row["session"]
        for row in await statements.fetch(
            "SELECT DISTINCT session FROM checkin_checkpoint WHERE event = ? AND session IS NOT NULL",
            event_id,
        )
    }


async def _signups(sessions: list) -> dict[int, set[int]]:
    """Who signed up for each optional session."""
    optional = [session.id for session in sessions if session.optional]
    signed: dict[int, set[int]] = {}
    if optional:
        for row in await SessionSignup.select(SessionSignup.session, SessionSignup.registration).where(
            SessionSignup.session.is_in(optional)
        ):
            signed.setdefault(row["session"], set()).add(row["registration"])
    return signed


def _sessions(
    sessions: list,
    checked: set[int],
    signed: dict[int, set[int]],
    approved_ids: set[int],
    admitted: dict[int | None, set[int]],
) -> list[SessionAttendance]:
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
