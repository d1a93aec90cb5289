"""What action plans add to the programme report (:data:`events.signals.report_sections`): how many
countries' plans are in each status per event, and each country's status per event.

A row's ``people`` is the number of approved participants the row's countries sent: a plan is a
country's document, not personal data, but a row about one country of one or two participants
would still point at them (their country was working on a plan, or had none), so the report's
small-cell rule applies to those participants as it does elsewhere.
"""

from __future__ import annotations

from events.action_plans import services
from events.i18n.catalogues import N_, translations
from events.i18n.labels import country_names
from events.programme.tables import Event
from events.reports.sections import ReportRow, ReportTable

STATUSES = ("none", "draft", "submitted", "reviewed")
STATUS_WORDS = {
    "none": N_("Not started"),
    "draft": N_("Draft"),
    "submitted": N_("Submitted"),
    "reviewed": N_("Reviewed"),
}


async def action_plan_tables(event_ids: list[int], language: str) -> list[ReportTable]:
    """Two tables: countries per status for each event, and country × event with the status."""
    found = await services.status_counts(event_ids)
    if not any(found.values()):
        return []
    gettext = translations(language, "messages").gettext
    names = country_names(language)
    titles = {
        row["id"]: row["title"]
        for row in await Event.select(Event.id, Event.title).where(Event.id.is_in(sorted(found)))
    }
    per_event = []
    for event_id in sorted(found):
        countries = found[event_id]
        counts = [sum(1 for c in countries.values() if c["status"] == status) for status in STATUSES]
        per_event.append(
            ReportRow(
                key=str(event_id),
                label=titles.get(event_id, str(event_id)),
                values=[*counts, len(countries)],
                people=sum(c["participants"] for c in countries.values()),
            )
        )
    columns = [gettext(STATUS_WORDS[status]) for status in STATUSES]
    by_country: dict[str, dict[int, dict]] = {}
    for event_id, countries in found.items():
        for country, entry in countries.items():
            by_country.setdefault(country, {})[event_id] = entry
    ordered = sorted(found)
    country_rows = [
        ReportRow(
            key=country,
            label=names.get(country, country),
            values=[gettext(STATUS_WORDS[events[e]["status"]]) if e in events else None for e in ordered],
            people=sum(entry["participants"] for entry in events.values()),
        )
        for country, events in sorted(by_country.items())
    ]
    return [
        ReportTable(
            key="action_plans.status_by_event",
            title=gettext(N_("Country action plans by status")),
            columns=[*columns, gettext(N_("Countries"))],
            rows=per_event,
            chart="bar",
            note=gettext(
                N_(
                    "Countries represented by approved participants; “Not started” counts those "
                    "without a plan yet."
                )
            ),
        ),
        ReportTable(
            key="action_plans.by_country",
            title=gettext(N_("Action plan of each country")),
            columns=[titles.get(e, str(e)) for e in ordered],
            rows=country_rows,
            chart="none",
        ),
    ]
