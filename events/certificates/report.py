"""The programme report's table "Certificates of attendance" (``report_sections``): per event, how
many approved participants are eligible and how many hold a valid certificate."""

from __future__ import annotations

from events.certificates.eligibility import KIND, eligibility_of
from events.i18n import catalogues
from events.i18n.catalogues import N_
from events.letters.tables import Letter, LetterStatus
from events.programme import services as programme_services
from events.reports.sections import ReportRow, ReportTable


async def certificate_section(event_ids: list[int], lang: str) -> list[ReportTable]:
    def _(text: str) -> str:
        return catalogues.gettext(text, lang, "messages")

    rows = []
    for event_id in event_ids:
        event = await programme_services.get_event_row(event_id)
        standing = await eligibility_of(event_id)
        issued = len(
            {
                row["registration"]
                for row in await Letter.select(Letter.registration).where(
                    Letter.event == event_id,
                    Letter.kind == KIND.value,
                    Letter.status == LetterStatus.valid.value,
                )
            }
        )
        rows.append(
            ReportRow(
                key=str(event_id),
                label=event["title"],
                values=[standing.eligible, issued],
                people=max(standing.eligible, issued),
            )
        )
    if not rows:
        return []
    return [
        ReportTable(
            key="certificates.attendance",
            title=_(N_("Certificates of attendance")),
            columns=[_(N_("Eligible")), _(N_("Issued"))],
            rows=rows,
            note=_(
                N_(
                    "Eligible: approved participants who meet the event's certificate rule; issued: valid certificates."
                )
            ),
        )
    ]
