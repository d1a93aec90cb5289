"""Sign-in, sessions, API tokens, disabled accounts and the failed-login limit."""

from __future__ import annotations

import json

import pytest

from events.auth.tables import Role, User


async def test_sign_in_sets_a_session_cookie_that_authenticates(client, make_account):
    account = await make_account(Role.organiser)
    response = await client.post(
        "/api/v1/auth/sign-in", json={"username": account.username, "password": account.password}
    )
    assert response.status_code == 200, response.text
    assert "id" in response.cookies
    assert response.headers["cache-control"] == "no-store"
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
    assert token_id in [token["id"] for token in listed.json()["items"]]
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


async def test_a_burst_of_wrong_passwords_cannot_pass_the_limit(client, make_account, run_concurrently):
    """Counting happens atomically with the decision: five failures, then every other guess is 429."""
    account = await make_account()

    async def guess(n: int):
        return await client.post(
            "/api/v1/auth/sign-in", json={"username": account.username, "password": f"wrong-{n:04}-guess"}
        )

    responses = await run_concurrently(*(guess(n) for n in range(16)))
    statuses = sorted(response.status_code for response in responses)
    assert statuses == [401] * 5 + [429] * 11


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Content-Type": "text/plain"}, 415),
        ({"Content-Type": "application/x-www-form-urlencoded"}, 415),
        ({"Content-Type": "application/json", "Origin": "https://evil.example"}, 403),
        ({"Content-Type": "application/json", "Sec-Fetch-Site": "cross-site"}, 403),
    ],
)
async def test_sign_in_refuses_cross_site_and_non_json_posts(client, make_account, headers, status):
    """Login CSRF: another site must not sign the visitor's browser in to an account it controls."""
    account = await make_account(Role.organiser)
    body = json.dumps({"username": account.username, "password": account.password})
    response = await client.post("/api/v1/auth/sign-in", content=body, headers=headers)
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "id" not in response.cookies
    same_site = {"Content-Type": "application/json", "Sec-Fetch-Site": "same-origin"}
    assert (await client.post("/api/v1/auth/sign-in", content=body, headers=same_site)).status_code == 200


async def _participant_token(client, event) -> tuple[int, str]:
    from tests.test_registration_workflow import magic_link_token, person, register

    registration = (await register(client, event.id, person("ines@example.org"))).json()["registration"]
    exchanged = await client.post(
        "/api/v1/registration-access", json={"token": await magic_link_token("ines@example.org")}
    )
    return registration["id"], exchanged.json()["access_token"]


async def test_sign_out_revokes_a_participants_access_token(client, event):
    registration_id, token = await _participant_token(client, event)
    headers = {"Authorization": f"Bearer {token}"}
    signed_out = await client.post("/api/v1/auth/sign-out", headers=headers)
    assert signed_out.status_code == 200 and signed_out.json() == {"signed_out": True}
    assert (await client.get(f"/api/v1/registrations/{registration_id}", headers=headers)).status_code == 401


async def test_me_tells_a_participant_who_they_are(client, event):
    registration_id, token = await _participant_token(client, event)
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200, me.text
    body = me.json()
    assert body["user"] is None and body["via"] == "magic-link"
    assert body["participant"] == {
        "registration_id": registration_id,
        "event_id": event.id,
        "reference": body["participant"]["reference"],
        "name": "Amina",
        "email": "ines@example.org",
    }
    assert body["participant"]["reference"].startswith(event.slug.upper())
