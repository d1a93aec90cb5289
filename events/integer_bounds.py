"""Integers in the URL that no column can hold are refused before any handler, guard or query sees them.

Every id is a PostgreSQL ``integer`` (SQLite stores 64 bits, but the ids it hands out stay far below);
a larger number reaching the database is an ``OverflowError`` on SQLite or a ``DataError`` on
PostgreSQL, so a 500. A path id out of range names nothing that can exist (404); a query value out of
range is an invalid value (422, naming the parameter). One middleware covers every route, so the
handlers keep their plain ``int`` declarations and the OpenAPI document does not change.
"""

from __future__ import annotations

import functools
import re
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Union, get_args, get_origin

from litestar.datastructures import URL
from litestar.params import ParameterKwarg

from events.errors import FieldError, InvalidInput, NotFound

if TYPE_CHECKING:
    from litestar.handlers import BaseRouteHandler
    from litestar.types import ASGIApp, Receive, Scope, Send

LARGEST_INTEGER = 2**31 - 1
SMALLEST_INTEGER = -(2**31)
_INTEGER_TEXT = re.compile(r"[+-]?\d+")


def _fits(value: int) -> bool:
    return SMALLEST_INTEGER <= value <= LARGEST_INTEGER


def integer_errors(values: Mapping[str, object]) -> list[FieldError]:
    """A :class:`FieldError` for each integer of a request body (alone, or in a list) that no column
    can hold: as a parameter it would be a 500 from the database, like an id in the URL."""
    errors = []
    for field, value in values.items():
        items = value if isinstance(value, list | tuple | set | frozenset) else (value,)
        if any(isinstance(item, int) and not isinstance(item, bool) and not _fits(item) for item in items):
            errors.append(FieldError(field, f"must be between {SMALLEST_INTEGER} and {LARGEST_INTEGER}"))
    return errors


def _is_int(annotation: object) -> bool:
    if annotation is int:
        return True
    if get_origin(annotation) in (Union, types.UnionType):
        members = [member for member in get_args(annotation) if member is not type(None)]
        return members == [int]
    return False


@functools.cache
def _integer_parameters(handler: BaseRouteHandler) -> tuple[tuple[str, str], ...]:
    """``(parameter, query-string name)`` of the handler's ``int`` parameters that are not headers or cookies."""
    found: list[tuple[str, str]] = []
    for name, field in handler.parsed_fn_signature.parameters.items():
        definition = field.kwarg_definition
        if not _is_int(field.annotation):
            continue
        if definition is None:
            found.append((name, name))
        elif isinstance(definition, ParameterKwarg) and not (definition.header or definition.cookie):
            found.append((name, definition.query or name))
    return tuple(found)


def integer_bounds_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("path_params", {}).items():  # typed by the router
                if isinstance(value, int) and not isinstance(value, bool) and not _fits(value):
                    raise NotFound(f"No object with {name} {value}")
            handler = scope.get("route_handler")
            path_params = scope.get("path_params", {})
            in_query = [
                (name, alias)
                for name, alias in (_integer_parameters(handler) if handler is not None else ())
                if name not in path_params
            ]
            # Most requests (a scan, a feed) carry no query: parse it only when there is one to check.
            query = URL.from_scope(scope).query_params if in_query and scope.get("query_string") else None
            for _name, alias in in_query if query is not None else ():
                for text in query.getall(alias, []):
                    if _INTEGER_TEXT.fullmatch(text.strip()) and not _fits(int(text)):
                        raise InvalidInput.field(
                            alias, f"must be between {SMALLEST_INTEGER} and {LARGEST_INTEGER}"
                        )
        await app(scope, receive, send)

    return middleware
