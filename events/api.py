"""API conventions shared by every area: the URL prefix, pagination and list responses."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Annotated, Any, ClassVar, Generic, TypeVar

import msgspec
from litestar import Request
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.openapi.spec import OpenAPIFormat, OpenAPIType, Schema
from litestar.openapi.spec.schema import SchemaDataContainer
from litestar.params import Body, QueryParameter
from litestar.plugins import OpenAPISchemaPlugin

from events.errors import BadRequest, InvalidInput, NotFound
from events.integer_bounds import integer_errors
from events.text import text_errors

API_PREFIX = "/api/v1"
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

T = TypeVar("T")
S = TypeVar("S", bound=msgspec.Struct)

Limit = Annotated[int, QueryParameter(ge=1, le=MAX_PAGE_SIZE, description=f"Page size, 1 to {MAX_PAGE_SIZE}")]
Offset = Annotated[int, QueryParameter(ge=0, description="How many items to skip")]


#: An upload: one file in the multipart field ``data`` (the OpenAPI says so; Litestar would call it ``file``).
FilePart = Annotated[
    UploadFile,
    Body(
        media_type=RequestEncodingType.MULTI_PART,
        schema_extra={
            "properties": {"data": Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)},
            "required": ["data"],
        },
    ),
]


class Page(msgspec.Struct, Generic[T]):
    """One page of a list: ``items`` plus what a client needs to fetch the next one."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(items: Sequence[T], limit: int, offset: int) -> Page[T]:
    """One page cut from a list read whole: for lists that stay small (an event's sessions, slots, letters)."""
    return Page(items=list(items[offset : offset + limit]), total=len(items), limit=limit, offset=offset)


class Input(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of request bodies: unknown fields are an error, not silently dropped.

    Every text field is checked by :mod:`events.text` as the body is read: control characters and
    bidirectional controls are a 422 naming the field; line breaks too in the fields named in
    ``single_line`` (names, titles, rooms…). The fields named in ``verbatim`` are left as sent: a scanned
    code is judged by the scanner's rules (a denied scan, not a refused request), a password is a secret
    compared, never shown.
    """

    single_line: ClassVar[frozenset[str]] = frozenset()
    verbatim: ClassVar[frozenset[str]] = frozenset()

    def __post_init__(self) -> None:
        values = {
            field: value
            for field in self.__struct_fields__
            if field not in self.verbatim and isinstance(value := getattr(self, field), str)
        }
        errors = text_errors(values, self.single_line)
        errors.extend(integer_errors({field: getattr(self, field) for field in self.__struct_fields__}))
        if errors:
            raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)


class DocumentedBodies(OpenAPISchemaPlugin):
    """Bodies read leniently, documented by the stricter struct a client should send.

    A sync request's ``scans`` are read as plain values so that each row is judged on its own (a bad row
    is reported, the others applied); the OpenAPI document still shows what a row is.
    """

    def __init__(self, documented: Mapping[type, type]) -> None:
        self.documented = dict(documented)

    def is_plugin_supported_field(self, field_definition: Any) -> bool:
        return field_definition.annotation in self.documented

    def to_openapi_schema(self, field_definition: Any, schema_creator: Any) -> Schema:
        return SchemaDataContainer(data_container=self.documented[field_definition.annotation])


async def require_file_part(request: Request) -> None:
    """``before_request`` of upload endpoints: a multipart body with no file part is the client's mistake.

    Litestar's extractor for an ``UploadFile`` body fails with a bare ``StopIteration`` (a 500) when the
    form holds only text fields, so the handler would never get to say what is missing.
    """
    form = await request.form()
    if not any(isinstance(value, UploadFile) for value in form.values()):
        raise BadRequest.field("data", "send the file as multipart/form-data field 'data'")


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


async def refuse_nul_in_file_name(request: Request) -> None:
    """``before_request`` of the static file routers: a name with a NUL byte names no file (the file
    system would refuse it with a ValueError, a 500)."""
    if "\x00" in str(request.path_params.get("file_path", "")):
        raise NotFound("No such file")
