"""The console's badges page without JavaScript: counts, issue the missing badges, revoke and reissue
one, keys, and badge sheets printed as a job (PDF, revoked ones skipped, cancel), others refused."""

from __future__ import annotations

import asyncio
import io
import re
import time

import pytest
from pypdf import PdfReader

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.badges import printing, services
from events.badges.render import BadgeRenderer
from events.badges.schemas import SheetKind
from events.badges.tables import Badge, BadgeKey
from events.jobs import runner
from events.rendering import pool
from tests.browser.seed_badges import add_approved
from tests.test_web import sign_in_organiser


@pytest.fixture
async def organiser_client(client, make_event, make_account):
    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, account)
    return client, event, account


def _job_id(response) -> int:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/organiser/jobs/(\d+)", response.headers["location"])
    assert match, response.headers["location"]
    return int(match.group(1))


async def _wait(client, job_id: int, until) -> dict:
    for _ in range(1200):  # at most a minute
        status = (await client.get(f"/organiser/jobs/{job_id}/status")).json()
        if until(status):
            return status
        await asyncio.sleep(0.05)
    raise AssertionError(f"job {job_id} still {status}")


async def _actions() -> list[str]:
    rows = await AuditEntry.select(AuditEntry.action).where(AuditEntry.object_type == "badge")
    return [row["action"] for row in rows]


async def test_issue_the_missing_badges_then_revoke_and_reissue_one(organiser_client):
    client, event, _ = organiser_client
    first, second, third = await add_approved(event.id, 3)
    base = f"/organiser/events/{event.id}/badges"
    page = await client.get(base)
    assert page.status_code == 200, page.text
    assert f'href="{base}" aria-current="page"' in page.text  # the Badges tab is current
    assert "Issue the 3 missing badges" in page.text

    issued = await client.post(f"{base}/issue")
    assert issued.status_code == 303 and issued.headers["location"] == base
    page = await client.get(base)
    assert "Badges issued: 3." in page.text and "missing badges" not in page.text
    assert await Badge.count().where(Badge.event == event.id, Badge.revoked_at.is_null()) == 3

    back = f"{base}?state=issued&offset=0"
    revoked = await client.post(
        f"{base}/registrations/{second}/revoke", data={"reason": "Lost at the hotel", "back": back}
    )
    assert revoked.status_code == 303 and revoked.headers["location"] == back
    listing = await client.get(f"{base}?state=revoked")
    assert "Badge revoked" in listing.text and "Lost at the hotel" in listing.text
    assert (
        f"/registrations/{second}/reissue" in listing.text and f"/registrations/{first}/" not in listing.text
    )
    again = await client.post(f"{base}/registrations/{second}/revoke", data={"reason": ""})
    assert again.status_code == 303  # a conflict is a message, not an error page
    assert "Not changed" in (await client.get(base)).text

    # Bulk issuing passes over the revoked badge; a reissue gives it version 2.
    await client.post(f"{base}/issue")
    assert "Not issued, because their badge was revoked: 1" in (await client.get(base)).text
    reissued = await client.post(f"{base}/registrations/{second}/reissue", data={"reason": "Found a new one"})
    assert reissued.status_code == 303
    current = await Badge.select().where(Badge.registration == second, Badge.revoked_at.is_null()).first()
    assert current["version"] == 2
    assert await _actions() == ["badge.issued"] * 3 + ["badge.revoked", "badge.reissued"]
    too_long = await client.post(f"{base}/registrations/{third}/revoke", data={"reason": "x" * 201})
    assert too_long.status_code == 303
    assert await Badge.count().where(Badge.registration == third, Badge.revoked_at.is_not_null()) == 0


async def test_keys_are_rotated_and_retired_from_the_page(organiser_client):
    client, event, _ = organiser_client
    await add_approved(event.id, 30)
    base = f"/organiser/events/{event.id}/badges"
    await client.post(f"{base}/issue")
    page = await client.get(f"{base}?lang=ru")
    assert page.text.count('/reissue"') == 25  # one page of the list
    assets = [
        (await client.get(path)).content
        for path in re.findall(r'(?:href|src)="(/static/[^"]+\.(?:css|js))', page.text)
    ]
    assert len(assets) >= 2 and len(page.content) + sum(map(len, assets)) < 100_000  # the page weight budget
    (old,) = await BadgeKey.select(BadgeKey.key_id).where(BadgeKey.event == event.id)
    assert (await client.post(f"{base}/keys/rotate")).status_code == 303
    page = await client.get(f"{base}?lang=en")
    assert "Signs new badges" in page.text and "Verifies only" in page.text
    retired = await client.post(f"{base}/keys/{old['key_id']}/retire")
    assert retired.status_code == 303
    assert "Retired" in (await client.get(base)).text
    row = await BadgeKey.select().where(BadgeKey.key_id == old["key_id"]).first()
    assert row["retired_at"] is not None


async def test_a_print_job_makes_one_pdf_and_skips_revoked_badges(organiser_client):
    client, event, account = organiser_client
    ids = await add_approved(event.id, 10)
    await services.issue_missing(account.actor, event.id)
    await services.revoke_badge(account.actor, ids[0], "stolen")
    base = f"/organiser/events/{event.id}/badges"
    bad = await client.post(f"{base}/print", data={"sheet": "a3", "status": "approved"})
    assert bad.status_code == 400 and "There is a problem" in bad.text
    job_id = _job_id(
        await client.post(f"{base}/print", data={"sheet": "4xa6", "status": "approved", "sort": "name"})
    )
    job_runner = runner.JobRunner(poll_interval=0.05)
    job_runner.start()
    try:
        status = await _wait(client, job_id, lambda status: status["finished"])
    finally:
        await job_runner.stop(grace=1.0)
    assert status["status"] == "succeeded", status
    assert status["message"] == "Badge 9 of 9"
    download = await client.get(f"/organiser/jobs/{job_id}/result")
    assert download.status_code == 200 and download.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(download.content))
    assert len(reader.pages) == 3  # 9 badges, 4 to a sheet
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Moussa1" in text and "Moussa0" not in text  # the revoked badge is not printed
    job_page = await client.get(f"/organiser/jobs/{job_id}")
    result_link = f"{base}?job={job_id}#print"
    assert f'href="{result_link}"' in job_page.text
    summary = await client.get(f"{base}?job={job_id}")
    assert "9 badges on 3 pages." in summary.text
    assert "Not printed, because their badge was revoked: 1" in summary.text
    assert f'href="/organiser/jobs/{job_id}/result"' in summary.text
    assert f'href="/organiser/jobs/{job_id}"' in (await client.get(base)).text  # latest print jobs


async def test_a_running_print_job_is_cancelled(organiser_client, monkeypatch):
    client, event, account = organiser_client
    await add_approved(event.id, 200)
    await services.issue_missing(account.actor, event.id)
    draw = BadgeRenderer._draw_badge

    def slow_draw(self, *args):  # 20 ms a badge: the job is still drawing when the cancel comes
        time.sleep(0.02)
        return draw(self, *args)

    monkeypatch.setattr(BadgeRenderer, "_draw_badge", slow_draw)
    monkeypatch.setattr(pool, "worker_count", lambda chunks: 1)  # drawn here, where the patch applies
    job_id = _job_id(
        await client.post(
            f"/organiser/events/{event.id}/badges/print", data={"sheet": "a6", "status": "approved"}
        )
    )
    job_runner = runner.JobRunner(poll_interval=0.05)
    job_runner.start()
    try:
        await _wait(client, job_id, lambda status: status["status"] == "running" and status["percent"] > 0)
        cancel = await client.post(f"/organiser/jobs/{job_id}/cancel")
        assert cancel.status_code == 303
        status = await _wait(client, job_id, lambda status: status["finished"])
    finally:
        await job_runner.stop(grace=1.0)
    assert status["status"] == "cancelled" and status["percent"] < 100
    assert (await client.get(f"/organiser/jobs/{job_id}/result")).status_code == 404


async def test_another_events_organiser_is_refused(client, make_event, make_account):
    mine, other = await make_event(), await make_event()
    (theirs,) = await add_approved(other.id, 1)
    account = await make_account(Role.organiser, mine.id)
    await sign_in_organiser(client, account)
    base = f"/organiser/events/{other.id}/badges"
    assert (await client.get(base)).status_code == 403
    assert (await client.post(f"{base}/issue")).status_code == 403
    assert (await client.post(f"{base}/print", data={"sheet": "a6"})).status_code == 403
    assert (await client.post(f"{base}/registrations/{theirs}/issue")).status_code == 403
    assert (await client.post(f"{base}/keys/rotate")).status_code == 403
    # Their registration through my event's page is not found either.
    mine_base = f"/organiser/events/{mine.id}/badges"
    assert (await client.post(f"{mine_base}/registrations/{theirs}/issue")).status_code == 404
    assert await Badge.count() == 0


async def test_printing_reports_progress_every_fifty_badges_and_stops_when_told(make_event, make_account):
    """The callback the job and the CLI's bar share: (done, total) as badges are drawn; an exception
    it raises (a job's cancel) stops the drawing there."""
    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await add_approved(event.id, 120)
    request = printing.PrintRequest(sheet=SheetKind.four_a6)
    reports: list[tuple[int, int]] = []

    async def record(done: int, total: int) -> None:
        reports.append((done, total))

    pdf, selection = await printing.print_pdf(account.actor, event.id, request, progress=record)
    # After each chunk the worker processes draw (whole sheets, about four per worker).
    done = [done for done, _total in reports]
    assert reports[0] == (0, 120) and reports[-1] == (120, 120)
    assert done == sorted(set(done)) and len(done) > 3 and all(d % 4 == 0 for d in done[:-1])
    assert (
        selection.summary["issued"] == 120 and len(PdfReader(io.BytesIO(pdf)).pages) == selection.pages == 30
    )

    class Stop(Exception):
        pass

    async def stop_at_fifty(done: int, total: int) -> None:
        reports.append((done, total))
        if done >= 50:
            raise Stop

    reports.clear()
    with pytest.raises(Stop):
        await printing.print_pdf(account.actor, event.id, request, progress=stop_at_fifty)
    assert reports[-1][0] >= 50 and reports[-1][0] < 120 and len(reports) < len(done)
