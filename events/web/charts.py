"""Bar charts drawn on the server as inline SVG: no charting bundle, nothing to run in the browser.

Every bar carries its number in text and each series has its own fill *and* pattern plus a text
legend, so nothing is told by colour alone; pages show the same figures in a table as well.
"""

from __future__ import annotations

import itertools
import unicodedata
from collections.abc import Sequence

from markupsafe import Markup, escape

WIDTH = 640
LABEL_WIDTH = 170
VALUE_ROOM = 48
BAR_HEIGHT = 16
GAP = 10
#: (fill, pattern id or None) per series; the second series is hatched.
STYLES = [("#1d70b8", None), ("#505a5f", "hatch")]

_ids = itertools.count(1)


def bar_chart(
    title: str,
    rows: Sequence[tuple[str, Sequence[int | float | None]]],
    series: Sequence[str],
    texts: Sequence[Sequence[str]] | None = None,
) -> Markup:
    """Horizontal grouped bars: ``rows`` are (category label, one value per series). ``texts``
    (per row, per series) replace the numbers written beside the bars: a percentage, or "<5" for
    a suppressed value, whose bar (``None``) is not drawn."""
    chart_id = f"chart-{next(_ids)}"
    top = 28 if len(series) > 1 else 6
    group = BAR_HEIGHT * len(series) + GAP
    height = top + max(len(rows), 1) * group + 4
    scale_to = max([value or 0 for _, values in rows for value in values] + [1])
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="{chart_id}" '
        f'xmlns="http://www.w3.org/2000/svg" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{chart_id}">{escape(title)}</title>',
        f'<defs><pattern id="{chart_id}-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="6" height="6" fill="#505a5f"/>'
        '<line x1="0" y1="0" x2="0" y2="6" stroke="#ffffff" stroke-width="3"/></pattern></defs>',
    ]
    if len(series) > 1:
        x = LABEL_WIDTH
        for index, name in enumerate(series):
            fill = _fill(chart_id, index)
            parts.append(f'<rect x="{x}" y="6" width="14" height="14" fill="{fill}"/>')
            parts.append(f'<text x="{x + 20}" y="18" font-size="13">{escape(name)}</text>')
            x += 30 + 8 * len(name)
    if not rows:
        parts.append(f'<text x="{LABEL_WIDTH}" y="{top + 14}" font-size="13">—</text>')
    for row_index, (label, values) in enumerate(rows):
        y = top + row_index * group
        shown = fitted(label, LABEL_WIDTH - 12)
        # A label too long for its column is shortened (the whole of it in a tooltip, and in the
        # table beside every chart): drawn whole, it would be cut off at the chart's edge.
        whole = f"<title>{escape(label)}</title>" if shown != label else ""
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * len(series) / 2 + 5}" font-size="13" '
            f'text-anchor="end">{whole}{escape(shown)}</text>'
        )
        for index, value in enumerate(values):
            width = round(room * (value or 0) / scale_to, 1)
            text = escape(texts[row_index][index]) if texts else value
            bar_y = y + index * BAR_HEIGHT
            parts.append(
                f'<rect x="{LABEL_WIDTH}" y="{bar_y + 1}" width="{width}" height="{BAR_HEIGHT - 2}" '
                f'fill="{_fill(chart_id, index)}"><title>{escape(series[index])}: {text}</title></rect>'
            )
            parts.append(
                f'<text x="{LABEL_WIDTH + width + 6}" y="{bar_y + BAR_HEIGHT - 4}" font-size="12">{text}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text above is escaped)


def _advance(character: str) -> float:
    """A generous estimate of a character's width at the labels' 13 px: wide (CJK) characters take
    a full em, others at most a bold Latin capital's width; combining marks take none."""
    if unicodedata.combining(character):
        return 0
    return 13 if unicodedata.east_asian_width(character) in "WF" else 8


def fitted(label: str, room: float) -> str:
    """``label``, or its start and "…" when its estimated width exceeds ``room`` (chart units)."""
    if sum(map(_advance, label)) <= room:
        return label
    width, kept = _advance("…"), []
    for character in label:
        width += _advance(character)
        if width > room:
            break
        kept.append(character)
    return "".join(kept).rstrip() + "…"


def _fill(chart_id: str, index: int) -> str:
    colour, pattern = STYLES[index % len(STYLES)]
    return f"url(#{chart_id}-{pattern})" if pattern else colour
