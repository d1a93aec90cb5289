"""Several visits each, in rounds: the first visits by the flows that are exact for one visit each,
then each further visit by one more min-cost flow with the visits before it fixed, and a
relaxation that bounds what any answer could reach (the proven bound the gap is measured from).

Why rounds: with several visits each the problem is no longer a flow, and a model of every
participant-slot pair at once may find nothing in time. But the first two levels of the objective
(the worst-off rank, the number placed) only need one visit each, and the flows solve them
exactly; every later round is again a flow once the earlier rounds are fixed. So the answer
places everyone the one-visit answer places, and CP-SAT can only improve it from there.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import min_cost_flow

from events.visits.solver.checks import quality
from events.visits.solver.flows import FlowNetwork
from events.visits.solver.greedy import greedy
from events.visits.solver.model import (
    SCORES,
    UNRANKED,
    Gap,
    Prepared,
    Problem,
    Slot,
    Weights,
    lexicographic_weights,
    prepare,
    rank_of,
    support_unmet,
)

Assignment = dict[int, tuple[int, ...]]


def pairs(assignment: Assignment) -> tuple[tuple[int, int], ...]:
    return tuple(sorted((p, s) for p, slot_ids in assignment.items() for s in slot_ids))


def one_visit_problem(problem: Problem) -> Problem | None:
    """The same instance with one visit each (``None`` when someone has several pins)."""
    if any(count > 1 for count in Counter(p for p, _ in problem.pins).values()):
        return None
    return Problem(problem.participants, problem.slots, problem.pins, 1)


def first_round(prep: Prepared, level: int | None, weights: Weights) -> Assignment | None:
    """One new visit for as many as possible, meeting the worst-off level: a min-cost flow on the
    several-visits instance in which participants who are placed already by a pin take part only
    when the worst-off level needs a better visit for them. Exact on the placed level: any answer
    with several visits keeps its placed count and worst-off rank when each participant keeps only
    their best new visit (and pinned participants none they do not need)."""
    options = dict(prep.options)
    for participant_id, pinned in prep.pinned.items():
        if pinned and (level is None or level > UNRANKED or prep.pinned_best[participant_id] <= level):
            options[participant_id] = []
    narrowed = dataclasses.replace(prep, options=options)
    network = FlowNetwork(narrowed, level, weights, mix=True)
    return network.answer().assignment if network.solve() else None


def extend(problem: Problem, start: Assignment, *, stop: Callable[[], bool] | None = None) -> Assignment:
    """Further visits with ``start`` fixed, one round at a time: each round gives each participant
    at most one more visit by a min-cost flow (most visits, then sign-language needs met, then
    preference score, then country mix), exact given the rounds before it."""
    current = dict(start)
    for _ in range(problem.visits_per_participant - 1):
        if stop is not None and stop():
            break
        prep = prepare(
            Problem(problem.participants, problem.slots, pairs(current), problem.visits_per_participant)
        )
        network = FlowNetwork(prep, None, lexicographic_weights(prep), mix=True)
        if not network.solve():  # pragma: no cover - every participant may stay home: always feasible
            break
        found = network.answer().assignment
        if found == current:
            break
        current = found
    return current


def improve(
    problem: Problem,
    start: Assignment,
    level: int | None,
    *,
    stop: Callable[[], bool] | None = None,
    deadline: float | None = None,
) -> Assignment:
    """Each round again with the others fixed: take one visit (not a pinned one) from everyone
    who has one in that position, and give them all back by the min-cost flow, which may now
    choose differently (a participant left without a visit is worth the "placed" weight; the
    worst-off level binds as before). The answer taken away is one the flow can give back, so
    no pass makes the answer worse; passes go on while one improves it and time is left."""
    key = quality(problem, start).key()
    current = dict(start)
    pins = set(problem.pins)
    improved = True
    while improved:
        improved = False
        for position in range(problem.visits_per_participant):
            if (stop is not None and stop()) or (deadline is not None and time.perf_counter() > deadline):
                return current
            kept = []
            for participant_id, slot_ids in current.items():
                movable = [s for s in slot_ids if (participant_id, s) not in pins]
                taken = movable[position] if position < len(movable) else None
                kept.extend((participant_id, s) for s in slot_ids if s != taken)
            prep = prepare(
                Problem(
                    problem.participants, problem.slots, tuple(sorted(kept)), problem.visits_per_participant
                )
            )
            weights = lexicographic_weights(prep)
            holding = {p for p, _ in kept}
            bonus = {p.id: weights.placed for p in problem.participants if p.id not in holding}
            network = FlowNetwork(prep, level, weights, mix=True, bonus=bonus)
            if not network.solve():
                continue
            found = network.answer().assignment
            found_key = quality(problem, found).key()
            if found_key < key:
                current, key, improved = found, found_key, True
    return current


def extend_greedily(problem: Problem, start: Assignment) -> Assignment:
    """``start`` kept as it is, and the deterministic greedy answer for the visits left."""
    return greedy(Problem(problem.participants, problem.slots, pairs(start), problem.visits_per_participant))


def by_round(problem: Problem, assignment: Assignment) -> list[int]:
    """How many participants have at least 1, 2, ... visits (one number per round)."""
    counts = Counter(len(assignment.get(p.id, ())) for p in problem.participants)
    return [
        sum(n for visits, n in counts.items() if visits >= needed)
        for needed in range(1, problem.visits_per_participant + 1)
    ]


# --- the proven bound ---------------------------------------------------------------------------


def _groups(slots: Sequence[Slot]) -> list[list[Slot]]:
    """A partition of the slots into groups whose trips all overlap one another (a participant
    can take at most one of each group): slots by departure, each joining the open group when it
    leaves before every trip in it is back."""
    groups: list[list[Slot]] = []
    back = -math.inf
    for slot in sorted(slots, key=lambda s: (s.depart, s.back, s.id)):
        if groups and slot.depart < back:
            groups[-1].append(slot)
            back = min(back, slot.back)
        else:
            groups.append([slot])
            back = slot.back
    return groups


@dataclass(frozen=True)
class LevelBounds:
    """Upper bounds on what any answer reaches on the levels after the placed one (counting the
    pinned visits too): visits; and, among answers with that many visits, the fewest unmet
    sign-language needs and then the highest preference score."""

    visits: int
    unmet: int
    score: int


def level_bounds(prep: Prepared, level: int | None, placed: int) -> LevelBounds | None:
    """Bounds from a relaxation solved exactly by a min-cost flow. Each participant's visits are a
    first one and the rest. The rest take at most one slot from each group of mutually overlapping
    trips (``_groups``), up to their visits left, within the slots' seats and step-free seats. The
    first earns the "placed" weight; for a participant the worst-off ``level`` binds, it must be
    there, on a slot of that rank or better (it may then share a group, even a slot, with the
    rest: a relaxation). Every valid answer is such a flow, so the flow's optimum, lexicographic
    on (placed, visits, unmet needs, score) by its weights, bounds them all.

    ``placed`` is the proven optimum of the placed level; when the relaxation places more, its
    later levels say nothing about answers placing ``placed``, and the bounds come from the same
    flow without the placed weight (bounds on (visits, unmet needs, score) over every answer)."""
    first = _relaxation(prep, level, with_placed=True)
    if first is not None and first[0] == placed:
        return first[1]
    again = _relaxation(prep, level, with_placed=False)
    return again[1] if again is not None else None


def _relaxation(prep: Prepared, level: int | None, *, with_placed: bool) -> tuple[int, LevelBounds] | None:
    problem = prep.problem
    weights = lexicographic_weights(prep)
    tails: list[int] = []
    heads: list[int] = []
    capacities: list[int] = []
    costs: list[int] = []

    def arc(tail: int, head: int, capacity: int, cost: int) -> int:
        tails.append(tail)
        heads.append(head)
        capacities.append(max(0, capacity))
        costs.append(cost)
        return len(tails) - 1

    source, sink = 0, 1
    slot_node = {slot_id: 2 + 2 * i for i, slot_id in enumerate(prep.slots)}
    for slot_id, node in slot_node.items():
        arc(node, sink, prep.free[slot_id], 0)
        arc(node + 1, node, prep.step_free_free[slot_id], 0)
    next_node = 2 + 2 * len(prep.slots)
    choice_arcs: list[tuple[int, int, int]] = []  # (arc, unmet, score)
    placed_arcs: list[int] = []
    supplies: dict[int, int] = defaultdict(int)
    optional = forced = 0
    contenders = {p.id for p in prep.contenders}
    placed_weight = weights.placed if with_placed else 0
    for participant in problem.participants:
        options = prep.options[participant.id]
        room = prep.room[participant.id]
        if not options or room <= 0:
            continue
        ranks = prep.ranks[participant.id]
        pinned = bool(prep.pinned.get(participant.id))

        def value(slot: Slot, participant=participant, ranks=ranks) -> tuple[int, int, int]:
            unmet = support_unmet(participant, slot)
            score = SCORES.get(ranks[slot.id], 0)
            return weights.visits - unmet * weights.unmet + score, unmet, score

        binding = (
            level is not None
            and level <= UNRANKED
            and participant.id in contenders
            and prep.pinned_best[participant.id] > level
        )
        groups = _groups(options)
        group_nodes = list(range(next_node, next_node + len(groups)))
        next_node += len(groups)
        rest = next_node
        next_node += 1
        rest_room = room - 1 if binding or not pinned else room
        if rest_room > 0:
            arc(source, rest, rest_room, 0)
            optional += rest_room
            for node in group_nodes:
                arc(rest, node, 1, 0)
        if binding:
            start = next_node
            next_node += 1
            supplies[start] += 1
            forced += 1
            for slot in options:
                if ranks[slot.id] <= level:
                    worth, unmet, score = value(slot)
                    target = slot_node[slot.id] + participant.step_free
                    bonus = 0 if pinned else placed_weight
                    choice_arcs.append((arc(start, target, 1, -(worth + bonus)), unmet, score))
            if not pinned:
                placed_arcs.append(-1)  # always placed
        elif not pinned:
            start = next_node
            next_node += 1
            placed_arcs.append(arc(source, start, 1, -placed_weight))
            optional += 1
            for node in group_nodes:
                arc(start, node, 1, 0)
        for node, group in zip(group_nodes, groups, strict=True):
            for slot in group:
                worth, unmet, score = value(slot)
                target = slot_node[slot.id] + participant.step_free
                choice_arcs.append((arc(node, target, 1, -worth), unmet, score))
    arc(source, sink, optional, 0)
    supplies[source] += optional
    supplies[sink] -= optional + forced
    flow = min_cost_flow.SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.array(tails, dtype=np.int32),
        np.array(heads, dtype=np.int32),
        np.array(capacities, dtype=np.int64),
        np.array(costs, dtype=np.int64),
    )
    flow.set_nodes_supplies(
        np.array(list(supplies), dtype=np.int32), np.array(list(supplies.values()), dtype=np.int64)
    )
    if flow.solve() != flow.OPTIMAL:
        return None
    visits = unmet = score = 0
    for index, arc_unmet, arc_score in choice_arcs:
        if flow.flow(index):
            visits += 1
            unmet += arc_unmet
            score += arc_score
    people = {p.id: p for p in problem.participants}
    placed = len({p for p, _ in problem.pins}) + sum(1 for a in placed_arcs if a < 0 or flow.flow(a))
    pinned_visits = len(problem.pins)
    pinned_unmet = sum(support_unmet(people[p], prep.slots[s]) for p, s in problem.pins)
    pinned_score = sum(SCORES.get(rank_of(people[p], prep.slots[s]), 0) for p, s in problem.pins)
    return placed, LevelBounds(visits + pinned_visits, unmet + pinned_unmet, score + pinned_score)


def mix_bound(prep: Prepared) -> int:
    """An upper bound on the country mix: each group holds at most as many countries as it has
    seats, and only countries of participants who may be on it (or are pinned to it)."""
    people = {p.id: p for p in prep.problem.participants}
    countries: dict[int, set[str]] = defaultdict(set)
    for participant in prep.problem.participants:
        if participant.country:
            for slot in prep.options[participant.id]:
                countries[slot.id].add(participant.country)
    pinned: dict[int, set[str]] = defaultdict(set)
    for participant_id, slot_id in prep.problem.pins:
        if people[participant_id].country:
            pinned[slot_id].add(people[participant_id].country)
    total = 0
    for slot_id in prep.slots:
        extra = len(countries[slot_id] - pinned[slot_id])
        total += len(pinned[slot_id]) + min(extra, max(0, prep.free[slot_id]))
    return total


def gap_of(
    problem: Problem, assignment: Assignment, bounds: LevelBounds | None, mix: int | None
) -> Gap | None:
    """Measure an answer against the bounds, level by level (the first two levels are exact)."""
    q = quality(problem, assignment)
    if bounds is None:
        return None
    if q.visits < bounds.visits:
        return Gap("visits", q.visits, bounds.visits, (bounds.visits - q.visits) / bounds.visits)
    if q.unmet_support > bounds.unmet:
        return Gap(
            "sign_language", q.unmet_support, bounds.unmet, (q.unmet_support - bounds.unmet) / q.unmet_support
        )
    if q.preference_score < bounds.score:
        return Gap(
            "preference_score",
            q.preference_score,
            bounds.score,
            (bounds.score - q.preference_score) / bounds.score,
        )
    if mix is None:
        return None
    if q.country_mix < mix:
        return Gap("country_mix", q.country_mix, mix, (mix - q.country_mix) / mix)
    return Gap("country_mix", q.country_mix, mix, 0.0)
