"""Synthetic scheduling problems of a realistic shape, for the benchmark and the scale tests.

Pure and seeded: the same arguments give the same problem. Shape (the Baku symposium, scaled):

* sites: one per four slots (at least three); about two thirds are step-free, a quarter provide
  sign-language interpretation on request;
* slots: a morning (09:00-12:30) and an afternoon (14:30-17:30) trip per site and day, so the
  trips of one half-day overlap; 15-60 minutes' travel each way; groups of 20-35; one coach or
  two minibuses, step-free seats only on the vehicles of step-free sites;
* participants: 45 countries with a few large delegations; 2 % need step-free access, 1 % sign
  language; one in ten signed up for an optional workshop that clashes with
  one half-day; five choices each (a fifth of them whole sites), skewed towards popular sites.
"""

from __future__ import annotations

import random

from events.visits.solver import Busy, Choice, Participant, Problem, Slot, Vehicle

DAY = 24 * 60
HALF_DAYS = ((9 * 60, 12 * 60 + 30), (14 * 60 + 30, 17 * 60 + 30))


def random_problem(participants: int, slots: int, *, seed: int = 0, choices: int = 5) -> Problem:
    rng = random.Random(seed)
    site_count = max(3, slots // 4)
    sites = list(range(1, site_count + 1))
    step_free_sites = set(rng.sample(sites, max(1, round(site_count * 2 / 3))))
    sign_language_sites = set(rng.sample(sites, max(1, round(site_count / 4))))
    travel = {site: rng.randint(15, 60) for site in sites}
    built: list[Slot] = []
    vehicle_id = 0
    for number in range(slots):
        site = sites[number % site_count]
        half_day = (number // site_count) % 2
        day = number // (2 * site_count)
        start, end = (day * DAY + clock for clock in HALF_DAYS[half_day])
        group = rng.choice((20, 25, 30, 35))
        step_free = site in step_free_sites
        if rng.random() < 0.5:
            vehicle_id += 1
            vehicles = (Vehicle(vehicle_id, 45, 2 if step_free else 0, f"coach {vehicle_id}"),)
        else:
            vehicle_id += 2
            vehicles = (
                Vehicle(vehicle_id - 1, 16, 1 if step_free else 0, f"minibus {vehicle_id - 1}"),
                Vehicle(vehicle_id, 16, 1 if step_free else 0, f"minibus {vehicle_id}"),
            )
        built.append(
            Slot(
                id=number + 1,
                site_id=site,
                start=start,
                end=end,
                depart=start - travel[site],
                back=end + travel[site],
                capacity=min(group, sum(v.seats for v in vehicles)),
                vehicles=vehicles,
                step_free=step_free,
                sign_language=site in sign_language_sites,
            )
        )
    popularity = [1.0 / (1 + (slot.site_id - 1) * 0.6) for slot in built]
    countries = [f"C{n:02d}" for n in range(45)]
    weights = [3.0 if n < 5 else 1.0 for n in range(45)]
    people: list[Participant] = []
    for number in range(participants):
        picked: list[Choice] = []
        while len(picked) < min(choices, len(built)):
            slot = rng.choices(built, weights=popularity)[0]
            choice = Choice(site_id=slot.site_id) if rng.random() < 0.2 else Choice(slot_id=slot.id)
            if choice not in picked:
                picked.append(choice)
        busy: tuple[Busy, ...] = ()
        if rng.random() < 0.1:
            clash = rng.choice(built)
            busy = (Busy(clash.start + 30, clash.start + 120, "an optional workshop"),)
        people.append(
            Participant(
                id=number + 1,
                country=rng.choices(countries, weights=weights)[0],
                step_free=rng.random() < 0.02,
                sign_language=rng.random() < 0.01,
                busy=busy,
                choices=tuple(picked),
                order=number,
            )
        )
    return Problem(tuple(people), tuple(built))
