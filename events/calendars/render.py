"""The iCalendar renderer (RFC 5545, with ``icalendar``): plain data in, bytes out.

It knows nothing of the database or HTTP. A feed is a :class:`Feed` of :class:`Item` values;
the output depends on nothing else (no clock, no random UID), so the same data always gives
the same bytes and an ETag computed from the inputs is a strong validator.

* Timed items carry their venue's zone: ``DTSTART;TZID=America/Santiago:20270403T090000``, and
  the calendar has one ``VTIMEZONE`` per zone used, generated from zoneinfo for the years the
  items span. A wall time that occurs twice (the repeated hour when clocks go back) and is meant
  as its second occurrence is written in UTC instead, because RFC 5545 reads a repeated wall
  time as its first occurrence.
* All-day items (multi-day events) are ``VALUE=DATE`` with an exclusive ``DTEND`` and
  ``TRANSP:TRANSPARENT``, so a five-day forum does not block five days as busy.
* ``DTSTAMP`` and ``LAST-MODIFIED`` are the item's last change: in an iCalendar object without
  ``METHOD`` (a published feed), RFC 5545 makes ``DTSTAMP`` the last revision of the information.
* Cancelled items keep their ``UID`` with ``STATUS:CANCELLED`` (and say so in the summary), so
  calendars that merge by ``UID`` remove or strike them.

Rendering one VEVENT with ``icalendar`` costs about a millisecond, so each item's text and each
zone's VTIMEZONE are memoised on their (immutable, hashable) data: a feed of 1,000 sessions in
which one changed re-renders one VEVENT.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from icalendar import Calendar, Timezone
from icalendar import Event as VEvent
from icalendar.prop import vText

UTC = datetime.UTC
PRODID = "-//OneStop Events//Calendars 1.0//EN"
#: Bump when the output changes for the same data: ETags computed from the inputs include it.
RENDER_VERSION = "1"
#: How often subscribed calendars are asked to refresh (RFC 7986 REFRESH-INTERVAL, X-PUBLISHED-TTL).
REFRESH_INTERVAL = datetime.timedelta(hours=1)
#: Memo sizes: about 1 kB of text per item; VTIMEZONEs are few.
ITEM_MEMO_SIZE = 50_000
TIMEZONE_MEMO_SIZE = 256


@dataclass(frozen=True, slots=True)
class Item:
    """One VEVENT.

    Timed: ``start``/``end`` are aware datetimes and ``zone`` names the IANA zone to show them in
    (part of the data: two zones with the same offset still render differently). All-day:
    ``start``/``end`` are dates, ``end`` exclusive, and ``zone`` is ``None``.
    """

    uid: str
    summary: str
    start: datetime.date | datetime.datetime
    end: datetime.date | datetime.datetime
    #: When the information last changed (UTC); written as DTSTAMP and LAST-MODIFIED.
    changed_at: datetime.datetime
    zone: str | None = None
    sequence: int = 0
    location: str = ""
    description: str = ""
    url: str = ""
    cancelled: bool = False
    categories: tuple[str, ...] = ()

    @property
    def all_day(self) -> bool:
        return self.zone is None


@dataclass(frozen=True, slots=True)
class Feed:
    """A whole calendar: its name and description (shown by calendar apps) and its items."""

    name: str
    items: tuple[Item, ...]
    description: str = ""
    url: str = ""
    refresh_interval: datetime.timedelta = field(default=REFRESH_INTERVAL)


def _utc(value: datetime.datetime) -> datetime.datetime:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).replace(microsecond=0)


def _wall_time(value: datetime.datetime, zone: str) -> datetime.datetime:
    """The time as written: local in ``zone``, or UTC when the local wall time would be misread."""
    local = value.astimezone(ZoneInfo(zone))
    if local.replace(fold=0).astimezone(UTC) != local.astimezone(UTC):
        return _utc(value)  # the second occurrence of a repeated wall time
    return local.replace(microsecond=0)


def _duration(value: datetime.timedelta) -> str:
    seconds = int(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    return f"PT{hours}H{rest // 60}M" if rest else f"PT{hours}H"


@functools.lru_cache(maxsize=ITEM_MEMO_SIZE)
def render_item(item: Item) -> bytes:
    """One ``BEGIN:VEVENT … END:VEVENT`` block, CRLF-terminated and folded."""
    event = VEvent()
    event.add("uid", item.uid)
    event.add("dtstamp", _utc(item.changed_at))
    event.add("last-modified", _utc(item.changed_at))
    event.add("sequence", item.sequence)
    if item.zone is None:
        event.add("dtstart", item.start)
        event.add("dtend", item.end)
        event.add("transp", "TRANSPARENT")
    else:
        assert isinstance(item.start, datetime.datetime) and isinstance(item.end, datetime.datetime)
        event.add("dtstart", _wall_time(item.start, item.zone))
        event.add("dtend", _wall_time(item.end, item.zone))
    event.add("summary", f"Cancelled: {item.summary}" if item.cancelled else item.summary)
    if item.location:
        event.add("location", item.location)
    if item.description:
        event.add("description", item.description)
    if item.url:
        event.add("url", item.url)
    if item.categories:
        event.add("categories", list(item.categories))
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    return event.to_ical()


@functools.lru_cache(maxsize=TIMEZONE_MEMO_SIZE)
def render_timezone(zone: str, first_year: int, last_year: int) -> bytes:
    """The VTIMEZONE of ``zone`` with its transitions from 1 January ``first_year`` to the end of ``last_year``."""
    timezone = Timezone.from_tzinfo(
        ZoneInfo(zone),
        tzid=zone,
        first_date=datetime.date(first_year, 1, 1),
        last_date=datetime.date(last_year + 1, 1, 1),
    )
    return timezone.to_ical()


@functools.lru_cache(maxsize=1024)
def _header(name: str, description: str, url: str, refresh_interval: datetime.timedelta) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    # Wrapped in vText: ``icalendar`` does not escape RFC 7986 NAME or X- properties by itself.
    calendar.add("name", vText(name))
    calendar.add("x-wr-calname", vText(name))
    if description:
        calendar.add("description", vText(description))
        calendar.add("x-wr-caldesc", vText(description))
    if url:
        calendar.add("source", url, parameters={"VALUE": "URI"})
    calendar.add("refresh-interval", refresh_interval, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", _duration(refresh_interval))
    text = calendar.to_ical()
    end = b"END:VCALENDAR\r\n"
    assert text.endswith(end)
    return text[: -len(end)]


def zones_used(items: tuple[Item, ...] | list[Item]) -> dict[str, tuple[int, int]]:
    """Each zone the timed items use, with the first and last year they touch."""
    spans: dict[str, tuple[int, int]] = {}
    for item in items:
        if item.zone is None:
            continue
        first, last = item.start.year, item.end.year  # type: ignore[union-attr]
        if item.zone in spans:
            low, high = spans[item.zone]
            spans[item.zone] = (min(low, first), max(high, last))
        else:
            spans[item.zone] = (first, last)
    return spans


def render_feed(feed: Feed) -> bytes:
    """The whole ``VCALENDAR``: header, one VTIMEZONE per zone used, then the items in order."""
    parts = [_header(feed.name, feed.description, feed.url, feed.refresh_interval)]
    for zone, (first, last) in sorted(zones_used(feed.items).items()):
        parts.append(render_timezone(zone, first, last))
    parts.extend(render_item(item) for item in feed.items)
    parts.append(b"END:VCALENDAR\r\n")
    return b"".join(parts)
