"""Flate compression of PDF streams at a level chosen per document, per thread.

reportlab compresses every stream (page contents, embedded font subsets) with ``zlib.compress`` at
zlib's default level 6 through one module-wide filter object, ``pdfdoc.PDFZCompress``, which it
looks up while a document is written. That level costs a quarter of a badge sheet's CPU; level 3
costs about half as much for streams ~18% larger (measured on 4 x A6 sheets: 0.64-0.73 →
0.53 ms a badge, 1.7 → 2.0 kB a badge). Badges are printed on site, where time matters more than
bytes; letters travel to participants on slow links and keep the default.

:data:`FLATE` replaces that object once, for the whole process, with one that compresses at the
level :func:`flate_level` set for the current thread (zlib's default otherwise), so a document's
bytes depend only on the code that draws it, never on another thread's document written at the
same moment.
"""

from __future__ import annotations

import contextlib
import threading
import zlib
from collections.abc import Iterator

from reportlab.pdfbase import pdfdoc

DEFAULT_LEVEL = zlib.Z_DEFAULT_COMPRESSION


class _ThreadLevelFlate(pdfdoc.PDFStreamFilterZCompress):
    """reportlab's FlateDecode filter, at the calling thread's level."""

    def __init__(self) -> None:
        self._local = threading.local()

    @property
    def level(self) -> int:
        return getattr(self._local, "level", DEFAULT_LEVEL)

    def encode(self, text: str | bytes) -> bytes:
        if isinstance(text, str):
            text = text.encode("utf8")
        return zlib.compress(text, self.level)


FLATE = _ThreadLevelFlate()
pdfdoc.PDFZCompress = FLATE


@contextlib.contextmanager
def flate_level(level: int) -> Iterator[None]:
    """Compress the streams of documents written by this thread inside the block at ``level``
    (1 fastest … 9 smallest). The document must be written (``canvas.save()``) inside."""
    if not (1 <= level <= 9):
        raise ValueError(f"zlib levels are 1 to 9, not {level}")
    previous = FLATE.level
    FLATE._local.level = level
    try:
        yield
    finally:
        FLATE._local.level = previous
