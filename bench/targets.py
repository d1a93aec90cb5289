"""The issue's targets (issue 17's table), each beside the value this run measured, with PASS/FAIL.

A scenario's value is its median at concurrency 8 (the issue's setting), from the wrk runs when wrk
ran (its client leaves the server more of the machine), else from the Python load generator; the
``source`` column says which. A trial's value is the median of its figure over the repeats. Targets
whose scenario or trial did not run say ``not run``; targets this harness cannot measure say so.
The verdicts are printed only: the exit status keeps meaning errors and failed checks.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from typing import Protocol

CONCURRENCY = 8


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
    Target("badge scan", "two workers >= 1.7x one", "none", "", ""),
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
    if target.source == "trial":
        summary = trials.get(target.name)
        if summary is None:
            return None, ""
        if target.figure == "checks":
            return summary.passed, f"{len(summary.runs)} run(s)"
        values = [run.figures[target.figure] for run in summary.runs if target.figure in run.figures]
        return (statistics.median(values) if values else None), f"median of {len(values)}"
    return None, ""


def verdicts(
    loadgen: dict[tuple[str, int], _Summary], wrk: dict[tuple[str, int], _Summary], trials: dict[str, object]
) -> list[tuple[str, str, str, str, str]]:
    """(row, target, measured, verdict, source) for every target."""
    lines = []
    for target in TARGETS:
        value, source = _value(target, loadgen, wrk, trials)
        if target.source == "none":
            lines.append((target.row, target.what, "-", "not measured", "one worker only"))
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
