"""Hostile but cheap requests get a 4xx problem, never a 500: huge ids, deep JSON, uploads without a file."""

from __future__ import annotations

import re

import pytest
from litestar.enums import RequestEncodingType
from litestar.params import BodyKwarg

from events.api import API_PREFIX

TOO_LARGE = [2**31, 2**63, 10**30]
_INT_PARAMETER = re.compile(r"\{(\w+):int\}")


def _api_operations(app) -> list[tuple[str, str, object]]:
    """``(method, path template, handler)`` of every API operation."""
    return [
        (method, route.path, handler)
        for route in app.routes
        if route.path.startswith(API_PREFIX)
        for handler in getattr(route, "route_handlers", [])
        for method in sorted(handler.http_methods - {"OPTIONS", "HEAD"})
    ]


def _fill(path: str, **values: object) -> str:
    return re.sub(
        r"\{(\w+):(\w+)\}", lambda m: str(values.get(m.group(1), values.get(m.group(2), "x"))), path
    )


def _json_body(handler) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None:
        return False
    definition = data.kwarg_definition
    return not (
        isinstance(definition, BodyKwarg)
        and definition.media_type in (RequestEncodingType.MULTI_PART, RequestEncodingType.URL_ENCODED)
    )


@pytest.mark.parametrize("value", TOO_LARGE)
async def test_an_id_no_column_can_hold_is_404_on_every_route(client, app, programme_organiser, value):
    operations = [op for op in _api_operations(app) if _INT_PARAMETER.search(op[1])]
    assert len(operations) > 50
    answers = {}
    for method, path, _ in operations:
        url = _INT_PARAMETER.sub(str(value), path)
        url = _fill(url, str="logo")
        response = await client.request(method, url, headers=programme_organiser.headers)
        answers[f"{method} {url}"] = response.status_code
    assert {status for status in answers.values()} == {404}, answers


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/events?offset={value}", "offset"),
        ("/api/v1/events?programme_id={value}", "programme_id"),
        ("/api/v1/audit?actor_id={value}", "actor_id"),
        ("/api/v1/events/{event}/checkin/lookup?checkpoint_id={value}&code=ABC", "checkpoint_id"),
        ("/api/v1/events/{event}/checkin/scans?registration_id={value}", "registration_id"),
        ("/api/v1/events/{event}/visits/assignments?slot_id={value}", "slot_id"),
    ],
)
@pytest.mark.parametrize("value", TOO_LARGE)
async def test_a_query_integer_out_of_range_is_422_naming_it(
    client, event, programme_organiser, url, name, value
):
    response = await client.get(url.format(value=value, event=event.id), headers=programme_organiser.headers)
    assert response.status_code == 422, response.text
    assert [error["field"] for error in response.json()["errors"]] == [name]


async def test_query_integers_in_range_still_work(client, programme_organiser):
    response = await client.get("/api/v1/events?offset=2147483647", headers=programme_organiser.headers)
    assert response.status_code == 200, response.text


DEEP = b"[" * 50_000 + b"]" * 50_000
DEEP_OBJECT = b'{"a":' * 50_000 + b"1" + b"}" * 50_000


async def test_json_nested_50000_deep_is_400_on_every_json_endpoint(client, app, event, programme_organiser):
    operations = [
        (method, path)
        for method, path, handler in _api_operations(app)
        if method in {"POST", "PUT", "PATCH"} and _json_body(handler)
    ]
    assert len(operations) > 40
    answers = {}
    for method, path in operations:
        url = _INT_PARAMETER.sub(str(event.id), path)
        url = _fill(url, str="logo")
        for body in (DEEP, DEEP_OBJECT):
            response = await client.request(
                method,
                url,
                content=body,
                headers={**programme_organiser.headers, "content-type": "application/json"},
            )
            answers[f"{method} {url}"] = response.status_code
    assert not {key: status for key, status in answers.items() if status >= 500}, answers


async def test_deep_json_to_the_anonymous_registration_is_a_clear_400(client, event):
    response = await client.post(
        f"/api/v1/events/{event.id}/registrations",
        content=DEEP,
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["type"] == "/problems/bad-request"
    assert response.json()["errors"] == [{"field": "body", "message": "nested too deeply"}]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/api/v1/events/{event}/registrations/import"),
        ("PUT", "/api/v1/events/{event}/letter-profile/logo"),
    ],
)
@pytest.mark.parametrize(
    "multipart",
    [
        {"files": {"data": (None, "not a file")}},
        {"files": {"other": (None, "not a file")}},
        {"content": b"--b--\r\n", "headers": {"content-type": "multipart/form-data; boundary=b"}},
    ],
    ids=["text-part-data", "text-part-other", "no-parts"],
)
async def test_multipart_without_a_file_part_is_400_naming_it(
    client, event, event_organiser, method, path, multipart
):
    headers = {**event_organiser.headers, **multipart.get("headers", {})}
    response = await client.request(
        method,
        path.format(event=event.id),
        headers=headers,
        **{k: v for k, v in multipart.items() if k != "headers"},
    )
    assert response.status_code == 400, response.text
    assert response.json()["errors"] == [
        {"field": "data", "message": "send the file as multipart/form-data field 'data'"}
    ]


async def test_a_visit_site_city_filter_is_case_insensitive_and_literal(client, programme_organiser):
    """It used Piccolo's ``ilike``: a warning on SQLite (a 500 under the test suite), and ``%`` a wildcard."""
    headers = programme_organiser.headers
    for name, city in [("ASAN 1", "Gəncə"), ("ASAN 2", "Baku"), ("ASAN 3", "Sheki")]:
        response = await client.post(
            "/api/v1/visit-sites", json={"name": name, "city": city}, headers=headers
        )
        assert response.status_code == 201, response.text

    async def cities(query: str) -> list[str]:
        response = await client.get("/api/v1/visit-sites", params={"city": query})
        assert response.status_code == 200, response.text
        return [site["city"] for site in response.json()["items"]]

    assert await cities("GƏNCƏ") == ["Gəncə"]
    assert await cities("baku") == ["Baku"]
    assert await cities("%") == []


async def test_the_user_search_is_case_insensitive_and_literal(client, programme_organiser, make_account):
    await make_account(username="Shahriyar.Aliyev")
    await make_account(username="percent_sign")

    async def names(search: str) -> list[str]:
        response = await client.get(
            "/api/v1/users", params={"search": search}, headers=programme_organiser.headers
        )
        assert response.status_code == 200, response.text
        return [user["username"] for user in response.json()["items"]]

    assert await names("ALIYEV") == ["Shahriyar.Aliyev"]
    assert await names("T_S") == ["percent_sign"]
    assert await names("%") == []
