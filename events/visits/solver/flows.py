"""The levels that flows solve exactly: the worst-off rank by maximum flow, and with one visit
each the placed / support / score levels (and, mostly, the country mix) by minimum-cost flow."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow

from events.visits.solver.model import (
    SCORES,
    UNASSIGNED,
    UNRANKED,
    Prepared,
    Problem,
    Weights,
    support_unmet,
)


def worst_off_cover(prep: Prepared, level: int) -> list[tuple[int, int]] | None:
    """One visit of rank ``level`` or better for every contender at once, or ``None`` when there
    is no such thing. A maximum flow: contenders → their slots of that rank → the slots' free
    seats (step-free participants through the step-free seats). Returns the visits it gives."""
    needing = [p for p in prep.contenders if prep.pinned_best[p.id] > level]
    if not needing:
        return []
    flow = max_flow.SimpleMaxFlow()
    source, sink = 0, 1
    slot_node = {slot_id: 2 + 2 * i for i, slot_id in enumerate(prep.slots)}
    first_person = 2 + 2 * len(prep.slots)
    for slot_id, node in slot_node.items():
        flow.add_arc_with_capacity(node, sink, max(0, prep.free[slot_id]))
        flow.add_arc_with_capacity(node + 1, node, max(0, prep.step_free_free[slot_id]))
    arcs: list[tuple[int, int, int]] = []
    for i, participant in enumerate(needing):
        node = first_person + i
        ranks = prep.ranks[participant.id]
        targets = [s for s in prep.options[participant.id] if ranks[s.id] <= level]
        if not targets:
            return None
        flow.add_arc_with_capacity(source, node, 1)
        for slot in targets:
            arc = flow.add_arc_with_capacity(node, slot_node[slot.id] + participant.step_free, 1)
            arcs.append((arc, participant.id, slot.id))
    if flow.solve(source, sink) != flow.OPTIMAL or flow.optimal_flow() != len(needing):
        return None
    return [(participant_id, slot_id) for arc, participant_id, slot_id in arcs if flow.flow(arc)]


def worst_off_level(prep: Prepared) -> int | None:
    """The best achievable worst rank among contenders (``None`` when nobody ranked anything)."""
    if not prep.contenders:
        return None
    floor = 1
    for participant in prep.contenders:
        best_open = min(prep.ranks[participant.id].values(), default=UNASSIGNED)
        floor = max(floor, min(prep.pinned_best[participant.id], best_open))
    for level in range(floor, UNRANKED + 1):
        if worst_off_cover(prep, level) is not None:
            return level
    return UNASSIGNED


@dataclass
class FlowAnswer:
    assignment: dict[int, tuple[int, ...]]
    #: The value of the weighted levels 2-4 (placed, support needs, preference score): optimal.
    main: int
    #: An upper bound on the number of new (group, country) pairs among answers optimal on ``main``.
    mix_bound: int


class FlowNetwork:
    """The one-visit-each problem as a minimum-cost flow (integral, so solved exactly).

    Participants → the slot (step-free participants through the slot's step-free seats) → the
    sink. A participant's arc is worth "placed" minus unmet support plus preference score.
    Contenders bound by the worst-off level send their own unit through slots of that rank or
    better; everyone else may stay home (source → participant, and a source → sink bypass).

    With ``mix=True`` the arcs' values are scaled above any mix, and each participant goes
    through a (slot, country) node whose first unit earns one more (a parallel arc of capacity
    one), so the flow also maximises the country mix; it counts a country twice in a group when
    step-free and other participants from it share the group, so its mix is an upper bound,
    reached when no such pair occurs. ``step_free_seats=False`` drops the step-free seat limits
    (a relaxation) so that every participant passes through the same (slot, country) nodes;
    ``seat_prices`` then charge each step-free participant on a slot that slot's price (a
    Lagrangian relaxation of its step-free seats). ``bonus`` adds to the value of a participant's
    arcs (the "placed" weight for those a visit would place, when others already have one).
    """

    def __init__(
        self,
        prep: Prepared,
        level: int | None,
        weights: Weights,
        *,
        mix: bool,
        step_free_seats: bool = True,
        seat_prices: dict[int, int] | None = None,
        bonus: dict[int, int] | None = None,
    ) -> None:
        self.prep = prep
        bonus = bonus or {}
        seat_prices = seat_prices or {}
        problem = prep.problem
        self.tails: list[int] = []
        self.heads: list[int] = []
        self.capacities: list[int] = []
        self.costs: list[int] = []
        source, sink = 0, 1
        self.slot_node = {slot_id: 2 + 2 * i for i, slot_id in enumerate(prep.slots)}  # +1: step-free seats
        self.sink_arc: dict[int, int] = {}
        self.gate_arc: dict[int, int] = {}
        next_node = 2 + 2 * len(prep.slots)
        for slot_id, node in self.slot_node.items():
            self.sink_arc[slot_id] = self._arc(node, sink, prep.free[slot_id], 0)
            gate = prep.step_free_free[slot_id] if step_free_seats else 0
            self.gate_arc[slot_id] = self._arc(node + 1, node, gate, 0)
        people = {p.id: p for p in problem.participants}
        pinned_pairs = {(s, people[p].country) for p, s in problem.pins if people[p].country}
        group_nodes: dict[tuple[int, str, bool], int] = {}
        contenders = {p.id for p in prep.contenders}
        self.supplies: dict[int, int] = {}
        self.source_arc: dict[int, int] = {}
        self.binding: set[int] = set()
        choices: list[tuple[int, int, int, int, int]] = []  # (node, target, value, participant, price)
        self.choice_slots: list[int] = []
        optional = bound = 0
        for participant in problem.participants:
            options = prep.options[participant.id]
            if not options:
                continue
            ranks = prep.ranks[participant.id]
            node = next_node
            next_node += 1
            if (
                level is not None
                and level <= UNRANKED
                and participant.id in contenders
                and prep.pinned_best[participant.id] > level
            ):
                options = [s for s in options if ranks[s.id] <= level]
                self.supplies[node] = 1
                self.binding.add(participant.id)
                bound += 1
            else:
                self.source_arc[participant.id] = self._arc(source, node, 1, 0)
                optional += 1
            gated = participant.step_free and step_free_seats
            for slot in options:
                value = (
                    weights.visits
                    - support_unmet(participant, slot) * weights.unmet
                    + SCORES.get(ranks[slot.id], 0)
                    + bonus.get(participant.id, 0)
                )
                target = self.slot_node[slot.id] + gated
                if mix and participant.country:
                    key = (slot.id, participant.country, gated)
                    if key not in group_nodes:
                        group_nodes[key] = next_node
                        next_node += 1
                    target = group_nodes[key]
                price = seat_prices.get(slot.id, 0) if participant.step_free else 0
                choices.append((node, target, value, participant.id, price))
                self.choice_slots.append(slot.id)
        # One more than the largest possible mix bonus keeps the mix below every other level.
        self.scale = len(group_nodes) + 1 if mix else 1
        for (slot_id, country, gated), node in group_nodes.items():
            target = self.slot_node[slot_id] + gated
            if (slot_id, country) not in pinned_pairs:
                self._arc(node, target, 1, -1)
            self._arc(node, target, prep.free[slot_id], 0)
        self.first_choice = len(self.tails)
        self.choice_values = [choice[2] for choice in choices]
        self.choice_people = [choice[3] for choice in choices]
        for node, target, value, _, price in choices:
            self._arc(node, target, 1, (price - value) * self.scale)
        self.bypass_arc = self._arc(source, sink, optional, 0)
        self.supplies[source] = optional
        self.supplies[sink] = -(optional + bound)
        self.nodes = next_node
        self.flows: np.ndarray | None = None
        self.cost = 0

    def _arc(self, tail: int, head: int, capacity: int, cost: int) -> int:
        self.tails.append(tail)
        self.heads.append(head)
        self.capacities.append(max(0, capacity))
        self.costs.append(cost)
        return len(self.tails) - 1

    def solve(self) -> bool:
        flow = min_cost_flow.SimpleMinCostFlow()
        flow.add_arcs_with_capacity_and_unit_cost(
            np.array(self.tails, dtype=np.int32),
            np.array(self.heads, dtype=np.int32),
            np.array(self.capacities, dtype=np.int64),
            np.array(self.costs, dtype=np.int64),
        )
        flow.set_nodes_supplies(
            np.array(list(self.supplies), dtype=np.int32),
            np.array(list(self.supplies.values()), dtype=np.int64),
        )
        if flow.solve() != flow.OPTIMAL:
            return False
        self.flows = flow.flows(np.arange(len(self.tails), dtype=np.int32))
        self.cost = flow.optimal_cost()
        return True

    def answer(self) -> FlowAnswer:
        assert self.flows is not None
        assignment: dict[int, list[int]] = defaultdict(list)
        for participant_id, slot_id in self.prep.problem.pins:
            assignment[participant_id].append(slot_id)
        main = 0
        used = self.flows[self.first_choice : self.first_choice + len(self.choice_slots)]
        for participant_id, slot_id, value, units in zip(
            self.choice_people, self.choice_slots, self.choice_values, used, strict=True
        ):
            if units:
                assignment[participant_id].append(slot_id)
                main += value
        return FlowAnswer(
            {pid: tuple(sorted(ids)) for pid, ids in assignment.items() if ids},
            main,
            -self.cost - main * self.scale,
        )

    def reduced_costs(self) -> np.ndarray:
        """Each arc's cost less the difference of node potentials that prove the flow optimal
        (Bellman-Ford on the residual graph, which has no negative cycle at an optimum).
        By complementary slackness, an arc with a positive reduced cost carries nothing, and one
        with a negative reduced cost is full, in *every* optimal flow."""
        assert self.flows is not None
        tails = np.array(self.tails, dtype=np.int64)
        heads = np.array(self.heads, dtype=np.int64)
        costs = np.array(self.costs, dtype=np.int64)
        capacities = np.array(self.capacities, dtype=np.int64)
        forward = self.flows < capacities
        backward = self.flows > 0
        r_tails = np.concatenate([tails[forward], heads[backward]])
        r_heads = np.concatenate([heads[forward], tails[backward]])
        r_costs = np.concatenate([costs[forward], -costs[backward]])
        distance = np.zeros(self.nodes, dtype=np.int64)
        for _ in range(self.nodes + 1):
            candidate = distance[r_tails] + r_costs
            updated = distance.copy()
            np.minimum.at(updated, r_heads, candidate)
            if np.array_equal(updated, distance):
                break
            distance = updated
        else:  # pragma: no cover - an optimal flow leaves no negative cycle
            raise RuntimeError("the residual graph has a negative cycle")
        return costs + distance[tails] - distance[heads]


def flow_optimum(
    prep: Prepared, level: int | None, weights: Weights, *, step_free_seats: bool = True
) -> FlowAnswer | None:
    """The flow's answer with the country mix as the last level (see :class:`FlowNetwork`)."""
    if prep.problem.visits_per_participant != 1:
        return None
    network = FlowNetwork(prep, level, weights, mix=True, step_free_seats=step_free_seats)
    return network.answer() if network.solve() else None


def priced_mix_bound(
    prep: Prepared,
    level: int | None,
    weights: Weights,
    network: FlowNetwork,
    reduced: np.ndarray,
    main: int,
) -> int | None:
    """An upper bound on the mix among answers optimal on levels 1-4: drop the step-free seat
    limits, charge each step-free participant the dual price of the seat they take (read off the
    reduced costs of the slots' step-free arcs), and count countries exactly. For any
    non-negative prices this bounds the constrained optimum (Lagrangian duality); with the
    optimal prices the charged flow is worth exactly the optimum on levels 1-4, so what is left
    bounds the mix."""
    prices = {slot_id: max(0, -int(reduced[arc])) for slot_id, arc in network.gate_arc.items()}
    charged = FlowNetwork(prep, level, weights, mix=True, step_free_seats=False, seat_prices=prices)
    if not charged.solve():
        return None
    seats = sum(prices[slot_id] * max(0, prep.step_free_free[slot_id]) for slot_id in prices)
    total = -charged.cost + seats * charged.scale
    return int(total - main * charged.scale)


def refine_mix(
    prep: Prepared, flow: FlowAnswer, level: int | None, weights: Weights
) -> dict[int, tuple[int, ...]]:
    """Keep the step-free participants where the flow put them and solve again: without them the
    flow counts countries exactly, so this is the best mix among answers that seat them alike."""
    problem = prep.problem
    pins = set(problem.pins)
    fixed = [
        (participant, slot_id)
        for participant in problem.participants
        if participant.step_free
        for slot_id in flow.assignment.get(participant.id, ())
        if (participant.id, slot_id) not in pins
    ]
    if not fixed:
        return flow.assignment
    free, step_free_free = dict(prep.free), dict(prep.step_free_free)
    options, room, pinned_best = dict(prep.options), dict(prep.room), dict(prep.pinned_best)
    for participant, slot_id in fixed:
        free[slot_id] -= 1
        step_free_free[slot_id] -= 1
        options[participant.id], room[participant.id] = [], 0
        pinned_best[participant.id] = prep.ranks[participant.id].get(slot_id, UNRANKED)
    narrowed = Prepared(
        Problem(
            problem.participants,
            problem.slots,
            problem.pins + tuple((p.id, s) for p, s in fixed),
            problem.visits_per_participant,
        ),
        prep.slots,
        prep.pinned,
        options,
        room,
        free,
        step_free_free,
        prep.contenders,
        pinned_best,
        prep.ranks,
    )
    again = flow_optimum(narrowed, level, weights)
    return again.assignment if again is not None else flow.assignment
