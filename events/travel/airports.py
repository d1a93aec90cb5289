"""Airports by IATA code (from ``airportsdata``, read once): name, city, country and time zone, and
the conversions between an airport's wall-clock times and UTC instants.

Daylight-saving gaps and folds: a flight's local time is what the ticket prints, so a local time
that does not exist at the airport (the hour skipped when clocks go forward) is a typing mistake
and is refused; a local time that happens twice (the hour repeated when clocks go back) cannot
say which of the two it means, so it is refused too, with a message saying so; the API takes the
time with its UTC offset then (``2026-10-25T02:30:00+01:00``), which is used as given. Both are
rare (one hour a year, at few airports), and guessing would put a pick-up an hour off.
"""

from __future__ import annotations

import datetime
import functools
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from events.errors import InvalidInput

UTC = datetime.UTC
_CODE = re.compile(r"^[A-Z]{3}$")


@dataclass(frozen=True, slots=True)
class Airport:
    code: str
    name: str
    city: str
    #: ISO 3166 alpha-3, as registrations keep countries.
    country: str
    #: IANA zone name, e.g. ``Asia/Baku``.
    tz: str


@functools.cache
def _table() -> dict[str, dict]:
    import airportsdata

    return airportsdata.load("IATA")


@functools.cache
def _alpha3(alpha2: str) -> str:
    import pycountry

    country = pycountry.countries.get(alpha_2=alpha2)
    return country.alpha_3 if country else ""


def normalise(code: str | None) -> str:
    return (code or "").strip().upper()


def airport(code: str | None) -> Airport | None:
    """The airport with this IATA code (any case, spaces ignored), or ``None``."""
    code = normalise(code)
    if not _CODE.match(code):
        return None
    row = _table().get(code)
    if row is None or not row.get("tz"):
        return None
    return Airport(
        code=code, name=row["name"], city=row["city"], country=_alpha3(row["country"]), tz=row["tz"]
    )


def require(code: str | None, field: str = "airport") -> Airport:
    """The airport, or :class:`InvalidInput` naming ``field``."""
    found = airport(code)
    if found is None:
        raise InvalidInput.field(
            field, f"{normalise(code) or 'an empty code'} is not a known IATA airport code"
        )
    return found


def zone(code: str | None) -> ZoneInfo | None:
    """The airport's time zone, or ``None`` for an unknown code."""
    found = airport(code)
    return ZoneInfo(found.tz) if found else None


def local(code: str, instant: datetime.datetime) -> datetime.datetime:
    """The instant (aware; naive is read as UTC) as a wall-clock time at the airport (aware)."""
    tz = zone(code)
    if tz is None:
        raise InvalidInput.field("airport", f"{normalise(code)} is not a known IATA airport code")
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(tz)


def to_utc(code: str, naive_local: datetime.datetime, field: str = "time") -> datetime.datetime:
    """The UTC instant of a wall-clock time at the airport; refuses an unknown code and local times
    that do not exist or happen twice there (see the module's note). ``field`` names the input in
    the error. An aware value is taken as the instant it is."""
    tz = zone(code)
    if tz is None:
        raise InvalidInput.field("airport", f"{normalise(code)} is not a known IATA airport code")
    if naive_local.tzinfo is not None:
        return naive_local.astimezone(UTC)
    first = naive_local.replace(tzinfo=tz, fold=0)
    second = naive_local.replace(tzinfo=tz, fold=1)
    if first.utcoffset() != second.utcoffset():
        # In a gap the round trip lands elsewhere; in a fold it comes back.
        back = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if back != naive_local:
            raise InvalidInput.field(
                field,
                f"{naive_local:%Y-%m-%d %H:%M} does not exist in {tz.key} (the clocks go forward then)",
            )
        raise InvalidInput.field(
            field,
            f"{naive_local:%Y-%m-%d %H:%M} happens twice in {tz.key} (the clocks go back then);"
            " give it with the UTC offset the ticket shows",
        )
    return first.astimezone(UTC)
