"""State that several instances must share lives in the database: the public verification page's
limit (the other limits, sign-in and sign-in links, are tested with their areas)."""

from __future__ import annotations

import datetime

from events import clock
from events.auth.tables import ThrottledRequest
from events.letters import verification


async def test_the_verification_limit_is_one_allowance_across_instances(client, monkeypatch):
    path = "/verify/NOPE-INV-000001?c=" + verification.verification_code("NOPE-INV-000001")
    answers = [
        (await client.get(path, headers={"Accept": "application/json"})).status_code for _ in range(30)
    ]
    assert answers == [404] * 30  # unknown letter, but counted
    refused = await client.get(path, headers={"Accept": "application/json"})
    assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
    page = await client.get(path)
    assert page.status_code == 429 and "Too many checks" in page.text

    # Another instance (a limiter of its own process) counts in the same table: it refuses too.
    other_instance = verification.SharedWindowLimiter("letter_verify", limit=30, window=60.0)
    assert await other_instance.hit("127.0.0.1") is not None
    assert await other_instance.hit("192.0.2.7") is None  # another client has its own allowance
    assert await ThrottledRequest.count().where(ThrottledRequest.action == "letter_verify") == 31

    # A minute later the window has moved on, and the old rows are gone.
    later = clock.now() + datetime.timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert await other_instance.hit("127.0.0.1") is None
    assert await ThrottledRequest.count().where(ThrottledRequest.action == "letter_verify") == 1


async def test_concurrent_requests_cannot_all_pass_the_limit(run_concurrently):
    limiter = verification.SharedWindowLimiter("letter_verify", limit=5, window=60.0)
    answers = await run_concurrently(*(limiter.hit("198.51.100.1") for _ in range(12)))
    assert sum(1 for answer in answers if answer is None) == 5, answers
    assert all(answer is None or isinstance(answer, int) for answer in answers), answers
