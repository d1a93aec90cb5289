from __future__ import annotations

import datetime
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of
from events.auth.guards import ActorDep, requires_programme_organiser
from events.programme.schemas import changes
from events.reference import schemas, services
from events.reference.tables import CountryGroup

OnDate = Annotated[
    datetime.date | None, QueryParameter(description="the date to evaluate on (default: today)")
]


class ReferenceController(Controller):
    """Countries and UN country groups: readable by anyone, edited by programme organisers."""

    path = "/reference"
    tags = ["reference data"]

    @get("/countries")
    async def list_countries(self, on: OnDate = None) -> list[schemas.Country]:
        groups = await services.groups_by_country(on or datetime.date.today())
        return [
            schemas.Country(
                iso3=iso3, iso2=iso2, name=name, groups=[CountryGroup(g) for g in groups.get(iso3, [])]
            )
            for iso3, iso2, name in services.list_countries()
        ]

    @get("/countries/{country:str}/groups")
    async def country_groups(self, country: FromPath[str], on: OnDate = None) -> schemas.CountryGroups:
        day = on or datetime.date.today()
        iso3 = services.normalise_country(country, field="country")
        return schemas.CountryGroups(
            country=iso3, name=services.country_name(iso3), on=day, groups=await services.groups_of(iso3, day)
        )

    @get("/country-groups")
    async def list_memberships(
        self,
        country: FromQuery[str | None] = None,
        group: FromQuery[CountryGroup | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.Membership]:
        memberships = [
            schemas.membership_from_row(r) for r in await services.list_memberships(country, group)
        ]
        return page_of(memberships, limit, offset)

    @post("/country-groups", guards=[requires_programme_organiser])
    async def create_membership(
        self, actor: ActorDep, data: JSONBody[schemas.MembershipCreate]
    ) -> schemas.Membership:
        row = await services.create_membership(
            actor,
            country=data.country,
            group=data.group,
            member_since=data.member_since,
            member_until=data.member_until,
            note=data.note,
        )
        return schemas.membership_from_row(row)

    @patch("/country-groups/{membership_id:int}", guards=[requires_programme_organiser])
    async def update_membership(
        self, actor: ActorDep, membership_id: FromPath[int], data: JSONBody[schemas.MembershipUpdate]
    ) -> schemas.Membership:
        return schemas.membership_from_row(
            await services.update_membership(actor, membership_id, changes(data))
        )

    @delete(
        "/country-groups/{membership_id:int}",
        guards=[requires_programme_organiser],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_membership(self, actor: ActorDep, membership_id: FromPath[int]) -> None:
        await services.delete_membership(actor, membership_id)


API_HANDLERS = [ReferenceController]
