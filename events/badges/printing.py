"""Bulk badge output, for the API, the print job (``events.badges.jobs``) and the CLI.

:func:`select` chooses the badges (:func:`events.badges.services.print_selection`: rights, missing
badges issued, revoked ones skipped); :func:`render_pdf` draws them as one PDF and
:func:`write_zip` / :func:`zip_stream` as a ZIP of chunk PDFs. :func:`print_pdf` is selection and
PDF together: what the print job and ``events badges print --out FILE.pdf`` run. Drawing runs in a
worker thread; ``progress(done, total)`` (a coroutine function) is awaited on the event loop every
50 badges, so a job reports its progress bar and sees a cancel there (an exception it raises stops
the drawing), and the CLI moves its bar.

ZIPs: reportlab holds a whole document in memory until it is saved, so a run of thousands of
badges is cut into chunks (``DEFAULT_CHUNK`` = 200 badges, rounded up to whole sheets), one PDF
each, each added to the ZIP (stored, not deflated: the PDFs are compressed already) and handed on
before the next is drawn. Peak memory is then that of one chunk, whatever the count (measured with
tracemalloc in ``bench/scenarios/badges.py``).
"""

from __future__ import annotations

import threading
import zipfile
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO, TypeVar

import anyio.from_thread
import anyio.to_thread

from events import clock
from events.api import Input
from events.auth.principal import Actor
from events.badges import services
from events.badges.render import DEFAULT_CHUNK, BadgeData, BadgeRenderer, EventInfo
from events.badges.schemas import SheetKind, SortOrder
from events.badges.tables import BadgeRole
from events.registration.tables import RegistrationStatus

#: ``await progress(done, total)``: badges drawn so far, and how many there are.
Progress = Callable[[int, int], Awaitable[None]]
T = TypeVar("T")


class PrintRequest(Input):
    sheet: SheetKind = SheetKind.a6
    crop_marks: bool = False
    status: RegistrationStatus = RegistrationStatus.approved
    role: BadgeRole | None = None
    country: str | None = None
    sort: SortOrder = SortOrder.name


@dataclass(frozen=True)
class Selection:
    """The badges to print, in order, with the renderer for the chosen sheet and the summary of
    :func:`events.badges.services.print_selection` (issued, skipped, names printed in Latin)."""

    event: EventInfo
    badges: list[BadgeData]
    summary: dict[str, Any]
    renderer: BadgeRenderer

    @property
    def pages(self) -> int:
        return max(1, -(-len(self.badges) // self.renderer.sheet.per_page))


async def select(actor: Actor, event_id: int, request: PrintRequest, *, issue: bool = True) -> Selection:
    """What ``request`` prints (organisers of the event; missing badges are issued first unless
    ``issue`` is false)."""
    event, badges, summary = await services.print_selection(
        actor,
        event_id,
        status=request.status,
        role=request.role,
        country=request.country,
        sort=request.sort,
        issue=issue,
    )
    renderer = BadgeRenderer(event, request.sheet.value, crop_marks=request.crop_marks)
    return Selection(event=event, badges=badges, summary=summary, renderer=renderer)


class _Stopped(Exception):
    """The caller stopped waiting (a cancelled task): the drawing thread gives up at its next step."""


async def _in_thread(work: Callable[[Callable[[int], None]], T], total: int, progress: Progress | None) -> T:
    """Run ``work(advance)`` in a worker thread; each ``advance(n)`` awaits ``progress`` on the loop.

    An exception ``progress`` raises (a job's ``JobCancelled``) ends the drawing and comes out here.
    When the awaiting task is cancelled (the service stops), the thread is abandoned at once and
    stops at its next step."""
    done = 0
    stop = threading.Event()

    def advance(count: int) -> None:
        nonlocal done
        if stop.is_set():
            raise _Stopped
        done += count
        if progress is not None:
            anyio.from_thread.run(progress, min(done, total), total)

    try:
        return await anyio.to_thread.run_sync(work, advance, abandon_on_cancel=True)
    finally:
        stop.set()


async def render_pdf(selection: Selection, progress: Progress | None = None) -> bytes:
    """All the selected badges in one PDF (one document: memory grows with the count)."""
    return await _in_thread(
        lambda advance: selection.renderer.render(selection.badges, advance), len(selection.badges), progress
    )


async def print_pdf(
    actor: Actor,
    event_id: int,
    request: PrintRequest,
    *,
    progress: Progress | None = None,
    issue: bool = True,
) -> tuple[bytes, Selection]:
    """Choose and draw: the PDF and what was chosen. The print job and the CLI run this."""
    selection = await select(actor, event_id, request, issue=issue)
    if progress is not None:
        await progress(0, len(selection.badges))
    return await render_pdf(selection, progress), selection


async def write_zip(
    selection: Selection, target: BinaryIO, *, prefix: str, progress: Progress | None = None
) -> None:
    """The ZIP of chunk PDFs (:func:`zip_stream`) written to ``target`` as it is drawn."""

    def work(advance: Callable[[int], None]) -> None:
        for piece in zip_stream(selection.renderer, selection.badges, prefix=prefix, progress=advance):
            target.write(piece)

    await _in_thread(work, len(selection.badges), progress)


class _Sink:
    """A write-only stream that hands over what was written since the last ``take``."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []
        self._position = 0

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        self._position += len(data)
        return len(data)

    def tell(self) -> int:
        return self._position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def zip_stream(
    renderer: BadgeRenderer,
    badges: Sequence[BadgeData],
    *,
    prefix: str = "badges",
    chunk_size: int = DEFAULT_CHUNK,
    progress: Callable[[int], None] | None = None,
) -> Iterator[bytes]:
    """The bytes of a ZIP of chunk PDFs (``prefix-001.pdf`` …), yielded chunk by chunk."""
    sink = _Sink()
    stamp = clock.now().timetuple()[:6]
    per_page = renderer.sheet.per_page
    size = max(per_page, -(-chunk_size // per_page) * per_page)
    with zipfile.ZipFile(sink, mode="w", compression=zipfile.ZIP_STORED) as archive:  # type: ignore[arg-type]
        for number, start in enumerate(range(0, max(len(badges), 1), size), start=1):
            chunk = badges[start : start + size]
            info = zipfile.ZipInfo(f"{prefix}-{number:03d}.pdf", date_time=stamp)
            archive.writestr(info, renderer.render(chunk, progress))
            yield sink.take()
    yield sink.take()
