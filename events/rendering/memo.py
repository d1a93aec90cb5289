"""Caches of text layout that a bulk run can keep out of: :func:`text_cache` and :func:`transient`.

Laying out a string (bidi runs, font fallback, HarfBuzz shaping, its width) is remembered per
string in process-wide caches, which pays off for what repeats: an event's title, role words,
country names, institutions, a letter's fixed wording. A participant's name does not repeat: in a
run of thousands of badges every name added its entries to those caches (thousands of shaped
strings, several MiB) until they were full, so memory grew with the size of the run.

Inside ``with transient():`` (the badge renderer opens one per badge) the functions decorated
with :func:`text_cache` still *read* the process-wide caches, but what they compute goes into a
dictionary of that block (a name is still laid out once when it is measured, fitted and drawn),
dropped when the block ends. A string computed in a block and needed again soon after in another
one (a country, an institution, a common name: its key is among the last ``RECENT`` computed)
goes into the process-wide cache then: what repeats is kept, what does not is forgotten with its
badge. Memory is that of one chunk's document whatever the run's size
(``bench/scenarios/badges.py`` checks it).

The block is per thread and per task (a context variable): other renderers in the process keep
filling the shared caches meanwhile.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

_scope: contextvars.ContextVar[dict | None] = contextvars.ContextVar("transient_text_layouts", default=None)
#: The keys computed lately inside blocks (the oldest dropped first): a key found here is needed
#: a second time, so it repeats. Keys only (the strings), not their layouts: ~50 KiB at most.
RECENT = 512
_recent: dict = {}


class CacheInfo(NamedTuple):
    currsize: int
    maxsize: int


def text_cache(maxsize: int) -> Callable[[F], F]:
    """A cache of ``maxsize`` entries (the oldest dropped first), kept out of inside
    :func:`transient` (see the module). Positional arguments only, hashable."""

    def decorate(function: F) -> F:
        entries: dict = {}

        def keep(key: tuple, value: Any) -> None:
            if len(entries) >= maxsize:
                with contextlib.suppress(StopIteration, KeyError, RuntimeError):  # another thread
                    del entries[next(iter(entries))]
            entries[key] = value

        @functools.wraps(function)
        def lookup(*args: Any) -> Any:
            key = (function, *args)
            try:
                return entries[key]
            except KeyError:
                pass
            memo = _scope.get()
            if memo is None:
                value = function(*args)
                keep(key, value)
                return value
            try:
                return memo[key]
            except KeyError:
                pass
            value = function(*args)
            if key in _recent:  # wanted a second time lately: it repeats, share it
                keep(key, value)
            else:
                memo[key] = value
                _remember(key)
            return value

        lookup.cache_info = lambda: CacheInfo(len(entries), maxsize)  # type: ignore[attr-defined]
        lookup.cache_clear = entries.clear  # type: ignore[attr-defined]
        return lookup  # type: ignore[return-value]

    return decorate


def _remember(key: tuple) -> None:
    if len(_recent) >= RECENT:
        with contextlib.suppress(StopIteration, KeyError, RuntimeError):  # another thread
            del _recent[next(iter(_recent))]
    _recent[key] = None


@contextlib.contextmanager
def transient() -> Iterator[None]:
    """Layouts computed inside are remembered only until the block ends (nested: the outer one's)."""
    if _scope.get() is not None:
        yield
        return
    memo: dict = {}
    token = _scope.set(memo)
    try:
        yield
    finally:
        _scope.reset(token)
