"""From programme rows to calendar items: what a VEVENT says about an event or a session.

Pure functions of the rows and the site (``BASE_URL``): no queries, no clock. UIDs are stable per
object and host (``event-12@events.example.org``, ``session-345@events.example.org``), so a
calendar recognises an item across refreshes, token regenerations and feeds.
"""

from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from urllib.parse import urlsplit

from events.calendars.render import Item
from events.programme.services import to_local
from events.reference.services import country_name

UTC = datetime.UTC
#: Cancelled sessions stay in feeds (STATUS:CANCELLED) this long after the cancellation, so that
#: subscribed calendars see them go; then they are left out.
CANCELLED_KEPT_DAYS = 30


@dataclass(frozen=True, slots=True)
class Site:
    """Where the service is published: links and UIDs are built from it."""

    base_url: str

    @classmethod
    def of(cls, base_url: str) -> Site:
        return cls(base_url.rstrip("/"))

    @property
    def host(self) -> str:
        return urlsplit(self.base_url).hostname or "localhost"

    def uid(self, kind: str, object_id: int) -> str:
        return f"{kind}-{object_id}@{self.host}"

    def event_page(self, event_id: int) -> str:
        return f"{self.base_url}/events/{event_id}"

    def session_page(self, event_id: int, session_id: int) -> str:
        return f"{self.base_url}/events/{event_id}#session-{session_id}"


def cancellation_cutoff(today: datetime.date) -> datetime.date:
    """Sessions cancelled before this UTC day are no longer shown (a 30-31 day window)."""
    return today - datetime.timedelta(days=CANCELLED_KEPT_DAYS)


def still_shown(session: dict, cutoff: datetime.date) -> bool:
    """A live session, or one cancelled on or after ``cutoff`` (judged by its last change)."""
    if not session["cancelled"]:
        return True
    return session["updated_at"].astimezone(UTC).date() >= cutoff


@functools.lru_cache(maxsize=512)
def _country(iso3: str) -> str:
    return country_name(iso3)


def _label(kind: str) -> str:
    return kind.replace("_", " ").capitalize()


def _join(*parts: str, separator: str = ", ") -> str:
    return separator.join(part.strip() for part in parts if part and part.strip())


def place(event: dict) -> str:
    """Venue, city, country: what a phone's map search needs."""
    return _join(event["venue"], event["city"], _country(event["country"]))


def event_item(event: dict, site: Site, sequence: int = 0) -> Item:
    """The whole event as an all-day item over its dates (DTEND is the day after the last).
    ``sequence`` counts the event's edits (see ``services._edit_counts``)."""
    link = site.event_page(event["id"])
    kind = _label(event["kind"]) + (f" with {event['partner']}" if event.get("partner") else "")
    return Item(
        uid=site.uid("event", event["id"]),
        summary=event["title"],
        start=event["start_date"],
        end=event["end_date"] + datetime.timedelta(days=1),
        changed_at=event["updated_at"],
        sequence=sequence,
        location=place(event),
        description=_join(kind, place(event), link, separator="\n"),
        url=link,
        categories=(event["kind"],),
    )


def session_item(session: dict, event: dict, site: Site) -> Item:
    """One session, timed in the event's zone. Its text also shows the event's venue, so the
    item changes (LAST-MODIFIED) when the event does, and SEQUENCE is the session's own."""
    zone = event["time_zone"]
    link = site.session_page(event["id"], session["id"])
    kind = _label(session["kind"]) + (" (optional)" if session["optional"] else "")
    description = _join(
        session["description"],
        _join(kind, session["room"], separator=" · "),
        _join(event["title"], place(event), separator=" — "),
        link,
        separator="\n\n",
    )
    changed = max(session["updated_at"], event["updated_at"])
    return Item(
        uid=site.uid("session", session["id"]),
        summary=session["title"],
        start=to_local(session["starts_at"], zone),  # type: ignore[arg-type]
        end=to_local(session["ends_at"], zone),  # type: ignore[arg-type]
        zone=zone,
        changed_at=changed,
        sequence=session["sequence"],
        location=_join(session["room"], place(event)),
        description=description,
        url=link,
        cancelled=session["cancelled"],
        categories=(session["kind"],),
    )


def sort_key(item: Item) -> tuple[datetime.datetime, str]:
    start = item.start
    if not isinstance(start, datetime.datetime):
        start = datetime.datetime.combine(start, datetime.time(), tzinfo=UTC)
    return start.astimezone(UTC), item.uid
