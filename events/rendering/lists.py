"""People listed on paper — visit manifests, driver manifests, rooming lists, DSA payment sheets — in
one look: a header row on a pale band, a light grid, the header repeated on every page, and a footer
saying when the list was made, that it holds personal data, and the page number."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import Table, TableStyle

from events.rendering import SANS, draw_text

HEADER = colors.HexColor("#e8edf3")
GRID = colors.HexColor("#9aa5b1")
BAND = colors.HexColor("#f7f9fb")


def list_table(
    data: list[list[Any]],
    widths_mm: Sequence[float],
    *,
    font: str = SANS,
    valign: str = "TOP",
    banded: bool = True,
    extra: Sequence[tuple] = (),
) -> Table:
    """``data`` (the header row first) as a table of columns ``widths_mm`` wide; ``extra`` adds
    TableStyle commands (alignment of number columns, padding for a signature)."""
    table = Table(data, colWidths=[width * mm for width in widths_mm], repeatRows=1)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("VALIGN", (0, 0), (-1, -1), valign),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER),
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
    ]
    if banded:
        style.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, BAND]))
    table.setStyle(TableStyle([*style, *extra]))
    return table


def page_footer(
    text: str, page_width: float, margin_mm: float = 12, *, page_label: str = "Page %(page)s"
) -> Callable[[Any, Any], None]:
    """A page callback for ``SimpleDocTemplate.build``: ``text`` at the start, the page number at
    the end (``page_label``, already in the reader's language, with ``%(page)s``)."""

    def draw(canvas, doc) -> None:
        canvas.saveState()
        draw_text(canvas, margin_mm * mm, 8 * mm, text, 7)
        draw_text(
            canvas, page_width - margin_mm * mm, 8 * mm, page_label % {"page": doc.page}, 7, align="right"
        )
        canvas.restoreState()

    return draw
