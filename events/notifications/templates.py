"""E-mail texts per language. English is the fallback; French and Spanish are complete.

Each template is a subject and a body with ``{placeholders}``; :func:`render` refuses a missing
placeholder rather than sending a message with a hole in it.
"""

from __future__ import annotations

import string

TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "registration_received": {
        "en": (
            "We received your registration for {event}",
            "Dear {name},\n\nThank you for registering for {event} ({dates}, {city}).\n"
            "Your reference is {reference}. Its status is: {status}.\n\n"
            "You can see and change your registration here:\n{link}\n\nOneStop Events",
        ),
        "fr": (
            "Nous avons reçu votre inscription à {event}",
            "Madame, Monsieur {name},\n\nMerci de votre inscription à {event} ({dates}, {city}).\n"
            "Votre référence est {reference}. Statut : {status}.\n\n"
            "Vous pouvez consulter et modifier votre inscription ici :\n{link}\n\nOneStop Events",
        ),
        "es": (
            "Hemos recibido su inscripción en {event}",
            "Estimado/a {name}:\n\nGracias por inscribirse en {event} ({dates}, {city}).\n"
            "Su referencia es {reference}. Estado: {status}.\n\n"
            "Puede consultar y modificar su inscripción aquí:\n{link}\n\nOneStop Events",
        ),
    },
    "registration_approved": {
        "en": (
            "Your participation in {event} is confirmed",
            "Dear {name},\n\nYour registration {reference} for {event} ({dates}, {city}) is approved.\n"
            "Your letters and badge will be available from your registration page:\n{link}\n\nOneStop Events",
        ),
        "fr": (
            "Votre participation à {event} est confirmée",
            "Madame, Monsieur {name},\n\nVotre inscription {reference} à {event} ({dates}, {city}) est approuvée.\n"
            "Vos lettres et votre badge seront disponibles sur votre page d'inscription :\n{link}\n\nOneStop Events",
        ),
        "es": (
            "Su participación en {event} está confirmada",
            "Estimado/a {name}:\n\nSu inscripción {reference} en {event} ({dates}, {city}) ha sido aprobada.\n"
            "Sus cartas y su credencial estarán disponibles en su página de inscripción:\n{link}\n\nOneStop Events",
        ),
    },
    "registration_waitlisted": {
        "en": (
            "You are on the waiting list for {event}",
            "Dear {name},\n\n{event} is full for now. Your registration {reference} is on the waiting list; "
            "we will write as soon as a seat frees.\n{link}\n\nOneStop Events",
        ),
        "fr": (
            "Vous êtes sur la liste d'attente de {event}",
            "Madame, Monsieur {name},\n\n{event} est complet pour le moment. Votre inscription {reference} "
            "est sur la liste d'attente ; nous vous écrirons dès qu'une place se libère.\n{link}\n\nOneStop Events",
        ),
        "es": (
            "Está en la lista de espera de {event}",
            "Estimado/a {name}:\n\n{event} está completo por ahora. Su inscripción {reference} está en la "
            "lista de espera; le escribiremos en cuanto se libere un lugar.\n{link}\n\nOneStop Events",
        ),
    },
    "registration_rejected": {
        "en": (
            "Your registration for {event}",
            "Dear {name},\n\nWe are sorry: your registration {reference} for {event} could not be accepted.\n"
            "{note}\n\nOneStop Events",
        ),
        "fr": (
            "Votre inscription à {event}",
            "Madame, Monsieur {name},\n\nNous regrettons : votre inscription {reference} à {event} "
            "n'a pas pu être acceptée.\n{note}\n\nOneStop Events",
        ),
        "es": (
            "Su inscripción en {event}",
            "Estimado/a {name}:\n\nLo sentimos: su inscripción {reference} en {event} no pudo ser aceptada.\n"
            "{note}\n\nOneStop Events",
        ),
    },
    "registration_cancelled": {
        "en": (
            "Your registration for {event} is cancelled",
            "Dear {name},\n\nYour registration {reference} for {event} is cancelled.\n{note}\n\nOneStop Events",
        ),
        "fr": (
            "Votre inscription à {event} est annulée",
            "Madame, Monsieur {name},\n\nVotre inscription {reference} à {event} est annulée.\n{note}\n\n"
            "OneStop Events",
        ),
        "es": (
            "Su inscripción en {event} ha sido cancelada",
            "Estimado/a {name}:\n\nSu inscripción {reference} en {event} ha sido cancelada.\n{note}\n\n"
            "OneStop Events",
        ),
    },
    "visit_assigned": {
        "en": (
            "Your study visit: {site}, {date}",
            "Dear {name},\n\nFor {event}, you are booked on a study visit to {site} ({address}) on {date}, "
            "{time}. This replaces any visit we told you about before.\nMeet at {meeting_point} at "
            "{meeting_time}; vehicle: {vehicle}. Guide language: {guide_language}.\nReference: {reference}. "
            "Your visits: {link}\n\nOneStop Events",
        ),
        "fr": (
            "Votre visite d'étude : {site}, le {date}",
            "Madame, Monsieur {name},\n\nDans le cadre de {event}, vous êtes inscrit·e à la visite d'étude de "
            "{site} ({address}) le {date}, {time}. Elle remplace toute visite annoncée auparavant.\n"
            "Rendez-vous à {meeting_point} à {meeting_time} ; véhicule : {vehicle}. Langue du guide : "
            "{guide_language}.\nRéférence : {reference}. Vos visites : {link}\n\nOneStop Events",
        ),
        "es": (
            "Su visita de estudio: {site}, {date}",
            "Estimado/a {name}:\n\nEn el marco de {event}, tiene reservada una visita de estudio a {site} "
            "({address}) el {date}, {time}. Sustituye a cualquier visita anunciada antes.\nPunto de encuentro: "
            "{meeting_point} a las {meeting_time}; vehículo: {vehicle}. Idioma del guía: {guide_language}.\n"
            "Referencia: {reference}. Sus visitas: {link}\n\nOneStop Events",
        ),
    },
    "visit_cancelled": {
        "en": (
            "Your study visit to {site} on {date} is cancelled",
            "Dear {name},\n\nFor {event}, your study visit to {site} on {date} no longer takes place for you. "
            "We are sorry; the organisers will tell you about other options.\nReference: {reference}. "
            "Your visits: {link}\n\nOneStop Events",
        ),
        "fr": (
            "Votre visite d'étude de {site} du {date} est annulée",
            "Madame, Monsieur {name},\n\nDans le cadre de {event}, votre visite d'étude de {site} du {date} est "
            "annulée. Nous le regrettons ; les organisateurs vous indiqueront d'autres possibilités.\n"
            "Référence : {reference}. Vos visites : {link}\n\nOneStop Events",
        ),
        "es": (
            "Su visita de estudio a {site} del {date} queda cancelada",
            "Estimado/a {name}:\n\nEn el marco de {event}, su visita de estudio a {site} del {date} queda "
            "cancelada. Lo sentimos; los organizadores le indicarán otras opciones.\nReferencia: {reference}. "
            "Sus visitas: {link}\n\nOneStop Events",
        ),
    },
    "magic_link": {
        "en": (
            "Your link to your registration for {event}",
            "Dear {name},\n\nOpen your registration {reference} with this link (valid until {expires}, once):\n"
            "{link}\n\nIf you did not ask for it, ignore this message.\n\nOneStop Events",
        ),
        "fr": (
            "Votre lien vers votre inscription à {event}",
            "Madame, Monsieur {name},\n\nOuvrez votre inscription {reference} avec ce lien "
            "(valable jusqu'au {expires}, une fois) :\n{link}\n\n"
            "Si vous ne l'avez pas demandé, ignorez ce message.\n\nOneStop Events",
        ),
        "es": (
            "Su enlace a su inscripción en {event}",
            "Estimado/a {name}:\n\nAbra su inscripción {reference} con este enlace (válido hasta {expires}, "
            "una vez):\n{link}\n\nSi no lo solicitó, ignore este mensaje.\n\nOneStop Events",
        ),
    },
    "invitation": {
        "en": (
            "Invitation to {event}",
            "Dear colleague,\n\nYou are invited to take part in {event} ({dates}, {city}).\n"
            "Register with this personal link, valid until {expires} for {email}:\n{link}\n\nOneStop Events",
        ),
        "fr": (
            "Invitation à {event}",
            "Madame, Monsieur,\n\nVous êtes invité(e) à participer à {event} ({dates}, {city}).\n"
            "Inscrivez-vous avec ce lien personnel, valable jusqu'au {expires} pour {email} :\n{link}\n\n"
            "OneStop Events",
        ),
        "es": (
            "Invitación a {event}",
            "Estimado/a colega:\n\nQueda invitado/a a participar en {event} ({dates}, {city}).\n"
            "Inscríbase con este enlace personal, válido hasta {expires} para {email}:\n{link}\n\nOneStop Events",
        ),
    },
}

STATUS_WORDS = {
    "en": {
        "submitted": "received, awaiting review",
        "approved": "approved",
        "waitlisted": "on the waiting list",
    },
    "fr": {
        "submitted": "reçue, en cours d'examen",
        "approved": "approuvée",
        "waitlisted": "sur liste d'attente",
    },
    "es": {"submitted": "recibida, en revisión", "approved": "aprobada", "waitlisted": "en lista de espera"},
}


class TemplateError(KeyError):
    pass


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def render(kind: str, language: str, context: dict[str, str]) -> tuple[str, str, str]:
    """Subject, body and the language actually used (English when the language has no text)."""
    texts = TEMPLATES[kind]
    used = language if language in texts else "en"
    subject, body = texts[used]
    missing = (placeholders(subject) | placeholders(body)) - context.keys()
    if missing:
        raise TemplateError(f"template {kind}/{used} needs {sorted(missing)}")
    return subject.format(**context), body.format(**context), used
