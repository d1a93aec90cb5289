"""Countries and UN country groups on dates around a graduation."""

from __future__ import annotations

import datetime

import pytest

from events.errors import InvalidInput
from events.reference.services import groups_of, normalise_country
from events.reference.tables import CountryGroup


@pytest.mark.parametrize(
    ("country", "day", "expected"),
    [
        ("BTN", datetime.date(2023, 12, 12), {CountryGroup.LDC, CountryGroup.LLDC}),
        ("BTN", datetime.date(2023, 12, 13), {CountryGroup.LLDC}),
        ("STP", datetime.date(2024, 12, 12), {CountryGroup.LDC, CountryGroup.SIDS}),
        ("STP", datetime.date(2024, 12, 13), {CountryGroup.SIDS}),
        ("HTI", datetime.date(2027, 1, 1), {CountryGroup.LDC, CountryGroup.SIDS}),
        ("NP", datetime.date(2027, 1, 1), {CountryGroup.LDC, CountryGroup.LLDC}),
        ("AZE", datetime.date(2027, 1, 1), {CountryGroup.LLDC}),
        ("FRA", datetime.date(2027, 1, 1), set()),
    ],
)
async def test_groups_of_country_on_date(country, day, expected):
    assert set(await groups_of(country, day)) == expected


async def test_a_graduation_recorded_by_an_organiser_takes_effect_on_its_date(client, programme_organiser):
    memberships = await client.get(
        "/api/v1/reference/country-groups", params={"country": "BGD", "group": "LDC"}
    )
    (membership,) = memberships.json()["items"]
    response = await client.patch(
        f"/api/v1/reference/country-groups/{membership['id']}",
        json={"member_until": "2026-11-24", "note": "graduated"},
        headers=programme_organiser.headers,
    )
    assert response.status_code == 200, response.text
    before = await client.get("/api/v1/reference/countries/BGD/groups", params={"on": "2026-11-23"})
    after = await client.get("/api/v1/reference/countries/BD/groups", params={"on": "2026-11-24"})
    assert before.json()["groups"] == ["LDC"]
    assert after.json()["groups"] == []


async def test_bad_dates_and_countries(client, programme_organiser):
    response = await client.post(
        "/api/v1/reference/country-groups",
        json={"country": "NPL", "group": "LDC", "member_since": "2030-01-01", "member_until": "2029-01-01"},
        headers=programme_organiser.headers,
    )
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "member_until"
    assert (await client.get("/api/v1/reference/countries/XYZ/groups")).status_code == 422
    with pytest.raises(InvalidInput):
        normalise_country("Atlantis")


async def test_country_list_carries_groups(client):
    countries = {
        c["iso3"]: c
        for c in (await client.get("/api/v1/reference/countries", params={"on": "2027-01-01"})).json()
    }
    assert countries["KIR"]["groups"] == ["LDC", "SIDS"]
    assert countries["KIR"]["iso2"] == "KI"
    assert len(countries) > 240
