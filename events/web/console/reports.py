"""Console: reports. Registrations and attendance by country group, gender, level (and sector when
registrations give one), per session, and across the organiser's events; each a chart with its table,
each table downloadable as CSV or XLSX.

The figures come from :mod:`events.checkin.attendance` (which checks the organiser's rights); this
module only names, charts and exports them.
"""

from __future__ import annotations

import datetime
from typing import Any

from babel import numbers
from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.response import Template

from events.checkin import attendance
from events.errors import InvalidInput, NotFound
from events.i18n.languages import locale
from events.registration import export
from events.reports import build, pdf, xlsx
from events.web import charts, pages
from events.web.console import common
from events.web.i18n import N_

#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {}

#: Title of each table (the charts' and the downloads' too), in page order.
TITLES = {**build.BREAKDOWN_TITLES, "sessions": N_("Attendance by session")}
#: How tables name categories (those that are no code too), as the programme report does.
ROW_WORDS = {(name, key): word for name, words in build.CATEGORY_WORDS.items() for key, word in words.items()}
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: Column names of the downloads (codes, like the registration export's).
COLUMNS = ("category", "label", "registered", "approved", "attended")
SESSION_COLUMNS = ("session_id", "session", "starts_at", "optional", "registered", "attended")


def _percent(part: int | None, whole: int, lang: str) -> str:
    if part is None or not whole:
        return "—"
    return numbers.format_percent(part / whole, locale=locale(lang))


def _label(name: str, row: attendance.Row, gettext) -> str:
    if row.label:
        return row.label
    word = ROW_WORDS.get((name, row.key)) or common.VALUE_WORDS.get(row.key)
    if word:
        return gettext(word)
    return row.key if name == "sector" else row.key.upper()


def _tables(breakdowns: dict[str, list[attendance.Row]], request: Request) -> list[dict[str, Any]]:
    """Each breakdown as the page shows it: title, chart (approved and attended), rows."""
    gettext = pages.gettext(request)
    lang = pages.language(request)
    series = [gettext(N_("Approved")), gettext(N_("Attended"))]
    result = []
    for name in TITLES:
        if name not in breakdowns:
            continue
        rows = [
            {
                "label": _label(name, row, gettext),
                "free_text": bool(row.label) or name == "sector",
                "registered": row.registered,
                "approved": row.approved,
                "attended": row.attended,
                "rate": _percent(row.attended, row.approved, lang),
            }
            for row in breakdowns[name]
        ]
        title = gettext(TITLES[name])
        result.append(
            {
                "name": name,
                "title": title,
                "rows": rows,
                "svg": charts.bar_chart(
                    title, [(row["label"], [row["approved"], row["attended"]]) for row in rows], series
                ),
            }
        )
    return result


def _sessions(report: attendance.EventReport, request: Request) -> dict[str, Any] | None:
    if not report.sessions:
        return None
    gettext = pages.gettext(request)
    lang = pages.language(request)
    title = gettext(TITLES["sessions"])
    rows = [
        {
            "label": session.title,
            "starts_at": session.starts_at,
            "registered": session.registered,
            "attended": session.attended,
            "rate": _percent(session.attended, session.registered, lang),
        }
        for session in report.sessions
    ]
    series = [gettext(N_("Registered")), gettext(N_("Attended"))]
    chart_rows = [(row["label"], [row["registered"], row["attended"] or 0]) for row in rows]
    return {"title": title, "rows": rows, "svg": charts.bar_chart(title, chart_rows, series)}


def _download(request: Request, table: str, name: str, header, body) -> Response[bytes]:
    kind = request.query_params.get("format", "csv")
    if kind not in FORMATS:
        raise InvalidInput.field("format", "Choose csv or xlsx")
    stamp = datetime.date.today().isoformat()
    content = export.table_csv(header, body) if kind == "csv" else export.table_xlsx([(table, header, body)])
    return Response(
        content,
        media_type=FORMATS[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}-{table}-{stamp}.{kind}"'},
    )


def _breakdown_rows(breakdowns: dict[str, list[attendance.Row]], table: str, gettext) -> list[list]:
    if table not in breakdowns:
        raise NotFound(f"No table {table!r} in this report")
    return [
        [row.key, _label(table, row, gettext), row.registered, row.approved, row.attended]
        for row in breakdowns[table]
    ]


class EventReports(Controller):
    path = "/organiser/events/{event_id:int}/reports"

    @get("/")
    async def report(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        report = await attendance.event_report(actor, event_id)
        return common.render(
            request,
            "console/reports/event.html",
            actor,
            event,
            "reports",
            {
                "report": report,
                "rate": _percent(report.totals.attended, report.totals.approved, pages.language(request)),
                "tables": _tables(report.breakdowns, request),
                "sessions": _sessions(report, request),
                "download": f"/organiser/events/{event_id}/reports/download",
            },
        )

    @get("/download")
    async def download(self, request: Request, event_id: FromPath[int]) -> Response[bytes]:
        actor, _event = await common.event_page(request, event_id)
        report = await attendance.event_report(actor, event_id)
        table = request.query_params.get("table", "")
        if table == "sessions":
            body = [
                [
                    session.session_id,
                    session.title,
                    session.starts_at.isoformat(),
                    session.optional,
                    session.registered,
                    "" if session.attended is None else session.attended,
                ]
                for session in report.sessions
            ]
            return _download(request, table, f"report-{event_id}", SESSION_COLUMNS, body)
        body = _breakdown_rows(report.breakdowns, table, pages.gettext(request))
        return _download(request, table, f"report-{event_id}", COLUMNS, body)


class ProgrammeReports(Controller):
    path = "/organiser/reports"

    @get("/")
    async def report(self, request: Request) -> Template:
        actor = await common.organiser(request)
        report = await attendance.programme_report(actor)
        return pages.render(
            request,
            "console/reports/programme.html",
            {
                "actor": actor,
                "report": report,
                "rate": _percent(report.totals.attended, report.totals.approved, pages.language(request)),
                "tables": _tables(report.breakdowns, request),
                "download": "/organiser/reports/download",
            },
        )

    @get("/download")
    async def download(self, request: Request) -> Response[bytes]:
        actor = await common.organiser(request)
        report = await attendance.programme_report(actor)
        table = request.query_params.get("table", "")
        body = _breakdown_rows(report.breakdowns, table, pages.gettext(request))
        return _download(request, table, "report-all", COLUMNS, body)


def _report_tables(report: build.Report) -> list[dict[str, Any]]:
    """The programme report's tables as the page shows them: cells as text ("<5" when suppressed), a chart."""
    result = []
    for table in [report.summary, *report.tables]:
        rows = [
            {
                "label": line.label,
                "free_text": line.free_text,
                "cells": [
                    {"text": build.cell_text(report, table, line, index), "hidden": line.is_hidden(index)}
                    for index in range(len(table.columns))
                ],
            }
            for line in table.lines
        ]
        result.append(
            {
                "key": table.key,
                "id": "table-" + table.key.replace(".", "-").replace("_", "-"),
                "title": table.title,
                "columns": [column.title for column in table.columns],
                "rows": rows,
                "note": table.note,
                "svg": _report_chart(report, table),
            }
        )
    return result


def _report_chart(report: build.Report, table) -> Any:
    """The same bars as the PDF's chart, as inline SVG (no bar for a suppressed value)."""
    data = build.chart_data(report, table)
    if data is None:
        return None
    rows = range(len(data.categories))
    return charts.bar_chart(
        table.title,
        [(data.categories[row], [serie[row] for serie in data.values]) for row in rows],
        data.series,
        [[labels[row] for labels in data.labels] for row in rows],
    )


def _report_file(report: build.Report, kind: str, name: str) -> Response[bytes]:
    stamp = report.generated_on.isoformat()
    if kind == "pdf":
        content, media = pdf.render_pdf(report), "application/pdf"
    else:
        content, media = xlsx.render_xlsx(report), FORMATS["xlsx"]
    return Response(
        content,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.{kind}"'},
    )


def _report_context(report: build.Report, base: str) -> dict[str, Any]:
    return {
        "programme_report": report,
        "report_tables": _report_tables(report),
        "suppression_note": build.suppression_note(report),
        "pdf": f"{base}/pdf",
        "xlsx": f"{base}/xlsx",
    }


class EventProgrammeReport(Controller):
    """The programme report of one event, for the donor: small cells suppressed; page, PDF, XLSX."""

    path = "/organiser/events/{event_id:int}/reports/programme"

    @get("/")
    async def page(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        report = await build.event_report(actor, event_id, pages.language(request))
        base = f"/organiser/events/{event_id}/reports/programme"
        return common.render(
            request,
            "console/reports/programme_report.html",
            actor,
            event,
            "reports",
            _report_context(report, base),
        )

    @get("/{kind:str}")
    async def file(self, request: Request, event_id: FromPath[int], kind: FromPath[str]) -> Response[bytes]:
        if kind not in {"pdf", "xlsx"}:
            raise NotFound("Choose pdf or xlsx")
        actor, _event = await common.event_page(request, event_id)
        report = await build.event_report(actor, event_id, pages.language(request))
        return _report_file(report, kind, f"programme-report-event-{event_id}")


class WholeProgrammeReport(Controller):
    """The programme report across the organiser's events (every event for a programme organiser)."""

    path = "/organiser/reports/programme"

    @get("/")
    async def page(self, request: Request) -> Template:
        actor = await common.organiser(request)
        report = await build.programme_report(actor, pages.language(request))
        return pages.render(
            request,
            "console/reports/whole_programme.html",
            {"actor": actor, **_report_context(report, "/organiser/reports/programme")},
        )

    @get("/{kind:str}")
    async def file(self, request: Request, kind: FromPath[str]) -> Response[bytes]:
        if kind not in {"pdf", "xlsx"}:
            raise NotFound("Choose pdf or xlsx")
        actor = await common.organiser(request)
        report = await build.programme_report(actor, pages.language(request))
        return _report_file(report, kind, "programme-report")


HANDLERS = [EventReports, ProgrammeReports, EventProgrammeReport, WholeProgrammeReport]
