"""Piccolo Admin is no side door: one sign-in limit and audit, service-owned tables read-only."""

from __future__ import annotations

import json

import httpx
import pytest

from events.admin import READ_ONLY
from events.audit.tables import AuditEntry
from events.auth import services
from events.auth.tables import AuthSession, LoginFailure, Role, RoleGrant, User
from events.reference.tables import CountryGroupMembership
from tests.factories import Account
from tests.test_letters_api import PROFILE, approved, issue
from tests.test_registration_workflow import with_visa

ADMIN_LOGIN = "/admin/public/login/"


async def admin_sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    """As Piccolo Admin's login form does: JSON from its own page, with its CSRF cookie and header."""
    if "csrftoken" not in client.cookies:
        await client.get("/admin/api/tables/")
    return await client.post(
        ADMIN_LOGIN,
        json={"username": username, "password": password},
        headers={"Sec-Fetch-Site": "same-origin", "X-CSRFToken": client.cookies["csrftoken"]},
    )


async def test_admin_login_is_refused_once_the_api_locked_the_user_name(client, make_account):
    account = await make_account(Role.organiser)
    for _ in range(5):
        wrong = await client.post(
            "/api/v1/auth/sign-in", json={"username": account.username, "password": "wrong-password"}
        )
        assert wrong.status_code == 401
    assert (
        await client.post(
            "/api/v1/auth/sign-in", json={"username": account.username, "password": account.password}
        )
    ).status_code == 429

    for password in ["another-guess", account.password]:
        response = await admin_sign_in(client, account.username, password)
        assert response.status_code == 429, response.text
        assert int(response.headers["retry-after"]) > 0
        assert "id" not in response.cookies
    assert not await AuthSession.exists()
    assert (await client.get("/admin/api/tables/")).status_code in {401, 403}


async def test_failed_admin_logins_count_towards_the_one_limit_and_are_recorded(client, make_account):
    account = await make_account(Role.organiser)
    for attempt in range(5):
        response = await admin_sign_in(client, account.username, f"wrong-{attempt}")
        assert response.status_code == 401, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
    failures = await LoginFailure.select(LoginFailure.username, LoginFailure.client)
    assert failures == [{"username": account.username, "client": "127.0.0.1"}] * 5
    locked = await client.post(
        "/api/v1/auth/sign-in", json={"username": account.username, "password": account.password}
    )
    assert locked.status_code == 429


async def test_admin_login_opens_the_admin_and_is_audited_as_a_sign_in(client, make_account):
    account = await make_account(Role.organiser)
    response = await admin_sign_in(client, account.username, account.password)
    assert response.status_code == 200, response.text
    assert "id" in response.cookies
    assert (await client.get("/admin/api/tables/")).status_code == 200
    entries = await AuditEntry.select(AuditEntry.actor, AuditEntry.data).where(
        AuditEntry.action == "user.signed_in"
    )
    assert [(row["actor"], _json(row["data"])) for row in entries] == [
        (account.user_id, {"client": "127.0.0.1", "door": "admin"})
    ]


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


async def test_admin_login_refuses_cross_site_forms(client, make_account):
    account = await make_account(Role.organiser)
    form = await client.post(
        ADMIN_LOGIN,
        data={"username": account.username, "password": account.password},
        headers={"Sec-Fetch-Site": "cross-site"},
    )
    assert form.status_code == 415
    assert "id" not in form.cookies


async def test_piccolo_admins_own_login_endpoint_is_gone(client, make_account):
    account = await make_account(Role.organiser)
    await client.get("/admin/api/tables/")
    for path in ["/admin/public/login/x/", "/admin/public/login/login/"]:
        response = await client.post(
            path,
            json={"username": account.username, "password": account.password},
            headers={"X-CSRFToken": client.cookies.get("csrftoken", "")},
        )
        assert response.status_code == 404, path
    assert not await AuthSession.exists()


# --- read-only tables ---------------------------------------------------------------------------


async def signed_in_to_admin(client: httpx.AsyncClient, account: Account) -> dict[str, str]:
    """Sign in and fetch the admin's CSRF cookie; returns the headers its API wants on writes."""
    response = await client.post(
        "/api/v1/auth/sign-in", json={"username": account.username, "password": account.password}
    )
    assert response.status_code == 200, response.text
    assert (await client.get("/admin/api/tables/")).status_code == 200
    return {"X-CSRFToken": client.cookies["csrftoken"]}


@pytest.fixture
async def approved_with_letter_and_badge(client, event, event_organiser) -> int:
    response = await client.put(
        f"/api/v1/events/{event.id}/letter-profile", json=PROFILE, headers=event_organiser.headers
    )
    assert response.status_code == 200, response.text
    registration_id, _ = await approved(client, event, event_organiser, with_visa())
    assert (await issue(client, registration_id, "invitation", event_organiser.headers)).status_code == 201
    badge = await client.post(
        f"/api/v1/registrations/{registration_id}/badge", json={}, headers=event_organiser.headers
    )
    assert badge.status_code == 201, badge.text
    return registration_id


async def _contents() -> dict[str, list[dict]]:
    return {
        table._meta.tablename: await table.select().order_by(table._meta.primary_key) for table in READ_ONLY
    }


async def test_service_owned_tables_are_read_only_in_the_admin(
    client, make_account, approved_with_letter_and_badge
):
    admin = await make_account(Role.organiser)
    headers = await signed_in_to_admin(client, admin)
    before = await _contents()
    assert before["registration"] and before["letter"] and before["badge"] and before["audit_entry"]
    assert before["outbox_message"] and before["registration_access_token"] and before["badge_key"]

    for table in READ_ONLY:
        name = table._meta.tablename
        rows = before[name]
        row_id = rows[0]["id"] if rows else 1
        base = f"/admin/api/tables/{name}/"
        text_columns = [
            column._meta.name
            for column in table._meta.columns
            if column.value_type is str and not column._meta.secret and not column._meta.choices
        ]
        change = {text_columns[0]: "edited"} if text_columns else {}
        new = (await client.get(f"{base}new/")).json()
        attempts = [
            await client.post(base, json={**new, **change}, headers=headers),
            await client.patch(f"{base}{row_id}/", json=change, headers=headers),
            await client.put(f"{base}{row_id}/", json={**new, **change}, headers=headers),
            await client.delete(f"{base}{row_id}/", headers=headers),
        ]
        statuses = [response.status_code for response in attempts]
        refused_row = 403 if rows else 404  # no row to change: Piccolo answers 404 before asking us
        assert statuses == [403, refused_row, refused_row, refused_row], (
            name,
            [response.text for response in attempts],
        )

    assert await _contents() == before


async def test_the_admin_refuses_to_rewrite_or_delete_the_audit_log(client, make_account):
    admin = await make_account(Role.organiser)
    headers = await signed_in_to_admin(client, admin)
    entry = await AuditEntry.select().order_by(AuditEntry.id).first()
    assert entry is not None
    patched = await client.patch(
        f"/admin/api/tables/audit_entry/{entry['id']}/", json={"action": "nothing.happened"}, headers=headers
    )
    deleted = await client.delete(f"/admin/api/tables/audit_entry/{entry['id']}/", headers=headers)
    assert (patched.status_code, deleted.status_code) == (403, 403)
    assert await AuditEntry.select().where(AuditEntry.id == entry["id"]).first() == entry


async def test_organisers_still_edit_country_groups_in_the_admin(client, make_account):
    admin = await make_account(Role.organiser)
    headers = await signed_in_to_admin(client, admin)
    row = await CountryGroupMembership.select().order_by(CountryGroupMembership.id).first()
    assert row is not None
    response = await client.patch(
        f"/admin/api/tables/country_group_membership/{row['id']}/",
        json={"note": "checked by the organisers"},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    changed = await CountryGroupMembership.select(CountryGroupMembership.note).where(
        CountryGroupMembership.id == row["id"]
    )
    assert changed == [{"note": "checked by the organisers"}]


# --- accounts -----------------------------------------------------------------------------------------------

CHANGE_PASSWORD = "/admin/api/change-password/"
NEW_PASSWORD = "a-much-longer-passphrase"


def _password_change(current: str, new: str = NEW_PASSWORD, confirmation: str | None = None) -> dict:
    return {"current_password": current, "new_password": new, "confirm_new_password": confirmation or new}


async def test_changing_the_password_in_the_admin_goes_through_the_service(client, make_account):
    admin = await make_account(Role.organiser)
    headers = await signed_in_to_admin(client, admin)
    _, other_session = await services.sign_in(admin.username, admin.password, client="198.51.100.7")
    assert await AuthSession.count().where(AuthSession.user_id == admin.user_id) == 2

    response = await client.post(CHANGE_PASSWORD, json=_password_change(admin.password), headers=headers)
    assert response.status_code == 200, response.text

    assert await AuthSession.count().where(AuthSession.user_id == admin.user_id) == 0
    assert await services.actor_from_session(other_session) is None
    entries = await AuditEntry.select(AuditEntry.actor, AuditEntry.object_id).where(
        AuditEntry.action == "user.password_changed"
    )
    assert entries == [{"actor": admin.user_id, "object_id": str(admin.user_id)}]
    for password, status in ((admin.password, 401), (NEW_PASSWORD, 200)):
        signed_in = await client.post(
            "/api/v1/auth/sign-in", json={"username": admin.username, "password": password}
        )
        assert signed_in.status_code == status, signed_in.text


async def test_the_admin_password_form_checks_the_current_password_within_the_sign_in_limit(
    client, make_account
):
    admin = await make_account(Role.organiser)
    headers = await signed_in_to_admin(client, admin)
    mismatch = await client.post(
        CHANGE_PASSWORD,
        json=_password_change(admin.password, confirmation="something-else-entirely"),
        headers=headers,
    )
    assert mismatch.status_code == 422 and "confirm_new_password" in mismatch.json()["detail"]
    for attempt in range(5):
        wrong = await client.post(CHANGE_PASSWORD, json=_password_change(f"guess-{attempt}"), headers=headers)
        assert wrong.status_code == 422, wrong.text
        assert "current_password" in wrong.json()["detail"]
    locked = await client.post(CHANGE_PASSWORD, json=_password_change(admin.password), headers=headers)
    assert locked.status_code == 429, locked.text
    assert not await AuditEntry.exists().where(AuditEntry.action == "user.password_changed")
    assert await AuthSession.count().where(AuthSession.user_id == admin.user_id) == 1


async def test_the_admin_password_form_refuses_cross_site_posts(client, make_account):
    admin = await make_account(Role.organiser)
    headers = await signed_in_to_admin(client, admin)
    response = await client.post(
        CHANGE_PASSWORD,
        json=_password_change(admin.password),
        headers={**headers, "Sec-Fetch-Site": "cross-site"},
    )
    assert response.status_code in {401, 403}, response.text
    assert not await AuditEntry.exists().where(AuditEntry.action == "user.password_changed")


async def test_accounts_and_role_grants_are_read_only_in_the_admin(client, make_account):
    admin = await make_account(Role.organiser)
    someone = await make_account(Role.organiser)
    headers = await signed_in_to_admin(client, admin)
    grants_before = await RoleGrant.select().order_by(RoleGrant.id)
    users_before = await User.select().order_by(User.id)
    attempts = [
        await client.patch(
            f"/admin/api/tables/account/{someone.user_id}/", json={"active": False}, headers=headers
        ),
        await client.patch(
            f"/admin/api/tables/account/{someone.user_id}/", json={"admin": False}, headers=headers
        ),
        await client.post(
            "/admin/api/tables/role_grant/",
            json={"user": someone.user_id, "role": "organiser", "event": None},
            headers=headers,
        ),
        await client.delete(f"/admin/api/tables/role_grant/{grants_before[-1]['id']}/", headers=headers),
    ]
    assert [response.status_code for response in attempts] == [403] * 4, [r.text for r in attempts]
    assert await RoleGrant.select().order_by(RoleGrant.id) == grants_before
    assert await User.select().order_by(User.id) == users_before


async def test_piccolos_own_password_endpoint_is_not_reachable_by_another_spelling(client, make_account):
    admin = await make_account(Role.organiser)
    headers = await signed_in_to_admin(client, admin)
    for path in [
        "/admin/api/change-password",
        "/admin/api//change-password/",
        "/admin/api/change-password/?x=1",
    ]:
        response = await client.post(path, json=_password_change("wrong-current"), headers=headers)
        assert response.status_code in {404, 422}, (path, response.status_code, response.text)
        if response.status_code == 422:
            assert "current_password" in response.json()["detail"], path
    assert not await AuditEntry.exists().where(AuditEntry.action == "user.password_changed")
    assert await AuthSession.count().where(AuthSession.user_id == admin.user_id) == 1
