"""The entry point: :func:`solve` takes the greedy answer, runs the exact levels in order
(flows where they are exact, CP-SAT for the rest) within the time limit, and keeps the better."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from events.visits.solver import rounds
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
    SCORES,
    UNRANKED,
    Gap,
    Problem,
    Result,
    Stage,
    lexicographic_weights,
    prepare,
    rank_of,
    support_unmet,
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
    progress: Callable[[int], None] | None = None,
    stop: threading.Event | None = None,
) -> Result:
    """Assign participants to slots (see the package's docstring for the rules and the objective).

    ``method``: ``"auto"`` (flows where they are exact, CP-SAT for the rest), ``"cp-sat"`` (CP-SAT
    for every level after the worst-off one; slower, used to cross-check) or ``"greedy"``.
    ``time_limit_s`` bounds the whole call (the country-mix stage gets at most ``mix_share`` of
    it); ``workers`` is CP-SAT's ``num_workers`` (one per core). With several visits each, the
    answer is built in rounds (:mod:`.rounds`) and CP-SAT improves it; ``progress(round)`` hears
    which round it is in (the last number, one more than the visits each, is the improvement),
    and setting ``stop`` ends the call early with the best answer so far.
    """
    started = time.perf_counter()
    conflicts = check_pins(problem)
    if conflicts:
        return Result({}, "none", False, None, None, [], pin_conflicts=conflicts)
    baseline = greedy(problem)
    best, used, optimal, gap, proof = baseline, "greedy", False, None, None
    stages: list[Stage] = []
    if not (problem.participants and problem.slots):
        optimal = True  # nothing to decide
        proof = Gap("country_mix", 0, 0, 0.0)
    elif method != "greedy":
        if problem.visits_per_participant > 1:
            outcome = _several(
                problem,
                deadline=started + time_limit_s,
                time_limit_s=time_limit_s,
                workers=workers,
                seed=seed,
                mix_share=mix_share,
                progress=progress or (lambda _: None),
                stop=stop,
            )
        else:
            outcome = _exact(
                problem,
                baseline,
                deadline=started + time_limit_s,
                time_limit_s=time_limit_s,
                workers=workers,
                seed=seed,
                mix_share=mix_share,
                use_flow=method == "auto",
                stop=stop,
            )
        stages = outcome.stages
        if outcome.assignment is not None and not violations(problem, outcome.assignment):
            if quality(problem, outcome.assignment).key() <= quality(problem, baseline).key():
                best, used, optimal, gap = outcome.assignment, "exact", outcome.optimal, outcome.gap
                proof = outcome.proof
                if proof is None and optimal:
                    mix = quality(problem, best).country_mix
                    proof = Gap("country_mix", mix, mix, 0.0)
                elif proof is None and stages and stages[-1].name.startswith("country mix"):
                    last = stages[-1]
                    if last.bound is not None and last.objective is not None and gap is not None:
                        mix = quality(problem, best).country_mix
                        proof = Gap("country_mix", mix, mix + last.bound - last.objective, gap)
    return Result(
        assignment=best,
        method=used,
        optimal=optimal,
        gap=None if optimal else gap,
        quality=quality(problem, best),
        unplaced=explain(problem, best),
        stages=stages,
        seconds=time.perf_counter() - started,
        proof=proof,
    )


@dataclass
class _Outcome:
    assignment: dict[int, tuple[int, ...]] | None
    optimal: bool
    gap: float | None
    stages: list[Stage]
    proof: Gap | None = None


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
    stop: threading.Event | None = None,
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
            stop=stop,
        )
    # method="cp-sat" (a cross-check): CP-SAT, one level at a time, each fixed in turn,
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
            m,
            f"{name} (CP-SAT)",
            expression,
            budget_end - time.perf_counter(),
            workers=workers,
            seed=seed,
            stop=stop,
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
        m, m.mix, found, None, mix_of, stages, deadline, mix_share * time_limit_s, workers, seed, stop=stop
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
    *,
    stop: threading.Event | None = None,
) -> _Outcome:
    """CP-SAT on the country mix among answers optimal on the levels before, within the time left."""
    remaining = min(deadline - time.perf_counter(), budget)
    seconds = 0.0
    if remaining > 0.05:
        stage, mixed = solve_stage(
            model, "country mix", objective, remaining, workers=workers, seed=seed, stop=stop
        )
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


def _several(
    problem: Problem,
    *,
    deadline: float,
    time_limit_s: float,
    workers: int,
    seed: int,
    mix_share: float,
    progress: Callable[[int], None],
    stop: threading.Event | None,
) -> _Outcome:
    """Several visits each: the worst-off level by max-flow; then in rounds (:mod:`.rounds`) the
    first visits (both the one-visit answer and a flow on this instance that may improve pinned
    participants), each extended by min-cost flows and greedily, the best kept; measured against
    the relaxation's bound; then, while time is left and a level is not proven, CP-SAT on every
    participant-slot pair at once, started from that answer and with the placed level fixed."""
    k = problem.visits_per_participant
    stopped = stop.is_set if stop is not None else (lambda: False)
    progress(1)
    clock = time.perf_counter()
    prep = prepare(problem)
    level = worst_off_level(prep)
    stages = [Stage("worst-off rank (max-flow)", "optimal", level, level, time.perf_counter() - clock)]
    weights = lexicographic_weights(prep)

    clock = time.perf_counter()
    starts: list[dict[int, tuple[int, ...]]] = []
    one = rounds.one_visit_problem(problem)
    if one is not None:
        # The one-visit answer itself: the two-visit answer is never worse than it, extended.
        plan = solve(one, time_limit_s=max(0.1, 0.25 * time_limit_s), workers=workers, seed=seed, stop=stop)
        if plan.assignment or not plan.pin_conflicts:
            starts.append(plan.assignment)
    first = rounds.first_round(prep, level, weights)
    if first is not None and first not in starts:
        starts.append(first)
    if not starts:  # pragma: no cover - the first round's flow always has an answer
        return _Outcome(None, False, None, stages)
    placed = max(quality(problem, start).placed for start in starts)
    stages.append(
        Stage("round 1: first visits (min-cost flow)", "optimal", placed, placed, time.perf_counter() - clock)
    )

    clock = time.perf_counter()
    progress(2)
    candidates = []
    for start in starts:
        candidates.append(rounds.extend(problem, start, stop=stopped))
        candidates.append(rounds.extend_greedily(problem, start))
    valid = [c for c in candidates if not violations(problem, c)]
    if not valid:  # pragma: no cover - both extensions keep every rule
        return _Outcome(None, False, None, stages)
    found = min(valid, key=lambda c: quality(problem, c).key())
    if stopped():
        return _finish(found, None, stages)
    q = quality(problem, found)
    bounds = rounds.level_bounds(prep, level, q.placed)
    mix_bound = rounds.mix_bound(prep)
    stages.append(
        Stage(
            f"rounds 2-{k}: further visits (min-cost flow)"
            if k > 2
            else "round 2: second visits (min-cost flow)",
            "optimal" if bounds is not None and q.visits >= bounds.visits else "feasible",
            q.visits,
            bounds.visits if bounds is not None else None,
            time.perf_counter() - clock,
        )
    )
    proof = rounds.gap_of(problem, found, bounds, mix_bound)
    if proof is None or proof.gap > 0:
        # Each round again with the others fixed, while that helps (at most a quarter of the time left).
        clock = time.perf_counter()
        found = rounds.improve(
            problem, found, level, stop=stopped, deadline=clock + 0.25 * max(0.0, deadline - clock)
        )
        stages.append(
            Stage(
                "rounds again, each with the others fixed (min-cost flow)",
                "feasible",
                quality(problem, found).preference_score,
                bounds.score if bounds is not None else None,
                time.perf_counter() - clock,
            )
        )
    proof = rounds.gap_of(problem, found, bounds, mix_bound)
    if (proof is not None and proof.gap == 0) or stopped() or bounds is None:
        return _finish(found, proof, stages)

    # Improve with CP-SAT while time is left, one unproven level at a time.
    progress(k + 1)
    m = LevelModel(prep, level, weights)
    pinned_people = {p for p, _ in problem.pins}
    people = {p.id: p for p in problem.participants}
    m.model.add(m.placed >= sum(1 for p, s in found.items() if s and p not in pinned_people))
    pins = set(problem.pins)
    pinned_unmet = sum(support_unmet(people[p], prep.slots[s]) for p, s in pins)
    pinned_score = sum(SCORES.get(rank_of(people[p], prep.slots[s]), 0) for p, s in pins)
    visits_bound, unmet_bound, score_bound = bounds.visits, bounds.unmet, bounds.score
    # The levels before the soft one come first: the mix only gets the time they leave.
    budget_end = deadline
    levels = (
        ("visits", m.visits, len(pins)),
        ("sign language met", -m.unmet, -pinned_unmet),
        ("preference score", m.score, pinned_score),
    )
    for name, expression, offset in levels:
        q = quality(problem, found)
        achieved = {"visits": q.visits, "sign language met": -q.unmet_support}.get(name, q.preference_score)
        target = {"visits": visits_bound, "sign language met": -unmet_bound}.get(name, score_bound)
        if achieved < target:
            m.hint(found)
            remaining = budget_end - time.perf_counter()
            if remaining < 0.05 or stopped():
                return _finish(found, rounds.gap_of(problem, found, bounds, mix_bound), stages)
            stage, maybe = solve_stage(
                m,
                f"{name} (CP-SAT)",
                expression,
                remaining,
                workers=workers,
                seed=seed,
                stop=stop,
                presolve=False,
            )
            stages.append(stage)
            if maybe is not None and not violations(problem, maybe):
                if quality(problem, maybe).key() < quality(problem, found).key():
                    found = maybe
            if stage.bound is not None:
                proven = math.floor(stage.bound + 1e-6) + offset
                if name == "visits":
                    visits_bound = min(visits_bound, proven)
                elif name == "sign language met":
                    unmet_bound = max(unmet_bound, -proven)
                else:
                    score_bound = min(score_bound, proven)
                bounds = rounds.LevelBounds(visits_bound, unmet_bound, score_bound)
            q = quality(problem, found)
            achieved = {"visits": q.visits, "sign language met": -q.unmet_support}.get(
                name, q.preference_score
            )
            target = {"visits": visits_bound, "sign language met": -unmet_bound}.get(name, score_bound)
            if achieved < target:
                return _finish(found, rounds.gap_of(problem, found, bounds, mix_bound), stages)
        m.model.add(expression >= achieved - offset)
    # The soft goal, among the answers that are best on every level before it.
    q = quality(problem, found)
    if q.country_mix >= mix_bound or stopped():
        return _finish(found, rounds.gap_of(problem, found, bounds, mix_bound), stages)
    m.hint(found)
    remaining = min(deadline - time.perf_counter(), mix_share * time_limit_s)
    if remaining > 0.05:
        stage, mixed = solve_stage(
            m, "country mix (CP-SAT)", m.mix, remaining, workers=workers, seed=seed, stop=stop, presolve=False
        )
        stages.append(stage)
        if mixed is not None and not violations(problem, mixed):
            if quality(problem, mixed).key() < quality(problem, found).key():
                found = mixed
        if stage.bound is not None:
            pinned_mix = quality(problem, {p: (s,) for p, s in problem.pins}).country_mix
            mix_bound = min(mix_bound, math.floor(stage.bound + 1e-6) + pinned_mix)
    return _finish(found, rounds.gap_of(problem, found, bounds, mix_bound), stages)


def _finish(found: dict[int, tuple[int, ...]], proof: Gap | None, stages: list[Stage]) -> _Outcome:
    optimal = proof is not None and proof.gap == 0 and proof.level == "country_mix"
    return _Outcome(found, optimal, None if optimal or proof is None else proof.gap, stages, proof)
