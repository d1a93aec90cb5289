"""Who hears about a new job: the in-process runner wakes up, the SAQ backend puts it on its queue.

Backends register a callback here when they start; :func:`events.jobs.services.enqueue` calls
:func:`notify` after its transaction committed. A job whose notification is lost (no backend
running, Redis down) stays ``queued`` in the table and is found by the next runner's poll.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

logger = logging.getLogger("events.jobs")

_LISTENERS: list[Callable[[int], Awaitable[None]]] = []


def listen(callback: Callable[[int], Awaitable[None]]) -> None:
    if callback not in _LISTENERS:
        _LISTENERS.append(callback)


def unlisten(callback: Callable[[int], Awaitable[None]]) -> None:
    if callback in _LISTENERS:
        _LISTENERS.remove(callback)


async def notify(job_id: int) -> None:
    for callback in list(_LISTENERS):
        try:
            await callback(job_id)
        except Exception:  # the row is queued; a poll finds it
            logger.exception("could not hand job %s to a backend; a worker's poll will find it", job_id)
