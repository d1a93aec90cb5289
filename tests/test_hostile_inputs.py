"""Hostile input found by an adversarial audit: each test names the input and what it must get."""

from __future__ import annotations

import csv
import io
import unicodedata
import zipfile

import pytest

from events.registration.tables import Registration
from tests.test_registration_workflow import person, register
from tests.test_web import error_beside, open_event, submit  # noqa: F401 (open_event is a fixture)
from tests.test_web import person as form

# --- e-mail addresses and the one-registration-per-address rule -------------------------------


async def test_a_fullwidth_address_is_the_same_address(client, event):
    """East Asian input methods type ｆｕｌｌｗｉｄｔｈ letters: the same mailbox, so not a second seat."""
    first = await register(client, event.id, person())
    assert first.status_code == 201, first.text
    again = await register(
        client, event.id, person(email="ＡＭＩＮＡ.moussa@example.org", institution="Other")
    )
    assert again.status_code == 409, again.text
    assert await Registration.count() == 1


async def test_a_sign_in_link_asked_for_in_fullwidth_letters_reaches_the_registration(client, event):
    from events.notifications.tables import OutboxMessage

    assert (await register(client, event.id, person())).status_code == 201
    asked = await client.post(
        f"/api/v1/events/{event.id}/registrations/magic-link", json={"email": "ＡＭＩＮＡ.moussa@example.org"}
    )
    assert asked.status_code == 202, asked.text
    sent = await OutboxMessage.select(OutboxMessage.to_address).where(OutboxMessage.kind == "magic_link")
    assert sent == [{"to_address": "amina.moussa@example.org"}]


@pytest.mark.parametrize(
    "address",
    ["amina\u200b.moussa@example.org", "amina.moussa@exam\u2060ple.org", "\ufeffamina.moussa@example.org"],
    ids=["zero-width-space", "word-joiner", "byte-order-mark"],
)
async def test_an_address_with_invisible_characters_is_refused_naming_the_field(client, event, address):
    first = await register(client, event.id, person())
    assert first.status_code == 201, first.text
    response = await register(client, event.id, person(email=address, institution="Other"))
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["email"]
    assert await Registration.count() == 1


async def test_the_form_says_which_address_is_wrong_in_the_readers_words(client, open_event):  # noqa: F811
    response = await submit(client, open_event.id, form(email="amina\u200b.moussa@example.org"))
    assert response.status_code == 422
    assert (
        error_beside(response.text, "email")
        == "Enter an e-mail address in the correct format, like name@example.org"
    )
    assert await Registration.count() == 0


async def test_an_invitation_to_an_address_with_invisible_characters_is_refused(
    client, event, event_organiser
):
    """Nobody could register with it: the registration refuses such an address."""
    from events.notifications.tables import OutboxMessage
    from events.registration.tables import Invitation

    response = await client.post(
        f"/api/v1/events/{event.id}/invitations",
        json={"email": "nominee\u200b@example.org"},
        headers=event_organiser.headers,
    )
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["email"]
    assert await Invitation.count() == 0 and await OutboxMessage.count() == 0


# --- names without a letter -------------------------------------------------------------------

NO_LETTER = {
    "combining-mark-only": "\u0301",
    "zero-width-space-only": "\u200b",
    "joiner-only": "\u200d\u200c",
    "word-joiner-only": "\u2060",
    "punctuation-only": "-.",
}


@pytest.mark.parametrize("text", NO_LETTER.values(), ids=NO_LETTER.keys())
@pytest.mark.parametrize("field", ["given_names", "family_name", "preferred_name", "latin_name"])
async def test_a_name_without_a_letter_is_refused_naming_the_field(client, event, field, text):
    """Nothing a badge, a letter or a list could print as a name (an accent on nothing, invisible joiners)."""
    response = await register(client, event.id, person(**{field: text}))
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert await Registration.count() == 0


@pytest.mark.parametrize(
    "given",
    ["राम\u200dकुमार", "می\u200cخواهم", "Nguyễn Thị", "Ana 😀", "ᠪᠠᠲᠤ", "O'Neil-Smith", "a\u0301"],
    ids=["devanagari-zwj", "persian-zwnj", "vietnamese", "emoji", "mongolian", "punctuation", "decomposed"],
)
async def test_names_with_joiners_marks_and_emoji_are_kept(client, event, given):
    response = await register(client, event.id, person(given_names=given))
    assert response.status_code == 201, response.text


async def test_the_form_refuses_a_name_without_a_letter_beside_the_field(client, open_event):  # noqa: F811
    response = await submit(client, open_event.id, form(given_names="\u0301"))
    assert response.status_code == 422
    assert error_beside(response.text, "given_names") == "Write the name with at least one letter"
    assert await Registration.count() == 0


async def test_a_name_typed_decomposed_is_the_same_name(client, event):
    """Some keyboards and macOS send "é" as "e" + U+0301: the same person sending the same form again
    got a 409 instead of their registration, and lists, searches and badges saw two spellings."""
    composed = person(given_names="José", family_name="Nuñez Đặng", institution="Ministère")
    first = await register(client, event.id, composed)
    assert first.status_code == 201, first.text
    decomposed = {
        key: unicodedata.normalize("NFD", value) if isinstance(value, str) else value
        for key, value in composed.items()
    }
    assert decomposed["family_name"] != composed["family_name"]
    again = await register(client, event.id, decomposed)
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    row = await Registration.select(Registration.given_names, Registration.family_name).first()
    assert (row["given_names"], row["family_name"]) == ("José", "Nuñez Đặng")


# --- instants at the ends of the calendar -----------------------------------------------------

EDGE_INSTANTS = {
    "year-1-wall-clock": "0001-01-01T00:00:00",
    "year-1-east-of-utc": "0001-01-01T00:00:00+14:00",
    "year-9999-west-of-utc": "9999-12-31T23:59:59-12:00",
    "year-9999-utc": "9999-12-31T23:00:00Z",
}


@pytest.mark.parametrize("instant", EDGE_INSTANTS.values(), ids=EDGE_INSTANTS.keys())
@pytest.mark.parametrize("field", ["arrival_at", "departure_at"])
async def test_a_travel_time_at_the_end_of_the_calendar_is_refused_naming_it(client, event, field, instant):
    """Converting it to UTC (or later to the event's zone, for a page) overflowed: a 500."""
    response = await register(client, event.id, person(**{field: instant}))
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [field]
    assert await Registration.count() == 0


@pytest.mark.parametrize("instant", EDGE_INSTANTS.values(), ids=EDGE_INSTANTS.keys())
async def test_a_session_time_at_the_end_of_the_calendar_is_refused_naming_it(
    client, event, event_organiser, instant
):
    session = {"title": "Edge", "kind": "panel", "starts_at": instant, "ends_at": "2027-10-12T10:00:00"}
    response = await client.post(
        f"/api/v1/events/{event.id}/sessions", json=session, headers=event_organiser.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "starts_at"


@pytest.mark.parametrize("instant", EDGE_INSTANTS.values(), ids=EDGE_INSTANTS.keys())
async def test_a_registration_window_at_the_end_of_the_calendar_is_refused_naming_it(
    client, event, event_organiser, instant
):
    response = await client.patch(
        f"/api/v1/events/{event.id}", json={"registration_opens_at": instant}, headers=event_organiser.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "registration_opens_at"


async def test_the_form_says_an_arrival_at_the_end_of_the_calendar_is_wrong_in_the_readers_words(
    client,
    open_event,  # noqa: F811
):
    response = await submit(client, open_event.id, form(arrival_at="0001-01-01T00:00"))
    assert response.status_code == 422
    assert (
        error_beside(response.text, "arrival_at")
        == "Enter your arrival as a date and time, like 2027-10-11 18:30"
    )
    assert await Registration.count() == 0


# --- integers in bodies that no column can hold -----------------------------------------------


@pytest.mark.parametrize(
    "value", [2**31, 2**63, 2**70, -(2**31) - 1], ids=["2^31", "2^63", "2^70", "-2^31-1"]
)
async def test_a_session_id_no_column_can_hold_is_refused_naming_it(client, event, value):
    """It reached the database as a parameter: OverflowError on SQLite, DataError on PostgreSQL (500)."""
    response = await register(client, event.id, person(session_ids=[value]))
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == ["session_ids"]
    assert await Registration.count() == 0


async def test_an_id_no_column_can_hold_in_an_organiser_body_is_refused_naming_it(
    client, event, event_organiser
):
    response = await client.put(
        f"/api/v1/events/{event.id}/certificates/rule",
        json={"min_percent": 75, "session_ids": [2**63]},
        headers=event_organiser.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "session_ids"


# --- spreadsheet formulas in every CSV the service writes -------------------------------------

FORMULA = '=HYPERLINK("http://evil.example","open")'


async def test_the_letters_zip_manifest_neutralises_formulas_in_names(client, event, event_organiser):
    """The registrations export quoted them; letters.csv in the letters ZIP wrote them as they were."""
    from tests.test_letters_api import PROFILE, approved, issue

    await client.put(
        f"/api/v1/events/{event.id}/letter-profile", json=PROFILE, headers=event_organiser.headers
    )
    body = person(given_names="@SUM(1+1)", family_name=FORMULA, latin_name="+Amina Moussa")
    registration_id, headers = await approved(client, event, event_organiser, body)
    assert (await issue(client, registration_id, "invitation", headers)).status_code == 201
    response = await client.get(f"/api/v1/events/{event.id}/letters.zip", headers=event_organiser.headers)
    assert response.status_code == 200, response.text
    manifest = zipfile.ZipFile(io.BytesIO(response.content)).read("letters.csv").decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(manifest)))
    assert (row["given_names"], row["family_name"], row["latin_name"]) == (
        "'@SUM(1+1)",
        "'" + FORMULA,
        "'+Amina Moussa",
    )
    assert row["version"] == "1"


def test_the_import_report_csv_neutralises_formulas_from_the_file():
    """A rejected row's e-mail and reasons echo the uploaded file's cells into the report sheet."""
    from events.registration import jobs, schemas

    report = schemas.ImportReport(
        dry_run=False,
        atomic=False,
        committed=True,
        created=0,
        updated=0,
        rejected=1,
        rows=[schemas.ImportRowReport(2, "rejected", FORMULA, None, [f"+{FORMULA}"])],
    )
    [row] = list(csv.DictReader(io.StringIO(jobs.report_csv(report).decode("utf-8-sig"))))
    assert row["email"] == "'" + FORMULA and row["reasons"] == "'+" + FORMULA
    assert row["row"] == "2"


# --- event dates at the ends of the calendar --------------------------------------------------

EVENT = {
    "slug": "far-future",
    "title": "Far future",
    "kind": "symposium",
    "venue": "Congress Centre",
    "city": "Baku",
    "country": "AZE",
    "time_zone": "Pacific/Kiritimati",
    "start_date": "2027-10-12",
    "end_date": "2027-10-14",
    "capacity": 10,
}


@pytest.mark.parametrize(
    ("dates", "field"),
    [
        ({"start_date": "9999-12-30", "end_date": "9999-12-31"}, "start_date"),
        ({"end_date": "9999-12-31"}, "end_date"),
        (
            {"start_date": "0001-01-01", "end_date": "0001-01-02", "time_zone": "Pacific/Pago_Pago"},
            "start_date",
        ),
    ],
    ids=["year-9999", "ends-in-9999", "year-1"],
)
async def test_event_dates_at_the_end_of_the_calendar_are_refused_naming_them(
    client, programme, programme_organiser, dates, field
):
    """Such an event was stored, and its feed and the whole programme's feed (every event's) answered 500."""
    from events.programme.tables import Event

    body = {**EVENT, **dates, "programme_id": programme.id}
    response = await client.post("/api/v1/events", json=body, headers=programme_organiser.headers)
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == field
    assert await Event.count() == 0
    assert (await client.get("/calendars/programme.ics")).status_code == 200


async def test_moving_an_event_to_the_end_of_the_calendar_is_refused(client, event, event_organiser):
    response = await client.patch(
        f"/api/v1/events/{event.id}", json={"end_date": "9999-12-31"}, headers=event_organiser.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "end_date"
    assert (await client.get(f"/calendars/events/{event.id}.ics")).status_code == 200


# --- uploads ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bom", ["utf-16", "utf-16-be"], ids=["little-endian", "big-endian"])
async def test_a_utf16_csv_is_refused_saying_how_to_save_it(client, event, event_organiser, bom):
    """Excel's 'Unicode Text' and some exports write UTF-16: it was called 'not a CSV or XLSX file'."""
    from tests.test_registration_import_export import PEOPLE, csv_bytes, upload

    text = csv_bytes(PEOPLE).decode("utf-8")
    content = ("\ufeff" + text).encode(bom)
    response = await upload(client, event.id, content, event_organiser)
    assert response.status_code == 422, response.text
    assert response.json()["errors"] == [
        {"field": "file", "message": "the CSV file is UTF-16; save it as 'CSV UTF-8'"}
    ]
    assert await Registration.count() == 0


# --- paths ------------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["/static", "/scan/static"])
@pytest.mark.parametrize(
    "name", ["%00", "app.css%00.png", "..%00/x"], ids=["nul", "nul-inside", "nul-in-folder"]
)
async def test_a_static_file_name_with_a_nul_byte_is_404(client, prefix, name):
    """The file system refused it ('embedded null byte', a ValueError): a 500."""
    response = await client.get(f"{prefix}/{name}")
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


# --- "since" at the ends of the calendar ------------------------------------------------------

EDGE_SINCE = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"]


@pytest.mark.parametrize("since", EDGE_SINCE, ids=["year-1", "year-9999"])
async def test_a_revocation_list_since_the_end_of_the_calendar_is_refused_naming_it(
    client, event, staff, since
):
    """Compared with a stored instant it was converted to UTC first, which overflowed: a 500."""
    response = await client.get(
        f"/api/v1/events/{event.id}/badges/revoked", params={"since": since}, headers=staff.headers
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "since"


@pytest.mark.parametrize("since", EDGE_SINCE, ids=["year-1", "year-9999"])
async def test_a_scanner_kit_since_the_end_of_the_calendar_is_refused_naming_it(
    client, event, event_organiser, staff, since
):
    from tests.test_checkin import checkpoint

    door = await checkpoint(client, event.id, event_organiser.headers)
    response = await client.get(
        f"/api/v1/events/{event.id}/checkin/checkpoints/{door['id']}/kit",
        params={"since": since},
        headers=staff.headers,
    )
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "since"


@pytest.mark.parametrize(
    "value", [str(2**63), str(-(2**63) - 1), str(2**31)], ids=["2^63", "-2^63-1", "2^31"]
)
async def test_a_registration_id_no_column_can_hold_on_the_bulk_page_is_no_500(
    client, event, event_organiser, value
):
    """Page forms read through forms.read_form into plain structs, which the API's Input check never saw."""
    from tests.test_web import sign_in_organiser

    kept = await register(client, event.id, person())
    await sign_in_organiser(client, event_organiser)
    response = await client.post(
        f"/organiser/events/{event.id}/registrations/bulk",
        data={"action": "approve", "registration_ids": [str(kept.json()["registration"]["id"]), value]},
    )
    assert response.status_code == 303, response.text
    assert await Registration.count().where(Registration.status == "approved") == 0
