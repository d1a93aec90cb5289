"""Domain errors and their one mapping to RFC 9457 problem details.

Services raise :class:`DomainError` subclasses; controllers never build error responses
themselves. Every error leaves the service as ``application/problem+json`` with a stable
``type`` that the README lists and ``GET /problems/{slug}`` explains.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Self

import msgspec
from litestar import Request, Response
from litestar.exceptions import HTTPException, NotAuthorizedException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from events.db.dialect import INTEGRITY_ERRORS, UNSTORABLE_VALUE_ERRORS

logger = logging.getLogger("events.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"


class FieldError(msgspec.Struct):
    field: str
    message: str


class DomainError(Exception):
    """Base of the errors a service raises on purpose."""

    status_code = 409
    slug = "conflict"
    title = "The request conflicts with the current state"

    def __init__(self, detail: str, *, errors: list[FieldError] | None = None, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []
        self.extra = extra

    @classmethod
    def field(cls, field: str, message: str) -> Self:
        """The error about one named field, with that field in ``errors``."""
        return cls(f"{field}: {message}", errors=[FieldError(field, message)])


class BadRequest(DomainError):
    status_code = 400
    slug = "bad-request"
    title = "The request could not be read"


class NotFound(DomainError):
    status_code = 404
    slug = "not-found"
    title = "Not found"


class Conflict(DomainError):
    status_code = 409
    slug = "conflict"
    title = "The request conflicts with the current state"


class Gone(DomainError):
    status_code = 410
    slug = "gone"
    title = "No longer available"


class InvalidInput(DomainError):
    status_code = 422
    slug = "invalid-input"
    title = "Some fields are not valid"


class NotAuthenticated(DomainError):
    status_code = 401
    slug = "not-authenticated"
    title = "Sign in first"


class PermissionDenied(DomainError):
    status_code = 403
    slug = "forbidden"
    title = "You may not do this"


class UnsupportedMediaType(DomainError):
    status_code = 415
    slug = "unsupported-media-type"
    title = "The request body has the wrong media type"


class TooManyRequests(DomainError):
    status_code = 429
    slug = "too-many-requests"
    title = "Too many attempts"

    def __init__(self, detail: str, *, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = retry_after_seconds


PROBLEM_TYPES: dict[str, str] = {
    "bad-request": "The request could not be read: malformed JSON, a wrong type, an unknown or missing field.",
    "invalid-input": "The request was read but some values are not acceptable; `errors` names each field.",
    "not-found": "The addressed object does not exist (or you may not know that it does).",
    "conflict": "The action is not possible in the object's current state.",
    "gone": "The object existed but was withdrawn (a revoked badge) or its content was erased (under the retention policy); the answer says how and when.",
    "not-authenticated": "No valid session cookie or API token was sent.",
    "forbidden": "Your account lacks the role this action needs.",
    "unsupported-media-type": "The body was sent with a media type this endpoint does not take (e.g. not JSON).",
    "too-many-requests": "Too many attempts; wait for the number of seconds in Retry-After.",
    "method-not-allowed": "The URL exists but not with this HTTP method.",
    "payload-too-large": "The request body is larger than this endpoint accepts.",
    "internal-error": "A fault on our side; it has been logged with the trace id in the response.",
    "http-error": "A generic HTTP error.",
}


def problem_type(slug: str) -> str:
    return f"/problems/{slug}"


def problem_response(
    request: Request | None,
    *,
    status: int,
    slug: str,
    title: str,
    detail: str,
    errors: list[FieldError] | None = None,
    headers: dict[str, str] | None = None,
    extra: dict[str, Any] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type(slug),
        "title": title,
        "status": status,
        "detail": detail,
    }
    if request is not None:
        body["instance"] = request.url.path
    if errors:
        body["errors"] = [msgspec.to_builtins(error) for error in errors]
    if extra:
        body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _domain_error_handler(request: Request, exc: DomainError) -> Response:
    headers = None
    if isinstance(exc, TooManyRequests):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return problem_response(
        request,
        status=exc.status_code,
        slug=exc.slug,
        title=exc.title,
        detail=exc.detail,
        errors=exc.errors,
        headers=headers,
        extra=exc.extra or None,
    )


_FIELD_IN_MESSAGE = re.compile(r"(?:unknown field|missing required field) `([^`]+)`")
_PATH_IN_MESSAGE = re.compile(r" - at `\$\.?([^`]*)`")


def field_error(message: str, within: str = "") -> FieldError:
    """One of msgspec's English complaints as the field it concerns and what is wrong there.

    msgspec appends the place as `` - at `$.path` `` and names a missing or unknown key inside the
    sentence; ``within`` is where the checked value came from (Litestar's ``key``, such as ``data``).
    """
    key = within
    path = _PATH_IN_MESSAGE.search(message)
    named = _FIELD_IN_MESSAGE.search(message)
    if path:
        message = _PATH_IN_MESSAGE.sub("", message)
        nested = path.group(1)
        key = f"{key}.{nested}" if key and key != "data" and nested else (nested or key)
    if named:
        prefix = "" if key in {"", "data"} else f"{key}."
        key = f"{prefix}{named.group(1)}"
    return FieldError(field=key, message=message)


def field_errors(exc: msgspec.ValidationError) -> list[FieldError]:
    """What msgspec found wrong with a value, field by field (it reports the first problem only)."""
    return [field_error(str(exc))]


def is_missing(error: FieldError) -> bool:
    """Whether msgspec complained that the field was left out (rather than given a bad value)."""
    return error.message.startswith("Object missing required field")


def _field_errors(extra: Any) -> list[FieldError]:
    """Turn Litestar's msgspec validation details into ``field``/``message`` pairs."""
    errors: list[FieldError] = []
    if not isinstance(extra, list):
        return errors
    for item in extra:
        if not isinstance(item, dict):
            continue
        error = field_error(str(item.get("message", "invalid value")), str(item.get("key") or ""))
        key = "body" if error.field == "data" else error.field
        errors.append(FieldError(field=key or "body", message=error.message))
    return errors


_TITLES = {
    "bad-request": "The request could not be read",
    "not-authenticated": "Sign in first",
    "forbidden": "You may not do this",
    "not-found": "Not found",
    "method-not-allowed": "Method not allowed",
    "conflict": "The request conflicts with the current state",
    "payload-too-large": "The request body is too large",
    "too-many-requests": "Too many requests",
}

_SLUG_BY_STATUS = {
    400: "bad-request",
    401: "not-authenticated",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "payload-too-large",
    429: "too-many-requests",
}


def _http_exception_handler(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    slug = _SLUG_BY_STATUS.get(status, "http-error")
    errors: list[FieldError] = []
    detail = exc.detail
    if isinstance(exc, ValidationException):
        errors = _field_errors(exc.extra)
        if errors:
            detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    if isinstance(exc, NotAuthorizedException):
        slug = "not-authenticated"
    headers = dict(exc.headers or {})
    return problem_response(
        request,
        status=status,
        slug=slug,
        title=_TITLES.get(slug, "HTTP error"),
        detail=detail,
        errors=errors,
        headers=headers or None,
    )


def _unexpected_error_handler(request: Request, exc: Exception) -> Response:
    logger.exception("Unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem_response(
        request,
        status=HTTP_500_INTERNAL_SERVER_ERROR,
        slug="internal-error",
        title="Internal error",
        detail="Something went wrong on our side. It has been logged.",
    )


def _undecodable_body_handler(request: Request, exc: UnicodeDecodeError) -> Response:
    return problem_response(
        request,
        status=400,
        slug="bad-request",
        title=_TITLES["bad-request"],
        detail="The request body is not valid UTF-8",
        errors=[FieldError("body", "not valid UTF-8")],
    )


def _recursion_error_handler(request: Request, exc: RecursionError) -> Response:
    """msgspec gives up on JSON nested too deep (the client's doing); any other recursion is our fault."""
    if "while deserializing" not in str(exc):
        return _unexpected_error_handler(request, exc)
    return problem_response(
        request,
        status=400,
        slug="bad-request",
        title=_TITLES["bad-request"],
        detail="The request body is nested too deeply",
        errors=[FieldError("body", "nested too deeply")],
    )


def _integrity_error_handler(request: Request, exc: Exception) -> Response:
    """A constraint the service did not check first (usually a race between two requests)."""
    logger.info("integrity error on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        request,
        status=409,
        slug="conflict",
        title=_TITLES["conflict"],
        detail="This conflicts with data saved at the same moment; reload and try again",
    )


def _unstorable_value_handler(request: Request, exc: Exception) -> Response:
    """PostgreSQL refuses some text SQLite keeps (a NUL character): the client's value, not our fault."""
    logger.info("unstorable value on %s %s: %s", request.method, request.url.path, exc)
    return problem_response(
        request,
        status=422,
        slug="invalid-input",
        title="Some fields are not valid",
        detail="A value contains characters that cannot be stored (such as NUL)",
    )


EXCEPTION_HANDLERS = {
    DomainError: _domain_error_handler,
    UnicodeDecodeError: _undecodable_body_handler,
    RecursionError: _recursion_error_handler,
    **dict.fromkeys(INTEGRITY_ERRORS, _integrity_error_handler),
    **dict.fromkeys(UNSTORABLE_VALUE_ERRORS, _unstorable_value_handler),
    HTTPException: _http_exception_handler,
    HTTP_500_INTERNAL_SERVER_ERROR: _unexpected_error_handler,
}

__all__ = [
    "EXCEPTION_HANDLERS",
    "BadRequest",
    "Conflict",
    "DomainError",
    "FieldError",
    "InvalidInput",
    "NotAuthenticated",
    "NotFound",
    "PermissionDenied",
    "TooManyRequests",
]
