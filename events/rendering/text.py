"""Text in many scripts on a reportlab canvas or in a Paragraph: shaping, font fallback, fitting.

Every function takes the text in *logical* order, as stored (``"Amina موسى"``), and prepares it
the same way (``prepare``): NFC normalisation, control characters out, right-to-left shaping
(``shape``), invisible format characters out. The prepared string is cut into *runs*, each drawn
with the first vendored font that has its characters (``runs``). A character no font has is
drawn as U+FFFD from the family's Latin font, so a name with an emoji or an unsupported script
shows a visible mark rather than a blank box; ``missing_glyphs`` names those characters before
anything is drawn, and ``is_renderable`` says whether to print a name or its Latin form (see
``events.rendering.fonts`` for the scripts that are deliberately not drawn).

Sizes are in points, like reportlab's.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Literal
from xml.sax.saxutils import escape

from arabic_reshaper import ArabicReshaper
from arabic_reshaper.ligatures import SENTENCES_LIGATURES, WORDS_LIGATURES
from bidi.algorithm import get_display
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from events.rendering.fonts import Family, font_for, has_glyph, primary_font

REPLACEMENT = "\ufffd"
ELLIPSIS = "\u2026"
NO_BREAK_SPACE = "\u00a0"

Align = Literal["left", "center", "right"]
#: A piece of prepared (visual-order, shaped) text and the registered font that draws all of it.
Run = tuple[str, str]

_RTL_CLASSES = frozenset({"R", "AL"})
#: Letter ligatures (lam-alef is mandatory) but no word or phrase ligatures: a passport's
#: "عبدالله" is printed letter by letter, not with the emblematic ﷲ glyph.
_RESHAPER = ArabicReshaper(
    configuration={name: False for name, _forms in (*WORDS_LIGATURES, *SENTENCES_LIGATURES)}
)
_LINE_BREAKS = dict.fromkeys(map(ord, "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"), " ")
#: The blocks whose letters arabic-reshaper turns into presentation forms (U+FB50–U+FEFF). A letter
#: of these blocks still there after reshaping has no presentation forms (e.g. Pashto ځ ښ ګ ټ):
#: it would be drawn unjoined, which is wrong.
_ARABIC_BLOCKS = ((0x0600, 0x06FF), (0x0750, 0x077F), (0x0870, 0x08FF))
#: Fitting tries sizes from the start size down in these steps (points).
_SIZE_STEP = 0.5


# --- preparation ----------------------------------------------------------------------------------


def has_rtl(text: str) -> bool:
    """Whether ``text`` has a right-to-left letter (Arabic script, Hebrew, Syriac, Thaana…)."""
    return any(unicodedata.bidirectional(char) in _RTL_CLASSES for char in text)


def shape(text: str) -> str:
    """Text ready to draw left to right: Arabic letters in their joined forms, in visual order.

    ``arabic-reshaper`` swaps each Arabic letter for its initial/medial/final/isolated
    presentation form (and the letter ligatures such as lam-alef), then ``python-bidi``
    applies the Unicode bidirectional algorithm, so "Amina موسى" becomes "Amina ﻰﺳﻮﻣ" as drawn.
    It is python-bidi's pure-Python ``bidi.algorithm``: its faster Rust ``bidi.get_display``
    skips rule L4 and leaves brackets unmirrored ("محمد (Mohammed)" would print ")Mohammed(").
    Text without right-to-left letters is returned unchanged. Harakat (vowel marks) are dropped
    by the reshaper: without mark positioning they would land on the wrong letter.
    """
    if not has_rtl(text):
        return text
    return get_display(_RESHAPER.reshape(text))


@lru_cache(maxsize=8192)
def prepare(text: str) -> str:
    """``text`` as it is drawn: NFC, one line, shaped, without invisible format characters."""
    text = unicodedata.normalize("NFC", text).translate(_LINE_BREAKS)
    text = "".join(char for char in text if unicodedata.category(char) != "Cc")
    text = shape(text)
    # Format characters (ZWJ, ZWNJ, bidi marks, soft hyphen…) have done their work in shaping.
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def _is_ignorable(char: str) -> bool:
    """Invisible characters that may be dropped when no font has them (they add nothing visible)."""
    code = ord(char)
    return (
        0xFE00 <= code <= 0xFE0F  # variation selectors (emoji presentation)
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
    )


def _is_unshaped_arabic(char: str) -> bool:
    code = ord(char)
    return unicodedata.category(char) == "Lo" and any(low <= code <= high for low, high in _ARABIC_BLOCKS)


# --- runs and missing glyphs ----------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _runs(text: str, bold: bool, family: Family) -> tuple[Run, ...]:
    primary = primary_font(bold=bold, family=family)
    result: list[Run] = []
    current_font = ""
    current: list[str] = []
    for char in prepare(text):
        font = font_for(char, bold=bold, family=family)
        if font is None:
            if _is_ignorable(char):
                continue
            char = " " if unicodedata.category(char) == "Zs" else REPLACEMENT
            font = primary
        if (
            font != current_font
            and current
            and unicodedata.category(char)[0] in "ZM"  # spaces and combining marks
            and has_glyph(current_font, char)
        ):
            font = current_font  # keep them with the text around them: fewer runs, marks on their base
        if font != current_font and current:
            result.append(("".join(current), current_font))
            current = []
        current_font = font
        current.append(char)
    if current:
        result.append(("".join(current), current_font))
    return tuple(result)


def runs(text: str, *, bold: bool = False, family: Family = "sans") -> list[Run]:
    """Cut the prepared ``text`` into runs, each drawn with one registered font.

    Each character goes to the first font of the fallback chain that has it (the Latin font
    first, so digits and punctuation come from it); spaces and combining marks stay with the run
    they are in when its font has them. Characters no font has become U+FFFD in the Latin font.

    >>> runs("Amina موسى")
    [('Amina ', 'OSE-Sans'), ('ﻰﺳﻮﻣ', 'OSE-Arabic')]
    """
    return list(_runs(text, bold, family))


def missing_glyphs(text: str, *, bold: bool = False, family: Family = "sans") -> set[str]:
    """The characters of ``text`` that cannot be drawn correctly.

    That is, characters that no vendored font has (emoji, Devanagari, Khmer…, see
    ``events.rendering.fonts``) and Arabic-script letters that have no presentation forms to
    join with (some Pashto, Sindhi and Kurdish letters). Invisible format characters and
    variation selectors are not counted. Characters are reported as prepared (after NFC).
    """
    missing = set()
    for char in prepare(text):
        if font_for(char, bold=bold, family=family) is None:
            if not _is_ignorable(char) and unicodedata.category(char) != "Zs":
                missing.add(char)
        elif _is_unshaped_arabic(char):
            missing.add(char)
    return missing


def is_renderable(text: str, *, bold: bool = False, family: Family = "sans") -> bool:
    """Whether every character of ``text`` is drawn correctly (``missing_glyphs`` is empty)."""
    return not missing_glyphs(text, bold=bold, family=family)


def first_renderable(*candidates: str, bold: bool = False, family: Family = "sans") -> str:
    """The first non-empty candidate that renders correctly, else the last non-empty one.

    For a name as in the passport with its Latin form as the fall-back:
    ``first_renderable(f"{given} {family}", latin_name)``.
    """
    present = [candidate for candidate in candidates if candidate.strip()]
    for candidate in present:
        if is_renderable(candidate, bold=bold, family=family):
            return candidate
    return present[-1] if present else ""


# --- measuring and drawing ------------------------------------------------------------------------


def string_width(text: str, size: float, *, bold: bool = False, family: Family = "sans") -> float:
    """The width of ``text`` drawn at ``size`` points, over all its runs."""
    return sum(stringWidth(piece, font, size) for piece, font in _runs(text, bold, family))


def draw_text(
    canvas: Canvas,
    x: float,
    y: float,
    text: str,
    size: float,
    *,
    bold: bool = False,
    align: Align = "left",
    family: Family = "sans",
) -> float:
    """Draw one line of ``text`` with its baseline at ``y``; return its width.

    ``x`` is the left end, the centre or the right end of the line, as ``align`` says. The
    runs go into one text object, so the canvas's own font setting is left as it was; the
    current fill colour is used.
    """
    pieces = _runs(text, bold, family)
    width = sum(stringWidth(piece, font, size) for piece, font in pieces)
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    elif align != "left":
        raise ValueError(f"align must be 'left', 'center' or 'right', not {align!r}")
    text_object = canvas.beginText(x, y)
    for piece, font in pieces:
        text_object.setFont(font, size)
        text_object.textOut(piece)
    canvas.drawText(text_object)
    return width


def fit_font_size(
    text: str,
    max_width: float,
    start: float,
    minimum: float,
    *,
    bold: bool = False,
    family: Family = "sans",
) -> float:
    """The largest size up to ``start`` at which ``text`` fits on one line of ``max_width``.

    Rounded down to a tenth of a point. Never below ``minimum``: when the result is ``minimum``
    the text may still be too wide, so check with ``string_width`` or use ``fit_lines``.
    """
    width_at_one_point = string_width(text, 1.0, bold=bold, family=family)
    if width_at_one_point <= 0:
        return start
    size = min(start, max_width / width_at_one_point)
    return max(math.floor(size * 10) / 10, minimum)


def fit_lines(
    text: str,
    max_width: float,
    max_lines: int = 2,
    start: float = 12.0,
    minimum: float = 6.0,
    *,
    bold: bool = False,
    family: Family = "sans",
) -> tuple[float, list[str]]:
    """Fit ``text`` into at most ``max_lines`` lines of ``max_width``: ``(size, lines)``.

    First one line, shrunk from ``start`` down to ``minimum``; if it still does not fit, the
    words wrapped on up to ``max_lines`` lines at the largest size (from ``start`` down, in
    half points) where they fit; if even ``minimum`` is too large, the text is broken wherever
    needed at ``minimum`` and the last line ends with an ellipsis. The lines are in logical
    order, ready for ``draw_text``; each measures at most ``max_width`` at ``size``.
    """
    if max_lines < 1:
        raise ValueError("max_lines must be at least 1")
    text = " ".join(text.split())
    size = fit_font_size(text, max_width, start, minimum, bold=bold, family=family)

    def width(line: str, at: float) -> float:
        return string_width(line, at, bold=bold, family=family)

    if width(text, size) <= max_width:
        return size, [text]
    words = text.split(" ")
    if max_lines > 1:
        size = start
        while size >= minimum - 1e-9:
            lines = _wrap_words(words, lambda line, at=size: width(line, at) <= max_width)
            if len(lines) <= max_lines and all(width(line, size) <= max_width for line in lines):
                return size, lines
            size = round(size - _SIZE_STEP, 3)
    lines = _wrap_words(words, lambda line: width(line, minimum) <= max_width, break_words=True)
    if len(lines) > max_lines:
        kept = lines[: max_lines - 1]
        last = " ".join(lines[max_lines - 1 :])
        kept.append(_truncate(last, lambda line: width(line, minimum) <= max_width))
        lines = kept
    return minimum, lines


def _wrap_words(words: list[str], fits: Callable[[str], bool], *, break_words: bool = False) -> list[str]:
    """Greedy wrapping; with ``break_words``, a word wider than a line is cut between characters."""
    lines: list[str] = []
    line = ""
    for word in words:
        candidate = f"{line} {word}" if line else word
        if fits(candidate):
            line = candidate
            continue
        if line:
            lines.append(line)
            line = ""
        if fits(word) or not break_words:
            line = word
            continue
        for piece in _graphemes(word):
            if line and not fits(line + piece):
                lines.append(line)
                line = ""
            line += piece
    if line:
        lines.append(line)
    return lines


def _truncate(line: str, fits: Callable[[str], bool]) -> str:
    """``line`` cut at the end until it fits with an ellipsis after it."""
    pieces = list(_graphemes(line))
    while pieces and not fits("".join(pieces).rstrip() + ELLIPSIS):
        pieces.pop()
    return "".join(pieces).rstrip() + ELLIPSIS


def _graphemes(text: str) -> Iterator[str]:
    """Base characters with the combining marks after them (enough not to strand an accent)."""
    cluster = ""
    for char in text:
        if cluster and unicodedata.category(char)[0] != "M":
            yield cluster
            cluster = ""
        cluster += char
    if cluster:
        yield cluster


# --- Paragraph markup -----------------------------------------------------------------------------


def markup(text: str, *, bold: bool = False, family: Family = "sans") -> str:
    """Paragraph markup for ``text``: one ``<font name=…>`` span per run, XML-escaped.

    For short inline strings in a Paragraph: names, places, institutions. Each span names its
    font explicitly (reportlab then ignores an enclosing ``<b>``), so pass ``bold=True`` where
    the text is bold. Right-to-left text is shaped and put in visual order *before* the
    Paragraph wraps lines, so its spaces become no-break spaces: such a name stays on one line
    rather than wrapping with its words in the wrong order. Whole right-to-left paragraphs (an
    Arabic letter body) need line-by-line bidi, which this does not do.
    """
    if has_rtl(text):
        text = " ".join(text.split()).replace(" ", NO_BREAK_SPACE)
    return "".join(f'<font name="{font}">{escape(piece)}</font>' for piece, font in _runs(text, bold, family))
