"""API conventions shared by every area: the URL prefix, pagination and list responses."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}")]
Offset = Annotated[int, QueryParameter(ge=0, description="How many items to skip")]


class Page(msgspec.Struct, Generic[T]):
    """One page of a list: ``items`` plus what a client needs to fetch the next one."""

    items: list[T]
    total: int
    limit: int
    offset: int


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are an error, not silently dropped."""


def from_row(struct: type[S], row: Mapping[str, Any], /, **values: Any) -> S:
    """``struct`` filled from a database row by ``msgspec.convert``, which also checks the types.

    A column fills the field of the same name, and a foreign-key column ``x`` fills a field ``x_id``
    (Piccolo names the column after the row it points at; the API says it holds an id). ``values``
    are the fields whose value changes on the way out: a time in the venue's zone, a nested struct.
    """
    data = dict(row)
    for name in struct.__struct_fields__:
        if name not in data and name.endswith("_id") and name[:-3] in row:
            data[name] = row[name[:-3]]
    data.update(values)
    return msgspec.convert(data, struct)
