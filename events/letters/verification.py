"""The verification link printed on every letter, and the limiter of the public page.

Link: ``{BASE_URL}/verify/{reference}?c={code}``. The code is the first 80 bits of
HMAC-SHA256(reference) keyed with ``derive_key(SECRET_KEY, "letter-verification")``, in
lower-case base32 (16 characters). References are sequential and easy to guess; the code is
not, so the page cannot be used to enumerate letters or the people they name: a wrong code and
an unknown reference get the same answer, decided before the database is asked. Comparison is
constant-time (``hmac.compare_digest``). Changing ``SECRET_KEY`` invalidates every printed link.

Limiter: a sliding window per client address, in this process only. The code already makes
guessing hopeless (2^-80 per try), so the limiter only keeps one client from using the page as
a cheap way to load the database. With several workers or instances each keeps its own
windows, so a client gets the allowance once per process; that multiplies a small number and is
acceptable here. A shared limit would need a table (a write on every public request) or a
shared cache, for no gain in what the code protects.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable

from events.crypto import derive_key
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


class SlidingWindowLimiter:
    """At most ``limit`` requests per ``window`` seconds per client, remembered for at most
    ``max_clients`` clients (the least recently seen are forgotten first)."""

    def __init__(
        self,
        limit: int,
        window: float,
        *,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window = window
        self.max_clients = max_clients
        self.clock = clock
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()
        self._lock = threading.Lock()

    def hit(self, client: str) -> int | None:
        """Count one request; ``None`` if allowed, else the seconds to wait (Retry-After)."""
        moment = self.clock()
        with self._lock:
            hits = self._hits.get(client)
            if hits is None:
                hits = self._hits[client] = deque()
                while len(self._hits) > self.max_clients:
                    self._hits.popitem(last=False)
            else:
                self._hits.move_to_end(client)
            while hits and hits[0] <= moment - self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                return max(1, int(hits[0] + self.window - moment + 0.999))
            hits.append(moment)
            return None

    def reset(self) -> None:
        with self._lock:
            self._hits.clear()


#: The public verification page: 30 requests a minute per client address (an embassy checking a
#: delegation's letters one after another stays well within it).
VERIFY_LIMITER = SlidingWindowLimiter(limit=30, window=60.0)
