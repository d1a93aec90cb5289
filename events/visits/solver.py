"""The study-visit scheduler: data in, assignment out. No database, no HTTP.

Times are whole minutes on any common clock (the service uses minutes since the Unix epoch, UTC).
Every slot is a round trip from the venue: its vehicles leave at ``depart`` (the visit's start
minus the venue-to-site travel time), the visit runs from ``start`` to ``end`` and the group is
back at ``back`` (the end plus the site-to-venue time). A participant on a slot is busy, and its
vehicles are away, for the whole trip.

Hard rules (never broken; :func:`violations` checks them):

* a slot holds at most ``capacity`` participants (the service sets it to the smallest of the
  site's group size, the organiser's limit and the seats of the slot's vehicles), and at most
  as many participants needing step-free access as its vehicles have step-free seats;
* a participant needing step-free access goes only to a step-free site;
* a participant has at most ``visits_per_participant`` visits, never two trips at once, and no
  trip overlapping a busy interval (a session they signed up for, a non-optional session, before
  arrival or after departure); a busy interval tied to the slot's own agenda item does not count;
* pinned assignments are kept as they are.

Objective, lexicographic (each level matters only among answers equal on the levels before):

1. the **worst-off participant**: minimise the worst rank among participants who ranked at least
   one choice and can be placed at all (rank 1-5: the best choice their visit matches;
   6: a slot they did not rank; 7: no visit);
2. the number of participants **placed** (then, with several visits each, the number of visits);
3. **sign language** needs not met (a sign-language guide, or a site that provides
   interpretation on request): as few as possible;
4. the **total preference score**: 5 for a first choice, 4, 3, 2, 1 for the fifth, 0 unranked;
5. **country mix** (soft): the number of distinct countries per group, summed over groups.

How it is solved (all exact, all OR-Tools):

* level 1 by maximum flow: the smallest rank R such that every contender can be given a visit
  ranked R or better at once (participants → slots of that rank → seats) is the optimum, and it
  becomes a hard constraint for the levels after;
* with one visit per participant, levels 2-4 are a minimum-cost flow (integral, so exact): one
  weighted objective whose weights keep the levels lexicographic. The same flow also earns one
  unit per (group, country) pair, which solves level 5 exactly unless step-free participants and
  others from one country share a group; then a relaxation bounds level 5 and CP-SAT improves
  the mix among the answers optimal on levels 1-4, under the time limit;
* with several visits per participant (not a flow any more), CP-SAT solves levels 2-4 (hinted
  with the greedy answer), then level 5 with those fixed.

Every stage reports whether it was proven optimal; the answer is optimal when all are, else the
gap of the first level not proven is reported. A deterministic greedy answer is computed first;
the better of the two (by the objective above) is returned, so the answer is never worse than
the greedy one, and it answers alone when the exact method finds nothing in time.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.graph.python import max_flow, min_cost_flow
from ortools.sat.python import cp_model

MAX_CHOICES = 5
UNRANKED = 6
UNASSIGNED = 7
#: Preference score of a visit by rank; a slot the participant did not rank scores 0.
SCORES = {1: 5, 2: 4, 3: 3, 4: 2, 5: 1}
DEFAULT_WORKERS = 2


# --- input -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Busy:
    """A time a participant cannot be on a trip. ``session_id`` ties it to an agenda item."""

    start: int
    end: int
    label: str = ""
    session_id: int | None = None


@dataclass(frozen=True, slots=True)
class Vehicle:
    id: int
    seats: int
    step_free_seats: int = 0
    name: str = ""


@dataclass(frozen=True, slots=True)
class Slot:
    id: int
    site_id: int
    start: int
    end: int
    depart: int
    back: int
    capacity: int
    vehicles: tuple[Vehicle, ...] = ()
    step_free: bool = False
    #: A sign-language guide, or interpretation the site provides on request.
    sign_language: bool = False
    #: The agenda item this slot belongs to: a busy interval with this session id does not clash.
    session_id: int | None = None

    @property
    def step_free_seats(self) -> int:
        return sum(vehicle.step_free_seats for vehicle in self.vehicles)


@dataclass(frozen=True, slots=True)
class Choice:
    """One ranked choice: a slot, or a site (any slot there)."""

    slot_id: int | None = None
    site_id: int | None = None


@dataclass(frozen=True, slots=True)
class Participant:
    id: int
    country: str = ""
    step_free: bool = False
    sign_language: bool = False
    busy: tuple[Busy, ...] = ()
    choices: tuple[Choice, ...] = ()
    #: First come, first served order (e.g. when they registered); only the baseline uses it.
    order: int = 0


@dataclass(frozen=True)
class Problem:
    participants: tuple[Participant, ...]
    slots: tuple[Slot, ...]
    #: (participant id, slot id) pairs an organiser fixed; a run never moves them.
    pins: tuple[tuple[int, int], ...] = ()
    visits_per_participant: int = 1


# --- output ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Unplaced:
    participant_id: int
    code: str
    detail: str


@dataclass(frozen=True, slots=True)
class Quality:
    """The objective's levels; :meth:`key` orders answers (smaller is better)."""

    worst_rank: int | None
    placed: int
    visits: int
    unmet_support: int
    preference_score: int
    country_mix: int

    def key(self) -> tuple[int, ...]:
        return (
            self.worst_rank or 0,
            -self.placed,
            -self.visits,
            self.unmet_support,
            -self.preference_score,
            -self.country_mix,
        )


@dataclass(frozen=True, slots=True)
class Stage:
    name: str
    status: str
    objective: float | None
    bound: float | None
    seconds: float


@dataclass
class Result:
    assignment: dict[int, tuple[int, ...]]
    method: str  # "exact", "greedy" or "none"
    optimal: bool
    #: Relative gap of the last stage not proven optimal (``None`` when optimal or unknown).
    gap: float | None
    quality: Quality | None
    unplaced: list[Unplaced]
    pin_conflicts: list[str] = field(default_factory=list)
    stages: list[Stage] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def status(self) -> str:
        if self.pin_conflicts:
            return "invalid_pins"
        if self.method == "greedy":
            return "greedy"
        return "optimal" if self.optimal else "feasible"


# --- rules -------------------------------------------------------------------------------------


def overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def incompatibility(participant: Participant, slot: Slot) -> tuple[str, str] | None:
    """Why this participant may never be on this slot (a code and a sentence), or ``None``."""
    if slot.capacity <= 0:
        return "no_seats", "the slot has no seats"
    if participant.step_free:
        if not slot.step_free:
            return "step_free_site", "the site is not step-free"
        if slot.step_free_seats <= 0:
            return "step_free_seat", "its vehicles have no step-free seat"
    for busy in participant.busy:
        if busy.session_id is not None and busy.session_id == slot.session_id:
            continue
        if overlaps(slot.depart, slot.back, busy.start, busy.end):
            return "clash", f"the trip clashes with {busy.label or 'another commitment'}"
    return None


def rank_of(participant: Participant, slot: Slot) -> int:
    """The best rank among the participant's choices that this slot matches, else ``UNRANKED``."""
    for position, choice in enumerate(participant.choices[:MAX_CHOICES], start=1):
        if choice.slot_id == slot.id or (choice.slot_id is None and choice.site_id == slot.site_id):
            return position
    return UNRANKED


def _ranks(participant: Participant, slots: Iterable[Slot]) -> dict[int, int]:
    """``rank_of`` for many slots at once: slot id → rank."""
    by_slot: dict[int, int] = {}
    by_site: dict[int, int] = {}
    for position, choice in enumerate(participant.choices[:MAX_CHOICES], start=1):
        if choice.slot_id is not None:
            by_slot.setdefault(choice.slot_id, position)
        elif choice.site_id is not None:
            by_site.setdefault(choice.site_id, position)
    return {s.id: min(by_slot.get(s.id, UNRANKED), by_site.get(s.site_id, UNRANKED)) for s in slots}


def support_unmet(participant: Participant, slot: Slot) -> int:
    """1 when the participant needs sign language and the slot cannot provide it."""
    return int(participant.sign_language and not slot.sign_language)


def violations(problem: Problem, assignment: dict[int, Sequence[int]]) -> list[str]:
    """Every hard rule the assignment breaks (empty when it is valid)."""
    problems: list[str] = []
    people = {p.id: p for p in problem.participants}
    slots = {s.id: s for s in problem.slots}
    taken: dict[int, int] = defaultdict(int)
    step_free_taken: dict[int, int] = defaultdict(int)
    for participant_id, slot_ids in assignment.items():
        participant = people.get(participant_id)
        if participant is None:
            problems.append(f"participant {participant_id} is not in the problem")
            continue
        if len(set(slot_ids)) != len(slot_ids):
            problems.append(f"participant {participant_id} is on a slot twice")
        if len(slot_ids) > problem.visits_per_participant:
            problems.append(f"participant {participant_id} has {len(slot_ids)} visits")
        chosen = []
        for slot_id in slot_ids:
            slot = slots.get(slot_id)
            if slot is None:
                problems.append(f"participant {participant_id} is on unknown slot {slot_id}")
                continue
            chosen.append(slot)
            taken[slot_id] += 1
            step_free_taken[slot_id] += participant.step_free
            reason = incompatibility(participant, slot)
            if reason:
                problems.append(f"participant {participant_id} on slot {slot_id}: {reason[1]}")
        for i, first in enumerate(chosen):
            for second in chosen[i + 1 :]:
                if overlaps(first.depart, first.back, second.depart, second.back):
                    problems.append(f"participant {participant_id}: slots {first.id} and {second.id} overlap")
    for slot_id, count in taken.items():
        slot = slots[slot_id]
        if count > slot.capacity:
            problems.append(f"slot {slot_id}: {count} participants for {slot.capacity} seats")
        if step_free_taken[slot_id] > slot.step_free_seats:
            problems.append(
                f"slot {slot_id}: {step_free_taken[slot_id]} need step-free seats, "
                f"its vehicles have {slot.step_free_seats}"
            )
    for participant_id, slot_id in problem.pins:
        if slot_id not in assignment.get(participant_id, ()):
            problems.append(f"pinned assignment of participant {participant_id} to slot {slot_id} was moved")
    return problems


def quality(
    problem: Problem, assignment: dict[int, Sequence[int]], *, contenders: set[int] | None = None
) -> Quality:
    """The objective's levels for an assignment. ``contenders`` (who counts for the worst-off
    level) is computed when not given."""
    slots = {s.id: s for s in problem.slots}
    if contenders is None:
        contenders = {p.id for p in problem.participants if p.choices and _placeable(problem, p, slots)}
    worst: int | None = None
    placed = visits = unmet = score = 0
    groups: dict[int, set[str]] = defaultdict(set)
    for participant in problem.participants:
        chosen = [slots[s] for s in assignment.get(participant.id, ()) if s in slots]
        visits += len(chosen)
        placed += bool(chosen)
        ranks = [rank_of(participant, slot) for slot in chosen]
        if participant.id in contenders:
            best = min(ranks, default=UNASSIGNED)
            worst = best if worst is None else max(worst, best)
        for slot, rank in zip(chosen, ranks, strict=True):
            unmet += support_unmet(participant, slot)
            score += SCORES.get(rank, 0)
            if participant.country:
                groups[slot.id].add(participant.country)
    return Quality(worst, placed, visits, unmet, score, sum(len(c) for c in groups.values()))


def _placeable(problem: Problem, participant: Participant, slots: dict[int, Slot]) -> bool:
    if any(p == participant.id for p, _ in problem.pins):
        return True
    return any(incompatibility(participant, slot) is None for slot in slots.values())


# --- metrics -----------------------------------------------------------------------------------


def metrics(problem: Problem, assignment: dict[int, Sequence[int]]) -> dict:
    """What an organiser looks at before committing: choices met, and how full each site is."""
    slots = {s.id: s for s in problem.slots}
    ranked = [p for p in problem.participants if p.choices]
    first = any_choice = 0
    rank_counts: dict[str, int] = defaultdict(int)
    for participant in problem.participants:
        chosen = [slots[s] for s in assignment.get(participant.id, ()) if s in slots]
        best = min((rank_of(participant, slot) for slot in chosen), default=UNASSIGNED)
        if participant.choices:
            first += best == 1
            any_choice += best <= MAX_CHOICES
            rank_counts[str(best) if best <= MAX_CHOICES else ("unranked" if chosen else "none")] += 1
    per_site: dict[int, dict[str, float]] = {}
    per_slot: dict[int, dict[str, float]] = {}
    taken: dict[int, int] = defaultdict(int)
    for slot_ids in assignment.values():
        for slot_id in slot_ids:
            taken[slot_id] += 1
    for slot in problem.slots:
        site = per_site.setdefault(slot.site_id, {"seats": 0, "assigned": 0, "fill": 0.0})
        site["seats"] += slot.capacity
        site["assigned"] += taken[slot.id]
        per_slot[slot.id] = {
            "seats": slot.capacity,
            "assigned": taken[slot.id],
            "fill": round(taken[slot.id] / slot.capacity, 4) if slot.capacity else 0.0,
        }
    for site in per_site.values():
        site["fill"] = round(site["assigned"] / site["seats"], 4) if site["seats"] else 0.0
    placed = sum(1 for p in problem.participants if assignment.get(p.id))
    return {
        "participants": len(problem.participants),
        "with_choices": len(ranked),
        "placed": placed,
        "unplaced": len(problem.participants) - placed,
        "first_choice": first,
        "first_choice_share": round(first / len(ranked), 4) if ranked else None,
        "any_choice": any_choice,
        "any_choice_share": round(any_choice / len(ranked), 4) if ranked else None,
        "by_rank": dict(sorted(rank_counts.items())),
        "per_site": per_site,
        "per_slot": per_slot,
    }


# --- pins and explanations ---------------------------------------------------------------------


def check_pins(problem: Problem) -> list[str]:
    """Pins that break a hard rule on their own; a run refuses to move or drop them."""
    pinned: dict[int, list[int]] = defaultdict(list)
    for participant_id, slot_id in problem.pins:
        pinned[participant_id].append(slot_id)
    pinned_only = {participant_id: tuple(slot_ids) for participant_id, slot_ids in pinned.items()}
    return violations(problem, pinned_only)


def explain(problem: Problem, assignment: dict[int, Sequence[int]]) -> list[Unplaced]:
    """Why each participant without a visit has none."""
    slots = problem.slots
    taken: dict[int, int] = defaultdict(int)
    step_free_taken: dict[int, int] = defaultdict(int)
    people = {p.id: p for p in problem.participants}
    for participant_id, slot_ids in assignment.items():
        for slot_id in slot_ids:
            taken[slot_id] += 1
            step_free_taken[slot_id] += people[participant_id].step_free if participant_id in people else 0
    out: list[Unplaced] = []
    for participant in problem.participants:
        if assignment.get(participant.id):
            continue
        if not slots:
            out.append(Unplaced(participant.id, "no_slots", "the event has no visit slots"))
            continue
        reasons = {slot.id: incompatibility(participant, slot) for slot in slots}
        open_slots = [slot for slot in slots if reasons[slot.id] is None]
        if open_slots:
            step_free_full = participant.step_free and all(
                step_free_taken[s.id] >= s.step_free_seats for s in open_slots
            )
            if step_free_full and not all(taken[s.id] >= s.capacity for s in open_slots):
                out.append(
                    Unplaced(
                        participant.id,
                        "step_free_seats_full",
                        f"the step-free seats of all {len(open_slots)} suitable slot(s) are taken",
                    )
                )
            else:
                out.append(
                    Unplaced(
                        participant.id,
                        "full",
                        f"all {len(open_slots)} suitable slot(s) are full: "
                        + ", ".join(str(s.id) for s in open_slots[:10]),
                    )
                )
            continue
        codes = {reason[0] for reason in reasons.values() if reason}
        if participant.step_free and codes <= {"step_free_site", "no_seats"}:
            out.append(
                Unplaced(
                    participant.id,
                    "no_step_free_site",
                    "needs step-free access: no slot is at a step-free site",
                )
            )
        elif participant.step_free and codes <= {"step_free_site", "step_free_seat", "no_seats"}:
            out.append(
                Unplaced(
                    participant.id,
                    "no_step_free_seat",
                    "needs step-free access: the vehicles of the step-free sites' slots have no step-free seat",
                )
            )
        else:
            clashes = sorted({reason[1] for reason in reasons.values() if reason and reason[0] == "clash"})
            detail = "; ".join(clashes[:3]) if clashes else "no slot fits"
            out.append(
                Unplaced(participant.id, "clash", f"every slot clashes with their programme: {detail}")
            )
    return out


# --- greedy ------------------------------------------------------------------------------------


def greedy(problem: Problem, *, order: str = "constrained") -> dict[int, tuple[int, ...]]:
    """A deterministic greedy assignment that keeps every hard rule.

    ``order="fcfs"`` is the first-come-first-served baseline: participants in ``order`` take their
    best available choice, else any slot with room. ``order="constrained"`` (the fallback) serves
    the hardest to place first (step-free, support needs, fewest suitable slots).
    """
    slots = {s.id: s for s in problem.slots}
    free = {s.id: s.capacity for s in problem.slots}
    step_free_free = {s.id: s.step_free_seats for s in problem.slots}
    assignment: dict[int, list[int]] = defaultdict(list)
    people = {p.id: p for p in problem.participants}
    for participant_id, slot_id in problem.pins:
        if participant_id in people and slot_id in slots:
            assignment[participant_id].append(slot_id)
            free[slot_id] -= 1
            step_free_free[slot_id] -= people[participant_id].step_free
    options = {
        p.id: [s for s in problem.slots if incompatibility(p, s) is None] for p in problem.participants
    }
    if order == "fcfs":
        queue = sorted(problem.participants, key=lambda p: (p.order, p.id))
    else:
        queue = sorted(
            problem.participants,
            key=lambda p: (
                not p.step_free,
                not p.sign_language,
                len(options[p.id]),
                p.order,
                p.id,
            ),
        )
    for participant in queue:
        ranks = _ranks(participant, options[participant.id])
        while len(assignment[participant.id]) < problem.visits_per_participant:
            mine = [slots[s] for s in assignment[participant.id]]
            candidates = [
                s
                for s in options[participant.id]
                if free[s.id] > 0
                and (not participant.step_free or step_free_free[s.id] > 0)
                and s.id not in assignment[participant.id]
                and not any(overlaps(s.depart, s.back, m.depart, m.back) for m in mine)
            ]
            if not candidates:
                break
            if order == "fcfs":
                best = min(candidates, key=lambda s: (ranks[s.id], s.id))
            else:
                best = min(
                    candidates,
                    key=lambda s: (
                        ranks[s.id],
                        support_unmet(participant, s),
                        -free[s.id],
                        s.id,
                    ),
                )
            assignment[participant.id].append(best.id)
            free[best.id] -= 1
            step_free_free[best.id] -= participant.step_free
    return {pid: tuple(sorted(ids)) for pid, ids in assignment.items() if ids}


# --- CP-SAT ---


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


@dataclass
class _Prepared:
    """What the exact method works on: each participant's open slots once pins are placed."""

    problem: Problem
    slots: dict[int, Slot]
    pinned: dict[int, list[Slot]]
    #: Slots a participant may still be given: compatible, not pinned, not overlapping a pinned trip.
    options: dict[int, list[Slot]]
    room: dict[int, int]
    free: dict[int, int]
    step_free_free: dict[int, int]
    #: Participants who count for the worst-off level: they ranked something and can be placed.
    contenders: list[Participant]
    pinned_best: dict[int, int]
    #: The rank of each open slot per participant.
    ranks: dict[int, dict[int, int]]


def _prepare(problem: Problem) -> _Prepared:
    slots = {s.id: s for s in problem.slots}
    people = {p.id: p for p in problem.participants}
    pinned: dict[int, list[Slot]] = defaultdict(list)
    free = {s.id: s.capacity for s in problem.slots}
    step_free_free = {s.id: s.step_free_seats for s in problem.slots}
    for participant_id, slot_id in problem.pins:
        pinned[participant_id].append(slots[slot_id])
        free[slot_id] -= 1
        step_free_free[slot_id] -= people[participant_id].step_free
    options: dict[int, list[Slot]] = {}
    room: dict[int, int] = {}
    contenders: list[Participant] = []
    pinned_best: dict[int, int] = {}
    for participant in problem.participants:
        mine = pinned.get(participant.id, [])
        room[participant.id] = problem.visits_per_participant - len(mine)
        mine_ids = {s.id for s in mine}
        options[participant.id] = (
            [
                s
                for s in problem.slots
                if s.id not in mine_ids
                and incompatibility(participant, s) is None
                and not any(overlaps(s.depart, s.back, m.depart, m.back) for m in mine)
            ]
            if room[participant.id] > 0
            else []
        )
        pinned_best[participant.id] = min((rank_of(participant, s) for s in mine), default=UNASSIGNED)
        if participant.choices and (mine or options[participant.id]):
            contenders.append(participant)
    ranks = {
        participant.id: _ranks(participant, options[participant.id]) for participant in problem.participants
    }
    return _Prepared(
        problem, slots, pinned, options, room, free, step_free_free, contenders, pinned_best, ranks
    )


def _cover(prep: _Prepared, level: int) -> list[tuple[int, int]] | None:
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


def worst_off_level(prep: _Prepared) -> int | None:
    """The best achievable worst rank among contenders (``None`` when nobody ranked anything)."""
    if not prep.contenders:
        return None
    floor = 1
    for participant in prep.contenders:
        best_open = min(prep.ranks[participant.id].values(), default=UNASSIGNED)
        floor = max(floor, min(prep.pinned_best[participant.id], best_open))
    for level in range(floor, UNRANKED + 1):
        if _cover(prep, level) is not None:
            return level
    return UNASSIGNED


@dataclass(frozen=True)
class _Weights:
    """Weights that keep a weighted sum lexicographic: each level's weight exceeds the largest
    possible total of the levels below it."""

    unmet: int
    visits: int
    placed: int

    @classmethod
    def of(cls, score_max: int, unmet_max: int, visits_max: int) -> _Weights:
        unmet = score_max + 1
        visits = (unmet_max + 1) * unmet
        return cls(unmet=unmet, visits=visits, placed=(visits_max + 1) * visits)


def _weights(prep: _Prepared) -> _Weights:
    score = unmet = visits = 0
    for participant in prep.problem.participants:
        most = min(prep.room[participant.id], len(prep.options[participant.id]))
        visits += most
        score += SCORES[1] * most
        unmet += most * participant.sign_language
    return _Weights.of(score, unmet, visits)


@dataclass
class _FlowAnswer:
    assignment: dict[int, tuple[int, ...]]
    #: The value of the weighted levels 2-4 (placed, support needs, preference score): optimal.
    main: int
    #: An upper bound on the number of new (group, country) pairs among answers optimal on ``main``.
    mix_bound: int


class _Network:
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
    Lagrangian relaxation of its step-free seats).
    """

    def __init__(
        self,
        prep: _Prepared,
        level: int | None,
        weights: _Weights,
        *,
        mix: bool,
        step_free_seats: bool = True,
        seat_prices: dict[int, int] | None = None,
    ) -> None:
        self.prep = prep
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

    def answer(self) -> _FlowAnswer:
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
        return _FlowAnswer(
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


def _flow_optimum(
    prep: _Prepared, level: int | None, weights: _Weights, *, step_free_seats: bool = True
) -> _FlowAnswer | None:
    """The flow's answer with the country mix as the last level (see :class:`_Network`)."""
    if prep.problem.visits_per_participant != 1:
        return None
    network = _Network(prep, level, weights, mix=True, step_free_seats=step_free_seats)
    return network.answer() if network.solve() else None


def _priced_mix_bound(
    prep: _Prepared,
    level: int | None,
    weights: _Weights,
    network: _Network,
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
    charged = _Network(prep, level, weights, mix=True, step_free_seats=False, seat_prices=prices)
    if not charged.solve():
        return None
    seats = sum(prices[slot_id] * max(0, prep.step_free_free[slot_id]) for slot_id in prices)
    total = -charged.cost + seats * charged.scale
    return int(total - main * charged.scale)


def _refine_mix(
    prep: _Prepared, flow: _FlowAnswer, level: int | None, weights: _Weights
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
    narrowed = _Prepared(
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
    again = _flow_optimum(narrowed, level, weights)
    return again.assignment if again is not None else flow.assignment


class _FaceModel:
    """CP-SAT over the answers optimal on levels 1-4 (one visit each), to maximise the mix.

    The optimal face of the flow is described exactly by complementary slackness: arcs with a
    positive reduced cost are empty, those with a negative one are full, the rest are free.
    Only free participant-slot arcs become variables, so the model is small and needs no
    objective constraint with large coefficients.
    """

    def __init__(self, network: _Network) -> None:
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


class _Model:
    """The CP-SAT model, with the worst-off level fixed as hard constraints.

    With one visit per participant the model is aggregated: each participant has a Boolean per
    slot they ranked, plus one "unranked visit" Boolean; unranked visits are counted per class of
    interchangeable participants (same country, needs and open slots) with an integer per class
    and slot. Any assignment maps to this model with the same objective and back, so the
    optimum is the same, with a fraction of the variables. With several visits per participant
    every open slot gets a Boolean, and overlapping trips are excluded per participant.
    """

    def __init__(self, prep: _Prepared, level: int | None, weights: _Weights) -> None:
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
    """Assign participants to slots (see the module's docstring for the rules and the objective).

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


def _cp_sat(
    m: _Model, name: str, objective, seconds: float, *, workers: int, seed: int
) -> tuple[Stage, dict[int, tuple[int, ...]] | None]:
    m.model.maximize(objective)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    began = time.perf_counter()
    code = solver.solve(m.model)
    took = time.perf_counter() - began
    if code not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Stage(name, _status_name(code), None, None, took), None
    stage = Stage(name, _status_name(code), solver.objective_value, solver.best_objective_bound, took)
    return stage, m.read(solver)


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
    prep = _prepare(problem)
    contenders = {p.id for p in prep.contenders}
    level = worst_off_level(prep)
    stages = [Stage("worst-off rank (max-flow)", "optimal", level, level, time.perf_counter() - clock)]
    weights = _weights(prep)
    pinned_mix = quality(problem, {p: (s,) for p, s in problem.pins}, contenders=contenders).country_mix

    def mix_of(assignment: dict[int, tuple[int, ...]]) -> int:
        return quality(problem, assignment, contenders=contenders).country_mix - pinned_mix

    clock = time.perf_counter()
    flow = _flow_optimum(prep, level, weights) if use_flow else None
    mix_bound: float | None = None
    if flow is not None:
        relaxed = _flow_optimum(prep, level, weights, step_free_seats=False)
        if relaxed is not None and relaxed.main == flow.main:
            # Its mix bounds the mix of every answer that is optimal on the levels before.
            flow.mix_bound = min(flow.mix_bound, relaxed.mix_bound)
            if not violations(problem, relaxed.assignment):
                flow.assignment = relaxed.assignment
        refined = _refine_mix(prep, flow, level, weights)
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
        network = _Network(prep, level, weights, mix=False)
        if not network.solve():  # pragma: no cover - the same flow was just solved
            return _Outcome(found, False, _relative_gap(mix_of(found), mix_bound), stages)
        reduced = network.reduced_costs()
        priced = _priced_mix_bound(prep, level, weights, network, reduced, flow.main)
        if priced is not None:
            mix_bound = min(mix_bound, priced)
        if mix_of(found) >= mix_bound:
            stages.append(Stage("country mix (min-cost flow)", "optimal", mix_of(found), mix_bound, 0.0))
            return _Outcome(found, True, None, stages)
        face = _FaceModel(network)
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
    cover = _cover(prep, level) if level is not None and level <= UNRANKED else []
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
    m = _Model(prep, level, weights)
    m.hint(start)
    found = start
    budget_end = deadline - (mix_share * time_limit_s if m.mix_max else 0.0)
    for name, expression in (
        ("placed", m.placed),
        ("visits", m.visits),
        ("sign language met", -m.unmet),
        ("preference score", m.score),
    ):
        stage, maybe = _cp_sat(
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
        stage, mixed = _cp_sat(model, "country mix", objective, remaining, workers=workers, seed=seed)
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


def pack_vehicles(
    slot: Slot,
    participants: Iterable[Participant],
    previous: dict[int, int] | None = None,
) -> dict[int, int]:
    """Seat a slot's participants in its vehicles and return participant → vehicle.

    Participants needing step-free access are seated first, in step-free seats; then the others,
    preferring vehicles with plain seats left. Each keeps their ``previous`` vehicle where it
    still fits. Always succeeds when the slot's capacity rules hold.
    """
    previous = previous or {}
    seats = {v.id: v.seats for v in slot.vehicles}
    step_free_seats = {v.id: min(v.step_free_seats, v.seats) for v in slot.vehicles}
    people = sorted(participants, key=lambda p: p.id)
    seating: dict[int, int] = {}
    for needs_step_free in (True, False):
        for keep_previous in (True, False):
            for participant in people:
                if participant.id in seating or participant.step_free != needs_step_free:
                    continue
                candidates = [
                    v.id
                    for v in slot.vehicles
                    if seats[v.id] > 0 and (not needs_step_free or step_free_seats[v.id] > 0)
                ]
                if keep_previous:
                    candidates = [v for v in candidates if v == previous.get(participant.id)]
                if not candidates:
                    continue
                # Plain passengers go where plain seats are left, keeping step-free seats free.
                vehicle = min(candidates, key=lambda v: (-(seats[v] - step_free_seats[v]), -seats[v], v))
                seating[participant.id] = vehicle
                seats[vehicle] -= 1
                if needs_step_free:
                    step_free_seats[vehicle] -= 1
                step_free_seats[vehicle] = min(step_free_seats[vehicle], seats[vehicle])
    return seating
