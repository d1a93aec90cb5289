"""The scheduler's data: the instance (participants, slots, pins), the answer (assignment,
quality, stages), the rules every method shares (clashes, ranks), and the prepared instance
with the lexicographic weights that the flow and CP-SAT levels work on."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

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


@dataclass(frozen=True, slots=True)
class Gap:
    """An answer against a proven bound: the first level of the objective where they differ
    (``visits``, ``sign_language``, ``preference_score`` or ``country_mix``; the levels before it are
    proven optimal), the answer's value there, the bound and the relative gap. A gap of 0 on
    ``country_mix``, the last level, means the answer is proven optimal."""

    level: str
    achieved: float
    bound: float
    #: ``(bound - achieved) / bound`` on a level to maximise, ``(achieved - bound) / achieved`` on
    #: one to minimise (unmet sign-language needs); 0 when proven.
    gap: float


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
    #: The answer against the proven bound (``None`` when no bound was proven, e.g. greedy).
    proof: Gap | None = None

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


def slot_ranks(participant: Participant, slots: Iterable[Slot]) -> dict[int, int]:
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


# --- the prepared instance the exact methods share -------------------------------------------


@dataclass
class Prepared:
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


def prepare(problem: Problem) -> Prepared:
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
        participant.id: slot_ranks(participant, options[participant.id])
        for participant in problem.participants
    }
    return Prepared(
        problem, slots, pinned, options, room, free, step_free_free, contenders, pinned_best, ranks
    )


@dataclass(frozen=True)
class Weights:
    """Weights that keep a weighted sum lexicographic: each level's weight exceeds the largest
    possible total of the levels below it."""

    unmet: int
    visits: int
    placed: int

    @classmethod
    def of(cls, score_max: int, unmet_max: int, visits_max: int) -> Weights:
        unmet = score_max + 1
        visits = (unmet_max + 1) * unmet
        return cls(unmet=unmet, visits=visits, placed=(visits_max + 1) * visits)


def lexicographic_weights(prep: Prepared) -> Weights:
    score = unmet = visits = 0
    for participant in prep.problem.participants:
        most = min(prep.room[participant.id], len(prep.options[participant.id]))
        visits += most
        score += SCORES[1] * most
        unmet += most * participant.sign_language
    return Weights.of(score, unmet, visits)
