"""Country action plans: one plan per event and country, its document versions and the organisers'
comments. One plan per event and country, one document per plan and version (the unique indexes
``action_plan_once`` and ``action_plan_document_once``, migration 2026-12-03T17:20)."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import JSON, Bytea, Date, ForeignKey, Integer, Text, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User
from events.programme.tables import Event
from events.registration.tables import Registration


class PlanStatus(StrEnum):
    #: No row yet: the country has not started its plan.
    none = "none"
    draft = "draft"
    submitted = "submitted"
    reviewed = "reviewed"


class CommentKind(StrEnum):
    comment = "comment"
    #: Written when an organiser returns a plan to draft (the comment says why).
    returned = "returned"
    reviewed = "reviewed"


class ActionPlan(Table, tablename="action_plan"):
    """A country's plan for an event. It belongs to the country, not to a person: the participants who
    wrote it are links (set to null when their registration is deleted), never copies of names."""

    #: The plan is an outcome of the event: it goes with it.
    event = ForeignKey(references=Event, null=False, index=True, on_delete=OnDelete.cascade)
    country = Varchar(length=3, null=False, index=True)
    status = Varchar(length=12, choices=PlanStatus, default=PlanStatus.draft.value, index=True)
    #: Short lines of text, as a JSON list.
    priority_services = JSON(default="[]")
    #: Channel codes (:data:`events.action_plans.schemas.CHANNELS`), as a JSON list.
    channels = JSON(default="[]")
    target_date = Date(null=True, default=None)
    summary = Text(default="")
    #: The newest document's version (0: none yet); an upload takes the next under the plan's lock.
    document_version = Integer(default=0)
    changed_at = Timestamptz(default=TimestamptzNow())
    changed_by_registration = ForeignKey(
        references=Registration, null=True, default=None, on_delete=OnDelete.set_null
    )
    changed_by_user = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    #: What the last change was: "fields", "document", "submitted", "returned", "reviewed".
    last_change = Varchar(length=16, default="")
    submitted_at = Timestamptz(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)


class ActionPlanDocument(Table, tablename="action_plan_document"):
    """One uploaded version of a plan's document, encrypted with the data keys
    (:func:`events.crypto.encrypt_bytes`); ``sha256`` and ``size`` are those of the plaintext."""

    plan = ForeignKey(references=ActionPlan, null=False, index=True, on_delete=OnDelete.cascade)
    version = Integer(null=False)
    content = Bytea(null=False)
    sha256 = Varchar(length=64, null=False)
    size = Integer(null=False)
    content_type = Varchar(length=100, null=False)
    #: The uploader's file name, sanitised, with the extension of what the content is.
    filename = Varchar(length=120, null=False)
    uploaded_at = Timestamptz(default=TimestamptzNow())
    uploaded_by_registration = ForeignKey(
        references=Registration, null=True, default=None, on_delete=OnDelete.set_null
    )
    uploaded_by_user = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)


class ActionPlanComment(Table, tablename="action_plan_comment"):
    """An organiser's comment on a plan, read by the country's participants."""

    plan = ForeignKey(references=ActionPlan, null=False, index=True, on_delete=OnDelete.cascade)
    kind = Varchar(length=12, choices=CommentKind, default=CommentKind.comment.value)
    body = Text(null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    author = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
