"""The texts of field errors on the participant pages, written per field as the GOV.UK Design System
advises ("Enter your family name", not "Field required"), and the translation of the services' own
English error messages into them.

Everything here is marked with ``N_`` and translated when shown.
"""

from __future__ import annotations

import re

from events.web.i18n import N_

#: A required answer is missing.
REQUIRED = {
    "family_name": N_("Enter your family name, as in your passport"),
    "email": N_("Enter your e-mail address"),
    "gender": N_("Select your gender, or ‘Prefer not to say’"),
    "nationality": N_("Select your nationality"),
    "country_represented": N_("Select the country you represent"),
    "institution": N_("Enter the name of your institution"),
    "level": N_("Select your level of responsibility"),
    "consent": N_("Agree to the processing of your data to register"),
    "passport_number": N_("Enter your passport number: the visa letter needs it"),
    "passport_expiry": N_("Enter the expiry date of your passport: the visa letter needs it"),
    "date_of_birth": N_("Enter your date of birth: the visa letter needs it"),
    "token": N_("Enter the sign-in code from your e-mail"),
    "event_id": N_("Select the event you registered for"),
    "username": N_("Enter your user name"),
    "password": N_("Enter your password"),
}

#: An answer is there but not in a form we can use.
INVALID = {
    "email": N_("Enter an e-mail address in the correct format, like name@example.org"),
    "phone": N_("Enter a phone number in the international format, like +977 1 4211000"),
    "passport_number": N_("Enter the passport number with 5 to 20 letters and digits, without spaces"),
    "passport_expiry": N_("Enter the expiry date of your passport as a real date, like 2030-01-31"),
    "date_of_birth": N_("Enter your date of birth as a real date in the past, like 1980-05-17"),
    "arrival_at": N_("Enter your arrival as a date and time, like 2027-10-11 18:30"),
    "departure_at": N_("Enter your departure as a date and time, like 2027-10-15 09:00"),
    "nationality": N_("Select your nationality from the list"),
    "country_represented": N_("Select the country you represent from the list"),
    "gender": N_("Select one of the options for gender"),
    "level": N_("Select one of the options for level of responsibility"),
    "preferred_language": N_("Select one of the languages in the list"),
    "accessibility": N_("Select access needs from the list"),
    "self_identification": N_("Select groups from the list"),
    "session_ids": N_("Select sessions from the list of optional sessions"),
    "token": N_("Enter the sign-in code exactly as it appears in the link, starting with osm_"),
    "event_id": N_("Select the event you registered for"),
}

INVITATION_INVALID = N_(
    "This invitation is unknown, expired or used. Register without it, or ask the organisers for a new one"
)
TOO_LONG = N_("This answer must be %(max)s characters or fewer")
CHECK = N_("Check this answer")

#: The services' English messages (``InvalidInput.errors``), matched by field and wording.
SERVICE = [
    ("phone", re.compile(r"^not a phone number"), INVALID["phone"]),
    (
        "phone",
        re.compile(r"^not a valid phone number"),
        N_("Enter a phone number that is valid in its country"),
    ),
    ("date_of_birth", re.compile(r"past date"), INVALID["date_of_birth"]),
    ("departure_at", re.compile(r"after arrival"), N_("Your departure must be after your arrival")),
    ("arrival_at", re.compile(r"between the years"), INVALID["arrival_at"]),
    ("departure_at", re.compile(r"between the years"), INVALID["departure_at"]),
    ("session_ids", re.compile(r""), INVALID["session_ids"]),
    (
        "email",
        re.compile(r"invitation was sent to another address"),
        N_("This invitation was sent to another address: register with that address"),
    ),
    (
        "invitation_token",
        re.compile(r""),
        N_(
            "This invitation is unknown, expired or used. Register without it, or ask the organisers for a new one"
        ),
    ),
    ("consent", re.compile(r""), REQUIRED["consent"]),
    ("email", re.compile(r"^not an e-mail address"), INVALID["email"]),
    (None, re.compile(r"^must contain a letter"), N_("Write the name with at least one letter")),
    (None, re.compile(r"must not be blank|is needed for a visa letter"), None),
    (None, re.compile(r"is not an ISO 3166 country code"), None),
]

ALREADY_REGISTERED = N_(
    "This e-mail address is already registered for this event. To see or change that registration, ask for a sign-in link"
)
REGISTRATION_CLOSED = N_("Registration for this event is not open, so the form cannot be sent")
SESSIONS_FULL = N_("Some of the sessions you chose are full: %(sessions)s")
FORM_EXPIRED = N_("This form was open for too long. Check your answers and send it again")
LINK_REFUSED = N_("This sign-in link has expired or has been used already")
CHANGES_CLOSED = N_("Your registration can no longer be changed. Write to the organisers")


def service_message(field: str, message: str) -> str | None:
    """The message id for a service's field error, or ``None`` when the wording is unknown."""
    for name, pattern, text in SERVICE:
        if name not in (None, field) or not pattern.search(message):
            continue
        if text is not None:
            return text
        if "country code" in message:
            return INVALID.get(field)
        return REQUIRED.get(field)
    return None
