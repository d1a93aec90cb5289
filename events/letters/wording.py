"""The wording of letters: the languages letters are written in, the fixed wording every letter
carries (:data:`LABELS`), the default templates, the placeholders, and the check of a template an
organiser saves. Pure: no database, no HTTP; :mod:`events.letters.content` composes a letter from it.

Two layers of wording
---------------------
* **Templates** (``LetterTemplate`` rows, organisers edit them per event, kind and language): the
  title and the body paragraphs, with ``{placeholders}`` from :data:`PLACEHOLDERS`. When an event
  has no stored template, :data:`DEFAULT_TEMPLATES` is used. An unknown placeholder is refused
  when the template is saved (:func:`check_template`), never printed as a blank.
* **Fixed wording** (:data:`LABELS`): everything a letter must carry whatever the template says:
  the reference, place and date, the addressee, the participant's particulars (the passport block
  of a visa letter), the costs, the statement that the letter is not a visa, the signature block
  and the verification line. Organisers cannot remove these by editing.

Both are written in English here; other languages come from the ``letters`` catalogues of
:mod:`events.i18n`.

Languages
---------
Letters are written in the six official languages of the United Nations (:data:`LETTER_LANGUAGES`:
every language with a ``letters`` catalogue, which holds the fixed wording and the default
templates). A participant who prefers another language gets an English letter, and the answer
says so (``language_fallback``). Arabic letters are laid out right to left, Chinese ones wrap
between characters; dates and country names come from CLDR (babel) in every language.
``tests/test_letters_render.py`` renders letters in each.
"""

from __future__ import annotations

import string
from typing import Literal

import msgspec

from events.errors import FieldError
from events.i18n import catalogues, languages
from events.i18n.catalogues import N_
from events.letters.tables import LetterKind
from events.rendering import missing_glyphs

DOMAIN = "letters"
#: Languages with wording (a ``letters`` catalogue) and default templates: a letter can be written in these.
LETTER_LANGUAGES: tuple[str, ...] = tuple(
    code for code in languages.CODES if code in catalogues.catalogue_languages(DOMAIN)
)
#: Languages of the registry without letter wording yet (none since the six have catalogues).
PREPARED_LANGUAGES: tuple[str, ...] = tuple(code for code in languages.CODES if code not in LETTER_LANGUAGES)
FAMILY: Literal["serif"] = "serif"


# --- fixed wording ------------------------------------------------------------------------------


class Labels(msgspec.Struct, frozen=True, kw_only=True):
    """The fixed wording of letters in one language. ``{…}`` fields are filled by ``compose``."""

    invitation: str
    visa_support: str
    attendance_certificate: str
    reference: str
    place_and_date: str  # {place}, {date}
    addressee_visa: str  # when the participant named no embassy
    particulars: str
    full_name: str
    latin_name: str
    date_of_birth: str
    nationality: str
    passport_number: str
    passport_expiry: str
    affiliation: str
    event: str
    venue: str
    dates: str
    stay: str
    date_range: str  # {start}, {end}
    costs: str
    statement_invitation: str
    statement_visa_support: str
    closing: str
    contact: str
    verify: str  # {url}
    addressee_certificate: str
    attendance: str
    attendance_value: str  # {attended}, {counted}, {percent}
    statement_attendance_certificate: str
    verify_certificate: str  # {url}


#: The fixed wording in English; other languages come from the ``letters`` catalogues.
_ENGLISH = Labels(
    invitation=N_("Invitation letter"),
    visa_support=N_("Visa-support letter"),
    attendance_certificate=N_("Certificate of attendance"),
    reference=N_("Reference"),
    place_and_date=N_("{place}, {date}"),
    addressee_visa=N_("To the consular authorities concerned"),
    particulars=N_("Particulars of the participant"),
    full_name=N_("Full name (as in the passport)"),
    latin_name=N_("Name in Latin letters (as in the passport)"),
    date_of_birth=N_("Date of birth"),
    nationality=N_("Nationality"),
    passport_number=N_("Passport number"),
    passport_expiry=N_("Passport valid until"),
    affiliation=N_("Position and institution"),
    event=N_("Event"),
    venue=N_("Venue"),
    dates=N_("Dates of the event"),
    stay=N_("Intended stay"),
    date_range=N_("{start} to {end}"),
    costs=N_("Costs"),
    statement_invitation=N_(
        "This letter may accompany a visa application. It is not a visa and does not by itself "
        "entitle the holder to enter the country."
    ),
    statement_visa_support=N_(
        "This letter is issued in support of the participant's visa application. It is not a visa "
        "and does not by itself entitle the holder to enter the country."
    ),
    closing=N_("Yours sincerely,"),
    contact=N_("Contact"),
    verify=N_("Verify this letter: scan the code or open {url}"),
    addressee_certificate=N_("To whom it may concern"),
    attendance=N_("Sessions attended"),
    attendance_value=N_("{attended} of {counted} sessions ({percent} %)"),
    statement_attendance_certificate=N_(
        "This certificate is based on the event's check-in records: a session counts as attended when "
        "the participant's badge was accepted at its entrance."
    ),
    verify_certificate=N_("Verify this certificate: scan the code or open {url}"),
)


def _translated_labels(language: str) -> Labels:
    return Labels(
        **{
            field: catalogues.gettext(getattr(_ENGLISH, field), language, DOMAIN)
            for field in Labels.__struct_fields__
        }
    )


#: The fixed wording in every letter language.
LABELS: dict[str, Labels] = {language: _translated_labels(language) for language in LETTER_LANGUAGES}


# --- templates and placeholders -----------------------------------------------------------------


class TemplateText(msgspec.Struct, frozen=True):
    title: str
    body: str


#: Placeholders every template may use, and what each becomes. Values are never empty.
PLACEHOLDERS: dict[str, str] = {
    "full_name": "the participant's full name as in the passport (its Latin form when the script cannot be printed)",
    "latin_name": "the name in Latin letters as in the passport's machine-readable zone (else the full name)",
    "affiliation": "position and institution ('Director of e-Government, Cabinet Office'), or the institution",
    "institution": "the participant's institution",
    "nationality": "the country of nationality, in the letter's language",
    "country": "the country the participant represents, in the letter's language",
    "event_name": "the event's title",
    "event_venue": "the venue",
    "event_city": "the city",
    "event_country": "the host country, in the letter's language",
    "event_start": "the first day of the event (long date)",
    "event_end": "the last day of the event (long date)",
    "stay_from": "arrival date if the participant gave one, else the first day of the event",
    "stay_until": "departure date if the participant gave one, else the last day of the event",
    "host_name": "the host named in the letter profile",
    "signatory_name": "the signatory's name",
    "signatory_title": "the signatory's title",
    "reference": "the letter's reference number",
    "issue_date": "the date of issue (long date)",
}
#: Placeholders only a visa-support letter has (its passport block is always printed as well).
VISA_PLACEHOLDERS: dict[str, str] = {
    "date_of_birth": "date of birth (long date)",
    "passport_number": "passport number",
    "passport_expiry": "passport expiry date (long date)",
}
#: Placeholders only a certificate of attendance has.
CERTIFICATE_PLACEHOLDERS: dict[str, str] = {
    "sessions_attended": "how many of the counted sessions the participant attended",
    "sessions_counted": "how many sessions count for the certificate",
    "attendance_percent": "the share of counted sessions attended, in % (rounded down)",
}
MAX_TITLE = 200
MAX_BODY = 6000


def placeholders_for(kind: str) -> dict[str, str]:
    if kind == LetterKind.visa_support:
        return {**PLACEHOLDERS, **VISA_PLACEHOLDERS}
    if kind == LetterKind.attendance_certificate:
        return {**PLACEHOLDERS, **CERTIFICATE_PLACEHOLDERS}
    return dict(PLACEHOLDERS)


#: The default title and body of each kind in English; other languages come from the ``letters``
#: catalogues.
_ENGLISH_TEMPLATES: dict[str, TemplateText] = {
    "invitation": TemplateText(
        N_("Letter of invitation"),
        N_(
            "Dear {full_name},\n"
            "\n"
            "On behalf of {host_name}, I have the pleasure of inviting you to participate in {event_name}, to be "
            "held in {event_city}, {event_country}, from {event_start} to {event_end} at {event_venue}.\n"
            "\n"
            "The event brings together public officials to exchange experience on omnichannel public service "
            "delivery. We are confident that your participation as {affiliation} will contribute to its success.\n"
            "\n"
            "We look forward to welcoming you in {event_city}."
        ),
    ),
    "visa_support": TemplateText(
        N_("Letter in support of a visa application"),
        N_(
            "{host_name} has invited {full_name}, {affiliation}, to participate in {event_name}, to be held in "
            "{event_city}, {event_country}, from {event_start} to {event_end} at {event_venue}.\n"
            "\n"
            "The purpose of the visit is to take part in the meetings, discussions and study visits of the "
            "event. The participant intends to stay in {event_country} from {stay_from} to {stay_until}.\n"
            "\n"
            "We would be grateful if the competent authorities could issue the appropriate visa to the "
            "participant, whose particulars are given below."
        ),
    ),
    "attendance_certificate": TemplateText(
        N_("Certificate of attendance"),
        N_(
            "This is to certify that {full_name}, {affiliation}, attended {event_name}, held in {event_city}, "
            "{event_country}, from {event_start} to {event_end} at {event_venue}.\n"
            "\n"
            "According to the check-in records of the event, the participant attended {sessions_attended} of "
            "the {sessions_counted} sessions counted for this certificate ({attendance_percent} %)."
        ),
    ),
}


def _translated_template(kind: str, language: str) -> TemplateText:
    english = _ENGLISH_TEMPLATES[kind]
    return TemplateText(
        catalogues.gettext(english.title, language, DOMAIN),
        catalogues.gettext(english.body, language, DOMAIN),
    )


#: The default template of each kind in every letter language, used until organisers save their own.
DEFAULT_TEMPLATES: dict[tuple[str, str], TemplateText] = {
    (kind, language): _translated_template(kind, language)
    for kind in _ENGLISH_TEMPLATES
    for language in LETTER_LANGUAGES
}

_FORMATTER = string.Formatter()


def check_template(kind: str, title: str, body: str) -> list[FieldError]:
    """Every problem of a template, each naming its field (``title`` or ``body``).

    Only ``{name}`` with a known name is accepted: no positional ``{}``, no attribute or index
    access (``{x.y}``, ``{x[0]}``), no format spec or conversion; literal braces are ``{{`` and
    ``}}``. The title is one line.
    """
    known = placeholders_for(kind)
    errors: list[FieldError] = []
    for field, text, limit in (("title", title, MAX_TITLE), ("body", body, MAX_BODY)):
        if not text.strip():
            errors.append(FieldError(field, "must not be blank"))
            continue
        if len(text) > limit:
            errors.append(FieldError(field, f"must be at most {limit} characters"))
        if any(ord(char) < 32 and char not in "\n\t" for char in text):
            errors.append(FieldError(field, "must not contain control characters"))
        if field == "title" and "\n" in text:
            errors.append(FieldError(field, "must be one line"))
        try:
            parts = list(_FORMATTER.parse(text))
        except ValueError as exc:
            errors.append(
                FieldError(field, f"braces do not match ({exc}); write {{{{ and }}}} for literal braces")
            )
            continue
        unknown: list[str] = []
        for _literal, name, spec, conversion in parts:
            if name is None:
                continue
            if spec or conversion:
                errors.append(
                    FieldError(field, f"placeholder {{{name}}} must not have a format or conversion")
                )
            elif name not in known:
                unknown.append(name)
        for name in dict.fromkeys(unknown):
            if name in VISA_PLACEHOLDERS and kind == LetterKind.invitation:
                hint = "not available in an invitation letter"
            elif name in VISA_PLACEHOLDERS or name in CERTIFICATE_PLACEHOLDERS:
                hint = "not available in this kind of letter"
            else:
                hint = "unknown"
            errors.append(
                FieldError(
                    field,
                    f"placeholder {{{name}}} is {hint}; known placeholders: "
                    + ", ".join(f"{{{key}}}" for key in known),
                )
            )
        literal = "".join(part[0] for part in parts)
        bad = missing_glyphs(literal, bold=field == "title", family=FAMILY)
        if bad:
            errors.append(FieldError(field, f"characters that letters cannot print: {''.join(sorted(bad))}"))
    return errors


def default_template(kind: str, language: str) -> TemplateText:
    return DEFAULT_TEMPLATES[(kind, language)]
