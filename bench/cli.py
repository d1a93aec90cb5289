"""``python -m bench``: start the service and the floor app, run the scenarios, print the table."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime
import json
import math
import os
import platform
import shutil
import signal
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bench import registry
from bench.floor_app import FLOOR_PATH
from bench.loadgen import RunResult, run_load
from bench.registry import FLOOR, Context, Scenario
from bench.server import (
    SAFE_DATABASE_NAMES,
    BenchError,
    Server,
    choose_database,
    make_work_dir,
    reset_postgres,
    run_setup,
    running,
    server_environment,
)

DESCRIPTION = f"""\
Benchmark OneStop Events: start the real service (uvicorn, events.app:create_app --factory, one
worker, on loopback) and a bare Litestar "floor" app served the same way, then measure each
scenario with a raw-asyncio HTTP/1.1 keep-alive load generator.

Database: SQLite in a fresh temporary DATA_DIR by default. If DATABASE_URL is postgresql://...,
that PostgreSQL database is used instead.

  WARNING: with PostgreSQL the harness runs DROP SCHEMA public CASCADE; CREATE SCHEMA public
  in the DATABASE_URL database, i.e. IT WIPES THAT DATABASE. It refuses unless the database is
  called {" or ".join(repr(name) for name in SAFE_DATABASE_NAMES)}, or --i-know-this-wipes-the-database is given.

Figures are medians over --repeat runs; see bench/README.md for what each column means.
"""

EXAMPLES = """\
examples:
  .venv/bin/python -m bench
  .venv/bin/python -m bench --concurrency 1,8,32 --repeat 5 --json /tmp/bench.json
  .venv/bin/python -m bench --only health,public-list
  DATABASE_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python -m bench
"""


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _concurrency_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected numbers separated by commas, got {text!r}") from exc
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(f"expected positive numbers separated by commas, got {text!r}")
    return values


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=DESCRIPTION,
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--concurrency",
        type=_concurrency_list,
        default=[8],
        metavar="N[,N...]",
        help="concurrent keep-alive connections; several levels separated by commas (default: 8)",
    )
    parser.add_argument(
        "--requests",
        type=_positive_int,
        default=2000,
        metavar="N",
        help="measured requests per run, shared by all connections (default: 2000)",
    )
    parser.add_argument(
        "--duration",
        type=float,
        default=10.0,
        metavar="S",
        help="a run stops after S seconds even if --requests is not reached (default: 10)",
    )
    parser.add_argument(
        "--warmup",
        type=int,
        default=200,
        metavar="N",
        help="unmeasured requests before each run, shared by the connections; each sends at least one (default: 200)",
    )
    parser.add_argument(
        "--repeat",
        type=_positive_int,
        default=3,
        metavar="K",
        help="runs per scenario and concurrency; the table shows medians (default: 3)",
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        metavar="NAME[,NAME...]",
        help="run only these scenarios (repeatable; '-' or '_' may stand for spaces, e.g. public-list); "
        "the floor is still measured for the ratio unless --no-floor",
    )
    parser.add_argument("--no-floor", action="store_true", help="do not start or measure the floor app")
    parser.add_argument("--list", action="store_true", help="list the scenarios and exit (starts nothing)")
    parser.add_argument(
        "--json", type=Path, metavar="PATH", help="also write the results, every run included, as JSON"
    )
    parser.add_argument(
        "--i-know-this-wipes-the-database",
        dest="allow_wipe",
        action="store_true",
        help="allow a PostgreSQL DATABASE_URL whose database is not called test or bench (IT IS WIPED)",
    )
    parser.add_argument(
        "--keep-work-dir",
        action="store_true",
        help="keep the temporary DATA_DIR and server logs (path is printed)",
    )
    parser.add_argument(
        "--no-uvloop", action="store_true", help="run the load generator on asyncio's default loop"
    )
    args = parser.parse_args(argv)
    if args.duration <= 0:
        parser.error("--duration must be positive")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    args.only = [
        registry.normalise_name(name) for item in args.only for name in item.split(",") if name.strip()
    ]
    return args


# --- summarising ------------------------------------------------------------------------------


@dataclass
class Summary:
    scenario: Scenario
    concurrency: int
    runs: list[RunResult]

    @property
    def requests(self) -> int:
        return sum(run.requests for run in self.runs)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)

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


def ratio_to_floor(summary: Summary, floors: dict[int, Summary]) -> float | None:
    floor = floors.get(summary.concurrency)
    if floor is None or not floor.rps:
        return None
    return summary.rps / floor.rps


def format_table(summaries: list[Summary], floors: dict[int, Summary]) -> str:
    headers = [
        "scenario",
        "conc",
        "requests",
        "errors",
        "req/s",
        "p50 ms",
        "p99 ms",
        "vs floor",
        "spread",
        "srv µs/req",
    ]
    rows = []
    for summary in summaries:
        ratio = ratio_to_floor(summary, floors)
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


def results_json(args: argparse.Namespace, database_label: str, summaries: list[Summary], floors) -> dict:
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
    }


# --- running ----------------------------------------------------------------------------------


def select(scenarios: list[Scenario], only: list[str], no_floor: bool) -> list[Scenario]:
    known = {registry.normalise_name(scenario.name) for scenario in scenarios}
    unknown = [name for name in only if name not in known]
    if unknown:
        raise BenchError(
            f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(s.name for s in scenarios)}"
        )
    chosen = []
    for scenario in scenarios:
        wanted = not only or registry.normalise_name(scenario.name) in only
        if scenario.target == FLOOR:
            wanted = not no_floor
        if wanted:
            chosen.append(scenario)
    return chosen


def placeholder_scenarios() -> tuple[list[Scenario], list[str]]:
    """The scenarios built against a placeholder context (for --list, and checking --only early),
    and the builders that could not build without a server and seeded data."""
    registry.load_modules()
    ctx = Context(
        base_url="http://service", floor_url="http://floor", token="ose_TOKEN", database="-", placeholder=True
    )
    skipped: list[str] = []
    return registry.build(ctx, skipped=skipped), skipped


def list_scenarios() -> int:
    scenarios, skipped = placeholder_scenarios()
    for builder in skipped:
        print(f"(not listed: {builder} needs seeded data)")
    for scenario in scenarios:
        path = scenario.path if isinstance(scenario.path, str) else "(per request)"
        print(f"{scenario.name:24} {scenario.method:6} {path:28} {scenario.description}")
    return 0


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def measure(
    args: argparse.Namespace, chosen: list[Scenario], servers: dict[str, Server]
) -> list[Summary]:
    summaries = [
        Summary(scenario, concurrency, []) for concurrency in args.concurrency for scenario in chosen
    ]
    total = len(summaries) * args.repeat
    done = 0
    for repeat in range(args.repeat):  # interleaved, so slow drift on a shared machine hits all alike
        for summary in summaries:
            server = servers[summary.scenario.target]
            result = await run_load(
                summary.scenario,
                server.base_url,
                concurrency=summary.concurrency,
                requests=args.requests,
                duration=args.duration,
                warmup=args.warmup,
                server_cpu=server.cpu_seconds,
            )
            summary.runs.append(result)
            done += 1
            flag = f"  {result.errors} ERRORS, e.g. {result.error_sample!r}" if result.errors else ""
            progress(
                f"[{done}/{total}] run {repeat + 1}/{args.repeat} {summary.scenario.name} "
                f"c={summary.concurrency}: {result.rps:,.0f} req/s, p50 {result.percentile(0.5) * 1000:.2f} ms{flag}"
            )
    return summaries


def run_event_loop(coroutine, no_uvloop: bool):
    loop_factory = None
    if not no_uvloop:
        with contextlib.suppress(ImportError):
            import uvloop

            loop_factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(coroutine)


def benchmark(args: argparse.Namespace) -> int:
    database = choose_database(dict(os.environ), allow_wipe=args.allow_wipe)
    scenarios, skipped = placeholder_scenarios()
    if not skipped:  # unknown --only names fail before anything starts (else once the data is seeded)
        select(scenarios, args.only, args.no_floor)
    work_dir = make_work_dir()
    try:
        with contextlib.ExitStack() as stack:
            env = server_environment(work_dir, database)
            if database.url is not None:
                progress(f"resetting PostgreSQL schema public in {database.label} ...")
                reset_postgres(database.url)
            progress(f"setup: migrations, organiser and API token on {database.label} ...")
            started = time.perf_counter()
            setup = run_setup(env, work_dir)
            progress(f"setup done in {time.perf_counter() - started:.1f} s; starting servers ...")

            service = stack.enter_context(
                running(Server("service", "events.app:create_app", "/health", env, work_dir))
            )
            servers = {"service": service}
            floor_url = "-"
            if not args.no_floor:
                floor = stack.enter_context(
                    running(Server("floor", "bench.floor_app:create_app", FLOOR_PATH, env, work_dir))
                )
                servers[FLOOR] = floor
                floor_url = floor.base_url
            ctx = Context(
                base_url=service.base_url, floor_url=floor_url, token=setup["token"], database=database.kind
            )
            progress("seeding ...")
            registry.run_seeds(ctx)
            chosen = select(registry.build(ctx), args.only, args.no_floor)
            if not chosen:
                raise BenchError("no scenario left to run")
            progress(
                f"measuring {len(chosen)} scenario(s) x concurrency {args.concurrency} x {args.repeat} repeat(s): "
                f"{args.requests} requests or {args.duration:g} s per run, {args.warmup} warm-up requests"
            )
            summaries = run_event_loop(measure(args, chosen, servers), args.no_uvloop)
            for server in servers.values():
                if server.process is not None and server.process.poll() is not None:
                    raise BenchError(f"the {server.label} server died during the run:\n{server.stderr()}")
    finally:
        if args.keep_work_dir:
            progress(f"work dir kept: {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    floors = {summary.concurrency: summary for summary in summaries if summary.scenario.target == FLOOR}
    print()
    print(
        f"OneStop Events benchmark: {database.label}, {os.cpu_count()} CPUs, medians of {args.repeat} run(s)"
    )
    print(format_table(summaries, floors))
    if any(summary.errors for summary in summaries):
        print("\nERRORS: some answers were not the expected status; see the progress lines above or --json.")
    busy = [summary for summary in summaries if summary.client_cpu_share > 0.9]
    if busy:
        names = ", ".join(sorted({f"{s.scenario.name} c={s.concurrency}" for s in busy}))
        print(
            f"\nnote: the load generator used >90% of a core during {names}; those figures may be client-bound."
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(results_json(args, database.label, summaries, floors), indent=2) + "\n"
        )
        print(f"\nJSON written to {args.json}")
    return 1 if any(summary.errors for summary in summaries) else 0


def _terminate(signum, _frame):
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list:
        return list_scenarios()
    signal.signal(signal.SIGTERM, _terminate)  # a SIGTERM unwinds like Ctrl-C: servers stopped, temp removed
    try:
        return benchmark(args)
    except BenchError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bench: interrupted; servers stopped", file=sys.stderr)
        return 130
