"""A hotel's rooming list as PDF and XLSX: pure, data in, bytes out.

The columns hotels expect: guest name in Latin script, arrival date, departure date, nights, room
type, sharing with, accessible, confirmation / reference, notes. A passport name in another script
is listed by the registration's Latin name (as in the passport's machine-readable zone); without
one, the name stays as written and the notes say so. The PDF goes through the shared rendering core
(``events.rendering``), so any name still prints and reads back as typed.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from dataclasses import dataclass

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from events.rendering import SANS, SANS_BOLD, markup, register_fonts
from events.rendering.flowables import TextBlock
from events.rendering.lists import list_table, page_footer

COLUMNS = (
    "Guest name",
    "Arrival",
    "Departure",
    "Nights",
    "Room type",
    "Sharing with",
    "Accessible",
    "Confirmation / reference",
    "Notes",
)
NO_LATIN_NAME = "No Latin-script name on file"


def is_latin(text: str) -> bool:
    """Every letter of ``text`` is a Latin letter (accents allowed)."""
    return all(unicodedata.name(char, "").startswith("LATIN") for char in text if char.isalpha())


def guest_name(given_names: str, family_name: str, latin_name: str) -> tuple[str, bool]:
    """The name for the hotel, ``FAMILY, Given``, in Latin script when the registration has one;
    and whether it is in Latin script."""
    given, family = given_names.strip(), family_name.strip()
    if is_latin(given + family):
        return (f"{family.upper()}, {given}" if given else family.upper()), True
    if latin_name.strip() and is_latin(latin_name):
        return latin_name.strip(), True
    return (f"{family}, {given}" if given else family), False


@dataclass(frozen=True)
class RoomingRow:
    guest: str
    arrival: datetime.date
    departure: datetime.date
    room_type: str
    sharing_with: str
    accessible: bool
    reference: str
    notes: str

    @property
    def nights(self) -> int:
        return (self.departure - self.arrival).days


@dataclass(frozen=True)
class RoomingList:
    event: str
    hotel: str
    hotel_address: str
    rows: tuple[RoomingRow, ...]
    generated_at: datetime.datetime


def _cells(row: RoomingRow) -> list:
    return [
        row.guest,
        row.arrival,
        row.departure,
        row.nights,
        row.room_type,
        row.sharing_with,
        "Yes" if row.accessible else "",
        row.reference,
        row.notes,
    ]


def xlsx(rooming: RoomingList) -> bytes:
    """One sheet, a header row, dates as dates; text never read as a formula."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Rooming list"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rooming.rows:
        sheet.append(_cells(row))
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("", cell.value)
                cell.data_type = "s"
            elif isinstance(cell.value, datetime.date):
                cell.number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHI", (32, 12, 12, 8, 22, 32, 11, 24, 40), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def pdf(rooming: RoomingList) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=landscape(A4),
        leftMargin=10 * mm,
        rightMargin=10 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"Rooming list: {rooming.hotel}",
        author="OneStop Events",
    )
    text = ParagraphStyle("text", fontName=SANS, fontSize=9, leading=11)
    heading = ParagraphStyle("heading", fontName=SANS_BOLD, fontSize=14, leading=17)
    cell = ParagraphStyle("cell", fontName=SANS, fontSize=8, leading=9.5)
    head = ParagraphStyle("head", fontName=SANS_BOLD, fontSize=8, leading=9.5)
    nights = sum(row.nights for row in rooming.rows)
    story: list = [
        Paragraph(markup(f"Rooming list: {rooming.hotel}", bold=True), heading),
        Paragraph(markup(f"{rooming.event}. {len(rooming.rows)} guest(s), {nights} guest night(s)."), text),
    ]
    if rooming.hotel_address:
        story.append(Paragraph(markup(rooming.hotel_address), text))
    story.append(Spacer(1, 4 * mm))
    data = [[Paragraph(markup(title, bold=True), head) for title in COLUMNS]]
    for row in rooming.rows:
        data.append(
            [
                TextBlock(row.guest, 8, leading=9.5),
                row.arrival.isoformat(),
                row.departure.isoformat(),
                str(row.nights),
                Paragraph(markup(row.room_type), cell),
                TextBlock(row.sharing_with, 8, leading=9.5) if row.sharing_with else "",
                "Yes" if row.accessible else "",
                Paragraph(markup(row.reference), cell),
                Paragraph(markup(row.notes), cell),
            ]
        )
    if not rooming.rows:
        data.append([Paragraph("No room is allocated in this hotel.", cell), *[""] * 8])
    widths = [50, 20, 20, 12, 32, 45, 18, 32, 48]
    story.append(list_table(data, widths))
    footer_text = (
        f"Generated {rooming.generated_at:%Y-%m-%d %H:%M %Z} by OneStop Events. "
        "Personal data: keep safe, destroy after the stay."
    )
    footer = page_footer(footer_text, landscape(A4)[0], margin_mm=10)

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
