"""The programme report as a PDF for the donor: a cover with the scope and the date, then each
table with its chart (reportlab.graphics bars) — every text in the reader's language, names and
labels in any script drawn through the shared rendering core (``events.rendering``).

Pure: a :class:`~events.reports.build.Report` in (already suppressed), bytes out.
"""

from __future__ import annotations

import io

from reportlab.graphics import renderPDF
from reportlab.graphics.charts.barcharts import HorizontalBarChart
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, PageBreak, SimpleDocTemplate, Spacer

from events.i18n.formatting import format_date
from events.i18n.labels import N_, gettext_for
from events.i18n.languages import direction
from events.rendering import SANS, draw_text, fit_lines, register_fonts
from events.rendering.flowables import TextBlock
from events.rendering.lists import list_table, page_footer
from events.reports.build import Report, cell_text, chart_data, suppression_note
from events.reports.document import Table

MARGIN_MM = 14
WIDTH = A4[0] - 2 * MARGIN_MM * mm
#: The bars' fills, one per series (the second also lighter, so it prints in grey too).
FILLS = [
    colors.HexColor("#1d70b8"),
    colors.HexColor("#9aa5b1"),
    colors.HexColor("#505a5f"),
    colors.HexColor("#d4d9de"),
]
LABEL_ROOM = 55 * mm
ROW_HEIGHT = 11


class BarChartFlowable(Flowable):
    """Horizontal grouped bars drawn by reportlab.graphics; category names, the legend and the
    suppressed values' "<N" drawn with ``draw_text`` (any script, shaped)."""

    def __init__(
        self,
        categories: list[str],
        series: list[str],
        values: list[list[float]],
        labels: list[list[str]],
        rtl: bool,
    ) -> None:
        super().__init__()
        self.categories, self.series, self.values, self.labels, self.rtl = (
            categories,
            series,
            values,
            labels,
            rtl,
        )
        group = ROW_HEIGHT * max(len(series), 1) + 4
        self.legend_height = 14 if len(series) > 1 else 0
        self.plot_height = max(len(categories), 1) * group
        self.width = WIDTH
        self.height = self.plot_height + self.legend_height + 6

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        drawing = Drawing(self.width, self.plot_height + 4)
        chart = HorizontalBarChart()
        chart.x = LABEL_ROOM
        chart.y = 2
        chart.width = self.width - LABEL_ROOM - 30
        chart.height = self.plot_height
        chart.data = [tuple(serie) for serie in self.values] or [(0,)]
        chart.categoryAxis.categoryNames = [str(index) for index in range(len(self.categories))]
        chart.categoryAxis.labels.fillColor = colors.white  # names drawn below, shaped
        chart.categoryAxis.labels.fontSize = 1
        chart.categoryAxis.reverseDirection = 1
        chart.valueAxis.valueMin = 0
        chart.valueAxis.valueMax = max([value for serie in self.values for value in serie] + [1]) * 1.15
        chart.valueAxis.visibleLabels = 0
        chart.valueAxis.visibleGrid = 0
        chart.barLabelFormat = "values"
        chart.barLabelArray = self.labels
        chart.barLabels.fontName = SANS
        chart.barLabels.fontSize = 7
        chart.barLabels.boxAnchor = "w"
        chart.barLabels.dx = 3
        chart.barSpacing = 0
        chart.groupSpacing = 4
        for index in range(len(self.values)):
            chart.bars[index].fillColor = FILLS[index % len(FILLS)]
            chart.bars[index].strokeColor = None
        drawing.add(chart)
        renderPDF.draw(drawing, canvas, 0, 0)
        step = self.plot_height / max(len(self.categories), 1)
        for index, name in enumerate(self.categories):
            y = 2 + self.plot_height - (index + 0.5) * step - 3
            draw_text(canvas, LABEL_ROOM - 6, y, _fit(name, LABEL_ROOM - 10), 8, align="right")
        if self.legend_height:
            x = LABEL_ROOM
            top = self.plot_height + 10
            for index, name in enumerate(self.series):
                canvas.setFillColor(FILLS[index % len(FILLS)])
                canvas.rect(x, top, 8, 8, stroke=0, fill=1)
                canvas.setFillColor(colors.black)
                x += 12 + draw_text(canvas, x + 12, top + 1, name, 8) + 14


def _fit(text: str, width: float) -> str:
    """A category name cut to one line of the label room at 8 pt."""
    _size, lines = fit_lines(text, width, 1, 8, 6)
    return lines[0] if lines else ""


def chart_for(report: Report, table: Table) -> BarChartFlowable | None:
    """The table's chart (:func:`events.reports.build.chart_data`) as a flowable."""
    data = chart_data(report, table)
    if data is None:
        return None
    return BarChartFlowable(
        data.categories,
        data.series,
        [[value or 0 for value in serie] for serie in data.values],
        data.labels,
        direction(report.language) == "rtl",
    )


def render_pdf(report: Report) -> bytes:
    register_fonts()
    gettext = gettext_for(report.language)
    rtl = direction(report.language) == "rtl"
    align = "right" if rtl else "left"
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN_MM * mm,
        rightMargin=MARGIN_MM * mm,
        topMargin=MARGIN_MM * mm,
        bottomMargin=16 * mm,
        title=report.title,
        author="OneStop Events",
    )

    def text(value: str, size: float = 9, *, bold: bool = False, lines: int = 8) -> TextBlock:
        return TextBlock(
            value, size, leading=size * 1.3, max_lines=lines, minimum=size, bold=bold, align=align
        )

    date = format_date(report.generated_on, report.language)
    story: list = [
        Spacer(1, 40 * mm),
        text(report.title, 22, bold=True, lines=3),
        Spacer(1, 8 * mm),
        text(gettext(N_("Participants, attendance and outcomes")), 13),
        Spacer(1, 6 * mm),
        text(gettext(N_("Prepared on %(date)s"), date=date), 10),
        Spacer(1, 10 * mm),
        text(gettext(N_("Events covered: %(count)s"), count=len(report.events)), 10, bold=True),
    ]
    for event in report.events:
        story.append(text(f"{event.title} — {format_date(event.start_date, report.language)}", 10, lines=3))
    story += [Spacer(1, 10 * mm), text(suppression_note(report), 9)]
    story.append(PageBreak())
    if report.empty:
        story.append(text(gettext(N_("No registrations yet: there is nothing to report.")), 11))
    for table in [report.summary, *report.tables]:
        story.extend(_table_story(report, table, text, rtl))
    footer = page_footer(
        f"{report.title} — {date}", A4[0], MARGIN_MM, page_label=gettext(N_("Page %(page)s"))
    )
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()


def _table_story(report: Report, table: Table, text, rtl: bool) -> list:
    align = "right" if rtl else "left"
    header = [TextBlock("", 7)] + [
        TextBlock(column.title, 7, max_lines=3, minimum=6, bold=True, align="right" if not rtl else "left")
        for column in table.columns
    ]
    rows = [header]
    for line in table.lines:
        rows.append(
            [TextBlock(line.label, 8, max_lines=2, minimum=6, align=align)]
            + [
                TextBlock(cell_text(report, table, line, index), 8, max_lines=2, minimum=6, align="right")
                for index in range(len(table.columns))
            ]
        )
    label_width = 52 if table.columns else 180
    rest = (WIDTH / mm - label_width) / max(len(table.columns), 1)
    widths = [label_width] + [rest] * len(table.columns)
    if rtl:
        rows = [list(reversed(row)) for row in rows]
        widths = list(reversed(widths))
    parts: list = [Spacer(1, 6 * mm), text(table.title, 12, bold=True, lines=3), Spacer(1, 2 * mm)]
    chart = chart_for(report, table)
    if chart is not None:
        parts += [chart, Spacer(1, 2 * mm)]
    parts.append(list_table(rows, widths, valign="MIDDLE"))
    if table.note:
        parts += [Spacer(1, 1.5 * mm), text(table.note, 7.5)]
    return [KeepTogether(parts[:4]), *parts[4:]] if chart is not None else parts
