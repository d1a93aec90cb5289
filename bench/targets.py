"""The issue's targets (issue 17's table), each beside the value this run measured, with PASS/FAIL.

A scenario's value is its median at concurrency 8 (the issue's setting), from the wrk runs when wrk
ran (its client leaves the server more of the machine), else from the Python load generator; the
``source`` column says which. A trial's value is the median of its figure over the repeats. Targets
whose scenario or trial did not run say ``not run``. "Two workers against one" is the wrk req/s of
the scenario on the service started with ``--workers 2`` divided by its wrk req/s on one worker, both
measured in the same repeats (without ``--workers 2`` it says ``not measured``); beside it, the same
ratio for the update floor (the floor app started with two workers too), which tells what a second
process can gain at all for the smallest write when the load generator and the database share the
same cores.
The verdicts are printed only: the exit status keeps meaning errors and failed checks.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Protocol

CONCURRENCY = 8
#: The worker count the issue's scaling row compares with one.
SCALING_WORKERS = 2


def with_workers(name: str, workers: int) -> str:
    """The name of a scenario run against the service started with ``workers`` processes."""
    return f"{name} ({workers} workers)"


class _Summary(Protocol):
    @property
    def rps(self) -> float: ...
    @property
    def p99_ms(self) -> float: ...


@dataclass(frozen=True)
class Target:
    row: str  # the issue table's row
    what: str  # the figure and its bound, as printed
    source: str  # "scenario" or "trial"
    name: str  # the scenario's or trial's name
    figure: str  # "req/s", "p99 ms", a trial figure's name, or "checks" (all runs passed)
    bound: float = math.nan
    at_least: bool = True  # True: value >= bound passes; False: value <= bound passes
    unit: str = ""


TARGETS = [
    Target("self-registration", "p99 <= 50 ms", "scenario", "registration", "p99 ms", 50, False, " ms"),
    Target("self-registration", ">= 300 req/s", "scenario", "registration", "req/s", 300, True, " req/s"),
    Target("500-way race", "settles <= 2 s", "trial", "registration race", "settle ms", 2000, False, " ms"),
    Target("500-way race", "exact (50 approved, 450 waitlisted)", "trial", "registration race", "checks"),
    Target("badge scan", ">= 1,150 scans/s", "scenario", "checkin scan", "req/s", 1150, True, " req/s"),
    Target("badge scan", "p99 <= 20 ms", "scenario", "checkin scan", "p99 ms", 20, False, " ms"),
    Target("badge scan", "two workers >= 1.7x one", "workers", "checkin scan", "req/s", 1.7, True, "x"),
    Target(
        "personal calendar feed",
        "p99 <= 10 ms",
        "scenario",
        "calendar personal feed",
        "p99 ms",
        10,
        False,
        " ms",
    ),
    Target(
        "letters",
        ">= 60 unsigned/s per core",
        "trial",
        "letters render",
        "unsigned letters/s",
        60,
        True,
        "/s",
    ),
    Target(
        "letters", ">= 40 signed/s per core", "trial", "letters render", "signed letters/s", 40, True, "/s"
    ),
    Target(
        "badges on 4xA6 sheets",
        ">= 1,500/s (all cores)",
        "trial",
        "badges",
        "4xA6 sheets badges/s (all cores)",
        1500,
        True,
        "/s",
    ),
    Target("badges on 4xA6 sheets", "memory flat", "trial", "badges", "checks"),
]


def _value(
    target: Target,
    loadgen: dict[tuple[str, int], _Summary],
    wrk: dict[tuple[str, int], _Summary],
    trials: dict[str, object],
) -> tuple[float | bool | None, str]:
    if target.source == "scenario":
        key = (target.name, CONCURRENCY)
        for label, found in (("wrk", wrk), ("loadgen", loadgen)):
            summary = found.get(key)
            if summary is not None:
                return (
                    summary.rps if target.figure == "req/s" else summary.p99_ms
                ), f"{label} c={CONCURRENCY}"
        return None, ""
    if target.source == "workers":
        one = wrk.get((target.name, CONCURRENCY))
        many = wrk.get((with_workers(target.name, SCALING_WORKERS), CONCURRENCY))
        if one is None or many is None or not one.rps:
            return None, ""
        source = f"wrk c={CONCURRENCY}: {many.rps:,.0f} / {one.rps:,.0f} req/s"
        floor_one = wrk.get((UPDATE_FLOOR_NAME, CONCURRENCY))
        floor_many = wrk.get((with_workers(UPDATE_FLOOR_NAME, SCALING_WORKERS), CONCURRENCY))
        if floor_one is not None and floor_many is not None and floor_one.rps:
            source += f"; the update floor itself: {floor_many.rps / floor_one.rps:.2f}x"
        return many.rps / one.rps, source
    if target.source == "trial":
        summary = trials.get(target.name)
        if summary is None:
            return None, ""
        if target.figure == "checks":
            return summary.passed, f"{len(summary.runs)} run(s)"
        values = [run.figures[target.figure] for run in summary.runs if target.figure in run.figures]
        if not values:  # it ran, but no run gave the figure (each failed): not "not run"
            return None, f"no figure in {len(summary.runs)} run(s)"
        return statistics.median(values), f"median of {len(values)}"
    return None, ""


def verdicts(
    loadgen: dict[tuple[str, int], _Summary], wrk: dict[tuple[str, int], _Summary], trials: dict[str, object]
) -> list[tuple[str, str, str, str, str]]:
    """(row, target, measured, verdict, source) for every target."""
    lines = []
    for target in TARGETS:
        value, source = _value(target, loadgen, wrk, trials)
        if value is None and target.source == "workers":
            lines.append((target.row, target.what, "-", "not measured", "run with --workers 2 (and wrk)"))
        elif value is None and source:
            lines.append((target.row, target.what, "-", "FAIL", source))
        elif value is None:
            lines.append((target.row, target.what, "-", "not run", ""))
        elif isinstance(value, bool):
            lines.append(
                (
                    target.row,
                    target.what,
                    "checks passed" if value else "checks failed",
                    "PASS" if value else "FAIL",
                    source,
                )
            )
        else:
            passed = value >= target.bound if target.at_least else value <= target.bound
            if target.unit == "x":
                shown = f"{value:.2f}"
            else:
                shown = f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"
            lines.append((target.row, target.what, shown + target.unit, "PASS" if passed else "FAIL", source))
    return lines


def format_targets(lines: list[tuple[str, str, str, str, str]], database: str) -> str:
    headers = ("issue 17 row", "target", "measured", "verdict", "source")
    widths = [max(len(headers[i]), *(len(line[i]) for line in lines)) for i in range(len(headers))]
    out = [f"Targets (issue 17) on {database}:"]
    for cells in (headers, tuple("-" * width for width in widths), *lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip())
    return "\n".join(out)


# --- the issue-17 set, server CPU per request and the ratios to the update floor -----------------

#: The floors every ratio is read against; they run with any scenario (unless --no-floor).
FLOOR_NAME = "floor"
UPDATE_FLOOR_NAME = "floor update"


def issue_17_names() -> list[str]:
    """The scenarios and trials the targets read, in the table's order (``--issue-17`` runs these;
    the floors come along with the scenarios)."""
    return list(dict.fromkeys(target.name for target in TARGETS if target.source != "none" and target.name))


class _Costed(Protocol):
    @property
    def rps(self) -> float: ...
    @property
    def server_cpu_us(self) -> float | None: ...


def cpu_ms(summary: _Costed | None) -> float | None:
    """The median server CPU per request, in milliseconds (None when unknown)."""
    if summary is None or summary.server_cpu_us is None:
        return None
    return summary.server_cpu_us / 1000


def rps_ratio(summary: _Costed | None, floor: _Costed | None) -> float | None:
    """``summary``'s median req/s ÷ the floor's (None when either is missing or the floor is 0)."""
    if summary is None or floor is None or not floor.rps:
        return None
    return summary.rps / floor.rps


def cpu_ratio(summary: _Costed | None, floor: _Costed | None) -> float | None:
    """How many floor requests' worth of server CPU one request costs."""
    mine, base = cpu_ms(summary), cpu_ms(floor)
    if mine is None or not base:
        return None
    return mine / base


@dataclass(frozen=True)
class Cost:
    """One scenario at one concurrency: CPU per request and ratios to the update floor, for the
    Python load generator's runs and wrk's."""

    scenario: str
    concurrency: int
    loadgen_cpu_ms: float | None
    wrk_cpu_ms: float | None
    loadgen_vs_update: float | None
    wrk_vs_update: float | None
    cpu_vs_update: float | None  # wrk's when it ran, else the load generator's


def costs(loadgen: dict[tuple[str, int], _Costed], wrk: dict[tuple[str, int], _Costed]) -> list[Cost]:
    """Every scenario that ran (in either client), in the load generator's order then wrk's."""
    out = []
    for name, concurrency in dict.fromkeys([*loadgen, *wrk]):
        mine_loadgen, mine_wrk = loadgen.get((name, concurrency)), wrk.get((name, concurrency))
        floor_loadgen = loadgen.get((UPDATE_FLOOR_NAME, concurrency))
        floor_wrk = wrk.get((UPDATE_FLOOR_NAME, concurrency))
        cpu = cpu_ratio(mine_wrk, floor_wrk) if mine_wrk is not None else None
        if cpu is None:
            cpu = cpu_ratio(mine_loadgen, floor_loadgen)
        out.append(
            Cost(
                name,
                concurrency,
                cpu_ms(mine_loadgen),
                cpu_ms(mine_wrk),
                rps_ratio(mine_loadgen, floor_loadgen),
                rps_ratio(mine_wrk, floor_wrk),
                cpu,
            )
        )
    return out


def _shown(value: float | None, digits: int = 2) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def format_costs(lines: list[Cost]) -> str:
    """The server's CPU per request (ms) in both clients' runs, and req/s and CPU against the update
    floor (the same stack doing one single-row UPDATE): ``checkin scan`` and ``registration`` read
    against it like for like."""
    headers = (
        "scenario",
        "conc",
        "srv ms/req",
        "wrk srv ms/req",
        "req/s ÷ upd floor",
        "wrk req/s ÷ upd floor",
        "CPU × upd floor",
    )
    rows = [
        (
            line.scenario,
            str(line.concurrency),
            _shown(line.loadgen_cpu_ms, 3),
            _shown(line.wrk_cpu_ms, 3),
            _shown(line.loadgen_vs_update),
            _shown(line.wrk_vs_update),
            _shown(line.cpu_vs_update, 1),
        )
        for line in lines
    ]
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(len(headers))]
    out = ["Server CPU per request and ratios to the update floor (the load generator's runs, then wrk's):"]
    for cells in (headers, tuple("-" * width for width in widths), *rows):
        first, rest = (
            cells[0].ljust(widths[0]),
            [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)],
        )
        out.append("  ".join([first, *rest]))
    ratios = [
        f"{line.scenario} / floor update = {_shown(line.wrk_vs_update if line.wrk_vs_update is not None else line.loadgen_vs_update)}"
        f" ({'wrk' if line.wrk_vs_update is not None else 'loadgen'} c={line.concurrency})"
        for line in lines
        if line.scenario in WRITE_RATIOS
        and (line.wrk_vs_update is not None or line.loadgen_vs_update is not None)
    ]
    if ratios:
        out.append("")
        out.append("Write ratios (req/s): " + "; ".join(ratios))
    return "\n".join(out)


#: The writes of issue 17 whose throughput the issue reads against the update floor.
WRITE_RATIOS = ("checkin scan", "registration")
