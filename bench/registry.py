"""The scenario registry: what a scenario is, and how modules under ``bench/scenarios/`` add theirs.

A scenario module registers two kinds of functions:

* ``@seed`` functions run once, after the service is up and before any load, to create data
  through the public API (``ctx.call``); they may leave ids in ``ctx.state`` for the scenarios.
* ``@scenarios`` functions receive the :class:`Context` and return (or yield) :class:`Scenario`
  objects, each one request template that the load generator repeats.

Every module in ``bench.scenarios`` is imported automatically (``foundation`` first, then the
others in alphabetical order); registration order is the order of the output table.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SERVICE = "service"
FLOOR = "floor"

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


ScenarioBuilder = Callable[[Context], Iterable[Scenario]]
Seeder = Callable[[Context], None]

_BUILDERS: list[ScenarioBuilder] = []
_SEEDERS: list[Seeder] = []


def scenarios(builder: ScenarioBuilder) -> ScenarioBuilder:
    """Decorator: register a function that returns the scenarios of a module."""
    _BUILDERS.append(builder)
    return builder


def seed(seeder: Seeder) -> Seeder:
    """Decorator: register a function that creates data before the load starts."""
    _SEEDERS.append(seeder)
    return seeder


def load_modules() -> None:
    """Import every module of ``bench.scenarios`` (which registers their functions) once."""
    if _BUILDERS or _SEEDERS:
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


def build(ctx: Context, *, skipped: list[str] | None = None) -> list[Scenario]:
    """All registered scenarios, the floor first; names must be unique.

    Given a ``skipped`` list (placeholder contexts), a builder that fails, e.g. because it reads
    ``ctx.state`` that only its seed fills, is noted there instead of stopping the harness.
    """
    built: list[Scenario] = []
    for builder in _BUILDERS:
        try:
            built.extend(builder(ctx))
        except Exception as exc:
            if skipped is None:
                raise
            skipped.append(f"{builder.__module__}.{builder.__qualname__} ({type(exc).__name__}: {exc})")
    built.sort(key=lambda scenario: scenario.target != FLOOR)
    seen: set[str] = set()
    for scenario in built:
        if scenario.name in seen:
            raise ValueError(f"two scenarios are called {scenario.name!r}")
        seen.add(scenario.name)
    return built


def normalise_name(name: str) -> str:
    """``--only authenticated-read`` matches the scenario ``authenticated read``."""
    return " ".join(name.replace("-", " ").replace("_", " ").lower().split())
