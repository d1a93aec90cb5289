"""The signals between areas: which receivers each has, and that senders need none of them.

``EXPECTED_WIRING`` is the picture of every cross-area reaction; a connection that goes missing
(or appears) fails the first test.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import pytest

from events import plugin, signals
from events.auth.principal import Actor
from events.badges import services as badge_services
from events.badges.tables import Badge
from events.registration import moderation
from events.signals import Signal
from tests.test_badges_api import approved

EXPECTED_WIRING = {
    "registration_withdrawn": [
        "events.letters.issuing.revoke_letters_of_registration",
        "events.badges.services.revoke_badges_of_registration",
        "events.visits.assignments.on_registration_withdrawn",
        "events.travel.withdrawal.release_travel",
    ],
    "event_deleting": [
        "events.registration.listeners.registrations_block_event_deletion",
        "events.visits.listeners.slots_block_event_deletion",
        "events.checkin.listeners.checkpoints_block_event_deletion",
    ],
    "session_deleting": [
        "events.registration.listeners.signups_block_session_deletion",
        "events.visits.listeners.slots_block_session_deletion",
        "events.checkin.listeners.checkpoints_block_session_deletion",
        "events.certificates.rules.named_session_blocks_deletion",
    ],
    "session_changed": ["events.visits.listeners.booked_visits_clashing_with_session"],
    "event_changed": ["events.registration.listeners.capacity_may_have_grown"],
    "participant_downloads": [
        "events.letters.controllers.portal_downloads",
        "events.badges.listeners.badge_downloads",
    ],
    "mail_attachments": ["events.calendars.listeners.approval_calendar"],
    "agenda_items": ["events.visits.agenda.visit_items", "events.travel.mine.travel_items"],
    "agenda_version": ["events.visits.agenda.visit_version", "events.travel.mine.travel_version"],
    "sensitive_data_purged": ["events.letters.retention.erase_visa_letters"],
    "periodic_tick": [
        "events.travel.listeners.transfer_notices_on_tick",
        "events.evaluations.reminders.remind_on_tick",
    ],
    "report_sections": [
        "events.action_plans.report.action_plan_tables",
        "events.certificates.report.certificate_section",
        "events.evaluations.report.report_tables",
    ],
}

#: The module that sends each signal.
SENDERS = {
    "registration_withdrawn": "events.registration.moderation",
    "event_deleting": "events.programme.services",
    "session_deleting": "events.programme.services",
    "session_changed": "events.programme.services",
    "event_changed": "events.programme.services",
    "participant_downloads": "events.web.downloads",
    "mail_attachments": "events.notifications.sender",
    "agenda_items": "events.calendars.services",
    "agenda_version": "events.calendars.services",
    "sensitive_data_purged": "events.registration.retention",
    "periodic_tick": "events.jobs.runner",
    "report_sections": "events.reports.programme",
}


def wiring() -> dict[str, list[str]]:
    return {
        signal.name: [f"{receiver.__module__}.{receiver.__qualname__}" for receiver in signal.receivers]
        for signal in signals.SIGNALS
    }


def test_every_signal_and_its_receivers():
    plugin.connect_listeners()
    plugin.connect_listeners()
    assert wiring() == EXPECTED_WIRING
    declared = {value for value in vars(signals).values() if isinstance(value, Signal)}
    assert declared == set(signals.SIGNALS) and set(SENDERS) == set(EXPECTED_WIRING)
    assert all(signal.__doc__ and signal.name in repr(signal) for signal in signals.SIGNALS)


async def test_a_signal_awaits_its_receivers_in_connection_order_and_collects_their_answers():
    signal: Signal[[int], int] = Signal("tested", "Sent by this test.")
    calls = []

    async def add_one(value: int) -> int:
        calls.append("add_one")
        return value + 1

    async def double(value: int) -> int:
        calls.append("double")
        return value * 2

    assert await signal.send(3) == []
    signal.connect(add_one)
    signal.connect(double)
    signal.connect(add_one)
    assert await signal.send(3) == [4, 6] and calls == ["add_one", "double"]
    signal.disconnect(add_one)
    assert signal.receivers == (double,) and await signal.send(3) == [6]


#: Run in a fresh interpreter: import the sender alone, note which receiving modules came with it
#: and which receivers are connected, then connect the listeners through the plugin.
_IMPORT_THE_SENDER_ALONE = """
import importlib, json, sys
from events import signals
sender, names, receiving_modules = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3])
importlib.import_module(sender)
sent = [getattr(signals, name) for name in names]
imported = sorted(
    module for module in sys.modules
    if module in receiving_modules or module == "events.plugin" or module.endswith(".listeners")
)
connected_on_import = [repr(receiver) for signal in sent for receiver in signal.receivers]
from events import plugin
plugin.connect_listeners()
print(json.dumps({
    "imported": imported,
    "connected_on_import": connected_on_import,
    "connected_by_plugin": {
        signal.name: [f"{r.__module__}.{r.__qualname__}" for r in signal.receivers] for signal in sent
    },
}))
"""


async def _python(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=os.environ.copy(),
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    return stdout.decode()


@pytest.mark.parametrize("sender", sorted(set(SENDERS.values())))
async def test_each_sender_needs_no_receiving_area(sender):
    """Importing the sending module brings no receiver and connects nothing; the plugin, in the
    same fresh process, connects exactly the expected receivers."""
    names = sorted(name for name, module in SENDERS.items() if module == sender)
    receivers = {name: EXPECTED_WIRING[name] for name in names}
    receiving_modules = sorted(
        {receiver.rpartition(".")[0] for found in receivers.values() for receiver in found}
    )
    output = await _python(
        "-c", _IMPORT_THE_SENDER_ALONE, sender, json.dumps(names), json.dumps(receiving_modules)
    )
    assert json.loads(output) == {"imported": [], "connected_on_import": [], "connected_by_plugin": receivers}


async def test_a_withdrawal_reaches_the_badges_once_the_plugin_connected_them(client, event, event_organiser):
    """Sending works with no receiver connected (the badge stays valid); once the plugin connected
    the listeners, the same cancellation revokes the badge. (In-process: a second process writing
    to the shared SQLite test database is avoided.)"""
    first = await approved(client, event.id, email="first@example.org")
    second = await approved(client, event.id, email="second@example.org")
    for registration_id in (first, second):
        await badge_services.issue_badge(event_organiser.actor, registration_id)
    actor = Actor.system("tests")
    try:
        for signal in signals.SIGNALS:
            for receiver in signal.receivers:
                signal.disconnect(receiver)
        await moderation.cancel(actor, first, "no listeners")
    finally:
        plugin.connect_listeners()
    assert wiring() == EXPECTED_WIRING
    await moderation.cancel(actor, second, "listeners connected")
    badges = {
        row["registration"]: (row["revoked_at"] is not None, row["revoke_reason"])
        for row in await Badge.select(Badge.registration, Badge.revoked_at, Badge.revoke_reason)
    }
    assert badges == {
        first: (False, ""),
        second: (True, "registration_cancelled: registration cancelled: listeners connected"),
    }
