"""A platypus flowable for a short piece of text in any script, drawn by ``draw_text``.

A Paragraph draws the glyphs ``markup`` gives it at their nominal advances, without mark offsets
and without an ``/ActualText`` span; for a name in a table cell that is worth avoiding (a
Bengali or Tibetan name then reads back split by poppler). ``TextBlock`` wraps the text with
``fit_lines`` (shrink, then wrap) and draws each line with ``draw_text``.
"""

from __future__ import annotations

from reportlab.platypus import Flowable

from events.rendering.fonts import Family
from events.rendering.text import Align, draw_text, fit_lines


class TextBlock(Flowable):
    """``text`` in at most ``max_lines`` lines of the available width, ``size`` shrinking to ``minimum``."""

    def __init__(
        self,
        text: str,
        size: float,
        *,
        leading: float | None = None,
        max_lines: int = 3,
        minimum: float | None = None,
        bold: bool = False,
        align: Align = "left",
        family: Family = "sans",
    ) -> None:
        super().__init__()
        self.text = text
        self.size = size
        self.leading_factor = (leading or size * 1.2) / size
        self.max_lines = max_lines
        self.minimum = minimum if minimum is not None else size * 0.75
        self.bold = bold
        self.align = align
        self.family = family
        self._fitted: tuple[float, list[str]] = (size, [])

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        self.width = available_width
        if not self.text.strip():
            self._fitted = (self.size, [])
            return available_width, 0
        self._fitted = fit_lines(
            self.text,
            available_width,
            self.max_lines,
            self.size,
            self.minimum,
            bold=self.bold,
            family=self.family,
        )
        size, lines = self._fitted
        self.height = len(lines) * size * self.leading_factor
        return available_width, self.height

    def draw(self) -> None:
        size, lines = self._fitted
        leading = size * self.leading_factor
        x = {"left": 0.0, "center": self.width / 2, "right": self.width}[self.align]
        for number, line in enumerate(lines):
            baseline = self.height - (number + 1) * leading + (leading - size) / 2 + size * 0.2
            draw_text(
                self.canv, x, baseline, line, size, bold=self.bold, align=self.align, family=self.family
            )
