"""Pure rules about places and times: estimated travel times and opening hours.

Estimated travel time (used wherever an organiser has not entered a figure)::

    minutes = overhead + ceil(60 × d / speed)

where ``d`` is the great-circle (haversine) distance in km between the two coordinates on a sphere
of radius 6,371 km, ``speed`` the event's urban average speed (default 25 km/h, which absorbs
detours, traffic and lights) and ``overhead`` a fixed allowance for boarding, parking and walking
in (default 10 minutes). Both are per-event settings; any pair can be overridden.
"""

from __future__ import annotations

import datetime
import itertools
import math

EARTH_RADIUS_KM = 6371.0
DEFAULT_SPEED_KMH = 25
DEFAULT_OVERHEAD_MINUTES = 10
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Guide-language codes that are sign languages (ISO 639-2/3): generic, International Sign,
#: American, British, French, Russian, Spanish, German, Chinese and Turkish Sign Language.
SIGN_LANGUAGES = frozenset({"sgn", "ils", "ase", "bfi", "fsl", "rsl", "ssp", "gsg", "csl", "tsm"})


def formula(speed_kmh: int, overhead_minutes: int) -> str:
    return (
        f"{overhead_minutes} min + 60 × haversine distance (km) / {speed_kmh} km/h, rounded up; "
        "an organiser's figure replaces it"
    )


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi = phi2 - phi1
    d_lambda = math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def estimate_minutes(
    origin: tuple[float, float] | None,
    destination: tuple[float, float] | None,
    *,
    speed_kmh: int = DEFAULT_SPEED_KMH,
    overhead_minutes: int = DEFAULT_OVERHEAD_MINUTES,
) -> int | None:
    """Estimated minutes between two (latitude, longitude) points; ``None`` when one is unknown.
    The same place is zero minutes away."""
    if origin is None or destination is None:
        return None
    if origin == destination:
        return 0
    distance = haversine_km(*origin, *destination)
    return overhead_minutes + math.ceil(60 * distance / speed_kmh)


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def normalise_opening_hours(hours: dict) -> tuple[dict[str, list[list[str]]], list[str]]:
    """Sorted intervals per weekday, and the problems found (empty when valid): an interval must
    end after it starts, and intervals of one day must not overlap."""
    problems: list[str] = []
    out: dict[str, list[list[str]]] = {}
    for day in WEEKDAYS:
        intervals = sorted(
            (list(interval) for interval in hours.get(day, hours.get(_enum_key(hours, day), [])) or []),
            key=lambda interval: _minutes(interval[0]),
        )
        for start, end in intervals:
            if _minutes(end) <= _minutes(start):
                problems.append(f"{day}: {start}-{end} ends before it starts")
        for (_, first_end), (second_start, _) in itertools.pairwise(intervals):
            if _minutes(second_start) < _minutes(first_end):
                problems.append(f"{day}: intervals overlap at {second_start}")
        if intervals:
            out[day] = intervals
    return out, problems


def _enum_key(hours: dict, day: str):
    for key in hours:
        if getattr(key, "value", key) == day:
            return key
    return day


def within_opening_hours(
    hours: dict[str, list[list[str]]], start: datetime.datetime, end: datetime.datetime
) -> bool:
    """Whether [start, end] (local wall-clock times) lies inside one opening interval of one day."""
    if end <= start:
        return False
    if end.date() != start.date() and not (
        end.date() == start.date() + datetime.timedelta(days=1) and end.time() == datetime.time()
    ):
        return False
    day = WEEKDAYS[start.weekday()]
    begin = start.hour * 60 + start.minute
    finish = 24 * 60 if end.date() != start.date() else end.hour * 60 + end.minute
    return any(_minutes(open_) <= begin and finish <= _minutes(close) for open_, close in hours.get(day, []))


def describe_hours(hours: dict[str, list[list[str]]], day: str) -> str:
    intervals = hours.get(day) or []
    return ", ".join(f"{a}-{b}" for a, b in intervals) if intervals else "closed"
