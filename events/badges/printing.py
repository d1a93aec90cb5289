"""Bulk badge output, for the API, the print job (``events.badges.jobs``) and the CLI.

:func:`select` chooses the badges (:func:`events.badges.services.print_selection`: rights, missing
badges issued, revoked ones skipped); :func:`render_pdf` draws them as one PDF and
:func:`zip_pieces` / :func:`write_zip` as a ZIP of chunk PDFs. :func:`print_pdf` is selection and
PDF together: what the print job and ``events badges print --out FILE.pdf`` run.

One drawing path, :func:`drawn_chunks`: the selection (read, decrypted and issued in this process)
is cut into chunks of whole sheets, and worker processes draw the chunks
(:mod:`events.rendering.pool`: one process per CPU, ``RENDER_PROCESSES`` caps it; they get plain
:class:`~events.badges.render.Chunk` data and never touch the database), while this process takes
the PDFs back in order and writes them out at once: as ZIP entries, or joined page after page into
one PDF (:class:`events.rendering.pdfjoin.PdfJoiner`). ``progress(done, total)`` (a coroutine
function) is awaited after each chunk, so a job reports its progress bar and sees a cancel there
(an exception it raises stops the pool), and the CLI moves its bar.

Chunk sizes: a chunk is one reportlab document, held whole in memory until it is saved, so never
more than ``DEFAULT_CHUNK`` = 200 badges. For one PDF, about four chunks per worker (so the workers
end together and the bar moves); for a ZIP, chunks are the entries, 200 badges each. Peak memory is
that of the few chunks in flight, whatever the count (tracemalloc in ``bench/scenarios/badges.py``).
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, BinaryIO

import anyio.to_thread

from events import clock
from events.api import Input
from events.auth.principal import Actor
from events.badges import services
from events.badges.render import DEFAULT_CHUNK, BadgeData, BadgeRenderer, Chunk, EventInfo, render_chunk
from events.badges.schemas import SheetKind, SortOrder
from events.badges.tables import BadgeRole
from events.letters.archive import ZipStream
from events.registration.tables import RegistrationStatus
from events.rendering import pool
from events.rendering.pdfjoin import PdfJoiner

pool.preload("events.badges.preload")

#: ``await progress(done, total)``: badges drawn so far, and how many there are.
Progress = Callable[[int, int], Awaitable[None]]


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


def _chunk_of(renderer: BadgeRenderer, badges: list[BadgeData]) -> Chunk:
    return Chunk(
        event=renderer.event, sheet=renderer.sheet_name, crop_marks=renderer.crop_marks, badges=badges
    )


async def drawn_chunks(
    renderer: BadgeRenderer,
    badges: Sequence[BadgeData],
    *,
    chunk_size: int | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> AsyncIterator[tuple[int, bytes]]:
    """``(badges in it, PDF)`` of each chunk of ``badges``, in order, drawn in worker processes
    (:mod:`events.rendering.pool`). ``chunk_size`` None: about four chunks per worker, at most
    ``DEFAULT_CHUNK`` badges; always whole sheets. ``progress(done, total)`` is awaited after each
    chunk (an exception it raises, a job's ``JobCancelled``, stops the pool). ``workers`` None:
    the pool's choice (``RENDER_PROCESSES``)."""
    per_page = renderer.sheet.per_page
    total = len(badges)
    if workers is None:
        workers = pool.worker_count(-(-total // per_page) or 1)
    if chunk_size is None:
        size = pool.chunk_size(total, workers, largest=DEFAULT_CHUNK, multiple=per_page)
    else:
        size = max(per_page, -(-chunk_size // per_page) * per_page)
    starts = range(0, max(total, 1), size)
    chunks = (_chunk_of(renderer, list(badges[start : start + size])) for start in starts)
    done = 0
    async with pool.mapped(render_chunk, chunks, workers=min(workers, len(starts))) as pdfs:
        async for pdf in pdfs:
            count = min(size, total - done)
            done += count
            yield count, pdf
            if progress is not None:
                await progress(done, total)


async def render_pdf(
    selection: Selection, progress: Progress | None = None, *, workers: int | None = None
) -> bytes:
    """All the selected badges in one PDF: the chunks drawn in worker processes, their pages
    joined in order (:class:`events.rendering.pdfjoin.PdfJoiner`) as they come back."""
    buffer = io.BytesIO()
    joiner = PdfJoiner(buffer)
    async with contextlib.aclosing(
        drawn_chunks(selection.renderer, selection.badges, progress=progress, workers=workers)
    ) as chunks:
        async for _count, pdf in chunks:
            joiner.add(pdf)
    joiner.close()
    return buffer.getvalue()


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


async def zip_pieces(
    renderer: BadgeRenderer,
    badges: Sequence[BadgeData],
    *,
    prefix: str = "badges",
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    workers: int | None = None,
) -> AsyncIterator[bytes]:
    """The bytes of a ZIP of chunk PDFs of ``chunk_size`` badges (``prefix-001.pdf`` …), each
    entry yielded as soon as its chunk is drawn (stored, not deflated: the PDFs are compressed
    already). The streamed API answer, ``events badges print --out FILE.zip`` and the bench."""
    archive = ZipStream(clock.now().timetuple()[:6])
    number = 0
    async with contextlib.aclosing(
        drawn_chunks(renderer, badges, chunk_size=chunk_size, progress=progress, workers=workers)
    ) as chunks:
        async for _count, pdf in chunks:
            number += 1
            yield archive.add(f"{prefix}-{number:03d}.pdf", pdf)
    yield archive.close()


async def write_zip(
    selection: Selection, target: BinaryIO, *, prefix: str, progress: Progress | None = None
) -> None:
    """The ZIP of :func:`zip_pieces` written to ``target`` as it is drawn."""
    async with contextlib.aclosing(
        zip_pieces(selection.renderer, selection.badges, prefix=prefix, progress=progress)
    ) as pieces:
        async for piece in pieces:
            await anyio.to_thread.run_sync(target.write, piece)
