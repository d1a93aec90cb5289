"""The programme report as a document: tables of cells that know how many people they describe,
with the suppression rule applied once, for the page, the PDF and the XLSX alike.

**Suppression.** A cell describing fewer people than ``REPORT_MIN_CELL`` (zero included) is hidden
and shown as "<N". Then, until nothing changes:

- a cell computed from hidden cells (a rate from its counts, a mean from its people) is hidden;
- *secondary suppression*: where cells add up to a figure the reader sees (the rows of a
  breakdown to its total, the attendance-depth bands of a row to the people measured), a lone
  hidden cell could be worked out by subtraction, so the next-smallest cell of that group is hidden
  too (the smallest number of people, the first in order on a tie).

The areas' tables (:class:`events.reports.sections.ReportTable`) describe people per row: a row
below the threshold is hidden whole, and a lone hidden row hides the next-smallest row.
Renderers only read :attr:`Line.shown`; they never see a hidden value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from events.reports.sections import Chart, ReportTable

#: How a column's values are written: a whole number, a share (0–1, as a percentage), a number
#: with decimals, or text.
Kind = Literal["count", "share", "number", "text"]


@dataclass
class Column:
    title: str
    kind: Kind = "count"
    #: Columns this one is computed from: hidden whenever one of them is hidden in the row.
    follows: tuple[int, ...] = ()
    #: Whether the rows of this column add up to a total shown elsewhere (secondary suppression).
    adds_up: bool = False


@dataclass
class Line:
    key: str
    label: str
    values: list[int | float | str | None]
    #: Per value, how many people it describes (``None``: not about people, never hidden).
    people: list[int | None]
    #: Whether the label is free text (a sector, an event's title, a country) to isolate (``<bdi>``).
    free_text: bool = False
    hidden: list[bool] = field(default_factory=list)

    def shown(self, index: int) -> int | float | str | None:
        """The value, or ``None`` when it is hidden (check :meth:`is_hidden` to tell them apart)."""
        return None if self.is_hidden(index) else self.values[index]

    def is_hidden(self, index: int) -> bool:
        return bool(self.hidden) and self.hidden[index]


@dataclass
class Table:
    key: str
    title: str
    columns: list[Column]
    lines: list[Line]
    chart: Chart = "bar"
    #: The columns drawn by a "bar" chart (a "before_after" chart draws the first two).
    chart_columns: list[int] = field(default_factory=lambda: [0])
    note: str = ""
    #: Groups of columns whose values, in one row, add up to another value of the row.
    column_groups: list[list[int]] = field(default_factory=list)
    #: Where the table comes from (``"participants"``, ``"depth"``, ``"sessions"``, ``"area"``).
    source: str = "participants"


def from_area(table: ReportTable) -> Table:
    """An area's table in the report's form: every value of a row describes the row's people."""
    width = len(table.columns)
    kinds: list[Kind] = []
    for index in range(width):
        values = [row.values[index] for row in table.rows if index < len(row.values)]
        if any(isinstance(value, str) for value in values):
            kinds.append("text")
        elif any(isinstance(value, float) for value in values):
            kinds.append("number")
        else:
            kinds.append("count")
    columns = [Column(title, kinds[index], adds_up=True) for index, title in enumerate(table.columns)]
    lines = [
        Line(
            key=row.key,
            label=row.label,
            values=(list(row.values) + [None] * width)[:width],
            people=[row.people] * width,
            free_text=True,
        )
        for row in table.rows
    ]
    return Table(
        key=table.key,
        title=table.title,
        columns=columns,
        lines=lines,
        chart=table.chart,
        chart_columns=[0],
        note=table.note,
        source="area",
    )


def suppress(table: Table, minimum: int) -> Table:
    """Hide, in place, every value describing fewer than ``minimum`` people, then what would reveal one."""
    for line in table.lines:
        line.hidden = [people is not None and people < minimum for people in line.people]
    changed = True
    while changed:
        changed = False
        for line in table.lines:
            for index, column in enumerate(table.columns):
                if not line.hidden[index] and any(line.hidden[source] for source in column.follows):
                    line.hidden[index] = changed = True
            for group in table.column_groups:
                changed |= _hide_next(line, [(line, index) for index in group])
        for index, column in enumerate(table.columns):
            if column.adds_up:
                changed |= _hide_next(None, [(line, index) for line in table.lines])
    return table


def _hide_next(_owner: Line | None, cells: list[tuple[Line, int]]) -> bool:
    """If exactly one of these cells is hidden, hide the one describing the fewest people next."""
    about_people = [(line, index) for line, index in cells if line.people[index] is not None]
    hidden = [cell for cell in about_people if cell[0].hidden[cell[1]]]
    if len(hidden) != 1:
        return False
    candidates = [cell for cell in about_people if not cell[0].hidden[cell[1]]]
    if not candidates:
        return False
    line, index = min(candidates, key=lambda cell: cell[0].people[cell[1]])
    line.hidden[index] = True
    return True
