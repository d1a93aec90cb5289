"""Job kinds: the functions that do long work, registered by name.

An area declares its kind next to the service it runs::

    @job_kind("visits.schedule_dry_run")
    async def schedule_dry_run(ctx: JobContext, event_id: int, time_limit_s: float) -> JobResult:
        await ctx.progress(0.1, N_("Building the problem"))
        await ctx.check()                # raises JobCancelled when an organiser cancelled the job
        ...
        return JobResult(data={...}, file=b"...", filename="letters.zip", personal=True)

The function receives the job's ``params`` as keyword arguments and a :class:`JobContext` with the
requesting ``actor`` (so the same rights apply as in the request), ``progress(fraction, message)``
and ``cancelled()`` / ``check()``. It runs in whichever worker claimed the job.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from events.auth.principal import Actor


class JobCancelled(Exception):
    """Raised by :meth:`JobContext.check` when the job was cancelled; the job ends ``cancelled``."""


@dataclass(frozen=True)
class JobResult:
    """What a job hands back: JSON ``data`` and/or a ``file`` kept until the results expire.

    ``personal`` files (letters, badges, imports) are stored encrypted at rest.
    """

    data: Any = None
    file: bytes | None = None
    filename: str = "result"
    content_type: str = "application/octet-stream"
    personal: bool = True


class JobContext(Protocol):
    job_id: int
    actor: Actor

    async def progress(self, fraction: float, message: str = "", **args: Any) -> None:
        """``message`` is a message id marked with ``N_`` (``N_("Badge %(done)s of %(total)s")``),
        ``args`` its values: each reader sees it translated. Reports closer together than
        :data:`events.jobs.runner.PROGRESS_INTERVAL` are kept in memory, not written."""

    async def cancelled(self) -> bool: ...

    async def check(self) -> None: ...


JobFunction = Callable[..., Awaitable[JobResult | Any]]

_KINDS: dict[str, JobFunction] = {}
_LABELS: dict[str, str] = {}


def job_kind(name: str, *, label: str = "") -> Callable[[JobFunction], JobFunction]:
    """Register ``function`` as the job kind ``name`` (unique); ``label`` is how pages name it (a
    message id, marked with ``N_`` where it is written, translated where it is shown)."""

    def register(function: JobFunction) -> JobFunction:
        if _KINDS.get(name, function) is not function:
            raise ValueError(f"job kind {name!r} is registered twice")
        _KINDS[name] = function
        _LABELS[name] = label or name
        return function

    return register


def function_for(name: str) -> JobFunction | None:
    return _KINDS.get(name)


def label_for(name: str) -> str:
    return _LABELS.get(name, name)


def kinds() -> list[str]:
    return sorted(_KINDS)
