from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Boolean, Date, ForeignKey, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User
from events.programme.tables import Event, Session


class RegistrationStatus(StrEnum):
    submitted = "submitted"
    approved = "approved"
    waitlisted = "waitlisted"
    rejected = "rejected"
    cancelled = "cancelled"


#: Statuses that hold (or queue for) a seat; one e-mail may hold one of them per event.
ACTIVE_STATUSES = (RegistrationStatus.submitted, RegistrationStatus.approved, RegistrationStatus.waitlisted)


class Channel(StrEnum):
    self_service = "self"
    invitation = "invitation"
    walk_in = "walk_in"
    import_ = "import"


class Registration(Table, tablename="registration"):
    """One participant at one event.

    Passport number, date and place of birth, the emergency contact's phone and e-mail are stored encrypted (``*_enc``, see
    ``events.crypto``); everything needed for lists, statistics and badges is plain.
    """

    #: The API refuses to delete an event with registrations; the database refuses it too.
    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    reference = Varchar(length=24, unique=True, null=False)
    status = Varchar(length=12, choices=RegistrationStatus, null=False, index=True)
    channel = Varchar(length=12, choices=Channel, null=False)
    #: Lower-cased; the partial unique index ``registration_one_active_per_email`` holds one
    #: active registration per e-mail and event, whatever the concurrency.
    email = Varchar(length=254, null=False, index=True)
    given_names = Varchar(length=100, null=False)
    family_name = Varchar(length=100, null=False)
    #: The name in Latin letters as in the passport's machine-readable zone, for documents when the
    #: passport name's script cannot be printed (e.g. Devanagari, Bengali, Khmer, Myanmar, Lao).
    latin_name = Varchar(length=200, default="")
    preferred_name = Varchar(length=100, default="")
    phone = Varchar(length=20, default="")
    gender = Varchar(length=12, null=False)
    nationality = Varchar(length=3, null=False)
    country_represented = Varchar(length=3, null=False, index=True)
    institution = Varchar(length=200, null=False)
    position = Varchar(length=200, default="")
    level = Varchar(length=4, null=False)
    sector = Varchar(length=100, default="")
    #: national, subnational or other (``GovernmentLevel``); ``""`` when not given.
    government_level = Varchar(length=12, default="")
    preferred_language = Varchar(length=2, default="en")
    needs_visa = Boolean(default=False)
    passport_number_enc = Text(null=True, default=None, secret=True)
    date_of_birth_enc = Text(null=True, default=None, secret=True)
    place_of_birth_enc = Text(null=True, default=None, secret=True)
    passport_last4 = Varchar(length=4, default="")
    passport_expiry = Date(null=True, default=None)
    visa_embassy = Varchar(length=200, default="")
    sensitive_purged_at = Timestamptz(null=True, default=None)
    arrival_at = Timestamptz(null=True, default=None)
    departure_at = Timestamptz(null=True, default=None)
    funding_requested = Boolean(default=False)
    accessibility = JSON(default="[]")
    accessibility_other = Varchar(length=500, default="")
    dietary = Varchar(length=300, default="")
    #: Whom to call in an emergency: a third person's data, erased with the passport data after the
    #: retention period; the phone and e-mail are stored encrypted like the passport number.
    emergency_contact_name = Varchar(length=100, default="")
    emergency_contact_relationship = Varchar(length=50, default="")
    emergency_contact_phone_enc = Text(null=True, default=None, secret=True)
    emergency_contact_email_enc = Text(null=True, default=None, secret=True)
    self_identification = JSON(default="[]")
    consent_at = Timestamptz(null=False)
    warnings = JSON(default="[]")
    fingerprint = Varchar(length=64, default="")
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    status_changed_at = Timestamptz(default=TimestamptzNow(), index=True)
    #: Who approved or rejected: the decision outlives the organiser's account.
    decided_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    decision_note = Varchar(length=500, default="")


class SessionSignup(Table, tablename="session_signup"):
    """A seat in an optional session; only confirmed seats are stored, so counting them is the capacity check.

    One per registration and session (the unique index ``session_signup_once``). Part of its
    registration; a session with sign-ups is cancelled, not deleted (the API and the database
    refuse the delete).
    """

    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    session = ForeignKey(references=Session, null=False, index=True, on_delete=OnDelete.restrict)
    created_at = Timestamptz(default=TimestamptzNow())


class Invitation(Table, tablename="invitation"):
    """An organiser's invitation (nomination) of one e-mail address to one event."""

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    email = Varchar(length=254, null=False)
    token_hash = Varchar(length=64, unique=True, null=False, secret=True)
    skip_moderation = Boolean(default=False)
    invited_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)
    registration = ForeignKey(references=Registration, null=True, default=None, on_delete=OnDelete.set_null)


class AccessPurpose(StrEnum):
    magic_link = "magic_link"
    registration_access = "registration_access"


class AccessToken(Table, tablename="registration_access_token"):
    """Password-free access to one registration: a single-use magic link, exchanged for an access token.

    Each token has one purpose and is refused for any other; only its SHA-256 is stored.
    """

    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    purpose = Varchar(length=24, choices=AccessPurpose, null=False)
    token_hash = Varchar(length=64, unique=True, null=False, secret=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(null=False)
    used_at = Timestamptz(null=True, default=None)
