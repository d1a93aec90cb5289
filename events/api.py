"""API conventions shared by every area: the URL prefix, pagination and list responses."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

T = TypeVar("T")

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
