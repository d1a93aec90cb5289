"""Letters without the database: wording, templates, the renderer, the QR link and the signature.

Text is checked by reading it back from the PDF (pypdf); the QR code by rasterising the page
(pdfium) and decoding it (zxing-cpp); the signature with pyHanko's validator, trusting the
development certificate.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import io
import re
import unicodedata

import msgspec
import pypdfium2 as pdfium
import pytest
import zxingcpp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from events.letters import content, signing, verification, wording
from events.letters.render import LetterRenderer, read_facts
from events.rendering import REPLACEMENT, missing_glyphs, qr_png

ISSUED_ON = datetime.date(2027, 8, 2)
REFERENCE = "BAKU27-VSL-000123"
URL = f"http://127.0.0.1:8000/verify/{REFERENCE}?c=abcdefghijklmnop"
COSTS = (
    "The organisers cover the participant's return air ticket, accommodation and daily subsistence allowance."
)


def participant(**overrides) -> content.Participant:
    values = {
        "given_names": "Amina",
        "family_name": "Moussa",
        "latin_name": "",
        "nationality": "DJI",
        "country": "DJI",
        "institution": "Cabinet Office",
        "position": "Director of e-Government",
        "date_of_birth": datetime.date(1980, 5, 17),
        "passport_number": "P9876543",
        "passport_expiry": datetime.date(2030, 1, 31),
    }
    values.update(overrides)
    return content.Participant(**values)


def source(kind: str = "visa_support", language: str = "en", **overrides) -> content.LetterSource:
    values = {
        "kind": kind,
        "language": language,
        "participant": participant(),
        "event": content.EventFacts(
            title="International Symposium on Omnichannel Public Service Delivery",
            venue="Baku Congress Centre",
            city="Baku",
            country="AZE",
            start=datetime.date(2027, 10, 12),
            end=datetime.date(2027, 10, 14),
        ),
        "profile": content.Profile(
            host_name="UN DESA",
            host_address="405 East 42nd Street\nNew York, NY 10017",
            host_contact="letters@example.org",
            signatory_name="Ana Example",
            signatory_title="Programme Director",
            costs_statement=COSTS,
        ),
    }
    values.update(overrides)
    if "template" not in values:
        values["template"] = wording.default_template(kind, language)
    return content.LetterSource(**values)


def issue(reference: str = REFERENCE, url: str = URL) -> content.IssueFacts:
    return content.IssueFacts(reference=reference, issued_on=ISSUED_ON, verification_url=url)


@pytest.fixture(scope="module")
def renderer() -> LetterRenderer:
    return LetterRenderer()


def render(renderer: LetterRenderer, letter_source: content.LetterSource, facts=None) -> bytes:
    return renderer.render(content.compose_with_fingerprint(letter_source, facts or issue()))


def page_text(pdf: bytes) -> str:
    """The text of every page, with line breaks and no-break spaces as plain spaces."""
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return " ".join(text.replace("\u00a0", " ").replace("\u202f", " ").split())


def all_texts(data) -> list[str]:
    texts = [data.place_and_date, data.host_name, *data.host_address, data.host_contact, *data.addressee]
    texts += [piece for _kind, piece in data.title]
    texts += [piece for paragraph in data.body for _kind, piece in paragraph]
    texts += [item for row in data.particulars for item in row]
    texts += [data.costs, data.statement, data.closing, data.signatory_name, data.signatory_title]
    return [*texts, data.verification_text]


# --- the three languages, word for word ------------------------------------------------------------

EXPECTED = {
    "en": [
        "Letter in support of a visa application",
        "To the consular authorities concerned",
        "Baku, 2 August 2027",
        f"Reference: {REFERENCE}",
        "UN DESA has invited Amina Moussa, Director of e-Government, Cabinet Office, to participate in "
        "International Symposium on Omnichannel Public Service Delivery, to be held in Baku, Azerbaijan, "
        "from 12 October 2027 to 14 October 2027 at Baku Congress Centre.",
        "The purpose of the visit is to take part in the meetings, discussions and study visits of the event. "
        "The participant intends to stay in Azerbaijan from 12 October 2027 to 14 October 2027.",
        "We would be grateful if the competent authorities could issue the appropriate visa to the "
        "participant, whose particulars are given below.",
        "Particulars of the participant",
        "Full name (as in the passport) Amina Moussa",
        "Date of birth 17 May 1980",
        "Nationality Djibouti",
        "Passport number P9876543",
        "Passport valid until 31 January 2030",
        "Intended stay 12 October 2027 to 14 October 2027",
        f"Costs: {COSTS}",
        "This letter is issued in support of the participant's visa application. It is not a visa and "
        "does not by itself entitle the holder to enter the country.",
        "Yours sincerely,",
        "Ana Example Programme Director UN DESA",
        f"Verify this letter: scan the code or open {URL}",
    ],
    "fr": [
        "Lettre à l'appui d'une demande de visa",
        "À l'attention des autorités consulaires compétentes",
        "Baku, le 2 août 2027",
        f"Référence: {REFERENCE}",
        "UN DESA a invité Amina Moussa, Director of e-Government, Cabinet Office, à participer à "
        "l'événement « International Symposium on Omnichannel Public Service Delivery », qui se tiendra à "
        "Baku (Azerbaïdjan) du 12 octobre 2027 au 14 octobre 2027 (lieu : Baku Congress Centre).",
        "Ce déplacement a pour objet la participation aux réunions, débats et visites d'étude de l'événement. "
        "Le séjour prévu s'étend du 12 octobre 2027 au 14 octobre 2027.",
        "Nous saurions gré aux autorités compétentes de bien vouloir délivrer le visa approprié à la "
        "personne invitée, dont les renseignements figurent ci-dessous.",
        "Date de naissance 17 mai 1980",
        "Nationalité Djibouti",
        "Passeport valable jusqu'au 31 janvier 2030",
        "Séjour prévu du 12 octobre 2027 au 14 octobre 2027",
        "La présente lettre est délivrée à l'appui de la demande de visa de la personne invitée. Elle ne "
        "constitue pas un visa et ne donne pas à elle seule le droit d'entrer dans le pays.",
        "Veuillez agréer l'expression de ma haute considération.",
        f"Vérifier cette lettre : scannez le code ou ouvrez {URL}",
    ],
    "es": [
        "Carta de apoyo a una solicitud de visado",
        "A la atención de las autoridades consulares competentes",
        "Baku, 2 de agosto de 2027",
        f"Referencia: {REFERENCE}",
        "UN DESA ha invitado a Amina Moussa, Director of e-Government, Cabinet Office, a participar en el "
        "evento «International Symposium on Omnichannel Public Service Delivery», que se celebrará en Baku "
        "(Azerbaiyán) del 12 de octubre de 2027 al 14 de octubre de 2027 (lugar: Baku Congress Centre).",
        "El propósito del viaje es participar en las reuniones, debates y visitas de estudio del evento. "
        "La estancia prevista es del 12 de octubre de 2027 al 14 de octubre de 2027.",
        "Agradeceríamos a las autoridades competentes que expidieran el visado correspondiente a la persona "
        "invitada, cuyos datos figuran a continuación.",
        "Fecha de nacimiento 17 de mayo de 1980",
        "Nacionalidad Yibuti",
        "Pasaporte válido hasta 31 de enero de 2030",
        "La presente carta se expide en apoyo de la solicitud de visado de la persona invitada. No constituye "
        "un visado ni otorga por sí misma el derecho de entrada en el país.",
        "Atentamente,",
        f"Verifique esta carta: escanee el código o abra {URL}",
    ],
}


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_visa_letters_read_back_word_for_word_in_three_languages(renderer, language) -> None:
    pdf = render(renderer, source(language=language))
    text = page_text(pdf)
    for expected in EXPECTED[language]:
        assert expected in text, f"{language}: {expected!r} not in\n{text}"
    assert REPLACEMENT not in text
    assert "{" not in text and "}" not in text  # no placeholder left
    assert len(PdfReader(io.BytesIO(pdf)).pages) == 1


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_invitation_letters_have_no_passport_block(renderer, language) -> None:
    text = page_text(render(renderer, source("invitation", language)))
    labels = wording.LABELS[language]
    assert "P9876543" not in text
    assert labels.passport_number not in text
    assert labels.statement_invitation in text
    assert labels.invitation in wording.LABELS[language].invitation
    expected_opening = {
        "en": "Dear Amina Moussa,",
        "fr": "Madame, Monsieur,",
        "es": "Estimado/a Amina Moussa:",
    }
    assert expected_opening[language] in text


def test_every_template_placeholder_is_known_and_every_default_is_valid() -> None:
    for (kind, language), template in wording.DEFAULT_TEMPLATES.items():
        assert wording.check_template(kind, template.title, template.body) == [], (kind, language)
    assert {(kind, language) for kind, language in wording.DEFAULT_TEMPLATES} == {
        (kind, language)
        for kind in ("invitation", "visa_support", "attendance_certificate")
        for language in wording.LETTER_LANGUAGES
    }


@pytest.mark.parametrize(
    ("title", "body", "field", "message"),
    [
        ("Letter", "Dear {participant_name},", "body", "placeholder {participant_name} is unknown"),
        ("Letter {nom}", "Dear {full_name},", "title", "placeholder {nom} is unknown"),
        ("Letter", "Dear {full_name", "body", "braces do not match"),
        ("Letter", "Dear {full_name!r}", "body", "must not have a format or conversion"),
        ("Letter", "Dear {full_name:>20}", "body", "must not have a format or conversion"),
        ("Letter", "Dear {full_name.__class__}", "body", "unknown"),
        ("Letter", "Dear {}", "body", "unknown"),
        ("Letter", "Passport {passport_number}", "body", "not available in an invitation letter"),
        ("Two\nlines", "Dear {full_name},", "title", "must be one line"),
        ("Letter", "   ", "body", "must not be blank"),
        ("Letter", "Dear {full_name} \N{GRINNING FACE}", "body", "cannot print"),
    ],
)
def test_template_errors_name_the_field(title, body, field, message) -> None:
    errors = wording.check_template("invitation", title, body)
    assert any(error.field == field and message in error.message for error in errors), errors


def test_literal_braces_and_visa_placeholders_are_accepted() -> None:
    assert (
        wording.check_template("visa_support", "Letter", "Passport {passport_number} {{not a field}}") == []
    )
    filled = content.compose(
        source(template=wording.TemplateText("Letter", "Passport {passport_number} {{as {reference}}}")),
        issue(),
    )
    assert "".join(piece for _kind, piece in filled.body[0]) == f"Passport P9876543 {{as {REFERENCE}}}"


# --- names in many scripts ------------------------------------------------------------------------

NAMES = [
    ("Nguyễn Thị Minh", "Khai", ""),
    ("Şəhriyar", "Məmmədov", ""),
    ("Đorđe", "Petrović", ""),
    ("Дмитрий", "Иванов", "DMITRII IVANOV"),
    ("عبدالله", "الحداد", "ABDULLAH ALHADDAD"),
    ("伟", "王", "WANG WEI"),
]


@pytest.mark.parametrize(("given", "family", "latin"), NAMES)
def test_names_in_four_scripts_print_without_missing_glyphs(renderer, given, family, latin) -> None:
    letter_source = source(participant=participant(given_names=given, family_name=family, latin_name=latin))
    data = content.compose_with_fingerprint(letter_source, issue())
    for text in all_texts(data):
        assert missing_glyphs(text, family="serif") == set(), text
        assert missing_glyphs(text, bold=True, family="serif") == set(), text
    pdf = renderer.render(data)
    text = unicodedata.normalize("NFKC", page_text(pdf))
    assert REPLACEMENT not in text
    assert f"{given} {family}" in text  # as in the passport (Arabic read back in logical order)
    if latin:
        assert latin in text  # and the Latin form, since it differs
        assert wording.LABELS["en"].latin_name in text
    assert read_facts(pdf).subject.startswith(f"{given} {family}")


def test_a_name_the_fonts_cannot_print_uses_its_latin_form_or_is_refused(renderer) -> None:
    devanagari = participant(given_names="ߡߊߡߊߘߎ", family_name="ߞߋߌߕߊ", latin_name="MAMADOU KEITA")  # N'Ko
    text = page_text(render(renderer, source(participant=devanagari)))
    assert "MAMADOU KEITA" in text and REPLACEMENT not in text
    assert wording.LABELS["en"].latin_name not in text  # the printed name is the Latin one
    with pytest.raises(content.LetterDataError) as refused:
        content.compose(source(participant=msgspec.structs.replace(devanagari, latin_name="")), issue())
    assert [error.field for error in refused.value.errors] == ["latin_name"]


def test_blanks_are_refused_with_the_fields_named() -> None:
    empty_profile = content.Profile()
    no_passport = participant(passport_number=None, date_of_birth=None)
    with pytest.raises(content.LetterDataError) as refused:
        content.compose(source(profile=empty_profile, participant=no_passport), issue())
    fields = {error.field for error in refused.value.errors}
    assert {"passport_number", "date_of_birth"} <= fields
    assert {f"letter_profile.{name}" for name in ("host_name", "host_address", "costs_statement")} <= fields
    # A placeholder whose value is empty is refused too (the institution is never empty; the
    # position is optional, so templates get {affiliation}, which falls back to the institution).
    data = content.compose(source(participant=participant(position="")), issue())
    assert ("Position and institution", "Cabinet Office") in data.particulars


def test_passport_validity_is_refused_when_expired_and_warned_when_short() -> None:
    today = datetime.date(2027, 8, 2)
    expired = source(participant=participant(passport_expiry=datetime.date(2027, 7, 1)))
    with pytest.raises(content.LetterDataError, match="expired"):
        content.passport_warnings(expired, today)
    during = source(participant=participant(passport_expiry=datetime.date(2027, 10, 13)))
    with pytest.raises(content.LetterDataError, match="before the stay ends"):
        content.passport_warnings(during, today)
    short = source(participant=participant(passport_expiry=datetime.date(2027, 12, 1)))
    assert content.passport_warnings(short, today) == ["passport_valid_less_than_3_months_after_event"]
    assert content.passport_warnings(source(), today) == []
    assert content.passport_warnings(source("invitation"), today) == []


def test_the_stay_is_the_participants_dates_when_given(renderer) -> None:
    traveller = participant(arrival=datetime.date(2027, 10, 10), departure=datetime.date(2027, 10, 16))
    text = page_text(render(renderer, source(participant=traveller)))
    assert "from 10 October 2027 to 16 October 2027" in text
    assert "Intended stay 10 October 2027 to 16 October 2027" in text


def test_the_fingerprint_ignores_reference_date_and_link_but_not_the_data() -> None:
    base = source()
    fingerprint = content.fingerprint(base)
    assert content.fingerprint(source()) == fingerprint
    first = content.compose_with_fingerprint(base, issue("A-VSL-000001", "http://x/1"))
    second = content.compose_with_fingerprint(base, issue("A-VSL-000002", "http://x/2"))
    assert first.fingerprint == second.fingerprint == fingerprint
    renamed = source(participant=participant(family_name="Moussa-Ali"))
    new_passport = source(participant=participant(passport_number="P0000001"))
    assert len({fingerprint, content.fingerprint(renamed), content.fingerprint(new_passport)}) == 3


def test_letters_are_written_in_the_six_languages() -> None:
    assert wording.LETTER_LANGUAGES == ("ar", "zh", "en", "fr", "ru", "es")
    assert wording.PREPARED_LANGUAGES == ()
    assert content.letter_language("ar") == "ar"
    assert content.letter_language("zh") == "zh"
    assert content.letter_language("xx") == "en"


#: Texts of a visa letter in Chinese and Russian, as pypdf extracts them.
TRANSLATED = {
    "zh": [
        "签证申请支持函",
        "致有关领事当局",
        "与会者信息",
        "出生日期",
        "1980年5月17日",
        "护照有效期至",
        "拟停留期间",
        "本函用于支持与会者的签证申请。",
        "此致敬礼，",
        "核验本函：请扫描二维码或打开",
    ],
    "ru": [
        "Письмо в поддержку заявления на получение визы",
        "В соответствующие консульские органы",
        "Сведения об участнике",
        "Дата рождения",
        "17 мая 1980",
        "Паспорт действителен до",
        "Предполагаемый срок пребывания",
        "Настоящее письмо выдано в поддержку заявления участника на получение визы.",
        "С уважением,",
        "Проверить подлинность письма",
    ],
}


@pytest.mark.parametrize("language", ["zh", "ru"])
def test_visa_letters_in_chinese_and_russian_carry_their_wording(renderer, language) -> None:
    text = " ".join(page_text(render(renderer, source(language=language))).split())
    for expected in TRANSLATED[language]:
        assert expected in text, f"{language}: {expected!r} not in\n{text}"
    assert REPLACEMENT not in text
    assert "{" not in text and "}" not in text


def test_an_arabic_visa_letter_uses_the_arabic_wording(renderer) -> None:
    """Only what survives extraction until the text layer is shaped: labels and numbers, normalised."""
    data = content.compose_with_fingerprint(source(language="ar"), issue())
    assert data.direction == "rtl"
    text = unicodedata.normalize("NFKC", page_text(renderer.render(data)))
    assert REFERENCE in text and "P9876543" in text
    for label in ("بيانات المشارك", "الجنسية", "رقم جواز السفر"):
        assert label in text, label


# --- right to left and Chinese ---------------------------------------------------------------------


def test_an_arabic_letter_is_laid_out_right_to_left(renderer) -> None:
    body = (
        "يسرنا دعوة {full_name} للمشاركة في {event_name} الذي سيعقد في {event_city} "
        "من {event_start} إلى {event_end}. " * 3
    )
    arabic = source(
        "invitation",
        "ar",
        participant=participant(given_names="عبدالله", family_name="الحداد", latin_name="ABDULLAH ALHADDAD"),
        template=wording.TemplateText("خطاب دعوة", body),
    )
    data = content.compose_with_fingerprint(arabic, issue())
    assert data.direction == "rtl"
    for text in all_texts(data):
        assert missing_glyphs(text, family="serif") == set(), text
    pdf = renderer.render(data)
    text = unicodedata.normalize("NFKC", page_text(pdf))
    assert "عبدالله الحداد" in text and "خطاب دعوة" in text and "ABDULLAH ALHADDAD" in text
    assert "أكتوبر" in text  # CLDR dates in Arabic
    # Right-aligned: every line of the body ends at the right margin; lines start where they may.
    edges = _line_edges(pdf, top=_y_of(pdf, "خطاب دعوة"), bottom=_y_of(pdf, "بيانات المشارك"))
    assert len(edges) >= 4, edges
    rights = [right for _left, right in edges]
    assert max(rights) - min(rights) < 2, edges
    assert max(left for left, _right in edges) - min(left for left, _right in edges) > 20, edges


def _rects(pdf: bytes) -> list[tuple[float, float, float, float, str]]:
    document = pdfium.PdfDocument(pdf)
    try:
        text_page = document[0].get_textpage()
        found = []
        for index in range(text_page.count_rects()):
            left, bottom, right, top = text_page.get_rect(index)
            found.append((left, bottom, right, top, text_page.get_text_bounded(left, bottom, right, top)))
        return found
    finally:
        document.close()


def _y_of(pdf: bytes, text: str) -> float:
    return next(
        bottom for _l, bottom, _r, _t, found in _rects(pdf) if text in unicodedata.normalize("NFKC", found)
    )


def _line_edges(pdf: bytes, *, top: float, bottom: float) -> list[tuple[float, float]]:
    """``(left, right)`` of each text line strictly between two heights."""
    pieces = sorted(
        (low, left, right)
        for left, low, right, _high, _text in _rects(pdf)
        if bottom + 2 < low < top - 2 and right - left > 2
    )
    lines: list[list[tuple[float, float, float]]] = []
    for piece in pieces:  # runs of one line sit within a few points of each other (Arabic lower)
        if lines and piece[0] - lines[-1][0][0] < 5:
            lines[-1].append(piece)
        else:
            lines.append([piece])
    return [(min(p[1] for p in line), max(p[2] for p in line)) for line in lines]


def test_a_chinese_letter_wraps_between_characters(renderer) -> None:
    body = "我们荣幸地邀请{full_name}参加在{event_city}举行的{event_name}。" * 4
    chinese = source(
        "invitation",
        "zh",
        participant=participant(given_names="伟", family_name="王", latin_name="WANG WEI"),
        template=wording.TemplateText("邀请函", body),
    )
    data = content.compose_with_fingerprint(chinese, issue())
    pdf = renderer.render(data)
    text = page_text(pdf)
    assert "邀请函" in text and "伟 王" in text and "2027年10月12日" in text and "此致敬礼" in text
    assert REPLACEMENT not in text


# --- images, QR code, metadata ---------------------------------------------------------------------


def test_logo_and_signature_images_are_drawn(renderer) -> None:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGBA", (400, 120), (31, 78, 121, 255)).save(buffer, "PNG")
    logo = buffer.getvalue()
    buffer = io.BytesIO()
    Image.new("RGB", (300, 100), (20, 20, 20)).save(buffer, "JPEG")
    signature_image = buffer.getvalue()
    profile = msgspec.structs.replace(source().profile, logo=logo, signature=signature_image)
    pdf = render(renderer, source(profile=profile))
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    assert len(reader.pages[0].images) == 2


def test_the_qr_code_scans_to_the_verification_link(renderer) -> None:
    url = f"http://127.0.0.1:8000{verification.verification_path(REFERENCE)}"
    pdf = render(renderer, source(), issue(url=url))
    document = pdfium.PdfDocument(pdf)
    try:
        bitmap = document[0].render(scale=200 / 72)
        image = bitmap.to_pil().convert("L")
    finally:
        document.close()
    found = [
        result.text
        for result in zxingcpp.read_barcodes(image)
        if result.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert found == [url]
    assert url in page_text(pdf)  # the short link is printed too


def test_the_pdf_carries_the_name_and_the_fingerprint() -> None:
    data = content.compose_with_fingerprint(source(), issue())
    facts = read_facts(LetterRenderer().render(data))
    assert facts.fingerprint == content.fingerprint(source()) and re.fullmatch(
        r"[0-9a-f]{64}", facts.fingerprint
    )
    assert facts.subject == "Amina Moussa"


def test_the_renderer_is_pure() -> None:
    data = content.compose_with_fingerprint(source(), issue())
    assert LetterRenderer().render(data) == LetterRenderer().render(data)


def test_verification_codes_are_keyed_and_compared_whatever_the_case() -> None:
    code = verification.verification_code(REFERENCE, "s" * 40)
    assert re.fullmatch(r"[a-z2-7]{16}", code)
    assert verification.verification_code(REFERENCE, "t" * 40) != code
    assert verification.verification_code("BAKU27-VSL-000124", "s" * 40) != code
    assert verification.code_matches(REFERENCE, code.upper(), "s" * 40)
    assert not verification.code_matches(REFERENCE, code[:-1] + ("a" if code[-1] != "a" else "b"), "s" * 40)
    assert not verification.code_matches(REFERENCE, None, "s" * 40)


# --- signature ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def identity() -> signing.SigningIdentity:
    return signing.current_identity()


async def _validate(pdf: bytes, identity: signing.SigningIdentity):
    root = asn1_x509.Certificate.load(identity.certificate.public_bytes(serialization.Encoding.DER))
    reader = PdfFileReader(io.BytesIO(pdf))
    (embedded,) = reader.embedded_signatures
    return embedded, await async_validate_pdf_signature(embedded, ValidationContext(trust_roots=[root]))


async def test_the_signature_validates_and_one_changed_byte_is_detected(renderer, identity) -> None:
    pdf = render(renderer, source())
    signed = await asyncio.to_thread(
        signing.sign_pdf, pdf, identity, reason=f"Visa-support letter {REFERENCE}", location="Baku"
    )
    assert signed.startswith(pdf)  # an incremental update: the letter's bytes are untouched
    embedded, status = await _validate(signed, identity)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert "/M" in embedded.sig_object  # the signing time, as PAdES wants it (not in the CMS)
    assert status.coverage.name == "ENTIRE_FILE"
    assert read_facts(signed) == read_facts(pdf)

    start, length = embedded.byte_range[0], embedded.byte_range[1]
    stream = signed.index(b"stream", start + 200, start + length)
    tampered = bytearray(signed)
    tampered[stream + 40] ^= 0x01
    _, broken = await _validate(bytes(tampered), identity)
    assert not broken.intact and not broken.bottom_line


def test_a_development_key_is_made_once_with_private_files(tmp_path) -> None:
    key_path, cert_path = signing.create_development_key(tmp_path / "letters")
    assert key_path.stat().st_mode & 0o777 == 0o600 and cert_path.stat().st_mode & 0o777 == 0o600
    assert (tmp_path / "letters").stat().st_mode & 0o777 == 0o700
    with pytest.raises(FileExistsError):
        signing.create_development_key(tmp_path / "letters")
    loaded = signing.identity_from_files(str(key_path), str(cert_path))
    assert loaded.reserve > 1000 and loaded.not_after > datetime.datetime.now(datetime.UTC)


def test_signing_configuration_errors_name_the_variable(tmp_path) -> None:
    key_path, cert_path = signing.create_development_key(tmp_path / "a")
    other_key, _other_cert = signing.create_development_key(tmp_path / "b")
    settings = __import__("events.settings", fromlist=["get_settings"]).get_settings()
    cases = [
        ({signing.ENV_KEY: str(key_path)}, "LETTER_SIGNING_CERT is required"),
        ({signing.ENV_CERT: str(cert_path)}, "LETTER_SIGNING_KEY is required"),
        ({signing.ENV_KEY: str(tmp_path / "nope.pem"), signing.ENV_CERT: str(cert_path)}, "cannot read"),
        ({signing.ENV_KEY: str(cert_path), signing.ENV_CERT: str(cert_path)}, "not a private key"),
        (
            {signing.ENV_KEY: str(other_key), signing.ENV_CERT: str(cert_path)},
            "is not the key of the certificate",
        ),
        ({signing.ENV_KEY: str(key_path), signing.ENV_CERT: str(key_path)}, "not a certificate"),
    ]
    for environ, message in cases:
        with pytest.raises(signing.SigningConfigurationError, match=message):
            signing.identity_from_environment(environ, settings)
    configured = signing.identity_from_environment(
        {signing.ENV_KEY: str(key_path), signing.ENV_CERT: str(cert_path)}, settings
    )
    assert (
        configured is not None
        and not configured.development
        and configured.source.startswith("LETTER_SIGNING_KEY=")
    )
    assert (
        signing.identity_from_environment({}, dataclasses.replace(settings, environment="production")) is None
    )


def test_an_encrypted_key_needs_its_password(tmp_path) -> None:
    from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, load_pem_private_key

    key_path, cert_path = signing.create_development_key(tmp_path / "c")
    key = load_pem_private_key(key_path.read_bytes(), None)
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            BestAvailableEncryption(b"open sesame"),
        )
    )
    with pytest.raises(signing.SigningConfigurationError, match="LETTER_SIGNING_KEY"):
        signing.identity_from_files(str(encrypted), str(cert_path))
    with pytest.raises(signing.SigningConfigurationError, match="LETTER_SIGNING_KEY_PASSWORD is wrong"):
        signing.identity_from_files(str(encrypted), str(cert_path), "wrong")
    assert signing.identity_from_files(str(encrypted), str(cert_path), "open sesame").reserve > 0


def test_the_qr_png_logo_is_a_valid_profile_image() -> None:
    from events.letters.profiles import check_image

    assert check_image(qr_png("logo"), "logo") == "image/png"


@pytest.mark.parametrize("key_kind", ["ecdsa-p256", "rsa-2048"])
async def test_letters_signed_in_a_row_from_the_kept_template_all_validate(
    renderer, tmp_path, key_kind
) -> None:
    """The signer builds its CMS once and then fills a template (digest, signature): every letter
    after the first must still validate, with the development key (P-256) and an RSA key as
    development keys were made before."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048) if key_kind == "rsa-2048" else None
    key_path, cert_path = signing.create_development_key(tmp_path / "letters", key=key)
    identity = await asyncio.to_thread(signing.identity_from_files, str(key_path), str(cert_path))
    signed = []
    for number in range(3):
        reference = f"BAKU27-VSL-{number:06d}"
        pdf = render(renderer, source(), issue(reference=reference))
        signed.append(
            await asyncio.to_thread(
                signing.sign_pdf, pdf, identity, reason=f"Visa-support letter {reference}", location="Baku"
            )
        )
    assert identity.signer._templates.get("sha256") is not None  # the template was cut and is used
    containers = set()
    for letter in signed:
        embedded, status = await _validate(letter, identity)
        assert status.bottom_line and status.intact and status.valid and status.trusted
        assert status.coverage.name == "ENTIRE_FILE"
        containers.add(embedded.pkcs7_content)
    assert len(containers) == 3
