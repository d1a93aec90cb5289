"""The programme report: what each area adds for the events it covers (filled in by the report work)."""

from __future__ import annotations

from events import signals
from events.reports.sections import ReportTable


async def area_tables(event_ids: list[int], language: str) -> list[ReportTable]:
    """The tables the areas add through :data:`events.signals.report_sections`, in connection order."""
    found: list[ReportTable] = []
    for tables in await signals.report_sections.send(event_ids, language):
        found.extend(tables)
    return found
