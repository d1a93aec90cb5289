"""What evaluations add to the programme report (:data:`events.signals.report_sections`): response
rates per event and phase, and the self-assessment before/after per event and item (the groups'
means; ``people`` is the smaller of the two groups, so the report withholds a row either phase of
which has too few answers)."""

from __future__ import annotations

from events.evaluations.results import results_for_report
from events.i18n import catalogues
from events.i18n.catalogues import N_
from events.reports.sections import ReportRow, ReportTable

PHASE_WORDS = {"before": N_("before the event"), "after": N_("after the event")}


def _(message: str, language: str) -> str:
    return catalogues.gettext(message, language, "messages")


async def report_tables(event_ids: list[int], language: str) -> list[ReportTable]:
    found = await results_for_report(event_ids, language)
    if not found:
        return []
    rates: list[ReportRow] = []
    changes: list[ReportRow] = []
    for event_row, result in found:
        for rate in result.rates:
            rates.append(
                ReportRow(
                    key=f"{event_row['id']}:{rate.phase.value}",
                    label=f"{event_row['title']} – {_(PHASE_WORDS[rate.phase.value], language)}",
                    values=[
                        rate.invited,
                        rate.answered,
                        round(100 * rate.answered / rate.invited, 1) if rate.invited else None,
                    ],
                    people=rate.answered,
                )
            )
        for change in result.changes:
            changes.append(
                ReportRow(
                    key=f"{event_row['id']}:{change.question_id}",
                    label=f"{event_row['title']} – {change.text}",
                    values=[change.mean_before, change.mean_after, change.change],
                    people=min(change.n_before, change.n_after),
                )
            )
    return [
        ReportTable(
            key="evaluations.response_rates",
            title=_(N_("Evaluation response rates"), language),
            columns=[
                _(N_("Invited"), language),
                _(N_("Answered"), language),
                _(N_("Response rate (%)"), language),
            ],
            rows=rates,
            chart="bar",
            note=_(
                N_("Invited: approved participants. Answered: those who sent the phase's questionnaire."),
                language,
            ),
        ),
        ReportTable(
            key="evaluations.self_assessment",
            title=_(N_("Self-assessment before and after"), language),
            columns=[
                _(N_("Mean before"), language),
                _(N_("Mean after"), language),
                _(N_("Change"), language),
            ],
            rows=changes,
            chart="before_after",
            note=_(
                N_(
                    "Ratings from 1 to 5. The means compare everyone who answered before with everyone who answered after (not the same people paired); anonymous answers cannot be paired."
                ),
                language,
            ),
        ),
    ]
