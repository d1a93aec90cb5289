"""What a letter says: the data it is made from (:class:`LetterSource`), the checks that keep
blanks and unprintable characters out of it, and ``compose``.

Pure functions (no database, no HTTP): the service gathers a :class:`LetterSource` from the
registration, the event, the event's letter profile and the template, and :func:`compose` turns
it into the :class:`~events.letters.render.LetterData` the renderer draws, or refuses with the
fields that would leave a blank or an unprintable character in the letter. The wording it fills
in (fixed labels, default templates, placeholders) is :mod:`events.letters.wording`.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import string
from collections.abc import Iterable
from functools import cache
from typing import Literal

import msgspec

from events.errors import FieldError
from events.i18n import languages
from events.i18n.formatting import format_date
from events.letters.render import LetterData, Segment
from events.letters.tables import LetterKind
from events.letters.wording import FAMILY, LABELS, LETTER_LANGUAGES, TemplateText
from events.registration.schemas import PASSPORT_VALIDITY_MARGIN
from events.rendering import first_renderable, missing_glyphs

KIND_CODES = {
    LetterKind.invitation: "INV",
    LetterKind.visa_support: "VSL",
    LetterKind.attendance_certificate: "CRT",
}

Kind = Literal["invitation", "visa_support", "attendance_certificate"]
#: Placeholders printed in bold wherever they appear.
_BOLD = frozenset({"full_name"})
_FORMATTER = string.Formatter()
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")


def _parse(text: str) -> list[tuple[str, str | None]]:
    """``[(literal, placeholder or None), …]``; raises ValueError on unbalanced braces."""
    return [(literal, field) for literal, field, _spec, _conv in _FORMATTER.parse(text)]


# --- the data a letter is made from -------------------------------------------------------------


class Participant(msgspec.Struct, frozen=True, kw_only=True):
    given_names: str
    family_name: str
    latin_name: str = ""
    nationality: str  # ISO alpha-3
    country: str  # represented, ISO alpha-3
    institution: str
    position: str = ""
    date_of_birth: datetime.date | None = None
    passport_number: str | None = None
    passport_expiry: datetime.date | None = None
    visa_embassy: str = ""
    arrival: datetime.date | None = None
    departure: datetime.date | None = None
    sensitive_purged: bool = False


class EventFacts(msgspec.Struct, frozen=True, kw_only=True):
    title: str
    venue: str
    city: str
    country: str  # ISO alpha-3
    start: datetime.date
    end: datetime.date


class Profile(msgspec.Struct, frozen=True, kw_only=True):
    host_name: str = ""
    host_address: str = ""
    host_contact: str = ""
    signatory_name: str = ""
    signatory_title: str = ""
    costs_statement: str = ""
    logo: bytes | None = None
    signature: bytes | None = None


class Attendance(msgspec.Struct, frozen=True, kw_only=True):
    """What a certificate of attendance states (from :mod:`events.certificates.eligibility`)."""

    attended: int
    counted: int
    percent: int


class LetterSource(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a letter is made from, as plain values (built by the service from the rows)."""

    kind: Kind
    language: str
    participant: Participant
    event: EventFacts
    profile: Profile
    template: TemplateText
    #: Only for a certificate of attendance: part of the fingerprint, so changed figures supersede it.
    attendance: Attendance | None = None


class IssueFacts(msgspec.Struct, frozen=True, kw_only=True):
    """What differs between two issues of the same data: excluded from the fingerprint."""

    reference: str
    issued_on: datetime.date
    verification_url: str


#: Stands in for the issue facts when the fingerprint of a source is computed.
_PLACEHOLDER_ISSUE = IssueFacts(
    reference="{reference}", issued_on=datetime.date(2000, 1, 1), verification_url="{verification_url}"
)


class LetterDataError(Exception):
    """The source would leave a blank or an unprintable character in the letter."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{error.field}: {error.message}" for error in errors))
        self.errors = errors


def letter_language(preferred: str | None) -> str:
    """The language a letter is written in: the preferred one when letters exist in it, else English."""
    return preferred if preferred in LETTER_LANGUAGES else languages.DEFAULT_LANGUAGE


def long_date(value: datetime.date, language: str) -> str:
    return format_date(value, language, "long")


@cache
def _alpha2(iso3: str) -> str | None:
    import pycountry

    country = pycountry.countries.get(alpha_3=iso3)
    return country.alpha_2 if country else None


def country_name(iso3: str, language: str) -> str:
    """The country's short name in ``language`` (CLDR), else pycountry's English name, else the code."""
    code = _alpha2(iso3)
    name = languages.locale(language).territories.get(code) if code else None
    if name:
        return name
    from events.reference.services import country_name as english_name

    return english_name(iso3)


def passport_name(participant: Participant) -> str:
    """The name as in the passport: given names then family name (a single name is the family name)."""
    return " ".join(
        part for part in (participant.given_names.strip(), participant.family_name.strip()) if part
    )


def printed_name(participant: Participant) -> str:
    """The passport name if every character prints, else its Latin form (the passport's MRZ)."""
    return first_renderable(passport_name(participant), participant.latin_name.strip(), family=FAMILY)


def stay(source: LetterSource) -> tuple[datetime.date, datetime.date]:
    """Arrival and departure when the participant gave them, else the event's dates."""
    participant, event = source.participant, source.event
    return participant.arrival or event.start, participant.departure or event.end


def passport_warnings(source: LetterSource, today: datetime.date) -> list[str]:
    """Warnings on the passport's validity; refuses (LetterDataError) a passport that cannot travel.

    Refused: expired on the day of issue, or expiring before the stay ends. Warned: valid less
    than three months after the stay ends (``passport_valid_less_than_3_months_after_event``).
    """
    expiry = source.participant.passport_expiry
    if source.kind != LetterKind.visa_support or expiry is None:
        return []
    stay_end = max(stay(source)[1], source.event.end)
    if expiry < today:
        raise LetterDataError(
            [FieldError("passport_expiry", f"the passport expired on {expiry.isoformat()}")]
        )
    if expiry <= stay_end:
        raise LetterDataError(
            [
                FieldError(
                    "passport_expiry",
                    f"the passport expires on {expiry.isoformat()}, before the stay ends ({stay_end.isoformat()})",
                )
            ]
        )
    if expiry < stay_end + PASSPORT_VALIDITY_MARGIN:
        return ["passport_valid_less_than_3_months_after_event"]
    return []


def _values(source: LetterSource, issue: IssueFacts) -> dict[str, str]:
    participant, event, profile, language = source.participant, source.event, source.profile, source.language
    name = printed_name(participant)
    arrival, departure = stay(source)
    institution = participant.institution.strip()
    position = participant.position.strip()
    values = {
        "full_name": name,
        "latin_name": participant.latin_name.strip() or name,
        "affiliation": f"{position}, {institution}" if position else institution,
        "institution": institution,
        "nationality": country_name(participant.nationality, language),
        "country": country_name(participant.country, language),
        "event_name": event.title.strip(),
        "event_venue": event.venue.strip(),
        "event_city": event.city.strip(),
        "event_country": country_name(event.country, language),
        "event_start": long_date(event.start, language),
        "event_end": long_date(event.end, language),
        "stay_from": long_date(arrival, language),
        "stay_until": long_date(departure, language),
        "host_name": profile.host_name.strip(),
        "signatory_name": profile.signatory_name.strip(),
        "signatory_title": profile.signatory_title.strip(),
        "reference": issue.reference,
        "issue_date": long_date(issue.issued_on, language),
    }
    if source.kind == LetterKind.visa_support:
        values["date_of_birth"] = (
            long_date(participant.date_of_birth, language) if participant.date_of_birth else ""
        )
        values["passport_number"] = participant.passport_number or ""
        values["passport_expiry"] = (
            long_date(participant.passport_expiry, language) if participant.passport_expiry else ""
        )
    if source.kind == LetterKind.attendance_certificate and source.attendance is not None:
        values["sessions_attended"] = str(source.attendance.attended)
        values["sessions_counted"] = str(source.attendance.counted)
        values["attendance_percent"] = str(source.attendance.percent)
    return values


#: Where each value comes from, to name the field when it is blank or cannot be printed.
_VALUE_FIELDS = {
    "full_name": "latin_name",
    "latin_name": "latin_name",
    "affiliation": "institution",
    "institution": "institution",
    "event_name": "event.title",
    "event_venue": "event.venue",
    "event_city": "event.city",
    "host_name": "letter_profile.host_name",
    "signatory_name": "letter_profile.signatory_name",
    "signatory_title": "letter_profile.signatory_title",
    "date_of_birth": "date_of_birth",
    "passport_number": "passport_number",
    "passport_expiry": "passport_expiry",
}


def _fill(text: str, values: dict[str, str]) -> tuple[Segment, ...]:
    segments: list[Segment] = []
    for literal, name in _parse(text):
        if literal:
            segments.append(("text", literal))
        if name is not None:
            segments.append(("bold" if name in _BOLD else "value", values[name]))
    return tuple(segments)


def _paragraphs(body: str, values: dict[str, str]) -> tuple[tuple[Segment, ...], ...]:
    paragraphs = []
    for block in _PARAGRAPH_BREAK.split(body.strip()):
        lines = [line.strip() for line in block.split("\n")]
        segments: list[Segment] = []
        for number, line in enumerate(lines):
            if number:
                segments.append(("break", ""))
            segments.extend(_fill(line, values))
        paragraphs.append(tuple(segments))
    return tuple(paragraphs)


def _used_placeholders(template: TemplateText) -> set[str]:
    return {name for text in (template.title, template.body) for _lit, name in _parse(text) if name}


def _check_printable(errors: list[FieldError], field: str, text: str, *, bold: bool = False) -> None:
    bad = missing_glyphs(text, bold=bold, family=FAMILY)
    if bad:
        errors.append(FieldError(field, f"characters that letters cannot print: {''.join(sorted(bad))}"))


def _required(errors: list[FieldError], checks: Iterable[tuple[str, object]], message: str) -> None:
    for field, value in checks:
        if value is None or (isinstance(value, str) and not value.strip()):
            errors.append(FieldError(field, message))


def compose(source: LetterSource, issue: IssueFacts) -> LetterData:
    """The letter's content, ready to draw, or ``LetterDataError`` naming every field that would
    leave a blank or an unprintable character."""
    participant, event, profile = source.participant, source.event, source.profile
    labels = LABELS.get(source.language)
    errors: list[FieldError] = []
    if labels is None:
        raise LetterDataError([FieldError("language", f"letters are not written in {source.language!r} yet")])
    visa = source.kind == LetterKind.visa_support
    certificate = source.kind == LetterKind.attendance_certificate
    if certificate and source.attendance is None:
        raise LetterDataError([FieldError("attendance", "a certificate states the sessions attended")])
    _required(
        errors,
        (
            ("letter_profile.host_name", profile.host_name),
            ("letter_profile.host_address", profile.host_address),
            ("letter_profile.host_contact", profile.host_contact),
            ("letter_profile.signatory_name", profile.signatory_name),
            ("letter_profile.signatory_title", profile.signatory_title),
        )
        + (() if certificate else (("letter_profile.costs_statement", profile.costs_statement),)),
        "must be set in the event's letter profile before letters are issued",
    )
    _required(
        errors,
        (("family_name", participant.family_name), ("institution", participant.institution)),
        "is needed for a letter",
    )
    if visa:
        purged = (
            " (passport data was erased after the retention period)" if participant.sensitive_purged else ""
        )
        _required(
            errors,
            (
                ("passport_number", participant.passport_number),
                ("passport_expiry", participant.passport_expiry),
                ("date_of_birth", participant.date_of_birth),
            ),
            "is needed for a visa-support letter" + purged,
        )
    name = printed_name(participant)
    if missing_glyphs(name, family=FAMILY) or missing_glyphs(name, bold=True, family=FAMILY):
        errors.append(
            FieldError(
                "latin_name",
                "the name as in the passport is in a script letters cannot print; give the name in Latin "
                "letters as in the passport's machine-readable zone",
            )
        )
    if errors:
        raise LetterDataError(errors)

    values = _values(source, issue)
    used = _used_placeholders(source.template)
    unknown = used - set(values)
    if unknown:
        raise LetterDataError(
            [FieldError("template", f"unknown placeholders {sorted(unknown)}; save the template again")]
        )
    for key in sorted(used):
        if not values[key].strip():
            errors.append(
                FieldError(_VALUE_FIELDS.get(key, key), "is empty but the letter's template uses it")
            )
    for key in sorted(used | {"institution", "event_name", "event_venue", "event_city"}):
        if key not in {"full_name", "latin_name"}:
            _check_printable(errors, _VALUE_FIELDS.get(key, key), values[key], bold=key in _BOLD)
    for field, text in (
        ("letter_profile.host_address", profile.host_address),
        ("letter_profile.host_contact", profile.host_contact),
        ("letter_profile.costs_statement", profile.costs_statement),
        ("visa_embassy", participant.visa_embassy),
        ("template.title", source.template.title),
    ):
        _check_printable(errors, field, text, bold=field == "template.title")
    if errors:
        raise LetterDataError(errors)

    language = source.language
    latin = participant.latin_name.strip()
    particulars: list[tuple[str, str]] = [(labels.full_name, name)]
    if latin and latin != name:
        particulars.append((labels.latin_name, latin))
    if participant.date_of_birth is not None:
        particulars.append((labels.date_of_birth, long_date(participant.date_of_birth, language)))
    if not certificate:  # an employer needs neither the nationality nor the stay
        particulars.append((labels.nationality, values["nationality"]))
    if visa:
        assert participant.passport_expiry is not None
        particulars.append((labels.passport_number, participant.passport_number or ""))
        particulars.append((labels.passport_expiry, long_date(participant.passport_expiry, language)))
    particulars += [
        (labels.affiliation, values["affiliation"]),
        (labels.event, values["event_name"]),
        (labels.venue, f"{values['event_venue']}, {values['event_city']}, {values['event_country']}"),
        (labels.dates, labels.date_range.format(start=values["event_start"], end=values["event_end"])),
    ]
    if certificate:
        assert source.attendance is not None
        figures = source.attendance
        particulars.append(
            (
                labels.attendance,
                labels.attendance_value.format(
                    attended=figures.attended, counted=figures.counted, percent=figures.percent
                ),
            )
        )
        addressee: tuple[str, ...] = (labels.addressee_certificate,)
    else:
        particulars.append(
            (labels.stay, labels.date_range.format(start=values["stay_from"], end=values["stay_until"]))
        )
        if visa:
            addressee = (participant.visa_embassy.strip() or labels.addressee_visa,)
        else:
            addressee = (name, values["affiliation"], values["country"])
    kind_label = getattr(labels, source.kind)
    return LetterData(
        kind=source.kind,
        language=language,
        direction=languages.direction(language),
        reference=issue.reference,
        reference_label=labels.reference,
        place_and_date=labels.place_and_date.format(
            place=event.city.strip(), date=long_date(issue.issued_on, language)
        ),
        host_name=profile.host_name.strip(),
        host_address=tuple(
            line.strip() for line in profile.host_address.strip().splitlines() if line.strip()
        ),
        host_contact=profile.host_contact.strip(),
        contact_label=labels.contact,
        logo=profile.logo,
        addressee=addressee,
        title=_fill(source.template.title.strip(), values),
        body=_paragraphs(source.template.body, values),
        particulars_heading=labels.particulars,
        particulars=tuple(particulars),
        costs_heading=labels.costs,
        costs="" if certificate else profile.costs_statement.strip(),
        statement=getattr(labels, f"statement_{source.kind}"),
        closing=labels.closing,
        signatory_name=profile.signatory_name.strip(),
        signatory_title=profile.signatory_title.strip(),
        signature=profile.signature,
        verification_url=issue.verification_url,
        verification_text=(labels.verify_certificate if certificate else labels.verify).format(
            url=issue.verification_url
        ),
        document_title=f"{kind_label} {issue.reference}",
        document_subject=name if not latin or latin == name else f"{name} ({latin})",
        fingerprint="",
    )


def fingerprint(source: LetterSource) -> str:
    """SHA-256 of everything the letter shows except its reference, date and link: two issues of
    the same data have the same fingerprint, whatever the time of signing."""
    data = compose(source, _PLACEHOLDER_ISSUE)
    return hashlib.sha256(msgspec.json.encode(data)).hexdigest()


def compose_with_fingerprint(source: LetterSource, issue: IssueFacts) -> LetterData:
    return msgspec.structs.replace(compose(source, issue), fingerprint=fingerprint(source))
