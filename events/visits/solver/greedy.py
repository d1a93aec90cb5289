"""Deterministic greedy answers: the baseline assignment (and the fallback when the exact
method finds nothing in time), and the seating of a slot's participants in its vehicles."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from events.visits.solver.model import (
    Participant,
    Problem,
    Slot,
    incompatibility,
    overlaps,
    slot_ranks,
    support_unmet,
)


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
        ranks = slot_ranks(participant, options[participant.id])
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
