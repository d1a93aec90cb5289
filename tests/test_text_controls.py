"""Bidirectional controls and line breaks are refused in names and single-line fields (a 422 naming the
field) on every way in, and names are isolated (``<bdi>``) where pages show them."""

from __future__ import annotations

import pytest

from events.registration.tables import Registration
from tests.test_registration_import_export import PEOPLE, csv_bytes, upload
from tests.test_registration_workflow import person, register
from tests.test_visits_api import API, make_site
from tests.test_web import open_event, sign_in_organiser, submit  # noqa: F401 (open_event is a fixture)

RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE: "Ali\u202eevil" shows as "Alilive"
HOSTILE = {
    "override": f"Ali{RLO}evil",
    "embedding": "Ali\u202bx\u202c",
    "isolate": "Ali\u2067x\u2069",
    "line break": "Ali\r\nMoussa",
}
BIDI = "must not contain bidirectional control characters (such as right-to-left override)"
CONTROL = "must not contain control characters"


def _message(text: str) -> str:
    return CONTROL if "\n" in text else BIDI


def _assert_refused(response, field: str, text: str) -> None:
    assert response.status_code == 422, response.text
    assert {"field": field, "message": _message(text)} in response.json()["errors"], response.json()


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
@pytest.mark.parametrize("field", ["given_names", "family_name", "preferred_name", "latin_name"])
async def test_registration_refuses_them_in_names(client, event, field, text):
    response = await register(client, event.id, person(**{field: text}))
    _assert_refused(response, field, text)
    assert await Registration.count() == 0


async def test_marks_in_genuine_right_to_left_names_and_line_breaks_in_free_text_are_kept(client, event):
    """LRM/RLM are not refused: they reorder nothing on their own and keyboards insert them."""
    response = await register(
        client, event.id, person(given_names="\u200fأمينة\u200f", dietary="No pork.\r\nNo alcohol.")
    )
    assert response.status_code == 201, response.text


async def test_the_registration_form_refuses_them_beside_the_field(client, open_event):  # noqa: F811
    from tests.test_web import error_beside
    from tests.test_web import person as form

    response = await submit(client, open_event.id, form(family_name=f"Moussa{RLO}"))
    assert response.status_code == 422
    assert error_beside(response.text, "family_name")
    assert await Registration.count() == 0


async def test_an_import_rejects_the_row(client, event, event_organiser):
    rows = [{**PEOPLE[0], "given_names": f"Thị{RLO}Khai"}, *PEOPLE[1:]]
    response = await upload(client, event.id, csv_bytes(rows), event_organiser)
    assert response.status_code == 200, response.text
    first = response.json()["rows"][0]
    assert (first["outcome"], first["errors"]) == ("rejected", [f"given_names: {BIDI}"])


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
async def test_session_titles_and_rooms_refuse_them(client, event, event_organiser, text):
    session = {
        "title": "Opening plenary",
        "kind": "plenary",
        "starts_at": "2027-10-12T09:00:00",
        "ends_at": "2027-10-12T10:30:00",
    }
    url = f"/api/v1/events/{event.id}/sessions"
    for field in ("title", "room"):
        response = await client.post(url, json={**session, field: text}, headers=event_organiser.headers)
        _assert_refused(response, field, text)
    created = await client.post(
        url, json={**session, "description": "Welcome.\nThen coffee."}, headers=event_organiser.headers
    )
    assert created.status_code == 201, created.text
    changed = await client.patch(
        f"{url}/{created.json()['id']}", json={"title": text}, headers=event_organiser.headers
    )
    _assert_refused(changed, "title", text)


async def test_event_titles_refuse_them(client, event, event_organiser):
    response = await client.patch(
        f"/api/v1/events/{event.id}", json={"title": f"Forum{RLO}"}, headers=event_organiser.headers
    )
    _assert_refused(response, "title", RLO)


async def test_visit_site_names_refuse_them(client, programme_organiser):
    headers = programme_organiser.headers
    site = await make_site(client, headers, "ASAN service centre")
    body = {key: site[key] for key in ("city", "latitude", "longitude", "group_capacity")}
    response = await client.post(f"{API}/visit-sites", json={**body, "name": f"ASAN{RLO}"}, headers=headers)
    _assert_refused(response, "name", RLO)
    changed = await client.patch(f"{API}/visit-sites/{site['id']}", json={"name": "ASAN\nx"}, headers=headers)
    _assert_refused(changed, "name", "\n")


async def test_letter_profile_single_line_fields_refuse_them(client, event, event_organiser):
    from tests.test_letters_api import PROFILE

    url = f"/api/v1/events/{event.id}/letter-profile"
    for field, text in (("signatory_name", "Ana\nExample"), ("host_name", f"UN{RLO}")):
        response = await client.put(url, json={**PROFILE, field: text}, headers=event_organiser.headers)
        _assert_refused(response, field, text)
    kept = await client.put(url, json=PROFILE, headers=event_organiser.headers)  # the address has lines
    assert kept.status_code == 200, kept.text


async def test_pages_isolate_the_names_they_show(client, open_event, programme_organiser):  # noqa: F811
    response = await register(client, open_event.id, person(given_names="\u200fأمينة", family_name="Moussa"))
    assert response.status_code == 201, response.text
    registration_id = response.json()["registration"]["id"]
    await sign_in_organiser(client, programme_organiser)
    detail = await client.get(f"/organiser/registrations/{registration_id}")
    assert detail.status_code == 200, detail.text
    assert "<h1><bdi>\u200fأمينة</bdi> <bdi>Moussa</bdi></h1>" in detail.text
    listed = await client.get(f"/organiser/events/{open_event.id}/registrations")
    assert listed.status_code == 200, listed.text
    assert "<bdi>MOUSSA</bdi>, <bdi>\u200fأمينة</bdi>" in listed.text


# --- multi-line free text: line breaks kept, bidirectional controls refused -----------------------------

BIDI_ONLY = {key: text for key, text in HOSTILE.items() if "\n" not in text}


@pytest.mark.parametrize("text", BIDI_ONLY.values(), ids=BIDI_ONLY.keys())
@pytest.mark.parametrize("field", ["institution", "dietary", "sector"])
async def test_registration_refuses_them_in_multi_line_text(client, event, field, text):
    response = await register(client, event.id, person(**{field: f"First line\n{text}"}))
    _assert_refused(response, field, text)
    assert await Registration.count() == 0


@pytest.mark.parametrize("text", BIDI_ONLY.values(), ids=BIDI_ONLY.keys())
async def test_descriptions_addresses_and_notes_refuse_them(
    client, event, event_organiser, programme_organiser, text
):
    from tests.test_letters_api import PROFILE

    headers = event_organiser.headers
    described = await client.post(
        f"/api/v1/events/{event.id}/sessions",
        json={
            "title": "Opening",
            "kind": "plenary",
            "starts_at": "2027-10-12T09:00:00",
            "ends_at": "2027-10-12T10:30:00",
            "description": f"Welcome.\n{text}",
        },
        headers=headers,
    )
    _assert_refused(described, "description", text)
    letter_profile = await client.put(
        f"/api/v1/events/{event.id}/letter-profile",
        json={**PROFILE, "host_address": f"405 East 42nd Street\n{text}"},
        headers=headers,
    )
    _assert_refused(letter_profile, "host_address", text)

    site_headers = programme_organiser.headers
    site = await make_site(client, site_headers, "ASAN service centre")
    for field in ("address", "notes"):
        changed = await client.patch(
            f"{API}/visit-sites/{site['id']}", json={field: f"Gate 2\n{text}"}, headers=site_headers
        )
        _assert_refused(changed, field, text)
    kept = await client.patch(
        f"{API}/visit-sites/{site['id']}",
        json={"address": "1 Heydar Aliyev Ave\nBaku", "notes": "Gate 2.\r\nBring ID."},
        headers=site_headers,
    )
    assert kept.status_code == 200, kept.text
