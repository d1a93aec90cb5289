from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    Array,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class EventKind(StrEnum):
    workshop = "workshop"
    regional_forum = "regional_forum"
    symposium = "symposium"


class Partner(StrEnum):
    ECLAC = "ECLAC"
    ESCAP = "ESCAP"
    ECA = "ECA"
    ESCWA = "ESCWA"
    UNPOG = "UNPOG"
    UNDESA = "UNDESA"


class SessionKind(StrEnum):
    plenary = "plenary"
    panel = "panel"
    workshop = "workshop"
    study_visit = "study_visit"
    break_ = "break"
    ceremony = "ceremony"
    side_event = "side_event"


class Programme(Table, tablename="programme"):
    slug = Varchar(length=40, unique=True, null=False)
    title = Varchar(length=200, null=False)
    description = Text(default="")
    created_at = Timestamptz(default=TimestamptzNow())


class Event(Table, tablename="event"):
    """One meeting of the programme. Dates are the venue's local calendar dates."""

    programme = ForeignKey(references=Programme, null=False, index=True, on_delete=OnDelete.restrict)
    slug = Varchar(length=40, unique=True, null=False)
    title = Varchar(length=200, null=False)
    kind = Varchar(length=20, choices=EventKind, null=False)
    partner = Varchar(length=10, null=True, default=None)
    venue = Varchar(length=200, null=False)
    city = Varchar(length=100, null=False)
    country = Varchar(length=3, null=False)
    time_zone = Varchar(length=64, null=False)
    start_date = Date(null=False)
    end_date = Date(null=False)
    registration_opens_at = Timestamptz(null=True, default=None)
    registration_closes_at = Timestamptz(null=True, default=None)
    capacity = Integer(null=False)
    #: Approve submissions while seats are free (waitlist when full) instead of waiting for an organiser.
    auto_approve = Boolean(default=False)
    languages = Array(base_column=Varchar(length=2), default=list)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())
    #: Registrations approved and waitlisted, kept by database triggers on ``registration`` (see the
    #: migration ``2026-12-04T16:01``), so a submission reads its seats in the statement that locks this row.
    approved_seats = Integer(default=0)
    waitlisted_seats = Integer(default=0)


class Session(Table, tablename="event_session"):
    """A slot in an event's agenda; instants are stored in UTC and shown in the event's zone."""

    #: An event is deleted only when nobody registered (see ``event_deletion_blockers``); its sessions go
    #: with it, and a session's own sign-ups and checkpoints refuse the delete.
    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    title = Varchar(length=200, null=False)
    room = Varchar(length=100, default="")
    kind = Varchar(length=20, choices=SessionKind, null=False)
    starts_at = Timestamptz(null=False)
    ends_at = Timestamptz(null=False)
    capacity = Integer(null=True, default=None)
    optional = Boolean(default=False)
    description = Text(default="")
    cancelled = Boolean(default=False)
    #: iCalendar SEQUENCE: goes up on every change, so subscribed calendars take the update.
    sequence = Integer(default=0)
    updated_at = Timestamptz(default=TimestamptzNow())
