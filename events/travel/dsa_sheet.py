"""The DSA payment sheet as PDF and XLSX: pure, data in, bytes out.

One row per participant with the nights, the rate, the reduction, the amount and a line to sign on
receipt. Names go through the shared rendering core (``events.rendering``): the passport name when
every character prints, else its Latin form, drawn by ``TextBlock`` (fallback fonts per script,
shaping, a text layer that reads back as typed).
"""

from __future__ import annotations

import datetime
import io
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

from events.rendering import SANS, SANS_BOLD, first_renderable, markup, register_fonts
from events.rendering.flowables import TextBlock
from events.rendering.lists import list_table, page_footer


@dataclass(frozen=True)
class SheetRow:
    name: str
    latin_name: str
    reference: str
    nights: int
    rate: Decimal
    reduction_percent: int
    amount: Decimal
    currency: str
    paid_at: datetime.date | None


@dataclass(frozen=True)
class DsaSheet:
    event: str
    city: str
    country: str
    generated_at: datetime.datetime
    rows: tuple[SheetRow, ...]


COLUMNS = (
    "#",
    "Name",
    "Reference",
    "Nights",
    "Rate",
    "Reduction %",
    "Amount",
    "Currency",
    "Paid on",
    "Signature",
)


def printed_name(row: SheetRow) -> str:
    """The passport name if every character prints, else its Latin form."""
    return first_renderable(row.name, row.latin_name.strip())


def totals(sheet: DsaSheet) -> dict[str, Decimal]:
    out: dict[str, Decimal] = defaultdict(Decimal)
    for row in sheet.rows:
        out[row.currency] += row.amount
    return dict(sorted(out.items()))


def _money(value: Decimal) -> str:
    return f"{value:,.2f}"


def render_pdf(sheet: DsaSheet) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    page = landscape(A4)
    document = SimpleDocTemplate(
        buffer,
        pagesize=page,
        leftMargin=12 * mm,
        rightMargin=12 * mm,
        topMargin=12 * mm,
        bottomMargin=14 * mm,
        title=f"DSA payment sheet: {sheet.event}",
        author="OneStop Events",
    )
    text = ParagraphStyle("text", fontName=SANS, fontSize=9, leading=11)
    heading = ParagraphStyle("heading", fontName=SANS_BOLD, fontSize=14, leading=17)
    cell = ParagraphStyle("cell", fontName=SANS, fontSize=8, leading=9.5)
    head = ParagraphStyle("head", fontName=SANS_BOLD, fontSize=8, leading=9.5)
    story: list = [
        Paragraph(markup(f"DSA payment sheet: {sheet.event}", bold=True), heading),
        Paragraph(
            markup(
                f"Daily subsistence allowance at {sheet.city} ({sheet.country}). "
                f"{len(sheet.rows)} participant(s). Each participant signs on receipt."
            ),
            text,
        ),
        Spacer(1, 4 * mm),
    ]
    data: list[list] = [[Paragraph(markup(c, bold=True), head) for c in COLUMNS]]
    for number, row in enumerate(sheet.rows, start=1):
        data.append(
            [
                str(number),
                TextBlock(printed_name(row), 9, leading=11),
                TextBlock(row.reference, 8, leading=9.5, max_lines=1, minimum=5),
                str(row.nights),
                _money(row.rate),
                str(row.reduction_percent),
                _money(row.amount),
                row.currency,
                row.paid_at.isoformat() if row.paid_at else "",
                "",
            ]
        )
    if not sheet.rows:
        data.append(["", Paragraph(markup("No DSA computed yet."), cell), "", "", "", "", "", "", "", ""])
    for currency, amount in totals(sheet).items():
        data.append(
            [
                "",
                Paragraph(markup("Total", bold=True), head),
                "",
                "",
                "",
                "",
                _money(amount),
                currency,
                "",
                "",
            ]
        )
    widths = [8, 62, 30, 14, 20, 18, 24, 16, 22, 59]
    story.append(
        list_table(
            data,
            widths,
            valign="MIDDLE",
            banded=False,
            extra=[
                ("ALIGN", (3, 1), (6, -1), "RIGHT"),
                ("TOPPADDING", (0, 1), (-1, -1), 7),
                ("BOTTOMPADDING", (0, 1), (-1, -1), 7),
            ],
        )
    )
    generated = (
        f"Generated {sheet.generated_at:%Y-%m-%d %H:%M %Z} by OneStop Events. Personal data: keep safe."
    )
    footer = page_footer(generated, page[0])

    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def render_xlsx(sheet: DsaSheet) -> bytes:
    """One sheet: a title line, the header, a row per participant (amounts as numbers), the totals."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font

    def text(value: str) -> str:
        return ILLEGAL_CHARACTERS_RE.sub("", value)

    workbook = Workbook()
    book = workbook.active
    book.title = "DSA"
    book.append([text(f"DSA payment sheet: {sheet.event} ({sheet.city}, {sheet.country})")])
    book["A1"].font = Font(bold=True)
    book.append(list(COLUMNS))
    for cell in book[2]:
        cell.font = Font(bold=True)
    for number, row in enumerate(sheet.rows, start=1):
        book.append(
            [
                number,
                text(row.name.strip() or row.latin_name),
                text(row.reference),
                row.nights,
                row.rate,
                row.reduction_percent,
                row.amount,
                row.currency,
                row.paid_at,
                "",
            ]
        )
    for currency, amount in totals(sheet).items():
        book.append(["", "Total", "", "", "", "", amount, currency, "", ""])
    for line in book.iter_rows():
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # text that looks like a formula stays text
    for line in book.iter_rows(min_row=3):
        for index in (4, 6):
            line[index].number_format = "#,##0.00"
        line[8].number_format = "yyyy-mm-dd"
    for letter, width in zip("ABCDEFGHIJ", (5, 36, 18, 8, 10, 12, 12, 10, 12, 30), strict=True):
        book.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
