"""The job record organisers see: what was asked, by whom, how far it got, and its result."""

from __future__ import annotations

from enum import StrEnum

from piccolo.columns import (
    JSON,
    Boolean,
    DoublePrecision,
    ForeignKey,
    Integer,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from events.auth.tables import User
from events.programme.tables import Event


class JobStatus(StrEnum):
    queued = "queued"
    running = "running"
    succeeded = "succeeded"
    failed = "failed"
    cancelled = "cancelled"


#: Statuses a job never leaves.
FINISHED = (JobStatus.succeeded.value, JobStatus.failed.value, JobStatus.cancelled.value)


class Job(Table, tablename="job"):
    """One piece of long work (a scheduler run, a ZIP of letters, a badge sheet, an import).

    ``status`` moves queued → running → succeeded | failed | cancelled, each step a conditional
    update, so one worker runs a job once. ``claimed_by`` and ``lease_until`` say which worker
    holds a running job and until when; a lease that runs out (the worker died) puts the job back
    in the queue or fails it (see ``events.jobs.runner.recover``).
    """

    kind = Varchar(length=80, null=False)
    event = ForeignKey(references=Event, null=True, on_delete=OnDelete.cascade)
    requested_by = ForeignKey(references=User, null=True, on_delete=OnDelete.set_null)
    status = Varchar(length=12, default=JobStatus.queued.value, index=True)
    progress = DoublePrecision(default=0.0)
    #: What the job is doing now: a message id (``N_``-marked, English) with ``%(name)s`` places…
    message = Varchar(length=200, default="")
    #: …filled from these values, so each reader sees it in their own language.
    message_args = JSON(default="{}")
    params = JSON(default="{}")
    result = JSON(null=True, default=None)
    error = Text(default="")
    #: The result file's name under ``DATA_DIR/jobs`` ("" when the job made no file).
    result_path = Varchar(length=200, default="")
    result_name = Varchar(length=200, default="")
    result_type = Varchar(length=100, default="")
    result_encrypted = Boolean(default=False)
    result_expires_at = Timestamptz(null=True, default=None)
    attempts = Integer(default=0)
    max_attempts = Integer(default=2)
    claimed_by = Varchar(length=80, default="")
    lease_until = Timestamptz(null=True, default=None)
    cancel_requested = Boolean(default=False)
    created_at = Timestamptz(default=TimestamptzNow())
    started_at = Timestamptz(null=True, default=None)
    finished_at = Timestamptz(null=True, default=None)
