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
* with several visits per participant (not a flow any more), in rounds (:mod:`.rounds`): the
  first visits are the one-visit answer (and a flow on the several-visits instance, for pinned
  participants the worst-off level needs to improve), exact on levels 1-2 (placing someone needs
  one visit); each further round is a min-cost flow with the rounds before it fixed (exact given
  them), and a greedy extension too, the better kept: never worse than the one-visit answer
  extended greedily. A relaxation (each participant's first visit, then at most one slot of each
  group of overlapping trips; a min-cost flow) bounds levels 3-4, a seat count bounds level 5.
  While time is left and a level is not proven, CP-SAT on every participant-slot pair, started
  from the rounds' answer with the placed level fixed, improves the answer and the bound.

Every stage reports whether it was proven optimal; the answer is optimal when all are, else the
gap of the first level not proven is reported (``Result.proof``: the level, the value, the proven
bound and the gap). A deterministic greedy answer is computed first;
the better of the two (by the objective above) is returned, so the answer is never worse than
the greedy one, and it answers alone when the exact method finds nothing in time.

The package, by job: :mod:`.model` (the instance, the answer and the prepared form the exact
methods share), :mod:`.checks` (the hard rules, the objective, explanations), :mod:`.greedy`
(the baseline answer and vehicle seating), :mod:`.flows` (max-flow and min-cost-flow levels),
:mod:`.cpsat` (the CP-SAT models), :mod:`.rounds` (several visits each, and the bound) and
:mod:`.exact` (:func:`solve`, which runs them in order).
"""

from events.visits.solver.checks import check_pins, explain, metrics, quality, violations
from events.visits.solver.exact import solve
from events.visits.solver.flows import worst_off_level
from events.visits.solver.greedy import greedy, pack_vehicles
from events.visits.solver.model import (
    DEFAULT_WORKERS,
    MAX_CHOICES,
    SCORES,
    UNASSIGNED,
    UNRANKED,
    Busy,
    Choice,
    Gap,
    Participant,
    Problem,
    Quality,
    Result,
    Slot,
    Stage,
    Unplaced,
    Vehicle,
    incompatibility,
    overlaps,
    rank_of,
    support_unmet,
)
from events.visits.solver.rounds import by_round

__all__ = [
    "DEFAULT_WORKERS",
    "MAX_CHOICES",
    "SCORES",
    "UNASSIGNED",
    "UNRANKED",
    "Busy",
    "Choice",
    "Gap",
    "Participant",
    "Problem",
    "Quality",
    "Result",
    "Slot",
    "Stage",
    "Unplaced",
    "Vehicle",
    "by_round",
    "check_pins",
    "explain",
    "greedy",
    "incompatibility",
    "metrics",
    "overlaps",
    "pack_vehicles",
    "quality",
    "rank_of",
    "solve",
    "support_unmet",
    "violations",
    "worst_off_level",
]
