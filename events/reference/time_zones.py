"""A country's time zone, for showing a participant the agenda in their own time.

Read from the IANA database's ``zone.tab`` (the system's, else the ``tzdata`` package's). A country with
several zones gets its capital's (``CAPITALS``), else the first one ``zone.tab`` lists.
"""

from __future__ import annotations

import functools
import importlib.resources
import zoneinfo
from pathlib import Path

import pycountry

#: Countries with several zones whose capital is not in the first zone ``zone.tab`` lists.
CAPITALS = {
    "AU": "Australia/Sydney",
    "BR": "America/Sao_Paulo",
    "CA": "America/Toronto",
    "FM": "Pacific/Pohnpei",
    "RU": "Europe/Moscow",
    "UA": "Europe/Kyiv",
    "UZ": "Asia/Tashkent",
    "KZ": "Asia/Almaty",
    "US": "America/New_York",
    "GL": "America/Nuuk",
    "PS": "Asia/Hebron",
}


def _zone_tab() -> str:
    for directory in zoneinfo.TZPATH:
        path = Path(directory) / "zone.tab"
        if path.is_file():
            return path.read_text(encoding="utf-8")
    try:
        return (importlib.resources.files("tzdata") / "zoneinfo" / "zone.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):
        return ""


@functools.cache
def _zones_by_country() -> dict[str, list[str]]:
    zones: dict[str, list[str]] = {}
    for line in _zone_tab().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) >= 3:
            zones.setdefault(parts[0], []).append(parts[2])
    return zones


@functools.cache
def _available() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def is_time_zone(name: str | None) -> bool:
    return bool(name) and name in _available()


def country_time_zone(country: str | None) -> str | None:
    """The zone of a country (ISO 3166 alpha-3 or alpha-2), its capital's when it has several; ``None``
    when unknown."""
    code = (country or "").strip().upper()
    found = pycountry.countries.get(alpha_3=code) if len(code) == 3 else pycountry.countries.get(alpha_2=code)
    if found is None:
        return None
    alpha_2 = found.alpha_2
    capital = CAPITALS.get(alpha_2)
    if capital and is_time_zone(capital):
        return capital
    zones = [zone for zone in _zones_by_country().get(alpha_2, []) if is_time_zone(zone)]
    return zones[0] if zones else None
