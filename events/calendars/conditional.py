"""HTTP validators for the feeds (RFC 9110 §8.8, §13): strong ETags from the inputs, Last-Modified,
and the decision to answer ``304 Not Modified``. Pure functions; malformed headers are ignored
(the answer is then a plain 200), never an error.
"""

from __future__ import annotations

import datetime
import email.utils
import hashlib
import re
from collections.abc import Collection

UTC = datetime.UTC

#: One entity tag in an If-None-Match list: optional weakness prefix, then a quoted opaque tag.
_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def strong_etag(*parts: object) -> str:
    """A quoted strong entity tag naming exactly these inputs."""
    digest = hashlib.sha256("\x1f".join(str(part) for part in parts).encode()).hexdigest()
    return f'"{digest[:40]}"'


def if_none_match_tags(header: str) -> set[str] | None:
    """The quoted tags of an If-None-Match value, ``{"*"}`` for a star; ``None`` if unreadable."""
    value = header.strip()
    if value == "*":
        return {"*"}
    tags: set[str] = set()
    position = 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None or match.end() == position:
            return None
        tags.add(match.group(1))
        position = match.end()
    return tags or None


def http_date(value: datetime.datetime) -> str:
    return email.utils.format_datetime(value.astimezone(UTC).replace(microsecond=0), usegmt=True)


def parse_http_date(value: str) -> datetime.datetime | None:
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def not_modified(
    *,
    etags: Collection[str],
    if_none_match: str | None,
    if_modified_since: str | None,
    last_modified: datetime.datetime | None,
) -> bool:
    """Whether a GET with these request headers is answered ``304``.

    ``etags`` are the current tags of the resource (one per content coding it is served in).
    If-None-Match decides when present (weak comparison, as RFC 9110 §13.1.2 asks); only without
    it does If-Modified-Since count, and only when ``last_modified`` is known. An unreadable
    header never matches.
    """
    if if_none_match is not None:
        tags = if_none_match_tags(if_none_match)
        return tags is not None and ("*" in tags or not tags.isdisjoint(etags))
    if if_modified_since is None or last_modified is None:
        return False
    since = parse_http_date(if_modified_since)
    if since is None:
        return False
    return last_modified.astimezone(UTC).replace(microsecond=0) <= since


def gzip_etag(etag: str) -> str:
    """The strong tag of the gzip-coded representation (RFC 9110: a coding is another representation)."""
    return etag[:-1] + '-gz"'


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether ``Accept-Encoding`` admits gzip (explicitly or through ``*``) with a q above 0."""
    if not accept_encoding:
        return False
    qualities: dict[str, float] = {}
    for item in accept_encoding.split(","):
        coding, *parameters = (part.strip() for part in item.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if coding:
            qualities[coding.lower()] = quality
    if "gzip" in qualities:
        return qualities["gzip"] > 0
    return qualities.get("*", 0.0) > 0
