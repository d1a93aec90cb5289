"""Jobs as the API shows them."""

from __future__ import annotations

import datetime
from typing import Any

import msgspec


class Job(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    event_id: int | None
    requested_by: int | None
    #: queued, running, succeeded, failed or cancelled.
    status: str
    #: 0 to 1.
    progress: float
    #: What the job is doing now (short, for a progress bar's caption), in English.
    message: str
    #: The same as a message id and its values, for a reader in another language.
    message_id: str = ""
    message_args: dict[str, Any] = msgspec.field(default_factory=dict)
    params: dict[str, Any]
    #: The job's JSON answer once it succeeded.
    result: Any = None
    error: str = ""
    #: Where the result file is downloaded (None without a file, or once it expired).
    result_url: str | None = None
    result_name: str | None = None
    result_expires_at: datetime.datetime | None = None
    cancel_requested: bool = False
    attempts: int = 0
    created_at: datetime.datetime
    started_at: datetime.datetime | None = None
    finished_at: datetime.datetime | None = None
