"""The console's letters pages without JavaScript: the list and its filters, revoke and issue again,
wording saved and previewed, letterhead images, and the ZIP of letters as a job (its files, its
progress messages, cancelling it). Runs on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile

import msgspec
import pytest
from PIL import Image

from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.jobs import runner
from events.jobs.registry import JobCancelled
from events.letters import issuing, jobs, profiles, schemas, stored
from events.letters.tables import Letter, LetterKind
from tests.factories import SYSTEM
from tests.test_letters_api import PROFILE, _approved_directly, text_of
from tests.test_web import sign_in_organiser


@pytest.fixture
async def console(client, make_event, make_account):
    """An organiser signed in on an event with a complete letter profile."""
    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await profiles.update_profile(SYSTEM, event.id, msgspec.convert(PROFILE, schemas.LetterProfileUpdate))
    await sign_in_organiser(client, account)
    return client, event, account


async def _letters(event_id: int, count: int) -> list[int]:
    """``count`` approved registrations with a visa-support and an invitation letter each."""
    ids = await _approved_directly(event_id, count)
    for registration_id in ids:
        for kind in (LetterKind.invitation, LetterKind.visa_support):
            await issuing.issue_letter(SYSTEM, registration_id, kind)
    return ids


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (10, 60, 120)).save(buffer, format="PNG")
    return buffer.getvalue()


async def _run_jobs_until(client, job_id: int) -> dict:
    job_runner = runner.JobRunner(poll_interval=0.05)
    job_runner.start()
    try:
        for _ in range(600):
            status = (await client.get(f"/organiser/jobs/{job_id}/status")).json()
            if status["finished"]:
                return status
            await asyncio.sleep(0.05)
    finally:
        await job_runner.stop(grace=1.0)
    raise AssertionError(f"job {job_id} did not finish: {status}")


# --- the list, revoke and issue again -------------------------------------------------------------


async def test_the_letters_page_lists_the_events_letters_with_filters(console):
    client, event, _ = console
    ids = await _letters(event.id, 2)
    page = await client.get(f"/organiser/events/{event.id}/letters")
    assert page.status_code == 200, page.text
    assert f'href="/organiser/events/{event.id}/letters" aria-current="page"' in page.text
    references = [row["reference"] for row in await Letter.select(Letter.reference)]
    assert len(references) == 4 and all(reference in page.text for reference in references)
    assert "<bdi>MOUSSA 0, Amina</bdi>" in page.text and "Visa-support letter" in page.text
    assert 'class="table stacked letters-table"' in page.text and 'data-label="Status"' in page.text
    visa = await client.get(f"/organiser/events/{event.id}/letters?kind=visa_support")
    assert sum(reference in visa.text for reference in references) == 2 and "-INV-" not in visa.text
    revoked = await client.get(f"/organiser/events/{event.id}/letters?status=revoked")
    assert "No letter matches." in revoked.text
    one = await client.get(f"/organiser/events/{event.id}/letters?registration_id={ids[1]}")
    assert "MOUSSA 1" in one.text and "MOUSSA 0, Amina</bdi></a>" not in one.text
    french = await client.get(f"/organiser/events/{event.id}/letters?lang=fr")
    assert french.status_code == 200 and "Build ZIP of letters" not in french.text


async def test_a_letter_is_revoked_with_a_reason_and_issued_again_from_the_page(console):
    client, event, _ = console
    [registration_id] = await _letters(event.id, 1)
    letter = await Letter.select().where(Letter.kind == "invitation").first()
    form = await client.get(f"/organiser/events/{event.id}/letters/{letter['id']}/revoke")
    assert form.status_code == 200 and letter["reference"] in form.text
    blank = await client.post(
        f"/organiser/events/{event.id}/letters/{letter['id']}/revoke", data={"reason": " "}
    )
    assert blank.status_code == 422 and 'id="field-reason-error"' in blank.text
    assert (await Letter.select(Letter.status).where(Letter.id == letter["id"]).first())["status"] == "valid"
    done = await client.post(
        f"/organiser/events/{event.id}/letters/{letter['id']}/revoke",
        data={"reason": "Issued by mistake", "back": f"/organiser/events/{event.id}/letters?kind=invitation"},
    )
    assert done.status_code == 303 and done.headers["location"].endswith("/letters?kind=invitation")
    row = await Letter.select().where(Letter.id == letter["id"]).first()
    assert row["status"] == "revoked" and row["revoke_reason"] == "Issued by mistake"
    listing = await client.get(done.headers["location"])
    assert f"Letter {letter['reference']} is revoked." in listing.text and "Issued by mistake" in listing.text
    elsewhere = await client.post(
        f"/organiser/events/{event.id}/letters/{letter['id']}/revoke",
        data={"reason": "x", "back": "https://evil.example/"},
    )
    assert elsewhere.headers["location"] == f"/organiser/events/{event.id}/letters"

    again = await client.post(
        f"/organiser/events/{event.id}/letters/issue",
        data={"registration_id": str(registration_id), "kind": "invitation"},
    )
    assert again.status_code == 303
    newest = (
        await Letter.select().where(Letter.kind == "invitation").order_by(Letter.id, ascending=False).first()
    )
    assert newest["id"] != letter["id"] and newest["status"] == "valid" and newest["version"] == 2
    same = await client.post(
        f"/organiser/events/{event.id}/letters/issue",
        data={"registration_id": str(registration_id), "kind": "invitation"},
    )
    page = await client.get(same.headers["location"])
    assert "is still current" in page.text
    assert await Letter.count().where(Letter.kind == "invitation") == 2

    everything = await client.post(
        f"/organiser/events/{event.id}/letters/registrations/{registration_id}/revoke",
        data={"reason": "Withdrew"},
    )
    assert everything.status_code == 303
    assert await Letter.count().where(Letter.status == "valid") == 0
    assert "2 letters revoked." in (await client.get(everything.headers["location"])).text
    actions = [
        row["action"]
        for row in await AuditEntry.select(AuditEntry.action).where(AuditEntry.object_type == "letter")
    ]
    assert actions.count("letter.revoked") == 3


async def test_another_events_letters_are_out_of_reach(console, make_event):
    client, event, _ = console
    other = await make_event()
    await profiles.update_profile(SYSTEM, other.id, msgspec.convert(PROFILE, schemas.LetterProfileUpdate))
    [registration_id] = await _letters(other.id, 1)
    letter = await Letter.select().first()
    assert (await client.get(f"/organiser/events/{other.id}/letters")).status_code == 403
    assert (
        await client.get(f"/organiser/events/{event.id}/letters/{letter['id']}/revoke")
    ).status_code == 404
    refused = await client.post(
        f"/organiser/events/{event.id}/letters/issue",
        data={"registration_id": str(registration_id), "kind": "invitation"},
    )
    assert refused.status_code == 404
    assert await Letter.count() == 2


# --- wording ---------------------------------------------------------------------------------------


async def test_wording_is_saved_previewed_and_reset(console):
    client, event, _ = console
    url = f"/organiser/events/{event.id}/letters/wording/invitation/fr"
    overview = await client.get(f"/organiser/events/{event.id}/letters/wording")
    assert overview.status_code == 200 and f'href="{url}"' in overview.text
    form = await client.get(url)
    assert form.status_code == 200 and "This letter uses the default wording." in form.text
    wrong = await client.post(url, data={"title": "Invitation", "body": "Cher {nom},"})
    assert wrong.status_code == 422 and "placeholder {nom} is unknown" in wrong.text
    assert "Cher {nom}," in wrong.text  # what was typed stays
    saved = await client.post(
        url, data={"title": "Invitation spéciale", "body": "Cher {full_name},\n\nBienvenue à {event_name}."}
    )
    assert saved.status_code == 303 and saved.headers["location"] == url
    page = await client.get(url)
    assert "The wording is saved." in page.text and "Invitation spéciale" in page.text
    assert "Reset to the default wording" in page.text
    preview = await client.get(f"{url}/preview")
    assert preview.status_code == 200 and preview.headers["content-type"] == "application/pdf"
    text = text_of(preview.content)
    assert "Invitation spéciale" in text and "Amina Example" in text and "PREVIEW" in text
    assert await Letter.count() == 0  # a preview is never stored
    [registration_id] = await _approved_directly(event.id, 1)
    theirs = await client.get(f"{url}/preview?registration_id={registration_id}")
    assert theirs.status_code == 200 and "Moussa 0" in text_of(theirs.content)
    reset = await client.post(f"{url}/reset")
    assert reset.status_code == 303
    back = await client.get(url)
    assert "This letter uses the default wording." in back.text and "Invitation spéciale" not in back.text


async def test_the_preview_says_what_the_letterhead_lacks(client, make_event, make_account):
    event = await make_event()
    account = await make_account(Role.organiser, event.id)
    await sign_in_organiser(client, account)
    preview = await client.get(f"/organiser/events/{event.id}/letters/wording/visa_support/en/preview")
    assert preview.status_code == 409 and "The preview cannot be made" in preview.text
    assert "letter_profile.host_name" in preview.text
    listing = await client.get(f"/organiser/events/{event.id}/letters")
    assert "Letters cannot be issued until the letterhead is complete." in listing.text
    unknown = await client.get(f"/organiser/events/{event.id}/letters/wording/memo/en")
    assert unknown.status_code == 404


# --- letterhead and signature ----------------------------------------------------------------------


async def test_images_are_uploaded_shown_and_removed_and_a_non_image_is_refused(console):
    client, event, _ = console
    base = f"/organiser/events/{event.id}/letters/letterhead"
    page = await client.get(base)
    assert page.status_code == 200 and page.text.count("No image yet.") == 2
    refused = await client.post(
        f"{base}/logo", files={"data": ("logo.png", b"GIF89a not really an image", "image/png")}
    )
    assert refused.status_code == 422
    assert "Choose a PNG or JPEG image" in refused.text and 'aria-invalid="true"' in refused.text
    assert not (await profiles.get_profile(SYSTEM, event.id)).has_logo
    nothing = await client.post(f"{base}/signature", files={"other": ("x.txt", b"", "text/plain")})
    assert nothing.status_code == 422 and "Choose an image file to upload" in nothing.text
    png = _png()
    saved = await client.post(f"{base}/logo", files={"data": ("logo.png", png, "image/png")})
    assert saved.status_code == 303
    shown = await client.get(base)
    assert f'src="{base}/logo"' in shown.text and "Letterhead logo is saved." in shown.text
    image = await client.get(f"{base}/logo")
    assert image.status_code == 200 and image.content == png and image.headers["content-type"] == "image/png"
    removed = await client.post(f"{base}/logo/remove")
    assert removed.status_code == 303 and not (await profiles.get_profile(SYSTEM, event.id)).has_logo


async def test_the_letterhead_text_is_saved_with_errors_beside_the_fields(console):
    client, event, _ = console
    base = f"/organiser/events/{event.id}/letters/letterhead"
    bad = await client.post(base, data={**PROFILE, "reference_prefix": "lower case"})
    assert bad.status_code == 422 and 'id="field-reference_prefix-error"' in bad.text
    good = await client.post(base, data={**PROFILE, "host_name": "UN DESA", "reference_prefix": "BAKU27"})
    assert good.status_code == 303
    profile = await profiles.get_profile(SYSTEM, event.id)
    assert profile.host_name == "UN DESA" and profile.effective_reference_prefix == "BAKU27"


# --- the ZIP of letters as a job -------------------------------------------------------------------


class _Recorder:
    """A job context that records progress and cancels at a given check."""

    def __init__(self, actor, cancel_at: int | None = None) -> None:
        self.actor, self.cancel_at = actor, cancel_at
        self.reports: list[tuple[float, str, dict]] = []
        self.checks = 0

    async def progress(self, fraction: float, message: str = "", **args) -> None:
        self.reports.append((fraction, message, args))

    async def check(self) -> None:
        self.checks += 1
        if self.cancel_at is not None and self.checks >= self.cancel_at:
            raise JobCancelled

    async def cancelled(self) -> bool:
        return False


async def test_the_zip_job_builds_the_letters_zip_from_the_page(console):
    client, event, _ = console
    await _letters(event.id, 2)
    await issuing.revoke_letter(SYSTEM, (await Letter.select(Letter.id).first())["id"], "test")
    started = await client.post(
        f"/organiser/events/{event.id}/letters/zip", data={"kind": "all", "status": "valid"}
    )
    assert started.status_code == 303
    job_id = int(re.fullmatch(r"/organiser/jobs/(\d+)", started.headers["location"]).group(1))
    listing = await client.get(f"/organiser/events/{event.id}/letters")
    assert f'href="/organiser/jobs/{job_id}"' in listing.text and "<progress" in listing.text
    status = await _run_jobs_until(client, job_id)
    assert status["status"] == "succeeded" and status["message"] == "Letter 3 of 3"
    download = await client.get(f"/organiser/jobs/{job_id}/result")
    assert download.status_code == 200 and download.headers["content-type"].startswith("application/zip")
    archive = zipfile.ZipFile(io.BytesIO(download.content))
    valid = await Letter.select(Letter.reference).where(Letter.status == "valid").order_by(Letter.id)
    assert archive.namelist() == [f"{row['reference']}.pdf" for row in valid] + ["letters.csv"]
    assert archive.testzip() is None
    page = await client.get(f"/organiser/jobs/{job_id}")
    assert f'href="/organiser/events/{event.id}/letters"' in page.text  # "See the result"

    visa = await client.post(
        f"/organiser/events/{event.id}/letters/zip", data={"kind": "visa_support", "status": "revoked"}
    )
    visa_id = int(visa.headers["location"].rsplit("/", 1)[1])
    await _run_jobs_until(client, visa_id)
    only = zipfile.ZipFile(io.BytesIO((await client.get(f"/organiser/jobs/{visa_id}/result")).content))
    assert [name for name in only.namelist() if name.endswith(".pdf")] == [
        f"{row['reference']}.pdf"
        for row in await Letter.select(Letter.reference).where(
            Letter.status == "revoked", Letter.kind == "visa_support"
        )
    ]
    bad = await client.post(f"/organiser/events/{event.id}/letters/zip", data={"kind": "memo"})
    assert bad.status_code == 303 and "/organiser/jobs/" not in bad.headers["location"]


async def test_the_zip_job_reports_each_letter_and_stops_when_cancelled(console):
    _, event, account = console
    await _letters(event.id, 2)
    recorder = _Recorder(account.actor)
    result = await jobs.letters_zip(recorder, event_id=event.id)
    assert [(message, args) for _, message, args in recorder.reports] == [
        ("Letter %(done)s of %(total)s", {"done": n, "total": 4}) for n in range(1, 5)
    ]
    assert [round(fraction, 2) for fraction, _, _ in recorder.reports] == [0.2, 0.4, 0.6, 0.8]
    assert result.personal and result.content_type == "application/zip"
    assert result.filename == f"letters-event-{event.id}.zip" and result.data == {"letters": 4}
    assert len(zipfile.ZipFile(io.BytesIO(result.file)).namelist()) == 5
    streamed = b"".join([chunk async for chunk in await stored.archive_chunks(SYSTEM, event.id)])
    assert sorted(zipfile.ZipFile(io.BytesIO(streamed)).namelist()) == sorted(
        zipfile.ZipFile(io.BytesIO(result.file)).namelist()
    )

    stopping = _Recorder(account.actor, cancel_at=3)  # the start, letter 1, then letter 2: stop
    with pytest.raises(JobCancelled):
        await jobs.letters_zip(stopping, event_id=event.id, kind="invitation")
    assert len(stopping.reports) == 2


async def test_the_zip_job_can_issue_the_missing_letters_first(console):
    _, event, account = console
    ids = await _approved_directly(event.id, 3)
    await issuing.issue_letter(SYSTEM, ids[0], LetterKind.invitation)
    recorder = _Recorder(account.actor)
    result = await jobs.letters_zip(recorder, event_id=event.id, kind="invitation", issue=True)
    assert result.data == {"letters": 3, "issued": 2, "skipped": 0}
    fractions = [round(fraction, 2) for fraction, _, _ in recorder.reports]
    assert fractions == sorted(fractions) and fractions[:2] == [0.25, 0.5]  # issuing: the first half
    names = zipfile.ZipFile(io.BytesIO(result.file)).namelist()
    assert len(names) == 4 and names[-1] == "letters.csv"


async def test_the_page_can_ask_the_zip_job_to_issue_the_missing_letters_first(console):
    client, event, _ = console
    ids = await _approved_directly(event.id, 2)
    await issuing.issue_letter(SYSTEM, ids[0], LetterKind.invitation)
    page = await client.get(f"/organiser/events/{event.id}/letters")
    assert 'name="issue"' in page.text and "Issue the missing letters first" in page.text

    refused = await client.post(
        f"/organiser/events/{event.id}/letters/zip",
        data={"kind": "invitation", "status": "revoked", "issue": "1"},
    )
    assert refused.status_code == 303 and "/jobs/" not in refused.headers["location"]
    shown = await client.get(refused.headers["location"])
    assert "choose the status Valid to issue them first" in shown.text
    assert await Letter.count() == 1  # nothing issued, no job

    started = await client.post(
        f"/organiser/events/{event.id}/letters/zip",
        data={"kind": "invitation", "status": "valid", "issue": "1"},
    )
    job_id = int(re.fullmatch(r"/organiser/jobs/(\d+)", started.headers["location"]).group(1))
    status = await _run_jobs_until(client, job_id)
    assert status["status"] == "succeeded", status
    archive = zipfile.ZipFile(io.BytesIO((await client.get(f"/organiser/jobs/{job_id}/result")).content))
    assert len([name for name in archive.namelist() if name.endswith(".pdf")]) == 2
    assert await Letter.count().where(Letter.kind == LetterKind.invitation.value) == 2


async def test_a_running_zip_job_is_cancelled_from_its_page(console):
    client, event, _ = console
    await _letters(event.id, 1)
    started = await client.post(
        f"/organiser/events/{event.id}/letters/zip", data={"kind": "all", "status": "valid"}
    )
    job_id = int(started.headers["location"].rsplit("/", 1)[1])
    worker = runner.new_worker_id()
    assert await runner.claim_job(job_id, worker)  # running, as a worker elsewhere would have it
    cancel = await client.post(f"/organiser/jobs/{job_id}/cancel")
    assert cancel.status_code == 303
    assert await runner.execute(job_id, worker) == "cancelled"
    page = await client.get(f"/organiser/jobs/{job_id}")
    assert "Cancelled" in page.text and f'href="/organiser/jobs/{job_id}/result"' not in page.text
    assert (await client.get(f"/organiser/jobs/{job_id}/result")).status_code == 404
