"""OpenType shaping through HarfBuzz, and a PDF text layer that reads back as the original text.

One run of text (one font, one direction) goes through ``uharfbuzz`` and comes back as a
reportlab ``ShapedStr``: one character per glyph, with HarfBuzz's advances and offsets, which
reportlab's text object draws glyph by glyph (``textOut``). This is the shaping reportlab itself
does for ``drawString(..., shaping=True)``, with one difference that matters for the text layer.

The text layer
--------------
A PDF maps each glyph code of a font to text through the font's ``ToUnicode`` table, and
extractors (pypdf, pdfminer, poppler's ``pdftotext``) read the glyphs in drawing order. reportlab's
own shaping names a glyph by the first character the font's ``cmap`` gives it, or by a private
code point when there is none, so a conjunct or a contextual Arabic form extracts as a
presentation form or as garbage. Here every glyph gets its own code, chosen by *what it stands
for in this name*: HarfBuzz groups glyphs into clusters (the characters that became those
glyphs); the characters of a cluster, in logical order, are given to its glyphs in drawing
order, one each, the last glyph taking any rest. So a Devanagari "कि" (drawn as ि then क) reads
back as क then ि, which is the stored text, and an Arabic letter's final form reads back as the
letter. A glyph standing for exactly the character the ``cmap`` maps to it keeps that character
as its code (Latin text is unchanged); any other (glyph, text) pair gets a code from the
Supplementary Private Use Area-B (U+100000 onwards, so it cannot clash with the fonts' own
``cmap``, which map nothing there), registered on the reportlab face with that glyph, and the
font's ``ToUnicode`` table maps it to its text (``_to_unicode_cmap`` replaces reportlab's
``makeToUnicodeCMap``, which can only map a code to the code point itself).

Right-to-left runs are drawn in visual order, as every PDF producer does; extractors turn
right-to-left text back into logical order (pypdf and poppler do). ``events.rendering.text``
also wraps each drawn line in an ``/ActualText`` marked-content span with the line in logical
order, which poppler (``pdftotext``), Acrobat and screen readers use in place of the glyphs.
"""

from __future__ import annotations

import threading

import uharfbuzz as hb
from reportlab.pdfbase import pdfmetrics, ttfonts
from reportlab.pdfbase.ttfonts import ShapeData, ShapedStr

from events.rendering.memo import text_cache

#: Private codes for (font, glyph, text) triples; Supplementary Private Use Area-B.
_FIRST_PRIVATE = 0x100000
_LAST_PRIVATE = 0x10FFFD
_REACH_STEP = 20

_lock = threading.Lock()
_private_text: dict[int, str] = {}
_private_code: dict[tuple[str, int, str, int | None], int] = {}
_next_private = [_FIRST_PRIVATE]
_hb_fonts: dict[str, hb.Font] = {}
_original_to_unicode = ttfonts.makeToUnicodeCMap


def _hb_font(font_name: str) -> hb.Font:
    font = _hb_fonts.get(font_name)
    if font is None:
        with _lock:
            font = _hb_fonts.get(font_name)
            if font is None:
                data = pdfmetrics.getFont(font_name).face._ttf_data
                font = _hb_fonts[font_name] = hb.Font(hb.Face(hb.Blob(data)))
    return font


def _code_for(font_name: str, gid: int, text: str, width: int | None = None) -> int:
    """The character reportlab is given for glyph ``gid`` of the font, standing for ``text``.

    ``width`` (thousandths of the size) overrides the glyph's advance for this code: see
    ``shape_run``'s ``positioned``.
    """
    face = pdfmetrics.getFont(font_name).face
    if width is None and len(text) == 1 and face.charToGlyph.get(ord(text)) == gid:
        return ord(text)
    key = (font_name, gid, text, width)
    code = _private_code.get(key)
    if code is not None:
        return code
    with _lock:
        code = _private_code.get(key)
        if code is None:
            code = _next_private[0]
            if code <= _LAST_PRIVATE:
                _next_private[0] = code + 1
                advance, _lsb = face.hmetrics[gid]
                face.charToGlyph[code] = gid
                face.charWidths[code] = face._pdfScale(advance) if width is None else width
                _private_text[code] = text
                _private_code[key] = code  # last: other threads read it without the lock
    if code > _LAST_PRIVATE:
        if width:  # a width is a nicety (see shape_run); the text is not
            return _code_for(font_name, gid, text)
        raise RuntimeError("out of private code points for shaped glyphs")
    return code


@text_cache(maxsize=16384)
def shape_run(text: str, font_name: str, rtl: bool, positioned: bool = True) -> ShapedStr:
    """``text`` (logical order, one font, one direction) shaped: glyph codes in drawing order.

    Sizes in the shape data are in thousandths of the font size, like reportlab's widths, so
    one result serves every size. Its total advance is ``run_width``.

    ``positioned`` (for ``draw_text``, which places glyphs itself): a zero-width glyph drawn at
    an offset (a vowel sign under a consonant, a Tibetan subjoined letter) gets a code whose
    width reaches the next glyph, so the next glyph follows it on the same string. Otherwise
    extractors see a jump to the right after the mark and read it as a word space ("कृ ष्ण").
    Without it (Paragraph markup, drawn at nominal advances), every code has the glyph's own
    advance.
    """
    font = _hb_font(font_name)
    scale = pdfmetrics.getFont(font_name).face._pdfScale
    buffer = hb.Buffer()
    buffer.add_str(text)
    buffer.guess_segment_properties()
    buffer.direction = "rtl" if rtl else "ltr"
    hb.shape(font, buffer)
    infos, positions = buffer.glyph_infos, buffer.glyph_positions

    face = pdfmetrics.getFont(font_name).face
    if not rtl and len(infos) == len(text):
        # The common case (most Latin names): one glyph per character, as the cmap has it, at its
        # nominal advance. Drawn as the text itself, one string, no shape data needed.
        char_to_glyph, metrics = face.charToGlyph, face.hmetrics
        if all(
            info.cluster == index
            and info.codepoint == char_to_glyph.get(ord(char))
            and pos.x_offset == 0
            and pos.y_offset == 0
            and pos.x_advance == metrics[info.codepoint][0]
            for index, (char, info, pos) in enumerate(zip(text, infos, positions, strict=True))
        ):
            shaped = ShapedStr(text, shapeData=None)
            shaped.plain = True
            shaped.advance = sum(face.charWidths[ord(char)] for char in text) / 1000
            return shaped
    # Glyphs in drawing order: (glyph, x advance, y advance, x offset, y offset, cluster), in
    # thousandths of the size, each with the text it stands for.
    slots: list[tuple[int, float, float, float, float, int]] = []
    texts: list[str] = []
    starts = sorted({info.cluster for info in infos})
    ends = dict(zip(starts, [*starts[1:], len(text)], strict=True))
    blank = face.charToGlyph.get(0x20, 0)
    index = 0
    while index < len(infos):
        cluster = infos[index].cluster
        end = index
        while end < len(infos) and infos[end].cluster == cluster:
            end += 1
        glyphs = [
            (
                info.codepoint,
                scale(pos.x_advance),
                scale(pos.y_advance),
                scale(pos.x_offset),
                scale(pos.y_offset),
                cluster,
            )
            for info, pos in zip(infos[index:end], positions[index:end], strict=True)
        ]
        chars = text[cluster : ends[cluster]]
        # More characters than glyphs (a ligature: lam-alef, ﷲ-like lam-lam-heh, a Latin "fi"):
        # invisible zero-width glyphs carry the rest, so every glyph stands for one character and
        # extractors that reverse right-to-left text one character at a time get them all.
        extra = [(blank, 0.0, 0.0, 0.0, 0.0, cluster)] * max(0, len(chars) - len(glyphs))
        drawn = extra + glyphs if rtl else glyphs + extra
        logical = drawn[::-1] if rtl else drawn
        assigned = list(chars) + [""] * (len(logical) - len(chars))
        slots.extend(drawn)
        texts.extend(assigned[::-1] if rtl else assigned)
        index = end

    drawn_at: list[float] = []
    pen = 0.0
    for _gid, x_advance, _y_advance, x_offset, _y_offset, _cluster in slots:
        drawn_at.append(pen + x_offset)
        pen += x_advance
    drawn_at.append(pen)

    codes: list[str] = []
    data: list[ShapeData] = []
    widths = face.charWidths
    for number, ((gid, x_advance, y_advance, x_offset, y_offset, cluster), piece) in enumerate(
        zip(slots, texts, strict=True)
    ):
        width = None
        if face.hmetrics[gid][0] == 0 or x_advance == 0:
            reach = _quantised(drawn_at[number + 1] - drawn_at[number]) if positioned else 0
            width = reach if reach > 0 else (0 if gid == blank and x_advance == 0 else None)
        code = _code_for(font_name, gid, piece, width)
        codes.append(chr(code))
        data.append(ShapeData(cluster, x_advance, y_advance, x_offset, y_offset, widths[code]))
    shaped = ShapedStr("".join(codes), shapeData=data)
    shaped.plain = is_plain(shaped)  # drawn as one string (``text._text_operators``)
    shaped.advance = sum(item.x_advance for item in data) / 1000
    return shaped


def unbreakable_space(font_name: str) -> str:
    """A code for the font's space glyph that reads back as a plain space but is not U+0020.

    A Paragraph wraps lines only at U+0020 (and a few others); a right-to-left name, in visual
    order, must not be wrapped (its words would come out in the wrong order). A no-break space
    would do for the drawing, but extractors treat U+00A0 as a left-to-right character and read
    the name's words in reverse; this code reads back as U+0020.
    """
    face = pdfmetrics.getFont(font_name).face
    gid = face.charToGlyph[0x20]
    return chr(_code_for(font_name, gid, " ", face.charWidths[0x20]))


def _quantised(reach: float) -> int:
    """A mark's reach rounded to 20 thousandths of the size: fewer distinct codes (each is one
    more entry in a long-running process's registry); the glyph after it is then placed with its
    own ``Tm``, a move far too small for extractors to read as a space."""
    return int(round(reach / _REACH_STEP) * _REACH_STEP)


def run_width(shaped: ShapedStr) -> float:
    """The advance of a shaped run at 1 point."""
    return shaped.advance


def is_plain(shaped: ShapedStr) -> bool:
    """Whether every glyph is its own character, at its nominal advance, with no offset."""
    widths = shaped.__shapeData__
    if widths is None:
        return True
    return all(
        ord(code) < _FIRST_PRIVATE
        and item.x_offset == 0
        and item.y_offset == 0
        and item.x_advance == item.width
        for code, item in zip(shaped, widths, strict=True)
    )


def _utf16_hex(text: str) -> str:
    return text.encode("utf-16-be").hex().upper()


def _to_unicode_cmap(fontname: str, subset: list[int]) -> str:
    """reportlab's ``ToUnicode`` CMap, with each private code mapped to the text it stands for."""
    if not any(code >= _FIRST_PRIVATE for code in subset):
        return _original_to_unicode(fontname, subset)
    mapping = [
        f"<{index:02X}> <{_utf16_hex(_private_text.get(code, chr(code)) if code >= _FIRST_PRIVATE else chr(code))}>"
        for index, code in enumerate(subset)
    ]
    return "\n".join(
        [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo",
            f"<< /Registry ({fontname})",
            f"/Ordering ({fontname})",
            "/Supplement 0",
            ">> def",
            f"/CMapName /{fontname} def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            f"<00> <{len(subset) - 1:02X}>",
            "endcodespacerange",
            f"{len(subset)} beginbfchar",
            *mapping,
            "endbfchar",
            "endcmap",
            "CMapName currentdict /CMap defineresource pop",
            "end",
            "end",
        ]
    )


def install_text_layer() -> None:
    """Make reportlab write ``ToUnicode`` tables that know the private codes (idempotent).

    reportlab looks ``makeToUnicodeCMap`` up in its module when it embeds a font subset; codes
    below U+100000 are mapped exactly as before.
    """
    ttfonts.makeToUnicodeCMap = _to_unicode_cmap


def actual_text(text: str) -> str:
    """The operator opening an ``/ActualText`` span (close it with ``EMC``)."""
    return f"/Span <</ActualText <FEFF{_utf16_hex(text)}>>> BDC"
