"""Every public and participant page stays under 100 KB before images: the HTML plus the stylesheets and
scripts it references, in raw bytes (as if nothing were compressed; fonts and images not counted), in
each of the six languages, for an event with a full agenda and a participant with very long names.
Through the app with httpx, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser

import msgspec
import pytest

from events.auth.tables import Role
from events.letters import verification
from events.letters.tables import Letter
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.registration.tables import Registration
from tests.factories import SYSTEM
from tests.test_letters_api import PROFILE
from tests.test_web import magic_token, token_of, with_visa

LIMIT = 100_000
LANGUAGES = ("en", "ar", "zh", "fr", "ru", "es")
GERMAN = "Donaudampfschifffahrtselektrizitätenhauptbetriebswerkbauunterbeamtengesellschaft"
THAI = "กรุงเทพมหานครอมรรัตนโกสินทร์มหินทรายุทธยามหาดิลกภพนพรัตนราชธานีบุรีรมย์"
PAGES = (
    "programme",
    "event",
    "register",
    "register with errors",
    "registered",
    "sign in",
    "sign in with errors",
    "link refused",
    "new link",
    "new link with errors",
    "link sent",
    "not found",
    "letter not available",
    "letter verification",
    "letter verification, not valid",
    "my registration",
    "edit",
    "edit with errors",
    "cancel",
)


class _Assets(HTMLParser):
    """The stylesheets and scripts a page loads (fonts come from the stylesheet, and are not counted)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "link" and "stylesheet" in (found.get("rel") or "").split() and found.get("href"):
            self.urls.append(found["href"])
        elif tag == "script" and found.get("src"):
            self.urls.append(found["src"])


class Scales:
    """Weighs pages: the HTML's bytes and those of its stylesheets and scripts."""

    def __init__(self, client) -> None:
        self.client = client
        self.weights: dict[str, tuple[int, int]] = {}
        self._assets: dict[str, int] = {}

    async def weigh(self, name: str, response) -> None:
        assert response.status_code < 500 and response.headers["content-type"].startswith("text/html"), (
            name,
            response.status_code,
        )
        parser = _Assets()
        parser.feed(response.text)
        assets = 0
        for url in parser.urls:
            if url not in self._assets:
                asset = await self.client.get(url)
                assert asset.status_code == 200, url
                self._assets[url] = len(asset.content)
            assets += self._assets[url]
        # The letter pages carry their few rules inline (in the HTML); every other page links site.css.
        assert parser.urls or "<style>" in response.text, (
            f"{name}: no styles found: not the page the test thinks"
        )
        self.weights[name] = (len(response.content), assets)

    def report(self) -> str:
        return "\n".join(
            f"{name:32} {page:7} + {assets:6} = {page + assets:7} bytes"
            for name, (page, assets) in self.weights.items()
        )


@pytest.fixture
async def full_event(make_event):
    """An event of three full days: eight sessions a day with long titles, a quarter of them optional,
    and a long title, venue and city."""
    event = await make_event(
        title=f"International Symposium on Omnichannel Public Service Delivery {GERMAN}",
        venue=f"Baku Congress Centre, {GERMAN}",
        city="Baku",
        capacity=100,
    )
    for day in range(3):
        for slot in range(8):
            start = datetime.datetime(2027, 10, 12 + day, 8 + slot)
            data = msgspec.convert(
                {
                    "title": f"Session {day}.{slot}: one-stop shops, {GERMAN} and digital public services",
                    "kind": "panel",
                    "starts_at": start.isoformat(),
                    "ends_at": (start + datetime.timedelta(minutes=50)).isoformat(),
                    "optional": slot % 4 == 3,
                    "room": f"Hall {slot} – {THAI}",
                },
                programme_schemas.SessionCreate,
            )
            await programme_services.create_session(SYSTEM, event.id, data)
    return event


async def weigh_every_page(client, event, organiser, lang: str) -> Scales:
    scales = Scales(client)
    client.cookies.clear()
    await scales.weigh("programme", await client.get("/", params={"lang": lang}))  # remembered from now on
    await scales.weigh("event", await client.get(f"/events/{event.id}"))
    form = await client.get(f"/events/{event.id}/register")
    await scales.weigh("register", form)
    errors = await client.post(
        f"/events/{event.id}/register",
        data={"form_token": token_of(form.text), "email": "x@", "needs_visa": "true", "passport_number": "x"},
    )
    assert errors.status_code == 422 and "data-error-summary" in errors.text
    await scales.weigh("register with errors", errors)

    email = (
        f"amina.{lang}.rechtsschutzversicherungsgesellschaften@ministry-of-digital-transformation.example.org"
    )
    sessions = await programme_services.list_sessions(event.id)
    answers = with_visa(
        email=email,
        given_names=THAI,
        family_name=GERMAN,
        preferred_name=GERMAN,
        institution=GERMAN + " " + GERMAN,
        position=GERMAN,
        place_of_birth=THAI,
        preferred_language=lang,
        accessibility_other=(GERMAN + " ") * 6,
        dietary=(THAI + " ") * 4,
    )
    registered = await client.post(
        f"/events/{event.id}/register",
        data={
            **answers,
            "session_ids": [str(s.id) for s in sessions if s.optional],
            "form_token": token_of((await client.get(f"/events/{event.id}/register")).text),
        },
    )
    assert registered.status_code == 200 and "reference" in registered.text, registered.text
    await scales.weigh("registered", registered)

    await scales.weigh("sign in", await client.get("/my/registration"))
    await scales.weigh(
        "sign in with errors", await client.post("/my/registration/sign-in", data={"token": ""})
    )
    token = await magic_token(email)
    assert (await client.post("/my/registration/sign-in", data={"token": token})).status_code == 303
    await scales.weigh("my registration", await client.get("/my/registration"))
    edit = await client.get("/my/registration/edit")
    await scales.weigh("edit", edit)
    await scales.weigh(
        "edit with errors",
        await client.post(
            "/my/registration/edit", data={**answers, "family_name": "", "passport_number": "x"}
        ),
    )
    await scales.weigh("cancel", await client.get("/my/registration/cancel"))
    not_available = await client.get("/my/registration/letters/invitation.pdf")
    assert not_available.status_code >= 400
    await scales.weigh("letter not available", not_available)

    registration = await Registration.objects().get(Registration.email == email)
    profile = await client.put(
        f"/api/v1/events/{event.id}/letter-profile", json=PROFILE, headers=organiser.headers
    )
    assert profile.status_code == 200, profile.text
    approved = await client.post(
        f"/api/v1/registrations/{registration.id}/approve", json={}, headers=organiser.headers
    )
    assert approved.status_code == 200, approved.text
    pdf = await client.get("/my/registration/letters/invitation.pdf")
    assert pdf.headers["content-type"] == "application/pdf", pdf.text
    letter = await Letter.objects().where(Letter.registration == registration.id).first()
    valid = await client.get(verification.verification_path(letter.reference))
    assert valid.status_code == 200 and GERMAN in valid.text
    await scales.weigh("letter verification", valid)
    await scales.weigh(
        "letter verification, not valid", await client.get(f"/verify/{letter.reference}", params={"c": "x"})
    )

    client.cookies.clear()
    await client.get("/", params={"lang": lang})
    await scales.weigh("link refused", await client.post("/my/registration/sign-in", data={"token": token}))
    await scales.weigh("new link", await client.get("/my/registration/new-link"))
    await scales.weigh("new link with errors", await client.post("/my/registration/new-link", data={}))
    await scales.weigh(
        "link sent",
        await client.post("/my/registration/new-link", data={"event_id": str(event.id), "email": email}),
    )
    await scales.weigh("not found", await client.get("/events/999999"))
    return scales


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_every_page_stays_under_100_kb_before_images(client, full_event, make_account, lang):
    verification.VERIFY_LIMITER.reset()
    organiser = await make_account(Role.organiser, full_event.id)
    scales = await weigh_every_page(client, full_event, organiser, lang)
    assert tuple(scales.weights) != () and set(scales.weights) == set(PAGES), set(PAGES) ^ set(scales.weights)
    print(f"\n{lang}:\n{scales.report()}")  # the figures, with pytest -s
    heavy = {name: page + assets for name, (page, assets) in scales.weights.items() if page + assets > LIMIT}
    assert not heavy, f"over {LIMIT} bytes in {lang}:\n{scales.report()}"


async def test_the_scales_count_the_stylesheet_and_the_script(client, event):
    scales = Scales(client)
    page = await client.get(f"/events/{event.id}")
    await scales.weigh("event", page)
    urls = re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text)
    assert sorted(url.split("?")[0] for url in urls) == ["/static/portal.js", "/static/site.css"]
    expected = sum([len((await client.get(url)).content) for url in urls])
    assert scales.weights["event"] == (len(page.content), expected)
    assert expected > 20_000
