"""``python -m bench``: start the service and the floor app, run the scenarios, print the table."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import functools
import json
import os
import shutil
import signal
import sys
import time
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path

from bench import registry, targets, wrk
from bench.floor_app import FLOOR_PATH
from bench.loadgen import run_load
from bench.registry import (
    FLOOR,
    FLOOR_WORKERS,
    SERVICE,
    WORKERS,
    Check,
    Context,
    Scenario,
    Trial,
    TrialResult,
)
from bench.report import (
    Summary,
    TrialSummary,
    floor_summaries,
    format_figure,
    format_table,
    format_trials,
    results_json,
    wrk_json,
)
from bench.server import (
    SAFE_DATABASE_NAMES,
    BenchError,
    MailWorker,
    Server,
    choose_database,
    make_work_dir,
    postgres_backend_cpu,
    reset_postgres,
    run_setup,
    running,
    server_environment,
    vacuum_postgres,
)

#: The key of the mail worker in the servers (``--mail-worker separate``); no scenario targets it.
MAIL = "mail worker"

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
Trials (e.g. "registration race") run once per repeat with their own shape and get a table of
their own; --concurrency, --requests, --duration and --warmup do not apply to them.
"""

EXAMPLES = """\
examples:
  .venv/bin/python -m bench
  .venv/bin/python -m bench --concurrency 1,8,32 --repeat 5 --json /tmp/bench.json
  .venv/bin/python -m bench --only health,public-list
  .venv/bin/python -m bench --only registration,registration-race --repeat 5
  .venv/bin/python -m bench --issue-17 --repeat 3
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
        help="run only these scenarios or trials (repeatable; '-' or '_' may stand for spaces, e.g. "
        "public-list); the floor is still measured for the ratio unless --no-floor or only trials are chosen",
    )
    parser.add_argument(
        "--issue-17",
        dest="issue_17",
        action="store_true",
        help="run exactly the scenarios and trials of issue 17's targets (with the floors), as with "
        "--only naming them; with --repeat 3 this is the issue's measurement",
    )
    parser.add_argument("--no-floor", action="store_true", help="do not start or measure the floor app")
    parser.add_argument(
        "--list", action="store_true", help="list the scenarios and trials and exit (starts nothing)"
    )
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
    parser.add_argument(
        "--no-wrk",
        action="store_true",
        help="do not also run the scenarios with wrk (by default they are, when wrk is installed)",
    )
    parser.add_argument(
        "--mail-worker",
        choices=("web", "separate"),
        default=None,
        help="who delivers the e-mails the writes queue: 'web', the outbox sender inside the service "
        "process (the default, as `make run`); 'separate', an `events worker` process beside it, the "
        "service with OUTBOX_WORKER=off (production's set-up, and the default with --issue-17, whose "
        "item 1 takes e-mail out of the request; srv µs/req then leaves mail out)",
    )
    parser.add_argument(
        "--workers",
        type=_positive_int,
        default=1,
        metavar="N",
        help="also start the service with N uvicorn worker processes (same database) and run every chosen "
        "service scenario against it with wrk, as '<scenario> (N workers)'; with 2, the targets compare "
        "the checkin scan's two workers with one (needs wrk)",
    )
    parser.add_argument(
        "--wrk-duration",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds of each wrk run (default: 5)",
    )
    args = parser.parse_args(argv)
    if args.duration <= 0:
        parser.error("--duration must be positive")
    if args.warmup < 0:
        parser.error("--warmup must not be negative")
    args.only = [
        registry.normalise_name(name) for item in args.only for name in item.split(",") if name.strip()
    ]
    #: Names asked for by --issue-17: one whose module is absent is left out with a note, not an error.
    args.optional = []
    if args.mail_worker is None:
        args.mail_worker = "separate" if args.issue_17 else "web"
    if args.issue_17:
        args.optional = [
            name for name in map(registry.normalise_name, targets.issue_17_names()) if name not in args.only
        ]
        args.only = [*args.only, *args.optional]
    return args


# --- running ----------------------------------------------------------------------------------


def select(
    scenarios: list[Scenario],
    trials: list[Trial],
    only: list[str],
    no_floor: bool,
    optional: Collection[str] = (),
) -> tuple[list[Scenario], list[Trial]]:
    """The scenarios and trials to run. The floor comes along unless --no-floor, or unless no other
    scenario was chosen (trials alone need no ratio). Unknown names in ``only`` are an error, except
    those also in ``optional`` (--issue-17's), which are left out."""
    names = [scenario.name for scenario in scenarios] + [trial.name for trial in trials]
    known = {registry.normalise_name(name) for name in names}
    unknown = [name for name in only if name not in known and name not in optional]
    if unknown:
        raise BenchError(f"unknown scenario(s) {', '.join(unknown)}; known: {', '.join(names)}")

    def wanted(name: str) -> bool:
        return not only or registry.normalise_name(name) in only

    chosen = [s for s in scenarios if s.target != FLOOR and wanted(s.name)]
    if chosen and not no_floor:
        chosen = [s for s in scenarios if s.target == FLOOR] + chosen
    return chosen, [trial for trial in trials if wanted(trial.name)]


def placeholder_scenarios() -> tuple[list[Scenario], list[Trial], list[str]]:
    """The scenarios and trials built against a placeholder context (for --list, and checking
    --only early), and the builders that could not build without a server and seeded data."""
    registry.load_modules()
    ctx = Context(
        base_url="http://service", floor_url="http://floor", token="ose_TOKEN", database="-", placeholder=True
    )
    skipped: list[str] = []
    scenarios, trials = registry.build_all(ctx, skipped=skipped)
    return scenarios, trials, skipped


def list_scenarios() -> int:
    scenarios, trials, skipped = placeholder_scenarios()
    for builder in skipped:
        print(f"(not listed: {builder} needs seeded data)")
    for scenario in scenarios:
        path = scenario.path if isinstance(scenario.path, str) else "(per request)"
        print(f"{scenario.name:24} {scenario.method:6} {path:28} {scenario.description}")
    for trial in trials:
        print(f"{trial.name:24} {'trial':6} {'(its own client)':28} {trial.description}")
    return 0


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


async def wait_until_quiet(
    server: Server, *others: Server | None, busy: float = 0.1, window: float = 0.3, limit: float = 60.0
) -> None:
    """Wait until the server (then each of ``others``, e.g. the mail worker) uses under ``busy`` of a
    core over ``window`` seconds (at most ``limit``).

    After a write scenario or a trial, the service still has work queued in the background (the
    outbox worker sending the e-mails the registrations queued); without this, that work would
    land on the next run's figures.
    """
    for other in others:
        if other is not None:
            await wait_until_quiet(other, busy=busy, window=window, limit=limit)
    if server.cpu_seconds() is None:
        return
    started = time.monotonic()
    while time.monotonic() - started < limit:
        before = server.cpu_seconds()
        await asyncio.sleep(window)
        after = server.cpu_seconds()
        if before is None or after is None or (after - before) / window < busy:
            waited = time.monotonic() - started
            if waited > 1:
                progress(f"    (waited {waited:.1f} s for the {server.label} server to go quiet)")
            return
    progress(f"note: the {server.label} server was still busy {limit:g} s after the last run")


async def settle_after_writes(server: Server, mail: Server | None, vacuum_url: str | None) -> None:
    """Wait until the servers are quiet (the e-mails sent), then vacuum the PostgreSQL database at
    ``vacuum_url`` (``None`` on SQLite; see :func:`bench.server.vacuum_postgres`)."""
    await wait_until_quiet(server, mail)
    if vacuum_url is not None:
        await vacuum_postgres(vacuum_url)


def on_workers(chosen: list[Scenario], workers: int) -> list[Scenario]:
    """The chosen service scenarios again, against the service started with ``workers`` processes
    (wrk only), and the update floor against the floor app started so: how much a second process
    gains for the smallest write on this machine, beside which the service's scaling is read."""
    if workers < 2:
        return []
    again = {SERVICE: WORKERS, FLOOR: FLOOR_WORKERS}
    return [
        dataclasses.replace(
            scenario, name=targets.with_workers(scenario.name, workers), target=again[scenario.target]
        )
        for scenario in chosen
        if scenario.target == SERVICE or scenario.name == targets.UPDATE_FLOOR_NAME
    ]


async def measure(
    args: argparse.Namespace,
    chosen: list[Scenario],
    trials: list[Trial],
    servers: dict[str, Server],
    ctx: Context,
    multi: list[Scenario] = (),  # type: ignore[assignment]
    vacuum_url: str | None = None,
) -> tuple[list[Summary], list[TrialSummary], list[wrk.WrkSummary]]:
    """Every chosen scenario and trial, ``args.repeat`` times, interleaved; after each write run the
    servers settle and PostgreSQL (``vacuum_url``) is vacuumed."""

    async def settle(server: Server) -> None:
        await settle_after_writes(server, servers.get(MAIL), vacuum_url)

    summaries = [
        Summary(scenario, concurrency, []) for concurrency in args.concurrency for scenario in chosen
    ]
    trial_summaries = [TrialSummary(trial, []) for trial in trials]
    use_wrk = not args.no_wrk and wrk.available() is not None
    if not args.no_wrk and not use_wrk:
        progress("wrk is not installed: throughput from the Python load generator only (apt-get install wrk)")
    wrk_summaries = [wrk.WrkSummary(s.scenario, s.concurrency, []) for s in summaries] if use_wrk else []
    if use_wrk:  # with --workers N: each scenario on one worker, then on N, in every repeat
        wrk_summaries += [
            wrk.WrkSummary(scenario, concurrency, [])
            for concurrency in args.concurrency
            for scenario in multi
        ]
    total = (len(summaries) + len(trial_summaries)) * args.repeat
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
            if summary.scenario.method not in {"GET", "HEAD"}:
                await settle(server)
        for wrk_summary in wrk_summaries:
            await _run_wrk(args, wrk_summary, servers, repeat, settle)
        for trial_summary in trial_summaries:
            try:
                outcome = await trial_summary.trial.run(ctx, repeat)
            except Exception as exc:  # one broken run is a failed run, not a lost benchmark
                problem = f"{type(exc).__name__}: {exc}"
                outcome = TrialResult(
                    figures={},
                    errors=1,
                    error_sample=problem,
                    checks=[Check("the run completed", False, problem)],
                )
            trial_summary.runs.append(outcome)
            done += 1
            figures = ", ".join(f"{name} {format_figure(value)}" for name, value in outcome.figures.items())
            failed = [check.name for check in outcome.checks if not check.passed]
            flag = f"  {outcome.errors} ERRORS, e.g. {outcome.error_sample!r}" if outcome.errors else ""
            flag += f"  FAILED: {'; '.join(failed)}" if failed else ""
            progress(
                f"[{done}/{total}] run {repeat + 1}/{args.repeat} {trial_summary.trial.name}: {figures}{flag}"
            )
            await settle(servers["service"])
    return summaries, trial_summaries, wrk_summaries


async def _run_wrk(
    args: argparse.Namespace,
    summary: wrk.WrkSummary,
    servers: dict[str, Server],
    repeat: int,
    settle: Callable[[Server], Awaitable[None]],
) -> None:
    """One wrk run of a scenario; a failure is reported and counted as an error, the rest goes on."""
    server = servers[summary.scenario.target]
    name = f"run {repeat + 1}/{args.repeat} wrk {summary.scenario.name} c={summary.concurrency}"
    try:
        result = await wrk.run_wrk(
            summary.scenario,
            server.base_url,
            concurrency=summary.concurrency,
            duration=args.wrk_duration,
            server_cpu=server.cpu_seconds,
        )
    except RuntimeError as exc:
        progress(f"    {name}: FAILED: {exc}")
        return
    summary.runs.append(result)
    flag = f"  {result.errors} ERRORS (socket errors, timeouts or non-2xx/3xx)" if result.errors else ""
    progress(f"    {name}: {result.rps:,.0f} req/s, p99 {result.p99_s * 1000:.2f} ms{flag}")
    if summary.scenario.method not in {"GET", "HEAD"}:
        await settle(server)


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
    if args.workers > 1 and (args.no_wrk or wrk.available() is None):
        raise BenchError(
            "--workers needs wrk (apt-get install wrk; without --no-wrk): it measures the workers"
        )
    scenarios, trials, skipped = placeholder_scenarios()
    if not skipped:  # unknown --only names fail before anything starts (else once the data is seeded)
        select(scenarios, trials, args.only, args.no_floor, args.optional)
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

            service_env = env
            if args.mail_worker == "separate":
                service_env = {**env, "OUTBOX_WORKER": "off"}
            service = stack.enter_context(
                running(Server("service", "events.app:create_app", "/health", service_env, work_dir))
            )
            servers = {"service": service}
            if args.mail_worker == "separate":
                servers[MAIL] = stack.enter_context(running(MailWorker(env, work_dir)))
            floor_url = "-"
            if not args.no_floor and needs_floor(args):
                floor = stack.enter_context(
                    running(Server("floor", "bench.floor_app:create_app", FLOOR_PATH, env, work_dir))
                )
                servers[FLOOR] = floor
                floor_url = floor.base_url
            ctx = Context(
                base_url=service.base_url,
                floor_url=floor_url,
                token=setup["token"],
                database=database.kind,
                service_cpu=service.cpu_seconds,
                database_cpu=None
                if database.url is None
                else functools.partial(postgres_backend_cpu, database.url),
            )
            progress("seeding ...")
            registry.run_seeds(ctx)
            built_scenarios, built_trials = registry.build_all(ctx)
            chosen, chosen_trials = select(
                built_scenarios, built_trials, args.only, args.no_floor or floor_url == "-", args.optional
            )
            built = {registry.normalise_name(item.name) for item in [*built_scenarios, *built_trials]}
            missing = [name for name in args.optional if name not in built]
            if missing:
                progress(f"note: --issue-17: not in this checkout, left out: {', '.join(missing)}")
            multi = on_workers(chosen, args.workers)
            # Started after the floor (its table is there) and after the seeds (the same data). The
            # service's workers get the one-worker service's environment: with a separate mail
            # worker, none of them renders e-mails in its own process (else their CPU per request
            # would count the e-mails the one-worker figures leave to the mail worker).
            again = {FLOOR_WORKERS: ("floor", "bench.floor_app:create_app", FLOOR_PATH, env)}
            again[WORKERS] = ("service", "events.app:create_app", "/health", service_env)
            for target, (label, app, ready_path, environment) in again.items():
                if any(scenario.target == target for scenario in multi):
                    progress(f"starting the {label} with {args.workers} workers ...")
                    server = Server(
                        f"{label}-{args.workers}w",
                        app,
                        ready_path,
                        environment,
                        work_dir,
                        workers=args.workers,
                    )
                    servers[target] = stack.enter_context(running(server))
            if not chosen and not chosen_trials:
                raise BenchError("no scenario left to run")
            if chosen:
                progress(
                    f"measuring {len(chosen)} scenario(s) x concurrency {args.concurrency} x {args.repeat} repeat(s): "
                    f"{args.requests} requests or {args.duration:g} s per run, {args.warmup} warm-up requests"
                )
            if chosen_trials:
                progress(
                    f"then, in each repeat, {len(chosen_trials)} trial(s): {', '.join(t.name for t in chosen_trials)}"
                )
            summaries, trial_summaries, wrk_summaries = run_event_loop(
                measure(args, chosen, chosen_trials, servers, ctx, multi, database.url), args.no_uvloop
            )
            for server in servers.values():
                if server.process is not None and server.process.poll() is not None:
                    raise BenchError(f"the {server.label} server died during the run:\n{server.stderr()}")
    finally:
        if args.keep_work_dir:
            progress(f"work dir kept: {work_dir}")
        else:
            shutil.rmtree(work_dir, ignore_errors=True)

    floors, update_floors = floor_summaries(summaries)
    print()
    print(
        f"OneStop Events benchmark: {database.label}, {os.cpu_count()} CPUs, medians of {args.repeat} run(s)"
        + (", e-mail sent by a separate `events worker`" if args.mail_worker == "separate" else "")
    )
    if summaries:
        print(format_table(summaries, floors, update_floors))
    if any(summary.runs for summary in wrk_summaries):
        print()
        print(wrk.format_wrk(wrk_summaries))
    if trial_summaries:
        print()
        print(format_trials(trial_summaries))
    by_loadgen = {(s.scenario.name, s.concurrency): s for s in summaries}
    by_wrk = {(s.scenario.name, s.concurrency): s for s in wrk_summaries if s.runs}
    verdicts = targets.verdicts(by_loadgen, by_wrk, {s.trial.name: s for s in trial_summaries})
    costs = targets.costs(by_loadgen, by_wrk)
    print()
    print(targets.format_targets(verdicts, database.label))
    if costs:
        print()
        print(targets.format_costs(costs))
    if any(summary.errors for summary in summaries) or any(summary.errors for summary in trial_summaries):
        print("\nERRORS: some answers were not the expected status; see the progress lines above or --json.")
    if any(not summary.passed for summary in trial_summaries):
        print("\nFAIL: a trial's checks failed; see its table above.")
    busy = [summary for summary in summaries if summary.client_cpu_share > 0.9]
    if busy:
        names = ", ".join(sorted({f"{s.scenario.name} c={s.concurrency}" for s in busy}))
        print(
            f"\nnote: the load generator used >90% of a core during {names}; those figures may be client-bound."
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    **results_json(args, database.label, summaries, floors, trial_summaries),
                    "wrk": [wrk_json(summary) for summary in wrk_summaries if summary.runs],
                    "targets": [
                        dict(zip(("row", "target", "measured", "verdict", "source"), line, strict=True))
                        for line in verdicts
                    ],
                    "costs": [dataclasses.asdict(line) for line in costs],
                },
                indent=2,
            )
            + "\n"
        )
        print(f"\nJSON written to {args.json}")
    failed = (
        any(summary.errors for summary in summaries)
        or any(not s.passed for s in trial_summaries)
        or any(summary.errors for summary in wrk_summaries)
    )
    return 1 if failed else 0


def needs_floor(args: argparse.Namespace) -> bool:
    """Whether any chosen scenario needs the floor's ratio (judged on the placeholder build)."""
    if not args.only:
        return True
    scenarios, _trials, skipped = placeholder_scenarios()
    if skipped:  # cannot tell before seeding: start it to be safe
        return True
    return any(s.target != FLOOR and registry.normalise_name(s.name) in args.only for s in scenarios)


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
