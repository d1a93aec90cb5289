"""Badge PDFs (pure renderer, no database): QR codes scan back, sheets place badges where they
should, names in every script extract back, long and odd names still fit."""

from __future__ import annotations

import asyncio
import datetime
import io
import unicodedata
import zipfile

import pypdfium2 as pdfium
import pytest
import zxingcpp
from pypdf import PdfReader

from events.badges import printing, render, tokens
from events.badges.render import SHEETS, BadgeData, BadgeRenderer, EventInfo
from events.rendering import REPLACEMENT, missing_glyphs, string_width

UTC = datetime.UTC
EVENT = EventInfo(
    title="International Symposium on Omnichannel Public Service Delivery",
    dates=render.date_range(datetime.date(2027, 10, 12), datetime.date(2027, 10, 14)),
    place="Baku, Azerbaijan",
)
PAIR = tokens.new_key_pair()


def token(badge_id: int) -> str:
    return tokens.issue_token(
        private_key=PAIR.private_key,
        key_id=PAIR.key_id,
        event_id=3,
        badge_id=badge_id,
        version=1,
        not_before=datetime.datetime(2027, 10, 11, tzinfo=UTC),
        not_after=datetime.datetime(2027, 10, 15, tzinfo=UTC),
    )


def badge(n: int = 1, **overrides) -> BadgeData:
    values = {
        "token": token(n),
        "given_names": "Amina",
        "family_name": "Moussa",
        "preferred_name": "",
        "country_code": "DJI",
        "country_name": "Djibouti",
        "institution": "Cabinet Office",
        "role": "participant",
    }
    values.update(overrides)
    return BadgeData(**values)


def pages_as_images(pdf: bytes, dpi: int = 150):
    document = pdfium.PdfDocument(pdf)
    try:
        for page in document:
            bitmap = page.render(scale=dpi / 72)
            yield bitmap.to_pil().convert("L")
            bitmap.close()
            page.close()
    finally:
        document.close()


def decoded(image, dpi: int = 150) -> list[tuple[str, float, float]]:
    """Each QR code on the image: its text and its centre in points from the page's lower left."""
    height = image.height
    found = []
    for result in zxingcpp.read_barcodes(image):
        corners = [result.position.top_left, result.position.top_right]
        corners += [result.position.bottom_left, result.position.bottom_right]
        x = sum(point.x for point in corners) / 4 * 72 / dpi
        y = (height - sum(point.y for point in corners) / 4) * 72 / dpi
        found.append((result.text, x, y))
    return found


def text_of(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


# --- one badge -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("sheet", ["a6", "card"])
def test_a_single_badge_scans_back_to_its_exact_token(sheet) -> None:
    data = badge(41)
    pdf = BadgeRenderer(EVENT, sheet).render([data])
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1
    (image,) = pages_as_images(pdf, dpi=200)
    assert [text for text, _x, _y in decoded(image, 200)] == [data.token]
    text = text_of(pdf)
    for expected in (
        "Amina",
        "Amina Moussa",
        "Cabinet Office",
        "Djibouti (DJI)",
        "PARTICIPANT",
        "12–14 October 2027",
    ):
        assert expected in text, (expected, text)
    assert "Omnichannel" in text


def test_every_role_has_its_colour_and_its_word() -> None:
    colours = {style.band.hexval() for style in render.ROLES.values()}
    assert len(colours) == 6 and set(render.ROLES) == {
        "participant",
        "speaker",
        "organiser",
        "staff",
        "press",
        "guide",
    }
    for role, style in render.ROLES.items():
        pdf = BadgeRenderer(EVENT, "a6").render([badge(role=role)])
        assert style.word in text_of(pdf)


# --- sheets --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "per_page", "page_size_mm"),
    [("4xa6", 4, (210, 297)), ("2x5", 10, (297, 210)), ("8xa7", 8, (297, 210)), ("a6", 1, (105, 148))],
)
def test_sheets_place_the_right_number_of_badges_where_they_belong(sheet, per_page, page_size_mm) -> None:
    count = per_page + (per_page + 1) // 2  # a full page and a part of the next
    badges = [badge(n, given_names=f"Name{n}", family_name="Sheet") for n in range(1, count + 1)]
    renderer = BadgeRenderer(EVENT, sheet, crop_marks=True)
    pdf = renderer.render(badges)
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    width, height = (float(v) for v in reader.pages[0].mediabox.upper_right)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == page_size_mm
    expected = renderer.qr_positions()
    images = list(pages_as_images(pdf, dpi=200))
    for page_number, image in enumerate(images):
        found = decoded(image, 200)
        on_page = badges[page_number * per_page : (page_number + 1) * per_page]
        assert sorted(text for text, _x, _y in found) == sorted(b.token for b in on_page)
        by_token = {text: (x, y) for text, x, y in found}
        for slot, data in enumerate(on_page):
            qx, qy, side = expected[slot]
            x, y = by_token[data.token]
            assert x == pytest.approx(qx + side / 2, abs=3) and y == pytest.approx(qy + side / 2, abs=3)
    # Slot 0 is the top left badge; the next ones go across, then down.
    assert expected[0][1] >= expected[-1][1]
    if per_page > 1:
        assert expected[1][0] > expected[0][0]


def test_crop_marks_are_drawn_only_when_asked() -> None:
    plain = PdfReader(io.BytesIO(BadgeRenderer(EVENT, "2x5").render([badge()])))
    marked = PdfReader(io.BytesIO(BadgeRenderer(EVENT, "2x5", crop_marks=True).render([badge()])))
    strokes = [
        page.get_contents().get_data().count(b" l\n") + page.get_contents().get_data().count(b" l ")
        for page in (plain.pages[0], marked.pages[0])
    ]
    assert strokes[0] == 0 and strokes[1] >= 2 * (6 + 3)  # both ends of 6 vertical and 3 horizontal cuts


# --- names ---------------------------------------------------------------------------------------------

SCRIPTS = [
    ("Nguyễn Thị Minh", "Khai", ""),
    ("Şəhriyar", "Məmmədov", ""),
    ("Дмитрий", "Иванов", ""),
    ("Гүлнара", "Өмүрбекова", ""),
    ("王", "伟", "Wang Wei"),
    ("慧敏", "陈", "Chen Huimin"),
]
ARABIC = [("عبدالله", "الحداد", "Abdullah Al-Haddad"), ("فاطمة", "گلزار", "Fatemeh Golzar")]


def test_names_in_every_script_extract_back_exactly() -> None:
    badges = [
        badge(n, given_names=g, family_name=f, latin_name=latin)
        for n, (g, f, latin) in enumerate(SCRIPTS + ARABIC, 1)
    ]
    pdf = BadgeRenderer(EVENT, "4xa6").render(badges)
    text = text_of(pdf)
    for given, family, _latin in SCRIPTS:
        assert given in text and f"{given} {family}" in text, given
    readable = unicodedata.normalize("NFKC", text)
    for given, family, _latin in ARABIC:
        assert not missing_glyphs(f"{given} {family}", bold=True)
        assert given in readable and f"{given} {family}" in readable, given
    assert REPLACEMENT not in text


def test_unprintable_scripts_fall_back_to_the_latin_name() -> None:
    data = badge(given_names="ߡߊߡߊߘߎ", family_name="ߞߋߌߕߊ", latin_name="Mamadou Keita")  # N'Ko
    assert render.display_name(data) == "Mamadou Keita" and render.full_name(data) == "Mamadou Keita"
    assert "Mamadou Keita" in text_of(BadgeRenderer(EVENT, "a6").render([data]))


def test_empty_preferred_name_emoji_and_single_names_render_sensibly() -> None:
    assert render.display_name(badge(preferred_name="")) == "Amina"
    assert render.display_name(badge(preferred_name="Mina")) == "Mina"
    assert render.display_name(badge(preferred_name="Mina \N{GRINNING FACE}")) == "Amina"
    assert render.display_name(badge(given_names="", family_name="Sukarno")) == "Sukarno"
    assert render.full_name(badge(given_names="", family_name="Sukarno")) == "Sukarno"
    odd = badge(preferred_name="\N{PARTY POPPER}", institution="Ministry \N{ROCKET} of ICT")
    pdf = BadgeRenderer(EVENT, "a6").render([odd])
    text = text_of(pdf)
    assert "Ministry of ICT" in text and REPLACEMENT not in text


@pytest.mark.parametrize("sheet", list(SHEETS))
def test_a_200_character_name_shrinks_and_wraps_inside_the_badge(sheet) -> None:
    long_name = " ".join(["Maria da Conceição Guterres Ximenes Soares"] * 6)[:200]
    data = badge(preferred_name=long_name, given_names=long_name[:100], institution="Institute " * 20)
    renderer = BadgeRenderer(EVENT, sheet)
    fitted = render._fit(render.display_name(data), renderer.layout.name)
    assert 1 <= len(fitted.lines) <= 2
    assert all(
        string_width(line, fitted.size, bold=True) <= renderer.layout.name.width + 0.01
        for line in fitted.lines
    )
    pdf = renderer.render([data])
    (image,) = pages_as_images(pdf, dpi=200)
    assert [text for text, _x, _y in decoded(image, 200)] == [data.token]
    assert "Maria da Conceição" in text_of(pdf)


def test_date_ranges_read_naturally() -> None:
    assert render.date_range(datetime.date(2027, 10, 12), datetime.date(2027, 10, 14)) == "12–14 October 2027"
    assert (
        render.date_range(datetime.date(2027, 9, 30), datetime.date(2027, 10, 2))
        == "30 September – 2 October 2027"
    )
    assert (
        render.date_range(datetime.date(2027, 12, 30), datetime.date(2028, 1, 2))
        == "30 December 2027 – 2 January 2028"
    )
    assert render.date_range(datetime.date(2027, 5, 1), datetime.date(2027, 5, 1)) == "1 May 2027"


# --- chunks --------------------------------------------------------------------------------------------


def _zipped(renderer: BadgeRenderer, badges: list, **options) -> bytes:
    async def collect() -> bytes:
        return b"".join([piece async for piece in printing.zip_pieces(renderer, badges, **options)])

    return asyncio.run(collect())


def test_large_runs_are_zipped_in_chunks_of_whole_sheets() -> None:
    badges = [badge(n) for n in range(1, 23)]
    renderer = BadgeRenderer(EVENT, "4xa6")
    archive = zipfile.ZipFile(io.BytesIO(_zipped(renderer, badges, prefix="b", chunk_size=10)))
    names = archive.namelist()
    assert names == ["b-001.pdf", "b-002.pdf"]  # 10 rounds up to 12 (3 sheets of 4)
    counts = [len(PdfReader(io.BytesIO(archive.read(name))).pages) for name in names]
    assert counts == [3, 3]
    assert len(list(renderer.render_chunks(badges, 12))) == 2
    empty = zipfile.ZipFile(io.BytesIO(_zipped(renderer, [])))
    assert len(empty.namelist()) == 1


def test_an_unknown_sheet_is_refused() -> None:
    with pytest.raises(ValueError):
        BadgeRenderer(EVENT, "a3")
