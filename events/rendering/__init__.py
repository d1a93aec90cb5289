"""The rendering core shared by letters, badges and manifests: fonts, multi-script text, QR codes.

Pure functions: data in, drawing or bytes out; nothing here knows the database or HTTP.

* ``fonts``: the vendored TrueType fonts, registered once with reportlab under stable names, and
  the decision on which scripts are drawn (read its docstring before printing a name).
* ``text``: bidi and font fallback runs, widths, drawing on a canvas, fitting a name into a box,
  Paragraph markup; ``shaping``: HarfBuzz shaping of a run and the PDF text layer;
  ``flowables``: ``TextBlock``, a name in a table cell drawn by ``draw_text``.
* ``qr``: QR matrices, drawn as one vector path on a canvas, or as SVG or PNG.

Importing this package turns off reportlab's ASCII85 wrapping of compressed streams
(``rl_config.useA85``) for the whole process: without its C accelerator, reportlab encodes ASCII85
in Python, a tenth of a letter's CPU, for streams 25% larger; binary streams are what every PDF
reader expects. Process-wide rather than per document, because reportlab reads the setting while
it writes, so a per-render switch in one thread would change the bytes of a document another
thread is writing (a letter's bytes must be the same for the same data).
"""

from reportlab import rl_config

from events.rendering import flate  # noqa: F401  (installs the per-thread Flate level)
from events.rendering.fonts import (
    ARABIC,
    CJK,
    FAMILIES,
    NASKH,
    SANS,
    SANS_BOLD,
    SERIF,
    SERIF_BOLD,
    Family,
    fallback_chain,
    font_for,
    primary_font,
    register_fonts,
)
from events.rendering.qr import QUIET_ZONE, QrMatrix, draw_qr, qr_matrix, qr_png, qr_svg
from events.rendering.text import (
    REPLACEMENT,
    Align,
    Run,
    draw_text,
    first_renderable,
    fit_font_size,
    fit_lines,
    has_rtl,
    is_renderable,
    markup,
    missing_glyphs,
    prepare,
    runs,
    shape,
    string_width,
    unsupported_scripts,
)

rl_config.useA85 = 0

__all__ = [
    "ARABIC",
    "CJK",
    "FAMILIES",
    "NASKH",
    "QUIET_ZONE",
    "REPLACEMENT",
    "SANS",
    "SANS_BOLD",
    "SERIF",
    "SERIF_BOLD",
    "Align",
    "Family",
    "QrMatrix",
    "Run",
    "draw_qr",
    "draw_text",
    "fallback_chain",
    "first_renderable",
    "fit_font_size",
    "fit_lines",
    "font_for",
    "has_rtl",
    "is_renderable",
    "markup",
    "missing_glyphs",
    "prepare",
    "primary_font",
    "qr_matrix",
    "qr_png",
    "qr_svg",
    "register_fonts",
    "runs",
    "shape",
    "string_width",
    "unsupported_scripts",
]
