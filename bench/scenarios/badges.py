"""Badge rendering, in-process: badges per second on single A6 pages and on 4 x A6 sheets, peak
memory, and the QR encoder before/after (the ``qrcode`` library vs the batch encoder of
``events.badges.qr``). No HTTP, no database: the renderer is pure.

Runs as a trial of the harness (``python -m bench --only badges``) or alone, without servers:

    .venv/bin/python -m bench.scenarios.badges            # 1,000 badges, 5 repeats
    .venv/bin/python -m bench.scenarios.badges --count 3000 --repeat 3

Figures are medians over the repeats. ``badges/s`` is wall-clock throughput of one process
rendering a complete run (chunks of 200 badges into a ZIP, the service's ``printing.zip_pieces``),
fresh tokens each run so no QR symbol comes from a cache; ``cpu ms/badge`` is the CPU time per
badge, and ``badges/cpu-s`` its inverse: what one otherwise idle core renders, steadier than
wall-clock figures on a shared machine. The ``(all cores)`` figures are the same run drawn by the
rendering pool (``events.rendering.pool``, one worker process per CPU: ``processes (all cores)``),
their CPU including the workers'; ``badges/s per core`` divides the rate by the processes. Reference: pretix renders about 200 badges/s single and
90/s on 4 x A6 sheets on this class of machine.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import itertools
import os
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from bench.registry import Check, Context, Trial, TrialResult, trials

PRETIX_SINGLE = 200.0
PRETIX_SHEETS = 90.0
_serial = itertools.count(1)


def _badges(count: int):
    from events.badges import tokens
    from events.badges.render import BadgeData
    from events.demo.people import generate_participants
    from events.reference.services import country_name

    pair = tokens.new_key_pair()
    roles = ("participant", "participant", "participant", "speaker", "organiser", "staff", "press", "guide")
    start = datetime.datetime(2027, 10, 11, tzinfo=datetime.UTC)
    people = generate_participants(count, seed=next(_serial))
    return [
        BadgeData(
            token=tokens.issue_token(
                private_key=pair.private_key,
                key_id=pair.key_id,
                event_id=12,
                badge_id=next(_serial),
                version=1,
                not_before=start,
                not_after=start + datetime.timedelta(days=4),
            ),
            given_names=person["given_names"],
            family_name=person["family_name"],
            latin_name=person["latin_name"] or "",
            preferred_name=person["preferred_name"] or "",
            country_code=person["country_represented"],
            country_name=country_name(person["country_represented"]),
            institution=person["institution"],
            role=roles[index % len(roles)],
        )
        for index, person in enumerate(people)
    ]


def _renderer(sheet: str):
    from events.badges.render import BadgeRenderer, EventInfo

    event = EventInfo(
        title="International Symposium on Omnichannel Public Service Delivery",
        dates="12–14 October 2027",
        place="Baku, Azerbaijan",
    )
    return BadgeRenderer(event, sheet)


def _run_zip(sheet: str, badges, workers: int = 1) -> int:
    """A whole run into a ZIP of 200-badge PDFs, the service's path (``printing.zip_pieces``):
    ``workers`` 1 draws in a thread of this process, more in that many worker processes."""
    from events.badges import printing

    async def run() -> int:
        pieces = printing.zip_pieces(_renderer(sheet), badges, workers=workers)
        return sum([len(piece) async for piece in pieces])

    return asyncio.run(run())


def cpu_seconds() -> float:
    """CPU seconds of this process and of the rendering pool's workers so far. The workers are
    children of the pool's fork server (``events.rendering.pool``), which reaps them: their time is
    in the server's ``cutime``/``cstime`` (Linux ``/proc``) once the pool has shut down."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    total = own.ru_utime + own.ru_stime
    from multiprocessing import forkserver

    pid = getattr(forkserver._forkserver, "_forkserver_pid", None)
    if pid:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return total
        # After the name: state is field 3, so utime..cstime (14-17) are items 11-14 here.
        total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


def _timed(function: Callable[[], object]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of ``function()``: this process's and its rendering workers'."""
    wall, used = time.perf_counter(), cpu_seconds()
    function()
    return time.perf_counter() - wall, cpu_seconds() - used


def _peak_mib(function: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _per_token_ms(function: Callable[[list[str]], object], tokens_list: list[str]) -> float:
    started = time.process_time()
    function(tokens_list)
    return (time.process_time() - started) / len(tokens_list) * 1000


def measure(
    count: int = 1000, repeat: int = 5, qr_samples: int = 200
) -> tuple[dict[str, float], list[Check]]:
    from events.badges import qr
    from events.rendering import draw_qr, qr_matrix, register_fonts
    from events.rendering.pool import available_cpus

    register_fonts()
    processes = available_cpus()
    _run_zip("a6", _badges(20))  # warm up: fonts, caches of the layout
    _run_zip("a6", _badges(400), processes)  # and the pool's fork server (started once per process)
    figures: dict[str, float] = {"processes (all cores)": processes}
    for sheet, label in (("a6", "single A6"), ("4xa6", "4xA6 sheets")):
        for workers, suffix in ((1, ""), (processes, " (all cores)")):
            rates, cpus = [], []
            for _ in range(repeat):
                badges = _badges(count)
                wall, cpu = _timed(
                    lambda badges=badges, sheet=sheet, workers=workers: _run_zip(sheet, badges, workers)
                )
                rates.append(count / wall)
                cpus.append(cpu / count * 1000)
            figures[f"{label} badges/s{suffix}"] = statistics.median(rates)
            figures[f"{label} cpu ms/badge{suffix}"] = statistics.median(cpus)
            figures[f"{label} badges/cpu-s{suffix}"] = 1000 / figures[f"{label} cpu ms/badge{suffix}"]
        figures[f"{label} badges/s per core (all cores)"] = (
            figures[f"{label} badges/s (all cores)"] / processes
        )
    figures["single A6 x pretix"] = figures["single A6 badges/s"] / PRETIX_SINGLE
    figures["4xA6 sheets x pretix"] = figures["4xA6 sheets badges/s"] / PRETIX_SHEETS
    figures["single A6 x pretix (cpu)"] = figures["single A6 badges/cpu-s"] / PRETIX_SINGLE
    figures["4xA6 sheets x pretix (cpu)"] = figures["4xA6 sheets badges/cpu-s"] / PRETIX_SHEETS

    badges = _badges(count)
    figures["peak MiB, zip of 200-badge PDFs"] = _peak_mib(lambda: _run_zip("a6", badges))
    figures["peak MiB, one PDF"] = _peak_mib(lambda: _renderer("a6").render(badges))
    half = badges[: count // 2]
    figures["peak MiB, zip, half the badges"] = _peak_mib(lambda: _run_zip("a6", half))
    figures["peak MiB, zip, parent of the worker processes"] = _peak_mib(
        lambda: _run_zip("a6", _badges(count), processes)
    )

    samples = [badge.token for badge in _badges(qr_samples)]
    figures["qr matrix, qrcode lib ms"] = statistics.median(
        _per_token_ms(lambda ts: [qr_matrix.__wrapped__(t) for t in ts], samples[i::4]) for i in range(4)
    )
    figures["qr matrix, batch encoder ms"] = statistics.median(
        _per_token_ms(qr.encode_batch, [b.token for b in _badges(qr_samples)]) for _ in range(3)
    )
    figures["qr matrix, one at a time ms"] = statistics.median(
        _per_token_ms(lambda ts: [qr.encode(t) for t in ts], samples[i::4]) for i in range(4)
    )
    figures["qr matrix speed-up x"] = (
        figures["qr matrix, qrcode lib ms"] / figures["qr matrix, batch encoder ms"]
    )

    import io

    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(io.BytesIO())
    codes = qr.encode_batch(samples)
    for token in samples:
        qr_matrix(token)  # the matrix cached: this times the drawing alone
    figures["qr draw, rendering.draw_qr ms"] = _per_token_ms(
        lambda ts: [draw_qr(canvas, 10, 10, 100, t) for t in ts], samples
    )
    figures["qr draw, badges.qr.draw_code ms"] = _per_token_ms(
        lambda ts: [qr.draw_code(canvas, 10, 10, 100, code) for code in codes], samples
    )
    checks = [
        Check(
            "zip memory stays flat (half the badges: within 25%)",
            figures["peak MiB, zip of 200-badge PDFs"] < 1.25 * figures["peak MiB, zip, half the badges"],
            f"{figures['peak MiB, zip of 200-badge PDFs']:.1f} vs {figures['peak MiB, zip, half the badges']:.1f} MiB",
        ),
        Check("batch QR encoder faster than qrcode", figures["qr matrix speed-up x"] > 1),
    ]
    return figures, checks


async def badges_trial(ctx: Context, repeat: int) -> TrialResult:
    figures, checks = await asyncio.to_thread(measure, 1000, 1, 100)
    return TrialResult(figures=figures, checks=checks)


@trials
def badges(ctx: Context) -> list[Trial]:
    return [
        Trial(
            "badges",
            badges_trial,
            description="in-process badge PDFs: 1,000 on A6 pages and on 4xA6 sheets, peak memory, QR encoders",
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    arguments = parser.parse_args()
    figures, checks = measure(arguments.count, arguments.repeat)
    width = max(map(len, figures))
    for name, value in figures.items():
        print(f"{name:{width}}  {value:10.3f}")
    for check in checks:
        print(f"{'ok' if check.passed else 'FAILED'}: {check.name} {check.detail}")


if __name__ == "__main__":
    main()
