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

import re
from collections.abc import Iterable, Mapping
from typing import Any

from events.errors import FieldError

BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
#: Unicode's control characters (general category ``Cc``: U+0000–U+001F and U+007F–U+009F, a set the
#: standard keeps fixed), as one pattern: every text field of every request is checked, and a regular
#: expression does it in C instead of a Python loop over ``unicodedata.category``.
_CONTROLS = re.compile("[\x00-\x1f\x7f-\x9f]")
_CONTROLS_BUT_LINE_BREAKS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BIDI = re.compile("[\u202a-\u202e\u2066-\u2069]")


def text_problem(value: str, *, single_line: bool) -> str | None:
    """Why ``value`` is not acceptable text, or ``None``."""
    if (_CONTROLS if single_line else _CONTROLS_BUT_LINE_BREAKS).search(value):
        return "must not contain control characters"
    if _BIDI.search(value):
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
