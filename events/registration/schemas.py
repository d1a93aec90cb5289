from __future__ import annotations

import datetime
from enum import StrEnum
from typing import Annotated

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input
from events.auth.schemas import Email
from events.programme.schemas import CountryCode, Language
from events.registration.tables import Channel, RegistrationStatus

#: A passport should stay valid this long after the stay ends (the Azerbaijani e-visa rule): the
#: registration warns about a shorter validity, and so does a visa-support letter.
PASSPORT_VALIDITY_MARGIN = datetime.timedelta(days=92)


class Gender(StrEnum):
    female = "female"
    male = "male"
    other = "other"
    undisclosed = "undisclosed"


class Level(StrEnum):
    high = "high"
    mid = "mid"


class GovernmentLevel(StrEnum):
    """Which government the participant works for; optional (``""`` in the table: not given)."""

    national = "national"
    subnational = "subnational"
    other = "other"


class AccessibilityNeed(StrEnum):
    step_free_access = "step_free_access"
    sign_language = "sign_language"
    hearing_loop = "hearing_loop"
    large_print = "large_print"
    dietary = "dietary"
    other = "other"


class ReportingGroup(StrEnum):
    youth = "youth"
    women = "women"
    older_persons = "older_persons"
    persons_with_disabilities = "persons_with_disabilities"
    indigenous_peoples = "indigenous_peoples"
    migrants = "migrants"


Name = Annotated[str, Meta(min_length=1, max_length=100)]
Text100 = Annotated[str, Meta(max_length=100)]
Text200 = Annotated[str, Meta(max_length=200)]
PassportNumber = Annotated[str, Meta(pattern=r"^[A-Za-z0-9]{5,20}$", description="5-20 letters and digits")]
Phone = Annotated[str, Meta(max_length=30, description="international format, e.g. +977 1 4211000")]
Relationship = Annotated[str, Meta(max_length=50, description="e.g. spouse, sister, colleague")]
#: Optional: blank, or an address (checked by the registration's validation).
OptionalEmail = Annotated[str, Meta(max_length=254, description="an e-mail address, or blank")]


class RegistrationCreate(Input):
    #: As in the passport. ICAO allows a single name: it goes in ``family_name``; ``given_names`` may be empty.
    given_names: Text100
    family_name: Name
    email: Email
    gender: Gender
    nationality: CountryCode
    country_represented: CountryCode
    institution: Annotated[str, Meta(min_length=1, max_length=200)]
    level: Level
    consent: bool
    latin_name: Annotated[
        str,
        Meta(max_length=200, description="name in Latin letters as in the passport's machine-readable zone"),
    ] = ""
    preferred_name: Text100 = ""
    phone: Phone = ""
    position: Text200 = ""
    sector: Text100 = ""
    government_level: GovernmentLevel | None = None
    preferred_language: Language = "en"
    needs_visa: bool = False
    passport_number: PassportNumber | None = None
    passport_expiry: datetime.date | None = None
    date_of_birth: datetime.date | None = None
    place_of_birth: Text100 | None = None
    visa_embassy: Text200 = ""
    arrival_at: datetime.datetime | None = None
    departure_at: datetime.datetime | None = None
    funding_requested: bool = False
    accessibility: Annotated[list[AccessibilityNeed], Meta(max_length=6)] = msgspec.field(
        default_factory=list
    )
    accessibility_other: Annotated[str, Meta(max_length=500)] = ""
    dietary: Annotated[str, Meta(max_length=300)] = ""
    emergency_contact_name: Text100 = ""
    emergency_contact_relationship: Relationship = ""
    emergency_contact_phone: Phone = ""
    emergency_contact_email: OptionalEmail = ""
    self_identification: Annotated[list[ReportingGroup], Meta(max_length=6)] = msgspec.field(
        default_factory=list
    )
    session_ids: Annotated[list[int], Meta(max_length=50)] = msgspec.field(default_factory=list)
    invitation_token: Annotated[str, Meta(max_length=100)] | None = None


class RegistrationUpdate(Input):
    """What a participant (until the deadline) or an organiser may change; the e-mail stays."""

    given_names: Text100 | UnsetType = UNSET
    family_name: Name | UnsetType = UNSET
    latin_name: Annotated[str, Meta(max_length=200)] | UnsetType = UNSET
    preferred_name: Text100 | UnsetType = UNSET
    phone: Phone | UnsetType = UNSET
    gender: Gender | UnsetType = UNSET
    nationality: CountryCode | UnsetType = UNSET
    country_represented: CountryCode | UnsetType = UNSET
    institution: Annotated[str, Meta(min_length=1, max_length=200)] | UnsetType = UNSET
    position: Text200 | UnsetType = UNSET
    level: Level | UnsetType = UNSET
    sector: Text100 | UnsetType = UNSET
    #: ``None`` clears the answer.
    government_level: GovernmentLevel | UnsetType | None = UNSET
    preferred_language: Language | UnsetType = UNSET
    needs_visa: bool | UnsetType = UNSET
    passport_number: PassportNumber | UnsetType | None = UNSET
    passport_expiry: datetime.date | UnsetType | None = UNSET
    date_of_birth: datetime.date | UnsetType | None = UNSET
    place_of_birth: Text100 | UnsetType | None = UNSET
    visa_embassy: Text200 | UnsetType = UNSET
    arrival_at: datetime.datetime | UnsetType | None = UNSET
    departure_at: datetime.datetime | UnsetType | None = UNSET
    funding_requested: bool | UnsetType = UNSET
    accessibility: Annotated[list[AccessibilityNeed], Meta(max_length=6)] | UnsetType = UNSET
    accessibility_other: Annotated[str, Meta(max_length=500)] | UnsetType = UNSET
    dietary: Annotated[str, Meta(max_length=300)] | UnsetType = UNSET
    emergency_contact_name: Text100 | UnsetType = UNSET
    emergency_contact_relationship: Relationship | UnsetType = UNSET
    emergency_contact_phone: Phone | UnsetType = UNSET
    emergency_contact_email: OptionalEmail | UnsetType = UNSET
    self_identification: Annotated[list[ReportingGroup], Meta(max_length=6)] | UnsetType = UNSET
    session_ids: Annotated[list[int], Meta(max_length=50)] | UnsetType = UNSET


class Registration(Struct):
    """A registration as its participant and the event's organisers see it; sensitive fields masked."""

    id: int
    reference: str
    event_id: int
    status: RegistrationStatus
    channel: Channel
    email: str
    given_names: str
    family_name: str
    latin_name: str
    preferred_name: str
    phone: str
    gender: Gender
    nationality: str
    country_represented: str
    country_groups: list[str]
    institution: str
    position: str
    level: Level
    sector: str
    #: A :class:`GovernmentLevel` value, or ``""`` when not given.
    government_level: str
    preferred_language: str
    needs_visa: bool
    passport_number: str | None
    passport_expiry: datetime.date | None
    date_of_birth: str | None
    place_of_birth: str | None
    visa_embassy: str
    arrival_at: datetime.datetime | None
    departure_at: datetime.datetime | None
    funding_requested: bool
    accessibility: list[str]
    accessibility_other: str
    dietary: str
    emergency_contact_name: str
    emergency_contact_relationship: str
    #: Masked (``••••21``, ``k•••@example.org``): in clear through the audited sensitive-data read.
    emergency_contact_phone: str | None
    emergency_contact_email: str | None
    self_identification: list[str]
    sessions: list[int]
    warnings: list[str]
    waitlist_position: int | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    status_changed_at: datetime.datetime
    decision_note: str


class RegistrationSubmitted(Struct):
    registration: Registration
    created: bool
    sessions_full: list[int]


class SensitiveData(Struct):
    registration_id: int
    passport_number: str | None
    date_of_birth: datetime.date | None
    place_of_birth: str | None
    emergency_contact_phone: str | None
    emergency_contact_email: str | None
    purged_at: datetime.datetime | None


class EmergencyContact(Struct):
    """The emergency contact in clear, for the participant's own form."""

    name: str
    relationship: str
    phone: str
    email: str


class Decision(Input):
    note: Annotated[str, Meta(max_length=500)] = ""


class BulkAction(StrEnum):
    approve = "approve"
    waitlist = "waitlist"
    reject = "reject"


class BulkDecision(Input):
    action: BulkAction
    registration_ids: Annotated[list[int], Meta(min_length=1, max_length=1000)]
    note: Annotated[str, Meta(max_length=500)] = ""


class BulkOutcome(Struct):
    registration_id: int
    ok: bool
    status: RegistrationStatus | None
    error: str | None


class InvitationCreate(Input):
    email: Email
    skip_moderation: bool = False
    language: Language = "en"
    valid_days: Annotated[int, Meta(ge=1, le=180)] = 30


class Invitation(Struct):
    id: int
    event_id: int
    email: str
    skip_moderation: bool
    expires_at: datetime.datetime
    used_at: datetime.datetime | None
    registration_id: int | None


class MagicLinkRequest(Input):
    email: Email
    language: Language | None = None


class AccessExchange(Input):
    token: Annotated[str, Meta(min_length=10, max_length=100)]


class RegistrationAccess(Struct):
    access_token: str
    expires_at: datetime.datetime
    registration_id: int


class Statistics(Struct):
    event_id: int
    total: int
    by_status: dict[str, int]
    by_country_group: dict[str, dict[str, int]]
    by_gender: dict[str, dict[str, int]]
    by_level: dict[str, dict[str, int]]
    by_country: dict[str, int]
    needs_visa: int
    accessibility: dict[str, int]
    self_identification: dict[str, int]


class ImportRowReport(Struct):
    row: int
    outcome: str
    email: str | None
    registration_id: int | None
    errors: list[str]


class ImportReport(Struct):
    dry_run: bool
    atomic: bool
    committed: bool
    created: int
    updated: int
    rejected: int
    rows: list[ImportRowReport]
