"""The check-in decision, pure: no database, no HTTP, no clock of its own.

The service decides online scans with it; offline syncs use it to say what the service would have
answered; ``static/scanner.js`` mirrors it on the phone (same reasons, same order, same texts).

Reasons a scan is denied (each answer carries one, with a text for staff):

====================  ===========================================================================
reason                when
====================  ===========================================================================
unknown               not a badge code of this system (garbled, cut short, another format), or a
                      signed code of a badge the service never issued
forged                the signature does not verify, or a key this event never had signed it
revoked               the badge was withdrawn, replaced by a reissue (a lost badge), or its key
                      was retired
wrong_event           a badge of another event
cancelled             the registration was cancelled or rejected, or the checkpoint's session was
                      cancelled
not_registered        the registration is not approved (submitted, waitlisted)
not_signed_up         an optional session the person has no seat in
not_assigned          a visit bus the person is not assigned to (slot and vehicle), or a transfer
                      bus (airport pick-up or drop-off run) they do not ride
outside_time_window   outside the checkpoint's window, or outside the badge's validity
already_inside        a single-entry checkpoint already admitted this badge, or (exits scanned)
                      the person is inside and has not left
====================  ===========================================================================

The badge verifier's reasons (``events.badges.tokens.Reason``) map onto these in :data:`FROM_BADGE`.
Checks run in this order: the code itself, the registration, the session, the checkpoint's rule,
the time window, then presence. An exit scan is refused only when the code is not a genuine badge
of this event (unknown, forged, wrong_event): nobody is kept from leaving.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from events.badges import tokens
from events.badges.tokens import Reason as BadgeReason
from events.checkin.tables import Admits, Direction
from events.registration.tables import RegistrationStatus


class Reason(StrEnum):
    unknown = "unknown"
    forged = "forged"
    revoked = "revoked"
    wrong_event = "wrong_event"
    cancelled = "cancelled"
    not_registered = "not_registered"
    not_signed_up = "not_signed_up"
    not_assigned = "not_assigned"
    outside_time_window = "outside_time_window"
    already_inside = "already_inside"


#: What staff read on the red screen (the scanner page shows the same texts).
MESSAGES: dict[Reason, str] = {
    Reason.unknown: "Not a badge of this event system",
    Reason.forged: "Forged or altered badge",
    Reason.revoked: "Badge no longer valid (replaced or withdrawn)",
    Reason.wrong_event: "Badge for another event",
    Reason.cancelled: "Cancelled",
    Reason.not_registered: "Registration not approved",
    Reason.not_signed_up: "Not signed up for this session",
    Reason.not_assigned: "Not assigned to this vehicle",
    Reason.outside_time_window: "Outside the opening times",
    Reason.already_inside: "Already admitted",
}
OK_MESSAGE = {Direction.entry: "Welcome", Direction.exit: "Goodbye"}

#: The badge verifier's reasons, mapped onto the check-in reasons.
FROM_BADGE: dict[BadgeReason, Reason] = {
    BadgeReason.malformed: Reason.unknown,
    BadgeReason.unsupported_format: Reason.unknown,
    BadgeReason.wrong_event: Reason.wrong_event,
    BadgeReason.unknown_key: Reason.forged,
    BadgeReason.bad_signature: Reason.forged,
    BadgeReason.key_retired: Reason.revoked,
    BadgeReason.superseded: Reason.revoked,
    BadgeReason.revoked: Reason.revoked,
    BadgeReason.registration_cancelled: Reason.cancelled,
    BadgeReason.registration_rejected: Reason.cancelled,
    BadgeReason.not_yet_valid: Reason.outside_time_window,
    BadgeReason.expired: Reason.outside_time_window,
}
#: Reasons that stop an exit scan too: the code is not a genuine badge of this event.
NOT_GENUINE = frozenset({Reason.unknown, Reason.forged, Reason.wrong_event})
#: Reasons after which the badge's person is still shown to staff (the badge is ours).
SHOWS_PERSON = frozenset(Reason) - NOT_GENUINE


@dataclass(frozen=True, slots=True)
class Rules:
    """One checkpoint's rules, with its session's (or visit trip's) facts resolved."""

    checkpoint_id: int
    event_id: int
    name: str
    kind: str
    admits: Admits
    time_zone: str
    session_id: int | None = None
    session_optional: bool = False
    session_cancelled: bool = False
    visit_checkpoint: str = ""
    visit_slot_id: int | None = None
    visit_vehicle_id: int | None = None
    transfer_run: str = ""
    transfer_run_id: int | None = None
    opens_at: datetime.datetime | None = None
    closes_at: datetime.datetime | None = None
    window_source: str = "none"
    tracks_exit: bool = False
    single_entry: bool = False
    active: bool = True

    @property
    def needs_rule_check(self) -> bool:
        """Whether passing needs more than an approved registration (a seat, an assignment)."""
        if self.admits is Admits.session:
            return self.session_optional
        return self.admits in (Admits.visit, Admits.transfer)


def window(
    *,
    opens_at: datetime.datetime | None,
    closes_at: datetime.datetime | None,
    starts_at: datetime.datetime | None,
    ends_at: datetime.datetime | None,
    minutes_before: int,
    minutes_after: int,
    source: str,
) -> tuple[datetime.datetime | None, datetime.datetime | None, str]:
    """The checkpoint's window: explicit times win; else the session's (or trip's) times widened by
    the margins; else none (the badge's own validity still applies)."""
    if opens_at is not None or closes_at is not None:
        return opens_at, closes_at, "explicit"
    if starts_at is not None and ends_at is not None:
        return (
            starts_at - datetime.timedelta(minutes=minutes_before),
            ends_at + datetime.timedelta(minutes=minutes_after),
            source,
        )
    return None, None, "none"


#: Online scans are judged now, by the service's clock: every stored revocation counts.
EVERY_REVOCATION: frozenset[BadgeReason] = frozenset(tokens.REVOCATION_KINDS)
#: Offline scans keep the device's time, but a badge superseded by a reissue before the sync arrived
#: counts as refused whatever time the device gives (a backdated scan of a lost badge is no admission).
SUPERSEDED_ONLY: frozenset[BadgeReason] = frozenset({BadgeReason.superseded})


def revocations_of(
    badge: Mapping | None, at: datetime.datetime, *, however_late: frozenset[BadgeReason] = frozenset()
) -> dict[int, str]:
    """The verifier's revocation map for one badge row, as it stood at ``at``; a revocation of a kind
    in ``however_late`` counts even when it was made after ``at``."""
    if badge is None or badge.get("revoked_at") is None:
        return {}
    head = (badge.get("revoke_reason") or "").partition(":")[0].strip()
    try:
        kind = BadgeReason(head)
    except ValueError:
        kind = BadgeReason.revoked
    if badge["revoked_at"] > at and kind not in however_late:
        return {}
    return {badge["badge_id"]: kind.value}


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    reason: Reason | None = None
    detail: str = ""
    #: The badge verifier's own reason, when the code itself was refused.
    badge_reason: str = ""


OK = Verdict(True)


#: Tokens that verified, with the keys they verified against: the same bytes under the same keys
#: verify the same way, so the signature (most of a scan's own CPU) is checked once per process.
_VERIFIED_MAX = 50_000
_verified: dict[tuple[str, int, tuple], tuple[tokens.VerifiedBadge, datetime.datetime | None]] = {}


def _verify(
    token: str, keys: list[tokens.PublicKey], revoked: dict[int, str], event_id: int, at: datetime.datetime
) -> tokens.VerifiedBadge | tokens.Rejection:
    """:func:`events.badges.tokens.verify_token`, remembering the badges it accepted. A remembered
    answer is given again only while ``verify_token`` would give it: same text, event and keys, not
    revoked, and ``at`` inside the badge's validity (with the leeway) and before its key's retirement."""
    if revoked:
        return tokens.verify_token(token, keys, revoked, event_id, at)
    key = (token, event_id, tuple((k.key_id, k.public_key, k.retired_at) for k in keys))
    hit = _verified.get(key)
    if hit is not None:
        badge, retired_at = hit
        if (
            at + tokens.LEEWAY >= badge.not_before
            and at - tokens.LEEWAY <= badge.not_after
            and (retired_at is None or retired_at > at)
        ):
            return badge
    result = tokens.verify_token(token, keys, revoked, event_id, at)
    if isinstance(result, tokens.VerifiedBadge):
        if len(_verified) >= _VERIFIED_MAX:
            _verified.clear()
        signer = next(k for k in keys if k.key_id == result.key_id)
        _verified[key] = (result, signer.retired_at)
    return result


def check_code(
    token: str,
    keys: list[tokens.PublicKey],
    badge: Mapping | None,
    rules: Rules,
    at: datetime.datetime,
    *,
    however_late: frozenset[BadgeReason] = frozenset(),
) -> Verdict:
    """The code itself: :func:`events.badges.tokens.verify_token` with the badge's revocation state
    at ``at`` (see :func:`revocations_of`). ``badge`` is the row of the badge id the code names
    (``None``: we never issued it)."""
    revoked = revocations_of(badge, at, however_late=however_late)
    result = _verify(token, keys, revoked, rules.event_id, at)
    if isinstance(result, tokens.Rejection):
        return Verdict(False, FROM_BADGE[result.reason], result.detail, result.reason.value)
    if badge is None:
        return Verdict(False, Reason.unknown, f"badge {result.badge_id} was never issued", "unknown_badge")
    return OK


def check_person(
    rules: Rules,
    *,
    status: str,
    eligible: bool,
    direction: Direction,
    at: datetime.datetime,
) -> Verdict:
    """The registration, the session, the checkpoint's rule and its window (presence comes later)."""
    if direction is Direction.exit:
        return OK
    if status in (RegistrationStatus.cancelled, RegistrationStatus.rejected):
        return Verdict(False, Reason.cancelled, f"registration {status}")
    if status != RegistrationStatus.approved:
        return Verdict(False, Reason.not_registered, f"registration {status}")
    if rules.session_cancelled:
        return Verdict(False, Reason.cancelled, "the session was cancelled")
    if rules.needs_rule_check and not eligible:
        reason = Reason.not_signed_up if rules.admits is Admits.session else Reason.not_assigned
        return Verdict(False, reason)
    if rules.opens_at is not None and at < rules.opens_at:
        return Verdict(False, Reason.outside_time_window, f"opens at {rules.opens_at.isoformat()}")
    if rules.closes_at is not None and at > rules.closes_at:
        return Verdict(False, Reason.outside_time_window, f"closed at {rules.closes_at.isoformat()}")
    return OK


def message(verdict: Verdict, direction: Direction) -> str:
    if verdict.ok:
        return OK_MESSAGE[direction]
    return MESSAGES[verdict.reason] if verdict.reason is not None else "Refused"
