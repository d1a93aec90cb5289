"""The vendored TrueType fonts, registered once with reportlab, and which one draws a character.

Fonts ship inside the package (``events/rendering/fonts/``, with their licences), so a fresh
clone, CI and the Docker image render the same PDFs without any system font.

What is covered, and the decision on scripts reportlab cannot shape
---------------------------------------------------------------------
reportlab draws one glyph per character, in order, from the font's ``cmap``: it does no OpenType
shaping (no GSUB substitutions, no GPOS mark positioning, no reordering). That is enough for:

* Latin with every diacritic in precomposed form (Nguyễn Thị Minh Khai, Şəhriyar Məmmədov, Đorđe;
  text is NFC-normalised first, so decomposed input is drawn with the precomposed glyphs),
  Greek and Cyrillic (Noto Sans / Noto Serif);
* Arabic script (Arabic, Persian, Urdu, Dari), because ``arabic-reshaper`` replaces each letter by
  its contextual presentation form (U+FB50–U+FEFF, which the Noto Arabic fonts map) and
  ``python-bidi`` puts the result in visual order (see ``events.rendering.text.shape``); Hebrew,
  which needs only the bidi reordering;
* Armenian, Georgian and Ethiopic (one glyph per character, nothing to shape);
* Chinese and Japanese kana (Droid Sans Fallback; its Hangul is partial, so Korean is not claimed).

Devanagari, Bengali, Khmer, Myanmar, Tibetan (and Thai, Sinhala, Tamil…) need shaping: conjuncts,
pre-base vowel signs drawn before the consonant they follow in memory, stacked marks. Drawn without
it, a name would be *wrong*, not just ugly. Lao looks right for most names but stacks a tone mark
on top of an upper vowel (ສີ່, ນີ້) in the same place, so it is in the same group. **Decision: no
font is vendored for these scripts.** Their characters count as missing glyphs
(``events.rendering.text.missing_glyphs``), so ``is_renderable(name)`` is false and the caller
prints the Latin form instead: the badge its Latin preferred name, the letter the Latin
transliteration of the passport name (as in the passport's machine-readable zone). Drawing such a
string anyway shows U+FFFD replacement characters, never blank boxes or wrong conjuncts. The
same rule covers the few Arabic-script letters that have no presentation forms for the reshaper
(Pashto ځ ښ ګ ټ ډ ړ…): the font has them, but they would be drawn unjoined.

reportlab 5 can shape through HarfBuzz when the optional ``uharfbuzz`` package is installed
(``canvas.drawString(..., shaping=True)``, ``ParagraphStyle(shaping=1)``; not tried here, as it
is not a dependency). Adopting it, with the Noto fonts of those scripts from ``fonts-noto-core``
(about 2.7 MB for regular and bold, half of it Tibetan), is the way to print them later; until
then, the Latin transliteration is the rule.

Only TrueType-outline fonts (a ``glyf`` table) work with reportlab's ``TTFont``; CFF-based ``.otf``
and the Noto CJK collections do not, hence Droid Sans Fallback for Chinese.

Font names
----------
Every font is registered under a stable name (``OSE-Sans``, ``OSE-Sans-Bold``, ``OSE-Serif``,
``OSE-Arabic``, ``OSE-Naskh``, ``OSE-CJK`` …) and each regular/bold pair as a reportlab font family,
so ``<b>`` in a Paragraph whose style font is ``OSE-Sans`` picks ``OSE-Sans-Bold``. Two *families* of fallback chains exist: ``"sans"``
(badges, the default) and ``"serif"`` (letters, if they want it); both share the fonts for the
other scripts, except Arabic (Noto Sans Arabic for sans, Noto Naskh Arabic for serif).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).with_name("fonts")

Family = Literal["sans", "serif"]
FAMILIES: tuple[Family, ...] = ("sans", "serif")

SANS = "OSE-Sans"
SANS_BOLD = "OSE-Sans-Bold"
SERIF = "OSE-Serif"
SERIF_BOLD = "OSE-Serif-Bold"
ARABIC = "OSE-Arabic"
ARABIC_BOLD = "OSE-Arabic-Bold"
NASKH = "OSE-Naskh"
NASKH_BOLD = "OSE-Naskh-Bold"
HEBREW = "OSE-Hebrew"
HEBREW_BOLD = "OSE-Hebrew-Bold"
ARMENIAN = "OSE-Armenian"
ARMENIAN_BOLD = "OSE-Armenian-Bold"
GEORGIAN = "OSE-Georgian"
GEORGIAN_BOLD = "OSE-Georgian-Bold"
ETHIOPIC = "OSE-Ethiopic"
ETHIOPIC_BOLD = "OSE-Ethiopic-Bold"
CJK = "OSE-CJK"


@dataclass(frozen=True)
class VendoredFont:
    """One font file of ``FONT_DIR`` and the name reportlab knows it by."""

    name: str
    file: str
    covers: str
    licence: str
    #: The bold face of this font's family (itself when there is none: Droid Sans Fallback).
    bold: str | None = None


_OFL = "OFL.txt"
_APACHE = "LICENSE-DroidSansFallback.txt"

VENDORED_FONTS: tuple[VendoredFont, ...] = (
    VendoredFont(SANS, "NotoSans-Regular.ttf", "Latin, Greek, Cyrillic", _OFL, SANS_BOLD),
    VendoredFont(SANS_BOLD, "NotoSans-Bold.ttf", "Latin, Greek, Cyrillic", _OFL),
    VendoredFont(SERIF, "NotoSerif-Regular.ttf", "Latin, Greek, Cyrillic", _OFL, SERIF_BOLD),
    VendoredFont(SERIF_BOLD, "NotoSerif-Bold.ttf", "Latin, Greek, Cyrillic", _OFL),
    VendoredFont(ARABIC, "NotoSansArabic-Regular.ttf", "Arabic script", _OFL, ARABIC_BOLD),
    VendoredFont(ARABIC_BOLD, "NotoSansArabic-Bold.ttf", "Arabic script", _OFL),
    VendoredFont(NASKH, "NotoNaskhArabic-Regular.ttf", "Arabic script", _OFL, NASKH_BOLD),
    VendoredFont(NASKH_BOLD, "NotoNaskhArabic-Bold.ttf", "Arabic script", _OFL),
    VendoredFont(HEBREW, "NotoSansHebrew-Regular.ttf", "Hebrew", _OFL, HEBREW_BOLD),
    VendoredFont(HEBREW_BOLD, "NotoSansHebrew-Bold.ttf", "Hebrew", _OFL),
    VendoredFont(ARMENIAN, "NotoSansArmenian-Regular.ttf", "Armenian", _OFL, ARMENIAN_BOLD),
    VendoredFont(ARMENIAN_BOLD, "NotoSansArmenian-Bold.ttf", "Armenian", _OFL),
    VendoredFont(GEORGIAN, "NotoSansGeorgian-Regular.ttf", "Georgian", _OFL, GEORGIAN_BOLD),
    VendoredFont(GEORGIAN_BOLD, "NotoSansGeorgian-Bold.ttf", "Georgian", _OFL),
    VendoredFont(
        ETHIOPIC, "NotoSansEthiopic-Regular.ttf", "Ethiopic (Amharic, Tigrinya)", _OFL, ETHIOPIC_BOLD
    ),
    VendoredFont(ETHIOPIC_BOLD, "NotoSansEthiopic-Bold.ttf", "Ethiopic (Amharic, Tigrinya)", _OFL),
    VendoredFont(CJK, "DroidSansFallbackFull.ttf", "Chinese (Han), Japanese kana", _APACHE, CJK),
)

# The fonts tried, in order, for each character: the family's Latin/Greek/Cyrillic font first (so
# digits, punctuation and spaces come from it), the script fonts, the large CJK font last.
_SHARED_REGULAR = (HEBREW, ARMENIAN, GEORGIAN, ETHIOPIC, CJK)
_SHARED_BOLD = (HEBREW_BOLD, ARMENIAN_BOLD, GEORGIAN_BOLD, ETHIOPIC_BOLD, CJK)
_CHAINS: dict[tuple[Family, bool], tuple[str, ...]] = {
    ("sans", False): (SANS, ARABIC, *_SHARED_REGULAR),
    ("sans", True): (SANS_BOLD, ARABIC_BOLD, *_SHARED_BOLD),
    ("serif", False): (SERIF, NASKH, *_SHARED_REGULAR),
    ("serif", True): (SERIF_BOLD, NASKH_BOLD, *_SHARED_BOLD),
}

_lock = threading.Lock()
_coverage: dict[str, frozenset[int]] = {}


def register_fonts() -> None:
    """Register every vendored font with reportlab, once per process (thread-safe).

    Every function of ``events.rendering`` calls it; call it at start-up to pay the ~0.5 s of
    parsing (mostly the 4 MB CJK font) before the first request rather than during it.
    """
    if _coverage:
        return
    with _lock:
        if _coverage:
            return
        coverage: dict[str, frozenset[int]] = {}
        for font in VENDORED_FONTS:
            ttf = TTFont(font.name, str(FONT_DIR / font.file))
            _serialise_subsetting(ttf)
            pdfmetrics.registerFont(ttf)
            # Glyph 0 is .notdef: a code point mapped to it has no real glyph.
            coverage[font.name] = frozenset(
                code for code, glyph in ttf.face.charToGlyph.items() if glyph != 0
            )
        for font in VENDORED_FONTS:
            if font.bold is not None:
                # What Paragraph's <b> and <i> resolve to; there are no italic faces. The plain
                # mappings go last, as addMapping also records the reverse (name -> style).
                addMapping(font.name, 0, 1, font.name)
                addMapping(font.name, 1, 1, font.bold)
                addMapping(font.name, 1, 0, font.bold)
                addMapping(font.name, 0, 0, font.name)
        _coverage.update(coverage)  # last: a non-empty dict means "done" to other threads


def _serialise_subsetting(ttf: TTFont) -> None:
    """Make the font's subsetting safe when several threads save PDFs at once.

    reportlab's ``TTFontFile.makeSubset`` (run when a document is saved) reads the font through
    one shared cursor (``seek``/``read_ushort`` on the face), so two documents saved at the same
    time in two threads corrupt each other's subset: a ``KeyError`` at best, wrong glyphs at
    worst. A lock per font face, on this instance only, serialises just that step.
    """
    face = ttf.face
    make_subset = face.makeSubset
    lock = threading.Lock()

    def locked_make_subset(subset):
        with lock:
            return make_subset(subset)

    face.makeSubset = locked_make_subset


def fallback_chain(*, bold: bool = False, family: Family = "sans") -> tuple[str, ...]:
    """The registered font names tried, in order, for each character."""
    try:
        return _CHAINS[(family, bold)]
    except KeyError:
        raise ValueError(f"unknown font family {family!r}; expected one of {FAMILIES}") from None


def primary_font(*, bold: bool = False, family: Family = "sans") -> str:
    """The family's Latin font: the one for digits, punctuation, spaces and U+FFFD."""
    return fallback_chain(bold=bold, family=family)[0]


def has_glyph(font_name: str, char: str) -> bool:
    """Whether the vendored font ``font_name`` maps ``char`` to a real glyph."""
    register_fonts()
    return ord(char) in _coverage[font_name]


@cache
def font_for(char: str, *, bold: bool = False, family: Family = "sans") -> str | None:
    """The first font of the chain that has ``char``, or ``None`` when no vendored font has it."""
    register_fonts()
    code = ord(char)
    for name in fallback_chain(bold=bold, family=family):
        if code in _coverage[name]:
            return name
    return None


def font_path(font_name: str) -> Path:
    """The file of a vendored font (for tools that want the file, e.g. Pillow previews)."""
    for font in VENDORED_FONTS:
        if font.name == font_name:
            return FONT_DIR / font.file
    raise KeyError(font_name)
