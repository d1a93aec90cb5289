"""The CP-SAT models: the face of the flow's optimum (to maximise the country mix with one
visit each) and the level model (several visits each, or ``method="cp-sat"``), and one stage's run."""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Sequence

from ortools.sat.python import cp_model

from events.visits.solver.flows import FlowNetwork
from events.visits.solver.model import (
    MAX_CHOICES,
    SCORES,
    UNRANKED,
    Participant,
    Prepared,
    Slot,
    Stage,
    Weights,
    support_unmet,
)


def _status_name(code: int) -> str:
    return {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
        cp_model.MODEL_INVALID: "invalid",
        cp_model.UNKNOWN: "unknown",
    }.get(code, "unknown")


def _cliques(slots: Sequence[Slot]) -> list[list[int]]:
    """Maximal sets of slots whose trips all overlap (a sweep over the interval graph)."""
    events = sorted([(s.depart, 1, s.id) for s in slots] + [(s.back, 0, s.id) for s in slots])
    active: set[int] = set()
    cliques: list[list[int]] = []
    grew = False
    for _, kind, slot_id in events:
        if kind == 1:
            active.add(slot_id)
            grew = True
        else:
            if grew and len(active) > 1:
                cliques.append(sorted(active))
            grew = False
            active.discard(slot_id)
    return cliques


class FaceModel:
    """CP-SAT over the answers optimal on levels 1-4 (one visit each), to maximise the mix.

    The optimal face of the flow is described exactly by complementary slackness: arcs with a
    positive reduced cost are empty, those with a negative one are full, the rest are free.
    Only free participant-slot arcs become variables, so the model is small and needs no
    objective constraint with large coefficients.
    """

    def __init__(self, network: FlowNetwork) -> None:
        prep = network.prep
        problem = prep.problem
        reduced = network.reduced_costs()
        self.model = cp_model.CpModel()
        self.problem = problem
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.fixed: list[tuple[int, int]] = list(problem.pins)
        people = {p.id: p for p in problem.participants}
        per_person: dict[int, list] = defaultdict(list)
        per_slot: dict[int, list] = defaultdict(list)
        step_free_per_slot: dict[int, list] = defaultdict(list)
        by_pair: dict[tuple[int, str], list] = defaultdict(list)
        for offset, (participant_id, slot_id) in enumerate(
            zip(network.choice_people, network.choice_slots, strict=True)
        ):
            rc = reduced[network.first_choice + offset]
            if rc > 0:
                continue
            participant = people[participant_id]
            if rc < 0:
                self.fixed.append((participant_id, slot_id))
                term = 1
            else:
                term = self.model.new_bool_var(f"x{participant_id}_{slot_id}")
                self.x[participant_id, slot_id] = term
            per_person[participant_id].append(term)
            per_slot[slot_id].append(term)
            if participant.step_free:
                step_free_per_slot[slot_id].append(term)
            if participant.country:
                by_pair[slot_id, participant.country].append(term)

        def bounded(terms: list, capacity: int, arc: int) -> None:
            rc = reduced[arc]
            total = _sum(terms)
            if rc < 0:
                self.model.add(total == capacity)
            elif rc > 0:
                self.model.add(total == 0)
            else:
                self.model.add(total <= capacity)

        optional = []
        for participant in problem.participants:
            if not prep.options[participant.id]:
                continue
            terms = per_person.get(participant.id, [])
            if participant.id in network.binding:
                self.model.add(_sum(terms) == 1)
            else:
                bounded(terms, 1, network.source_arc[participant.id])
                optional.append(_sum(terms))
        for slot_id in prep.slots:
            bounded(per_slot.get(slot_id, []), max(0, prep.free[slot_id]), network.sink_arc[slot_id])
            bounded(
                step_free_per_slot.get(slot_id, []),
                max(0, prep.step_free_free[slot_id]),
                network.gate_arc[slot_id],
            )
        # Who stays home: the bypass arc carries the optional participants left without a visit.
        bypass = network.bypass_arc
        stay_home = len(optional) - _sum(optional)
        if reduced[bypass] > 0:
            self.model.add(stay_home == 0)
        elif reduced[bypass] < 0:
            self.model.add(stay_home == network.capacities[bypass])
        pinned_pairs = {(s, people[p].country) for p, s in problem.pins if people[p].country}
        mix_terms = []
        self.d: dict[tuple[int, str], cp_model.IntVar] = {}
        for pair, terms in by_pair.items():
            if pair in pinned_pairs:
                continue
            if any(term == 1 for term in terms if isinstance(term, int)):
                mix_terms.append(1)
                continue
            present = self.model.new_bool_var(f"d{pair[0]}_{pair[1]}")
            self.model.add(present <= _sum(terms))
            self.d[pair] = present
            mix_terms.append(present)
        self.mix = _sum(mix_terms)

    def hint(self, assignment: dict[int, Sequence[int]]) -> None:
        for (participant_id, slot_id), var in self.x.items():
            self.model.add_hint(var, slot_id in assignment.get(participant_id, ()))
        people = {p.id: p for p in self.problem.participants}
        present = {
            (slot_id, people[pid].country) for pid, slot_ids in assignment.items() for slot_id in slot_ids
        }
        for pair, var in self.d.items():
            self.model.add_hint(var, pair in present)

    def read(self, solver: cp_model.CpSolver) -> dict[int, tuple[int, ...]]:
        assignment: dict[int, list[int]] = defaultdict(list)
        for participant_id, slot_id in self.fixed:
            assignment[participant_id].append(slot_id)
        for (participant_id, slot_id), var in self.x.items():
            if solver.boolean_value(var):
                assignment[participant_id].append(slot_id)
        return {pid: tuple(sorted(ids)) for pid, ids in assignment.items() if ids}


def _sum(terms: list) -> cp_model.LinearExprT:
    return cp_model.LinearExpr.sum(terms) if terms else 0


class LevelModel:
    """The CP-SAT model, with the worst-off level fixed as hard constraints.

    With one visit per participant the model is aggregated: each participant has a Boolean per
    slot they ranked, plus one "unranked visit" Boolean; unranked visits are counted per class of
    interchangeable participants (same country, needs and open slots) with an integer per class
    and slot. Any assignment maps to this model with the same objective and back, so the
    optimum is the same, with a fraction of the variables. With several visits per participant
    every open slot gets a Boolean, and overlapping trips are excluded per participant.
    """

    def __init__(self, prep: Prepared, level: int | None, weights: Weights) -> None:
        problem = prep.problem
        self.prep = prep
        self.weights = weights
        self.model = cp_model.CpModel()
        k = problem.visits_per_participant
        self.aggregate = k == 1
        self.x: dict[tuple[int, int], cp_model.IntVar] = {}
        self.u: dict[int, cp_model.IntVar] = {}
        self.classes: dict[tuple, list[Participant]] = defaultdict(list)
        self.y: dict[tuple[tuple, int], cp_model.IntVar] = {}
        self.placed_vars: dict[int, cp_model.IntVar] = {}
        on_slot: dict[int, list] = defaultdict(list)
        step_free_on_slot: dict[int, list] = defaultdict(list)
        by_slot_country: dict[tuple[int, str], list] = defaultdict(list)
        placed_terms: list = []
        unmet_vars: list = []
        unmet_coeffs: list[int] = []
        score_vars: list = []
        score_coeffs: list[int] = []
        contenders = {p.id for p in prep.contenders}
        for participant in problem.participants:
            options = prep.options[participant.id]
            if not options:
                continue
            room = prep.room[participant.id]
            ranks = prep.ranks[participant.id]
            own = [s for s in options if ranks[s.id] <= MAX_CHOICES] if self.aggregate else options
            xs = []
            for slot in own:
                var = self.model.new_bool_var(f"x{participant.id}_{slot.id}")
                self.x[participant.id, slot.id] = var
                xs.append(var)
                on_slot[slot.id].append(var)
                if participant.step_free:
                    step_free_on_slot[slot.id].append(var)
                if participant.country:
                    by_slot_country[slot.id, participant.country].append(var)
                unmet = support_unmet(participant, slot)
                if unmet:
                    unmet_vars.append(var)
                    unmet_coeffs.append(unmet)
                points = SCORES.get(ranks[slot.id], 0)
                if points:
                    score_vars.append(var)
                    score_coeffs.append(points)
            unranked = None
            if self.aggregate and len(own) < len(options):
                unranked = self.model.new_bool_var(f"u{participant.id}")
                self.u[participant.id] = unranked
                key = (
                    participant.country,
                    participant.step_free,
                    participant.sign_language,
                    tuple(s.id for s in options),
                )
                self.classes[key].append(participant)
            every = [*xs, unranked] if unranked is not None else xs
            self.model.add(_sum(every) <= room)
            if not self.aggregate and room > 1:
                for clique in _cliques(own):
                    members = set(clique)
                    self.model.add_at_most_one(
                        var for slot, var in zip(own, xs, strict=True) if slot.id in members
                    )
            if prep.pinned.get(participant.id):
                pass  # placed already: more visits count as visits, not as placing someone
            elif self.aggregate or room == 1:
                placed_terms.extend(every)
            else:
                placed = self.model.new_bool_var(f"placed{participant.id}")
                self.model.add(placed <= _sum(xs))
                self.placed_vars[participant.id] = placed
                placed_terms.append(placed)
            # The worst-off level, proven by the flow, becomes a hard rule.
            if level is not None and level <= UNRANKED and participant.id in contenders:
                if prep.pinned_best[participant.id] > level:
                    better = [var for slot, var in zip(own, xs, strict=True) if ranks[slot.id] <= level]
                    if level == UNRANKED and unranked is not None:
                        better.append(unranked)
                    self.model.add(_sum(better) >= 1)
        for number, (key, members) in enumerate(self.classes.items()):
            country, step_free, sign_language, slot_ids = key
            total = []
            for slot_id in slot_ids:
                slot = prep.slots[slot_id]
                var = self.model.new_int_var(
                    0, min(len(members), max(0, prep.free[slot_id])), f"y{number}_{slot_id}"
                )
                self.y[key, slot_id] = var
                total.append(var)
                on_slot[slot_id].append(var)
                if step_free:
                    step_free_on_slot[slot_id].append(var)
                if country:
                    by_slot_country[slot_id, country].append(var)
                probe = Participant(0, country, step_free, sign_language)
                unmet = support_unmet(probe, slot)
                if unmet:
                    unmet_vars.append(var)
                    unmet_coeffs.append(unmet)
            self.model.add(_sum(total) == _sum([self.u[p.id] for p in members]))
        for slot_id, terms in on_slot.items():
            self.model.add(_sum(terms) <= max(0, prep.free[slot_id]))
        for slot_id, terms in step_free_on_slot.items():
            self.model.add(_sum(terms) <= max(0, prep.step_free_free[slot_id]))
        self.placed = _sum(placed_terms)
        self.visits = _sum(list(self.x.values()) + list(self.u.values()))
        self.unmet = cp_model.LinearExpr.weighted_sum(unmet_vars, unmet_coeffs) if unmet_vars else 0
        self.score = cp_model.LinearExpr.weighted_sum(score_vars, score_coeffs) if score_vars else 0
        # Country mix: one Boolean per group and country that could be there (pinned ones count as fixed).
        pinned_countries: set[tuple[int, str]] = set()
        people = {p.id: p for p in problem.participants}
        for participant_id, slot_id in problem.pins:
            if people[participant_id].country:
                pinned_countries.add((slot_id, people[participant_id].country))
        mix_terms = []
        self.d: dict[tuple[int, str], cp_model.IntVar] = {}
        for (slot_id, country), terms in by_slot_country.items():
            if (slot_id, country) in pinned_countries:
                continue
            present = self.model.new_bool_var(f"d{slot_id}_{country}")
            self.model.add(present <= _sum(terms))
            self.d[slot_id, country] = present
            mix_terms.append(present)
        self.mix = _sum(mix_terms)
        self.mix_max = len(mix_terms)

    def hint(self, assignment: dict[int, Sequence[int]]) -> None:
        self.model.clear_hints()
        counts: dict[tuple[tuple, int], int] = defaultdict(int)
        class_of = {p.id: key for key, members in self.classes.items() for p in members}
        used_unranked: set[int] = set()
        for participant_id, slot_ids in assignment.items():
            for slot_id in slot_ids:
                if (participant_id, slot_id) in self.x:
                    continue
                key = class_of.get(participant_id)
                if key is not None and (key, slot_id) in self.y:
                    counts[key, slot_id] += 1
                    used_unranked.add(participant_id)
        for (participant_id, slot_id), var in self.x.items():
            self.model.add_hint(var, slot_id in assignment.get(participant_id, ()))
        for participant_id, var in self.u.items():
            self.model.add_hint(var, participant_id in used_unranked)
        for key, var in self.y.items():
            self.model.add_hint(var, counts.get(key, 0))
        for participant_id, var in self.placed_vars.items():
            self.model.add_hint(var, bool(assignment.get(participant_id)))
        people = {p.id: p for p in self.prep.problem.participants}
        present = {
            (slot_id, people[participant_id].country)
            for participant_id, slot_ids in assignment.items()
            for slot_id in slot_ids
            if participant_id in people
        }
        for key, var in self.d.items():
            self.model.add_hint(var, key in present)

    def read(self, solver: cp_model.CpSolver) -> dict[int, tuple[int, ...]]:
        assignment: dict[int, list[int]] = defaultdict(list)
        for participant_id, slot_id in self.prep.problem.pins:
            assignment[participant_id].append(slot_id)
        for (participant_id, slot_id), var in self.x.items():
            if solver.boolean_value(var):
                assignment[participant_id].append(slot_id)
        for key, members in self.classes.items():
            seats = [slot_id for slot_id in key[3] for _ in range(solver.value(self.y[key, slot_id]))]
            chosen = [p for p in sorted(members, key=lambda p: p.id) if solver.boolean_value(self.u[p.id])]
            for participant, slot_id in zip(chosen, seats, strict=True):
                assignment[participant.id].append(slot_id)
        return {pid: tuple(sorted(ids)) for pid, ids in assignment.items() if ids}


def solve_stage(
    m: LevelModel,
    name: str,
    objective,
    seconds: float,
    *,
    workers: int,
    seed: int,
    stop: threading.Event | None = None,
    presolve: bool = True,
) -> tuple[Stage, dict[int, tuple[int, ...]] | None]:
    """Maximise ``objective`` for at most ``seconds``; ``stop`` (set from another thread) ends the
    search early, with what it has found so far. ``presolve=False`` skips CP-SAT's presolve and
    symmetry detection, which on a model of every participant-slot pair (tens of thousands of
    Booleans) can take the whole time limit before the search, hinted with a complete answer,
    even starts; the search then tightens the bound with its LP from the first second."""
    m.model.maximize(objective)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    if not presolve:
        solver.parameters.cp_model_presolve = False
        solver.parameters.symmetry_level = 0
    began = time.perf_counter()
    done = threading.Event()

    def watch() -> None:
        assert stop is not None
        while not done.is_set():
            if stop.wait(0.1):
                solver.stop_search()  # thread-safe; repeated until the search has really begun
                done.wait(0.1)

    watcher = threading.Thread(target=watch, daemon=True) if stop is not None else None
    if watcher is not None:
        watcher.start()
    try:
        code = solver.solve(m.model)
    finally:
        done.set()
        if watcher is not None:
            watcher.join()
    took = time.perf_counter() - began
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Stage(name, _status_name(code), None, None, took), None
    stage = Stage(name, _status_name(code), solver.objective_value, solver.best_objective_bound, took)
    return stage, m.read(solver)
