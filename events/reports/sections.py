"""What other areas add to the programme report, through :data:`events.signals.report_sections`.

A receiver returns :class:`ReportTable` values built from its own tables for the events asked for,
with labels already in the reader's language. The report decides how to show them (a chart and its
table on the page, the same in the PDF, one sheet each in the XLSX) and suppresses every row that
describes fewer people than ``REPORT_MIN_CELL`` (so a receiver never needs to), which is why each
row says how many people it describes.
"""

from __future__ import annotations

from typing import Literal

from msgspec import Struct

#: How a table is drawn: bars per row (first value column), a before/after pair per row, or no chart.
Chart = Literal["bar", "before_after", "none"]


class ReportRow(Struct, kw_only=True):
    key: str
    #: In the reader's language.
    label: str
    #: One value per column of the table (a count, a mean, a share in %, a short text, or None).
    values: list[int | float | str | None]
    #: How many distinct people the row describes: below the threshold the report hides its values.
    people: int


class ReportTable(Struct, kw_only=True):
    #: Stable, for the XLSX sheet name and the CSV file name: ``"evaluations.self_assessment"``.
    key: str
    #: In the reader's language.
    title: str
    #: Column headings in the reader's language, one per value (the row label's column comes first
    #: and is not listed).
    columns: list[str]
    rows: list[ReportRow]
    chart: Chart = "bar"
    #: A sentence under the table in the reader's language (how a figure is computed), or "".
    note: str = ""
