"""Country action plans: hostile uploads refused by content, the previous document kept, who may see
and do what (other countries 404, other events' organisers 403), statuses and comments, the
portal and console pages without JavaScript, the report's tables, concurrent uploads."""

from __future__ import annotations

import asyncio
import base64
import io
import re
import zipfile
import zlib

import msgspec
import pytest
from cryptography.fernet import Fernet

from events import crypto
from events.action_plans import files, report, schemas, services
from events.action_plans.tables import ActionPlan, ActionPlanDocument
from events.audit.tables import AuditEntry
from events.auth.principal import Actor
from events.auth.tables import Role
from events.demo.action_plans import demo_pdf
from events.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from events.registration import access, submission
from events.registration import schemas as registration_schemas
from events.registration.tables import Channel, Registration
from events.settings import get_settings
from tests.factories import SYSTEM
from tests.test_letters_retention import _keys
from tests.test_registration_workflow import person
from tests.test_web import error_beside, sign_in_organiser

API = "/api/v1"


def pdf(text: str = "Action plan", *, streams: int = 1) -> bytes:
    """A small well-formed PDF with Flate-compressed content streams."""
    parts = [b"%PDF-1.7\n"]
    for n in range(1, streams + 1):
        data = zlib.compress(f"BT /F1 12 Tf ({text} {n}) Tj ET".encode())
        parts.append(
            b"%d 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % (n, len(data))
            + data
            + b"\nendstream\nendobj\n"
        )
    parts.append(b"xref\n0 1\ntrailer\n<< /Size 2 /Root 1 0 R >>\nstartxref\n9\n%%EOF\n")
    return b"".join(parts)


def docx(extra: dict[str, bytes] | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document>Plan</w:document>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def zip_bomb() -> bytes:
    """A DOCX whose one entry inflates 200 MB of zeros from about 200 KB."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
        with archive.open("word/media/zeros.bin", "w", force_zip64=True) as member:
            chunk = bytes(1024 * 1024)
            for _ in range(200):
                member.write(chunk)
    return buffer.getvalue()


def pdf_bomb() -> bytes:
    """A PDF of about 1 MB whose one Flate stream inflates to 1 GB."""
    squeezer = zlib.compressobj(9)
    chunk = bytes(1024 * 1024)
    data = b"".join(squeezer.compress(chunk) for _ in range(1024)) + squeezer.flush()
    return (
        b"%PDF-1.7\n"
        + b"1 0 obj\n<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data)
        + data
        + b"\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
    )


def ascii85_pdf_bomb() -> bytes:
    """The same bomb behind an ASCII85 filter, as reportlab chains them."""
    squeezer = zlib.compressobj(9)
    data = base64.a85encode(
        b"".join(squeezer.compress(bytes(1024 * 1024)) for _ in range(300)) + squeezer.flush()
    )
    return (
        b"%PDF-1.7\n"
        + b"1 0 obj\n<< /Filter [/ASCII85Decode /FlateDecode] /Length %d >>\nstream\n" % (len(data) + 2)
        + data
        + b"~>\nendstream\nendobj\ntrailer\n<< /Root 1 0 R >>\nstartxref\n9\n%%EOF\n"
    )


def nested_pdf() -> bytes:
    depth = 5000
    return b"%PDF-1.7\n1 0 obj\n" + b"[" * depth + b"]" * depth + b"\nendobj\nstartxref\n9\n%%EOF\n"


def many_objects_pdf() -> bytes:
    body = b"".join(b"%d 0 obj\nnull\nendobj\n" % n for n in range(1, files.MAX_PDF_OBJECTS + 2))
    return b"%PDF-1.7\n" + body + b"trailer\n<< >>\nstartxref\n9\n%%EOF\n"


async def register(event_id: int, email: str, country: str = "NPL") -> int:
    data = msgspec.convert(
        person(email=email, country_represented=country, nationality=country, preferred_language="en"),
        registration_schemas.RegistrationCreate,
    )
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=True
    )
    return result.registration.id


async def token_of(registration_id: int) -> dict[str, str]:
    link = await access.issue_magic_link(registration_id)
    granted = await access.exchange_magic_link(link.partition("#token=")[2])
    return {"Authorization": f"Bearer {granted.access_token}"}


def actor_of(registration_id: int) -> Actor:
    return Actor.participant(registration_id, f"R{registration_id}")


@pytest.fixture
async def country_event(make_event):
    """An event with two approved participants from Nepal and one from Fiji."""
    event = await make_event(capacity=10)
    ram = await register(event.id, "ram@example.org", "NPL")
    sita = await register(event.id, "sita@example.org", "NPL")
    mere = await register(event.id, "mere@example.org", "FJI")
    return event, ram, sita, mere


@pytest.fixture
async def event_organiser(country_event, make_account):
    """An organiser of the country event (the factories' one organises another event)."""
    return await make_account(Role.organiser, country_event[0].id)


# --- the files ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", files.EMPTY),
        (b"MZ\x90\x00" + bytes(200), files.EXECUTABLE),
        (b"\x7fELF\x02\x01\x01" + bytes(200), files.EXECUTABLE),
        (b"#!/bin/sh\nrm -rf /\n", files.EXECUTABLE),
        (b"GIF89a" + bytes(100), files.NOT_A_DOCUMENT),
        (b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n", files.BROKEN_PDF),
        (b"PK\x03\x04" + bytes(100), files.BROKEN_DOCX),
    ],
    ids=["empty", "exe", "elf", "shebang", "gif", "pdf-without-trailer", "broken-zip"],
)
def test_hostile_or_broken_files_are_refused_by_content(content, message):
    with pytest.raises(InvalidInput) as refused:
        files.check(content, "plan.pdf")
    assert refused.value.errors[0].field == "file" and refused.value.errors[0].message == message


def test_a_docx_without_its_parts_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "not a word document")
    with pytest.raises(InvalidInput, match="DOCX"):
        files.check(buffer.getvalue(), "plan.docx")


def test_bombs_are_refused_without_inflating_them():
    for bomb in (zip_bomb(), pdf_bomb(), ascii85_pdf_bomb(), nested_pdf(), many_objects_pdf()):
        assert len(bomb) < files.max_bytes()
        with pytest.raises(InvalidInput) as refused:
            files.check(bomb, "plan.pdf")
        assert refused.value.errors[0].message == files.BOMB


def test_a_pdf_from_reportlab_with_chained_filters_is_accepted():
    checked = files.check(demo_pdf("NPL"), "plan.pdf")
    assert checked.content_type == files.PDF


def test_too_many_zip_entries_is_a_bomb():
    extra = {f"word/media/{n}.xml": b"x" for n in range(files.MAX_ZIP_ENTRIES)}
    with pytest.raises(InvalidInput, match="unpacks"):
        files.check(docx(extra), "plan.docx")


def test_the_content_decides_the_type_and_the_name_is_sanitised():
    as_pdf = files.check(pdf(), "../../etc/Plan national 2027.docx")
    assert as_pdf.content_type == files.PDF and as_pdf.filename == "Plan national 2027.pdf"
    as_docx = files.check(docx(), "C:\\Users\\x\\plan<script>.pdf")
    assert as_docx.content_type == files.DOCX and as_docx.filename == "plan_script.docx"
    assert files.check(pdf(), None).filename == "action-plan.pdf"
    assert files.check(pdf(), "خطة العمل.pdf").filename == "خطة العمل.pdf"


# --- who may do what ---------------------------------------------------------------------------


async def test_the_countrys_participants_write_and_submit_and_organisers_review(
    country_event, event_organiser
):
    event, ram, sita, _ = country_event
    organiser = event_organiser.actor
    assert (await services.get_plan(actor_of(ram), event.id, "NPL")).status == "none"
    fields = schemas.PlanFields(
        priority_services=["Birth registration", "  ", "Business licences"],
        channels=["web_portal", "in_person", "web_portal"],
        summary="One-stop shops in every province.",
    )
    plan = await services.update_fields(actor_of(ram), event.id, "np", fields)
    assert plan.status == "draft" and plan.priority_services == ["Birth registration", "Business licences"]
    assert plan.channels == ["in_person", "web_portal"] and plan.changed_by == "Amina Moussa"

    with pytest.raises(InvalidInput):
        await services.change_status(
            actor_of(sita), event.id, "NPL", schemas.StatusChange(status="submitted")
        )
    plan = await services.upload_document(actor_of(sita), event.id, "NPL", pdf(), "plan.pdf")
    assert plan.document is not None and plan.document.version == 1
    plan = await services.change_status(
        actor_of(sita), event.id, "NPL", schemas.StatusChange(status="submitted")
    )
    assert plan.status == "submitted" and not plan.editable

    with pytest.raises(Conflict):
        await services.update_fields(actor_of(ram), event.id, "NPL", fields)
    with pytest.raises(Conflict):
        await services.upload_document(actor_of(ram), event.id, "NPL", pdf("new"), "plan.pdf")
    with pytest.raises(PermissionDenied):
        await services.update_fields(organiser, event.id, "NPL", fields)
    with pytest.raises(PermissionDenied):
        await services.change_status(actor_of(ram), event.id, "NPL", schemas.StatusChange(status="reviewed"))
    with pytest.raises(InvalidInput):
        await services.change_status(organiser, event.id, "NPL", schemas.StatusChange(status="draft"))

    plan = await services.change_status(
        organiser, event.id, "NPL", schemas.StatusChange(status="draft", comment="Add the budget")
    )
    assert plan.status == "draft" and plan.comments[0].kind == "returned"
    assert (await services.get_plan(actor_of(ram), event.id, "NPL")).editable
    await services.change_status(actor_of(ram), event.id, "NPL", schemas.StatusChange(status="submitted"))
    plan = await services.change_status(organiser, event.id, "NPL", schemas.StatusChange(status="reviewed"))
    assert plan.status == "reviewed" and plan.reviewed_at is not None
    with pytest.raises(Conflict):
        await services.change_status(organiser, event.id, "NPL", schemas.StatusChange(status="reviewed"))

    actions = [row["action"] for row in await AuditEntry.select(AuditEntry.action).order_by(AuditEntry.id)]
    assert [a for a in actions if a.startswith("action_plan.")] == [
        "action_plan.fields_updated",
        "action_plan.document_uploaded",
        "action_plan.submitted",
        "action_plan.returned",
        "action_plan.submitted",
        "action_plan.reviewed",
    ]


async def test_nobody_else_sees_a_countrys_plan(client, country_event, event_organiser, other_organiser):
    event, ram, _, mere = country_event
    await services.upload_document(actor_of(ram), event.id, "NPL", pdf(), "plan.pdf")
    await services.add_comment(event_organiser.actor, event.id, "NPL", "Thank you")
    fiji = await token_of(mere)
    nepal = await token_of(ram)
    url = f"{API}/events/{event.id}/action-plans/NPL"
    for path in ("", "/document"):
        refused = await client.get(url + path, headers=fiji)
        assert refused.status_code == 404 and refused.headers["content-type"] == "application/problem+json"
        assert "Thank you" not in refused.text
        assert (await client.get(url + path, headers=other_organiser.headers)).status_code == 403
    assert (await client.put(url, json={"summary": "x"}, headers=fiji)).status_code == 404
    seen = await client.get(url, headers=nepal)
    assert seen.status_code == 200 and seen.json()["comments"][0]["body"] == "Thank you"
    assert (await client.get(f"{API}/events/{event.id}/action-plans", headers=nepal)).status_code == 403
    assert (
        await client.get(f"{API}/events/{event.id}/action-plans", headers=other_organiser.headers)
    ).status_code == 403
    with pytest.raises(NotFound):
        await services.get_plan(event_organiser.actor, event.id, "FRA")  # nobody represents France
    with pytest.raises(PermissionDenied):
        await services.add_comment(actor_of(ram), event.id, "NPL", "Self-praise")


async def test_the_api_uploads_downloads_and_keeps_the_previous_document(client, country_event):
    event, ram, _, _ = country_event
    headers = await token_of(ram)
    url = f"{API}/events/{event.id}/action-plans/NPL/document"
    first = pdf("First")
    sent = await client.post(
        url, files={"data": ("plan.docx", first, "application/octet-stream")}, headers=headers
    )
    assert sent.status_code == 200, sent.text
    assert (
        sent.json()["document"]["filename"] == "plan.pdf"
        and sent.json()["document"]["content_type"] == files.PDF
    )

    for hostile in (b"MZ" + bytes(500), zip_bomb(), pdf_bomb(), b""):
        refused = await client.post(url, files={"data": ("plan.pdf", hostile, files.PDF)}, headers=headers)
        assert refused.status_code == 422, refused.text
        assert refused.json()["errors"][0]["field"] == "data"

    got = await client.get(url, headers=headers)
    assert got.status_code == 200 and got.content == first
    assert got.headers["content-type"] == files.PDF and got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith('attachment; filename="plan.pdf"')
    (stored,) = await ActionPlanDocument.select()
    assert not bytes(stored["content"]).startswith(b"%PDF")
    assert crypto.decrypt_bytes(bytes(stored["content"])) == first and stored["size"] == len(first)

    fields = await client.put(
        f"{API}/events/{event.id}/action-plans/NPL",
        json={"priority_services": ["x" * 201], "channels": ["teleportation"]},
        headers=headers,
    )
    assert fields.status_code in (400, 422) and fields.headers["content-type"] == "application/problem+json"


async def _sender(total: int, sent: list[int]):
    chunk = bytes(1024 * 1024)
    for _ in range(total // len(chunk)):
        sent[0] += len(chunk)
        yield chunk


async def test_a_200_mb_upload_is_refused_before_it_is_read(client, country_event):
    event, ram, _, _ = country_event
    headers = await token_of(ram)
    url = f"{API}/events/{event.id}/action-plans/NPL/document"
    size = 200 * 1024 * 1024
    announced = [0]
    refused = await client.post(
        url,
        content=_sender(size, announced),
        headers={**headers, "Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(size)},
    )
    assert refused.status_code == 413 and announced[0] <= 2 * 1024 * 1024
    unannounced = [0]
    refused = await client.post(
        url,
        content=_sender(size, unannounced),
        headers={**headers, "Content-Type": "multipart/form-data; boundary=x"},
    )
    assert refused.status_code == 413
    assert unannounced[0] <= files.max_bytes() + 4 * 1024 * 1024
    assert await ActionPlanDocument.count() == 0


async def test_organisers_overview_filters_and_comments(client, country_event, event_organiser):
    event, ram, _, _ = country_event
    await services.upload_document(actor_of(ram), event.id, "NPL", docx(), "plan.docx")
    await services.change_status(actor_of(ram), event.id, "NPL", schemas.StatusChange(status="submitted"))
    headers = event_organiser.headers
    rows = (await client.get(f"{API}/events/{event.id}/action-plans", headers=headers)).json()["items"]
    assert {(r["country"], r["status"], r["participants"]) for r in rows} == {
        ("NPL", "submitted", 2),
        ("FJI", "none", 1),
    }
    fiji = await client.get(f"{API}/events/{event.id}/action-plans?group=SIDS", headers=headers)
    assert [r["country"] for r in fiji.json()["items"]] == ["FJI"]
    assert [
        r["country"]
        for r in (
            await client.get(f"{API}/events/{event.id}/action-plans?status=submitted", headers=headers)
        ).json()["items"]
    ] == ["NPL"]
    commented = await client.post(
        f"{API}/events/{event.id}/action-plans/NPL/comments", json={"body": "Looks good"}, headers=headers
    )
    assert (
        commented.status_code == 201
        and commented.json()["comments"][-1]["author"] == event_organiser.username
    )
    status = await client.post(
        f"{API}/events/{event.id}/action-plans/NPL/status", json={"status": "reviewed"}, headers=headers
    )
    assert status.status_code == 200 and status.json()["status"] == "reviewed"
    stale = await client.post(
        f"{API}/events/{event.id}/action-plans/FJI/status", json={"status": "reviewed"}, headers=headers
    )
    assert stale.status_code == 409

    tables = await report.action_plan_tables([event.id], "fr")
    by_event, by_country = tables
    assert by_event.rows[0].values == [1, 0, 0, 1, 2] and by_event.rows[0].people == 3
    assert by_event.columns[0] == "Pas commencé"
    assert {row.key: row.values for row in by_country.rows} == {"FJI": ["Pas commencé"], "NPL": ["Examiné"]}


@pytest.mark.postgres_only
async def test_two_participants_uploading_at_once_leave_one_current_version(country_event):
    event, ram, sita, _ = country_event
    first, second = pdf("Ram"), pdf("Sita")
    results = await asyncio.gather(
        services.upload_document(actor_of(ram), event.id, "NPL", first, "ram.pdf"),
        services.upload_document(actor_of(sita), event.id, "NPL", second, "sita.pdf"),
        services.update_fields(actor_of(ram), event.id, "NPL", schemas.PlanFields(summary="Ram")),
        services.update_fields(actor_of(sita), event.id, "NPL", schemas.PlanFields(summary="Sita")),
    )
    assert all(isinstance(result, schemas.Plan) for result in results)
    (plan,) = await ActionPlan.select()
    assert plan["document_version"] == 2
    versions = await ActionPlanDocument.select(ActionPlanDocument.version, ActionPlanDocument.filename)
    assert sorted(v["version"] for v in versions) == [1, 2]
    filename, _, content = await services.document(actor_of(ram), event.id, "NPL")
    current = next(v for v in versions if v["version"] == 2)
    assert (
        content == (first if current["filename"] == "ram.pdf" else second) and filename == current["filename"]
    )
    assert plan["summary"] in {"Ram", "Sita"}


# --- pages -------------------------------------------------------------------------------------


async def sign_in(client, registration_id: int) -> None:
    link = await access.issue_magic_link(registration_id)
    response = await client.post("/my/registration/sign-in", data={"token": link.partition("#token=")[2]})
    assert response.status_code in (200, 303), response.text


async def test_the_portal_page_uploads_saves_and_submits_without_javascript(client, country_event):
    _, ram, _, mere = country_event
    await sign_in(client, ram)
    hub = await client.get("/my/registration")
    assert 'href="/my/action-plan"' in hub.text and "Not started" in hub.text
    page = await client.get("/my/action-plan")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text

    refused = await client.post(
        "/my/action-plan/document", files={"file": ("plan.pdf", b"\x7fELF" + bytes(64), files.PDF)}
    )
    assert refused.status_code == 422 and "program, not a document" in error_beside(refused.text, "file")
    uploaded = await client.post("/my/action-plan/document", files={"file": ("plan.pdf", pdf(), files.PDF)})
    assert uploaded.status_code == 303
    bad_date = await client.post(
        "/my/action-plan", data={"priority_services": "Passports\nLand registry", "target_date": "soon"}
    )
    assert bad_date.status_code == 422 and "2027-06-30" in error_beside(bad_date.text, "target_date")
    saved = await client.post(
        "/my/action-plan",
        data={
            "priority_services": "Passports\nLand registry",
            "channels": ["sms_ussd", "kiosk"],
            "target_date": "2027-06-30",
        },
    )
    assert saved.status_code == 303
    submitted = await client.post("/my/action-plan/submit")
    assert submitted.status_code == 303
    page = await client.get("/my/action-plan")
    assert "Submitted to the organisers" in page.text and "Land registry" in page.text
    assert "Self-service kiosks" in page.text and 'action="/my/action-plan/document"' not in page.text
    last = re.search(r'data-last-change="submitted">(.*?)</dd>', page.text, re.S)
    assert last and "Submitted" in last.group(1) and "<bdi>Amina Moussa</bdi>" in last.group(1)
    download = await client.get("/my/action-plan/document")
    assert download.status_code == 200 and download.content.startswith(b"%PDF-")

    client.cookies.clear()
    await sign_in(client, mere)
    fiji = await client.get("/my/action-plan")
    assert "Land registry" not in fiji.text and "Not started" in fiji.text


async def test_the_portal_page_speaks_the_participants_language_right_to_left(client, country_event):
    _, ram, _, _ = country_event
    await Registration.update({Registration.preferred_language: "ar"}).where(Registration.id == ram)
    await sign_in(client, ram)
    page = await client.get("/my/action-plan")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    assert "خطة عمل" in page.text and "رفع المستند" in page.text


async def test_the_console_tab_lists_countries_and_reviews_a_plan(client, country_event, event_organiser):
    event, ram, _, _ = country_event
    await services.upload_document(actor_of(ram), event.id, "NPL", pdf(), "plan.pdf")
    await services.change_status(actor_of(ram), event.id, "NPL", schemas.StatusChange(status="submitted"))
    await sign_in_organiser(client, event_organiser)
    base = f"/organiser/events/{event.id}/action-plans"
    index = await client.get(base)
    assert index.status_code == 200 and 'class="stacked plan-overview"' in index.text
    assert re.search(r'data-country="NPL".*?data-status="submitted"', index.text, re.S)
    assert re.search(r'data-country="FJI".*?data-status="none"', index.text, re.S)
    assert 'data-country="NPL"' not in (await client.get(f"{base}?group=SIDS")).text
    plan = await client.get(f"{base}/NPL")
    assert plan.status_code == 200 and "Return to draft" in plan.text
    assert (await client.get(f"{base}/NPL/document")).content.startswith(b"%PDF-")
    no_reason = await client.post(f"{base}/NPL/status", data={"status": "draft", "comment": ""})
    assert no_reason.status_code == 422 and error_beside(no_reason.text, "comment")
    returned = await client.post(f"{base}/NPL/status", data={"status": "draft", "comment": "Add dates"})
    assert returned.status_code == 303
    comment = await client.post(f"{base}/NPL/comments", data={"body": "Thanks"})
    assert comment.status_code == 303
    plan = await client.get(f"{base}/NPL")
    assert "Add dates" in plan.text and "Thanks" in plan.text
    programme = await client.get("/organiser/action-plans")
    assert programme.status_code == 200 and "Nepal" in programme.text


async def test_rotating_the_data_key_re_encrypts_the_documents(country_event, monkeypatch):
    event, ram, _, _ = country_event
    document = docx()
    await services.upload_document(actor_of(ram), event.id, "NPL", document, "plan.docx")
    old = base64.urlsafe_b64encode(crypto.derive_key(get_settings().secret_key, "data-encryption")).decode()
    new = Fernet.generate_key().decode()
    try:
        _keys(monkeypatch, new, old)
        assert await services.rotate_data_key(SYSTEM) == 1
        _keys(monkeypatch, new)
        (stored,) = await ActionPlanDocument.select(ActionPlanDocument.content)
        assert Fernet(new.encode()).decrypt(bytes(stored["content"])) == document
        assert (await services.document(actor_of(ram), event.id, "NPL"))[2] == document
    finally:
        monkeypatch.undo()
        crypto.reset_cache()


async def test_the_portal_refuses_a_200_mb_upload_beside_the_field(client, country_event):
    _, ram, _, _ = country_event
    await sign_in(client, ram)
    size = 200 * 1024 * 1024
    sent = [0]
    refused = await client.post(
        "/my/action-plan/document",
        content=_sender(size, sent),
        headers={"Content-Type": "multipart/form-data; boundary=x", "Content-Length": str(size)},
    )
    assert refused.status_code == 413 and sent[0] <= 2 * 1024 * 1024
    assert "larger than 10 MB" in error_beside(refused.text, "file")
