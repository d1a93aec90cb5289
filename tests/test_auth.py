"""Sign-in, sessions, API tokens, disabled accounts and the failed-login limit."""

from __future__ import annotations

from events.auth.tables import Role, User


async def test_sign_in_sets_a_session_cookie_that_authenticates(client, make_account):
    account = await make_account(Role.organiser)
    response = await client.post(
        "/api/v1/auth/sign-in", json={"username": account.username, "password": account.password}
    )
    assert response.status_code == 200, response.text
    assert "id" in response.cookies
    me = await client.get("/api/v1/auth/me")
    assert me.json()["user"]["username"] == account.username
    assert me.json()["via"] == "session"
    await client.post("/api/v1/auth/sign-out")
    assert (await client.get("/api/v1/auth/me")).status_code == 401


async def test_wrong_password_is_401_and_repeated_failures_lock_out(client, make_account):
    account = await make_account()
    for _ in range(5):
        response = await client.post(
            "/api/v1/auth/sign-in", json={"username": account.username, "password": "wrong-password"}
        )
        assert response.status_code == 401
        assert response.headers["content-type"].startswith("application/problem+json")
    locked = await client.post(
        "/api/v1/auth/sign-in", json={"username": account.username, "password": account.password}
    )
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0


async def test_cross_site_cookie_cannot_change_anything(client, programme, make_account):
    account = await make_account(Role.organiser)
    await client.post(
        "/api/v1/auth/sign-in", json={"username": account.username, "password": account.password}
    )
    body = {"slug": "csrf", "title": "Programme"}
    forged = await client.post(
        "/api/v1/programmes",
        json=body,
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert forged.status_code == 401
    same_site = await client.post("/api/v1/programmes", json=body, headers={"Sec-Fetch-Site": "same-origin"})
    assert same_site.status_code == 201


async def test_disabled_account_is_rejected_everywhere(client, make_account, programme_organiser):
    account = await make_account(Role.organiser)
    response = await client.patch(
        f"/api/v1/users/{account.user_id}", json={"active": False}, headers=programme_organiser.headers
    )
    assert response.status_code == 200
    assert (await client.get("/api/v1/auth/me", headers=account.headers)).status_code == 401
    sign_in = await client.post(
        "/api/v1/auth/sign-in", json={"username": account.username, "password": account.password}
    )
    assert sign_in.status_code == 401
    assert "disabled" in sign_in.json()["detail"]


async def test_token_lifecycle(client, make_account):
    account = await make_account(Role.organiser)
    created = await client.post(
        "/api/v1/auth/tokens", json={"name": "scanner 1", "expires_in_days": 30}, headers=account.headers
    )
    assert created.status_code == 201
    secret = created.json()["secret"]
    token_id = created.json()["token"]["id"]
    assert (
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    ).status_code == 200
    listed = await client.get("/api/v1/auth/tokens", headers=account.headers)
    assert "secret" not in listed.text and secret not in listed.text
    revoked = await client.delete(f"/api/v1/auth/tokens/{token_id}", headers=account.headers)
    assert revoked.json()["revoked_at"] is not None
    assert (
        await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {secret}"})
    ).status_code == 401


async def test_garbage_tokens_are_401_not_500(client):
    for header in ["Bearer", "Bearer ose_nope", "Basic abc", "Bearer " + "x" * 5000]:
        response = await client.get("/api/v1/auth/me", headers={"Authorization": header})
        assert response.status_code == 401, header


async def test_programme_organiser_gets_admin_flag_and_loses_it(client, make_account, programme_organiser):
    account = await make_account()
    granted = await client.post(
        f"/api/v1/users/{account.user_id}/grants",
        json={"role": "organiser"},
        headers=programme_organiser.headers,
    )
    assert granted.status_code == 201
    assert (await User.select(User.admin).where(User.id == account.user_id).first())["admin"] is True
    grant_id = granted.json()["grants"][0]["id"]
    await client.delete(
        f"/api/v1/users/{account.user_id}/grants/{grant_id}", headers=programme_organiser.headers
    )
    assert (await User.select(User.admin).where(User.id == account.user_id).first())["admin"] is False


async def test_staff_grant_needs_an_event(client, make_account, programme_organiser):
    account = await make_account()
    response = await client.post(
        f"/api/v1/users/{account.user_id}/grants", json={"role": "staff"}, headers=programme_organiser.headers
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "event_id"


async def test_admin_is_mounted_behind_accounts(client):
    response = await client.get("/admin/api/tables/")
    assert response.status_code in {401, 403}


async def test_one_sign_in_opens_the_api_and_piccolo_admin_for_programme_organisers(
    client, make_account, event
):
    organiser = await make_account(Role.organiser)
    await client.post(
        "/api/v1/auth/sign-in", json={"username": organiser.username, "password": organiser.password}
    )
    tables = await client.get("/admin/api/tables/")
    assert tables.status_code == 200, tables.text
    assert "registration" in {name.lower() for name in tables.json()}

    client.cookies.clear()
    event_only = await make_account(Role.organiser, event.id)
    await client.post(
        "/api/v1/auth/sign-in", json={"username": event_only.username, "password": event_only.password}
    )
    assert (await client.get("/api/v1/auth/me")).status_code == 200
    assert (await client.get("/admin/api/tables/")).status_code in {401, 403}
