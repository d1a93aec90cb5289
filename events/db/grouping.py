"""Concurrent writes handed to one writer task, so that they share a transaction.

A commit waits for the write-ahead log to reach the disk, and on SQLite writers queue on one lock:
either way a hot path that commits once per request is bounded by commits, not by CPU. A
:class:`WriteGroups` takes the items that requests hand it, and one task per key and event loop
writes what has gathered (at most ``limit`` at a time) through the ``write`` function it was given.
``write`` answers with one result per item, in order: a value, or an exception that stands for the
item that could not be written. Each caller gets its own result back (or its exception raised).

Alone, an item is a group of one; under load the writer takes everything that arrived while the
previous group was being written. Used by registration submissions (keyed by event) and by online
scans (one key).
"""

from __future__ import annotations

import asyncio
import contextvars
import weakref
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")


class _Writers(Generic[Item]):
    """One event loop's pending items and writer tasks, by key."""

    def __init__(self) -> None:
        self.pending: dict[Hashable, list[tuple[Item, asyncio.Future]]] = {}
        self.tasks: dict[Hashable, asyncio.Task] = {}


class WriteGroups(Generic[Item, Result]):
    def __init__(
        self,
        write: Callable[[list[Item]], Awaitable[Sequence[Result | BaseException]]],
        limit: int,
    ) -> None:
        self.write = write
        self.limit = limit
        self._by_loop: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Writers[Item]] = (
            weakref.WeakKeyDictionary()
        )

    def _writers(self) -> _Writers[Item]:
        loop = asyncio.get_running_loop()
        writers = self._by_loop.get(loop)
        if writers is None:
            writers = self._by_loop[loop] = _Writers()
        return writers

    async def submit(self, item: Item, key: Hashable = None) -> Result:
        """Hand ``item`` to the writer of ``key`` and wait for its result."""
        loop = asyncio.get_running_loop()
        writers = self._writers()
        future: asyncio.Future = loop.create_future()
        writers.pending.setdefault(key, []).append((item, future))
        if key not in writers.tasks:
            # A fresh context: the writer must not inherit a caller's open transaction.
            writers.tasks[key] = loop.create_task(self._drain(writers, key), context=contextvars.Context())
        return await future

    def idle(self) -> bool:
        """Nothing pending and no writer running in this event loop."""
        writers = self._writers()
        return not writers.pending and not writers.tasks

    async def _drain(self, writers: _Writers[Item], key: Hashable) -> None:
        group: list[tuple[Item, asyncio.Future]] = []
        try:
            while writers.pending.get(key):
                # One turn of the loop first: requests already read and checked join this group
                # instead of waiting for the next transaction (a group's cost is mostly per group).
                await asyncio.sleep(0)
                waiting = writers.pending[key]
                group, writers.pending[key] = waiting[: self.limit], waiting[self.limit :]
                try:
                    results = await self.write([item for item, _ in group])
                except Exception as error:  # a writer that should have answered per item
                    results = [error] * len(group)
                for (_, future), result in zip(group, results, strict=True):
                    if future.done():  # its caller was cancelled
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            writers.tasks.pop(key, None)
            # Only when the writer was cancelled (its loop closing): no caller waits forever.
            for _, future in group + writers.pending.pop(key, []):
                if not future.done():
                    future.cancel()
