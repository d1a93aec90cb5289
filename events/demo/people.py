"""Fictional participants for demos and load tests: deterministic for a seed, obviously not real.

Names are common names of the participant's country, put together at random; e-mail addresses use
the reserved ``example.org``/``example.net``/``example.com`` domains (RFC 2606). Phone numbers are
valid by ``phonenumbers``' rules for the country, which means they may belong to someone: never
call or text them. No passport numbers or dates of birth here.
"""

from __future__ import annotations

import csv
import random
import unicodedata
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import pycountry
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from events.demo.names import (
    INDIGENOUS_PRESENCE,
    LANGUAGES,
    MUSLIM_MAJORITY,
    STYLES,
    Name,
    NameStyle,
)

COUNTRY_GROUPS_CSV = Path(__file__).resolve().parent.parent / "reference" / "data" / "un_country_groups.csv"

GENDERS = (("female", 0.47), ("male", 0.50), ("other", 0.01), ("undisclosed", 0.02))
ACCESSIBILITY_NEEDS = (("step_free_access", 4), ("large_print", 3), ("hearing_loop", 2), ("sign_language", 1))
SELF_IDENTIFIED_GROUPS = (
    "youth",
    "women",
    "older_persons",
    "persons_with_disabilities",
    "indigenous_peoples",
    "migrants",
)
EMAIL_DOMAINS = (("example.org", 6), ("example.net", 3), ("example.com", 1))

#: (institution, sector)
INSTITUTIONS = (
    ("Ministry of Public Administration", "public administration"),
    ("Ministry of Public Service and Administrative Reform", "public administration"),
    ("Public Service Commission", "public administration"),
    ("e-Government Agency", "digital government"),
    ("National Digital Transformation Agency", "digital government"),
    ("Ministry of Information and Communication Technologies", "ICT"),
    ("Office of the Prime Minister", "centre of government"),
    ("Office of the President", "centre of government"),
    ("Cabinet Office", "centre of government"),
    ("National Civil Registration and Identification Authority", "civil registration and identity"),
    ("Ministry of Local Government", "local government"),
    ("Capital City Council", "local government"),
    ("Ministry of Finance", "public finance"),
    ("Revenue Authority", "tax administration"),
    ("Ministry of Social Protection", "social protection"),
    ("Ministry of Health", "health"),
    ("National Statistics Office", "statistics"),
    ("Ministry of Justice", "justice"),
    ("Department of Immigration", "immigration"),
    ("Investment Promotion Agency", "business services"),
    ("Ministry of Labour and Employment", "labour"),
    ("National Institute of Public Administration", "training and capacity development"),
)
#: Institutions of a city or region (the others are national, but the training institute).
SUBNATIONAL_INSTITUTIONS = {"Capital City Council"}
OTHER_GOVERNMENT_INSTITUTIONS = {"National Institute of Public Administration"}


def government_level(institution: str) -> str:
    """The demo's answer to "national or subnational government", read from the institution."""
    if institution in SUBNATIONAL_INSTITUTIONS:
        return "subnational"
    return "other" if institution in OTHER_GOVERNMENT_INSTITUTIONS else "national"


HIGH_POSITIONS = (
    "Minister",
    "Deputy Minister",
    "Permanent Secretary",
    "Secretary-General",
    "Director-General",
    "Head of Agency",
    "Chief Executive Officer",
)
MID_POSITIONS = (
    "Director",
    "Deputy Director",
    "Head of Unit",
    "Senior Policy Officer",
    "Programme Manager",
    "Digital Transformation Specialist",
    "Service Design Lead",
    "Senior ICT Officer",
    "Customer Service Manager",
    "Planning Officer",
)
DIETS = ("vegetarian", "vegan", "no pork", "gluten-free", "lactose-free", "nut allergy", "halal")

_ASCII_FOLD = str.maketrans(
    {
        "ə": "e",
        "Ə": "E",
        "ı": "i",
        "ł": "l",
        "ø": "o",
        "đ": "d",
        "ß": "ss",
        "ʻ": "",
        "‘": "",
        "’": "",
        "'": "",
    }
)


@cache
def participant_countries() -> tuple[str, ...]:
    """UN member states in the LDC, LLDC or SIDS lists (ISO3), in the CSV's order.

    Territories (non-UN members on the SIDS list) are left out: their residents' nationality
    is another state's, which would make the demo data confusing.
    """
    with COUNTRY_GROUPS_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return tuple(
        dict.fromkeys(
            row["iso3"] for row in rows if not row["region_or_note"].lower().startswith("non-un member")
        )
    )


@cache
def _ldcs() -> frozenset[str]:
    with COUNTRY_GROUPS_CSV.open(encoding="utf-8", newline="") as handle:
        return frozenset(
            row["iso3"] for row in csv.DictReader(handle) if row["group"] == "LDC" and not row["member_until"]
        )


def _pair(name: Name) -> tuple[str, str]:
    return (name, name) if isinstance(name, str) else name


def _pick(rng: random.Random, weighted) -> Any:
    items = [item for item, _ in weighted]
    return rng.choices(items, weights=[weight for _, weight in weighted])[0]


def _feminine(name: str) -> str:
    """Russian-style feminine family name: -ov/-ev/-in take -a; -ski becomes -ska."""
    for masculine, feminine in (("ски", "ска"), ("ski", "ska")):
        if name.endswith(masculine):
            return name[: -len(masculine)] + feminine
    if name.endswith(("ов", "ев", "ин", "ёв")):
        return name + "а"
    if name.endswith(("ov", "ev", "in", "ow", "ew")):
        return name + "a"
    return name


def _family(rng: random.Random, style: NameStyle, female: bool) -> tuple[str, str]:
    """The family name in native script and in Latin letters."""
    pool = style.family_female if female and style.family_female else style.family
    native, latin = _pair(rng.choice(pool))
    if style.two_family_names:
        second_native, second_latin = _pair(rng.choice([name for name in pool if _pair(name)[1] != latin]))
        native, latin = f"{native} {second_native}", f"{latin} {second_latin}"
    if style.gendered_family and female:
        native, latin = _feminine(native), _feminine(latin)
    if style.patronym:
        prefix_native, prefix_latin = _pair(style.patronym[1 if female else 0])
        native, latin = f"{prefix_native} {native}", f"{prefix_latin} {latin}"
    return native, latin


def _ascii(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.translate(_ASCII_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _email_local(given_latin: str, family_latin: str) -> str:
    """``mariajose.quispe-mamani``: given names run together, family names joined by hyphens."""

    def part(text: str, joiner: str) -> str:
        words = ["".join(ch for ch in word if ch.isascii() and ch.isalnum()) for word in _ascii(text).split()]
        return joiner.join(word for word in words if word)

    given = part(given_latin.replace("-", " "), "")
    family = part(family_latin.replace("-", " "), "-")
    return ".".join(piece for piece in (given, family) if piece) or "participant"


def _phone(rng: random.Random, iso2: str, used: set[str]) -> str:
    """A number valid for the region, varied from phonenumbers' example mobile number."""
    example = phonenumbers.example_number_for_type(
        iso2, PhoneNumberType.MOBILE
    ) or phonenumbers.example_number(iso2)
    if example is None:
        raise ValueError(f"phonenumbers has no example number for {iso2}")
    national = phonenumbers.national_significant_number(example)
    varied = min(4, len(national) - 2)
    for _ in range(200):
        digits = national[:-varied] + "".join(rng.choice("0123456789") for _ in range(varied))
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if phonenumbers.is_valid_number_for_region(number, iso2):
            formatted = phonenumbers.format_number(number, PhoneNumberFormat.E164)
            if formatted not in used:
                used.add(formatted)
                return formatted
    return phonenumbers.format_number(example, PhoneNumberFormat.E164)


def _iso2(iso3: str) -> str:
    return pycountry.countries.get(alpha_3=iso3).alpha_2


def generate_participants(count: int, seed: int = 2027) -> list[dict[str, Any]]:
    """``count`` fictional participants from LDCs, LLDCs and SIDS; the same list for the same seed.

    Each is a dict with: ``given_names``, ``family_name`` (as the passport would show them, in
    the country's script where that is usual), ``latin_name`` (the Latin transliteration, or
    ``None`` when the name is already in Latin letters), ``preferred_name`` (for the badge),
    ``email``, ``phone`` (E.164), ``gender``, ``nationality``, ``country_represented`` (ISO3),
    ``institution``, ``position``, ``level`` (``high``/``mid``), ``sector``,
    ``preferred_language``, ``needs_visa``, ``accessibility_needs`` (list of codes),
    ``dietary_requirements`` (free text, usually empty) and ``self_identified_groups``.
    Myanmar names are single names: ``family_name`` holds them and ``given_names`` is empty
    (ICAO's rule for mononyms).
    """
    if count < 0:
        raise ValueError("count must not be negative")
    rng = random.Random(seed)
    countries = [iso3 for iso3 in participant_countries() if iso3 in STYLES]
    ldcs = _ldcs()
    weights = [1.5 if iso3 in ldcs else 1.0 for iso3 in countries]
    used_emails: set[str] = set()
    used_phones: set[str] = set()
    people: list[dict[str, Any]] = []
    for _ in range(count):
        nationality = rng.choices(countries, weights=weights)[0]
        represented = nationality if rng.random() >= 0.03 else rng.choices(countries, weights=weights)[0]
        gender = _pick(rng, GENDERS)
        female = gender == "female" or (gender in ("other", "undisclosed") and rng.random() < 0.5)
        style: NameStyle = _pick(rng, STYLES[nationality])
        native_script = rng.random() < style.native_share

        given_native, given_latin = _pair(rng.choice(style.female if female else style.male))
        if style.mononym:
            family_native, family_latin = given_native, given_latin
            given_native = given_latin = ""
        else:
            family_native, family_latin = _family(rng, style, female)
        has_native = (given_native, family_native) != (given_latin, family_latin)
        if has_native and native_script:
            given_names, family_name = given_native, family_native
            parts = (family_latin, given_latin) if style.family_first else (given_latin, family_latin)
            latin_name: str | None = " ".join(part for part in parts if part)
        else:
            given_names, family_name, latin_name = given_latin, family_latin, None
        preferred_name = given_latin or family_latin
        if len(preferred_name) > 15:
            preferred_name = preferred_name.split()[0]

        local = _email_local(given_latin, family_latin)
        domain = _pick(rng, EMAIL_DOMAINS)
        email = f"{local}@{domain}"
        suffix = 2
        while email in used_emails:
            email = f"{local}{suffix}@{domain}"
            suffix += 1
        used_emails.add(email)

        level = "high" if rng.random() < 0.3 else "mid"
        institution, sector = rng.choice(INSTITUTIONS)
        position = rng.choice(HIGH_POSITIONS if level == "high" else MID_POSITIONS)

        needs: list[str] = []
        if rng.random() < 0.08:
            needs.append(_pick(rng, ACCESSIBILITY_NEEDS))
            if rng.random() < 0.15:
                other = _pick(rng, ACCESSIBILITY_NEEDS)
                if other not in needs:
                    needs.append(other)
        dietary = ""
        if rng.random() < 0.2:
            dietary = "halal" if nationality in MUSLIM_MAJORITY and rng.random() < 0.7 else rng.choice(DIETS)

        groups: list[str] = []
        if level == "mid" and rng.random() < 0.12:
            groups.append("youth")
        if gender == "female" and rng.random() < 0.1:
            groups.append("women")
        if "youth" not in groups and rng.random() < (0.1 if level == "high" else 0.03):
            groups.append("older_persons")
        if rng.random() < (0.4 if needs and needs != ["large_print"] else 0.02):
            groups.append("persons_with_disabilities")
        if rng.random() < (0.15 if nationality in INDIGENOUS_PRESENCE else 0.01):
            groups.append("indigenous_peoples")
        if represented != nationality or rng.random() < 0.01:
            groups.append("migrants")

        people.append(
            {
                "given_names": given_names,
                "family_name": family_name,
                "latin_name": latin_name,
                "preferred_name": preferred_name,
                "email": email,
                "phone": _phone(rng, _iso2(represented), used_phones),
                "gender": gender,
                "nationality": nationality,
                "country_represented": represented,
                "institution": institution,
                "position": position,
                "level": level,
                "sector": sector,
                "preferred_language": _pick(rng, LANGUAGES.get(nationality, (("en", 1.0),))),
                "needs_visa": nationality != "AZE" and rng.random() < 0.7,
                "accessibility_needs": needs,
                "dietary_requirements": dietary,
                "self_identified_groups": [group for group in SELF_IDENTIFIED_GROUPS if group in groups],
            }
        )
    return people
