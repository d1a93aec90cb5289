"""The one Piccolo app; its migrations live in the top-level ``piccolo_migrations`` package.

They start with the schema generated from ``TABLES``, the indexes the tables cannot declare (raw SQL)
and the country-group seed. A change to a table gets its migration from
``PICCOLO_CONF=events.piccolo_conf piccolo migrations new events --auto``; ``tests/test_migrations.py``
fails until it exists.
"""

from pathlib import Path

from piccolo.conf.apps import AppConfig

from events.action_plans.tables import ActionPlan, ActionPlanComment, ActionPlanDocument
from events.audit.tables import AuditEntry
from events.auth.tables import (
    AccessVersion,
    ApiToken,
    AuthSession,
    LoginFailure,
    RoleGrant,
    ThrottledRequest,
    User,
)
from events.badges.tables import Badge, BadgeKey
from events.calendars.tables import FeedToken
from events.certificates.tables import CertificateNamedSession, CertificateRule
from events.checkin.tables import CheckinConflict, Checkpoint, Presence, Scan
from events.evaluations.tables import Attribution, Question, Questionnaire, Receipt, Reminder, Response
from events.jobs.tables import Job
from events.letters.tables import Letter, LetterProfile, LetterTemplate
from events.notifications.tables import OutboxMessage
from events.programme.tables import Event, Programme, Session
from events.reference.tables import CountryGroupMembership
from events.registration.tables import AccessToken, Invitation, Registration, SessionSignup
from events.travel.tables import (
    DsaPayment,
    DsaRate,
    FareEstimate,
    FlightSegment,
    FundingDecision,
    Hotel,
    RoomAllocation,
    RoomBlock,
    RoomType,
    TransferRider,
    TransferRun,
    TravelPreference,
    TravelSettings,
)
from events.visits.tables import (
    ScheduleRun,
    Site,
    SlotFeedToken,
    SlotVehicle,
    TravelTime,
    Vehicle,
    VisitAssignment,
    VisitNotice,
    VisitPreference,
    VisitSettings,
    VisitSlot,
)

MIGRATIONS_FOLDER = Path(__file__).resolve().parent.parent / "piccolo_migrations"

TABLES = [
    User,
    AuthSession,
    RoleGrant,
    ApiToken,
    LoginFailure,
    ThrottledRequest,
    AccessVersion,
    AuditEntry,
    Programme,
    Event,
    Session,
    CountryGroupMembership,
    Site,
    Registration,
    SessionSignup,
    Invitation,
    AccessToken,
    OutboxMessage,
    LetterProfile,
    LetterTemplate,
    Letter,
    BadgeKey,
    Badge,
    FeedToken,
    VisitSettings,
    TravelTime,
    Vehicle,
    VisitSlot,
    SlotVehicle,
    SlotFeedToken,
    VisitPreference,
    ScheduleRun,
    VisitAssignment,
    VisitNotice,
    Checkpoint,
    Scan,
    Presence,
    CheckinConflict,
    Job,
    TravelSettings,
    FareEstimate,
    FundingDecision,
    TravelPreference,
    FlightSegment,
    Hotel,
    RoomType,
    RoomBlock,
    RoomAllocation,
    TransferRun,
    TransferRider,
    DsaRate,
    DsaPayment,
    ActionPlan,
    ActionPlanDocument,
    ActionPlanComment,
    CertificateRule,
    CertificateNamedSession,
    Questionnaire,
    Question,
    Receipt,
    Response,
    Attribution,
    Reminder,
]

APP_CONFIG = AppConfig(
    app_name="events",
    migrations_folder_path=str(MIGRATIONS_FOLDER),
    table_classes=TABLES,
    migration_dependencies=[],
    commands=[],
)
