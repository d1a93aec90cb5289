"""The participant's status and documents: the "what happens next" sentence for every status, the
e-badge offered on "My registration" only while it is valid, the badge page for a phone and its
files (PDF, PNG), its service worker, and what a participant without a valid badge sees."""

from __future__ import annotations

import io
import re

import pytest
import zxingcpp
from PIL import Image

from events.badges import services as badge_services
from events.badges.tables import Badge
from events.registration import moderation
from events.registration.tables import Registration
from tests.factories import SYSTEM
from tests.test_web import person, sign_in_participant, submit

EMAIL = "amina.moussa@example.org"


@pytest.fixture
async def open_event(make_event):
    return await make_event(capacity=5)


async def registration_id(email: str = EMAIL) -> int:
    return (await Registration.select(Registration.id).where(Registration.email == email).first())["id"]


async def signed_in(client, event_id: int, email: str = EMAIL, **form) -> int:
    """A registration through the page, signed in with its magic link; its id."""
    response = await submit(client, event_id, person(email, **form))
    assert response.status_code in {200, 303}, response.text
    assert (await sign_in_participant(client, email)).status_code == 303
    return await registration_id(email)


async def with_badge(client, event_id: int, email: str = EMAIL, **form) -> tuple[int, str]:
    """Signed in, approved, with a badge: the registration id and the badge's token."""
    found = await signed_in(client, event_id, email, **form)
    await moderation.approve(SYSTEM, found)
    issued = await badge_services.issue_badge(SYSTEM, found)
    return found, issued.badge.token


def decoded(png: bytes) -> str:
    return zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))[0].text


# --- status ---------------------------------------------------------------------------------------


async def test_each_status_says_what_happens_next(client, make_event):
    event = await make_event(capacity=1)
    first = await signed_in(client, event.id, "first@example.org")
    hub = (await client.get("/my/registration")).text
    assert "the organisers review your registration, and you will receive an e-mail" in hub
    first_cookie = client.cookies.get("reg")
    await moderation.approve(SYSTEM, first)
    hub = (await client.get("/my/registration")).text
    assert "Your place is confirmed. Your letters, your badge and your agenda are on this page." in hub

    client.cookies.clear()
    second = await signed_in(client, event.id, "second@example.org")
    await moderation.waitlist(SYSTEM, second)
    hub = (await client.get("/my/registration")).text
    assert "You are number 1 on the waiting list." in hub
    assert "if a place becomes free and it is your turn, it is yours and you will receive an e-mail" in hub
    await moderation.reject(SYSTEM, second)
    hub = (await client.get("/my/registration")).text
    assert 'data-status="rejected"' in hub and "could not offer you a place at this event" in hub

    client.cookies.clear()
    client.cookies.set("reg", first_cookie)
    await moderation.cancel(SYSTEM, first)
    hub = (await client.get("/my/registration")).text
    assert "Your registration is cancelled: your place was given up" in hub
    assert hub.count("data-next-step") == 1


async def test_the_next_step_is_in_the_participants_language(client, open_event):
    await signed_in(client, open_event.id, preferred_language="fr")
    hub = (await client.get("/my/registration")).text
    assert '<html lang="fr"' in hub
    sentence = re.search(r"data-next-step>(.*?)</p>", hub, re.S).group(1).strip()
    assert sentence.startswith("Prochaine étape : les organisateurs examinent votre inscription")


# --- documents on "My registration" ---------------------------------------------------------------


async def test_the_badge_is_offered_only_while_it_is_valid(client, open_event):
    found = await signed_in(client, open_event.id)
    hub = (await client.get("/my/registration")).text
    assert "/my/badge" not in hub and "Your documents" not in hub
    await moderation.approve(SYSTEM, found)
    hub = (await client.get("/my/registration")).text
    assert "Your badge will appear here once the organisers issue it" in hub
    assert 'href="/my/badge' not in hub

    await badge_services.issue_badge(SYSTEM, found)
    hub = (await client.get("/my/registration")).text
    for url in ("/my/badge", "/my/badge.pdf", "/my/badge.png"):
        assert f'href="{url}"' in hub, url
    assert "badge.js" in hub and "data-badge-forget" not in hub

    await badge_services.revoke_badge(SYSTEM, found, "lost at the airport")
    hub = (await client.get("/my/registration")).text
    assert 'href="/my/badge' not in hub
    assert "Your badge is no longer valid: it was revoked." in hub and "data-badge-forget" in hub


async def test_badge_labels_are_translated(client, open_event):
    found = await signed_in(client, open_event.id, preferred_language="es")
    await moderation.approve(SYSTEM, found)
    await badge_services.issue_badge(SYSTEM, found)
    hub = (await client.get("/my/registration")).text
    link = re.search(r'<a href="/my/badge.png">([^<]+)</a>', hub).group(1)
    assert link == "Código QR de su credencial (imagen PNG)"


# --- the badge page and its files -----------------------------------------------------------------


async def test_the_badge_page_shows_the_name_event_qr_and_reference(client, open_event):
    found, token = await with_badge(
        client, open_event.id, given_names="أمينة", family_name="موسى", latin_name="Amina Moussa"
    )
    page = await client.get("/my/badge")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "private, no-store"
    text = page.text
    assert "<bdi>أمينة موسى</bdi>" in text and "<bdi>Amina Moussa</bdi>" in text
    assert f"<bdi>{open_event.title}</bdi>" in text
    reference = (await Registration.select(Registration.reference).first())["reference"]
    assert reference in text
    svg = re.search(
        r'<div class="e-badge__qr" role="img" aria-label="[^"]+"><svg .*?</svg></div>', text, re.S
    )
    assert svg and 'fill="#fff"' in svg.group(0) and 'fill="#000"' in svg.group(0)
    assert 'data-badge-offline="/my/badge/sw.js"' in text and "Turn your screen brightness up" in text
    assert len(page.content) < 100_000

    png = await client.get("/my/badge.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"
    assert png.headers["cache-control"] == "private, no-store"
    assert "attachment" in png.headers["content-disposition"]
    assert decoded(png.content) == token
    pdf = await client.get("/my/badge.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["cache-control"] == "private, no-store"
    assert f"badge-{found}-v1.pdf" in pdf.headers["content-disposition"]


async def test_without_the_cookie_the_badge_pages_send_to_sign_in(client, open_event):
    await with_badge(client, open_event.id)
    client.cookies.clear()
    for path in ("/my/badge", "/my/badge.pdf", "/my/badge.png"):
        response = await client.get(path)
        assert response.status_code == 303 and response.headers["location"] == "/my/registration", path


async def test_a_participant_sees_only_their_own_badge(client, open_event):
    _, other_token = await with_badge(client, open_event.id, "other@example.org")
    client.cookies.clear()
    mine, my_token = await with_badge(client, open_event.id)
    page = (await client.get("/my/badge")).text
    png = (await client.get("/my/badge.png")).content
    assert decoded(png) == my_token != other_token
    assert "other@example.org" not in page
    for path in (f"/my/badge/{mine + 1}", f"/my/badge.png/{mine + 1}", "/my/badge/other.png"):
        assert (await client.get(path)).status_code == 404, path
    assert (
        decoded((await client.get("/my/badge.png", params={"registration_id": mine + 1})).content) == my_token
    )


async def test_no_badge_or_a_revoked_one_is_a_readable_page(client, open_event):
    found = await signed_in(client, open_event.id)
    waiting = await client.get("/my/badge")
    assert (
        waiting.status_code == 404
        and "are issued to participants whose registration is approved" in waiting.text
    )
    assert "data-badge-forget" in waiting.text
    await moderation.approve(SYSTEM, found)
    for path in ("/my/badge", "/my/badge.png", "/my/badge.pdf"):
        response = await client.get(path)
        assert response.status_code == 404 and "once the organisers issue it" in response.text, path
    await badge_services.issue_badge(SYSTEM, found)
    await badge_services.revoke_badge(SYSTEM, found, "lost")
    for path in ("/my/badge", "/my/badge.png", "/my/badge.pdf"):
        response = await client.get(path)
        assert response.status_code == 410, path
        assert response.headers["content-type"].startswith("text/html")
        assert "it was revoked" in response.text and "<svg" not in response.text
    reissued = await badge_services.reissue_badge(SYSTEM, found, "found again")
    assert decoded((await client.get("/my/badge.png")).content) == reissued.token
    assert await Badge.count() == 2


async def test_a_cancelled_registration_has_no_badge(client, open_event):
    found, _ = await with_badge(client, open_event.id)
    await moderation.cancel(SYSTEM, found)
    page = await client.get("/my/badge")
    assert page.status_code == 410 and "<svg" not in page.text
    hub = (await client.get("/my/registration")).text
    assert 'href="/my/badge' not in hub and "data-badge-forget" in hub
    assert "The badge issued for this registration is no longer valid." in hub and "it was revoked" not in hub


async def test_the_service_worker_is_served_for_the_badge_page_scope(client):
    worker = await client.get("/my/badge/sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert worker.headers["service-worker-allowed"] == "/my/badge"
    assert "script-src 'self'" in worker.headers["content-security-policy"]
    assets = re.search(r"var ASSETS = (\[.*?\]);", worker.text).group(1)
    assert "/static/site.css?v=" in assets and "/static/badge.js?v=" in assets
    script = await client.get(re.search(r'"(/static/badge.js\?v=\w+)"', assets).group(1))
    assert script.status_code == 200 and "serviceWorker.register" in script.text


async def test_signing_out_clears_the_badges_offline_copy_without_a_script(client, open_event):
    """The service worker's copy of the badge page carries the QR; the sign-out answer asks the
    browser to clear the site's storage (caches and workers) even when no script runs."""
    await with_badge(client, open_event.id)
    assert (await client.get("/my/badge")).status_code == 200
    signed_out = await client.post("/my/registration/sign-out")
    assert signed_out.status_code == 303
    assert signed_out.headers["clear-site-data"] == '"storage"'
    assert (await client.get("/my/badge")).status_code in {302, 303}
