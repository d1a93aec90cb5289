"""The entry point: :func:`solve` takes the greedy answer, runs the exact levels in order
(flows where they are exact, CP-SAT for the rest) within the time limit, and keeps the better."""

from __future__ import annotations

import time
from dataclasses import dataclass

from events.visits.solver.checks import check_pins, explain, quality, violations
from events.visits.solver.cpsat import FaceModel, LevelModel, solve_stage
from events.visits.solver.flows import (
    FlowNetwork,
    flow_optimum,
    priced_mix_bound,
    refine_mix,
    worst_off_cover,
    worst_off_level,
)
from events.visits.solver.greedy import greedy
from events.visits.solver.model import (
    DEFAULT_WORKERS,
    UNRANKED,
    Problem,
    Result,
    Stage,
    lexicographic_weights,
    prepare,
)


def _relative_gap(objective: float, bound: float) -> float:
    return abs(objective - bound) / max(1.0, abs(objective))


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 5.0,
    workers: int = DEFAULT_WORKERS,
    seed: int = 0,
    method: str = "auto",
    mix_share: float = 0.5,
) -> Result:
    """Assign participants to slots (see the package's docstring for the rules and the objective).

    ``method``: ``"auto"`` (flows where they are exact, CP-SAT for the rest), ``"cp-sat"`` (CP-SAT
    for every level after the worst-off one; slower, used to cross-check) or ``"greedy"``.
    ``time_limit_s`` bounds the whole call (the country-mix stage gets at most ``mix_share`` of
    it); ``workers`` is CP-SAT's ``num_workers`` (one per core).
    """
    started = time.perf_counter()
    conflicts = check_pins(problem)
    if conflicts:
        return Result({}, "none", False, None, None, [], pin_conflicts=conflicts)
    baseline = greedy(problem)
    best, used, optimal, gap = baseline, "greedy", False, None
    stages: list[Stage] = []
    if not (problem.participants and problem.slots):
        optimal = True  # nothing to decide
    elif method != "greedy":
        outcome = _exact(
            problem,
            baseline,
            deadline=started + time_limit_s,
            time_limit_s=time_limit_s,
            workers=workers,
            seed=seed,
            mix_share=mix_share,
            use_flow=method == "auto",
        )
        stages = outcome.stages
        if outcome.assignment is not None and not violations(problem, outcome.assignment):
            if quality(problem, outcome.assignment).key() <= quality(problem, baseline).key():
                best, used, optimal, gap = outcome.assignment, "exact", outcome.optimal, outcome.gap
    return Result(
        assignment=best,
        method=used,
        optimal=optimal,
        gap=None if optimal else gap,
        quality=quality(problem, best),
        unplaced=explain(problem, best),
        stages=stages,
        seconds=time.perf_counter() - started,
    )


@dataclass
class _Outcome:
    assignment: dict[int, tuple[int, ...]] | None
    optimal: bool
    gap: float | None
    stages: list[Stage]


def _exact(
    problem: Problem,
    start: dict[int, tuple[int, ...]],
    *,
    deadline: float,
    time_limit_s: float,
    workers: int,
    seed: int,
    mix_share: float,
    use_flow: bool,
) -> _Outcome:
    """Level 1 by max-flow; levels 2-4 by min-cost flow (one visit each) or CP-SAT; then the
    country mix, by flow when its bound is met, else by CP-SAT among the answers optimal so far."""
    clock = time.perf_counter()
    prep = prepare(problem)
    contenders = {p.id for p in prep.contenders}
    level = worst_off_level(prep)
    stages = [Stage("worst-off rank (max-flow)", "optimal", level, level, time.perf_counter() - clock)]
    weights = lexicographic_weights(prep)
    pinned_mix = quality(problem, {p: (s,) for p, s in problem.pins}, contenders=contenders).country_mix

    def mix_of(assignment: dict[int, tuple[int, ...]]) -> int:
        return quality(problem, assignment, contenders=contenders).country_mix - pinned_mix

    clock = time.perf_counter()
    flow = flow_optimum(prep, level, weights) if use_flow else None
    mix_bound: float | None = None
    if flow is not None:
        relaxed = flow_optimum(prep, level, weights, step_free_seats=False)
        if relaxed is not None and relaxed.main == flow.main:
            # Its mix bounds the mix of every answer that is optimal on the levels before.
            flow.mix_bound = min(flow.mix_bound, relaxed.mix_bound)
            if not violations(problem, relaxed.assignment):
                flow.assignment = relaxed.assignment
        refined = refine_mix(prep, flow, level, weights)
        if mix_of(refined) > mix_of(flow.assignment):
            flow.assignment = refined
        stages.append(
            Stage(
                "placed, support needs, preference score (min-cost flow)",
                "optimal",
                flow.main,
                flow.main,
                time.perf_counter() - clock,
            )
        )
        found, mix_bound = flow.assignment, flow.mix_bound
        if mix_of(found) >= mix_bound:
            stages.append(Stage("country mix (min-cost flow)", "optimal", mix_of(found), mix_bound, 0.0))
            return _Outcome(found, True, None, stages)
        network = FlowNetwork(prep, level, weights, mix=False)
        if not network.solve():  # pragma: no cover - the same flow was just solved
            return _Outcome(found, False, _relative_gap(mix_of(found), mix_bound), stages)
        reduced = network.reduced_costs()
        priced = priced_mix_bound(prep, level, weights, network, reduced, flow.main)
        if priced is not None:
            mix_bound = min(mix_bound, priced)
        if mix_of(found) >= mix_bound:
            stages.append(Stage("country mix (min-cost flow)", "optimal", mix_of(found), mix_bound, 0.0))
            return _Outcome(found, True, None, stages)
        face = FaceModel(network)
        face.model.add(face.mix <= round(mix_bound))
        face.hint(found)
        return _mix_stage(
            face,
            face.mix,
            found,
            mix_bound,
            mix_of,
            stages,
            deadline,
            mix_share * time_limit_s,
            workers,
            seed,
        )
    # Several visits each (or method="cp-sat"): CP-SAT, one level at a time, each fixed in turn,
    # hinted with the flow's cover of the worst-off level completed greedily (it meets that level).
    cover = worst_off_cover(prep, level) if level is not None and level <= UNRANKED else []
    if cover:
        covered = greedy(
            Problem(
                problem.participants,
                problem.slots,
                problem.pins + tuple(cover),
                problem.visits_per_participant,
            )
        )
        if not violations(problem, covered):
            start = covered
    m = LevelModel(prep, level, weights)
    m.hint(start)
    found = start
    budget_end = deadline - (mix_share * time_limit_s if m.mix_max else 0.0)
    for name, expression in (
        ("placed", m.placed),
        ("visits", m.visits),
        ("sign language met", -m.unmet),
        ("preference score", m.score),
    ):
        stage, maybe = solve_stage(
            m, f"{name} (CP-SAT)", expression, budget_end - time.perf_counter(), workers=workers, seed=seed
        )
        stages.append(stage)
        if maybe is None:  # nothing new in time: keep the answer of the levels before, if any
            return _Outcome(None if found is start else found, False, None, stages)
        found = maybe
        if stage.status != "optimal":
            return _Outcome(found, False, _relative_gap(stage.objective or 0.0, stage.bound or 0.0), stages)
        m.model.add(expression >= round(stage.objective or 0))
        m.hint(found)
    if not m.mix_max:
        return _Outcome(found, True, None, stages)
    # The soft goal, among the answers that are best on every level before it.
    return _mix_stage(
        m, m.mix, found, None, mix_of, stages, deadline, mix_share * time_limit_s, workers, seed
    )


def _mix_stage(
    model,
    objective,
    found: dict[int, tuple[int, ...]],
    bound: float | None,
    mix_of,
    stages: list[Stage],
    deadline: float,
    budget: float,
    workers: int,
    seed: int,
) -> _Outcome:
    """CP-SAT on the country mix among answers optimal on the levels before, within the time left."""
    remaining = min(deadline - time.perf_counter(), budget)
    seconds = 0.0
    if remaining > 0.05:
        stage, mixed = solve_stage(model, "country mix", objective, remaining, workers=workers, seed=seed)
        seconds = stage.seconds
        if mixed is not None and mix_of(mixed) > mix_of(found):
            found = mixed
        if stage.bound is not None:
            bound = stage.bound if bound is None else min(bound, stage.bound)
    achieved = mix_of(found)
    proven = bound is not None and achieved >= bound
    stages.append(
        Stage("country mix (CP-SAT)", "optimal" if proven else "feasible", achieved, bound, seconds)
    )
    gap = None if proven else (_relative_gap(achieved, bound) if bound is not None else None)
    return _Outcome(found, proven, gap, stages)
