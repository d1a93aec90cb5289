"""The scenario registry: what a scenario is, and how modules under ``bench/scenarios/`` add theirs.

A scenario module registers up to three kinds of functions:

* ``@seed`` functions run once, after the service is up and before any load, to create data
  through the public API (``ctx.call``); they may leave ids in ``ctx.state`` for the scenarios.
* ``@scenarios`` functions receive the :class:`Context` and return (or yield) :class:`Scenario`
  objects, each one request template that the load generator repeats.
* ``@trials`` functions return (or yield) :class:`Trial` objects: measurements that do not fit
  "one request repeated by N connections" (e.g. a burst of 500 simultaneous registrations and a
  check of the outcome). A trial runs its own client code once per repeat and reports named
  figures and pass/fail checks; the harness prints medians in a table of its own.

Every module in ``bench.scenarios`` is imported automatically (``foundation`` first, then the
others in alphabetical order); registration order is the order of the output table.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import urllib.error
import urllib.request
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SERVICE = "service"
FLOOR = "floor"
#: The service started with ``--workers N`` (several uvicorn processes), for the wrk runs only.
WORKERS = "service-workers"
#: The floor app started with ``--workers N``: what the same stack's smallest write gains from a
#: second process on this machine, the ceiling for the service's own scaling.
FLOOR_WORKERS = "floor-workers"

PathSpec = str | Callable[[int], str]
BodySpec = bytes | Callable[[int], bytes] | None


@dataclass(frozen=True)
class Scenario:
    """One request, sent back to back by every connection.

    ``path`` and ``body`` are usually constants; either may instead be a function of the request's
    sequence number (0, 1, 2, ... across all connections of one run, warm-up included) for
    scenarios that need a different URL or a unique body per request (e.g. one registration each).
    ``expected_status`` is the status that counts as success; ``None`` accepts any 2xx.
    ``target`` says which server answers: the service (default) or the bare framework floor.
    """

    name: str
    path: PathSpec
    method: str = "GET"
    headers: Mapping[str, str] = field(default_factory=dict)
    body: BodySpec = None
    expected_status: int | None = 200
    target: str = SERVICE
    description: str = ""

    def is_success(self, status: int) -> bool:
        if self.expected_status is None:
            return 200 <= status < 300
        return status == self.expected_status


@dataclass
class Context:
    """What scenario and seed functions get to know about the running servers."""

    base_url: str  # the service, e.g. http://127.0.0.1:41234
    floor_url: str  # the bare Litestar floor app
    token: str  # an API token of a programme organiser (send it with ``ctx.auth()``)
    database: str  # "sqlite" or "postgresql"
    state: dict[str, Any] = field(default_factory=dict)  # seeds leave ids here for scenarios
    placeholder: bool = False  # True for --list and the early --only check: no server, no seeds ran
    #: The service process's CPU seconds so far (Linux ``/proc``), or None; for trials that report it.
    service_cpu: Callable[[], float | None] | None = field(default=None, repr=False)
    #: CPU seconds of the PostgreSQL backends serving the benchmark database so far, or None (SQLite).
    database_cpu: Callable[[], float | None] | None = field(default=None, repr=False)

    def auth(self, **extra: str) -> dict[str, str]:
        """Headers that authenticate as the benchmark organiser (plus any ``extra`` headers)."""
        return {"Authorization": f"Bearer {self.token}", **extra}

    def call(
        self,
        method: str,
        path: str,
        json_body: Any = None,
        *,
        authenticated: bool = True,
        expect: Iterable[int] = (200, 201, 204),
    ) -> Any:
        """A one-off JSON request to the service for seeding (stdlib, not the load generator).

        Returns the decoded JSON answer (or ``None`` for an empty one); raises ``RuntimeError``
        with the answer's body if the status is not in ``expect``.
        """
        data = None if json_body is None else json.dumps(json_body).encode()
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if authenticated:
            headers.update(self.auth())
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        if status not in tuple(expect):
            raise RuntimeError(f"seed request {method} {path} answered {status}: {raw[:500]!r}")
        return json.loads(raw) if raw else None


@dataclass
class Check:
    """One pass/fail verdict of a trial run, e.g. "50 approved, 450 waitlisted"."""

    name: str
    passed: bool
    detail: str = ""  # what was seen, shown when it failed


class RunTotals:
    """What every summary of repeated runs adds up the same way: ``runs`` with requests and errors."""

    runs: list

    @property
    def requests(self) -> int:
        return sum(run.requests for run in self.runs)

    @property
    def errors(self) -> int:
        return sum(run.errors for run in self.runs)


@dataclass
class TrialResult:
    """What one run of a trial measured.

    ``figures`` maps a column name (with its unit, e.g. ``"settle ms"``) to a number; the table
    shows the median over the repeats of each. ``requests`` and ``errors`` are counted like a
    scenario's (an error is an unexpected status or a failed connection) and ``checks`` are the
    run's verdicts. ``detail`` goes to the JSON only.
    """

    figures: dict[str, float]
    requests: int = 0
    errors: int = 0
    checks: list[Check] = field(default_factory=list)
    error_sample: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return self.errors == 0 and all(check.passed for check in self.checks)


@dataclass(frozen=True)
class Trial:
    """A measurement with its own client code, run once per repeat (after that repeat's scenarios).

    ``run(ctx, repeat)`` is a coroutine on the harness's event loop; it may create its own data
    (blocking seed calls belong in ``asyncio.to_thread(ctx.call, ...)``) and returns a
    :class:`TrialResult`. It ignores ``--concurrency``, ``--requests``, ``--duration`` and
    ``--warmup``: its shape is its own. ``--only`` selects it by name like a scenario.
    """

    name: str
    run: Callable[[Context, int], Awaitable[TrialResult]]
    description: str = ""


ScenarioBuilder = Callable[[Context], Iterable[Scenario]]
TrialBuilder = Callable[[Context], Iterable[Trial]]
Seeder = Callable[[Context], None]

_BUILDERS: list[ScenarioBuilder] = []
_TRIAL_BUILDERS: list[TrialBuilder] = []
_SEEDERS: list[Seeder] = []


def scenarios(builder: ScenarioBuilder) -> ScenarioBuilder:
    """Decorator: register a function that returns the scenarios of a module."""
    _BUILDERS.append(builder)
    return builder


def trials(builder: TrialBuilder) -> TrialBuilder:
    """Decorator: register a function that returns the trials of a module."""
    _TRIAL_BUILDERS.append(builder)
    return builder


def seed(seeder: Seeder) -> Seeder:
    """Decorator: register a function that creates data before the load starts."""
    _SEEDERS.append(seeder)
    return seeder


def load_modules() -> None:
    """Import every module of ``bench.scenarios`` (which registers their functions) once."""
    if _BUILDERS or _TRIAL_BUILDERS or _SEEDERS:
        return
    package = importlib.import_module("bench.scenarios")
    names = sorted(
        info.name for info in pkgutil.iter_modules(package.__path__) if not info.name.startswith("_")
    )
    names.sort(key=lambda name: name != "foundation")
    for name in names:
        importlib.import_module(f"bench.scenarios.{name}")


def run_seeds(ctx: Context) -> None:
    for seeder in _SEEDERS:
        seeder(ctx)


def _call_builders(builders: list, ctx: Context, skipped: list[str] | None) -> list:
    built: list = []
    for builder in builders:
        try:
            built.extend(builder(ctx))
        except Exception as exc:
            if skipped is None:
                raise
            skipped.append(f"{builder.__module__}.{builder.__qualname__} ({type(exc).__name__}: {exc})")
    return built


def build(ctx: Context, *, skipped: list[str] | None = None) -> list[Scenario]:
    """All registered scenarios, the floor first.

    Given a ``skipped`` list (placeholder contexts), a builder that fails, e.g. because it reads
    ``ctx.state`` that only its seed fills, is noted there instead of stopping the harness.
    """
    built: list[Scenario] = _call_builders(_BUILDERS, ctx, skipped)
    built.sort(key=lambda scenario: scenario.target != FLOOR)
    return built


def build_trials(ctx: Context, *, skipped: list[str] | None = None) -> list[Trial]:
    """All registered trials, in registration order."""
    return _call_builders(_TRIAL_BUILDERS, ctx, skipped)


def build_all(ctx: Context, *, skipped: list[str] | None = None) -> tuple[list[Scenario], list[Trial]]:
    """Scenarios and trials; every name must be unique among both (as ``--only`` matches them)."""
    built, tried = build(ctx, skipped=skipped), build_trials(ctx, skipped=skipped)
    _check_unique([scenario.name for scenario in built] + [trial.name for trial in tried])
    return built, tried


def _check_unique(names: list[str]) -> None:
    seen: set[str] = set()
    for name in names:
        if normalise_name(name) in seen:
            raise ValueError(f"two scenarios or trials are called {name!r}")
        seen.add(normalise_name(name))


def normalise_name(name: str) -> str:
    """``--only authenticated-read`` matches the scenario ``authenticated read``."""
    return " ".join(name.replace("-", " ").replace("_", " ").lower().split())
