"""The verification link printed on every letter, and the limiter of the public page.

Link: ``{BASE_URL}/verify/{reference}?c={code}``. The code is the first 80 bits of
HMAC-SHA256(reference) keyed with ``derive_key(SECRET_KEY, "letter-verification")``, in
lower-case base32 (16 characters). References are sequential and easy to guess; the code is
not, so the page cannot be used to enumerate letters or the people they name: a wrong code and
an unknown reference get the same answer, decided before the database is asked. Comparison is
constant-time (``hmac.compare_digest``). Changing ``SECRET_KEY`` invalidates every printed link.

Limiter: a sliding window per client address, counted in the database (``throttled_request``)
like the other limits, so several instances or workers give a client one allowance, not one each.
The code already makes guessing hopeless (2^-80 per try); the limiter keeps one client from using
the page as a cheap way to load the database.
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import hmac
import math

from events import clock
from events.auth.tables import ThrottledRequest
from events.crypto import derive_key
from events.db import serialise_on, write_transaction
from events.settings import get_settings

CODE_BYTES = 10  # 80 bits, 16 base32 characters
PURPOSE = "letter-verification"


@functools.cache
def _key(secret: str) -> bytes:
    return derive_key(secret, PURPOSE)


def verification_code(reference: str, secret: str | None = None) -> str:
    key = _key(secret if secret is not None else get_settings().secret_key)
    digest = hmac.new(key, reference.encode("utf-8"), hashlib.sha256).digest()[:CODE_BYTES]
    return base64.b32encode(digest).decode("ascii").lower()


def code_matches(reference: str, code: str | None, secret: str | None = None) -> bool:
    """Constant-time check of a link's code (case-insensitive: some scanners upper-case URLs)."""
    if not code:
        return False
    expected = verification_code(reference, secret)
    return hmac.compare_digest(expected.encode("ascii"), code.strip().lower().encode("utf-8", "replace"))


def verification_path(reference: str) -> str:
    return f"/verify/{reference}?c={verification_code(reference)}"


def verification_url(reference: str) -> str:
    return f"{get_settings().base_url}{verification_path(reference)}"


class SharedWindowLimiter:
    """At most ``limit`` requests per ``window`` seconds per client address, counted in the database
    (``throttled_request``, under ``action``), so every instance and worker shares one allowance.

    Counting, deciding and recording happen in one write transaction that concurrent requests from
    the same client wait for (:func:`serialise_on`), so a burst cannot all pass together. Rows older
    than the window are deleted as requests come."""

    def __init__(self, action: str, limit: int, window: float) -> None:
        self.action = action
        self.limit = limit
        self.window = datetime.timedelta(seconds=window)

    async def hit(self, client: str) -> int | None:
        """Count one request; ``None`` if allowed, else the seconds to wait (Retry-After)."""
        client = client[:64]
        moment = clock.now()
        async with write_transaction():
            await serialise_on(f"{self.action}:client:{client}")
            await ThrottledRequest.delete().where(
                ThrottledRequest.action == self.action, ThrottledRequest.at <= moment - self.window
            )
            recent = (
                await ThrottledRequest.select(ThrottledRequest.at)
                .where(ThrottledRequest.action == self.action, ThrottledRequest.client == client)
                .order_by(ThrottledRequest.at)
                .limit(self.limit)
            )
            if len(recent) >= self.limit:
                return max(1, math.ceil((recent[0]["at"] + self.window - moment).total_seconds()))
            await ThrottledRequest.insert(
                ThrottledRequest(action=self.action, client=client, subject="", at=moment)
            )
        return None

    def reset(self) -> None:
        """Nothing to forget in the process: the counts are rows of the database."""


#: The public verification page: 30 requests a minute per client address (an embassy checking a
#: delegation's letters one after another stays well within it).
VERIFY_LIMITER = SharedWindowLimiter("letter_verify", limit=30, window=60.0)
