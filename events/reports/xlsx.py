"""The programme report as an XLSX workbook for the donor: an "about" sheet (scope, date, the
suppression rule), then one sheet per table. Numbers stay numbers (shares as percentages with one
decimal), a suppressed cell is the text "<N", and every text goes through the registration export's
``table_xlsx``, which stores formula-like text as text.

Pure: a :class:`~events.reports.build.Report` in (already suppressed), bytes out.
"""

from __future__ import annotations

import re

from events.i18n.formatting import format_date
from events.i18n.labels import N_, gettext_for
from events.registration.export import table_xlsx
from events.reports.build import Report, suppression_note
from events.reports.document import Table

_SHEET_UNSAFE = re.compile(r"[\[\]:*?/\\']")


def cell_value(report: Report, table: Table, line, index: int) -> int | float | str:
    """What the sheet holds for a cell: the number, a share in % (one decimal), text, "<N" or ""."""
    if line.is_hidden(index):
        return report.hidden_text()
    value = line.values[index]
    if value is None:
        return ""
    if table.columns[index].kind == "share" and isinstance(value, int | float):
        return round(value * 100, 1)
    if isinstance(value, float):
        return round(value, 2)
    return value


def header(table: Table, gettext) -> list[str]:
    return [gettext(N_("Category"))] + [
        f"{column.title} (%)" if column.kind == "share" else column.title for column in table.columns
    ]


def sheets(report: Report) -> list[tuple[str, list[str], list[list]]]:
    """(sheet name, header, rows) for the about sheet and every table, names unique and at most 31 characters."""
    gettext = gettext_for(report.language)
    about = [
        [gettext(N_("Report")), report.title],
        [gettext(N_("Prepared on")), format_date(report.generated_on, report.language)],
        [gettext(N_("Suppression")), suppression_note(report)],
        ["", ""],
    ]
    about += [[event.title, event.start_date.isoformat()] for event in report.events]
    result: list[tuple[str, list[str], list[list]]] = [("about", [gettext(N_("About")), ""], about)]
    used = {"about"}
    for table in [report.summary, *report.tables]:
        name = _SHEET_UNSAFE.sub("_", table.key)[:31] or "table"
        number = 2
        while name in used:
            suffix = f"-{number}"
            name = name[: 31 - len(suffix)] + suffix
            number += 1
        used.add(name)
        body = [
            [line.label] + [cell_value(report, table, line, index) for index in range(len(table.columns))]
            for line in table.lines
        ]
        if table.note:
            body.append([table.note])
        result.append((name, header(table, gettext), body))
    return result


def render_xlsx(report: Report) -> bytes:
    return table_xlsx(sheets(report))
