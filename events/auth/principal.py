"""Who is acting: the account behind a request, a CLI command or the system itself."""

from __future__ import annotations

from dataclasses import dataclass, field

from events.auth.tables import Role
from events.errors import PermissionDenied


@dataclass(frozen=True, slots=True)
class Grant:
    role: Role
    event_id: int | None


@dataclass(frozen=True, slots=True)
class Actor:
    """The subject of every service call; services check rights and write audit entries with it."""

    user_id: int | None
    username: str
    grants: tuple[Grant, ...] = field(default_factory=tuple)
    via: str = "system"
    #: Set for a participant who came in through a magic link: access to this one registration only.
    registration_id: int | None = None

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        """An actor for the CLI and background jobs: full rights, no account."""
        return cls(user_id=None, username=label, grants=(Grant(Role.organiser, None),), via="system")

    @classmethod
    def participant(cls, registration_id: int, reference: str) -> Actor:
        return cls(
            user_id=None,
            username=f"participant {reference}",
            via="magic-link",
            registration_id=registration_id,
        )

    @property
    def label(self) -> str:
        return self.username

    @property
    def is_programme_organiser(self) -> bool:
        return any(g.role is Role.organiser and g.event_id is None for g in self.grants)

    def organises(self, event_id: int) -> bool:
        return any(g.role is Role.organiser and g.event_id in (None, event_id) for g in self.grants)

    def staffs(self, event_id: int) -> bool:
        """Staff of the event, or one of its organisers (who may scan too)."""
        return self.organises(event_id) or any(
            g.role is Role.staff and g.event_id == event_id for g in self.grants
        )

    def books_travel(self, event_id: int) -> bool:
        """A travel agent of the event, or one of its organisers."""
        return self.organises(event_id) or any(
            g.role is Role.travel_agent and g.event_id == event_id for g in self.grants
        )

    def require_organiser(
        self, event_id: int, refusal: str = "This needs an organiser of this event"
    ) -> None:
        """Refuse the call unless this actor organises the event; ``refusal`` tells the caller why."""
        if not self.organises(event_id):
            raise PermissionDenied(refusal)

    def require_staff(
        self, event_id: int, refusal: str = "This needs staff or an organiser of this event"
    ) -> None:
        if not self.staffs(event_id):
            raise PermissionDenied(refusal)

    def require_travel(
        self, event_id: int, refusal: str = "This needs a travel agent or an organiser of this event"
    ) -> None:
        if not self.books_travel(event_id):
            raise PermissionDenied(refusal)

    def require_programme_organiser(self, refusal: str) -> None:
        """Refuse the call unless this actor organises the whole programme (every event, reference data)."""
        if not self.is_programme_organiser:
            raise PermissionDenied(refusal)

    def organised_event_ids(self) -> set[int] | None:
        """The events this actor organises; ``None`` means all of them."""
        if self.is_programme_organiser:
            return None
        return {g.event_id for g in self.grants if g.role is Role.organiser and g.event_id is not None}
