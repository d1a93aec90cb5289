"""Visit manifests as PDF and CSV: pure, data in, bytes out.

The PDF goes through the shared rendering core (``events.rendering``): every piece of text is
``markup`` (fallback fonts per script, shaped by HarfBuzz, a text layer that reads back as
typed), and each participant's name a ``TextBlock`` (``draw_text``: marks placed by the font,
an ``/ActualText`` span), so a name prints in Cyrillic, Arabic, Devanagari or Chinese as well
as in Latin.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from events.rendering import SANS, SANS_BOLD, markup, register_fonts
from events.rendering.flowables import TextBlock
from events.rendering.lists import list_table, page_footer


@dataclass(frozen=True)
class ManifestRow:
    name: str
    reference: str
    country: str
    phone: str
    accessibility: str
    guide_language: str
    meeting_point: str
    meeting_time: str
    vehicle: str
    checkpoint_id: str


@dataclass(frozen=True)
class Manifest:
    event: str
    site: str
    site_address: str
    date: str
    visit_time: str
    departs: str
    returns: str
    meeting_point: str
    guide_language: str
    #: The vehicle this manifest is for, or ``None`` for all of the slot's vehicles.
    vehicle: str | None
    slot_key: str
    rows: tuple[ManifestRow, ...]
    generated_at: datetime.datetime
    notes: str = ""


CSV_COLUMNS = (
    ("name", "Name"),
    ("reference", "Reference"),
    ("country", "Country"),
    ("phone", "Phone"),
    ("accessibility", "Accessibility needs"),
    ("guide_language", "Guide language"),
    ("meeting_point", "Meeting point"),
    ("meeting_time", "Meeting time"),
    ("vehicle", "Vehicle"),
    ("checkpoint_id", "Checkpoint"),
)


class ManifestRenderer:
    """Renders one manifest; returns bytes."""

    font = SANS
    bold_font = SANS_BOLD

    def csv(self, manifest: Manifest) -> bytes:
        """UTF-8 with a byte-order mark, so spreadsheet programs read every script correctly."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([title for _, title in CSV_COLUMNS])
        for row in manifest.rows:
            writer.writerow([_safe_cell(getattr(row, key)) for key, _ in CSV_COLUMNS])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")

    def pdf(self, manifest: Manifest) -> bytes:
        register_fonts()
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=landscape(A4),
            leftMargin=12 * mm,
            rightMargin=12 * mm,
            topMargin=12 * mm,
            bottomMargin=14 * mm,
            title=f"Manifest: {manifest.site}, {manifest.date}",
            author="OneStop Events",
        )
        text = ParagraphStyle("text", fontName=self.font, fontSize=9, leading=11)
        heading = ParagraphStyle("heading", fontName=self.bold_font, fontSize=14, leading=17)
        cell = ParagraphStyle("cell", fontName=self.font, fontSize=8, leading=9.5)
        head = ParagraphStyle("head", fontName=self.bold_font, fontSize=8, leading=9.5)
        scope = f"vehicle {manifest.vehicle}" if manifest.vehicle else "all vehicles"
        story: list = [
            Paragraph(_escape(f"Study visit manifest: {manifest.site}", bold=True), heading),
            Paragraph(_escape(f"{manifest.event} — {manifest.date}, on site {manifest.visit_time}"), text),
            Paragraph(
                _escape(
                    f"Meeting point: {manifest.meeting_point}; departure {manifest.departs}, back about "
                    f"{manifest.returns}. Guide language: {manifest.guide_language}. {scope.capitalize()}: "
                    f"{len(manifest.rows)} participant(s). Checkpoint: {manifest.slot_key}."
                ),
                text,
            ),
        ]
        if manifest.site_address:
            story.append(Paragraph(_escape(f"Address: {manifest.site_address}"), text))
        if manifest.notes:
            story.append(Paragraph(_escape(manifest.notes), text))
        story.append(Spacer(1, 4 * mm))
        columns = [
            "#",
            "Name",
            "Country",
            "Phone",
            "Accessibility needs",
            "Guide",
            "Meeting",
            "Vehicle",
            "Ref.",
            "Boarded",
        ]
        data = [[Paragraph(_escape(c, bold=True), head) for c in columns]]
        for number, row in enumerate(manifest.rows, start=1):
            data.append(
                [
                    str(number),
                    TextBlock(row.name, 8, leading=9.5),
                    Paragraph(_escape(row.country), cell),
                    Paragraph(_escape(row.phone), cell),
                    Paragraph(_escape(row.accessibility), cell),
                    Paragraph(_escape(row.guide_language), cell),
                    Paragraph(_escape(f"{row.meeting_time} {row.meeting_point}"), cell),
                    Paragraph(_escape(row.vehicle), cell),
                    TextBlock(row.reference, 8, leading=9.5, max_lines=1, minimum=5),
                    "",
                ]
            )
        if not manifest.rows:
            data.append(["", Paragraph("Nobody is assigned.", cell), "", "", "", "", "", "", "", ""])
        widths = [8, 52, 16, 32, 58, 14, 42, 28, 32, 16]
        story.append(list_table(data, widths, font=self.font))
        generated = f"Generated {manifest.generated_at:%Y-%m-%d %H:%M %Z} by OneStop Events. Personal data: keep safe, destroy after the visit."
        footer = page_footer(generated, landscape(A4)[0])

        document.build(story, onFirstPage=footer, onLaterPages=footer)
        return buffer.getvalue()


def _escape(value: str, *, bold: bool = False) -> str:
    """Paragraph markup for ``value`` in any script (escaped; ``markup`` names each run's font)."""
    return markup(value, bold=bold)


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d[\d ]*")


def _safe_cell(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula (CSV injection); plain numbers
    such as phone numbers stay as they are (as in the registration export)."""
    if value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value
