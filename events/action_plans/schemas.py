"""Country action plans as the API shows them and takes them."""

from __future__ import annotations

import datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

from events.api import Input

#: Service channels a plan may name, in the order forms list them.
CHANNELS = (
    "in_person",
    "web_portal",
    "mobile_app",
    "call_centre",
    "sms_ussd",
    "kiosk",
    "mobile_unit",
    "intermediaries",
)
Channel = Literal[
    "in_person",
    "web_portal",
    "mobile_app",
    "call_centre",
    "sms_ussd",
    "kiosk",
    "mobile_unit",
    "intermediaries",
]
MAX_SERVICES = 10
ServiceLine = Annotated[str, Meta(min_length=1, max_length=200)]
Summary = Annotated[str, Meta(max_length=2000)]
CommentBody = Annotated[str, Meta(min_length=1, max_length=2000)]
Status = Literal["none", "draft", "submitted", "reviewed"]


class PlanFields(Input):
    """The structured part of a plan; a PUT replaces all of it."""

    priority_services: Annotated[list[ServiceLine], Meta(max_length=MAX_SERVICES)] = []
    channels: Annotated[list[Channel], Meta(max_length=len(CHANNELS))] = []
    target_date: datetime.date | None = None
    summary: Summary = ""


class Document(Struct, kw_only=True):
    version: int
    filename: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime.datetime
    #: The participant's or organiser's name; ``None`` once their registration or account is erased.
    uploaded_by: str | None
    download_url: str


class Comment(Struct, kw_only=True):
    id: int
    kind: Literal["comment", "returned", "reviewed"]
    body: str
    created_at: datetime.datetime
    author: str | None


class Plan(Struct, kw_only=True):
    event_id: int
    country: str
    status: Status
    priority_services: list[str]
    channels: list[str]
    target_date: datetime.date | None
    summary: str
    document: Document | None
    changed_at: datetime.datetime | None
    changed_by: str | None
    last_change: str
    submitted_at: datetime.datetime | None
    reviewed_at: datetime.datetime | None
    comments: list[Comment]
    #: Whether the asking participant may change it now (a draft, or not started).
    editable: bool


class StatusChange(Input):
    """``submitted`` (the country's participants, from draft), ``draft`` (organisers: return a
    submitted or reviewed plan, with a comment saying why) or ``reviewed`` (organisers)."""

    status: Literal["submitted", "draft", "reviewed"]
    comment: Annotated[str, Meta(max_length=2000)] = ""


class CommentCreate(Input):
    body: CommentBody


class CountryPlan(Struct, kw_only=True):
    """One line of the organisers' overview: a country represented by approved participants."""

    country: str
    status: Status
    target_date: datetime.date | None
    changed_at: datetime.datetime | None
    participants: int
    groups: list[str]
    has_document: bool
