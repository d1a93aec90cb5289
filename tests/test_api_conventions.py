"""What the README promises of every answer: lists in a page envelope, times in the event's zone."""

from __future__ import annotations

import re

from events.api import API_PREFIX
from tests.test_letters_api import PROFILE, approved

#: Answers that are one whole thing rather than a list of records, each with its reason.
WHOLE_ARRAYS = {
    f"{API_PREFIX}/reference/countries",  # the ISO 3166 table, read whole by forms
    f"{API_PREFIX}/events/{{event_id}}/checkin/lookup",  # a name search, at most 20 matches
    f"{API_PREFIX}/events/{{event_id}}/visits/checkpoints/{{checkpoint_id}}/boarding",  # one vehicle's list
}
ISO_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


def _array_answers(document: dict) -> set[str]:
    return {
        path
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if method == "get"
        for answer in operation.get("responses", {}).values()
        for content in answer.get("content", {}).values()
        if content.get("schema", {}).get("type") == "array"
    }


def test_every_list_is_a_page(app):
    assert _array_answers(app.openapi_schema.to_schema()) == WHOLE_ARRAYS


async def test_a_list_is_paged_with_its_total(client, event, event_organiser):
    for title in ("One", "Two", "Three"):
        body = {
            "title": title,
            "kind": "panel",
            "starts_at": "2027-10-12T09:00:00",
            "ends_at": "2027-10-12T10:00:00",
        }
        created = await client.post(
            f"{API_PREFIX}/events/{event.id}/sessions", json=body, headers=event_organiser.headers
        )
        assert created.status_code == 201, created.text
    page = (await client.get(f"{API_PREFIX}/events/{event.id}/sessions?limit=1&offset=1")).json()
    assert {key: page[key] for key in ("total", "limit", "offset")} == {"total": 3, "limit": 1, "offset": 1}
    assert [session["title"] for session in page["items"]] == ["Two"]
    too_many = await client.get(f"{API_PREFIX}/events/{event.id}/sessions?limit=201")
    assert too_many.status_code == 400, too_many.text


def _instants(value, where: str = "") -> list[tuple[str, str]]:
    if isinstance(value, dict):
        return [found for key, item in value.items() for found in _instants(item, f"{where}.{key}")]
    if isinstance(value, list):
        return [found for item in value for found in _instants(item, f"{where}[]")]
    if isinstance(value, str) and ISO_INSTANT.match(value):
        return [(where, value)]
    return []


async def test_times_of_an_event_carry_its_zones_offset(client, event, event_organiser):
    """Asia/Baku is UTC+4 all year: every instant about the event's things ends in +04:00."""
    headers = event_organiser.headers
    event_url = f"{API_PREFIX}/events/{event.id}"
    assert (await client.put(f"{event_url}/letter-profile", json=PROFILE, headers=headers)).status_code == 200
    person = {
        "given_names": "Amina",
        "family_name": "Diallo",
        "email": "amina@example.org",
        "gender": "female",
        "nationality": "SEN",
        "country_represented": "SEN",
        "institution": "Ministry of Finance",
        "level": "high",
        "consent": True,
    }
    registration_id, _ = await approved(client, event, event_organiser, person)
    registration_url = f"{API_PREFIX}/registrations/{registration_id}"
    answers = {
        "letter": await client.post(
            f"{registration_url}/letters", json={"kind": "invitation"}, headers=headers
        ),
        "badge": await client.post(f"{registration_url}/badge", json={}, headers=headers),
        "checkpoint": await client.post(
            f"{event_url}/checkin/checkpoints",
            json={"name": "Door", "kind": "venue_entrance"},
            headers=headers,
        ),
        "invitation": await client.post(
            f"{event_url}/invitations", json={"email": "x@example.org"}, headers=headers
        ),
        "run": await client.post(f"{event_url}/visits/schedule/dry-run", headers=headers),
    }
    for path in (
        registration_url,
        f"{registration_url}/letters",
        f"{registration_url}/badge",
        f"{event_url}/letters",
        f"{event_url}/registrations",
        f"{event_url}/checkin/checkpoints",
        f"{event_url}/invitations",
        f"{event_url}/visits/schedule/runs",
        f"{event_url}/letter-templates",
        f"{API_PREFIX}/audit?event_id={event.id}",
        f"{event_url}/badges/keys",
        f"{event_url}/badges/revoked",
    ):
        answers[path] = await client.get(path, headers=headers)
    instants = []
    for name, answer in answers.items():
        assert answer.status_code in (200, 201), (name, answer.text)
        instants += [(f"{name}{where}", value) for where, value in _instants(answer.json())]
    assert len(instants) > 20
    wrong = [f"{where} = {value}" for where, value in instants if not value.endswith("+04:00")]
    assert wrong == [], "\n".join(wrong)


def test_the_sync_request_documents_what_a_scan_row_is(app):
    document = app.openapi_schema.to_schema()
    body = document["paths"][f"{API_PREFIX}/events/{{event_id}}/checkin/sync"]["post"]["requestBody"]
    request = document["components"]["schemas"][
        body["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    ]
    row = request["properties"]["scans"]["items"]
    assert row == {"$ref": "#/components/schemas/OfflineScan"}
    scan = document["components"]["schemas"]["OfflineScan"]
    assert {"nonce", "checkpoint_id", "scanned_at", "result"} <= set(scan["required"])
    assert scan["properties"]["scanned_at"]["format"] == "date-time"


def test_upload_endpoints_name_the_file_part_data(app):
    document = app.openapi_schema.to_schema()
    uploads = {
        f"{method.upper()} {path}": content["schema"]
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if isinstance(operation, dict)
        for media, content in operation.get("requestBody", {}).get("content", {}).items()
        if media == "multipart/form-data"
    }
    assert len(uploads) >= 3  # registrations, letter-profile images, travel itineraries (and more)
    for name, schema in uploads.items():
        schema = _resolved(document, schema)
        assert "data" in schema["properties"], (name, schema)
        assert schema["properties"]["data"]["format"] == "binary", (name, schema)


def _resolved(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].split("/")[-1]]
    return schema
