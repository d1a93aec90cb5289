"""E-mail texts: English subjects and bodies with ``{placeholders}``, translated through the
``emails`` catalogues (:mod:`events.i18n`). French and Spanish are complete; a language without a
catalogue gets English.

:func:`render` refuses a missing placeholder rather than sending a message with a hole in it.
"""

from __future__ import annotations

import string

from events.i18n import catalogues
from events.i18n.catalogues import N_

DOMAIN = "emails"

#: Subject and body of each kind of e-mail, in English.
TEMPLATES: dict[str, tuple[str, str]] = {
    "registration_received": (
        N_("We received your registration for {event}"),
        N_(
            "Dear {name},\n"
            "\n"
            "Thank you for registering for {event} ({dates}, {city}).\n"
            "Your reference is {reference}. Its status is: {status}.\n"
            "\n"
            "You can see and change your registration here:\n"
            "{link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "registration_approved": (
        N_("Your participation in {event} is confirmed"),
        N_(
            "Dear {name},\n"
            "\n"
            "Your registration {reference} for {event} ({dates}, {city}) is approved.\n"
            "Your letters and badge will be available from your registration page:\n"
            "{link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "registration_waitlisted": (
        N_("You are on the waiting list for {event}"),
        N_(
            "Dear {name},\n"
            "\n"
            "{event} is full for now. Your registration {reference} is on the waiting list; we will write as soon as a seat frees.\n"
            "{link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "registration_rejected": (
        N_("Your registration for {event}"),
        N_(
            "Dear {name},\n"
            "\n"
            "We are sorry: your registration {reference} for {event} could not be accepted.\n"
            "{note}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "registration_cancelled": (
        N_("Your registration for {event} is cancelled"),
        N_(
            "Dear {name},\n"
            "\n"
            "Your registration {reference} for {event} is cancelled.\n"
            "{note}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "visit_assigned": (
        N_("Your study visit: {site}, {date}"),
        N_(
            "Dear {name},\n"
            "\n"
            "For {event}, you are booked on a study visit to {site} ({address}) on {date}, {time}. This replaces any visit we told you about before.\n"
            "Meet at {meeting_point} at {meeting_time}; vehicle: {vehicle}. Guide language: {guide_language}.\n"
            "Reference: {reference}. Your visits: {link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "visit_added": (
        N_("Your study visit: {site}, {date}"),
        N_(
            "Dear {name},\n"
            "\n"
            "For {event}, you are booked on one more study visit: {site} ({address}) on {date}, {time}. Your other visits stay as they are.\n"
            "Meet at {meeting_point} at {meeting_time}; vehicle: {vehicle}. Guide language: {guide_language}.\n"
            "Reference: {reference}. Your visits: {link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "visit_updated": (
        N_("New travel details for your study visit: {site}, {date}"),
        N_(
            "Dear {name},\n"
            "\n"
            "For {event}, the travel details of your study visit to {site} ({address}) on {date}, {time} have changed; everything else stays as it is.\n"
            "Meet at {meeting_point} at {meeting_time}; vehicle: {vehicle}. Guide language: {guide_language}.\n"
            "Reference: {reference}. Your visits: {link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "visit_cancelled": (
        N_("Your study visit to {site} on {date} is cancelled"),
        N_(
            "Dear {name},\n"
            "\n"
            "For {event}, your study visit to {site} on {date} no longer takes place for you. We are sorry; the organisers will tell you about other options.\n"
            "Reference: {reference}. Your visits: {link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "magic_link": (
        N_("Your link to your registration for {event}"),
        N_(
            "Dear {name},\n"
            "\n"
            "Open your registration {reference} with this link (valid until {expires}, once):\n"
            "{link}\n"
            "\n"
            "If you did not ask for it, ignore this message.\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "invitation": (
        N_("Invitation to {event}"),
        N_(
            "Dear colleague,\n"
            "\n"
            "You are invited to take part in {event} ({dates}, {city}).\n"
            "Register with this personal link, valid until {expires} for {email}:\n"
            "{link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "transfer_notice": (
        N_("Your airport pick-up on {date}: {event}"),
        N_(
            "Dear {name},\n"
            "\n"
            "Welcome to {event}. A vehicle will take you from the airport to your hotel.\n"
            "Date: {date}. The vehicle leaves at {time} (local time) and waits for delayed flights until {waits_until}.\n"
            "Meeting point: {meeting_point}\n"
            "Vehicle: {vehicle}\n"
            "Contact: {contact}\n"
            "\n"
            "Reference: {reference}. Your travel details: {link}\n"
            "\n"
            "OneStop Events"
        ),
    ),
    "evaluation_reminder": (
        N_("A few questions about {event}"),
        N_(
            "Dear {name},\n"
            "\n"
            "Please tell us what you think: the questionnaire about {event} takes a few minutes and is open until {closes}.\n"
            'Sign in with this link (it works once, until {expires}) and open "Evaluation":\n'
            "{link}\n"
            "\n"
            "Reference: {reference}.\n"
            "\n"
            "OneStop Events"
        ),
    ),
}

#: How the registration's status reads in the "received" e-mail, in English.
_STATUS_WORDS = {
    "submitted": N_("received, awaiting review"),
    "approved": N_("approved"),
    "waitlisted": N_("on the waiting list"),
}


class TemplateError(KeyError):
    pass


def email_language(language: str) -> str:
    """The language an e-mail is written in: ``language`` when it has a catalogue, else English."""
    return language if language in catalogues.catalogue_languages(DOMAIN) else catalogues.DEFAULT_LANGUAGE


def status_word(status: str, language: str) -> str:
    """How a status reads in an e-mail; a status without words (not sent in e-mails) as it is."""
    words = _STATUS_WORDS.get(status)
    return catalogues.gettext(words, email_language(language), DOMAIN) if words else status


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(kind: str, language: str, context: dict[str, str]) -> tuple[str, str, str]:
    """Subject, body and the language actually used (English when the language has no text)."""
    used = email_language(language)
    subject, body = (catalogues.gettext(text, used, DOMAIN) for text in TEMPLATES[kind])
    missing = (placeholders(subject) | placeholders(body)) - context.keys()
    if missing:
        raise TemplateError(f"template {kind}/{used} needs {sorted(missing)}")
    return subject.format(**context), body.format(**context), used
