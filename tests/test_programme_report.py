"""The programme report: every figure of a small event, counted by hand, through the page data and
the XLSX cells — participants, attendance depth, the breakdowns (government level included), the
suppression of small cells and the secondary suppression — plus an area's table from a fake
``report_sections`` receiver, the PDF with its charts (English, Arabic, Chinese), the empty event,
and others' events refused."""

from __future__ import annotations

import dataclasses
import io
import re
import shutil
import subprocess

import msgspec
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from events import signals
from events.auth import services as auth_services
from events.auth.tables import Role
from events.checkin import attendance, checkpoints, config
from events.checkin import schemas as checkin_schemas
from events.errors import PermissionDenied
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.registration import editing, moderation, signups
from events.registration import schemas as registration_schemas
from events.reports import build, document, pdf, xlsx
from events.reports.sections import ReportRow, ReportTable
from events.settings import get_settings
from tests.factories import SYSTEM, create_account
from tests.test_checkin import add_session, live_event  # noqa: F401 (a fixture)
from tests.test_console_reports import admit, register
from tests.test_web import sign_in_organiser

MINIMUM = 3


@pytest.fixture(autouse=True)
def fresh_caches():
    config.forget()
    yield
    config.forget()


@pytest.fixture
def minimum(monkeypatch):
    """REPORT_MIN_CELL = 3 for these tests (a small fixture shows every rule)."""
    settings = dataclasses.replace(get_settings(), report_min_cell=MINIMUM)
    monkeypatch.setattr(build, "get_settings", lambda: settings)
    return MINIMUM


async def fake_area(event_ids: list[int], language: str) -> list[ReportTable]:
    """An area's tables as a receiver of ``report_sections`` would give them."""
    return [
        ReportTable(
            key="fake.self_assessment",
            title="Self-assessment" if language == "en" else "تقييم ذاتي",
            columns=["Before", "After"],
            rows=[
                ReportRow(key="q1", label="Digital skills", values=[2.5, 4.0], people=6),
                ReportRow(key="q2", label="=Leadership", values=[3.0, 3.5], people=4),
                ReportRow(key="q3", label="Data", values=[1.0, 5.0], people=2),
            ],
            chart="before_after",
            note="Mean on a scale of 1 to 5.",
        ),
        ReportTable(
            key="fake.plans",
            title="Action plans",
            columns=["Status"],
            rows=[ReportRow(key="DJI", label="Djibouti", values=["submitted"], people=3)],
            chart="none",
        ),
    ]


@pytest.fixture
def area():
    signals.report_sections.connect(fake_area)
    yield
    signals.report_sections.disconnect(fake_area)


@pytest.fixture
async def scene(live_event, minimum, area):  # noqa: F811
    """Eleven registrations; sessions P1, P2 (compulsory, a room each), W (optional, a room),
    N (compulsory, no checkpoint: not measurable), X (compulsory with a room, cancelled: left out).

    ===  =======  ======  =====  ===========  =======  =========  ============  =====================
    who  country  gender  level  government   sector   status     admitted at   share of expected
    ===  =======  ======  =====  ===========  =======  =========  ============  =====================
    p1   DJI LDC  female  high   national     Health   approved   P1 P2 W(+W)   3/3  ≥75
    p2   DJI LDC  female  high   national     Health   approved   P1 P2         2/2  ≥75
    p3   DJI LDC  female  mid    national     Health   approved   P1            1/2  50–74
    p4   FJI SIDS male    mid    subnational  Health   approved   P1 (+W)       1/3  <50
    p5   FJI SIDS male    mid    subnational  Justice  approved   —             0/2  none
    p6   HTI L+S  female  mid    subnational  Justice  approved   P1 P2 X       2/2  ≥75
    p7   HTI L+S  male    mid    —            Justice  approved   P2            1/2  50–74
    p8   FRA      female  mid    other        Finance  approved   P1 P2         2/2  ≥75
    p9   NPL L+LL female  mid    national     Finance  approved   —             0/2  none
    p10  DJI LDC  male    mid    national     Health   submitted  —             —
    p11  FJI SIDS female  high   national     Health   cancelled  —             —
    ===  =======  ======  =====  ===========  =======  =========  ============  =====================

    (+W): signed up for the optional workshop W.
    """
    event = live_event
    organiser = await create_account(Role.organiser, event.id)
    sessions = {
        "P1": await add_session(event, optional=False, title="Plenary one"),
        "P2": await add_session(event, optional=False, title="Plenary two"),
        "W": await add_session(event, optional=True, title="Workshop"),
        "N": await add_session(event, optional=False, title="Dinner"),
        "X": await add_session(event, optional=False, title="Cancelled talk"),
    }
    rooms = {}
    for name in ("P1", "P2", "W", "X"):
        rooms[name] = (
            await checkpoints.create_checkpoint(
                organiser.actor,
                event.id,
                checkin_schemas.CheckpointCreate(
                    name=f"Room {name}",
                    kind=checkin_schemas.CheckpointKind.session_room,
                    session_id=sessions[name],
                ),
            )
        ).id
    people = {
        "p1": dict(country_represented="DJI", gender="female", level="high", government_level="national", sector="Health"),
        "p2": dict(country_represented="DJI", gender="female", level="high", government_level="national", sector="Health"),
        "p3": dict(country_represented="DJI", gender="female", level="mid", government_level="national", sector="Health"),
        "p4": dict(country_represented="FJI", nationality="FJ", gender="male", level="mid", government_level="subnational", sector="Health"),
        "p5": dict(country_represented="FJI", nationality="FJ", gender="male", level="mid", government_level="subnational", sector="Justice"),
        "p6": dict(country_represented="HTI", nationality="HT", gender="female", level="mid", government_level="subnational", sector="Justice"),
        "p7": dict(country_represented="HTI", nationality="HT", gender="male", level="mid", sector="Justice"),
        "p8": dict(country_represented="FRA", nationality="FR", gender="female", level="mid", government_level="other", sector="Finance"),
        "p9": dict(country_represented="NPL", nationality="NP", gender="female", level="mid", government_level="national", sector="Finance"),
        "p10": dict(approve=False, country_represented="DJI", gender="male", level="mid", government_level="national", sector="Health"),
        "p11": dict(country_represented="FJI", nationality="FJ", gender="female", level="high", government_level="national", sector="Health"),
    }  # fmt: skip
    ids = {name: await register(event.id, **values) for name, values in people.items()}
    for name in ("p1", "p4"):
        await signups.join_session(SYSTEM, ids[name], sessions["W"])
    staff = await create_account(Role.staff, event.id)
    admissions = {
        "p1": ["P1", "P2", "W"],
        "p2": ["P1", "P2"],
        "p3": ["P1"],
        "p4": ["P1"],
        "p6": ["P1", "P2", "X"],
        "p7": ["P2"],
        "p8": ["P1", "P2"],
    }
    for name, places in admissions.items():
        for place in places:
            await admit(staff.actor, event.id, rooms[place], ids[name])
    await programme_services.update_session(
        organiser.actor, event.id, sessions["X"], programme_schemas.SessionUpdate(cancelled=True)
    )
    await moderation.cancel(organiser.actor, ids["p11"], "cannot come")
    return event, organiser, ids


def figures(table: document.Table) -> dict[str, list]:
    """Each row's cells as the reader sees them (suppressed: "<3"), numbers rounded for shares."""
    return {
        line.key: [
            f"<{MINIMUM}" if line.is_hidden(index) else _rounded(line.values[index])
            for index in range(len(table.columns))
        ]
        for line in table.lines
    }


def pdftotext(content: bytes) -> str:
    """The PDF's text as poppler reads it back."""
    return subprocess.run(  # noqa: S603 (a fixed program on our own bytes)
        [shutil.which("pdftotext") or "pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()


def drawn_rectangles(content: bytes) -> int:
    """How many rectangles (``re`` operators) the PDF's pages draw."""
    return sum(
        len(re.findall(rb"\sre\s", page.get_contents().get_data()))
        for page in PdfReader(io.BytesIO(content)).pages
    )


def _rounded(value):
    return round(value, 4) if isinstance(value, float) else value


def by_key(report: build.Report) -> dict[str, document.Table]:
    return {table.key: table for table in [report.summary, *report.tables]}


H = f"<{MINIMUM}"


async def test_government_level_is_stored_read_and_changed(scene):
    _event, organiser, ids = scene
    registration = await editing.update(
        organiser.actor,
        ids["p7"],
        msgspec.convert({"government_level": "national"}, registration_schemas.RegistrationUpdate),
    )
    assert registration.government_level == "national"
    registration = await editing.update(
        organiser.actor,
        ids["p7"],
        msgspec.convert({"government_level": None}, registration_schemas.RegistrationUpdate),
    )
    assert registration.government_level == ""


async def test_attendance_depth_per_person_counted_by_hand(scene):
    event, organiser, _ids = scene
    report = await attendance.event_report(organiser.actor, event.id)
    totals = report.totals
    assert (totals.registered, totals.approved, totals.attended) == (10, 9, 7)
    assert totals.measured == 9 and totals.depth == [2, 1, 2, 4]
    assert totals.mean_share == pytest.approx((1 + 1 + 0.5 + 1 / 3 + 0 + 1 + 0.5 + 1 + 0) / 9)
    government = {row.key: row for row in report.breakdowns["government_level"]}
    assert list(government) == ["national", "subnational", "other", "none"]
    assert (
        government["national"].registered,
        government["national"].approved,
        government["national"].attended,
    ) == (5, 4, 3)
    assert government["subnational"].depth == [1, 1, 0, 1]
    assert government["none"].mean_share == pytest.approx(0.5)


async def test_every_figure_of_the_event_report(scene):
    event, organiser, _ids = scene
    report = await build.event_report(organiser.actor, event.id, "en")
    tables = by_key(report)
    mean = (5 + 1 / 3) / 9
    assert figures(tables["summary"]) == {"all": [10, 9, 7, round(7 / 9, 4), 9, round(mean, 4)]}
    assert figures(tables["participants.country_group"]) == {
        "LDC": [7, 6, 5, round(5 / 6, 4)],
        "LLDC": [H, H, H, H],
        "SIDS": [4, 4, 3, 0.75],
        "none": [H, H, H, H],
    }
    assert figures(tables["participants.gender"]) == {
        "female": [6, 6, 5, round(5 / 6, 4)],
        "male": [4, 3, H, H],
        "other": [H, H, H, H],
        "undisclosed": [H, H, H, H],
    }
    # high: 2 registered → hidden; the only other row would give it away: hidden too (secondary).
    assert figures(tables["participants.level"]) == {"high": [H, H, H, H], "mid": [H, H, H, H]}
    assert figures(tables["participants.government_level"]) == {
        "national": [5, 4, 3, 0.75],
        "subnational": [3, 3, H, H],
        "other": [H, H, H, H],
        "none": [H, H, H, H],
    }
    # Finance alone is below 3 registered and approved: Justice, the next smallest, is hidden too.
    assert figures(tables["participants.sector"]) == {
        "Health": [5, 4, 4, 1.0],
        "Justice": [H, H, H, H],
        "Finance": [H, H, H, H],
    }
    assert figures(tables["depth.gender"]) == {
        "female": [6, round((1 + 1 + 0.5 + 1 + 1 + 0) / 6, 4), H, H, H, 4],
        "male": [3, round((1 / 3 + 0 + 0.5) / 3, 4), H, H, H, H],
        "other": [H, H, H, H, H, H],
        "undisclosed": [H, H, H, H, H, H],
    }
    assert figures(tables["depth.sector"]) == {
        "Health": [4, round((1 + 1 + 0.5 + 1 / 3) / 4, 4), H, H, H, H],
        "Justice": [H, H, H, H, H, H],
        "Finance": [H, H, H, H, H, H],
    }
    sessions = figures(tables["sessions"])
    assert list(sessions.values()) == [
        [9, 6, round(6 / 9, 4)],
        [9, 5, round(5 / 9, 4)],
        [H, H, H],
        [9, None, None],
    ]
    # The fake area's rows: "Data" describes 2 people (hidden), so "=Leadership" (4, next smallest) too.
    assert figures(tables["fake.self_assessment"]) == {"q1": [2.5, 4.0], "q2": [H, H], "q3": [H, H]}
    assert figures(tables["fake.plans"]) == {"DJI": ["submitted"]}
    assert tables["fake.self_assessment"].chart == "before_after"
    assert "several groups" in tables["participants.country_group"].note


async def test_xlsx_cells_match_the_report(scene):
    event, organiser, _ids = scene
    report = await build.event_report(organiser.actor, event.id, "en")
    workbook = load_workbook(io.BytesIO(xlsx.render_xlsx(report)))
    assert workbook.sheetnames[:3] == ["about", "summary", "participants.country_group"]
    summary = [[cell.value for cell in row] for row in workbook["summary"].iter_rows()]
    assert summary[0][:4] == ["Category", "Registered", "Approved", "Attended"]
    assert summary[1] == ["All participants", 10, 9, 7, 77.8, 9, 59.3]
    sector = [[cell.value for cell in row] for row in workbook["participants.sector"].iter_rows()]
    assert sector[1:4] == [["Health", 5, 4, 4, 100.0], ["Justice", H, H, H, H], ["Finance", H, H, H, H]]
    area = [[cell.value for cell in row] for row in workbook["fake.self_assessment"].iter_rows()]
    assert area[1:4] == [["Digital skills", 2.5, 4.0], ["=Leadership", H, H], ["Data", H, H]]
    cell = workbook["fake.self_assessment"]["A3"]
    assert cell.data_type == "s"  # formula-like text stays text


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext is not installed")
@pytest.mark.parametrize("language", ["en", "ar", "zh"])
async def test_pdf_has_the_titles_numbers_and_charts(scene, language):
    event, organiser, _ids = scene
    report = await build.event_report(organiser.actor, event.id, language)
    content = pdf.render_pdf(report)
    assert content.startswith(b"%PDF")
    text = pdftotext(content)
    squeezed = " ".join(text.split())
    assert event.title in squeezed or event.title.split()[0] in squeezed
    assert f"<{MINIMUM}" in squeezed and "Health" in squeezed and "Digital skills" in squeezed
    title = {"en": "By gender", "ar": "حسب الجنس", "zh": "按性别"}[language]
    page = {"en": "Page 2", "ar": "صفحة 2", "zh": "第 2 页"}[language]
    # pdftotext wraps right-to-left runs in bidi controls and drops spaces between CJK characters.
    bare = re.sub(r"[\u200e\u200f\u202a-\u202e\s]", "", text)
    assert title.replace(" ", "") in bare and page.replace(" ", "") in bare
    # The bar charts: filled rectangles in the page streams, many more than the table's grid.
    assert drawn_rectangles(content) >= 20


async def test_programme_report_across_events(scene, make_event):
    """The organiser's second event is empty: its row of the event breakdown is hidden, and so is the
    only other row, which the programme's total would give away."""
    event, organiser, _ids = scene
    second = await make_event()
    await auth_services.grant_role(SYSTEM, organiser.user_id, Role.organiser, second.id)
    actor = await auth_services.load_actor(organiser.user_id, via="token")
    report = await build.programme_report(actor, "en")
    assert [line.event_id for line in report.events] == [event.id, second.id]
    tables = by_key(report)
    assert figures(tables["summary"])["all"][:3] == [10, 9, 7]
    assert figures(tables["participants.event"]) == {
        str(event.id): [H, H, H, H],
        str(second.id): [H, H, H, H],
    }
    assert figures(tables["participants.gender"])["female"] == [6, 6, 5, round(5 / 6, 4)]
    assert "participants.event" in [name for name, _header, _rows in xlsx.sheets(report)]


async def test_empty_event_says_so(make_event, minimum):
    event = await make_event()
    organiser = await create_account(Role.organiser, event.id)
    report = await build.event_report(organiser.actor, event.id, "en")
    assert report.empty
    assert pdf.render_pdf(report).startswith(b"%PDF")
    assert load_workbook(io.BytesIO(xlsx.render_xlsx(report))).sheetnames[0] == "about"


async def test_others_cannot_read_a_report(scene, make_event):
    event, _organiser, _ids = scene
    other = await make_event()
    stranger = await create_account(Role.organiser, other.id)
    with pytest.raises(PermissionDenied):
        await build.event_report(stranger.actor, event.id, "en")
    everything = await build.programme_report(stranger.actor, "en")
    assert [line.event_id for line in everything.events] == [other.id]


def test_suppression_rules_on_a_table():
    """Primary below the threshold, a rate following its counts, and secondary within a row's bands
    and within a column."""
    table = document.Table(
        key="t",
        title="t",
        columns=[
            document.Column("measured", adds_up=True),
            document.Column("mean", "share", follows=(0,)),
            document.Column("a", adds_up=True),
            document.Column("b", adds_up=True),
            document.Column("c", adds_up=True),
        ],
        lines=[
            document.Line(key="x", label="x", values=[20, 0.5, 2, 8, 10], people=[20, 20, 2, 8, 10]),
            document.Line(key="y", label="y", values=[30, 0.4, 10, 9, 11], people=[30, 30, 10, 9, 11]),
            document.Line(key="z", label="z", values=[40, 0.6, 12, 13, 15], people=[40, 40, 12, 13, 15]),
        ],
        column_groups=[[0, 2, 3, 4]],
    )
    document.suppress(table, 5)
    hidden = {line.key: [index for index, flag in enumerate(line.hidden) if flag] for line in table.lines}
    # x: "a" (2) hidden; in x's bands, "b" (8) the next smallest; column "a": y's 10 next smallest;
    # then column "b": x's and — y's band group now has one hidden ("a") → y's "b" (9); and so on.
    assert 2 in hidden["x"] and 3 in hidden["x"] and 0 not in hidden["x"]
    assert 2 in hidden["y"] and len(hidden["y"]) >= 2
    for line in table.lines:
        for group in table.column_groups:
            assert sum(line.hidden[index] for index in group) != 1
    for index, column in enumerate(table.columns):
        if column.adds_up:
            assert sum(line.hidden[index] for line in table.lines) != 1


def test_area_table_below_the_threshold_is_hidden_whole():
    table = document.from_area(
        ReportTable(
            key="k",
            title="k",
            columns=["n", "mean"],
            rows=[ReportRow(key="a", label="a", values=[3, 1.5], people=3)],
        )
    )
    document.suppress(table, 5)
    assert table.lines[0].hidden == [True, True]
    assert table.lines[0].shown(0) is None


async def test_pages_downloads_and_refusals(client, scene, make_event):
    event, organiser, _ids = scene
    await sign_in_organiser(client, organiser)
    page = await client.get(f"/organiser/events/{event.id}/reports/programme")
    assert page.status_code == 200, page.text
    assert 'class="table stacked report-table"' in page.text and 'role="img"' in page.text
    assert "&lt;3" in page.text and "Self-assessment" in page.text and "fewer than 3" in page.text
    assert len(page.content) < 100_000
    exact = await client.get(f"/organiser/events/{event.id}/reports")
    assert f"/organiser/events/{event.id}/reports/programme" in exact.text
    pdf_file = await client.get(f"/organiser/events/{event.id}/reports/programme/pdf")
    assert pdf_file.status_code == 200 and pdf_file.content.startswith(b"%PDF")
    assert f"programme-report-event-{event.id}-" in pdf_file.headers["content-disposition"]
    xlsx_file = await client.get(f"/organiser/events/{event.id}/reports/programme/xlsx")
    assert xlsx_file.status_code == 200 and xlsx_file.content[:2] == b"PK"
    assert (await client.get(f"/organiser/events/{event.id}/reports/programme/doc")).status_code == 404
    whole = await client.get("/organiser/reports/programme")
    assert whole.status_code == 200 and event.title in whole.text
    assert (await client.get("/organiser/reports/programme/pdf")).content.startswith(b"%PDF")
    other = await make_event()
    assert (await client.get(f"/organiser/events/{other.id}/reports/programme")).status_code == 403
    assert (await client.get(f"/organiser/events/{other.id}/reports/programme/pdf")).status_code == 403
    assert (await client.get("/organiser/events/999999/reports/programme")).status_code == 404
    arabic = await client.get(
        f"/organiser/events/{event.id}/reports/programme", headers={"Accept-Language": "ar"}
    )
    assert arabic.status_code == 200


async def test_empty_event_page(client, make_event, minimum):
    event = await make_event()
    organiser = await create_account(Role.organiser, event.id)
    await sign_in_organiser(client, organiser)
    page = await client.get(f"/organiser/events/{event.id}/reports/programme")
    assert page.status_code == 200 and "No registrations yet" in page.text
