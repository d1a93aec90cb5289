"""Certificates over the API: the rule, a participant's standing, the eligibility list."""

from __future__ import annotations

import datetime
from typing import Annotated

import msgspec
from msgspec import Meta, Struct

from events.api import Input


class CertificateRule(Struct, kw_only=True):
    event_id: int
    #: At least this share (%) of the counted sessions; ``None``: no share asked.
    min_percent: int | None
    #: Every one of these sessions must be attended (cancelled ones drop out).
    session_ids: list[int]
    #: ``default`` until the organisers save a rule.
    source: str = "saved"
    updated_at: datetime.datetime | None = None


class CertificateRuleUpdate(Input):
    min_percent: Annotated[int, Meta(ge=1, le=100)] | None = 75
    session_ids: Annotated[list[int], Meta(max_length=200)] = msgspec.field(default_factory=list)


class Reason(Struct, kw_only=True):
    """Why someone is not eligible: a code, its values, and the sentence in English."""

    code: str
    message: str
    values: dict[str, str | int] = msgspec.field(default_factory=dict)


class Standing(Struct, kw_only=True):
    registration_id: int
    reference: str
    name: str
    eligible: bool
    attended: int
    counted: int
    percent: int
    reasons: list[Reason] = msgspec.field(default_factory=list)
    #: The valid certificate's letter id and reference, when one is issued.
    certificate_id: int | None = None
    certificate_reference: str | None = None


class CountedSession(Struct, kw_only=True):
    session_id: int
    title: str
    optional: bool
    named: bool
    #: ``counted``, ``cancelled``, ``unmeasured`` (no checkpoint) or ``optional`` (not named).
    status: str


class Eligibility(Struct, kw_only=True):
    event_id: int
    rule: CertificateRule
    sessions: list[CountedSession]
    participants: list[Standing]
    eligible: int
    issued: int
