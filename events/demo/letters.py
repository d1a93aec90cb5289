"""The demo events' letter profiles, so invitation and visa-support letters can be issued, previewed
and zipped from the console straight after `make run` (a profile lacking a host or a signatory
refuses every letter, as it must for a real event)."""

from __future__ import annotations

from events.auth.principal import Actor
from events.letters import profiles, schemas

#: Fictional people and addresses: the demo sends no mail and signs with a development key.
_PROFILE = schemas.LetterProfileUpdate(
    host_name="United Nations Department of Economic and Social Affairs (UN DESA)",
    host_address="Division for Public Institutions and Digital Government\n405 East 42nd Street\n"
    "New York, NY 10017\nUnited States of America",
    host_contact="capacity.development@example.org, +1 212 555 0100",
    signatory_name="Dr. Amara Okonkwo-Lindqvist",
    signatory_title="Programme Manager, Capacity Development",
    costs_statement="Where the programme approved funding, the United Nations covers the air ticket, "
    "the hotel room and the daily subsistence allowance; all other costs are borne by the participant's "
    "government.",
)


async def load_letter_profiles(actor: Actor, events: dict[str, int]) -> int:
    """Give each demo event the profile above unless it has one; returns how many were set."""
    count = 0
    for event_id in events.values():
        if await profiles.profile_row(event_id) is None:
            await profiles.update_profile(actor, event_id, _PROFILE)
            count += 1
    return count
