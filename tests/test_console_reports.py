"""Console reports: registrations and attendance by country group, gender, level, sector and session,
counted by hand on a small event checked in through the scan service; the programme-wide report; CSV
and XLSX downloads (formula injection neutralised); others' events refused."""

from __future__ import annotations

import csv
import io
import itertools
import uuid

import msgspec
import pytest
from openpyxl import load_workbook

from events.auth.tables import Role
from events.checkin import attendance, checkpoints, config, scanning
from events.checkin import schemas as checkin_schemas
from events.errors import PermissionDenied
from events.registration import moderation, submission
from events.registration import schemas as registration_schemas
from events.registration.tables import Channel
from tests.factories import SYSTEM, create_account
from tests.test_checkin import add_session, badge, live_event  # noqa: F401 (a fixture)
from tests.test_registration_workflow import person
from tests.test_web import sign_in_organiser

_emails = itertools.count(1)
#: A sector typed by a participant that a spreadsheet would run as a formula.
HOSTILE = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture(autouse=True)
def fresh_caches():
    config.forget()
    yield
    config.forget()


async def register(event_id: int, *, approve: bool = True, **overrides) -> int:
    data = msgspec.convert(
        person(email=f"p{next(_emails)}@example.org", **overrides), registration_schemas.RegistrationCreate
    )
    result = await submission.submit(
        data, event_id=event_id, channel=Channel.walk_in, actor=SYSTEM, approve_when_seats=approve
    )
    return result.registration.id


async def admit(actor, event_id: int, checkpoint_id: int, registration_id: int) -> None:
    token = await badge(registration_id)
    data = msgspec.convert(
        {"checkpoint_id": checkpoint_id, "device_id": "phone-1", "nonce": str(uuid.uuid4()), "token": token},
        checkin_schemas.ScanCreate,
    )
    answer, _ = await scanning.scan(actor, event_id, data)
    assert msgspec.json.decode(answer)["result"] == "ok"


@pytest.fixture
async def scene(live_event):  # noqa: F811
    """Six registrations:

    ====  =======  ======  =====  ==========  =========  ===================
    who   country  gender  level  sector      status     admitted at
    ====  =======  ======  =====  ==========  =========  ===================
    a     DJI LDC  female  high   Government  approved   door, plenary room
    b     FJI SIDS male    mid    HOSTILE     approved   door (twice)
    c     HTI L+S  female  mid    Government  approved   —
    d     FRA      other   high   —           submitted  —
    e     DJI LDC  male    high   —           cancelled  door (before)
    f     NPL      female  mid    —           approved   plenary room only
    ====  =======  ======  =====  ==========  =========  ===================
    """
    organiser = await create_account(Role.organiser, live_event.id)
    plenary = await add_session(live_event, optional=False, title="Opening plenary")
    await add_session(live_event, optional=True, title="Workshop without a checkpoint")
    door = await checkpoints.create_checkpoint(
        organiser.actor,
        live_event.id,
        checkin_schemas.CheckpointCreate(name="Door", kind=checkin_schemas.CheckpointKind.venue_entrance),
    )
    room = await checkpoints.create_checkpoint(
        organiser.actor,
        live_event.id,
        checkin_schemas.CheckpointCreate(
            name="Plenary hall", kind=checkin_schemas.CheckpointKind.session_room, session_id=plenary
        ),
    )
    ids = {
        "a": await register(live_event.id, country_represented="DJI", gender="female", level="high", sector="Government"),
        "b": await register(live_event.id, country_represented="FJI", nationality="FJ", gender="male", level="mid", sector=HOSTILE),
        "c": await register(live_event.id, country_represented="HTI", nationality="HT", gender="female", level="mid", sector=" Government "),
        "d": await register(live_event.id, approve=False, country_represented="FRA", nationality="FR", gender="other", level="high"),
        "e": await register(live_event.id, country_represented="DJI", gender="male", level="high"),
        "f": await register(live_event.id, country_represented="NPL", nationality="NP", gender="female", level="mid"),
    }  # fmt: skip
    staff = await create_account(Role.staff, live_event.id)
    await admit(staff.actor, live_event.id, door.id, ids["a"])
    await admit(staff.actor, live_event.id, room.id, ids["a"])
    await admit(staff.actor, live_event.id, door.id, ids["b"])
    await admit(staff.actor, live_event.id, door.id, ids["b"])  # a second entry counts once
    await admit(staff.actor, live_event.id, door.id, ids["e"])
    await admit(staff.actor, live_event.id, room.id, ids["f"])
    await moderation.cancel(organiser.actor, ids["e"], "cannot come")
    return live_event, organiser, ids


def table(rows: list[attendance.Row]) -> dict[str, tuple[int, int, int]]:
    return {row.key: (row.registered, row.approved, row.attended) for row in rows}


async def test_event_report_counts_registrations_and_attendance_exactly(scene):
    event, organiser, _ids = scene
    report = await attendance.event_report(organiser.actor, event.id)
    assert report.total == 6
    assert report.by_status == {"submitted": 1, "approved": 4, "waitlisted": 0, "rejected": 0, "cancelled": 1}
    assert (report.totals.registered, report.totals.approved, report.totals.attended) == (5, 4, 3)
    # DJI: LDC; FJI: SIDS; HTI: LDC and SIDS; NPL: LDC and LLDC; FRA: none (as of the event's date).
    assert table(report.breakdowns["country_group"]) == {
        "LDC": (3, 3, 2),
        "LLDC": (1, 1, 1),
        "SIDS": (2, 2, 1),
        "none": (1, 0, 0),
    }
    assert table(report.breakdowns["gender"]) == {
        "female": (3, 3, 2),
        "male": (1, 1, 1),
        "other": (1, 0, 0),
        "undisclosed": (0, 0, 0),
    }
    assert table(report.breakdowns["level"]) == {"high": (2, 1, 1), "mid": (3, 3, 2)}
    assert table(report.breakdowns["sector"]) == {
        "Government": (2, 2, 1),
        "none": (2, 1, 1),
        HOSTILE: (1, 1, 1),
    }
    plenary, workshop = report.sessions
    assert (plenary.title, plenary.registered, plenary.attended) == ("Opening plenary", 4, 2)
    assert (workshop.registered, workshop.attended) == (0, None)


async def test_reports_are_for_the_event_organisers_only(scene, make_account, make_event):
    event, _organiser, _ids = scene
    other = await make_account(Role.organiser, (await make_event()).id)
    with pytest.raises(PermissionDenied):
        await attendance.event_report(other.actor, event.id)
    staff = await make_account(Role.staff, event.id)
    with pytest.raises(PermissionDenied):
        await attendance.event_report(staff.actor, event.id)
    with pytest.raises(PermissionDenied):
        await attendance.programme_report(staff.actor)


async def test_programme_report_adds_up_the_organisers_events(scene, make_event):
    event, _organiser, _ids = scene
    second = await make_event(title="Second event")
    await register(second.id, country_represented="FJI", nationality="FJ", gender="male", level="high")
    foreign = await make_event(title="Someone else's event")
    await register(foreign.id, country_represented="FRA", nationality="FR")
    await create_account(Role.organiser, second.id)
    both = await create_account(Role.organiser, event.id)
    from events.auth import services as auth_services

    await auth_services.grant_role(SYSTEM, both.user_id, Role.organiser, second.id)
    actor = await auth_services.load_actor(both.user_id, via="token")
    report = await attendance.programme_report(actor)
    assert [item.event_id for item in report.events] == [event.id, second.id]
    assert (report.totals.registered, report.totals.approved, report.totals.attended) == (6, 5, 3)
    assert table(report.breakdowns["event"]) == {str(event.id): (5, 4, 3), str(second.id): (1, 1, 0)}
    assert table(report.breakdowns["gender"])["male"] == (2, 2, 1)
    assert table(report.breakdowns["country_group"])["SIDS"] == (3, 3, 1)
    everything = await attendance.programme_report((await create_account(Role.organiser)).actor)
    assert everything.totals.registered == 7


async def test_pages_and_downloads(client, scene):
    event, organiser, _ids = scene
    await sign_in_organiser(client, organiser)
    page = await client.get(f"/organiser/events/{event.id}/reports")
    assert page.status_code == 200
    assert 'class="table stacked report-table"' in page.text and 'role="img"' in page.text
    assert "Opening plenary" in page.text and 'aria-current="page">Reports' in page.text
    assert len(page.content) < 100_000

    csv_file = await client.get(
        f"/organiser/events/{event.id}/reports/download?table=country_group&format=csv"
    )
    assert csv_file.status_code == 200 and csv_file.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig"))))
    assert rows[0] == ["category", "label", "registered", "approved", "attended"]
    assert [row[0] for row in rows[1:]] == ["LDC", "LLDC", "SIDS", "none"]
    assert rows[1][2:] == ["3", "3", "2"]

    sectors = await client.get(f"/organiser/events/{event.id}/reports/download?table=sector&format=csv")
    cells = [row[0] for row in csv.reader(io.StringIO(sectors.content.decode("utf-8-sig")))]
    assert "'" + HOSTILE in cells and HOSTILE not in cells

    xlsx = await client.get(f"/organiser/events/{event.id}/reports/download?table=sector&format=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["category", "label", "registered", "approved", "attended"]
    hostile = next(row for row in values if row[0] == HOSTILE)
    assert hostile[2:] == [1, 1, 1]
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value == HOSTILE)

    sessions = await client.get(f"/organiser/events/{event.id}/reports/download?table=sessions&format=csv")
    session_rows = list(csv.reader(io.StringIO(sessions.content.decode("utf-8-sig"))))
    assert [row[1] for row in session_rows[1:]] == ["Opening plenary", "Workshop without a checkpoint"]
    assert session_rows[1][4:] == ["4", "2"] and session_rows[2][5] == ""

    assert (
        await client.get(f"/organiser/events/{event.id}/reports/download?table=nope&format=csv")
    ).status_code == 404
    assert (
        await client.get(f"/organiser/events/{event.id}/reports/download?table=gender&format=pdf")
    ).status_code == 422

    everything = await client.get("/organiser/reports")
    assert everything.status_code == 200 and "By event" in everything.text
    by_event = await client.get("/organiser/reports/download?table=event&format=csv")
    assert by_event.status_code == 200 and event.title in by_event.content.decode("utf-8-sig")


async def test_others_events_are_refused(client, scene, make_event):
    event, _organiser, _ids = scene
    elsewhere = await make_event(title="Elsewhere")
    outsider = await create_account(Role.organiser, elsewhere.id)
    await sign_in_organiser(client, outsider)
    assert (await client.get(f"/organiser/events/{event.id}/reports")).status_code == 403
    download = await client.get(f"/organiser/events/{event.id}/reports/download?table=gender&format=csv")
    assert download.status_code == 403
    mine = await client.get("/organiser/reports/download?table=event&format=csv")
    assert event.title not in mine.content.decode("utf-8-sig")


async def test_reports_in_arabic(client, scene):
    event, organiser, _ids = scene
    await sign_in_organiser(client, organiser)
    page = await client.get(f"/organiser/events/{event.id}/reports?lang=ar")
    assert page.status_code == 200 and 'dir="rtl"' in page.text
    # The tables and totals come from imported macros: they must be in the page's language too.
    assert "نسبة الحضور" in page.text and "المسجلون" in page.text
    assert "Attendance rate" not in page.text and ">Registered<" not in page.text
