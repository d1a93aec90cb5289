"""Console: check-in. Checkpoints and their rules (create, edit, close, reopen, delete), live counts per
checkpoint (refreshed by ``console-checkin.js`` from ``live.json``; without JavaScript a "Refresh"
link, never an automatic refresh: WCAG 2.2.1), the latest refusals, and conflicts from offline
scanners to resolve with a note.

Every action is a service of ``events.checkin`` (rights, audit, the 409s); this module only reads
forms and words the answers in the page's language.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import FormMultiDict
from litestar.params import FromPath
from litestar.response import Template

from events.auth.principal import Actor
from events.checkin import checkpoints as checkpoint_services
from events.checkin import conflicts as conflict_services
from events.checkin import live as live_services
from events.checkin import schemas
from events.checkin.tables import Admits, CheckpointKind
from events.errors import Conflict, InvalidInput
from events.i18n import formatting
from events.programme import schemas as programme_schemas
from events.programme import services as programme_services
from events.travel import transfers
from events.visits import manifests
from events.web import pages
from events.web.console import common
from events.web.forms import Form, form_from, read_form
from events.web.i18n import N_

#: Job kind → function(job) giving the console page that shows what the job produced.
JOB_PAGES: dict = {}

#: How many refusals and open conflicts the page lists.
RECENT = 20

KINDS = {
    CheckpointKind.venue_entrance.value: N_("Door"),
    CheckpointKind.session_room.value: N_("Session room"),
    CheckpointKind.visit_bus.value: N_("Visit bus"),
    CheckpointKind.transfer_bus.value: N_("Airport transfer bus"),
    CheckpointKind.help_desk.value: N_("Help desk"),
}
ADMITS = {
    Admits.event.value: N_("Everyone approved for the event"),
    Admits.session.value: N_("The session's people"),
    Admits.visit.value: N_("People assigned to the visit and the vehicle"),
    Admits.transfer.value: N_("People riding the airport transfer run"),
}
WINDOW_SOURCES = {
    "explicit": N_("set on the checkpoint"),
    "session": N_("from the session's times"),
    "visit": N_("from the visit trip's times"),
    "transfer": N_("from the transfer run's times"),
    "none": N_("no opening times: only the badge's validity"),
}
#: The scan refusals (``events.checkin.rules.MESSAGES``), for the page's language.
REASONS = {
    "unknown": N_("Not a badge of this event system"),
    "forged": N_("Forged or altered badge"),
    "revoked": N_("Badge no longer valid (replaced or withdrawn)"),
    "wrong_event": N_("Badge for another event"),
    "cancelled": N_("Cancelled"),
    "not_registered": N_("Registration not approved"),
    "not_signed_up": N_("Not signed up for this session"),
    "not_assigned": N_("Not assigned to this vehicle"),
    "outside_time_window": N_("Outside the opening times"),
    "already_inside": N_("Already admitted"),
}
CONFLICT_KINDS = {
    "double_admission": N_("Admitted twice at a single-entry checkpoint"),
    "offline_admission_refused": N_("Admitted offline, though the service would have refused"),
}
MODES = {"online": N_("online"), "offline": N_("offline"), "manual": N_("by name")}

FIELDS = (
    "name",
    "kind",
    "admits",
    "session_id",
    "visit_checkpoint",
    "transfer_run",
    "opens_at",
    "closes_at",
    "minutes_before",
    "minutes_after",
    "tracks_exit",
    "single_entry",
)
#: Our own words for a field's bad answer (the shared catalogue has none for checkpoints).
FIELD_MESSAGES = {
    "name": N_("Enter a name for the checkpoint, up to 100 characters"),
    "kind": N_("Choose what kind of checkpoint this is"),
    "admits": N_("Choose who may pass"),
    "session_id": N_("Choose a session of this event"),
    "visit_checkpoint": N_("Choose a visit trip (slot and vehicle) of this event"),
    "transfer_run": N_("Choose an airport transfer run of this event"),
    "opens_at": N_("Enter a date and time, like 2027-10-11 08:30"),
    "closes_at": N_("Enter a date and time, like 2027-10-11 18:00"),
    "minutes_before": N_("Enter a number of minutes from 0 to 1440"),
    "minutes_after": N_("Enter a number of minutes from 0 to 1440"),
}
SESSION_NEEDED = N_("A session room admits the session's people: choose the session")
VISIT_NEEDED = N_("A visit bus needs its visit trip: choose the slot and vehicle")
TRANSFER_NEEDED = N_("An airport transfer bus needs its run: choose it")
CLOSES_BEFORE_OPENS = N_("The closing time must be after the opening time")
NOTE_NEEDED = N_("Write a note on what you decided, up to 500 characters")


def _base(event_id: int) -> str:
    return f"/organiser/events/{event_id}/checkin"


# --- reading the forms ---------------------------------------------------------------------------------


def _own_words(form: Form, gettext) -> None:
    """Replace the generic "check this answer" with what each checkpoint field needs."""
    for name in list(form.errors):
        if name == "name" and form.value("name"):
            continue  # too long: the shared message says the limit
        if name in FIELD_MESSAGES:
            form.errors[name] = gettext(FIELD_MESSAGES[name])


def _service_errors(form: Form, exc: InvalidInput, gettext) -> None:
    """The service's 422 beside the fields, in the page's language."""
    if not exc.errors:
        form.add(None, exc.detail)
        return
    for error in exc.errors:
        name = error.field
        if name == "session_id" and "needs the session" in error.message:
            text = SESSION_NEEDED
        elif name == "visit_checkpoint" and "needs the visit checkpoint" in error.message:
            text = VISIT_NEEDED
        elif name == "transfer_run" and "needs its run" in error.message:
            text = TRANSFER_NEEDED
        elif name == "closes_at" and "after" in error.message:
            text = CLOSES_BEFORE_OPENS
        else:
            text = FIELD_MESSAGES.get(name)
        form.add(name if name in FIELDS else None, gettext(text) if text else error.message)


async def _read(request: Request, struct: type[msgspec.Struct]) -> tuple[Any, Form, FormMultiDict]:
    submitted = await request.form()
    gettext = pages.gettext(request)
    data, form = read_form(submitted, struct, FIELDS, gettext, required=("name", "kind"))
    _own_words(form, gettext)
    return data, form, submitted


# --- what the pages show -------------------------------------------------------------------------------


async def _choices(actor: Actor, event_id: int) -> dict[str, Any]:
    """Sessions, visit trips and airport transfer runs a checkpoint may be linked to."""
    sessions = await programme_services.list_sessions(event_id)
    trips = await manifests.list_checkpoints(actor, event_id)
    runs = await transfers.list_checkpoints(actor, event_id)
    return {
        "sessions": sessions,
        "trips": trips,
        "runs": runs,
        "run_names": {run.checkpoint_id: run for run in runs},
        "session_titles": {session.id: session.title for session in sessions},
        "trip_names": {trip.checkpoint_id: trip for trip in trips},
    }


def _counts_view(live: schemas.Live, lang: str, zone: str) -> dict[str, Any]:
    """The live counts as ``live.json`` sends them: numbers as the page writes them."""

    def number(value: int) -> str:
        return formatting.format_number(value, lang)

    return {
        "as_of": formatting.format_time(live.as_of, lang),
        "open_conflicts": live.open_conflicts,
        "open_conflicts_text": number(live.open_conflicts),
        "checkpoints": {
            str(item.id): {
                "inside": item.inside,
                "admitted": item.admitted,
                "expected": item.expected,
                "denied": item.denied,
                "text": {
                    "inside": number(item.inside),
                    "admitted": number(item.admitted),
                    "expected": number(item.expected),
                    "denied": number(item.denied),
                    "last_scan": formatting.format_datetime(item.last_scan_at, lang, zone)
                    if item.last_scan_at
                    else "",
                },
            }
            for item in live.checkpoints
        },
    }


async def _main_page(
    request: Request,
    actor: Actor,
    event: programme_schemas.Event,
    *,
    note_errors: dict[int, tuple[str, str]] | None = None,
    status_code: int = 200,
) -> Template:
    live = await live_services.live(actor, event.id, denials=RECENT, conflicts=RECENT)
    checkpoints = await checkpoint_services.list_checkpoints(actor, event.id)
    resolved, _ = await conflict_services.list_conflicts(
        actor, event.id, status="resolved", limit=10, offset=0
    )
    context = {
        "live": live,
        "counts": _counts_view(live, pages.language(request), event.time_zone),
        "checkpoints": checkpoints,
        "resolved": resolved,
        "note_errors": note_errors or {},
        **await _choices(actor, event.id),
        **_words(),
    }
    return common.render(
        request, "console/checkin/index.html", actor, event, "checkin", context, status_code=status_code
    )


def _words() -> dict[str, Any]:
    return {
        "kinds": KINDS,
        "admits_words": ADMITS,
        "window_sources": WINDOW_SOURCES,
        "reasons": REASONS,
        "conflict_kinds": CONFLICT_KINDS,
        "modes": MODES,
    }


async def _form_page(
    request: Request,
    actor: Actor,
    event: programme_schemas.Event,
    form: Form,
    checkpoint: schemas.Checkpoint | None,
    *,
    status_code: int = 200,
) -> Template:
    return common.render(
        request,
        "console/checkin/checkpoint.html",
        actor,
        event,
        "checkin",
        {"form": form, "checkpoint": checkpoint, **await _choices(actor, event.id), **_words()},
        status_code=status_code,
    )


class CheckinPages(Controller):
    path = "/organiser/events/{event_id:int}/checkin"

    @get("")
    async def index(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        return await _main_page(request, actor, event)

    @get("/live.json", cache=False)
    async def live_json(self, request: Request, event_id: FromPath[int]) -> Response[dict]:
        """What the page's script polls: the counts per checkpoint, written in the page's language."""
        actor, event = await common.event_page(request, event_id)
        live = await live_services.live(actor, event_id, denials=0, conflicts=0)
        lang = pages.language(request)
        view = _counts_view(live, lang, event.time_zone)
        gettext = pages.gettext(request)
        view["as_of_text"] = gettext(N_("Counts as of %(time)s."), time=view["as_of"])
        view["announce"] = gettext(N_("Counts updated at %(time)s."), time=view["as_of"])
        return Response(view, headers={"Cache-Control": "no-store"})

    @get("/checkpoints/new")
    async def new(self, request: Request, event_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        form = Form(order=FIELDS)
        form.values.update(
            {"kind": CheckpointKind.venue_entrance.value, "minutes_before": 30, "minutes_after": 30}
        )
        return await _form_page(request, actor, event, form, None)

    @post("/checkpoints")
    async def create(self, request: Request, event_id: FromPath[int]) -> Response:
        actor, event = await common.event_page(request, event_id)
        data, form, _ = await _read(request, schemas.CheckpointCreate)
        if data is not None:
            try:
                created = await checkpoint_services.create_checkpoint(actor, event_id, data)
            except InvalidInput as exc:
                _service_errors(form, exc, pages.gettext(request))
            else:
                return pages.redirect(
                    _base(event_id), flash=N_("Checkpoint %(name)s created."), name=created.name
                )
        return await _form_page(request, actor, event, form, None, status_code=422)

    @get("/checkpoints/{checkpoint_id:int}")
    async def edit(self, request: Request, event_id: FromPath[int], checkpoint_id: FromPath[int]) -> Template:
        actor, event = await common.event_page(request, event_id)
        checkpoint = await checkpoint_services.get_checkpoint(actor, event_id, checkpoint_id)
        return await _form_page(request, actor, event, form_from(checkpoint, FIELDS), checkpoint)

    @post("/checkpoints/{checkpoint_id:int}")
    async def update(
        self, request: Request, event_id: FromPath[int], checkpoint_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        checkpoint = await checkpoint_services.get_checkpoint(actor, event_id, checkpoint_id)
        data, form, _ = await _read(request, schemas.CheckpointUpdate)
        if data is not None:
            try:
                updated = await checkpoint_services.update_checkpoint(actor, event_id, checkpoint_id, data)
            except InvalidInput as exc:
                _service_errors(form, exc, pages.gettext(request))
            else:
                return pages.redirect(
                    _base(event_id), flash=N_("Checkpoint %(name)s saved."), name=updated.name
                )
        return await _form_page(request, actor, event, form, checkpoint, status_code=422)

    @post("/checkpoints/{checkpoint_id:int}/close")
    async def close(
        self, request: Request, event_id: FromPath[int], checkpoint_id: FromPath[int]
    ) -> Response:
        return await _set_active(request, event_id, checkpoint_id, active=False)

    @post("/checkpoints/{checkpoint_id:int}/reopen")
    async def reopen(
        self, request: Request, event_id: FromPath[int], checkpoint_id: FromPath[int]
    ) -> Response:
        return await _set_active(request, event_id, checkpoint_id, active=True)

    @post("/checkpoints/{checkpoint_id:int}/delete")
    async def remove(
        self, request: Request, event_id: FromPath[int], checkpoint_id: FromPath[int]
    ) -> Response:
        actor, _ = await common.event_page(request, event_id)
        checkpoint = await checkpoint_services.get_checkpoint(actor, event_id, checkpoint_id)
        try:
            await checkpoint_services.delete_checkpoint(actor, event_id, checkpoint_id)
        except Conflict:
            return pages.redirect(
                f"{_base(event_id)}/checkpoints/{checkpoint_id}",
                flash=N_(
                    "Checkpoint %(name)s was not deleted: badges were scanned there. Close it instead: "
                    "its scans stay in the records."
                ),
                name=checkpoint.name,
            )
        return pages.redirect(_base(event_id), flash=N_("Checkpoint %(name)s deleted."), name=checkpoint.name)

    @post("/conflicts/{conflict_id:int}/resolve")
    async def resolve(
        self, request: Request, event_id: FromPath[int], conflict_id: FromPath[int]
    ) -> Response:
        actor, event = await common.event_page(request, event_id)
        submitted = await request.form()
        note = (submitted.get("note") or "").strip()
        gettext = pages.gettext(request)
        try:
            data = msgspec.convert({"note": note}, schemas.ConflictResolve, strict=False)
        except (msgspec.ValidationError, InvalidInput):
            return await _main_page(
                request,
                actor,
                event,
                note_errors={conflict_id: (note, gettext(NOTE_NEEDED))},
                status_code=422,
            )
        try:
            await conflict_services.resolve_conflict(actor, event_id, conflict_id, data.note)
        except Conflict:
            return pages.redirect(
                f"{_base(event_id)}#conflicts", flash=N_("This conflict was already resolved.")
            )
        return pages.redirect(
            f"{_base(event_id)}#conflicts", flash=N_("Conflict resolved; your note is kept.")
        )


async def _set_active(request: Request, event_id: int, checkpoint_id: int, *, active: bool) -> Response:
    actor, _ = await common.event_page(request, event_id)
    try:
        updated = await checkpoint_services.update_checkpoint(
            actor, event_id, checkpoint_id, schemas.CheckpointUpdate(active=active)
        )
    except InvalidInput:  # its stored rules no longer hold (a visit trip gone): the edit page says why
        return pages.redirect(
            f"{_base(event_id)}/checkpoints/{checkpoint_id}",
            flash=N_("Not changed: correct the checkpoint's rules first, then save."),
        )
    message = (
        N_("Checkpoint %(name)s is open again: scanners admit people there.")
        if active
        else N_("Checkpoint %(name)s is closed: scanners refuse everyone there.")
    )
    return pages.redirect(_base(event_id), flash=message, name=updated.name)


HANDLERS: list = [CheckinPages]
