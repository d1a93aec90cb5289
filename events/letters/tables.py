from __future__ import annotations

from enum import StrEnum

from piccolo.columns import Boolean, Bytea, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User
from events.programme.tables import Event
from events.registration.tables import Registration


class LetterKind(StrEnum):
    invitation = "invitation"
    visa_support = "visa_support"
    #: Issued from the certificates area (:mod:`events.certificates`) to whom the event's rule admits.
    attendance_certificate = "attendance_certificate"


class LetterStatus(StrEnum):
    valid = "valid"
    revoked = "revoked"
    superseded = "superseded"
    #: A visa-support letter whose event ended more than SENSITIVE_RETENTION_DAYS ago: its PDF
    #: (passport data) was erased; the reference still verifies, as "expired, details erased".
    expired = "expired"


class LetterProfile(Table, tablename="letter_profile"):
    """The letterhead and signatory of one event's letters, editable by its organisers."""

    event = ForeignKey(references=Event, null=False, unique=True, on_delete=OnDelete.cascade)
    host_name = Varchar(length=200, default="")
    host_address = Text(default="")
    host_contact = Varchar(length=300, default="")
    signatory_name = Varchar(length=200, default="")
    signatory_title = Varchar(length=200, default="")
    signature_image = Bytea(null=True, default=None)
    logo_image = Bytea(null=True, default=None)
    costs_statement = Text(default="")
    reference_prefix = Varchar(length=16, default="")
    updated_at = Timestamptz(default=TimestamptzNow())


class LetterTemplate(Table, tablename="letter_template"):
    """Body text of a letter kind in one language, with ``{placeholders}`` checked when saved.

    One per event, kind and language (the unique index ``letter_template_once``).
    """

    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=32, choices=LetterKind, null=False)
    language = Varchar(length=2, null=False)
    title = Varchar(length=200, null=False)
    body = Text(null=False)
    updated_at = Timestamptz(default=TimestamptzNow())
    updated_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)


class Letter(Table, tablename="letter"):
    """An issued letter. Its PDF never changes once issued: the bytes and their SHA-256 are stored.

    ``pdf`` holds the signed PDF encrypted with the data keys (:func:`events.letters.stored.seal`);
    ``sha256`` is that of the signed plaintext, so every instance serves the same bytes. The
    retention purge empties ``pdf`` (``b""``) of visa-support letters and marks them ``expired``.

    One per registration, kind and version (the unique index ``letter_version_once``).
    """

    #: Embassies verify a letter by its reference, so it is revoked, never deleted: deleting its
    #: registration or its event is refused while it exists.
    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.restrict)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.restrict)
    kind = Varchar(length=32, choices=LetterKind, null=False)
    reference = Varchar(length=40, unique=True, null=False)
    version = Integer(default=1)
    language = Varchar(length=2, default="en")
    status = Varchar(length=12, choices=LetterStatus, default=LetterStatus.valid.value, index=True)
    issued_at = Timestamptz(default=TimestamptzNow())
    issued_by = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    sha256 = Varchar(length=64, null=False)
    signed = Boolean(default=False)
    pdf = Bytea(null=False)
    revoked_at = Timestamptz(null=True, default=None)
    revoke_reason = Varchar(length=500, default="")
    superseded_by = Integer(null=True, default=None)
