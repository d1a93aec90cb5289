"""QR codes as vector paths (PDF), SVG and PNG, from one module matrix.

The matrix comes from the ``qrcode`` library (smallest version that holds the data at the chosen
error-correction level). Every output draws the dark modules as horizontal runs: one rectangle
per run of adjacent dark modules in a row, all in one path. On a PDF canvas that is one
``drawPath``: a one-code page costs 3 to 4.5 times less CPU than with reportlab's
``QrCodeWidget`` (one ``rect`` per module) and is ~10% smaller (``bench/scenarios/rendering.py``);
and because the whole symbol is filled as one path, rasterisers anti-alias its outline only,
without hairline seams between rows.

Every output keeps the quiet zone of 4 modules that the standard asks for (ISO/IEC 18004), light.
The PNG and SVG writers are plain Python (zlib, strings): neither Pillow nor pypng at run time.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from functools import lru_cache
from typing import NamedTuple

import qrcode
import qrcode.constants
from reportlab.lib.colors import Color, black, white
from reportlab.pdfgen.canvas import Canvas

QUIET_ZONE = 4
_ERROR_LEVELS = {
    "L": qrcode.constants.ERROR_CORRECT_L,
    "M": qrcode.constants.ERROR_CORRECT_M,
    "Q": qrcode.constants.ERROR_CORRECT_Q,
    "H": qrcode.constants.ERROR_CORRECT_H,
}


class QrMatrix(NamedTuple):
    """A QR symbol: its version (1–40) and its modules, row by row from the top, True = dark.

    The modules exclude the quiet zone. Unpacks as ``version, modules = qr_matrix(data)``.
    """

    version: int
    modules: tuple[tuple[bool, ...], ...]

    @property
    def size(self) -> int:
        """Modules per side, without the quiet zone (21 for version 1, 4 more per version)."""
        return len(self.modules)


@lru_cache(maxsize=256)
def qr_matrix(data: str, error: str = "M", mask: int | None = None) -> QrMatrix:
    """The QR symbol of ``data`` at error-correction level ``error`` (L, M, Q or H).

    The smallest version that holds the data is chosen, and the encoding modes (numeric,
    alphanumeric, bytes as UTF-8) are mixed to keep it small. This is most of the cost of a QR
    code (about 10 ms for a version 5 token, mostly ``qrcode`` trying its 8 masks), so the last
    256 symbols are cached: a badge's PDF, PNG and SVG encode its token once. A fixed ``mask``
    (0-7) skips the search; printed at a decent size every mask reads well, and it removes
    most of the cost for codes that are drawn once (a letter's verification link).
    """
    try:
        level = _ERROR_LEVELS[error]
    except KeyError:
        raise ValueError(f"error must be one of {', '.join(_ERROR_LEVELS)}, not {error!r}") from None
    if mask is not None and not 0 <= mask <= 7:
        raise ValueError(f"mask must be 0 to 7, not {mask!r}")
    code = qrcode.QRCode(version=None, error_correction=level, border=0, mask_pattern=mask)
    code.add_data(data)
    code.make(fit=True)
    return QrMatrix(code.version, tuple(tuple(bool(module) for module in row) for row in code.modules))


def dark_runs(modules: tuple[tuple[bool, ...], ...]) -> Iterator[tuple[int, int, int]]:
    """``(row, first column, length)`` of every horizontal run of dark modules."""
    for row_number, row in enumerate(modules):
        start = None
        for column, dark in enumerate(row):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                yield row_number, start, column - start
                start = None
        if start is not None:
            yield row_number, start, len(row) - start


def draw_qr(
    canvas: Canvas,
    x: float,
    y: float,
    size: float,
    data: str,
    *,
    error: str = "M",
    color: Color = black,
    background: Color | None = white,
    mask: int | None = None,
) -> float:
    """Draw the QR code of ``data`` in the square of side ``size`` whose lower left is ``(x, y)``.

    The square includes the quiet zone of 4 modules on every side, painted ``background``
    (pass ``None`` on a page already light there). Returns the side of one module, in points,
    so a caller can check it prints large enough (scanners want about 0.3 mm, 0.85 pt, or more).
    """
    matrix = qr_matrix(data, error, mask)
    module = size / (matrix.size + 2 * QUIET_ZONE)
    canvas.saveState()
    if background is not None:
        canvas.setFillColor(background)
        canvas.rect(x, y, size, size, stroke=0, fill=1)
    canvas.setFillColor(color)
    path = canvas.beginPath()
    top = y + size - QUIET_ZONE * module  # rows run top-down, PDF y runs bottom-up
    left = x + QUIET_ZONE * module
    for row, column, length in dark_runs(matrix.modules):
        path.rect(left + column * module, top - (row + 1) * module, length * module, module)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()
    return module


def qr_svg(data: str, *, error: str = "M", size: str | None = None) -> str:
    """A standalone SVG document of the QR code of ``data`` (one path, quiet zone included).

    The view box is in modules; ``size`` (e.g. ``"60mm"``) sets the width and height, else the
    SVG scales to its container (``<img style="width: 100%">`` on a phone).
    """
    matrix = qr_matrix(data, error)
    side = matrix.size + 2 * QUIET_ZONE
    path = "".join(
        f"M{column + QUIET_ZONE} {row + QUIET_ZONE}h{length}v1h-{length}z"
        for row, column, length in dark_runs(matrix.modules)
    )
    dimensions = f' width="{size}" height="{size}"' if size else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {side} {side}"{dimensions} '
        f'shape-rendering="crispEdges">'
        f'<rect width="{side}" height="{side}" fill="#fff"/>'
        f'<path d="{path}" fill="#000"/></svg>'
    )


def qr_png(data: str, scale: int = 8, *, error: str = "M") -> bytes:
    """A PNG (1-bit greyscale) of the QR code of ``data``, ``scale`` pixels per module.

    With the quiet zone: ``(modules + 8) * scale`` pixels a side, e.g. 264 px for a version 3
    code at the default scale, a few hundred bytes.
    """
    if not 1 <= scale <= 100:
        raise ValueError("scale must be between 1 and 100 pixels per module")
    matrix = qr_matrix(data, error)
    side = (matrix.size + 2 * QUIET_ZONE) * scale
    light_row = _png_row([False] * (matrix.size + 2 * QUIET_ZONE), scale)
    rows = [light_row] * (QUIET_ZONE * scale)
    padding = [False] * QUIET_ZONE
    for modules in matrix.modules:
        rows.extend([_png_row([*padding, *modules, *padding], scale)] * scale)
    rows.extend([light_row] * (QUIET_ZONE * scale))
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1 bit, greyscale, no interlace
    return b"".join(
        (
            b"\x89PNG\r\n\x1a\n",
            _png_chunk(b"IHDR", header),
            _png_chunk(b"IDAT", zlib.compress(b"".join(rows), 9)),
            _png_chunk(b"IEND", b""),
        )
    )


def _png_row(modules: list[bool], scale: int) -> bytes:
    """One scan line: filter byte 0, then 1 bit per pixel, 1 = white, padded to a whole byte."""
    bits = "".join(("0" if dark else "1") * scale for dark in modules)
    bits += "1" * (-len(bits) % 8)
    return b"\x00" + int(bits, 2).to_bytes(len(bits) // 8, "big")


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))
