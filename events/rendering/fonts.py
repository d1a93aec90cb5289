"""The vendored TrueType fonts, registered once with reportlab, and which one draws a character.

Fonts ship inside the package (``events/rendering/fonts/``, with their licences), so a fresh
clone, CI and the Docker image render the same PDFs without any system font.

Which scripts, and why
----------------------
Participants come from the LDCs, LLDCs and SIDS (``/work/shared/reference/un_country_groups.csv``).
The scripts their passports and official languages are written in, and the font of each:

* Latin, with every diacritic (most of Africa, the Pacific and Caribbean SIDS, Timor-Leste,
  Paraguay, Bolivia, Azerbaijan, Turkmenistan, Uzbekistan, Moldova…), Cyrillic (Kazakhstan,
  Kyrgyzstan, Tajikistan, Mongolia, North Macedonia) and Greek: Noto Sans / Noto Serif;
* Arabic script (Afghanistan's Dari and Pashto, Yemen, Sudan, Somalia, Djibouti, Mauritania,
  Comoros, Chad): Noto Sans Arabic / Noto Naskh Arabic;
* Ethiopic (Ethiopia, Eritrea); Armenian (Armenia); Georgian and Hebrew (kept from before);
* Devanagari (Nepal), Bengali (Bangladesh), Tibetan (Bhutan's Dzongkha: only Noto *Serif*
  Tibetan exists), Khmer (Cambodia), Lao (Lao PDR), Myanmar (Myanmar), Thaana (Maldives' Dhivehi),
  Tamil and Chinese (Singapore); Sinhala and Thai are not official in any of these countries
  but are asked for (neighbours, diaspora officials): one Noto Sans pair each;
* Chinese and Japanese kana: Droid Sans Fallback (its Hangul is partial, so Korean is not claimed).

Not covered: scripts used by communities but not in passports or official documents (Tifinagh
in Mali and Niger, N'Ko and Adlam in Guinea and Mali, Vai in Liberia, traditional Mongolian).
A name in one of them is printed in its Latin passport form, and organisers are warned before
printing (``missing_glyphs`` names the characters; badges and letters expose the reason).

Shaping
-------
Every run of text is shaped by HarfBuzz (``uharfbuzz``, see ``events.rendering.shaping``):
conjuncts and pre-base vowels (Devanagari, Bengali, Tamil, Sinhala, Khmer, Myanmar), stacked
consonants (Tibetan), tone marks over vowels (Thai, Lao), Arabic joining and lam-alef, marks
placed by the fonts' GPOS tables. Until this, reportlab drew one glyph per character and these
scripts were refused; Arabic was pre-joined with ``arabic-reshaper`` into presentation forms,
which are what a PDF's text layer then gave back. The text layer now gives back the stored
text (see ``events.rendering.shaping``).

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
#: Scripts that need OpenType shaping, one regular/bold pair each (``_SHAPED_SCRIPTS``).
DEVANAGARI = "OSE-Devanagari"
BENGALI = "OSE-Bengali"
TIBETAN = "OSE-Tibetan"
KHMER = "OSE-Khmer"
LAO = "OSE-Lao"
MYANMAR = "OSE-Myanmar"
THAANA = "OSE-Thaana"
SINHALA = "OSE-Sinhala"
THAI = "OSE-Thai"
TAMIL = "OSE-Tamil"


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

#: ``(name, file stem, script)``: Noto Sans, except Tibetan (only Noto Serif Tibetan exists).
_SHAPED_SCRIPTS = (
    (DEVANAGARI, "NotoSansDevanagari", "Devanagari (Nepali, Hindi)"),
    (BENGALI, "NotoSansBengali", "Bengali (Bangla)"),
    (TIBETAN, "NotoSerifTibetan", "Tibetan (Dzongkha)"),
    (KHMER, "NotoSansKhmer", "Khmer"),
    (LAO, "NotoSansLao", "Lao"),
    (MYANMAR, "NotoSansMyanmar", "Myanmar (Burmese)"),
    (THAANA, "NotoSansThaana", "Thaana (Dhivehi)"),
    (SINHALA, "NotoSansSinhala", "Sinhala"),
    (THAI, "NotoSansThai", "Thai"),
    (TAMIL, "NotoSansTamil", "Tamil"),
)
VENDORED_FONTS += tuple(
    font
    for name, stem, script in _SHAPED_SCRIPTS
    for font in (
        VendoredFont(name, f"{stem}-Regular.ttf", script, _OFL, f"{name}-Bold"),
        VendoredFont(f"{name}-Bold", f"{stem}-Bold.ttf", script, _OFL),
    )
)

# The fonts tried, in order, for each character: the family's Latin/Greek/Cyrillic font first (so
# digits, punctuation and spaces come from it), the script fonts, the large CJK font last.
_SHAPED = tuple(name for name, _stem, _script in _SHAPED_SCRIPTS)
_SHARED_REGULAR = (HEBREW, ARMENIAN, GEORGIAN, ETHIOPIC, *_SHAPED, CJK)
_SHARED_BOLD = (
    HEBREW_BOLD,
    ARMENIAN_BOLD,
    GEORGIAN_BOLD,
    ETHIOPIC_BOLD,
    *(f"{n}-Bold" for n in _SHAPED),
    CJK,
)
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
