"""Form handling shared by the pages: form data → the service's msgspec struct, errors → fields.

:func:`read_form` converts every field on its own (so the page shows every error at once, not the
first one msgspec meets), then the whole struct with ``msgspec.convert(..., strict=False)``. The
returned :class:`Form` keeps what the user typed, so a page re-renders with their input and an
error beside each field and in the summary at the top. :meth:`Form.add_service_error` maps a
service's ``InvalidInput.errors`` (or a conflict) onto the same fields, in the page's language.
"""

from __future__ import annotations

import datetime
import functools
import re
import types
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import msgspec
from litestar.datastructures import FormMultiDict

from events.errors import DomainError, InvalidInput, field_errors, is_missing
from events.integer_bounds import integer_errors
from events.web import messages

S = TypeVar("S", bound=msgspec.Struct)
Gettext = Callable[..., str]

TRUE_VALUES = frozenset({"true", "on", "yes", "1"})
_LOCAL_MINUTES = re.compile(r"^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})$")
_TOO_LONG = re.compile(r"length <= (\d+)")


@dataclass
class Form:
    """What the user sent, and what is wrong with it (messages already in the page's language)."""

    values: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    order: Sequence[str] = ()
    #: Fields the user cannot see (hidden inputs): their errors go to the summary only.
    hidden: frozenset[str] = frozenset()

    def value(self, name: str, default: Any = "") -> Any:
        value = self.values.get(name)
        return default if value is None else value

    def chosen(self, name: str, option: object) -> bool:
        """A radio button or checkbox the user ticked (or that the record holds)."""
        value = self.values.get(name)
        if isinstance(value, list):
            return str(option) in {str(v) for v in value}
        return value is not None and str(value) == str(option)

    def error(self, name: str) -> str | None:
        return self.errors.get(name)

    def add(self, name: str | None, message: str) -> None:
        if name is None or name not in self.order or name in self.hidden:
            self.general.append(message)
        else:
            self.errors.setdefault(name, message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.general)

    @property
    def summary(self) -> list[tuple[str | None, str]]:
        """Errors for the summary at the top: general ones first, then fields in the form's order."""
        items: list[tuple[str | None, str]] = [(None, message) for message in self.general]
        items += [(name, self.errors[name]) for name in self.order if name in self.errors]
        return items

    def add_service_error(self, exc: DomainError, gettext: Gettext, fallback: str | None = None) -> None:
        """Put a service's field errors beside their fields; other errors go in the summary."""
        if not exc.errors:
            self.add(None, fallback or exc.detail)
            return
        for error in exc.errors:
            name = _PATH_INDEX.sub("", error.field)
            known = messages.service_message(name, error.message)
            text = gettext(known) if known else f"{gettext(messages.CHECK)}: {error.message}"
            self.add(name, text)


_PATH_INDEX = re.compile(r"[\[.].*$")


@functools.cache
def _hints(struct: type[msgspec.Struct]) -> dict[str, Any]:
    return typing.get_type_hints(struct, include_extras=True)


def _core(hint: Any) -> tuple[Any, bool]:
    """The type under ``Annotated`` and ``| None | UnsetType``, and whether ``None`` is allowed."""
    nullable = False
    while True:
        origin = typing.get_origin(hint)
        if origin is typing.Annotated:
            hint = typing.get_args(hint)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(hint) if m not in (type(None), msgspec.UnsetType)]
            nullable = nullable or type(None) in typing.get_args(hint)
            if len(members) != 1:
                return hint, nullable
            hint = members[0]
        else:
            return hint, nullable


def _accepts(value: Any, hint: Any) -> bool:
    try:
        msgspec.convert(value, hint, strict=False)
    except msgspec.ValidationError:
        return False
    return True


def field_message(name: str, problem: str, gettext: Gettext) -> str:
    """A field's message for a missing answer (``problem`` "missing") or msgspec's complaint."""
    if problem == "missing":
        return gettext(messages.REQUIRED.get(name, messages.CHECK))
    too_long = _TOO_LONG.search(problem)
    if too_long:
        return gettext(messages.TOO_LONG, max=too_long.group(1))
    return gettext(messages.INVALID.get(name, messages.CHECK))


def read_form(
    data: FormMultiDict,
    struct: type[S],
    fields: Sequence[str],
    gettext: Gettext,
    *,
    required: Iterable[str] = (),
    keep_when_blank: Iterable[str] = (),
    hidden: Iterable[str] = (),
) -> tuple[S | None, Form]:
    """Read ``fields`` of a submitted form into ``struct``.

    - a ticked checkbox or a "true" radio is ``True``; an unticked one is ``False``;
    - lists come from repeated fields (checkboxes); numbers and dates are converted from text;
    - a blank answer is an error when ``required``; otherwise it is ``""`` where the type takes
      that, else ``None`` for nullable fields (clearing them), else left out so the struct's default
      applies (or, for updates, the stored value stays) — fields in ``keep_when_blank`` are always
      left out when blank (passport data shown masked: blank means "keep").
    """
    hints = _hints(struct)
    required, keep_when_blank = set(required), set(keep_when_blank)
    form = Form(order=fields, hidden=frozenset(hidden))
    values: dict[str, Any] = {}
    for name in fields:
        hint = hints[name]
        core, nullable = _core(hint)
        if typing.get_origin(core) is list:
            raw_list = [item.strip() for item in data.getall(name, []) if item.strip()]
            form.values[name] = raw_list
            values[name] = raw_list
            continue
        raw = (data.get(name) or "").strip()
        form.values[name] = raw
        if core is bool:
            values[name] = raw.lower() in TRUE_VALUES
            if name in required and not values[name]:
                form.add(name, field_message(name, "missing", gettext))
            continue
        if not raw:
            if name in required:
                form.add(name, field_message(name, "missing", gettext))
            elif name in keep_when_blank:
                pass
            elif _accepts("", hint):
                values[name] = ""
            elif nullable:
                values[name] = None
            continue
        if core is datetime.datetime:
            local = _LOCAL_MINUTES.match(raw)
            raw = f"{local.group(1)}T{local.group(2)}:00" if local else raw
        values[name] = raw
    converted: dict[str, Any] = {}
    for name, value in values.items():
        if name in form.errors:
            continue
        try:
            converted[name] = msgspec.convert(value, hints[name], strict=False)
        except msgspec.ValidationError as exc:
            form.add(name, field_message(name, str(exc), gettext))
    for error in integer_errors(converted):  # a number no column holds would be a 500 from the database
        form.add(error.field, field_message(error.field, error.message, gettext))
    if form.has_errors:
        return None, form
    try:
        return msgspec.convert(values, struct, strict=False), form
    except InvalidInput as exc:  # the struct's own text check (events.text), beside its fields
        form.add_service_error(exc, gettext)
        return None, form
    except msgspec.ValidationError as exc:
        (error,) = field_errors(exc)
        name = _PATH_INDEX.sub("", error.field)
        form.add(
            name or None, field_message(name, "missing" if is_missing(error) else error.message, gettext)
        )
        return None, form


def form_from(record: msgspec.Struct, fields: Sequence[str]) -> Form:
    """A form filled from a stored record (the edit page), in the shapes the inputs expect."""
    form = Form(order=fields)
    for name in fields:
        value = getattr(record, name, None)
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif isinstance(value, datetime.datetime):
            value = value.strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, datetime.date):
            value = value.isoformat()
        elif isinstance(value, list):
            value = [str(item) for item in value]
        form.values[name] = "" if value is None else value
    return form
