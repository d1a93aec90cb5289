"""Text in many scripts on a reportlab canvas or in a Paragraph: shaping, font fallback, fitting.

Every function takes the text in *logical* order, as stored (``"Amina موسى"``), and prepares it
the same way (``prepare``): NFC normalisation, control characters out. The bidi algorithm
(python-bidi's levels) and the font fallback cut it into *runs*, each with one font and one
direction, ordered for display (``runs``); HarfBuzz shapes each run (``events.rendering.shaping``:
conjuncts, joining, marks, mirrored brackets), and ``draw_text`` places every glyph where HarfBuzz
says, with a text layer that reads back as the stored text. A character no font has is drawn as
U+FFFD from the family's Latin font, so a name with an emoji or a script without a font shows a
visible mark rather than a blank box; ``missing_glyphs`` names those characters before anything
is drawn, ``unsupported_scripts`` names their scripts for a warning, and ``is_renderable`` says
whether to print a name or its Latin form (see ``events.rendering.fonts``).

Sizes are in points, like reportlab's.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterator
from typing import Literal
from xml.sax.saxutils import escape

from bidi.algorithm import (
    explicit_embed_and_overrides,
    get_base_level,
    get_embedding_levels,
    get_empty_storage,
    resolve_implicit_levels,
    resolve_neutral_types,
    resolve_weak_types,
)
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.pdfbase.ttfonts import ShapedStr
from reportlab.pdfgen.canvas import Canvas

from events.rendering.fonts import Family, font_for, has_glyph, primary_font
from events.rendering.memo import text_cache
from events.rendering.shaping import (
    actual_text,
    install_text_layer,
    run_width,
    shape_run,
    unbreakable_space,
)

REPLACEMENT = "\ufffd"
ELLIPSIS = "\u2026"

Align = Literal["left", "center", "right"]
#: A piece of text in logical order and the registered font that draws all of it.
Run = tuple[str, str]

_RTL_CLASSES = frozenset({"R", "AL"})
_LINE_BREAKS = dict.fromkeys(map(ord, "\t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\u2028\u2029"), " ")
#: Explicit embeddings, overrides and isolates: dropped before the bidi algorithm (names are
#: plain text; the first strong letter, or a mark below, sets the direction).
_BIDI_EMBEDDINGS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
#: Marks that only set a direction: they take part in the bidi algorithm and are not drawn.
_DIRECTION_MARKS = frozenset("\u200e\u200f\u061c")
#: Joiners change shaping (Arabic joining, Indic half forms): they go to HarfBuzz with their run.
_JOINERS = frozenset("\u200c\u200d")
#: Fitting tries sizes from the start size down in these steps (points).
_SIZE_STEP = 0.5

install_text_layer()


# --- preparation ----------------------------------------------------------------------------------


def has_rtl(text: str) -> bool:
    """Whether ``text`` has a right-to-left letter (Arabic script, Hebrew, Syriac, Thaana…)."""
    return any(unicodedata.bidirectional(char) in _RTL_CLASSES for char in text)


@text_cache(maxsize=8192)
def prepare(text: str) -> str:
    """``text`` as it is laid out: NFC, one line, no control characters, in logical order."""
    text = unicodedata.normalize("NFC", text).translate(_LINE_BREAKS).translate(_BIDI_EMBEDDINGS)
    return "".join(char for char in text if unicodedata.category(char) != "Cc")


def _levels(text: str) -> list[int]:
    """The bidi embedding level of each character (Unicode bidirectional algorithm, python-bidi)."""
    if not has_rtl(text):
        return [0] * len(text)
    storage = get_empty_storage()
    storage["base_level"] = get_base_level(text)
    storage["base_dir"] = ("L", "R")[storage["base_level"]]
    get_embedding_levels(text, storage)
    explicit_embed_and_overrides(storage)
    resolve_weak_types(storage)
    resolve_neutral_types(storage, False)
    resolve_implicit_levels(storage, False)
    return [char["level"] for char in storage["chars"]]


def shape(text: str) -> str:
    """The characters of ``text`` in the order they are drawn (visual order), unshaped.

    For tests and diagnostics: drawing goes through HarfBuzz (``draw_text``).
    """
    return "".join(
        piece[::-1] if level % 2 else piece for piece, _font, level in _logical_runs(text, False, "sans")
    )


def _is_ignorable(char: str) -> bool:
    """Invisible characters that may be dropped when no font has them (they add nothing visible)."""
    code = ord(char)
    return (
        0xFE00 <= code <= 0xFE0F  # variation selectors (emoji presentation)
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF  # skin-tone modifiers
        or char in _DIRECTION_MARKS
        or (unicodedata.category(char) == "Cf" and char not in _JOINERS)
    )


# --- runs and missing glyphs ----------------------------------------------------------------------


@text_cache(maxsize=8192)
def _logical_runs(text: str, bold: bool, family: Family) -> tuple[tuple[str, str, int], ...]:
    """``(text, font, bidi level)`` runs, in visual order of the runs, each run in logical order."""
    primary = primary_font(bold=bold, family=family)
    prepared = prepare(text)
    levels = _levels(prepared)
    pieces: list[list] = []  # [chars, font, level]
    for char, level in zip(prepared, levels, strict=True):
        if char in _JOINERS and pieces:
            pieces[-1][0].append(char)
            continue
        font = font_for(char, bold=bold, family=family)
        if font is None:
            if _is_ignorable(char):
                continue
            char = " " if unicodedata.category(char) == "Zs" else REPLACEMENT
            font = primary
        if (
            pieces
            and font != pieces[-1][1]
            and pieces[-1][2] == level
            and unicodedata.category(char)[0] in "ZM"  # spaces and combining marks
            and has_glyph(pieces[-1][1], char)
        ):
            font = pieces[-1][1]  # keep them with the text around them: fewer runs, marks on their base
        if pieces and pieces[-1][1] == font and pieces[-1][2] == level:
            pieces[-1][0].append(char)
        else:
            pieces.append([[char], font, level])
    runs = [("".join(chars), font, level) for chars, font, level in pieces]
    if runs and max(level for _t, _f, level in runs) > 0:
        # Rule L2: from the highest level down to the lowest odd one, reverse every sequence of
        # runs at that level or higher.
        highest = max(level for _t, _f, level in runs)
        lowest_odd = (
            min(level for _t, _f, level in runs if level % 2) if any(lv % 2 for _t, _f, lv in runs) else 1
        )
        for at in range(highest, lowest_odd - 1, -1):
            index = 0
            while index < len(runs):
                if runs[index][2] >= at:
                    end = index
                    while end < len(runs) and runs[end][2] >= at:
                        end += 1
                    runs[index:end] = runs[index:end][::-1]
                    index = end
                else:
                    index += 1
    return tuple(runs)


@text_cache(maxsize=8192)
def _layout(
    text: str, bold: bool, family: Family, positioned: bool = True
) -> tuple[tuple[tuple[ShapedStr, str], ...], float, bool]:
    """The shaped runs in visual order, the width at 1 point, and whether all of it is plain text."""
    shaped = tuple(
        (shape_run(piece, font, bool(level % 2), positioned), font)
        for piece, font, level in _logical_runs(text, bold, family)
    )
    width = sum(run_width(glyphs) for glyphs, _font in shaped)
    return shaped, width, all(glyphs.plain for glyphs, _font in shaped)


def runs(text: str, *, bold: bool = False, family: Family = "sans") -> list[Run]:
    """Cut the prepared ``text`` into runs (in visual order), each drawn with one registered font.

    Each character goes to the first font of the fallback chain that has it (the Latin font
    first, so digits and punctuation come from it); spaces and combining marks stay with the run
    they are in when its font has them. Characters no font has become U+FFFD in the Latin font.
    Each run's text is in logical order; HarfBuzz shapes it (``events.rendering.shaping``).

    >>> runs("Amina موسى")
    [('Amina ', 'OSE-Sans'), ('موسى', 'OSE-Arabic')]
    """
    return [(piece, font) for piece, font, _level in _logical_runs(text, bold, family)]


def missing_glyphs(text: str, *, bold: bool = False, family: Family = "sans") -> set[str]:
    """The characters of ``text`` that no vendored font has (emoji, scripts without a font).

    Invisible format characters and variation selectors are not counted. Characters are
    reported as prepared (after NFC).
    """
    missing = set()
    for char in prepare(text):
        if font_for(char, bold=bold, family=family) is None:
            if not _is_ignorable(char) and char not in _JOINERS and unicodedata.category(char) != "Zs":
                missing.add(char)
    return missing


def unsupported_scripts(text: str, *, bold: bool = False, family: Family = "sans") -> list[str]:
    """The scripts of ``text`` that no vendored font draws, by Unicode name ("NKO", "ADLAM"…).

    The reason to give organisers when a name is printed in its Latin form instead. Symbols
    (emoji) are not scripts and are left out.
    """
    return sorted(
        {
            unicodedata.name(char, "UNKNOWN").split()[0]
            for char in missing_glyphs(text, bold=bold, family=family)
            if not unicodedata.category(char).startswith("S")
        }
    )


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
    """The width of ``text`` drawn at ``size`` points, shaped, over all its runs."""
    return _layout(text, bold, family)[1] * size


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
    line is shaped by HarfBuzz and drawn in one text object (the canvas's own font setting is
    left as it was; the current fill colour is used). Unless every glyph is a plain character,
    the line is wrapped in an ``/ActualText`` span holding it in logical order, for extractors
    and screen readers.
    """
    pieces, width_at_one, plain = _layout(text, bold, family)
    width = width_at_one * size
    if align == "center":
        x -= width / 2
    elif align == "right":
        x -= width
    elif align != "left":
        raise ValueError(f"align must be 'left', 'center' or 'right', not {align!r}")
    spanned = not plain and not has_rtl(text)
    if spanned:
        canvas._code.append(actual_text(_actual(text)))
    canvas._code.append(_text_operators(canvas, x, y, pieces, size))
    if spanned:
        canvas._code.append("EMC")
    return width


def _actual(text: str) -> str:
    return "".join(char for char in prepare(text) if not _is_ignorable(char) or font_for(char) is not None)


def _text_operators(canvas: Canvas, x: float, y: float, pieces, size: float) -> str:
    """``BT … ET`` for shaped runs: glyphs as runs of plain ``Tj`` strings, each placed with ``Tm``.

    A glyph goes on the current string when it lands where the previous one's nominal advance
    leaves the pen; otherwise (kerning, a mark's offset, a stacked consonant) a new ``Tm`` places
    it. Absolute placement rather than ``TJ`` offsets: extractors read a large ``TJ`` move to the
    right as a word space, which would split a name inside a word.
    """
    doc = canvas._doc
    escape_ = canvas._escape
    out = ["BT"]
    pen = x
    for glyphs, font_name in pieces:
        font = getFont(font_name)
        if glyphs.plain:  # every glyph at its nominal advance: one string per font subset
            out.append(f"1 0 0 1 {_num(pen)} {_num(y)} Tm")
            for subset, encoded in font.splitString(glyphs, doc):
                out.append(
                    f"{font.getSubsetInternalName(subset, doc)} {_num(size)} Tf ({escape_(encoded)}) Tj"
                )
            pen += run_width(glyphs) * size
            continue
        data = glyphs.__shapeData__
        index = 0
        current_subset = None
        expected_x = expected_y = None
        chunk: list[bytes] = []
        for subset, encoded in font.splitString(glyphs, doc):
            if subset != current_subset:
                if chunk:
                    out.append(f"({escape_(b''.join(chunk))}) Tj")
                    chunk = []
                out.append(f"{font.getSubsetInternalName(subset, doc)} {_num(size)} Tf")
                current_subset = subset
                expected_x = None
            for byte in encoded:
                item = data[index]
                index += 1
                gx = pen + item.x_offset * size / 1000
                gy = y + item.y_offset * size / 1000
                if expected_x is None or abs(gx - expected_x) > 0.005 or gy != expected_y:
                    if chunk:
                        out.append(f"({escape_(b''.join(chunk))}) Tj")
                        chunk = []
                    out.append(f"1 0 0 1 {_num(gx)} {_num(gy)} Tm")
                chunk.append(bytes((byte,)))
                expected_x = gx + item.width * size / 1000
                expected_y = gy
                pen += item.x_advance * size / 1000
        if chunk:
            out.append(f"({escape_(b''.join(chunk))}) Tj")
    out.append("ET")
    return " ".join(out)


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


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
    """Paragraph markup for ``text``: one ``<font name=…>`` span per shaped run, XML-escaped.

    For short inline strings in a Paragraph: names, places, institutions. Each span names its
    font explicitly (reportlab then ignores an enclosing ``<b>``), so pass ``bold=True`` where
    the text is bold. Each span holds the run's glyphs as HarfBuzz chose them (conjuncts,
    contextual forms, in visual order), as the characters that carry the text layer
    (``events.rendering.shaping``); a Paragraph draws them at their nominal advances, so mark
    offsets and kerning are not applied there (``draw_text`` applies them). Right-to-left text is
    put in visual order *before* the Paragraph wraps lines, so its spaces become unbreakable
    (``shaping.unbreakable_space``): such a name stays on one line rather than wrapping with its
    words in the wrong order. Whole right-to-left paragraphs (an Arabic letter body) need
    line-by-line bidi, which this does not do.
    """
    if not has_rtl(text):
        pieces, _width, _plain = _layout(text, bold, family, False)
        return "".join(f'<font name="{font}">{escape(str(glyphs))}</font>' for glyphs, font in pieces)
    pieces, _width, _plain = _layout(" ".join(text.split()), bold, family, False)
    return "".join(
        f'<font name="{font}">{escape(str(glyphs).replace(" ", unbreakable_space(font)))}</font>'
        for glyphs, font in pieces
    )
