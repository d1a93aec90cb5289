from __future__ import annotations

from litestar import Controller, Request, Response, delete, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from events.api import DEFAULT_PAGE_SIZE, Limit, Offset, Page, page_of
from events.auth import schemas, services
from events.auth.guards import (
    SESSION_COOKIE,
    ActorDep,
    mark_personal,
    requires_json_from_same_origin,
    requires_programme_organiser,
    requires_sign_in,
)
from events.registration import access
from events.settings import get_settings


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def with_session_cookie(response: Response, token: str) -> Response:
    """The session cookie that the API, the pages and Piccolo Admin all read."""
    settings = get_settings()
    response.set_cookie(
        SESSION_COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=settings.base_url.startswith("https://"),
        max_age=settings.session_max_age_hours * 3600,
        path="/",
    )
    return response


class AuthController(Controller):
    """Sign in and out, who am I, and one's own API tokens."""

    path = "/auth"
    tags = ["auth"]

    @post("/sign-in", status_code=HTTP_200_OK, guards=[requires_json_from_same_origin])
    async def sign_in(self, request: Request, data: JSONBody[schemas.SignIn]) -> Response[schemas.Me]:
        actor, token = await services.sign_in(data.username, data.password, client=client_address(request))
        mark_personal(request)
        me = schemas.Me(user=schemas.user_from_row(await services.get_user(actor.user_id)), via="session")
        return with_session_cookie(Response(me), token)

    @post("/sign-out", status_code=HTTP_200_OK)
    async def sign_out(self, request: Request) -> Response[dict]:
        """Ends the browser session, and revokes a participant's access token sent as the bearer."""
        cookie = request.cookies.get(SESSION_COOKIE)
        if cookie:
            await services.sign_out(cookie)
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            await access.revoke_access_token(token.strip())
        response = Response({"signed_out": True})
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @get("/me", guards=[requires_sign_in])
    async def me(self, actor: ActorDep) -> schemas.Me:
        if actor.registration_id is not None:
            participant = schemas.Participant(**await access.participant_identity(actor.registration_id))
            return schemas.Me(user=None, via=actor.via, participant=participant)
        return schemas.Me(user=schemas.user_from_row(await services.get_user(actor.user_id)), via=actor.via)

    @get("/tokens", guards=[requires_sign_in])
    async def list_tokens(
        self,
        actor: ActorDep,
        user_id: FromQuery[int | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.ApiToken]:
        tokens = [schemas.token_from_row(row) for row in await services.list_tokens(actor, user_id)]
        return page_of(tokens, limit, offset)

    @post("/tokens", guards=[requires_sign_in], status_code=HTTP_201_CREATED)
    async def create_token(
        self, actor: ActorDep, data: JSONBody[schemas.ApiTokenCreate]
    ) -> schemas.ApiTokenCreated:
        """Mint a token; the ``secret`` is shown in this answer only."""
        row, secret = await services.create_token(
            actor, name=data.name, user_id=data.user_id, expires_in_days=data.expires_in_days
        )
        return schemas.ApiTokenCreated(token=schemas.token_from_row(row), secret=secret)

    @delete("/tokens/{token_id:int}", guards=[requires_sign_in], status_code=HTTP_200_OK)
    async def revoke_token(self, actor: ActorDep, token_id: FromPath[int]) -> schemas.ApiToken:
        return schemas.token_from_row(await services.revoke_token(actor, token_id))


class UserManagementController(Controller):
    """Programme organisers manage accounts and their roles."""

    path = "/users"
    tags = ["accounts"]
    guards = [requires_programme_organiser]

    @get("/")
    async def list_users(
        self,
        actor: ActorDep,
        search: FromQuery[str | None] = None,
        limit: Limit = DEFAULT_PAGE_SIZE,
        offset: Offset = 0,
    ) -> Page[schemas.User]:
        rows, total = await services.list_users(actor, limit=limit, offset=offset, search=search)
        return Page(items=[schemas.user_from_row(r) for r in rows], total=total, limit=limit, offset=offset)

    @post("/")
    async def create_user(self, actor: ActorDep, data: JSONBody[schemas.UserCreate]) -> schemas.User:
        row = await services.create_user(
            actor,
            username=data.username,
            email=data.email,
            password=data.password,
            first_name=data.first_name,
            last_name=data.last_name,
        )
        return schemas.user_from_row(row)

    @get("/{user_id:int}")
    async def get_user(self, user_id: FromPath[int]) -> schemas.User:
        return schemas.user_from_row(await services.get_user(user_id))

    @patch("/{user_id:int}")
    async def update_user(
        self, actor: ActorDep, user_id: FromPath[int], data: JSONBody[schemas.UserUpdate]
    ) -> schemas.User:
        if data.password is not None:
            await services.set_password(actor, user_id, data.password)
        if data.active is not None:
            await services.set_active(actor, user_id, data.active)
        return schemas.user_from_row(await services.get_user(user_id))

    @post("/{user_id:int}/grants")
    async def grant_role(
        self, actor: ActorDep, user_id: FromPath[int], data: JSONBody[schemas.GrantCreate]
    ) -> schemas.User:
        return schemas.user_from_row(await services.grant_role(actor, user_id, data.role, data.event_id))

    @delete("/{user_id:int}/grants/{grant_id:int}", status_code=HTTP_200_OK)
    async def revoke_grant(
        self, actor: ActorDep, user_id: FromPath[int], grant_id: FromPath[int]
    ) -> schemas.User:
        return schemas.user_from_row(await services.revoke_grant(actor, user_id, grant_id))


API_HANDLERS = [AuthController, UserManagementController]
