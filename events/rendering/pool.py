"""Bulk documents drawn on every core: :func:`ordered_map` over a pool of worker processes.

Why processes
-------------
Drawing a badge sheet or a letter is Python code from end to end (reportlab's canvas, the text
layout around HarfBuzz, pyHanko's CMS): it holds the GIL, so threads draw one document at a time
whatever the number of cores. A bulk run (an event's badge sheets, a print job) is cut into chunks
and the chunks are drawn in worker processes; the parent only assembles what comes back (ZIP
entries, PDF pages: :mod:`events.rendering.pdfjoin`), in order, reports progress and sees a
cancel between chunks.

* **Children never touch the database.** The parent reads and decrypts the rows, and hands each
  child plain data (msgspec structs, pickled) and gets bytes back. The children have no
  connection, so SQLite's single writer and PostgreSQL's pool are not concerned.
* **Start method: forkserver.** The web process and the job worker run threads and hold
  database connections, which a ``fork`` would copy into the child half-way. The fork server is
  a clean process started once per parent (the first bulk run) that imports the rendering modules
  registered with :func:`preload`; each worker is forked from it, so it starts in milliseconds
  with reportlab and the fonts already loaded.
* **How many.** ``RENDER_PROCESSES`` (settings; 0, the default, means one per CPU this process
  may run on), never more than there are chunks. 1 draws in a thread of this process, no pool:
  what a one-core machine, a small run (one chunk) and tests that want no processes get.
* **Memory.** At most ``2 × workers`` chunks are in flight (submitted, or drawn and waiting for
  their turn), so the parent holds a few chunks' bytes whatever the run's size.
* **Cancelling.** When the consumer stops (an organiser cancelled the job: ``JobCancelled``
  raised between chunks, or the task was cancelled), the chunks not started are dropped and the
  pool shut down without waiting; a worker finishes the chunk it is drawing (a fraction of a
  second) and exits.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import itertools
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TypeVar

from events.settings import get_settings

T = TypeVar("T")
R = TypeVar("R")

_preload: set[str] = {"events.rendering"}
_context_lock = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None


def preload(*modules: str) -> None:
    """Modules the fork server imports before it forks workers (call at import time of the area
    that submits work: the worker functions' modules)."""
    _preload.update(modules)


def _mp_context() -> multiprocessing.context.BaseContext:
    global _context
    with _context_lock:
        if _context is None:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(sorted(_preload))
            _context = context
    return _context


def available_cpus() -> int:
    """The CPUs this process may run on (its affinity), not the machine's count."""
    counter = getattr(os, "process_cpu_count", None)  # Python 3.13+
    if counter is not None:
        return counter() or 1
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def worker_count(chunks: int) -> int:
    """How many processes draw ``chunks`` chunks (see the module: ``RENDER_PROCESSES``)."""
    configured = get_settings().render_processes
    wanted = configured if configured > 0 else available_cpus()
    return max(1, min(wanted, chunks))


def chunk_size(total: int, workers: int, *, largest: int, multiple: int = 1) -> int:
    """Items per chunk: about four chunks per worker (so the workers finish together and the
    progress bar moves), never more than ``largest`` (a chunk is one reportlab document, held
    whole in memory until saved), a multiple of ``multiple`` (whole sheets)."""
    size = -(-total // max(1, workers * 4))
    size = min(max(size, 1), largest)
    return max(multiple, -(-size // multiple) * multiple)


def _executor(workers: int) -> concurrent.futures.Executor:
    if workers <= 1:
        return concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="render")
    return concurrent.futures.ProcessPoolExecutor(workers, mp_context=_mp_context())


async def ordered_map(function: Callable[[T], R], items: Iterable[T], *, workers: int) -> AsyncIterator[R]:
    """``function(item)`` for each item, drawn by ``workers`` processes (1: a thread), yielded in
    the order of ``items``. ``function`` and the items must pickle (a module-level function,
    plain data). Use it inside ``contextlib.aclosing`` so that stopping early stops the pool."""
    loop = asyncio.get_running_loop()
    executor = _executor(workers)
    pending: deque[asyncio.Future[R]] = deque()
    source = iter(items)
    finished = False
    try:
        for item in itertools.islice(source, 2 * workers):
            pending.append(loop.run_in_executor(executor, function, item))
        while pending:
            result = await pending.popleft()
            for item in itertools.islice(source, 1):
                pending.append(loop.run_in_executor(executor, function, item))
            yield result
        finished = True
        await asyncio.to_thread(executor.shutdown, True)  # the workers exit and are reaped
    finally:
        if not finished:
            for future in pending:
                future.cancel()
            executor.shutdown(wait=False, cancel_futures=True)


@contextlib.asynccontextmanager
async def mapped(
    function: Callable[[T], R], items: Iterable[T], *, workers: int
) -> AsyncIterator[AsyncIterator[R]]:
    """``async with mapped(f, items, workers=n) as results: async for r in results: …``"""
    async with contextlib.aclosing(ordered_map(function, items, workers=workers)) as results:
        yield results
