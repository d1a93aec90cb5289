"""The tables and the JSON of a benchmark run: medians over the repeats, ratios to the floors."""

from __future__ import annotations

import argparse
import datetime
import math
import os
import platform
import statistics
from dataclasses import dataclass

from bench import wrk
from bench.loadgen import RunResult
from bench.registry import FLOOR, RunTotals, Scenario, Trial, TrialResult


@dataclass
class Summary(RunTotals):
    scenario: Scenario
    concurrency: int
    runs: list[RunResult]

    @property
    def rps(self) -> float:
        return statistics.median(run.rps for run in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(run.percentile(0.50) for run in self.runs) * 1000

    @property
    def p99_ms(self) -> float:
        return statistics.median(run.percentile(0.99) for run in self.runs) * 1000

    @property
    def spread(self) -> float:
        """(max - min) / median of the runs' req/s: how much to trust the median on a noisy machine."""
        values = [run.rps for run in self.runs]
        return (max(values) - min(values)) / self.rps if self.rps else math.nan

    @property
    def server_cpu_us(self) -> float | None:
        """Median server-process CPU microseconds per request (Linux only)."""
        values = [
            run.server_cpu / run.requests for run in self.runs if run.server_cpu is not None and run.requests
        ]
        return statistics.median(values) * 1e6 if values else None

    @property
    def client_cpu_share(self) -> float:
        """Median CPU use of the load generator during the runs (1.0 = one core busy)."""
        return statistics.median(run.client_cpu / run.elapsed for run in self.runs if run.elapsed > 0)


@dataclass
class TrialSummary(RunTotals):
    trial: Trial
    runs: list[TrialResult]

    @property
    def passed_runs(self) -> int:
        return sum(run.passed for run in self.runs)

    @property
    def passed(self) -> bool:
        return bool(self.runs) and self.passed_runs == len(self.runs)

    def figures(self) -> dict[str, float]:
        """The median of each figure over the runs that reported it, in first-seen order."""
        names = list(dict.fromkeys(name for run in self.runs for name in run.figures))
        return {
            name: statistics.median(run.figures[name] for run in self.runs if name in run.figures)
            for name in names
        }


def format_figure(value: float) -> str:
    if math.isnan(value):
        return "-"
    if value == int(value) or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.1f}" if abs(value) >= 10 else f"{value:.2f}"


def format_trials(summaries: list[TrialSummary]) -> str:
    """One small table per trial: the median of each figure, and how many runs passed their checks."""
    blocks = []
    for summary in summaries:
        figures = summary.figures()
        headers = ["runs", "requests", "errors", *figures, "checks"]
        verdict = "PASS" if summary.passed else "FAIL"
        cells = [
            str(len(summary.runs)),
            str(summary.requests),
            str(summary.errors),
            *(format_figure(value) for value in figures.values()),
            f"{verdict} ({summary.passed_runs}/{len(summary.runs)} runs)",
        ]
        widths = [max(len(header), len(cell)) for header, cell in zip(headers, cells, strict=True)]
        lines = [
            f"{summary.trial.name}: {summary.trial.description}",
            "  ".join(header.rjust(width) for header, width in zip(headers, widths, strict=True)),
            "  ".join("-" * width for width in widths),
            "  ".join(cell.rjust(width) for cell, width in zip(cells, widths, strict=True)),
        ]
        for number, run in enumerate(summary.runs, start=1):
            for check in run.checks:
                mark = "ok  " if check.passed else "FAIL"
                seen = "" if check.passed or not check.detail else f": {check.detail}"
                lines.append(f"  run {number} {mark} {check.name}{seen}")
            if run.errors and not any(run.error_sample in check.detail for check in run.checks):
                lines.append(f"  run {number} FAIL {run.errors} error(s), e.g. {run.error_sample!r}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def ratio_to_floor(summary: Summary, floors: dict[int, Summary]) -> float | None:
    floor = floors.get(summary.concurrency)
    if floor is None or not floor.rps:
        return None
    return summary.rps / floor.rps


def format_table(
    summaries: list[Summary], floors: dict[int, Summary], update_floors: dict[int, Summary] | None = None
) -> str:
    headers = [
        "scenario",
        "conc",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
        "vs floor",
        "vs upd floor",
        "spread",
        "srv µs/req",
    ]
    rows = []
    for summary in summaries:
        ratio = ratio_to_floor(summary, floors)
        writes = summary.scenario.method not in {"GET", "HEAD"} and summary.scenario.target != FLOOR
        update_ratio = ratio_to_floor(summary, update_floors or {}) if writes else None
        cpu = summary.server_cpu_us
        rows.append(
            [
                summary.scenario.name,
                str(summary.concurrency),
                str(summary.requests),
                str(summary.errors),
                f"{summary.rps:,.0f}",
                f"{summary.p50_ms:.2f}",
                f"{summary.p99_ms:.2f}",
                "-" if ratio is None else f"{ratio:.2f}",
                "-" if update_ratio is None else f"{update_ratio:.2f}",
                f"{summary.spread * 100:.0f}%",
                "-" if cpu is None else f"{cpu:,.0f}",
            ]
        )
    widths = [max(len(headers[i]), *(len(row[i]) for row in rows)) for i in range(len(headers))]

    def line(cells: list[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest])

    out = [line(headers), "  ".join("-" * width for width in widths)]
    out += [line(row) for row in rows]
    return "\n".join(out)


def results_json(
    args: argparse.Namespace,
    database_label: str,
    summaries: list[Summary],
    floors,
    trial_summaries: list[TrialSummary],
) -> dict:
    return {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "database": database_label,
        "machine": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        },
        "settings": {
            "concurrency": args.concurrency,
            "requests": args.requests,
            "duration": args.duration,
            "warmup": args.warmup,
            "repeat": args.repeat,
            "mail_worker": getattr(args, "mail_worker", "web"),
        },
        "results": [
            {
                "scenario": summary.scenario.name,
                "description": summary.scenario.description,
                "method": summary.scenario.method,
                "path": summary.scenario.path if isinstance(summary.scenario.path, str) else "(per request)",
                "concurrency": summary.concurrency,
                "requests": summary.requests,
                "errors": summary.errors,
                "median_rps": round(summary.rps, 1),
                "median_p50_ms": round(summary.p50_ms, 3),
                "median_p99_ms": round(summary.p99_ms, 3),
                "ratio_to_floor": None
                if (ratio := ratio_to_floor(summary, floors)) is None
                else round(ratio, 4),
                "spread": round(summary.spread, 4),
                "server_cpu_us_per_request": None
                if summary.server_cpu_us is None
                else round(summary.server_cpu_us, 1),
                "client_cpu_share": round(summary.client_cpu_share, 3),
                "runs": [
                    {
                        "requests": run.requests,
                        "errors": run.errors,
                        "elapsed_s": round(run.elapsed, 4),
                        "rps": round(run.rps, 1),
                        "p50_ms": round(run.percentile(0.50) * 1000, 3),
                        "p90_ms": round(run.percentile(0.90) * 1000, 3),
                        "p99_ms": round(run.percentile(0.99) * 1000, 3),
                        "max_ms": round(max(run.latencies, default=math.nan) * 1000, 3),
                        "statuses": {str(status): count for status, count in sorted(run.statuses.items())},
                        "reconnects": run.reconnects,
                        "client_cpu_s": round(run.client_cpu, 4),
                        "server_cpu_s": None if run.server_cpu is None else round(run.server_cpu, 4),
                        "error_sample": run.error_sample or None,
                    }
                    for run in summary.runs
                ],
            }
            for summary in summaries
        ],
        "trials": [
            {
                "trial": summary.trial.name,
                "description": summary.trial.description,
                "requests": summary.requests,
                "errors": summary.errors,
                "passed": summary.passed,
                "median": {name: round(value, 3) for name, value in summary.figures().items()},
                "runs": [
                    {
                        "figures": {name: round(value, 3) for name, value in run.figures.items()},
                        "requests": run.requests,
                        "errors": run.errors,
                        "error_sample": run.error_sample or None,
                        "checks": [
                            {"name": check.name, "passed": check.passed, "detail": check.detail}
                            for check in run.checks
                        ],
                        **run.detail,
                    }
                    for run in summary.runs
                ],
            }
            for summary in trial_summaries
        ],
    }


def floor_summaries(summaries: list[Summary]) -> tuple[dict[int, Summary], dict[int, Summary]]:
    """The GET floor and the update floor, by concurrency."""
    floors = [summary for summary in summaries if summary.scenario.target == FLOOR]
    reads = {s.concurrency: s for s in floors if s.scenario.method in {"GET", "HEAD"}}
    writes = {s.concurrency: s for s in floors if s.scenario.method not in {"GET", "HEAD"}}
    return reads, writes


def wrk_json(summary: wrk.WrkSummary) -> dict:
    return {
        "scenario": summary.scenario.name,
        "concurrency": summary.concurrency,
        "requests": summary.requests,
        "errors": summary.errors,
        "median_rps": round(summary.rps, 1),
        "median_p50_ms": round(summary.p50_ms, 3),
        "median_p99_ms": round(summary.p99_ms, 3),
        "server_cpu_us_per_request": None
        if summary.server_cpu_us is None
        else round(summary.server_cpu_us, 1),
        "runs": [
            {
                "requests": run.requests,
                "errors": run.errors,
                "elapsed_s": round(run.elapsed, 4),
                "rps": round(run.rps, 1),
                "p50_ms": round(run.p50_s * 1000, 3),
                "p99_ms": round(run.p99_s * 1000, 3),
                "max_ms": round(run.max_s * 1000, 3),
                "server_cpu_s": None if run.server_cpu is None else round(run.server_cpu, 4),
            }
            for run in summary.runs
        ],
    }
