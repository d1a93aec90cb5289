"""The per-thread Flate level of PDF streams (``events.rendering.flate``): a badge run may compress
faster without changing the bytes of a letter written at the same moment in another thread."""

from __future__ import annotations

import io
import threading
import zlib

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas

from events.rendering import register_fonts
from events.rendering.flate import FLATE, flate_level


def _document(text: str) -> bytes:
    register_fonts()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, invariant=True, pageCompression=1)
    canvas.setFont("OSE-Sans", 12)
    for line in range(60):
        canvas.drawString(40, 800 - 12 * line, f"{text} {line} — Ministry of Public Service, Suva")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def test_default_level_is_zlibs_default() -> None:
    data = b"BT /F1 12 Tf (The same bytes as reportlab's stock filter) Tj ET\n" * 50
    assert FLATE.encode(data) == zlib.compress(data)
    assert FLATE.encode(data.decode()) == zlib.compress(data)


def test_a_level_changes_this_threads_documents_and_they_still_read() -> None:
    default = _document("Mere Tuilagi")
    with flate_level(1):
        fast = _document("Mere Tuilagi")
    assert fast != default
    assert _document("Mere Tuilagi") == default  # the level ends with the block
    for pdf in (default, fast):
        assert "Mere Tuilagi 59" in PdfReader(io.BytesIO(pdf)).pages[0].extract_text()


def test_another_threads_level_does_not_change_this_threads_bytes() -> None:
    expected = _document("Letter")
    inside, release = threading.Event(), threading.Event()

    def badge_run() -> None:
        with flate_level(1):
            inside.set()
            release.wait(10)

    other = threading.Thread(target=badge_run)
    other.start()
    try:
        assert inside.wait(10)
        assert _document("Letter") == expected  # written while the other thread is at level 1
    finally:
        release.set()
        other.join()


@pytest.mark.parametrize("level", [0, 10, -1])
def test_levels_outside_zlibs_range_are_refused(level: int) -> None:
    with pytest.raises(ValueError, match="1 to 9"), flate_level(level):
        pass
