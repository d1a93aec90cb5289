"""Evaluations in the API: the questionnaire with its questions, answers, results."""

from __future__ import annotations

import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, Meta, Struct, UnsetType

from events.api import Input
from events.evaluations.tables import Phase, QuestionKind

#: ``{language code: text}``; ``en`` is required, the other five fall back to it.
Texts = dict[str, str]
AfterDays = Annotated[int, Meta(ge=0, le=365)]


class QuestionCreate(Input):
    kind: QuestionKind
    text: Texts
    #: Choices of a single or multiple choice question (at least two), each in several languages.
    options: list[Texts] = msgspec.field(default_factory=list)
    #: A rating's ends (1 and 5).
    low_label: Texts = msgspec.field(default_factory=dict)
    high_label: Texts = msgspec.field(default_factory=dict)
    self_assessment: bool = False
    phase: Phase = Phase.after
    required: bool = False


class QuestionUpdate(Input):
    kind: QuestionKind | UnsetType = UNSET
    text: Texts | UnsetType = UNSET
    options: list[Texts] | UnsetType = UNSET
    low_label: Texts | UnsetType = UNSET
    high_label: Texts | UnsetType = UNSET
    self_assessment: bool | UnsetType = UNSET
    phase: Phase | UnsetType = UNSET
    required: bool | UnsetType = UNSET
    #: 1-based place in the questionnaire (the others move up or down).
    position: Annotated[int, Meta(ge=1)] | UnsetType = UNSET


class Question(Struct, kw_only=True):
    id: int
    position: int
    kind: QuestionKind
    text: Texts
    options: list[Texts]
    low_label: Texts
    high_label: Texts
    self_assessment: bool
    phase: Phase
    required: bool

    @property
    def phases(self) -> tuple[str, ...]:
        return (Phase.before.value, Phase.after.value) if self.self_assessment else (self.phase.value,)


class Window(Struct, kw_only=True):
    phase: Phase
    #: ``None`` before: from each participant's approval.
    opens_at: datetime.datetime | None
    closes_at: datetime.datetime


class Questionnaire(Struct, kw_only=True):
    id: int
    event_id: int
    anonymous: bool
    before_opens_at: datetime.datetime | None
    before_closes_at: datetime.datetime | None
    after_opens_at: datetime.datetime | None
    after_closes_at: datetime.datetime | None
    after_days: int
    auto_reminders: bool
    #: The windows in force (the defaults where no time is set).
    windows: list[Window]
    questions: list[Question]
    #: Whether anyone answered yet (then it cannot become named).
    answered: bool = False


class QuestionnaireUpdate(Input):
    anonymous: bool | UnsetType = UNSET
    before_opens_at: datetime.datetime | UnsetType | None = UNSET
    before_closes_at: datetime.datetime | UnsetType | None = UNSET
    after_opens_at: datetime.datetime | UnsetType | None = UNSET
    after_closes_at: datetime.datetime | UnsetType | None = UNSET
    after_days: AfterDays | UnsetType = UNSET
    auto_reminders: bool | UnsetType = UNSET


class AnswersCreate(Input):
    """``{question id (as text): value}``: 1–5 for a rating, an option index for a single choice, a
    list of indexes for a multiple choice, a text."""

    answers: dict[str, Any]


class OpenPhase(Struct, kw_only=True):
    event_id: int
    phase: Phase
    closes_at: datetime.datetime
    anonymous: bool
    answered: bool
    #: Texts already in the participant's language.
    questions: list[dict[str, Any]]


class Answered(Struct, kw_only=True):
    phase: Phase
    answered_on: datetime.date


class Count(Struct, kw_only=True):
    value: str
    label: str
    count: int


class QuestionResult(Struct, kw_only=True):
    question_id: int
    text: str
    kind: QuestionKind
    phase: Phase
    respondents: int
    #: False under the threshold: counts, mean and texts are withheld.
    shown: bool
    counts: list[Count] = msgspec.field(default_factory=list)
    mean: float | None = None
    texts: list[str] = msgspec.field(default_factory=list)


class Change(Struct, kw_only=True):
    """A self-assessment item before and after: the groups' means (every answer of each phase)."""

    question_id: int
    text: str
    n_before: int
    n_after: int
    shown: bool
    mean_before: float | None = None
    mean_after: float | None = None
    change: float | None = None
    #: Not anonymous only: the mean of each person's own change, over those who answered both.
    pairs: int | None = None
    paired_change: float | None = None


class Rate(Struct, kw_only=True):
    phase: Phase
    invited: int
    answered: int


class Results(Struct, kw_only=True):
    event_id: int
    anonymous: bool
    minimum: int
    rates: list[Rate]
    questions: list[QuestionResult]
    changes: list[Change]
