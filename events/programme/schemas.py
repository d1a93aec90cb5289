from __future__ import annotations

import datetime
from typing import Annotated, ClassVar

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input
from events.i18n.languages import CODES
from events.programme.tables import EventKind, Partner, SessionKind

Slug = Annotated[str, Meta(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$", description="lower-case letters, digits, -")]
Title = Annotated[str, Meta(min_length=1, max_length=200)]
ShortText = Annotated[str, Meta(max_length=200)]
LongText = Annotated[str, Meta(max_length=10_000)]
Capacity = Annotated[int, Meta(ge=1, le=100_000)]
Language = Annotated[
    str, Meta(pattern=f"^({'|'.join(CODES)})$", description=f"{', '.join(CODES[:-1])} or {CODES[-1]}")
]
CountryCode = Annotated[str, Meta(min_length=2, max_length=3, description="ISO 3166 alpha-2 or alpha-3")]
TimeZoneName = Annotated[str, Meta(min_length=1, max_length=64, description="IANA time zone, e.g. Asia/Baku")]
LocalOrAwareDateTime = Annotated[
    datetime.datetime,
    Meta(description="ISO 8601; without an offset it is read in the event's time zone"),
]


class Programme(Struct):
    id: int
    slug: str
    title: str
    description: str


class ProgrammeCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"title"})
    slug: Slug
    title: Title
    description: LongText = ""


class ProgrammeUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"title"})
    title: Title | UnsetType = UNSET
    description: LongText | UnsetType = UNSET


class Event(Struct):
    id: int
    programme_id: int
    slug: str
    title: str
    kind: EventKind
    partner: Partner | None
    venue: str
    city: str
    country: str
    country_name: str
    time_zone: str
    start_date: datetime.date
    end_date: datetime.date
    registration_opens_at: datetime.datetime | None
    registration_closes_at: datetime.datetime | None
    registration_open: bool
    capacity: int
    auto_approve: bool
    languages: list[str]


class EventCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"title", "venue", "city"})
    slug: Slug
    title: Title
    kind: EventKind
    venue: ShortText
    city: ShortText
    country: CountryCode
    time_zone: TimeZoneName
    start_date: datetime.date
    end_date: datetime.date
    capacity: Capacity
    programme_id: int | None = None
    partner: Partner | None = None
    registration_opens_at: LocalOrAwareDateTime | None = None
    registration_closes_at: LocalOrAwareDateTime | None = None
    auto_approve: bool = False
    languages: Annotated[list[Language], Meta(min_length=1, max_length=6)] = msgspec.field(
        default_factory=lambda: ["en"]
    )


class EventUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"title", "venue", "city"})
    title: Title | UnsetType = UNSET
    kind: EventKind | UnsetType = UNSET
    partner: Partner | UnsetType | None = UNSET
    venue: ShortText | UnsetType = UNSET
    city: ShortText | UnsetType = UNSET
    country: CountryCode | UnsetType = UNSET
    time_zone: TimeZoneName | UnsetType = UNSET
    start_date: datetime.date | UnsetType = UNSET
    end_date: datetime.date | UnsetType = UNSET
    capacity: Capacity | UnsetType = UNSET
    auto_approve: bool | UnsetType = UNSET
    registration_opens_at: LocalOrAwareDateTime | UnsetType | None = UNSET
    registration_closes_at: LocalOrAwareDateTime | UnsetType | None = UNSET
    languages: Annotated[list[Language], Meta(min_length=1, max_length=6)] | UnsetType = UNSET


class Session(Struct):
    id: int
    event_id: int
    title: str
    room: str
    kind: SessionKind
    starts_at: datetime.datetime
    ends_at: datetime.datetime
    time_zone: str
    capacity: int | None
    optional: bool
    cancelled: bool
    description: str
    #: In the answer to creating or editing a session only: what it now collides with (e.g.
    #: participants booked on a study visit at that time). The session is saved all the same.
    warnings: list[str] = msgspec.field(default_factory=list)


class SessionCreate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"title", "room"})
    title: Title
    kind: SessionKind
    starts_at: LocalOrAwareDateTime
    ends_at: LocalOrAwareDateTime
    room: ShortText = ""
    capacity: Capacity | None = None
    optional: bool = False
    description: LongText = ""


class SessionUpdate(Input):
    single_line: ClassVar[frozenset[str]] = frozenset({"title", "room"})
    title: Title | UnsetType = UNSET
    kind: SessionKind | UnsetType = UNSET
    starts_at: LocalOrAwareDateTime | UnsetType = UNSET
    ends_at: LocalOrAwareDateTime | UnsetType = UNSET
    room: ShortText | UnsetType = UNSET
    capacity: Capacity | UnsetType | None = UNSET
    optional: bool | UnsetType = UNSET
    cancelled: bool | UnsetType = UNSET
    description: LongText | UnsetType = UNSET


def changes(update: Struct) -> dict:
    """The fields a PATCH body actually set."""
    return {
        name: getattr(update, name) for name in update.__struct_fields__ if getattr(update, name) is not UNSET
    }
