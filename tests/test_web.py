"""The pages: participant portal (English, French, Spanish), magic-link sign-in, the organiser
dashboard, and the catalogues. Through the app with httpx, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime
import html
import re

import msgspec
import pytest

from events import signals
from events.audit.tables import AuditEntry
from events.auth.tables import Role
from events.i18n import catalogues, languages
from events.notifications import templates
from events.notifications.services import delivered_body
from events.notifications.tables import OutboxMessage
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.registration.schemas import RegistrationCreate
from events.registration.tables import AccessToken, Registration
from events.signals import Download
from events.web import i18n
from tests.factories import SYSTEM

PASSPORT = "P9876543"


def person(email: str = "amina.moussa@example.org", **overrides) -> dict:
    """The registration form as a browser sends it (checkboxes as repeated fields)."""
    form = {
        "given_names": "Amina",
        "family_name": "Moussa",
        "email": email,
        "phone": "+253 77 83 32 55",
        "gender": "female",
        "nationality": "DJI",
        "preferred_language": "en",
        "country_represented": "DJI",
        "institution": "Cabinet Office",
        "position": "Director of e-Government",
        "level": "high",
        "needs_visa": "false",
        "consent": "true",
    }
    form.update(overrides)
    return {key: value for key, value in form.items() if value is not None}


def with_visa(**overrides) -> dict:
    visa = {
        "needs_visa": "true",
        "passport_number": PASSPORT,
        "passport_expiry": "2030-01-31",
        "date_of_birth": "1980-05-17",
        "place_of_birth": "Djibouti",
    }
    return person(**{**visa, **overrides})


def token_of(page: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


async def submit(client, event_id: int, form: dict, **params):
    page = await client.get(f"/events/{event_id}/register", params=params)
    assert page.status_code == 200, page.text
    return await client.post(f"/events/{event_id}/register", data={**form, "form_token": token_of(page.text)})


def summary_links(page: str) -> list[str]:
    block = re.search(r"data-error-summary.*?</div>", page, re.S)
    return re.findall(r'href="#field-([a-z_]+)"', block.group(0)) if block else []


def error_beside(page: str, field: str) -> str | None:
    found = re.search(
        rf'id="field-{field}-error"><span class="visually-hidden">[^<]*</span> ([^<]+)</p>', page
    )
    return html.unescape(found.group(1)) if found else None


async def magic_token(email: str) -> str:
    message = (
        await OutboxMessage.select()
        .where(OutboxMessage.to_address == email)
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    return re.search(r"#token=(osm_[\w-]+)", delivered_body(message)).group(1)


async def sign_in_participant(client, email: str):
    return await client.post("/my/registration/sign-in", data={"token": await magic_token(email)})


async def sign_in_organiser(client, account):
    response = await client.post(
        "/organiser/sign-in", data={"username": account.username, "password": account.password}
    )
    assert response.status_code == 303, response.text
    return response


@pytest.fixture
async def open_event(make_event):
    """An event taking registrations now, with an optional session and a plenary (Baku time)."""
    event = await make_event(capacity=2)
    for title, start, end, optional in (
        ("Opening plenary", "2027-10-12T09:00:00", "2027-10-12T10:30:00", False),
        ("Study visit to ASAN service centre", "2027-10-13T14:00:00", "2027-10-13T17:00:00", True),
    ):
        data = msgspec.convert(
            {"title": title, "kind": "plenary", "starts_at": start, "ends_at": end, "optional": optional},
            programme_schemas.SessionCreate,
        )
        await programme_services.create_session(SYSTEM, event.id, data)
    return event


# --- pages render ---------------------------------------------------------------------------------


async def test_portal_pages_render_with_layout_and_security_headers(client, open_event):
    for path in (
        "/",
        f"/events/{open_event.id}",
        f"/events/{open_event.id}/register",
        "/my/registration",
        "/my/registration/new-link",
        "/organiser/sign-in",
    ):
        response = await client.get(path)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith("text/html")
        assert '<html lang="en" dir="ltr">' in response.text
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert 'href="#main"' in response.text
    programme = await client.get("/")
    assert open_event.title in programme.text and f'href="/events/{open_event.id}/register"' in programme.text


async def test_event_page_shows_dates_venue_and_sessions_in_the_venue_time_zone(client, open_event):
    page = (await client.get(f"/events/{open_event.id}")).text
    assert "Baku Congress Centre" in page and "Azerbaijan" in page
    assert "14 Oct 2027" in page  # British English, the service's own
    assert "Asia/Baku" in page
    # 09:00 in Baku, stored as 05:00 UTC
    assert re.search(r"\b09:00\b", page), page
    assert "Study visit to ASAN service centre" in page and "optional" in page


async def test_unknown_pages_are_html_pages(client):
    response = await client.get("/events/999999")
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html")
    assert "Page not found" in response.text


async def test_registration_form_has_every_field_and_stays_small(client, open_event):
    page = await client.get(f"/events/{open_event.id}/register")
    names = set(re.findall(r'name="([a-z_]+)"', page.text))
    expected = {field.name for field in msgspec.structs.fields(RegistrationCreate)}
    assert expected <= names, expected - names
    assert 'id="field-passport_number"' in page.text and "visa letter" in page.text  # the visa help
    assets = [await client.get(url) for url in re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)]
    assert len(assets) == 2 and all(asset.status_code == 200 for asset in assets)
    total = len(page.content) + sum(len(asset.content) for asset in assets)
    assert total <= 100_000, total


# --- registering ----------------------------------------------------------------------------------


async def test_registering_through_the_form_once_even_when_sent_twice(client, open_event):
    sessions = await programme_services.list_sessions(open_event.id)
    visit = next(s for s in sessions if s.optional)
    form = with_visa(session_ids=[str(visit.id)], accessibility=["step_free_access", "hearing_loop"])
    first = await submit(client, open_event.id, form)
    assert first.status_code == 200, first.text
    assert "Registration received" in first.text
    row = (
        await Registration.select()
        .where(Registration.email == "amina.moussa@example.org")
        .output(load_json=True)
        .first()
    )
    assert row["reference"] in first.text
    assert row["passport_last4"] == "6543" and sorted(row["accessibility"]) == [
        "hearing_loop",
        "step_free_access",
    ]
    again = await submit(client, open_event.id, form)
    assert again.status_code == 200 and "You had already sent this registration" in again.text
    assert await Registration.count() == 1
    changed = await submit(client, open_event.id, {**form, "institution": "Ministry of Finance"})
    assert changed.status_code == 422
    assert "already registered" in error_beside(changed.text, "email")
    assert "/my/registration/new-link?event=" in changed.text
    assert await Registration.count() == 1


async def test_error_summary_links_every_field_and_keeps_the_input(client, open_event):
    response = await submit(
        client,
        open_event.id,
        {
            "given_names": "Amina",
            "email": "not-an-email",
            "passport_expiry": "2030-02-31",
            "accessibility": ["jetpack"],
        },
    )
    assert response.status_code == 422
    page = response.text
    assert "<title>Error: " in page
    assert summary_links(page) == [
        "family_name",
        "email",
        "gender",
        "nationality",
        "country_represented",
        "institution",
        "level",
        "passport_expiry",
        "accessibility",
        "consent",
    ]
    assert (
        error_beside(page, "email") == "Enter an e-mail address in the correct format, like name@example.org"
    )
    assert error_beside(page, "family_name") == "Enter your family name, as in your passport"
    assert 'value="not-an-email"' in page and 'value="Amina"' in page and 'value="2030-02-31"' in page
    assert 'aria-invalid="true"' in page
    assert await Registration.count() == 0


async def test_service_errors_are_shown_beside_their_fields(client, open_event):
    response = await submit(
        client,
        open_event.id,
        person(
            phone="12345", needs_visa="true", arrival_at="2027-10-12T10:00", departure_at="2027-10-11T10:00"
        ),
    )
    assert response.status_code == 422, response.text
    assert "phone" in summary_links(response.text)
    assert error_beside(response.text, "phone").startswith("Enter a phone number")
    assert 'value="2027-10-12T10:00"' in response.text
    fixed = await submit(client, open_event.id, person(needs_visa="true"))
    links = summary_links(fixed.text)
    assert {"passport_number", "passport_expiry", "date_of_birth"} <= set(links)
    assert "visa letter needs it" in error_beside(fixed.text, "passport_number")
    assert await Registration.count() == 0


async def test_a_forged_or_stale_form_is_refused_and_keeps_the_answers(client, open_event):
    response = await client.post(f"/events/{open_event.id}/register", data=person(form_token="1.x.y"))
    assert response.status_code == 422
    assert "This form was open for too long" in response.text
    assert 'value="Cabinet Office"' in response.text
    assert await Registration.count() == 0


async def test_cross_site_posts_are_refused(client, open_event):
    response = await client.post(
        f"/events/{open_event.id}/register", data=person(), headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403 and response.headers["content-type"].startswith("text/html")


async def test_an_invitation_link_works_with_and_without_javascript(client, open_event, make_account):
    organiser = await make_account(Role.organiser, open_event.id)
    created = await client.post(
        f"/api/v1/events/{open_event.id}/invitations",
        json={"email": "nominee@example.org", "skip_moderation": True},
        headers=organiser.headers,
    )
    assert created.status_code == 201
    mail = await OutboxMessage.select().where(OutboxMessage.kind == "invitation").first()
    token = re.search(r"#invitation=(osi_[\w-]+)", delivered_body(mail)).group(1)
    page = await client.get(f"/events/{open_event.id}/register", params={"invitation": token})
    assert f'value="{token}"' in page.text and 'data-fragment="invitation"' in page.text
    response = await client.post(
        f"/events/{open_event.id}/register",
        data={**person("nominee@example.org"), "invitation_token": token, "form_token": token_of(page.text)},
    )
    assert response.status_code == 200, response.text
    row = await Registration.select().where(Registration.email == "nominee@example.org").first()
    assert row["channel"] == "invitation" and row["status"] == "approved"


async def test_a_bad_invitation_is_explained_in_the_summary(client, open_event):
    response = await submit(client, open_event.id, {**person(), "invitation_token": "osi_not-a-real-one"})
    assert response.status_code == 422
    assert "This invitation is unknown, expired or used" in response.text
    assert "invitation_token" not in summary_links(response.text)  # a hidden field has nothing to focus
    assert await Registration.count() == 0


async def test_closed_registration_shows_no_form(client, make_event):
    closed = await make_event(
        registration_opens_at="2020-01-01T00:00:00", registration_closes_at="2020-02-01T00:00:00"
    )
    page = await client.get(f"/events/{closed.id}/register")
    assert "Registration for this event is not open" in page.text and '<form method="post"' not in page.text


# --- languages ------------------------------------------------------------------------------------


async def test_french_pages_are_remembered_and_errors_are_french(client, open_event):
    page = await client.get(f"/events/{open_event.id}/register", params={"lang": "fr"})
    assert '<html lang="fr" dir="ltr">' in page.text
    assert "Nom de famille" in page.text and "Envoyer l’inscription" in page.text
    assert "lang=fr" in page.headers["set-cookie"]
    remembered = await client.get("/")
    assert '<html lang="fr"' in remembered.text and "Programme" in remembered.text
    response = await client.post(
        f"/events/{open_event.id}/register", data={"email": "x", "form_token": token_of(page.text)}
    )
    assert (
        error_beside(response.text, "family_name")
        == "Indiquez votre nom de famille, comme dans votre passeport"
    )
    assert "Il y a un problème" in response.text
    # country names are French too
    assert ">Azerbaïdjan<" in page.text


async def test_spanish_pages_from_the_browser_language_and_the_switcher(client, open_event):
    page = await client.get(
        f"/events/{open_event.id}", headers={"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}
    )
    assert '<html lang="es" dir="ltr">' in page.text and "Agenda" in page.text
    assert "Todas las horas son horas locales" in page.text
    form = await client.get(f"/events/{open_event.id}/register", params={"lang": "es"})
    assert "Apellido" in form.text
    switcher = re.findall(r'<a href="([^"]+)" lang="(\w\w)" hreflang', form.text)
    assert [lang for _, lang in switcher] == ["ar", "zh", "en", "fr", "ru"]
    assert all(url.startswith(f"/events/{open_event.id}/register?") for url, _ in switcher)
    response = await client.post(
        f"/events/{open_event.id}/register",
        data={**person(phone="12345"), "form_token": token_of(form.text)},
    )
    assert error_beside(response.text, "phone").startswith("Indique un número de teléfono")


def test_arabic_layout_is_right_to_left():
    from events.web.templating import environment

    assert i18n.text_direction("ar") == "rtl" and i18n.text_direction("fr") == "ltr"
    page = (
        environment()
        .get_template("portal/link_sent.html")
        .render(
            lang="ar",
            dir=i18n.text_direction("ar"),
            languages=[],
            path="/",
            flash=None,
            email="a@example.org",
        )
    )
    assert '<html lang="ar" dir="rtl">' in page


#: Every language but English, the source: each must translate every message of every domain.
TRANSLATED = [code for code in languages.CODES if code != languages.DEFAULT_LANGUAGE]


def test_the_six_official_languages_of_the_united_nations_are_translated():
    assert languages.CODES == ("ar", "zh", "en", "fr", "ru", "es")
    for domain in catalogues.DOMAINS:
        assert catalogues.catalogue_languages(domain) == languages.CODES


@pytest.mark.parametrize("domain", catalogues.DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_every_message_is_translated(language, domain):
    """Fails when a text of the pages, e-mails or letters has no translation (or a fuzzy one) in
    Arabic, Chinese, French, Russian or Spanish."""
    missing = catalogues.untranslated(language, domain)
    assert not missing, (
        f"{len(missing)} untranslated in {language}/{domain}: run `python -m events.i18n`, then translate: "
        f"{missing[:10]}"
    )


INVITATION_CONTEXT = {"event": "Forum", "dates": "", "city": "", "email": "", "link": "", "expires": ""}
#: ``%(name)s`` in the pages, ``{name}`` in e-mails and letters.
PLACEHOLDER = {"messages": r"%\((\w+)\)s", "emails": r"\{(\w+)\}", "letters": r"\{(\w+)\}"}
HTML_TAG = r"</?[a-z][^>]*>"


@pytest.mark.parametrize("domain", catalogues.DOMAINS)
@pytest.mark.parametrize("language", TRANSLATED)
def test_catalogues_keep_placeholders_and_tags(language, domain):
    """Each translation has exactly the msgid's placeholders (a sentence may name one twice or once) and
    HTML tags."""
    messages = [message.id for message in catalogues.extract_messages(domain) if message.id]
    assert messages
    for message in messages:
        translated = catalogues.gettext(message, language, domain)
        wanted = (set(re.findall(PLACEHOLDER[domain], message)), sorted(re.findall(HTML_TAG, message)))
        found = (set(re.findall(PLACEHOLDER[domain], translated)), sorted(re.findall(HTML_TAG, translated)))
        assert wanted == found, (language, message, translated)


def test_a_fuzzy_or_empty_translation_counts_as_missing(tmp_path, monkeypatch):
    source = catalogues.catalogue_path("ru", "emails").read_text(encoding="utf-8")
    fuzzy = source.replace('msgid "Invitation to {event}"', '#, fuzzy\nmsgid "Invitation to {event}"', 1)
    empty = re.sub(r'(msgid "approved"\n)msgstr "[^"]*"', r'\1msgstr ""', fuzzy, count=1)
    (tmp_path / "ru" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "ru" / "LC_MESSAGES" / "emails.po").write_text(empty, encoding="utf-8")
    monkeypatch.setattr(catalogues, "TRANSLATIONS_DIR", tmp_path)
    assert sorted(catalogues.untranslated("ru", "emails")) == ["Invitation to {event}", "approved"]


def test_every_language_reads_its_own_catalogue():
    assert [code for code in languages.CODES if languages.direction(code) == "rtl"] == ["ar"]
    assert templates.render("invitation", "ar", INVITATION_CONTEXT)[0] == "دعوة إلى Forum"
    assert templates.render("invitation", "zh", INVITATION_CONTEXT)[0] == "Forum邀请函"
    assert templates.render("invitation", "ru", INVITATION_CONTEXT)[0] == "Приглашение на мероприятие «Forum»"
    assert templates.render("invitation", "es", INVITATION_CONTEXT)[0] == "Invitación a Forum"
    assert templates.render("invitation", "xx", INVITATION_CONTEXT)[2] == "en"


# --- participants: magic link ---------------------------------------------------------------------


async def test_magic_link_sign_in_view_edit_and_cancel(client, open_event):
    await submit(client, open_event.id, with_visa())
    anonymous = await client.get("/my/registration")
    assert "Sign in to your registration" in anonymous.text and 'name="token"' in anonymous.text
    signed_in = await sign_in_participant(client, "amina.moussa@example.org")
    assert signed_in.status_code == 303 and signed_in.headers["location"] == "/my/registration"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("reg=osr_") and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    assert "Secure" not in cookie  # BASE_URL is http:// in tests
    page = await client.get("/my/registration")
    assert "Received, waiting for the organisers" in page.text
    assert "••••6543" in page.text and PASSPORT not in page.text
    assert 'href="/my/registration/edit"' in page.text and "Your documents" not in page.text

    edit = await client.get("/my/registration/edit")
    assert 'value="Cabinet Office"' in edit.text and 'name="email"' not in edit.text
    assert 'name="passport_number" type="text" value=""' in edit.text
    bad = await client.post("/my/registration/edit", data=with_visa(institution="  ", passport_number=""))
    assert bad.status_code == 422
    assert error_beside(bad.text, "institution") == "Enter the name of your institution"
    saved = await client.post(
        "/my/registration/edit", data=with_visa(institution="Ministry of Finance", passport_number="")
    )
    assert saved.status_code == 303
    row = await Registration.select().first()
    assert row["institution"] == "Ministry of Finance" and row["passport_last4"] == "6543"
    shown = await client.get("/my/registration")
    assert "Your changes are saved" in shown.text and "Ministry of Finance" in shown.text

    confirm = await client.get("/my/registration/cancel")
    assert "Are you sure" in confirm.text
    cancelled = await client.post("/my/registration/cancel", data={"note": "Cannot travel"})
    assert cancelled.status_code == 303
    after = await client.get("/my/registration")
    assert "Your registration is cancelled" in after.text and 'data-status="cancelled"' in after.text
    assert 'href="/my/registration/edit"' not in after.text


async def test_a_used_or_expired_link_explains_what_to_do(client, open_event):
    await submit(client, open_event.id, person(preferred_language="fr"))
    token = await magic_token("amina.moussa@example.org")
    assert (await client.post("/my/registration/sign-in", data={"token": token})).status_code == 303
    client.cookies.clear()
    used = await client.post("/my/registration/sign-in", data={"token": token}, params={"lang": "fr"})
    assert used.status_code == 400
    assert "a expiré ou a déjà servi" in used.text and 'action="/my/registration/new-link"' in used.text

    asked = await client.post(
        "/my/registration/new-link",
        data={"event_id": str(open_event.id), "email": "amina.moussa@example.org"},
    )
    assert "Vérifiez votre messagerie" in asked.text
    fresh = await magic_token("amina.moussa@example.org")
    assert fresh != token
    await AccessToken.update(
        {AccessToken.expires_at: datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC)}
    ).where(AccessToken.purpose == "magic_link")
    expired = await client.post("/my/registration/sign-in", data={"token": fresh})
    assert expired.status_code == 400 and "a expiré ou a déjà servi" in expired.text


async def test_a_pasted_link_signs_in_without_javascript(client, open_event):
    await submit(client, open_event.id, person())
    token = await magic_token("amina.moussa@example.org")
    pasted = f"  http://127.0.0.1:8000/my/registration#token={token} "
    response = await client.post("/my/registration/sign-in", data={"token": pasted})
    assert response.status_code == 303
    empty = await client.post("/my/registration/sign-in", data={"token": ""})
    assert (
        empty.status_code == 422
        and error_beside(empty.text, "token") == "Enter the sign-in code from your e-mail"
    )


async def test_new_link_page_answers_the_same_for_unknown_addresses(client, open_event):
    await submit(client, open_event.id, person())
    before = await OutboxMessage.count()
    unknown = await client.post(
        "/my/registration/new-link", data={"event_id": str(open_event.id), "email": "nobody@example.org"}
    )
    known = await client.post(
        "/my/registration/new-link",
        data={"event_id": str(open_event.id), "email": "amina.moussa@example.org"},
    )
    assert unknown.status_code == known.status_code == 200
    assert "Check your e-mail" in unknown.text and "Check your e-mail" in known.text
    assert await OutboxMessage.count() == before + 1
    invalid = await client.post("/my/registration/new-link", data={"event_id": "", "email": "x"})
    assert invalid.status_code == 422 and summary_links(invalid.text) == ["event_id", "email"]


async def test_downloads_section_appears_only_when_a_feature_offers_files(client, open_event):
    await submit(client, open_event.id, person())
    await sign_in_participant(client, "amina.moussa@example.org")
    assert "Your documents" not in (await client.get("/my/registration")).text

    async def letters(registration, lang):
        return [
            Download(label="Invitation letter (PDF)", url=f"/my/registration/letters/{registration.id}.pdf")
        ]

    signals.participant_downloads.connect(letters)
    try:
        page = await client.get("/my/registration")
    finally:
        signals.participant_downloads.disconnect(letters)
    assert "Your documents" in page.text and "Invitation letter (PDF)" in page.text


# --- organisers -----------------------------------------------------------------------------------


async def test_organiser_pages_need_a_session(client, open_event):
    response = await client.get(f"/organiser/events/{open_event.id}/registrations?status=submitted")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/organiser/sign-in?next=/organiser/events/")
    wrong = await client.post("/organiser/sign-in", data={"username": "nobody", "password": "wrong-password"})
    assert wrong.status_code == 422 and "The user name or password is wrong" in wrong.text
    empty = await client.post("/organiser/sign-in", data={"username": "", "password": ""})
    assert summary_links(empty.text) == ["username", "password"]


async def test_organiser_filters_and_bulk_approves(client, open_event, make_account):
    organiser = await make_account(Role.organiser, open_event.id)
    await submit(client, open_event.id, person("a@example.org", gender="male", level="mid"))
    await submit(client, open_event.id, person("b@example.org", country_represented="NPL", nationality="NPL"))
    await submit(client, open_event.id, person("c@example.org"))
    signed_in = await sign_in_organiser(client, organiser)
    assert signed_in.headers["set-cookie"].startswith("id=")
    home = await client.get("/organiser")
    assert open_event.title in home.text
    listed = await client.get(
        f"/organiser/events/{open_event.id}/registrations", params={"gender": "male", "status": ""}
    )
    assert listed.status_code == 200 and "a@example.org" not in listed.text  # e-mails are not listed
    assert listed.text.count('name="registration_ids"') == 1
    lldc = await client.get(
        f"/organiser/events/{open_event.id}/registrations", params={"country_group": "LLDC"}
    )
    assert lldc.text.count('name="registration_ids"') == 1
    ids = [row["id"] for row in await Registration.select(Registration.id).order_by(Registration.id)]
    bulk = await client.post(
        f"/organiser/events/{open_event.id}/registrations/bulk",
        data={
            "action": "approve",
            "registration_ids": [str(i) for i in ids],
            "back": "/organiser/events/1/registrations?",
        },
    )
    assert bulk.status_code == 303
    after = await client.get(bulk.headers["location"])
    assert "Approve: 2 of 3 done" in after.text and "full" in after.text  # capacity 2
    statuses = sorted(row["status"] for row in await Registration.select(Registration.status))
    assert statuses == ["approved", "approved", "submitted"]
    waitlist = await client.post(
        f"/organiser/events/{open_event.id}/registrations/bulk",
        data={"action": "waitlist", "registration_ids": [str(ids[2])]},
    )
    assert waitlist.status_code == 303
    assert (await Registration.select(Registration.status).where(Registration.id == ids[2]).first())[
        "status"
    ] == "waitlisted"


async def test_registration_detail_reveals_passport_data_only_on_request(client, open_event, make_account):
    organiser = await make_account(Role.organiser, open_event.id)
    await submit(client, open_event.id, with_visa())
    registration_id = (await Registration.select(Registration.id).first())["id"]
    await sign_in_organiser(client, organiser)
    detail = await client.get(f"/organiser/registrations/{registration_id}")
    assert "••••6543" in detail.text and PASSPORT not in detail.text and "1980" not in detail.text
    assert detail.headers["cache-control"] == "no-store"
    assert not await AuditEntry.exists().where(AuditEntry.action == "registration.sensitive_viewed")
    shown = await client.post(f"/organiser/registrations/{registration_id}/sensitive")
    assert shown.status_code == 200 and PASSPORT in shown.text and "Djibouti" in shown.text
    assert await AuditEntry.exists().where(
        AuditEntry.action == "registration.sensitive_viewed", AuditEntry.actor == organiser.user_id
    )
    rejected = await client.post(
        f"/organiser/registrations/{registration_id}/decision", data={"action": "reject", "note": "Duplicate"}
    )
    assert rejected.status_code == 303
    # The flash names the new status in the organiser's language, not by its code.
    page = await client.get(rejected.headers["location"], params={"lang": "fr"})
    assert "Le statut est désormais Non retenue" in page.text and "registration.rejected" in page.text


async def test_statistics_are_drawn_as_inline_svg(client, open_event, make_account):
    organiser = await make_account(Role.organiser, open_event.id)
    await submit(client, open_event.id, person("a@example.org"))
    await submit(
        client,
        open_event.id,
        person("b@example.org", gender="male", country_represented="NPL", nationality="NPL"),
    )
    await sign_in_organiser(client, organiser)
    page = await client.get(f"/organiser/events/{open_event.id}/statistics")
    assert page.status_code == 200
    assert page.text.count("<svg") == 4 and 'role="img"' in page.text
    for title in ("by status", "country group", "gender", "level"):
        assert title in page.text.lower()
    assert "LDC" in page.text and "LLDC" in page.text
    assert "<script" not in page.text.split("</head>")[1]


async def test_audit_log_page_lists_entries_of_the_organisers_events(
    client, open_event, other_event, make_account
):
    organiser = await make_account(Role.organiser, open_event.id)
    await submit(client, open_event.id, person())
    await sign_in_organiser(client, organiser)
    page = await client.get("/organiser/audit")
    assert page.status_code == 200 and "registration.submitted" in page.text
    prefixed = await client.get(
        "/organiser/audit", params={"action": "registration.", "event_id": open_event.id}
    )
    assert "registration.submitted" in prefixed.text
    other = await client.get("/organiser/audit", params={"event_id": other_event.id})
    assert other.status_code == 403


async def test_other_organisers_and_participants_get_nothing(client, open_event, other_event, make_account):
    await submit(client, open_event.id, person())
    registration_id = (await Registration.select(Registration.id).first())["id"]
    stranger = await make_account(Role.organiser, other_event.id)
    await sign_in_organiser(client, stranger)
    assert (await client.get(f"/organiser/registrations/{registration_id}")).status_code == 404
    assert (await client.get(f"/organiser/events/{open_event.id}/registrations")).status_code == 403
    assert (await client.post(f"/organiser/registrations/{registration_id}/sensitive")).status_code == 403
    client.cookies.clear()
    await sign_in_participant(client, "amina.moussa@example.org")
    assert (await client.get(f"/organiser/registrations/{registration_id}")).status_code == 303


async def test_new_link_page_stops_mailing_an_address_after_a_few_requests(client, open_event):
    from events.registration.access import MAGIC_LINKS_PER_ADDRESS

    await submit(client, open_event.id, person())
    form = {"event_id": str(open_event.id), "email": "amina.moussa@example.org"}
    pages = [
        await client.post("/my/registration/new-link", data=form) for _ in range(MAGIC_LINKS_PER_ADDRESS + 3)
    ]
    assert {page.status_code for page in pages} == {200}
    assert all("Check your e-mail" in page.text for page in pages)
    links = OutboxMessage.count().where(
        OutboxMessage.kind == "magic_link", OutboxMessage.to_address == "amina.moussa@example.org"
    )
    assert await links == MAGIC_LINKS_PER_ADDRESS


async def test_personal_pages_and_downloads_are_never_stored_by_caches(client, open_event, make_account):
    from events.auth.tables import Role

    await submit(client, open_event.id, person())
    await sign_in_participant(client, "amina.moussa@example.org")
    registration_id = (await Registration.select(Registration.id).first())["id"]
    for path in ("/my/registration", "/my/registration/edit", "/my/registration/cancel"):
        page = await client.get(path)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store", path
    client.cookies.clear()
    await sign_in_organiser(client, await make_account(Role.organiser, event_id=open_event.id))
    detail = await client.get(f"/organiser/registrations/{registration_id}")
    assert detail.status_code == 200 and detail.headers["cache-control"] == "no-store"
