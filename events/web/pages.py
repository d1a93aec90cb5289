"""What every page handler shares: the page's language, rendering, cookies, flash messages, form
tokens and the same-origin rule for posted forms.

Nothing here decides anything about registrations or events: handlers call the services.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from typing import Any
from urllib.parse import urlencode

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.response import Redirect, Template

from events.auth.guards import same_origin
from events.auth.principal import Actor
from events.errors import PermissionDenied
from events.registration.access import actor_from_access_token
from events.settings import get_settings
from events.web import i18n

#: The participant's access token (``osr_…``) from an exchanged magic link.
REGISTRATION_COOKIE = "reg"
FLASH_COOKIE = "flash"
LANGUAGE_MAX_AGE = 365 * 24 * 3600
FORM_TOKEN_MAX_AGE = 24 * 3600
_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def _secure() -> bool:
    return get_settings().base_url.startswith("https://")


def set_cookie(
    response: Response, name: str, value: str, *, max_age: int | None, httponly: bool = True
) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=httponly, samesite="lax", secure=_secure()
    )


def delete_cookie(response: Response, name: str) -> None:
    response.delete_cookie(name, path="/")


# --- language ------------------------------------------------------------------------------------


def language(request: Request, preferred: str | None = None) -> str:
    """``?lang=``, else the remembered choice (cookie), else the participant's preferred language,
    else the browser's ``Accept-Language``, else English. Kept on the request once decided."""
    if "lang" in request.state:
        return request.state["lang"]
    chosen = request.query_params.get("lang")
    for candidate in (chosen, request.cookies.get(i18n.LANGUAGE_COOKIE), preferred):
        if i18n.is_supported(candidate):
            break
    else:
        candidate = i18n.negotiate(request.headers.get("accept-language")) or i18n.DEFAULT_LANGUAGE
    request.state["lang"] = candidate
    request.state["remember_lang"] = i18n.is_supported(chosen)
    return candidate


def gettext(request: Request):
    return i18n.gettext_for(language(request))


def remember_language(response: Response, lang: str) -> None:
    set_cookie(response, i18n.LANGUAGE_COOKIE, lang, max_age=LANGUAGE_MAX_AGE, httponly=False)


def _switch_url(request: Request, lang: str) -> str:
    query = {key: value for key, value in request.query_params.items() if key != "lang"}
    query["lang"] = lang
    return f"{request.url.path}?{urlencode(query)}"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    lang: str | None = None,
    headers: dict[str, str] | None = None,
) -> Template:
    """A page in the request's language with the layout's context (switcher, direction, flash)."""
    lang = lang or language(request)
    page = {
        "lang": lang,
        "dir": i18n.text_direction(lang),
        "languages": [
            (code, i18n.AUTONYMS.get(code, code), _switch_url(request, code))
            for code in i18n.catalogue_languages()
        ],
        "path": request.url.path,
        "flash": read_flash(request),
        **(context or {}),
    }
    response = Template(template_name=template, context=page, status_code=status_code, headers=headers)
    if request.state.get("remember_lang"):
        remember_language(response, lang)
    if page["flash"]:
        delete_cookie(response, FLASH_COOKIE)
    return response


def redirect(path: str, *, flash: str | None = None, **values: Any) -> Redirect:
    """See other (303): the browser GETs ``path``; ``flash`` (a message id) shows there once."""
    response = Redirect(path=path, status_code=303)
    if flash:
        set_flash(response, flash, **values)
    return response


# --- flash messages (signed, so only we can put text on a page) ----------------------------------


def _sign(payload: bytes) -> str:
    key = hashlib.sha256(b"web-pages:" + get_settings().secret_key.encode()).digest()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()[:32]


class Word(str):
    """A flash value that is itself a message id (a status, an action): translated when shown, like
    the message, so an Arabic page does not say "approved"."""


def set_flash(response: Response, message: str, **values: Any) -> None:
    words = sorted(name for name, value in values.items() if isinstance(value, Word))
    payload = base64.urlsafe_b64encode(json.dumps([message, values, words]).encode()[:2000]).decode()
    set_cookie(response, FLASH_COOKIE, f"{payload}.{_sign(payload.encode())}", max_age=300)


def read_flash(request: Request) -> str | None:
    """The flash message, translated and filled in, or ``None``."""
    cookie = request.cookies.get(FLASH_COOKIE, "")
    payload, _, signature = cookie.partition(".")
    if not payload or not hmac.compare_digest(signature, _sign(payload.encode())):
        return None
    try:
        message, values, words = json.loads(base64.urlsafe_b64decode(payload))
    except ValueError:
        return None
    translate = gettext(request)
    return translate(
        message, **{name: translate(value) if name in words else value for name, value in values.items()}
    )


# --- form tokens ---------------------------------------------------------------------------------


def form_token(purpose: str) -> str:
    """A signed, dated token for a form; posting it back proves the form came from these pages."""
    stamp = f"{int(time.time())}.{secrets.token_urlsafe(8)}"
    return f"{stamp}.{_sign(f'{purpose}|{stamp}'.encode())}"


def form_token_valid(token: str | None, purpose: str) -> bool:
    issued, _, rest = (token or "").partition(".")
    nonce, _, signature = rest.rpartition(".")
    if not (issued.isdigit() and nonce and signature):
        return False
    if not hmac.compare_digest(signature, _sign(f"{purpose}|{issued}.{nonce}".encode())):
        return False
    return 0 <= time.time() - int(issued) <= FORM_TOKEN_MAX_AGE


# --- who is asking -------------------------------------------------------------------------------


async def same_origin_forms(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """Guard of every page router: a posted form must come from our own pages (CSRF)."""
    if connection.scope.get("method", "GET") not in _SAFE_METHODS and not same_origin(connection):
        raise PermissionDenied("Forms may only be sent from this site's own pages")


async def participant(request: Request) -> Actor | None:
    """The participant signed in with a magic link (the ``reg`` cookie), or ``None``."""
    token = request.cookies.get(REGISTRATION_COOKIE)
    return await actor_from_access_token(token) if token else None


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"
