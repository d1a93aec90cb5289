"""Looking someone up by name at a checkpoint (no badge at hand), with whether they may pass now."""

from __future__ import annotations

from events.auth.principal import Actor
from events.checkin import config, people, rules, schemas
from events.checkin.checkpoints import rules_of
from events.checkin.rules import Reason
from events.checkin.tables import Direction
from events.clock import now
from events.db import statements
from events.errors import InvalidInput


async def lookup(
    actor: Actor, event_id: int, checkpoint_id: int, query: str, limit: int = 20
) -> list[schemas.LookupItem]:
    """People of the event whose name or reference contains ``query``, with whether they may pass
    here now; admit one with a scan that gives ``registration_id``."""
    actor.require_staff(event_id)
    found = await rules_of(checkpoint_id, event_id)
    text = "".join(ch for ch in query.strip() if ch not in "%_\\")
    if len(text) < 2:
        raise InvalidInput.field("q", "type at least two letters of a name or the reference")
    pattern = f"%{text.lower()}%"
    condition, condition_args = config.eligible_sql(found)
    badge = (
        "FROM badge b WHERE b.registration = r.id AND b.revoked_at IS NULL ORDER BY b.version DESC LIMIT 1"
    )
    here = "FROM checkin_presence p WHERE p.registration = r.id AND p.checkpoint = ?"
    rows = await statements.fetch(
        f"SELECT r.status, {people.COLUMNS}, {condition} AS eligible, "  # noqa: S608
        f"(SELECT b.id {badge}) AS badge_id, (SELECT b.role {badge}) AS role, "
        f"(SELECT p.inside {here}) AS inside, (SELECT p.entries {here}) AS entries "
        "FROM registration r WHERE r.event = ? AND (LOWER(r.given_names) LIKE ? OR LOWER(r.family_name) LIKE ? "
        "OR LOWER(r.preferred_name) LIKE ? OR LOWER(r.reference) LIKE ?) "
        "ORDER BY r.family_name, r.given_names, r.id LIMIT ?",
        *condition_args,
        checkpoint_id,
        checkpoint_id,
        event_id,
        pattern,
        pattern,
        pattern,
        pattern,
        limit,
    )
    moment = now()
    out = []
    for row in rows:
        verdict = rules.check_person(
            found,
            status=row["status"],
            eligible=statements.boolean(row["eligible"]),
            direction=Direction.entry,
            at=moment,
        )
        admitted = bool(row["entries"])
        inside = statements.boolean(row["inside"])
        if verdict.ok and ((found.single_entry and admitted) or (found.tracks_exit and inside)):
            verdict = rules.Verdict(False, Reason.already_inside)
        out.append(
            schemas.LookupItem(
                person=people.person(row, row["role"]),
                status=row["status"],
                has_badge=row["badge_id"] is not None,
                may_pass=verdict.ok,
                reason=verdict.reason,
                message=rules.message(verdict, Direction.entry),
                admitted=admitted,
                inside=inside,
            )
        )
    return out
