"""Dates and times in a reader's language, by Babel (CLDR), for pages, e-mails and letters."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from babel import dates, numbers

from events.i18n.languages import locale as _locale


def format_date(value: datetime.date | None, language: str, style: str = "long") -> str:
    return "" if value is None else dates.format_date(value, style, locale=_locale(language))


def format_date_range(start: datetime.date, end: datetime.date, language: str) -> str:
    if start == end:
        return format_date(start, language)
    return dates.format_interval(start, end, "yMMMd", locale=_locale(language))


def format_time(value: datetime.datetime, language: str) -> str:
    """A wall-clock time as given (already in the venue's zone)."""
    return dates.format_time(value, "short", tzinfo=value.tzinfo, locale=_locale(language))


def format_datetime(value: datetime.datetime | None, language: str, zone: str | None = None) -> str:
    """Date and wall-clock time (no seconds) as shown in the value's zone, or in ``zone``."""
    if value is None:
        return ""
    if zone:
        value = value.astimezone(ZoneInfo(zone))
    locale = _locale(language)
    time = dates.format_time(value, "short", tzinfo=value.tzinfo, locale=locale)
    day = dates.format_date(value.date(), "medium", locale=locale)
    return str(locale.datetime_formats["medium"]).format(time, day)


def format_number(value: float | int | None, language: str) -> str:
    """A count or amount with the language's digits grouping and decimal sign (``1 234`` in French)."""
    return "" if value is None else numbers.format_decimal(value, locale=_locale(language))
