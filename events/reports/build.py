"""The programme report, built once for the page, the PDF and the XLSX: per event or across the
organiser's events, in the reader's language, small cells suppressed (:mod:`events.reports.document`).

Participants (registered, approved, attended) and attendance depth come from
:mod:`events.checkin.attendance`, which checks the organiser's rights; the areas' tables
(evaluations, action plans, certificates) from :func:`events.reports.programme.area_tables`.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from babel import numbers

from events import clock
from events.auth.principal import Actor
from events.checkin import attendance
from events.i18n import choices
from events.i18n.formatting import format_number
from events.i18n.labels import N_, gettext_for
from events.i18n.languages import locale
from events.reports import document
from events.reports.document import Column, Line, Table
from events.reports.programme import area_tables
from events.settings import get_settings

#: Title of each breakdown, in report order.
BREAKDOWN_TITLES = {
    "event": N_("By event"),
    "country_group": N_("By country group (LDC, LLDC, SIDS)"),
    "gender": N_("By gender"),
    "level": N_("By level"),
    "government_level": N_("By national or subnational government"),
    "sector": N_("By sector"),
}
DEPTH_TITLES = {
    "event": N_("Attendance depth by event"),
    "country_group": N_("Attendance depth by country group"),
    "gender": N_("Attendance depth by gender"),
    "level": N_("Attendance depth by level"),
    "government_level": N_("Attendance depth by national or subnational government"),
    "sector": N_("Attendance depth by sector"),
}
DEPTH_WORDS = (N_("None attended"), N_("Under 50 %"), N_("50–74 %"), N_("75 % or more"))
#: How the report names the categories that are codes.
CATEGORY_WORDS = {
    "gender": {value: label for value, label, _hint in choices.GENDERS},
    "level": {value: label for value, label, _hint in choices.LEVELS},
    "government_level": {
        **{value: label for value, label, _hint in choices.GOVERNMENT_LEVELS},
        attendance.NONE: N_("Not given"),
    },
    "country_group": {attendance.NONE: N_("None of these groups")},
    "sector": {attendance.NONE: N_("Not given")},
}
COUNTRY_GROUP_NOTE = N_(
    "Country groups as of each event's first day. A country in several groups (for example both LDC "
    "and SIDS) counts in each, so these rows can add up to more than the total."
)
DEPTH_NOTE = N_(
    "Share of the sessions each approved participant was expected at (compulsory sessions and the "
    "optional ones they signed up for, cancelled sessions left out) that they were admitted to. Only "
    "sessions with a check-in point can be measured; people expected at none are not measured."
)
SUPPRESSION_NOTE = N_(
    "Figures describing fewer than %(minimum)s people are shown as <%(minimum)s, and so is one more "
    "figure where a hidden one could be worked out from a total."
)


@dataclass
class EventLine:
    event_id: int
    title: str
    start_date: datetime.date


@dataclass
class Report:
    """What every output of the programme report shows, in the reader's language."""

    #: "event" (one event) or "programme" (across the organiser's events).
    scope: str
    title: str
    language: str
    events: list[EventLine]
    generated_on: datetime.date
    minimum: int
    #: One line: every participant (registered, approved, attended, rate, measured, mean share).
    summary: Table
    tables: list[Table] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.summary.lines[0].values[0]

    def hidden_text(self) -> str:
        return f"<{self.minimum}"


async def event_report(actor: Actor, event_id: int, language: str) -> Report:
    """One event's programme report (organisers of the event; others get a permission error)."""
    figures = await attendance.event_report(actor, event_id)
    gettext = gettext_for(language)
    events = [EventLine(figures.event_id, figures.title, figures.start_date)]
    tables = _breakdown_tables(figures.breakdowns, gettext)
    if figures.sessions:
        tables.append(_sessions_table(figures.sessions, gettext))
    return await _finish("event", figures.title, language, events, figures.totals, tables, gettext)


async def programme_report(actor: Actor, language: str) -> Report:
    """The report across the events the actor organises (every event for a programme organiser)."""
    figures = await attendance.programme_report(actor)
    gettext = gettext_for(language)
    events = [EventLine(item.event_id, item.title, item.start_date) for item in figures.events]
    tables = _breakdown_tables(figures.breakdowns, gettext)
    return await _finish(
        "programme", gettext(N_("Programme report")), language, events, figures.totals, tables, gettext
    )


async def _finish(
    scope: str,
    title: str,
    language: str,
    events: list[EventLine],
    totals: attendance.Row,
    tables: list[Table],
    gettext,
) -> Report:
    minimum = get_settings().report_min_cell
    for table in await area_tables([event.event_id for event in events], language):
        tables.append(document.from_area(table))
    summary = Table(
        key="summary",
        title=gettext(N_("All participants")),
        columns=_participant_columns(gettext, adds_up=False) + _depth_summary_columns(gettext),
        lines=[_summary_line(totals, gettext)],
        chart="none",
    )
    for table in [summary, *tables]:
        document.suppress(table, minimum)
    return Report(
        scope=scope,
        title=title,
        language=language,
        events=events,
        generated_on=clock.now().date(),
        minimum=minimum,
        summary=summary,
        tables=tables,
    )


def _participant_columns(gettext, *, adds_up: bool) -> list[Column]:
    return [
        Column(gettext(N_("Registered")), adds_up=adds_up),
        Column(gettext(N_("Approved")), adds_up=adds_up),
        Column(gettext(N_("Attended")), adds_up=adds_up),
        Column(gettext(N_("Attendance rate")), "share", follows=(1, 2)),
    ]


def _depth_summary_columns(gettext) -> list[Column]:
    return [
        Column(gettext(N_("Measured"))),
        Column(gettext(N_("Mean share of sessions attended")), "share", follows=(4,)),
    ]


def _summary_line(row: attendance.Row, gettext) -> Line:
    return Line(
        key="all",
        label=gettext(N_("All participants")),
        values=[
            row.registered,
            row.approved,
            row.attended,
            row.attended / row.approved if row.approved else None,
            row.measured,
            row.mean_share,
        ],
        people=[row.registered, row.approved, row.attended, row.attended, row.measured, row.measured],
    )


def _label(name: str, row: attendance.Row, gettext) -> tuple[str, bool]:
    """The category's name and whether it is free text."""
    if row.label:
        return row.label, True
    word = CATEGORY_WORDS.get(name, {}).get(row.key)
    if word:
        return gettext(word), False
    return (row.key, True) if name == "sector" else (row.key.upper(), False)


def _breakdown_tables(breakdowns: dict[str, list[attendance.Row]], gettext) -> list[Table]:
    """Per breakdown, the participants' table, then (after them all) the attendance-depth tables."""
    participants, depths = [], []
    for name, title in BREAKDOWN_TITLES.items():
        if name not in breakdowns:
            continue
        rows = breakdowns[name]
        labels = [_label(name, row, gettext) for row in rows]
        note = gettext(COUNTRY_GROUP_NOTE) if name == "country_group" else ""
        participants.append(
            Table(
                key=f"participants.{name}",
                title=gettext(title),
                columns=_participant_columns(gettext, adds_up=True),
                lines=[
                    Line(
                        key=row.key,
                        label=label,
                        free_text=free,
                        values=[
                            row.registered,
                            row.approved,
                            row.attended,
                            row.attended / row.approved if row.approved else None,
                        ],
                        people=[row.registered, row.approved, row.attended, row.attended],
                    )
                    for row, (label, free) in zip(rows, labels, strict=True)
                ],
                chart_columns=[1, 2],
                note=note,
            )
        )
        depths.append(
            Table(
                key=f"depth.{name}",
                title=gettext(DEPTH_TITLES[name]),
                columns=[
                    Column(gettext(N_("Measured")), adds_up=True),
                    Column(gettext(N_("Mean share of sessions attended")), "share", follows=(0,)),
                    *(Column(gettext(word), adds_up=True) for word in DEPTH_WORDS),
                ],
                lines=[
                    Line(
                        key=row.key,
                        label=label,
                        free_text=free,
                        values=[row.measured, row.mean_share, *row.depth],
                        people=[row.measured, row.measured, *row.depth],
                    )
                    for row, (label, free) in zip(rows, labels, strict=True)
                ],
                chart_columns=[1],
                column_groups=[[0, 2, 3, 4, 5]],
                note=" ".join(filter(None, [gettext(DEPTH_NOTE), note])),
                source="depth",
            )
        )
    return participants + depths


def _sessions_table(sessions: list[attendance.SessionAttendance], gettext) -> Table:
    return Table(
        key="sessions",
        title=gettext(N_("Attendance by session")),
        columns=[
            Column(gettext(N_("Expected"))),
            Column(gettext(N_("Attended"))),
            Column(gettext(N_("Attendance rate")), "share", follows=(0, 1)),
        ],
        lines=[
            Line(
                key=str(session.session_id),
                label=session.title,
                free_text=True,
                values=[
                    session.registered,
                    session.attended,
                    session.attended / session.registered
                    if session.attended is not None and session.registered
                    else None,
                ],
                people=[
                    session.registered,
                    session.attended,
                    session.attended if session.attended is not None else None,
                ],
            )
            for session in sessions
        ],
        chart_columns=[0, 1],
        note=gettext(N_("Sessions without a check-in point have no attendance figure.")),
        source="sessions",
    )


def format_value(value: int | float | str | None, kind: str, language: str) -> str:
    """A shown value as text in the reader's language ("—" for no value)."""
    if value is None:
        return "—"
    if kind == "share" and isinstance(value, int | float):
        return numbers.format_percent(value, locale=locale(language))
    if isinstance(value, float):
        return numbers.format_decimal(round(value, 2), locale=locale(language))
    if isinstance(value, int) and not isinstance(value, bool):
        return format_number(value, language)
    return str(value)


def cell_text(report: Report, table: Table, line: Line, index: int) -> str:
    """What a cell shows: the value, or "<N" when it is suppressed."""
    if line.is_hidden(index):
        return report.hidden_text()
    return format_value(line.values[index], table.columns[index].kind, report.language)


@dataclass
class ChartData:
    """A table's bars: per series (a column), one value per category (``None``: suppressed, no bar)
    and the text written beside it (the value in the reader's language, or "<N")."""

    categories: list[str]
    series: list[str]
    values: list[list[float | None]]
    labels: list[list[str]]


def chart_data(report: Report, table: Table) -> ChartData | None:
    """The bars of a table's chart columns ("before_after": its first two), numbers only; shares in %."""
    if table.chart == "none" or not table.lines:
        return None
    columns = table.chart_columns if table.chart == "bar" else [0, 1]
    columns = [index for index in columns if index < len(table.columns)]
    numeric = [
        index
        for index in columns
        if all(isinstance(line.values[index], int | float | None) for line in table.lines)
        and any(isinstance(line.values[index], int | float) for line in table.lines)
    ]
    if not numeric:
        return None
    values: list[list[float | None]] = []
    for index in numeric:
        scale = 100 if table.columns[index].kind == "share" else 1
        values.append(
            [None if line.shown(index) is None else float(line.shown(index)) * scale for line in table.lines]
        )
    return ChartData(
        categories=[line.label for line in table.lines],
        series=[table.columns[index].title for index in numeric],
        values=values,
        labels=[[cell_text(report, table, line, index) for line in table.lines] for index in numeric],
    )


def suppression_note(report: Report) -> str:
    return gettext_for(report.language)(SUPPRESSION_NOTE, minimum=report.minimum)
