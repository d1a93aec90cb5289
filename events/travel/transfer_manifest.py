"""A transfer run's driver manifest as PDF: pure, data in, bytes out.

Drawn like the study-visit manifests (``events.visits.render``) through the shared rendering core:
every text is ``markup`` (font fallback per script) and each name a ``TextBlock``, so names print in
any script. Times are already local (the event's zone) when they arrive here.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from events.rendering import SANS, SANS_BOLD, markup, register_fonts
from events.rendering.flowables import TextBlock
from events.rendering.lists import list_table, page_footer


@dataclass(frozen=True)
class Row:
    name: str
    flight: str
    flight_at: str
    phone: str
    step_free: bool


@dataclass(frozen=True)
class Manifest:
    event: str
    direction: str
    key: str
    vehicle: str
    driver: str
    leaves_at: str
    waits_until: str
    meeting_point: str
    contact_phone: str
    time_zone: str
    rows: tuple[Row, ...]
    generated_at: datetime.datetime


def render(manifest: Manifest) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    arrival = manifest.direction == "arrival"
    title = "Airport pick-up" if arrival else "Airport drop-off"
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"{title}: {manifest.vehicle}, {manifest.leaves_at}",
        author="OneStop Events",
    )
    text = ParagraphStyle("text", fontName=SANS, fontSize=9, leading=12)
    heading = ParagraphStyle("heading", fontName=SANS_BOLD, fontSize=14, leading=17)
    cell = ParagraphStyle("cell", fontName=SANS, fontSize=8, leading=9.5)
    head = ParagraphStyle("head", fontName=SANS_BOLD, fontSize=8, leading=9.5)
    step_free = sum(row.step_free for row in manifest.rows)
    timing = f"Leaves {manifest.leaves_at} ({manifest.time_zone})"
    if arrival and manifest.waits_until:
        timing += f"; waits for delayed flights until {manifest.waits_until}"
    story: list = [
        Paragraph(markup(f"{title} manifest: {manifest.vehicle}", bold=True), heading),
        Paragraph(markup(manifest.event), text),
        Paragraph(markup(timing + "."), text),
        Paragraph(markup(f"Meeting point: {manifest.meeting_point or '-'}"), text),
        Paragraph(
            markup(
                f"Driver: {manifest.driver or '-'}. Contact: {manifest.contact_phone or '-'}. "
                f"Riders: {len(manifest.rows)}, {step_free} needing a step-free seat. "
                f"Boarding checkpoint: {manifest.key}."
            ),
            text,
        ),
        Spacer(1, 4 * mm),
    ]
    columns = ["#", "Name", "Flight", "Lands" if arrival else "Leaves", "Phone", "Step-free", "Boarded"]
    data = [[Paragraph(markup(c, bold=True), head) for c in columns]]
    for number, row in enumerate(manifest.rows, start=1):
        data.append(
            [
                str(number),
                TextBlock(row.name, 8, leading=9.5),
                Paragraph(markup(row.flight), cell),
                Paragraph(markup(row.flight_at), cell),
                Paragraph(markup(row.phone), cell),
                Paragraph(markup("yes" if row.step_free else ""), cell),
                "",
            ]
        )
    if not manifest.rows:
        data.append(["", Paragraph("Nobody rides this run.", cell), "", "", "", "", ""])
    widths = [8, 58, 20, 28, 34, 18, 18]
    story.append(list_table(data, widths))
    generated = (
        f"Generated {manifest.generated_at:%Y-%m-%d %H:%M %Z} by OneStop Events. "
        "Personal data: keep safe, destroy after the transfer."
    )
    footer = page_footer(generated, A4[0])

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
