"""The letter renderer: a :class:`LetterData` in, PDF bytes out (reportlab platypus).

Pure: no database, no HTTP, no clock (the date printed is in the data, and the PDF is built with
reportlab's ``invariant`` mode, so the same data gives the same bytes). Fonts, fallback runs,
right-to-left shaping and the QR code come from :mod:`events.rendering`; every piece of text goes
into a Paragraph through :func:`events.rendering.markup`, so a name in Arabic, Cyrillic or Chinese
inside a French sentence is drawn with the right font.

Right-to-left letters (Arabic): ``markup`` shapes a string and puts it in visual order *before*
the Paragraph wraps it, which is right for a name but not for a whole paragraph. So a
right-to-left paragraph is wrapped here first, in logical order, by measured width
(:func:`events.rendering.string_width`), then each line is shaped on its own and the lines are
right-aligned. Chinese paragraphs wrap between any two characters (``wordWrap="CJK"``).

The PDF's document information carries what the service needs later without parsing the page
content: ``/Subject`` is the participant's name as printed, ``/Keywords`` holds the fingerprint of
the data (``data-sha256:…``), read back by :func:`read_facts`.
"""

from __future__ import annotations

import io
from typing import Literal

import msgspec
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    HRFlowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    TableStyle,
)

from events.rendering import (
    draw_qr,
    draw_text,
    fit_lines,
    has_rtl,
    markup,
    primary_font,
    register_fonts,
    string_width,
)

#: ``(kind, text)``: kind is ``text`` (template wording), ``value`` (a filled placeholder),
#: ``bold`` (a value printed in bold, e.g. the name) or ``break`` (a line break).
Segment = tuple[str, str]
KEYWORD_PREFIX = "data-sha256:"
#: RIGHT-TO-LEFT MARK: put first on a line of a right-to-left letter, it makes the line's base
#: direction right to left even when it starts with a Latin word (a wrapped line, "Baku, 2 …").
RLM = "\u200f"
#: platypus frames keep 6 points of padding on each side.
FRAME_PADDING = 6


#: A fixed QR mask: choosing the best one costs ~10 ms per letter, and all eight decode reliably
#: at the letter's 22 mm (40/40 with zxing at 150 dpi for each).
_QR_MASK = 2


class LetterData(msgspec.Struct, frozen=True, kw_only=True):
    """Everything printed on one letter, already worded and formatted in its language."""

    kind: str
    language: str
    direction: Literal["ltr", "rtl"] = "ltr"
    reference: str
    reference_label: str
    place_and_date: str
    host_name: str
    host_address: tuple[str, ...]
    host_contact: str
    contact_label: str
    logo: bytes | None = None
    addressee: tuple[str, ...]
    title: tuple[Segment, ...]
    body: tuple[tuple[Segment, ...], ...]
    particulars_heading: str
    particulars: tuple[tuple[str, str], ...]
    costs_heading: str
    costs: str
    statement: str
    closing: str
    signatory_name: str
    signatory_title: str
    signature: bytes | None = None
    verification_url: str
    verification_text: str
    document_title: str
    document_subject: str
    fingerprint: str = ""


class PdfFacts(msgspec.Struct, frozen=True):
    fingerprint: str
    subject: str


class LetterRenderer:
    """Lays out letters on A4 with the ``serif`` font family; one instance serves many letters
    (and threads: it keeps no per-letter state)."""

    family: Literal["serif"] = "serif"

    def __init__(self, *, page_size: tuple[float, float] = A4, size: float = 10.0) -> None:
        register_fonts()
        self.page_size = page_size
        self.size = size
        self.margin_x = 22 * mm
        self.margin_top = 14 * mm
        self.margin_bottom = 33 * mm
        self.qr_side = 22 * mm
        self.width = page_size[0] - 2 * self.margin_x - 2 * FRAME_PADDING
        font = primary_font(family=self.family)
        bold = primary_font(bold=True, family=self.family)
        leading = size * 1.32
        self.styles = {
            "body": ParagraphStyle(
                "body", fontName=font, fontSize=size, leading=leading, spaceAfter=size * 0.6
            ),
            "small": ParagraphStyle("small", fontName=font, fontSize=size - 2, leading=(size - 2) * 1.3),
            "label": ParagraphStyle("label", fontName=bold, fontSize=size - 1, leading=(size - 1) * 1.3),
            "cell": ParagraphStyle("cell", fontName=font, fontSize=size - 0.5, leading=(size - 0.5) * 1.3),
            "title": ParagraphStyle(
                "title", fontName=bold, fontSize=size + 2.5, leading=(size + 2.5) * 1.3, alignment=TA_CENTER
            ),
            "host": ParagraphStyle("host", fontName=bold, fontSize=size + 1.5, leading=(size + 1.5) * 1.25),
        }

    # --- public -------------------------------------------------------------------------------

    def render(self, data: LetterData) -> bytes:
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=self.page_size,
            leftMargin=self.margin_x,
            rightMargin=self.margin_x,
            topMargin=self.margin_top,
            bottomMargin=self.margin_bottom,
            title=data.document_title,
            author=data.host_name,
            subject=data.document_subject,
            keywords=f"{KEYWORD_PREFIX}{data.fingerprint}" if data.fingerprint else "",
            creator="OneStop Events",
            invariant=True,
            lang=data.language,
        )

        def footer(canvas: Canvas, _document) -> None:
            self._footer(canvas, data)

        document.build(self._story(data), onFirstPage=footer, onLaterPages=footer)
        return buffer.getvalue()

    # --- layout -------------------------------------------------------------------------------

    def _rtl(self, data: LetterData) -> bool:
        return data.direction == "rtl"

    def _style(self, name: str, data: LetterData, **changes) -> ParagraphStyle:
        style = self.styles[name]
        if self._rtl(data) and style.alignment == TA_LEFT:
            changes.setdefault("alignment", TA_RIGHT)
        if data.language in {"zh", "ja"}:
            changes.setdefault("wordWrap", "CJK")
        return ParagraphStyle(f"{name}-{data.language}", parent=style, **changes) if changes else style

    def _text(self, text: str, *, bold: bool = False) -> str:
        return markup(text, bold=bold, family=self.family)

    def _rtl_line(self, text: str, *, bold: bool = False) -> str:
        """One line of a right-to-left letter: right-to-left base direction when it has any
        right-to-left letter (the mark is dropped once the line is shaped)."""
        return self._text(RLM + text if has_rtl(text) else text, bold=bold)

    def _segments(self, segments: tuple[Segment, ...], *, bold: bool = False) -> str:
        out = []
        for kind, text in segments:
            if kind == "break":
                out.append("<br/>")
            else:
                out.append(self._text(text, bold=bold or kind == "bold"))
        return "".join(out)

    def _paragraph(
        self,
        data: LetterData,
        segments: tuple[Segment, ...] | str,
        style: str = "body",
        *,
        bold: bool = False,
        width: float | None = None,
        **changes,
    ) -> Paragraph:
        if isinstance(segments, str):
            segments = (("text", segments),)
        paragraph_style = self._style(style, data, **changes)
        if not self._rtl(data):
            return Paragraph(self._segments(segments, bold=bold), paragraph_style)
        # Right to left: wrap in logical order, then shape each line on its own.
        text = "".join("\n" if kind == "break" else piece for kind, piece in segments)
        lines: list[str] = []
        for line in text.split("\n"):
            lines.extend(self._wrap(line, (width or self.width) * 0.98, paragraph_style.fontSize, bold=bold))
        return Paragraph("<br/>".join(self._rtl_line(line, bold=bold) for line in lines), paragraph_style)

    def _wrap(self, text: str, width: float, size: float, *, bold: bool) -> list[str]:
        words = text.split()
        lines: list[str] = []
        line = ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if line and string_width(candidate, size, bold=bold, family=self.family) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        if line or not lines:
            lines.append(line)
        return lines

    def _story(self, data: LetterData) -> list[Flowable]:
        story: list[Flowable] = [self._letterhead(data)]
        story.append(
            HRFlowable(
                width="100%", thickness=0.6, color=colors.HexColor("#1f4e79"), spaceBefore=3, spaceAfter=8
            )
        )
        rtl, size = self._rtl(data), self.size
        story.append(
            _TextLines(
                [
                    _Line(data.place_and_date, size, False),
                    _Line(data.reference, size, True, prefix=f"{data.reference_label}: "),
                ],
                end=True,
                rtl=rtl,
                family=self.family,
                space_after=8,
            )
        )
        addressee = [_Line(line, size, number == 0) for number, line in enumerate(data.addressee)]
        story.append(_TextLines(addressee, rtl=rtl, family=self.family, space_after=10))
        story.append(self._paragraph(data, data.title, "title", bold=True, spaceAfter=10))
        for segments in data.body:
            story.append(self._paragraph(data, segments))
        story.append(
            _TextLines(
                [_Line(data.particulars_heading, size - 1, True)], rtl=rtl, family=self.family, space_after=3
            )
        )
        story.append(self._particulars(data))
        story.append(Spacer(1, 6))
        if data.costs:  # a certificate of attendance has none
            story.append(self._paragraph(data, ((("bold", f"{data.costs_heading}: "), ("text", data.costs)))))
        story.append(self._statement(data))
        story.append(Spacer(1, 4))
        story.append(KeepTogether(self._signature(data)))
        return story

    def _letterhead(self, data: LetterData) -> Flowable:
        lines: list[_Line] = [_Line(data.host_name, self.size + 1.5, True)]
        lines += [_Line(line, self.size - 2, False) for line in data.host_address]
        lines.append(_Line(f"{data.contact_label}: {data.host_contact}", self.size - 2, False))
        logo = _Picture(data.logo, 40 * mm, 22 * mm) if data.logo else None
        return _Letterhead(lines, logo, rtl=self._rtl(data), family=self.family)

    def _particulars(self, data: LetterData) -> Flowable:
        return _Rows(
            data.particulars,
            label_width=64 * mm,
            size=self.size - 0.5,
            rtl=self._rtl(data),
            family=self.family,
        )

    def _statement(self, data: LetterData) -> Flowable:
        return _Boxed(
            _TextLines(
                [_Line(data.statement, self.size - 1.5, False)], rtl=self._rtl(data), family=self.family
            )
        )

    def _signature(self, data: LetterData) -> list[Flowable]:
        rtl, size = self._rtl(data), self.size
        flowables: list[Flowable] = [
            _TextLines([_Line(data.closing, size, False)], rtl=rtl, family=self.family, space_after=4)
        ]
        if data.signature:
            picture = _Picture(data.signature, 50 * mm, 16 * mm)
            picture.hAlign = "RIGHT" if rtl else "LEFT"
            flowables.append(picture)
        else:
            flowables.append(Spacer(1, 12 * mm))
        lines = [
            _Line(data.signatory_name, size, True),
            _Line(data.signatory_title, size, False),
            _Line(data.host_name, size, False),
        ]
        flowables.append(_TextLines(lines, rtl=rtl, family=self.family))
        return flowables

    def _footer(self, canvas: Canvas, data: LetterData) -> None:
        rtl = self._rtl(data)
        width, _height = self.page_size
        bottom = 10 * mm
        top = bottom + self.qr_side
        canvas.saveState()
        canvas.setStrokeColor(colors.HexColor("#1f4e79"))
        canvas.setLineWidth(0.4)
        canvas.line(self.margin_x, top + 3 * mm, width - self.margin_x, top + 3 * mm)
        qr_x = self.margin_x if rtl else width - self.margin_x - self.qr_side
        draw_qr(canvas, qr_x, bottom, self.qr_side, data.verification_url, background=None, mask=_QR_MASK)
        text_width = self.width - self.qr_side - 6 * mm
        x = width - self.margin_x if rtl else self.margin_x
        align = "right" if rtl else "left"
        canvas.setFillColor(colors.HexColor("#333333"))
        size, lines = fit_lines(data.verification_text, text_width, 3, 8.5, 6.5, family=self.family)
        y = top - 9
        for line in lines:
            draw_text(canvas, x, y, line, size, align=align, family=self.family)
            y -= size * 1.3
        reference = f"{data.reference_label}: {data.reference} · {canvas.getPageNumber()}"
        if rtl and has_rtl(reference):
            reference = RLM + reference
        draw_text(canvas, x, bottom + 2, reference, 8, bold=True, align=align, family=self.family)
        canvas.restoreState()


_PLAIN = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


class _Line(msgspec.Struct, frozen=True):
    text: str
    size: float
    bold: bool
    #: Drawn before the text, not bold ("Reference: " before the bold reference); never wrapped.
    prefix: str = ""


def _draw_line(
    canvas: Canvas, x: float, y: float, text: str, size: float, *, bold: bool, rtl: bool, family
) -> None:
    """One line with ``events.rendering.draw_text``: from ``x`` rightwards, or (right to left)
    ending at ``x`` with a right-to-left base direction."""
    if rtl:
        draw_text(
            canvas, x, y, RLM + text if has_rtl(text) else text, size, bold=bold, align="right", family=family
        )
    else:
        draw_text(canvas, x, y, text, size, bold=bold, family=family)


class _TextLines(Flowable):
    """Lines of plain text drawn with ``events.rendering.draw_text``, each wrapped to the width:
    cheaper than a Paragraph for the one-line parts of a letter (date, reference, addressee,
    signatory). ``end`` aligns them to the right (to the left, right to left)."""

    def __init__(
        self, lines: list[_Line], *, rtl: bool, family, end: bool = False, space_after: float = 0
    ) -> None:
        super().__init__()
        self.lines, self.rtl, self.family, self.end = lines, rtl, family, end
        self.space_after = space_after

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        self.wrapped: list[_Line] = []
        for line in self.lines:
            if line.prefix:
                self.wrapped.append(line)
                continue
            _size, parts = fit_lines(
                line.text, available_width, 4, line.size, line.size, bold=line.bold, family=self.family
            )
            self.wrapped.extend(_Line(part, line.size, line.bold) for part in parts)
        self.height = sum(line.size * 1.32 for line in self.wrapped)
        return self.width, self.height

    def getSpaceAfter(self) -> float:
        return self.space_after

    def draw(self) -> None:
        canvas = self.canv
        right = self.rtl != self.end  # right-aligned: start of an RTL line, end of an LTR one
        y = self.height
        for line in self.wrapped:
            y -= line.size * 1.32
            baseline = y + line.size * 0.3
            prefix_width = string_width(line.prefix, line.size, family=self.family) if line.prefix else 0.0
            text_width = string_width(line.text, line.size, bold=line.bold, family=self.family)
            if self.rtl:
                x = self.width if right else prefix_width + text_width
                if line.prefix:
                    _draw_line(
                        canvas, x, baseline, line.prefix, line.size, bold=False, rtl=True, family=self.family
                    )
                _draw_line(
                    canvas,
                    x - prefix_width,
                    baseline,
                    line.text,
                    line.size,
                    bold=line.bold,
                    rtl=True,
                    family=self.family,
                )
            else:
                x = self.width - prefix_width - text_width if right else 0.0
                if line.prefix:
                    _draw_line(
                        canvas, x, baseline, line.prefix, line.size, bold=False, rtl=False, family=self.family
                    )
                _draw_line(
                    canvas,
                    x + prefix_width,
                    baseline,
                    line.text,
                    line.size,
                    bold=line.bold,
                    rtl=False,
                    family=self.family,
                )


class _Boxed(Flowable):
    """A flowable in a framed, tinted box (the statement that the letter is not a visa)."""

    padding = 5.0
    frame = colors.HexColor("#1f4e79")
    fill = colors.HexColor("#f2f6fa")

    def __init__(self, inner: Flowable) -> None:
        super().__init__()
        self.inner = inner

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        _inner_width, inner_height = self.inner.wrap(available_width - 2 * self.padding - 2, available_height)
        self.height = inner_height + 2 * self.padding
        return self.width, self.height

    def getSpaceBefore(self) -> float:
        return 4.0

    def draw(self) -> None:
        canvas = self.canv
        canvas.saveState()
        canvas.setStrokeColor(self.frame)
        canvas.setFillColor(self.fill)
        canvas.setLineWidth(0.5)
        canvas.rect(0, 0, self.width, self.height, stroke=1, fill=1)
        canvas.restoreState()
        self.inner.drawOn(canvas, self.padding + 1, self.padding)


class _Letterhead(Flowable):
    """The host's name, address and contact, after the logo (before it, right to left). Drawn
    line by line, each wrapped to the width (cheaper than a table of paragraphs)."""

    def __init__(self, lines: list[_Line], logo: Flowable | None, *, rtl: bool, family) -> None:
        super().__init__()
        self.lines, self.logo, self.rtl, self.family = lines, logo, rtl, family
        self.gap = 4 * mm

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        text_width = available_width - (self.logo.width + self.gap if self.logo else 0)
        self.wrapped = []
        for line in self.lines:
            _size, parts = fit_lines(
                line.text, text_width, 3, line.size, line.size, bold=line.bold, family=self.family
            )
            self.wrapped.extend(_Line(part, line.size, line.bold) for part in parts)
        self.text_height = sum(line.size * 1.25 for line in self.wrapped)
        self.height = max(self.text_height, self.logo.height if self.logo else 0)
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        offset = self.logo.width + self.gap if self.logo else 0
        if self.logo:
            self.logo.drawOn(
                canvas, self.width - self.logo.width if self.rtl else 0, self.height - self.logo.height
            )
        x = self.width - offset if self.rtl else offset
        y = self.height
        for line in self.wrapped:
            y -= line.size * 1.25
            _draw_line(
                canvas,
                x,
                y + line.size * 0.25,
                line.text,
                line.size,
                bold=line.bold,
                rtl=self.rtl,
                family=self.family,
            )


class _Rows(Flowable):
    """Label and value rows with a hairline under each: the participant's particulars. Values
    wrap onto as many lines as they need (never cut); labels are bold."""

    padding = 1.8
    rule = colors.HexColor("#c8d3df")

    def __init__(self, rows, *, label_width: float, size: float, rtl: bool, family) -> None:
        super().__init__()
        self.rows, self.label_width, self.size, self.rtl, self.family = rows, label_width, size, rtl, family
        self.leading = size * 1.3

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        value_width = available_width - self.label_width - 6
        self.wrapped = []
        for label, value in self.rows:
            _s, labels = fit_lines(
                label, self.label_width - 8, 6, self.size, self.size, bold=True, family=self.family
            )
            _s, values = fit_lines(value, value_width, 12, self.size, self.size, family=self.family)
            self.wrapped.append(
                (labels, values, max(len(labels), len(values)) * self.leading + 2 * self.padding)
            )
        self.height = sum(height for _labels, _values, height in self.wrapped)
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        label_x, value_x = (self.width, self.width - self.label_width) if self.rtl else (0, self.label_width)
        top = self.height
        canvas.setStrokeColor(self.rule)
        canvas.setLineWidth(0.25)
        for labels, values, height in self.wrapped:
            for column_x, lines, bold in ((label_x, labels, True), (value_x, values, False)):
                y = top - self.padding - self.size
                for line in lines:
                    _draw_line(
                        canvas, column_x, y, line, self.size, bold=bold, rtl=self.rtl, family=self.family
                    )
                    y -= self.leading
            top -= height
            canvas.line(0, top, self.width, top)


class _Picture(Flowable):
    """A PNG or JPEG scaled to fit ``max_width`` × ``max_height``, keeping its proportions."""

    def __init__(self, data: bytes, max_width: float, max_height: float) -> None:
        super().__init__()
        self.reader = ImageReader(io.BytesIO(data))
        pixels_wide, pixels_high = self.reader.getSize()
        scale = min(max_width / pixels_wide, max_height / pixels_high)
        self.width, self.height = pixels_wide * scale, pixels_high * scale

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        self.canv.drawImage(self.reader, 0, 0, self.width, self.height, mask="auto")


def read_facts(pdf: bytes) -> PdfFacts:
    """The fingerprint and the name a letter's PDF carries in its document information."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    info = reader.trailer["/Info"]
    keywords = str(info.get("/Keywords", ""))
    fingerprint = ""
    for word in keywords.replace(";", " ").split():
        if word.startswith(KEYWORD_PREFIX):
            fingerprint = word.removeprefix(KEYWORD_PREFIX)
    return PdfFacts(fingerprint=fingerprint, subject=str(info.get("/Subject", "")))
