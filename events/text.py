"""What a piece of text a person typed may contain: one rule for every area.

Control characters (category ``Cc``) are refused everywhere except line breaks and tabs in multi-line
fields. The bidirectional *embedding, override and isolate* controls (U+202A–U+202E, U+2066–U+2069)
are refused in every field, single-line (names, titles, rooms…) or not (descriptions, addresses,
notes…): a right-to-left override makes ``Ali`` display as something else on a badge, a list or a
letter, and an unclosed one in a note reorders whatever a page shows after it. The implicit marks
U+200E/U+200F (LRM/RLM) stay allowed: they change no letter's order on their own, and keyboards and
word processors put them in genuine Arabic and Hebrew names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

from events.errors import FieldError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_MULTILINE_ALLOWED = frozenset("\n\r\t")


def text_problem(value: str, *, single_line: bool) -> str | None:
    """Why ``value`` is not acceptable text, or ``None``."""
    if value.isprintable():  # neither control (Cc) nor format (Cf, the bidi controls) characters
        return None
    allowed = frozenset() if single_line else _MULTILINE_ALLOWED
    if any(unicodedata.category(char) == "Cc" and char not in allowed for char in value):
        return "must not contain control characters"
    if not BIDI_CONTROLS.isdisjoint(value):
        return "must not contain bidirectional control characters (such as right-to-left override)"
    return None


def text_errors(values: Mapping[str, Any], single_line_fields: Iterable[str]) -> list[FieldError]:
    """A :class:`FieldError` for each text value with a problem; other values are left to their own checks."""
    single_line = set(single_line_fields)
    errors = []
    for field, value in values.items():
        if isinstance(value, str) and (problem := text_problem(value, single_line=field in single_line)):
            errors.append(FieldError(field, problem))
    return errors
