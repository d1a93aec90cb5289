"""The participant's study visits (see :mod:`events.web.my`): the rules, then up to five ranked
choices in plain ``<select>``s (no drag-and-drop, no JavaScript needed), saved through the same
service as the API; once scheduled, the visit itself with its travel details and a notice when an
organiser changed it."""

from __future__ import annotations

import re

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.response import Template

from events.errors import Conflict, DomainError, InvalidInput
from events.i18n import languages
from events.visits import mine, preferences, schemas
from events.web import i18n, pages
from events.web.forms import Form
from events.web.i18n import N_
from events.web.my.view import MyView, my_view

NAME = "visits"
PATH = "/my/visits"

#: The ``<select>``s, best first: ``choice_1`` … ``choice_5``.
FIELDS = tuple(f"choice_{n}" for n in range(1, preferences.MAX_CHOICES + 1))
RANK_LABELS = (
    N_("1st choice"),
    N_("2nd choice"),
    N_("3rd choice"),
    N_("4th choice"),
    N_("5th choice"),
)

SAVED = N_("Your visit choices are saved")
WITHDRAWN = N_("Your visit choices are withdrawn")
UNKNOWN_OPTION = N_("Choose one of the visits in the list")
CHOSEN_TWICE = N_("You chose this visit twice. Choose another one, or leave this choice empty")
NOT_OFFERED = N_("This visit is no longer offered. Choose another one")
CLOSED = N_(
    "Visit choices can no longer be changed: the event has started. Write to the organisers if you "
    "need a change"
)
NOT_ALLOWED = N_("Your registration is not active, so you cannot choose study visits")

#: How the page names each detail of a change notice (see ``events.visits.notify.NOTICE_DETAILS``).
DETAIL_LABELS = {
    "site": N_("Site"),
    "address": N_("Address"),
    "date": N_("Date"),
    "time": N_("Time"),
    "meeting_point": N_("Meeting point"),
    "meeting_time": N_("Departure"),
    "vehicle": N_("Vehicle"),
    "guide_language": N_("Guide"),
}

_OPTION = re.compile(r"^(slot|site):(\d{1,9})$")


def language_name(code: str, lang: str) -> str:
    """A guide language (ISO 639 code) by its name in the page's language; the code when CLDR has
    no name for it (some sign languages)."""
    return languages.locale(lang).languages.get(code) or code


def _slot_text(slot: mine.SlotOption, lang: str, gettext) -> str:
    start = i18n.format_datetime(slot.starts_at, lang)
    parts = [f"{slot.site_name} – {start}–{i18n.format_time(slot.ends_at, lang)}"]
    parts.append(gettext("guide: %(language)s", language=language_name(slot.guide_language, lang)))
    if slot.step_free:
        parts.append(gettext("step-free"))
    if slot.sign_language:
        parts.append(gettext("sign language"))
    if slot.full:
        parts.append(gettext("full"))
    return " · ".join(parts)


def options(data: mine.MyVisits, lang: str, gettext) -> list[tuple[str, str]]:
    """What each ``<select>`` offers: every slot, then "any time at <site>" for each site."""
    found = [(f"slot:{slot.id}", _slot_text(slot, lang, gettext)) for slot in data.slots]
    found += [(f"site:{site.id}", gettext("%(site)s – any time", site=site.name)) for site in data.sites]
    return found


def _value(choice: schemas.RankedChoice | schemas.Choice) -> str:
    return f"slot:{choice.slot_id}" if choice.slot_id is not None else f"site:{choice.site_id}"


def _form_from(data: mine.MyVisits) -> Form:
    form = Form(order=FIELDS)
    for name in FIELDS:
        form.values[name] = ""
    for index, choice in enumerate(data.preferences.choices[: len(FIELDS)]):
        form.values[FIELDS[index]] = _value(choice)
    return form


def _ranked(data: mine.MyVisits, lang: str, gettext) -> list[str]:
    """The saved choices, best first, in the page's language."""
    texts = dict(options(data, lang, gettext))
    return [texts[_value(c)] for c in data.preferences.choices if _value(c) in texts]


def _read(submitted, gettext) -> tuple[schemas.PreferencesSet | None, Form, list[str]]:
    """The choices in rank order (empty selects skipped) and the field each came from."""
    form = Form(order=FIELDS)
    choices: list[schemas.Choice] = []
    sources: list[str] = []
    for name in FIELDS:
        raw = (submitted.get(name) or "").strip()
        form.values[name] = raw
        if not raw:
            continue
        found = _OPTION.match(raw)
        if found is None:
            form.add(name, gettext(UNKNOWN_OPTION))
            continue
        kind, number = found.group(1), int(found.group(2))
        choices.append(schemas.Choice(slot_id=number) if kind == "slot" else schemas.Choice(site_id=number))
        sources.append(name)
    if form.has_errors:
        return None, form, sources
    return (
        msgspec.convert({"choices": [msgspec.to_builtins(c) for c in choices]}, schemas.PreferencesSet),
        form,
        sources,
    )


def _service_errors(view: MyView, form: Form, exc: DomainError, sources: list[str]) -> None:
    """The service's errors beside the ``<select>`` they are about, in the page's language."""
    gettext = view.gettext
    if isinstance(exc, Conflict):
        closed = not preferences.choices_open(view.event_row)
        form.add_service_error(exc, gettext, fallback=gettext(CLOSED if closed else NOT_ALLOWED))
        return
    for error in exc.errors:
        found = re.match(r"choices\[(\d+)\]", error.field)
        name = sources[int(found.group(1))] if found and int(found.group(1)) < len(sources) else None
        text = CHOSEN_TWICE if "twice" in error.message else NOT_OFFERED
        form.add(name, gettext(text))
    if not exc.errors:
        form.add(None, gettext(NOT_OFFERED))


def _context(view: MyView, data: mine.MyVisits, form: Form) -> dict:
    gettext = view.gettext
    return {
        "event": view.event,
        "registration": view.registration,
        "visits": data,
        "form": form,
        "fields": list(zip(FIELDS, RANK_LABELS, strict=True)),
        "options": options(data, view.lang, gettext),
        "ranked": _ranked(data, view.lang, gettext),
        "language_name": lambda code: language_name(code, view.lang),
        "detail_labels": DETAIL_LABELS,
        "editable": data.active and data.open and data.offered,
    }


class VisitPages(Controller):
    path = PATH

    @get("/")
    async def show(self, request: Request) -> Template:
        view = await my_view(request)
        data = await mine.my_visits_page(view.actor, view.registration.id)
        return pages.render(request, "portal/my/visits.html", _context(view, data, _form_from(data)))

    @post("/")
    async def save(self, request: Request) -> Response:
        view = await my_view(request)
        gettext = view.gettext
        parsed, form, sources = _read(await request.form(), gettext)
        if parsed is not None:
            try:
                await preferences.set_preferences(view.actor, view.registration.id, parsed)
            except (InvalidInput, Conflict) as exc:
                _service_errors(view, form, exc, sources)
            else:
                return pages.redirect(PATH, flash=SAVED if parsed.choices else WITHDRAWN)
        data = await mine.my_visits_page(view.actor, view.registration.id)
        return pages.render(request, "portal/my/visits.html", _context(view, data, form), status_code=422)


async def section(view: MyView) -> dict | None:
    """The hub's summary: the assigned visits, else the invitation to rank them by the deadline;
    ``None`` when the event offers no visits."""
    data = await mine.my_visits_page(view.actor, view.registration.id)
    if not data.offered and not data.assigned:
        return None
    if not data.active and not data.assigned:
        return None
    return {"visits": data, "ranked": _ranked(data, view.lang, view.gettext)}


HANDLERS: list = [VisitPages]
