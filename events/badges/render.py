"""Badge PDFs: plain data in, PDF bytes out. No database, no HTTP.

One :class:`BadgeRenderer` per event and sheet kind. Everything that is the same on every badge of
the event is prepared once: the layout boxes, the event's title and dates fitted into their box,
and, per PDF document, reportlab Form XObjects for the header and for each role's coloured band
(drawn once, placed on each badge with one ``Do``). Per badge there remain the names, the
institution, the country and the QR code. Those are drawn straight on the canvas (no platypus):
text through ``events.rendering`` (fallback fonts, every script shaped by HarfBuzz, ``fit_lines``: a
long name shrinks, then wraps, then is cut with an ellipsis) and the QR code as one path
(``events.badges.qr``), the QR symbols of a whole chunk encoded in one batch.

Sheets (``SHEETS``)
-------------------
==========  =====================  =========================  ============  ===================
kind        page                   badge                      per page      grid
==========  =====================  =========================  ============  ===================
``a6``      A6 portrait            A6 (105 x 148 mm)          1
``card``    90 x 54 mm             card, landscape            1
``4xa6``    A4 portrait            A6 portrait                4             2 x 2
``2x5``     A4 landscape           card portrait (54 x 90)    10            5 across, 2 down
``8xa7``    A4 landscape           A7 portrait (74 x 105)     8             4 across, 2 down
==========  =====================  =========================  ============  ===================

Ten portrait 54 x 90 mm cards only fit an A4 sheet turned landscape (5 x 54 = 270 mm across,
2 x 90 = 180 mm down), and so do eight portrait A7s (4 x 74 = 296 mm, 2 x 105 = 210 mm). Badges
on a sheet are placed without gutters, centred. Crop marks (optional) are short lines on the cut
lines in the page margins, where the sheet has margins of 3 mm or more; on sheets that leave
less (4 x A6, 8 x A7), 4 mm ticks on the cut lines from the page edge, which the blade removes.

Large runs: reportlab keeps a whole document in memory until it is saved, so a run is drawn in
chunks of badges (200 at most), one PDF each: :func:`render_chunk` draws one :class:`Chunk` in a
worker process and :mod:`events.badges.printing` puts the chunks in a ZIP or joins their pages
into one PDF; memory stays that of a few chunks whatever the count.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import msgspec
from reportlab.lib.colors import Color, HexColor, black, white
from reportlab.lib.pagesizes import A4, A6, A7, landscape
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from events.badges import qr
from events.rendering import (
    draw_text,
    first_renderable,
    fit_lines,
    missing_glyphs,
    register_fonts,
    unsupported_scripts,
)
from events.rendering.flate import flate_level
from events.rendering.memo import text_cache, transient

DEFAULT_CHUNK = 200
#: zlib level of a badge PDF's streams: printed on site, where drawing time matters more than
#: size (a quarter less CPU than the default level 6 for streams ~18% larger: ``rendering.flate``).
FLATE_LEVEL = 3


class EventInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What a badge says about its event."""

    title: str
    dates: str  # e.g. "12–14 October 2027"
    place: str = ""  # e.g. "Baku, Azerbaijan"


class BadgeData(msgspec.Struct, frozen=True, kw_only=True):
    """What one badge shows; every field as stored (the renderer chooses what to print)."""

    token: str
    given_names: str
    family_name: str
    latin_name: str = ""
    preferred_name: str = ""
    country_code: str = ""  # ISO 3166 alpha-3
    country_name: str = ""
    institution: str = ""
    role: str = "participant"


@dataclass(frozen=True)
class RoleStyle:
    word: str
    band: Color
    text: Color


#: Colour per role, with the role's word printed in the band: colour is never the only cue.
ROLES: dict[str, RoleStyle] = {
    "participant": RoleStyle("PARTICIPANT", HexColor("#1F5FAD"), white),
    "speaker": RoleStyle("SPEAKER", HexColor("#B3261E"), white),
    "organiser": RoleStyle("ORGANISER", HexColor("#1E7B4B"), white),
    "staff": RoleStyle("STAFF", HexColor("#F28C28"), black),
    "press": RoleStyle("PRESS", HexColor("#6C3483"), white),
    "guide": RoleStyle("GUIDE", HexColor("#F4D03F"), black),
}

_INK = HexColor("#111111")
_MUTED = HexColor("#444444")


# --- what is printed ---------------------------------------------------------------------------------


@text_cache(maxsize=4096)
def _missing(text: str) -> frozenset[str]:
    """``missing_glyphs`` (regular and bold), remembered: a badge asks about each string twice."""
    if text.isascii() and text.isprintable():
        return frozenset()  # the Latin font has every printable ASCII character
    return frozenset(missing_glyphs(text) | missing_glyphs(text, bold=True))


def _clean(text: str) -> str:
    """One line, symbols no font has (emoji) dropped; other missing characters stay visible (U+FFFD)."""
    text = " ".join((text or "").split())
    missing = _missing(text)
    if missing:
        text = "".join(
            char for char in text if not (char in missing and unicodedata.category(char).startswith("S"))
        )
        text = " ".join(text.split())
    return text


def _first_renderable(*candidates: str) -> str:
    """``events.rendering.first_renderable`` (bold), answering at once for a plain ASCII first choice."""
    for candidate in candidates:
        if candidate.strip():
            if not _missing(candidate):
                return candidate
            break
    return first_renderable(*candidates, bold=True)


def passport_name(badge: BadgeData) -> str:
    return " ".join(part for part in (badge.given_names.strip(), badge.family_name.strip()) if part)


def display_name(badge: BadgeData) -> str:
    """The large name: the preferred name, else the given names (the family name for a single-name
    passport), else the Latin name, whichever renders first."""
    given = badge.given_names.strip() or badge.family_name.strip()
    return _clean(_first_renderable(badge.preferred_name, given, badge.latin_name))


def full_name(badge: BadgeData) -> str:
    """The name as in the passport, or its Latin form when the passport's script is not printed."""
    return _clean(_first_renderable(passport_name(badge), badge.latin_name))


def latin_fallback(badge: BadgeData) -> list[str]:
    """The scripts no font draws that make the badge print the Latin name instead of the
    passport name (empty when the passport name is printed): the warning for organisers."""
    name = passport_name(badge)
    if not name or _first_renderable(name, badge.latin_name) == name:
        return []
    return unsupported_scripts(name, bold=True)


def country_line(badge: BadgeData) -> str:
    if badge.country_name and badge.country_code:
        return f"{badge.country_name} ({badge.country_code})"
    return badge.country_name or badge.country_code


def date_range(start: datetime.date, end: datetime.date) -> str:
    """``12–14 October 2027``, ``30 September – 2 October 2027``, ``30 Dec 2027 – 2 Jan 2028``."""
    if start == end:
        return f"{start.day} {start:%B %Y}"
    if start.year != end.year:
        return f"{start.day} {start:%B %Y} – {end.day} {end:%B %Y}"
    if start.month != end.month:
        return f"{start.day} {start:%B} – {end.day} {end:%B %Y}"
    return f"{start.day}–{end.day} {end:%B %Y}"


# --- layouts -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TextBox:
    """Lines of one element: left and width of the box, start and minimum size, lines, weight."""

    x: float
    width: float
    start: float
    minimum: float
    lines: int
    bold: bool = False
    leading: float = 1.18
    color: Color = _INK


@dataclass(frozen=True)
class Layout:
    """Where everything goes on one badge of ``width`` x ``height`` points (origin bottom left)."""

    width: float
    height: float
    margin: float
    band_height: float
    qr_x: float
    qr_y: float
    qr_side: float
    text_top: float  # top of the header
    text_bottom: float  # the lowest the personal text may go
    title: TextBox
    dates: TextBox
    name: TextBox
    full_name: TextBox
    institution: TextBox
    country: TextBox
    gap: float


def _portrait(width: float, height: float) -> Layout:
    scale = width / (105 * mm)  # 1 for A6
    margin = max(3 * mm, 5 * mm * scale)
    band = 0.095 * height
    qr_side = min(max(0.36 * width, 24 * mm), 38 * mm)
    x, inner = margin, width - 2 * margin
    return Layout(
        width=width,
        height=height,
        margin=margin,
        band_height=band,
        qr_x=(width - qr_side) / 2,
        qr_y=band + margin * 0.6,
        qr_side=qr_side,
        text_top=height - margin,
        text_bottom=band + margin * 0.6 + qr_side + margin * 0.5,
        title=TextBox(x, inner, 11 * scale + 1.5, 6, 2, bold=True),
        dates=TextBox(x, inner, 8.5 * scale + 1, 5.5, 1, color=_MUTED),
        name=TextBox(x, inner, 30 * scale, 11 * scale + 2, 2, bold=True, leading=1.1),
        full_name=TextBox(x, inner, 11.5 * scale + 0.5, 6, 2),
        institution=TextBox(x, inner, 9.5 * scale + 0.5, 5.5, 2, color=_MUTED),
        country=TextBox(x, inner, 10.5 * scale + 0.5, 6, 1, bold=True),
        gap=margin * 0.55,
    )


def _landscape_card(width: float, height: float) -> Layout:
    margin = 3 * mm
    band = 6.5 * mm
    qr_top = height - margin - 7 * mm  # below the header, which spans the card
    qr_side = min(qr_top - band - 2 * mm, 30 * mm)
    text_width = width - qr_side - 3 * margin
    return Layout(
        width=width,
        height=height,
        margin=margin,
        band_height=band,
        qr_x=width - margin - qr_side,
        qr_y=qr_top - qr_side,
        qr_side=qr_side,
        text_top=height - margin,
        text_bottom=band + margin * 0.6,
        title=TextBox(margin, width - 2 * margin, 7, 5, 1, bold=True),
        dates=TextBox(margin, width - 2 * margin, 6, 4.5, 1, color=_MUTED),
        name=TextBox(margin, text_width, 17, 8, 2, bold=True, leading=1.1),
        full_name=TextBox(margin, text_width, 7.5, 5, 2),
        institution=TextBox(margin, text_width, 6.5, 4.5, 2, color=_MUTED),
        country=TextBox(margin, text_width, 7, 4.5, 1, bold=True),
        gap=margin * 0.45,
    )


A6_SIZE = A6
A7_SIZE = A7
CARD_LANDSCAPE = (90 * mm, 54 * mm)
CARD_PORTRAIT = (54 * mm, 90 * mm)


@dataclass(frozen=True)
class Sheet:
    """A print sheet: page size and a grid of equal badges, centred on the page."""

    name: str
    page: tuple[float, float]
    badge: tuple[float, float]
    columns: int = 1
    rows: int = 1
    landscape_card: bool = False

    @property
    def per_page(self) -> int:
        return self.columns * self.rows

    @property
    def margins(self) -> tuple[float, float]:
        return (
            (self.page[0] - self.columns * self.badge[0]) / 2,
            (self.page[1] - self.rows * self.badge[1]) / 2,
        )

    def origin(self, slot: int) -> tuple[float, float]:
        """Lower left corner of the badge in ``slot`` (0 = top left, then across, then down)."""
        left, bottom = self.margins
        column, row = slot % self.columns, slot // self.columns
        return left + column * self.badge[0], bottom + (self.rows - 1 - row) * self.badge[1]


SHEETS: dict[str, Sheet] = {
    "a6": Sheet("a6", A6_SIZE, A6_SIZE),
    "card": Sheet("card", CARD_LANDSCAPE, CARD_LANDSCAPE, landscape_card=True),
    "4xa6": Sheet("4xa6", A4, A6_SIZE, 2, 2),
    "2x5": Sheet("2x5", landscape(A4), CARD_PORTRAIT, 5, 2),
    "8xa7": Sheet("8xa7", landscape(A4), A7_SIZE, 4, 2),
}


def layout_for(sheet: Sheet) -> Layout:
    width, height = sheet.badge
    return _landscape_card(width, height) if sheet.landscape_card else _portrait(width, height)


# --- the renderer --------------------------------------------------------------------------------------


@dataclass
class _Fitted:
    size: float
    lines: list[str]
    box: TextBox

    @property
    def height(self) -> float:
        return len(self.lines) * self.size * self.box.leading


def _fit(text: str, box: TextBox) -> _Fitted:
    if not text:
        return _Fitted(box.start, [], box)
    size, lines = fit_lines(text, box.width, box.lines, box.start, box.minimum, bold=box.bold)
    return _Fitted(size, lines, box)


@dataclass
class BadgeRenderer:
    """Badges of one event on one kind of sheet. Reuse it for every chunk of the event."""

    event: EventInfo
    sheet_name: str = "a6"
    crop_marks: bool = False
    compress: bool = True
    sheet: Sheet = field(init=False)
    layout: Layout = field(init=False)
    _title: _Fitted = field(init=False)
    _dates: _Fitted = field(init=False)
    _header_bottom: float = field(init=False)

    def __post_init__(self) -> None:
        if self.sheet_name not in SHEETS:
            raise ValueError(f"sheet must be one of {', '.join(SHEETS)}, not {self.sheet_name!r}")
        register_fonts()
        self.sheet = SHEETS[self.sheet_name]
        self.layout = layout_for(self.sheet)
        self._title = _fit(_clean(self.event.title), self.layout.title)
        dates = " · ".join(part for part in (self.event.dates, _clean(self.event.place)) if part)
        self._dates = _fit(dates, self.layout.dates)
        self._header_bottom = (
            self.layout.text_top
            - self._title.size * self._title.box.leading * len(self._title.lines)
            - self._dates.size * 1.1 * len(self._dates.lines)
        )

    # public ------------------------------------------------------------------------------------

    def render(self, badges: Sequence[BadgeData], progress: Callable[[int], None] | None = None) -> bytes:
        """One PDF of ``badges``, ``sheet.per_page`` to a page, in order. ``progress(n)`` is called
        as badges are drawn (every 50), for a progress bar."""
        with flate_level(FLATE_LEVEL):
            return self._render(badges, progress)

    def _render(self, badges: Sequence[BadgeData], progress: Callable[[int], None] | None) -> bytes:
        buffer = io.BytesIO()
        canvas = Canvas(
            buffer,
            pagesize=self.sheet.page,
            invariant=True,
            pageCompression=1 if self.compress else 0,
        )
        canvas.setTitle(f"Badges – {self.event.title}")
        canvas.setCreator("OneStop Events")
        self._define_forms(canvas)
        codes = qr.encode_batch([badge.token for badge in badges])
        per_page = self.sheet.per_page
        for index, (badge, code) in enumerate(zip(badges, codes, strict=True)):
            slot = index % per_page
            if slot == 0 and index:
                canvas.showPage()
            if slot == 0 and self.crop_marks:
                self._draw_crop_marks(canvas)
            x, y = self.sheet.origin(slot)
            self._draw_badge(canvas, x, y, badge, code)
            if progress is not None and index % 50 == 49:
                progress(50)
        if not badges:
            canvas.setFont("OSE-Sans", 10)
            canvas.drawString(20, 20, "No badges")
        canvas.showPage()
        canvas.save()
        if progress is not None and len(badges) % 50:
            progress(len(badges) % 50)
        return buffer.getvalue()

    def render_chunks(self, badges: Iterable[BadgeData], chunk_size: int = DEFAULT_CHUNK) -> Iterator[bytes]:
        """One PDF per ``chunk_size`` badges (rounded up to whole sheets), lazily."""
        per_page = self.sheet.per_page
        chunk_size = max(per_page, -(-chunk_size // per_page) * per_page)
        chunk: list[BadgeData] = []
        for badge in badges:
            chunk.append(badge)
            if len(chunk) == chunk_size:
                yield self.render(chunk)
                chunk = []
        if chunk:
            yield self.render(chunk)

    def qr_positions(self) -> list[tuple[float, float, float]]:
        """``(x, y, side)`` of the QR code of each slot of a page, in points (for tests and checks)."""
        layout = self.layout
        return [
            (x + layout.qr_x, y + layout.qr_y, layout.qr_side)
            for x, y in (self.sheet.origin(slot) for slot in range(self.sheet.per_page))
        ]

    # per document ------------------------------------------------------------------------------

    def _define_forms(self, canvas: Canvas) -> None:
        layout = self.layout
        canvas.beginForm("header", 0, 0, layout.width, layout.height)
        canvas.setFillColor(self._title.box.color)
        y = layout.text_top
        for line in self._title.lines:
            y -= self._title.size
            draw_text(canvas, layout.width / 2, y, line, self._title.size, bold=True, align="center")
            y -= self._title.size * (self._title.box.leading - 1)
        canvas.setFillColor(self._dates.box.color)
        for line in self._dates.lines:
            y -= self._dates.size * 1.1
            draw_text(canvas, layout.width / 2, y, line, self._dates.size, align="center")
        canvas.endForm()
        band_size = min(layout.band_height * 0.5, 16.0)
        for role, style in ROLES.items():
            canvas.beginForm(f"band-{role}", 0, 0, layout.width, layout.band_height)
            canvas.setFillColor(style.band)
            canvas.rect(0, 0, layout.width, layout.band_height, stroke=0, fill=1)
            canvas.setFillColor(style.text)
            baseline = (layout.band_height - band_size * 0.7) / 2
            draw_text(canvas, layout.width / 2, baseline, style.word, band_size, bold=True, align="center")
            canvas.endForm()

    # per badge ---------------------------------------------------------------------------------

    def _draw_badge(self, canvas: Canvas, x: float, y: float, badge: BadgeData, code: qr.QrCode) -> None:
        """One badge. Its names are laid out for this badge only (``events.rendering.memo``): they
        do not repeat, so a long run does not grow the process-wide caches of text layout."""
        with transient():
            self._draw_person(canvas, x, y, badge, code)

    def _draw_person(self, canvas: Canvas, x: float, y: float, badge: BadgeData, code: qr.QrCode) -> None:
        layout = self.layout
        role = badge.role if badge.role in ROLES else "participant"
        canvas.saveState()
        canvas.translate(x, y)
        canvas.doForm("header")
        canvas.doForm(f"band-{role}")
        qr.draw_code(canvas, layout.qr_x, layout.qr_y, layout.qr_side, code, background=None)
        blocks = [
            _fit(display_name(badge), layout.name),
            _fit(full_name(badge), layout.full_name),
            _fit(_clean(badge.institution), layout.institution),
            _fit(_clean(country_line(badge)), layout.country),
        ]
        blocks = [block for block in blocks if block.lines]
        top = self._header_bottom - layout.gap * 1.4
        available = top - layout.text_bottom
        used = sum(block.height for block in blocks) + layout.gap * (len(blocks) - 1)
        # Centre the personal text in the space between the header and the QR code.
        cursor = top - max(0.0, (available - used) / 2)
        centre = layout.title.x + layout.name.width / 2 if not self.sheet.landscape_card else None
        for block in blocks:
            canvas.setFillColor(block.box.color)
            for line in block.lines:
                cursor -= block.size * 0.92
                if centre is None:
                    draw_text(canvas, block.box.x, cursor, line, block.size, bold=block.box.bold)
                else:
                    draw_text(canvas, centre, cursor, line, block.size, bold=block.box.bold, align="center")
                cursor -= block.size * (block.box.leading - 0.92)
            cursor -= layout.gap
        canvas.restoreState()

    def _draw_crop_marks(self, canvas: Canvas) -> None:
        sheet = self.sheet
        page_width, page_height = sheet.page
        left, bottom = sheet.margins
        width, height = sheet.badge
        xs = [left + column * width for column in range(sheet.columns + 1)]
        ys = [bottom + row * height for row in range(sheet.rows + 1)]
        canvas.saveState()
        canvas.setStrokeColor(black)
        canvas.setLineWidth(0.3)
        for x in xs:
            for start, end in self._ticks(bottom, page_height - bottom, page_height):
                canvas.line(x, start, x, end)
        for y in ys:
            for start, end in self._ticks(left, page_width - left, page_width):
                canvas.line(start, y, end, y)
        canvas.restoreState()

    @staticmethod
    def _ticks(grid_start: float, grid_end: float, page_end: float) -> list[tuple[float, float]]:
        """The two ticks of one cut line: in the margins when there is room, else on the cut line."""
        if grid_start >= 3 * mm:
            length = min(6 * mm, grid_start - 1 * mm)
            return [
                (grid_start - 1 * mm - length, grid_start - 1 * mm),
                (grid_end + 1 * mm, grid_end + 1 * mm + length),
            ]
        return [(0, 4 * mm), (page_end - 4 * mm, page_end)]


# --- in a worker process ---------------------------------------------------------------------------


class Chunk(msgspec.Struct, frozen=True, kw_only=True):
    """One chunk of a run, as a worker process receives it (pickled): plain data only."""

    event: EventInfo
    sheet: str
    crop_marks: bool
    badges: list[BadgeData]


_renderers: dict[tuple[EventInfo, str, bool], BadgeRenderer] = {}


def render_chunk(chunk: Chunk) -> bytes:
    """The PDF of one chunk (run by :mod:`events.rendering.pool`, usually in a worker process).
    The renderer of the event and sheet is made once per process and reused for its next chunks."""
    key = (chunk.event, chunk.sheet, chunk.crop_marks)
    renderer = _renderers.get(key)
    if renderer is None:
        if len(_renderers) > 16:
            _renderers.clear()
        renderer = _renderers[key] = BadgeRenderer(chunk.event, chunk.sheet, crop_marks=chunk.crop_marks)
    return renderer.render(chunk.badges)
