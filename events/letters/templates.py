"""The wording organisers edit per event, kind and language (``LetterTemplate``), over the defaults
of :mod:`events.letters.wording`. Audited as ``letter.template_updated`` and ``letter.template_reset``."""

from __future__ import annotations

from events.audit.services import record
from events.auth.principal import Actor
from events.clock import now
from events.db import locked, write_transaction
from events.errors import InvalidInput
from events.letters import schemas, wording
from events.letters.tables import LetterKind, LetterTemplate
from events.programme import services as programme_services
from events.programme.tables import Event


def _check_language(language: str) -> None:
    if language not in wording.LETTER_LANGUAGES:
        raise InvalidInput.field(
            "language",
            f"letters are written in {', '.join(wording.LETTER_LANGUAGES)}; "
            f"{', '.join(wording.PREPARED_LANGUAGES)} are prepared but have no wording yet",
        )


async def stored_template(event_id: int, kind: str, language: str) -> dict | None:
    return (
        await LetterTemplate.select()
        .where(
            LetterTemplate.event == event_id, LetterTemplate.kind == kind, LetterTemplate.language == language
        )
        .order_by(LetterTemplate.id, ascending=False)
        .first()
    )


def _template_schema(event_id: int, kind: str, language: str, row: dict | None) -> schemas.LetterTemplate:
    default = wording.default_template(kind, language)
    return schemas.LetterTemplate(
        event_id=event_id,
        kind=LetterKind(kind),
        language=language,
        title=row["title"] if row else default.title,
        body=row["body"] if row else default.body,
        source="custom" if row else "default",
        updated_at=row["updated_at"] if row else None,
        placeholders=wording.placeholders_for(kind),
    )


async def list_templates(actor: Actor, event_id: int) -> list[schemas.LetterTemplate]:
    actor.require_organiser(event_id)
    await programme_services.get_event_row(event_id)
    rows = await LetterTemplate.select().where(LetterTemplate.event == event_id).order_by(LetterTemplate.id)
    stored = {(row["kind"], row["language"]): row for row in rows}
    return [
        _template_schema(event_id, kind.value, language, stored.get((kind.value, language)))
        for kind in LetterKind
        for language in wording.LETTER_LANGUAGES
    ]


async def get_template(
    actor: Actor, event_id: int, kind: LetterKind, language: str
) -> schemas.LetterTemplate:
    actor.require_organiser(event_id)
    _check_language(language)
    await programme_services.get_event_row(event_id)
    return _template_schema(
        event_id, kind.value, language, await stored_template(event_id, kind.value, language)
    )


async def put_template(
    actor: Actor, event_id: int, kind: LetterKind, language: str, data: schemas.LetterTemplateUpdate
) -> schemas.LetterTemplate:
    """Save an event's wording; an unknown placeholder or an unprintable character is a 422
    naming ``title`` or ``body``."""
    actor.require_organiser(event_id)
    _check_language(language)
    errors = wording.check_template(kind.value, data.title, data.body)
    if errors:
        raise InvalidInput("; ".join(f"{e.field}: {e.message}" for e in errors), errors=errors)
    async with write_transaction():
        await locked(Event.select(Event.id).where(Event.id == event_id)).first()
        await programme_services.get_event_row(event_id)
        existing = await stored_template(event_id, kind.value, language)
        values = {
            "title": data.title.strip(),
            "body": data.body.strip(),
            "updated_at": now(),
            "updated_by": actor.user_id,
        }
        if existing is None:
            await LetterTemplate.insert(
                LetterTemplate(event=event_id, kind=kind.value, language=language, **values)
            )
        else:
            await LetterTemplate.update({getattr(LetterTemplate, k): v for k, v in values.items()}).where(
                LetterTemplate.id == existing["id"]
            )
        await record(
            actor,
            "letter.template_updated",
            "letter_template",
            f"{event_id}/{kind.value}/{language}",
            event_id=event_id,
        )
    return _template_schema(
        event_id, kind.value, language, await stored_template(event_id, kind.value, language)
    )


async def reset_template(
    actor: Actor, event_id: int, kind: LetterKind, language: str
) -> schemas.LetterTemplate:
    """Forget the event's wording: the default applies again."""
    actor.require_organiser(event_id)
    _check_language(language)
    async with write_transaction():
        await programme_services.get_event_row(event_id)
        deleted = (
            await LetterTemplate.delete()
            .where(
                LetterTemplate.event == event_id,
                LetterTemplate.kind == kind.value,
                LetterTemplate.language == language,
            )
            .returning(LetterTemplate.id)
        )
        if deleted:
            await record(
                actor,
                "letter.template_reset",
                "letter_template",
                f"{event_id}/{kind.value}/{language}",
                event_id=event_id,
            )
    return _template_schema(event_id, kind.value, language, None)
