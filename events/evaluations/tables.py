"""Evaluations: one questionnaire per event, its questions, who answered which phase (receipts) and
the answers (responses).

Anonymity is a property of the schema, not of the code reading it:

* :class:`Receipt` says that a registration answered a phase (one per registration, questionnaire
  and phase: a unique index, so two submissions at once store one answer);
* :class:`Response` holds the answers, with **no registration column**, a random UUID as its key
  (nothing orders it with the receipts) and no time at all;
* :class:`Attribution` links a response to its registration, written only when the questionnaire is
  not anonymous (it is what makes before/after pairs possible). Making a questionnaire anonymous
  deletes its attributions; making it named again is refused once answers exist.

Deleting: everything belongs to its event (cascade). A deleted registration takes its receipt and
attribution with it; its anonymous response stays, as an anonymous answer should.
"""

from __future__ import annotations

import uuid
from enum import StrEnum

from piccolo.columns import JSON, UUID, Boolean, Date, ForeignKey, Integer, Timestamptz, Varchar
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.programme.tables import Event
from events.registration.tables import Registration


class Phase(StrEnum):
    before = "before"
    after = "after"


class QuestionKind(StrEnum):
    #: 1–5 with labelled ends.
    rating = "rating"
    single = "single"
    multiple = "multiple"
    text = "text"


class Questionnaire(Table, tablename="evaluation_questionnaire"):
    """The event's questionnaire and its two phases' windows (``None``: the default window)."""

    event = ForeignKey(references=Event, unique=True, null=False, on_delete=OnDelete.cascade)
    anonymous = Boolean(default=True)
    #: Default: from approval (approved participants only) until the event starts.
    before_opens_at = Timestamptz(null=True, default=None)
    before_closes_at = Timestamptz(null=True, default=None)
    #: Default: from the last session's start until ``after_days`` days after the event.
    after_opens_at = Timestamptz(null=True, default=None)
    after_closes_at = Timestamptz(null=True, default=None)
    after_days = Integer(default=14)
    #: Remind those who have not answered once, a day before a phase closes (the periodic tick).
    auto_reminders = Boolean(default=False)
    #: Claims of the automatic reminder per phase, so several workers send it once.
    before_reminded_at = Timestamptz(null=True, default=None)
    after_reminded_at = Timestamptz(null=True, default=None)
    updated_at = Timestamptz(default=TimestamptzNow())


class Question(Table, tablename="evaluation_question"):
    """One question. Texts are ``{language: text}`` (``en`` required, others fall back to it)."""

    questionnaire = ForeignKey(references=Questionnaire, null=False, index=True, on_delete=OnDelete.cascade)
    position = Integer(null=False)
    kind = Varchar(length=10, choices=QuestionKind, null=False)
    text = JSON(default="{}")
    #: Choices (single, multiple): a list of ``{language: text}``.
    options = JSON(default="[]")
    #: A rating's labelled ends: ``{language: text}`` each.
    low_label = JSON(default="{}")
    high_label = JSON(default="{}")
    #: Asked before and again after the event (ratings only), to measure the change.
    self_assessment = Boolean(default=False)
    #: When the question is not a self-assessment: the one phase it is asked in.
    phase = Varchar(length=6, choices=Phase, default=Phase.after.value)
    required = Boolean(default=False)


class Receipt(Table, tablename="evaluation_receipt"):
    """A registration answered a phase: ``once`` is ``"<questionnaire>:<phase>:<registration>"``,
    unique, so of two submissions at once only one is stored (a column Piccolo can declare, where a
    composite index would need a second migration)."""

    once = Varchar(length=40, unique=True, null=False)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    questionnaire = ForeignKey(references=Questionnaire, null=False, index=True, on_delete=OnDelete.cascade)
    phase = Varchar(length=6, choices=Phase, null=False)
    answered_on = Date(null=False)


class Response(Table, tablename="evaluation_response"):
    """One phase's answers: ``{question id: value}`` (an int 1–5, an option index, a list of them, a
    text). No registration, no time, a random key."""

    id = UUID(primary_key=True, default=uuid.uuid4)
    questionnaire = ForeignKey(references=Questionnaire, null=False, index=True, on_delete=OnDelete.cascade)
    phase = Varchar(length=6, choices=Phase, null=False)
    answers = JSON(default="{}")


class Attribution(Table, tablename="evaluation_attribution"):
    """Whose response it is, for a questionnaire that is not anonymous."""

    response = ForeignKey(references=Response, unique=True, null=False, on_delete=OnDelete.cascade)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)


class Reminder(Table, tablename="evaluation_reminder"):
    """An invitation or reminder e-mailed to a registration for a phase (never twice within 24 h)."""

    questionnaire = ForeignKey(references=Questionnaire, null=False, index=True, on_delete=OnDelete.cascade)
    registration = ForeignKey(references=Registration, null=False, index=True, on_delete=OnDelete.cascade)
    phase = Varchar(length=6, choices=Phase, null=False)
    sent_at = Timestamptz(null=False)
