"""Labels of the choices the registration form offers, in the order shown (translated when shown).

The values are the services' own enums; only their wording lives here, shared by the pages and the
programme report (:mod:`events.reports`), hence in the core.
"""

from __future__ import annotations

from events.i18n.catalogues import N_
from events.i18n.languages import CODES
from events.registration.schemas import AccessibilityNeed, Gender, GovernmentLevel, Level, ReportingGroup
from events.registration.tables import RegistrationStatus

GENDERS = [
    (Gender.female.value, N_("Female"), None),
    (Gender.male.value, N_("Male"), None),
    (Gender.other.value, N_("Another gender"), None),
    (Gender.undisclosed.value, N_("Prefer not to say"), None),
]

LEVELS = [
    (Level.high.value, N_("Senior"), N_("Minister, head of an agency, director general or similar")),
    (Level.mid.value, N_("Mid-level"), N_("Head of unit, manager, senior officer or expert")),
]

GOVERNMENT_LEVELS = [
    (GovernmentLevel.national.value, N_("National government"), None),
    (
        GovernmentLevel.subnational.value,
        N_("Subnational government"),
        N_("A state, province, region, city or municipality"),
    ),
    (
        GovernmentLevel.other.value,
        N_("Other or not applicable"),
        N_("For example, parliament, academia or an international organisation"),
    ),
]

ACCESSIBILITY = [
    (AccessibilityNeed.step_free_access.value, N_("Step-free access (wheelchair, walking aid)"), None),
    (AccessibilityNeed.sign_language.value, N_("Sign language interpretation"), None),
    (AccessibilityNeed.hearing_loop.value, N_("Hearing loop"), None),
    (AccessibilityNeed.large_print.value, N_("Documents in large print"), None),
    (AccessibilityNeed.dietary.value, N_("A special diet for medical reasons"), None),
    (AccessibilityNeed.other.value, N_("Something else (tell us below)"), None),
]

REPORTING_GROUPS = [
    (ReportingGroup.youth.value, N_("Youth (under 35)"), None),
    (ReportingGroup.women.value, N_("Women"), None),
    (ReportingGroup.older_persons.value, N_("Older persons"), None),
    (ReportingGroup.persons_with_disabilities.value, N_("Persons with disabilities"), None),
    (ReportingGroup.indigenous_peoples.value, N_("Indigenous peoples"), None),
    (ReportingGroup.migrants.value, N_("Migrants"), None),
]

YES_NO = [("true", N_("Yes"), None), ("false", N_("No"), None)]

#: The preferred-language question offers the languages e-mails and letters may be written in.
PREFERRED_LANGUAGES = list(CODES)

STATUS = {
    RegistrationStatus.submitted.value: N_("Received, waiting for the organisers' decision"),
    RegistrationStatus.approved.value: N_("Approved"),
    RegistrationStatus.waitlisted.value: N_("On the waiting list"),
    RegistrationStatus.rejected.value: N_("Not accepted"),
    RegistrationStatus.cancelled.value: N_("Cancelled"),
}

WARNINGS = {
    "passport_expired": N_("Your passport has expired. Renew it before you travel"),
    "passport_expires_before_event_ends": N_("Your passport expires before the event ends"),
    "passport_valid_less_than_3_months_after_event": N_(
        "Your passport is valid for less than three months after the event; some countries refuse such passports"
    ),
}

SESSION_KINDS = {
    "plenary": N_("Plenary"),
    "panel": N_("Panel"),
    "workshop": N_("Workshop"),
    "study_visit": N_("Study visit"),
    "break": N_("Break"),
    "ceremony": N_("Ceremony"),
    "side_event": N_("Side event"),
}

EVENT_KINDS = {
    "workshop": N_("Interregional workshop"),
    "regional_forum": N_("Regional forum"),
    "symposium": N_("International symposium"),
}
