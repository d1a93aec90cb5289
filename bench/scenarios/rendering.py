"""Rendering micro-benchmarks: the shared core of letters and badges, measured in-process.

No HTTP here: these time the pure renderers of ``events.rendering`` with ``timeit`` (median of
repeats, CPU time), to show what a badge sheet or a letter costs in CPU before any I/O. They run as a
trial of the harness (``python -m bench --only rendering``) or alone, without servers:

    .venv/bin/python -m bench.scenarios.rendering
"""

from __future__ import annotations

import asyncio
import io
import itertools
import statistics
import time
import timeit
from collections.abc import Callable

from bench.registry import Check, Context, Trial, TrialResult, trials

#: The shape of a badge token: short, ASCII, signed (version 4 at level M).
TOKEN = "OSE1.eyJyIjoiQVpFLTIwMjctMDAxMjMiLCJlIjoxMn0.Q2hhbmdlIG1lIHRvIGEgc2lnbmF0dXJl"
QR_SIDE = 85.0  # 30 mm in points
SCRIPT_NAMES = (
    "Nguyễn Thị Minh Khai",
    "Şəhriyar Məmmədov",
    "Дмитрий Иванов",
    "Гүлнара Өмүрбекова",
    "عبدالله الحداد",
    "فاطمة گلزار پژمان",
    "王伟 (Wang Wei)",
    "陈慧敏",
)


def per_call_ms(function: Callable[[], object], repeat: int = 5, budget_s: float = 0.2) -> float:
    """Median over ``repeat`` runs of the CPU time of one call, in milliseconds.

    CPU time of this process (``time.process_time``) rather than wall time: on a shared machine
    other processes' load barely moves it. Each run makes as many calls as fit in about
    ``budget_s``; the first call (font loading, caches) is not measured.
    """
    function()
    timer = timeit.Timer(function, timer=time.process_time)
    one_call = max(timer.timeit(number=1), 1e-6)
    number = max(1, round(budget_s / one_call))
    times = timer.repeat(number=number, repeat=repeat)
    return statistics.median(times) / number * 1000


_serial = itertools.count()


def fresh_token() -> str:
    """A different token of the same length each call, so no QR comes from qr_matrix's cache."""
    return f"{TOKEN[:-6]}{next(_serial) % 1_000_000:06d}"


def _canvas():
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    return buffer, Canvas(buffer, pagesize=(298, 420), invariant=True)  # A6


def qr_path_page() -> bytes:
    from events.rendering import draw_qr

    buffer, canvas = _canvas()
    draw_qr(canvas, 100, 150, QR_SIDE, fresh_token())
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def qr_widget_page() -> bytes:
    """The same code with reportlab's own barcode widget (one rect per dark module)."""
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    buffer, canvas = _canvas()
    widget = QrCodeWidget(fresh_token(), barLevel="M", barBorder=4)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIDE, QR_SIDE, transform=[QR_SIDE / (right - left), 0, 0, QR_SIDE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 100, 150)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw_qr_only(draw: Callable) -> Callable[[], object]:
    """Drawing alone, on a canvas that is never saved (matrix and path building, no PDF writing)."""

    def run() -> object:
        _buffer, canvas = _canvas()
        return draw(canvas)

    return run


def _path(canvas) -> object:
    from events.rendering import draw_qr

    return draw_qr(canvas, 100, 150, QR_SIDE, fresh_token())


def _draw_cached() -> object:
    """The path alone: the matrix comes from qr_matrix's cache (a badge drawn a second time)."""
    from events.rendering import draw_qr

    _buffer, canvas = _canvas()
    return draw_qr(canvas, 100, 150, QR_SIDE, TOKEN)


def _widget(canvas) -> object:
    from reportlab.graphics import renderPDF
    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    widget = QrCodeWidget(fresh_token(), barLevel="M", barBorder=4)
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIDE, QR_SIDE, transform=[QR_SIDE / (right - left), 0, 0, QR_SIDE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, 100, 150)


def four_script_page() -> bytes:
    """One A4 page: eight names in Latin, Cyrillic, Arabic and Chinese, fitted in bold, then regular."""
    from reportlab.pdfgen.canvas import Canvas

    from events.rendering import draw_text, fit_lines, text

    text.prepare.cache_clear()  # every name new to the process, as on a badge sheet
    text._logical_runs.cache_clear()
    text._layout.cache_clear()
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(595, 842), invariant=True)
    y = 780.0
    for name in SCRIPT_NAMES:
        size, lines = fit_lines(name, 200, 2, 24, 10)
        for line in lines:
            draw_text(canvas, 297, y, line, size, bold=True, align="center")
            y -= size * 1.2
        draw_text(canvas, 60, y, name, 11)
        y -= 30
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def measure(budget_s: float = 0.2, repeat: int = 5) -> tuple[dict[str, float], list[Check]]:
    """Every figure of this module, and sanity checks on what was measured.

    Each figure is the median of ``repeat`` runs of about ``budget_s`` CPU seconds each: ~15 s
    in all by default; the harness's trial runs a shorter version, as it repeats the trial.
    """

    def per_call(function: Callable[[], object]) -> float:
        return per_call_ms(function, repeat=repeat, budget_s=budget_s)

    from events.rendering import qr_matrix, qr_png, qr_svg, register_fonts

    figures: dict[str, float] = {}
    started = time.process_time()
    register_fonts()
    figures["font load ms"] = (time.process_time() - started) * 1000
    figures["qr matrix ms"] = per_call(lambda: qr_matrix(fresh_token()))
    figures["qr path draw ms"] = per_call(_draw_qr_only(_path))
    figures["qr path draw, cached matrix ms"] = per_call(_draw_cached)
    figures["qr widget draw ms"] = per_call(_draw_qr_only(_widget))
    figures["qr path pdf ms"] = per_call(qr_path_page)
    figures["qr widget pdf ms"] = per_call(qr_widget_page)
    figures["qr path pdf bytes"] = len(qr_path_page())
    figures["qr widget pdf bytes"] = len(qr_widget_page())
    figures["qr png ms"] = per_call(lambda: qr_png(fresh_token(), 8))
    figures["qr svg ms"] = per_call(lambda: qr_svg(fresh_token()))
    figures["4-script page ms"] = per_call(four_script_page)
    figures["4-script page bytes"] = len(four_script_page())
    checks = [
        Check(
            "QR as one path draws faster than the widget",
            figures["qr path draw ms"] < figures["qr widget draw ms"],
        ),
        Check(
            "QR as one path makes a smaller PDF",
            figures["qr path pdf bytes"] < figures["qr widget pdf bytes"],
        ),
    ]
    return figures, checks


async def rendering_trial(ctx: Context, repeat: int) -> TrialResult:
    figures, checks = await asyncio.to_thread(measure, 0.05, 3)
    return TrialResult(figures=figures, checks=checks)


@trials
def rendering(ctx: Context) -> list[Trial]:
    return [
        Trial(
            "rendering",
            rendering_trial,
            description="in-process renderers (no HTTP): QR as one path vs reportlab's widget, a 4-script page",
        )
    ]


def main() -> None:
    figures, checks = measure()
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:{width}}  {value:10.3f}" if "bytes" not in name else f"{name:{width}}  {value:10.0f}")
    draw_ratio = figures["qr widget draw ms"] / figures["qr path draw ms"]
    pdf_ratio = figures["qr widget pdf ms"] / figures["qr path pdf ms"]
    print(f"{'widget / path (draw)':{width}}  {draw_ratio:10.2f}x")
    print(f"{'widget / path (page)':{width}}  {pdf_ratio:10.2f}x")
    for check in checks:
        print(f"{'ok' if check.passed else 'FAILED'}: {check.name}")


if __name__ == "__main__":
    main()
