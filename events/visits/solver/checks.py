"""The independent judge of an answer: the hard rules it breaks, its quality on the objective's
levels, the organiser's metrics, pin conflicts, and why someone stays unplaced."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from events.visits.solver.model import (
    MAX_CHOICES,
    SCORES,
    UNASSIGNED,
    Participant,
    Problem,
    Quality,
    Slot,
    Unplaced,
    incompatibility,
    overlaps,
    rank_of,
    support_unmet,
)


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
