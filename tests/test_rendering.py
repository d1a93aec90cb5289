"""The shared rendering core: vendored fonts, multi-script text, QR codes (no database needed).

Text is checked by drawing it into a real PDF and reading it back with pypdf; QR codes by
rasterising the page with pdfium and decoding the image with zxing-cpp.
"""

from __future__ import annotations

import io
import re
import sys
import unicodedata
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import zxingcpp
from PIL import Image
from pypdf import PdfReader
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.ttfonts import TTFontFile
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from events.demo.people import generate_participants
from events.rendering import (
    ARABIC,
    CJK,
    NASKH,
    REPLACEMENT,
    SANS,
    SANS_BOLD,
    draw_qr,
    draw_text,
    first_renderable,
    fit_font_size,
    fit_lines,
    is_renderable,
    markup,
    missing_glyphs,
    qr_matrix,
    qr_png,
    qr_svg,
    runs,
    shape,
    string_width,
)
from events.rendering.fonts import FONT_DIR, VENDORED_FONTS
from events.rendering.qr import QUIET_ZONE, dark_runs

LATIN = ["Nguyễn Thị Minh Khai", "Şəhriyar Məmmədov", "Đorđe Petrović", "Zélia Araújo"]
CYRILLIC = ["Дмитрий Иванов", "Гүлнара Өмүрбекова"]
GREEK = ["Ἀλέξανδρος Παπαδόπουλος"]
CHINESE = ["王伟", "陈慧敏"]
ARABIC_NAMES = ["عبدالله الحداد", "علاء موسى", "فاطمة گلزار پژمان"]
#: Nothing vendored draws an emoji (nor N'Ko, Adlam, Tifinagh: see events.rendering.fonts).
NOT_DRAWN = "\N{GRINNING FACE}"

BADGE_WIDTH = 80 * mm  # the text box of a 90 x 54 mm card


def render_page(draw, size=(595, 842)) -> bytes:
    """A one-page PDF (deterministic: ``invariant``) made by ``draw(canvas)``."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=size, invariant=True)
    draw(canvas)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def extract_text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def rasterise(pdf: bytes, dpi: int = 200) -> Image.Image:
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        bitmap = page.render(scale=dpi / 72)
        image = bitmap.to_pil().convert("L")
        bitmap.close()
        page.close()
        return image
    finally:
        document.close()


def decode_qr(image: Image.Image) -> list[str]:
    return [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]


# --- fonts ----------------------------------------------------------------------------------------


def test_vendored_fonts_are_truetype_with_their_licences() -> None:
    total = 0
    for font in VENDORED_FONTS:
        path = FONT_DIR / font.file
        assert path.is_file(), path
        assert "glyf" in TTFontFile(str(path)).table, f"{font.file} is not TrueType-outline"
        assert (FONT_DIR / font.licence).is_file()
        total += path.stat().st_size
    assert total < 15 * 1024 * 1024
    assert (FONT_DIR / "README.txt").is_file()


# --- text in a PDF --------------------------------------------------------------------------------


def test_names_in_four_scripts_survive_a_round_trip_through_a_pdf() -> None:
    names = [*LATIN, *CYRILLIC, *GREEK, *CHINESE, *ARABIC_NAMES, "Amina موسى", "王伟 (Wang Wei)"]
    for name in names:
        assert missing_glyphs(name) == set(), name
        assert missing_glyphs(name, bold=True) == set(), name

    def draw(canvas: Canvas) -> None:
        for number, name in enumerate(names):
            draw_text(canvas, 40, 800 - 24 * number, name, 14, bold=number % 2 == 1)

    pdf = render_page(draw)
    text = extract_text(pdf)
    for name in [*LATIN, *CYRILLIC, *GREEK, *CHINESE, "王伟 (Wang Wei)"]:
        assert name in text
    # Arabic is drawn joined (HarfBuzz) but reads back as the letters typed, not as
    # presentation forms (U+FB50-U+FEFF), in logical order.
    for name in [*ARABIC_NAMES, "Amina موسى"]:
        assert name in text
    assert not any(0xFB50 <= ord(char) <= 0xFEFF for char in text)
    fonts = {str(font) for page in PdfReader(io.BytesIO(pdf)).pages for font in _font_names(page)}
    assert any("NotoSansArabic" in font for font in fonts)
    assert any("DroidSansFallback" in font for font in fonts)
    assert REPLACEMENT not in text


def _font_names(page) -> list[str]:
    return [font.get_object()["/BaseFont"] for font in page["/Resources"]["/Font"].values()]


def test_a_character_no_font_has_is_reported_and_drawn_as_a_replacement() -> None:
    name = f"Amina {NOT_DRAWN} Musa"
    assert missing_glyphs(name) == {NOT_DRAWN}
    assert not is_renderable(name)
    assert runs(name) == [(f"Amina {REPLACEMENT} Musa", SANS)]
    text = extract_text(render_page(lambda canvas: draw_text(canvas, 40, 800, name, 14)))
    assert f"Amina {REPLACEMENT} Musa" in text
    # Invisible companions of an emoji (variation selector, skin tone) add nothing; a joiner
    # stays with its run, for HarfBuzz (it changes Arabic and Indic shaping).
    assert runs("A\N{THUMBS UP SIGN}\ufe0f\U0001f3fdB") == [(f"A{REPLACEMENT}B", SANS)]
    assert runs("A\N{THUMBS UP SIGN}\u200dB") == [(f"A{REPLACEMENT}\u200dB", SANS)]


def test_scripts_without_a_font_fall_back_to_their_latin_form() -> None:
    for native in ["ߡߊߡߊߘߎ", "𞤀𞤣𞤢𞤥𞤢", "ⵜⵉⴼⵉⵏⴰⵖ"]:  # N'Ko, Adlam, Tifinagh
        assert missing_glyphs(native), native
        assert REPLACEMENT in "".join(piece for piece, _font in runs(native))
    assert first_renderable("ߡߊߡߊߘߎ", "Mamadou Keita") == "Mamadou Keita"
    assert first_renderable("सीता श्रेष्ठ", "Sita Shrestha") == "सीता श्रेष्ठ"  # shaped now
    assert first_renderable("Amina موسى", "Amina Musa") == "Amina موسى"
    assert first_renderable("", "Kyaw Myint") == "Kyaw Myint"
    # Pashto letters without presentation forms are joined by HarfBuzz.
    assert missing_glyphs("ځلمی") == set()


def test_every_demo_participant_gets_a_printable_name() -> None:
    native_scripts = set()
    for person in generate_participants(400):
        passport = " ".join(part for part in (person["given_names"], person["family_name"]) if part)
        latin = person["latin_name"] or passport
        assert is_renderable(latin), latin
        printed = first_renderable(passport, latin)
        assert is_renderable(printed) and is_renderable(printed, bold=True, family="serif")
        if printed != latin:
            native_scripts |= {unicodedata.name(char).split()[0] for char in printed if char.isalpha()}
    assert {"ARABIC", "CYRILLIC", "CJK"} <= native_scripts


# --- runs, shaping, widths ------------------------------------------------------------------------


def test_runs_split_mixed_scripts_by_font() -> None:
    assert runs("Amina موسى") == [("Amina ", SANS), ("موسى", ARABIC)]
    assert runs("王伟 (Wang Wei)") == [("王伟 ", CJK), ("(Wang Wei)", SANS)]
    assert runs("Amina موسى", bold=True) == [("Amina ", SANS_BOLD), ("موسى", "OSE-Arabic-Bold")]
    assert runs("موسى", family="serif") == [("موسى", NASKH)]
    # Runs come in visual order, each in logical order; the brackets are right to left (HarfBuzz
    # mirrors them), so "(Mohammed) محمد" is drawn.
    assert runs("محمد (Mohammed)") == [(")", SANS), ("Mohammed", SANS), ("(", SANS), ("محمد ", ARABIC)]
    assert runs("Գևորգ Ivanov") == [("Գևորգ ", "OSE-Armenian"), ("Ivanov", SANS)]
    decomposed = unicodedata.normalize("NFD", "Nguyễn")
    assert runs(decomposed) == [("Nguyễn", SANS)]  # drawn with the precomposed glyph
    assert runs("Ana\tMaria\n") == [("Ana Maria ", SANS)]
    assert runs("") == []


def test_shape_gives_the_characters_in_visual_order() -> None:
    latin = "Zélia Araújo"
    assert shape(latin) == latin
    assert shape("موسى") == "ىسوم"
    assert shape("שרה כהן") == "ןהכ הרש"
    assert shape("Amina موسى") == "Amina ىسوم"


def test_string_width_adds_up_the_runs_and_draw_text_aligns() -> None:
    name = "王伟 (Wang Wei)"
    assert string_width(name, 20) == pytest.approx(2 * string_width(name, 10))
    assert string_width(name, 10) == pytest.approx(string_width("王伟 ", 10) + string_width("(Wang Wei)", 10))
    assert string_width("Amina", 10, bold=True) > string_width("Amina", 10)
    widths = {}

    def draw(canvas: Canvas) -> None:
        widths["left"] = draw_text(canvas, 100, 700, "Şəhriyar", 20)
        widths["center"] = draw_text(canvas, 300, 650, "Şəhriyar", 20, align="center")
        widths["right"] = draw_text(canvas, 500, 600, "Şəhriyar", 20, align="right")

    lefts = _first_char_lefts(render_page(draw))
    width = string_width("Şəhriyar", 20)
    assert widths == {"left": width, "center": width, "right": width}
    # Glyph boxes start a side bearing (a point or two) right of the pen position.
    assert lefts[0] == pytest.approx(100, abs=2.5)
    assert lefts[1] == pytest.approx(300 - width / 2, abs=2.5)
    assert lefts[2] == pytest.approx(500 - width, abs=2.5)
    with pytest.raises(ValueError):
        render_page(lambda canvas: draw_text(canvas, 0, 0, "x", 10, align="justify"))  # type: ignore[arg-type]


def _first_char_lefts(pdf: bytes) -> list[float]:
    """The left edge of the first character of each drawn line (pdfium's text page)."""
    document = pdfium.PdfDocument(pdf)
    try:
        page = document[0]
        text_page = page.get_textpage()
        text = text_page.get_text_range()
        starts = [0] + [match.end() for match in re.finditer(r"\r?\n", text)]
        lefts = [text_page.get_charbox(index)[0] for index in starts]
        text_page.close()
        page.close()
        return lefts
    finally:
        document.close()


# --- fitting --------------------------------------------------------------------------------------


def test_fit_font_size_shrinks_a_long_name_down_to_the_minimum() -> None:
    assert fit_font_size("Ali", BADGE_WIDTH, 24, 9) == 24
    long_name = "Maria da Conceição Guterres Ximenes Soares"
    size = fit_font_size(long_name, BADGE_WIDTH, 24, 9)
    assert 9 < size < 24
    assert string_width(long_name, size) <= BADGE_WIDTH
    assert string_width(long_name, size + 0.2) > BADGE_WIDTH
    assert fit_font_size(long_name * 5, BADGE_WIDTH, 24, 9) == 9


def test_fit_lines_keeps_short_names_whole_and_wraps_longer_ones() -> None:
    assert fit_lines("Amina Musa", BADGE_WIDTH, 2, 24, 12) == (24, ["Amina Musa"])
    name = "Maria da Conceição Guterres Ximenes Soares do Amaral"
    size, lines = fit_lines(name, BADGE_WIDTH, 2, 24, 14)
    assert len(lines) == 2 and " ".join(lines) == name
    assert size >= 14
    assert all(string_width(line, size) <= BADGE_WIDTH for line in lines)
    arabic = "عبدالله بن محمد بن عبدالرحمن الحداد الشامي السقاف"
    size, lines = fit_lines(arabic, 60 * mm, 2, 20, 12)
    assert " ".join(lines) == arabic  # lines in logical order; draw_text shapes each one
    assert len(lines) == 2 and all(string_width(line, size) <= 60 * mm for line in lines)


def test_fit_lines_truncates_a_200_character_name_to_the_badge_width() -> None:
    name = " ".join(["Nguyễn Thị Minh Khai", "Şəhriyar Məmmədov", "Đorđe"] * 6)[:200]
    assert len(name) == 200
    size, lines = fit_lines(name, BADGE_WIDTH, 2, 24, 9)
    assert size == 9
    assert len(lines) == 2
    assert lines[-1].endswith("…")
    assert lines[0] == name[: len(lines[0])]
    assert all(string_width(line, size) <= BADGE_WIDTH for line in lines)
    # One word wider than the box is cut between characters, never leaving a line too wide.
    word = "Ximenes" * 20
    size, lines = fit_lines(word, BADGE_WIDTH, 3, 24, 9)
    assert all(string_width(line, size) <= BADGE_WIDTH for line in lines)
    assert len(lines) == 3 and lines[-1].endswith("…")
    one_line = fit_lines(name, BADGE_WIDTH, 1, 24, 9)[1]
    assert len(one_line) == 1 and string_width(one_line[0], 9) <= BADGE_WIDTH


# --- Paragraph markup -----------------------------------------------------------------------------


def test_markup_gives_paragraphs_fallback_fonts_and_escapes_xml() -> None:
    assert markup("A & B <C>") == f'<font name="{SANS}">A &amp; B &lt;C&gt;</font>'
    assert (
        markup("王伟 Wang", bold=True)
        == f'<font name="{CJK}">王伟 </font><font name="{SANS_BOLD}">Wang</font>'
    )
    # A right-to-left name stays on one line (its spaces are no-break spaces).
    assert " " not in re.sub(r"<[^>]*>", "", markup("عبدالله الحداد"))

    buffer = io.BytesIO()
    style = ParagraphStyle("body", fontName=SANS, fontSize=11, leading=14)
    story = [
        Paragraph(
            f"We invite {markup('Şəhriyar Məmmədov & Co')}, {markup('王伟')} and "
            f"<b>{markup('عبدالله الحداد', bold=True)}</b> to the symposium in Baku.",
            style,
        )
    ]
    SimpleDocTemplate(buffer, invariant=True).build(story)
    text = extract_text(buffer.getvalue())
    assert "Şəhriyar Məmmədov & Co" in text
    assert "王伟" in text
    assert "عبدالله الحداد" in text.replace("\u00a0", " ")
    assert REPLACEMENT not in text


# --- QR codes -------------------------------------------------------------------------------------

TOKENS = [
    "OSE1",
    "https://events.example.org/b/AZE-2027-00123",
    "OSE1.eyJyIjoiQVpFLTIwMjctMDAxMjMiLCJlIjoxMiwidiI6MX0.Q2hhbmdlIG1lIHRvIGEgcmVhbCBzaWduYXR1cmU" * 3,
]


def test_qr_matrix_picks_the_smallest_version() -> None:
    version, modules = qr_matrix("OSE1")
    assert version == 1 and len(modules) == 21 and all(len(row) == 21 for row in modules)
    assert qr_matrix("A" * 100).version > qr_matrix("A" * 100, error="L").version - 1
    assert qr_matrix("A" * 100, error="H").version > qr_matrix("A" * 100, error="L").version
    with pytest.raises(ValueError):
        qr_matrix("x", error="X")


@pytest.mark.parametrize("data", TOKENS)
def test_a_qr_drawn_as_one_path_scans_from_the_rasterised_page(data: str) -> None:
    modules = {}

    def draw(canvas: Canvas) -> None:
        modules["side"] = draw_qr(canvas, 20 * mm, 20 * mm, 30 * mm, data)

    pdf = render_page(draw, size=(105 * mm, 148 * mm))  # A6
    assert decode_qr(rasterise(pdf, dpi=200)) == [data]
    assert modules["side"] == pytest.approx(30 * mm / (qr_matrix(data).size + 2 * QUIET_ZONE))
    content = PdfReader(io.BytesIO(pdf)).pages[0].get_contents().get_data()
    assert content.count(b" f") + content.count(b"\nf") >= 1
    assert (
        content.count(b"re ") + content.count(b"re\n")
        == sum(1 for _ in dark_runs(qr_matrix(data).modules)) + 1
    )


def test_qr_png_decodes_and_has_the_quiet_zone() -> None:
    data = TOKENS[1]
    png = qr_png(data, scale=6)
    image = Image.open(io.BytesIO(png))
    side = (qr_matrix(data).size + 2 * QUIET_ZONE) * 6
    assert image.size == (side, side) and image.mode == "1"
    assert decode_qr(image.convert("L")) == [data]
    grey = image.convert("L")
    assert all(grey.getpixel((x, y)) == 255 for x in range(QUIET_ZONE * 6) for y in range(side))
    with pytest.raises(ValueError):
        qr_png(data, scale=0)


def test_qr_svg_is_one_path_of_the_same_modules() -> None:
    data = TOKENS[1]
    svg = qr_svg(data, size="40mm")
    root = ET.fromstring(svg)  # noqa: S314 (our own output, not untrusted input)
    namespace = "{http://www.w3.org/2000/svg}"
    paths = root.findall(f"{namespace}path")
    assert len(paths) == 1 and root.get("width") == "40mm"
    side = qr_matrix(data).size + 2 * QUIET_ZONE
    assert root.get("viewBox") == f"0 0 {side} {side}"
    drawn = [
        (int(row) - QUIET_ZONE, int(column) - QUIET_ZONE, int(length))
        for column, row, length in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", paths[0].get("d"))
    ]
    assert drawn == list(dark_runs(qr_matrix(data).modules))


# --- determinism and threads ----------------------------------------------------------------------


def test_pdfs_saved_in_parallel_threads_are_identical() -> None:
    """reportlab subsets a TrueType font through a cursor shared by every document; without the
    lock of ``fonts._serialise_subsetting`` this fails in most rounds (KeyError or other bytes)."""
    # Many composite glyphs (accented letters) make each subsetting long, and a short switch
    # interval makes the threads interleave inside it.
    texts = [
        "".join(map(chr, range(0x1EA0, 0x1EFA))),
        "".join(map(chr, range(0xC0, 0x180))),
        "".join(map(chr, range(0x400, 0x460))),
        *LATIN,
        *ARABIC_NAMES,
        *CHINESE,
    ]

    def page(_: int) -> bytes:
        def draw(canvas: Canvas) -> None:
            for number, text in enumerate(texts):
                draw_text(canvas, 20, 800 - 20 * number, text, 8)
            draw_qr(canvas, 40, 40, 120, TOKENS[1])

        return render_page(draw)

    expected = page(0)
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        for _round in range(6):
            with ThreadPoolExecutor(max_workers=4) as pool:
                assert set(pool.map(page, range(8))) == {expected}
    finally:
        sys.setswitchinterval(interval)


def test_the_fonts_folder_holds_only_what_is_declared() -> None:
    declared = {font.file for font in VENDORED_FONTS} | {font.licence for font in VENDORED_FONTS}
    present = {path.name for path in Path(FONT_DIR).iterdir()}
    assert present == declared | {"README.txt"}
