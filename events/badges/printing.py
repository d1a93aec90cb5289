"""Bulk badge output: chunks of PDFs in a ZIP written as it goes, for the API and the CLI.

reportlab holds a whole document in memory until it is saved, so a run of thousands of badges is
cut into chunks (``DEFAULT_CHUNK`` = 200 badges, rounded up to whole sheets), one PDF each, each
added to the ZIP (stored, not deflated: the PDFs are compressed already) and handed on before the
next is drawn. Peak memory is then that of one chunk, whatever the count (measured with
tracemalloc in ``bench/scenarios/badges.py``).
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator, Sequence

from events import clock
from events.api import Input
from events.badges.render import DEFAULT_CHUNK, BadgeData, BadgeRenderer
from events.badges.schemas import SheetKind, SortOrder
from events.badges.tables import BadgeRole
from events.registration.tables import RegistrationStatus


class PrintRequest(Input):
    sheet: SheetKind = SheetKind.a6
    crop_marks: bool = False
    status: RegistrationStatus = RegistrationStatus.approved
    role: BadgeRole | None = None
    country: str | None = None
    sort: SortOrder = SortOrder.name


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


def write_pdf(
    renderer: BadgeRenderer,
    badges: Sequence[BadgeData],
    target,
    *,
    progress: Callable[[int], None] | None = None,
) -> None:
    """All badges in one PDF (one document: memory grows with the count; prefer the ZIP for thousands)."""
    target.write(renderer.render(badges, progress))
