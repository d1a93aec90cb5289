"""The areas that make up the application, listed explicitly: their HTTP handlers, their commands
and their listeners. A missing area is an import error here, never a silent skip.

Adding an area: import its ``controllers`` (``API_HANDLERS`` are mounted under /api/v1,
``ROOT_HANDLERS`` at the root), its ``cli.command`` and its ``listeners.connect`` below.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import click

from events.action_plans import controllers as action_plans_controllers
from events.action_plans import listeners as action_plans_listeners
from events.audit import controllers as audit_controllers
from events.auth import controllers as auth_controllers
from events.badges import cli as badges_cli
from events.badges import controllers as badges_controllers
from events.badges import listeners as badges_listeners
from events.calendars import cli as calendars_cli
from events.calendars import controllers as calendars_controllers
from events.calendars import listeners as calendars_listeners
from events.certificates import controllers as certificates_controllers
from events.certificates import listeners as certificates_listeners
from events.checkin import cli as checkin_cli
from events.checkin import controllers as checkin_controllers
from events.checkin import listeners as checkin_listeners
from events.evaluations import controllers as evaluations_controllers
from events.evaluations import listeners as evaluations_listeners
from events.jobs import backends as jobs_backends
from events.jobs import cli as jobs_cli
from events.jobs import controllers as jobs_controllers
from events.letters import cli as letters_cli
from events.letters import controllers as letters_controllers
from events.letters import listeners as letters_listeners
from events.programme import controllers as programme_controllers
from events.reference import controllers as reference_controllers
from events.registration import controllers as registration_controllers
from events.registration import listeners as registration_listeners
from events.travel import controllers as travel_controllers
from events.travel import listeners as travel_listeners
from events.visits import cli as visits_cli
from events.visits import controllers as visits_controllers
from events.visits import listeners as visits_listeners
from events.web import controllers as web_controllers

#: Mounted under /api/v1.
API_HANDLERS: list = [
    *auth_controllers.API_HANDLERS,
    *audit_controllers.API_HANDLERS,
    *reference_controllers.API_HANDLERS,
    *programme_controllers.API_HANDLERS,
    *registration_controllers.API_HANDLERS,
    *letters_controllers.API_HANDLERS,
    *badges_controllers.API_HANDLERS,
    *calendars_controllers.API_HANDLERS,
    *visits_controllers.API_HANDLERS,
    *checkin_controllers.API_HANDLERS,
    *travel_controllers.API_HANDLERS,
    *certificates_controllers.API_HANDLERS,
    *evaluations_controllers.API_HANDLERS,
    *jobs_controllers.API_HANDLERS,
    *action_plans_controllers.API_HANDLERS,
]

#: Mounted at the root: pages, feeds, verification links, the scanner.
ROOT_HANDLERS: list = [
    *letters_controllers.ROOT_HANDLERS,
    *calendars_controllers.ROOT_HANDLERS,
    *visits_controllers.ROOT_HANDLERS,
    *checkin_controllers.ROOT_HANDLERS,
    *travel_controllers.ROOT_HANDLERS,
    *web_controllers.ROOT_HANDLERS,
]

#: Request bodies read leniently, each documented in the OpenAPI by a stricter struct.
OPENAPI_BODIES: dict[type, type] = {**checkin_controllers.OPENAPI_BODIES}

#: Groups added to the ``events`` command.
CLI_COMMANDS: list[click.Command] = [
    letters_cli.command,
    badges_cli.command,
    calendars_cli.command,
    visits_cli.command,
    checkin_cli.command,
    jobs_cli.command,
]

#: Background work started and stopped with the app, after the database (each called once per app).
LIFESPANS: list[Callable[[], AbstractAsyncContextManager]] = [jobs_backends.lifespan_worker]

#: Each area's ``listeners.connect``, in the order receivers are called when a signal is sent.
LISTENERS: list[Callable[[], None]] = [
    registration_listeners.connect,
    letters_listeners.connect,
    badges_listeners.connect,
    calendars_listeners.connect,
    visits_listeners.connect,
    checkin_listeners.connect,
    travel_listeners.connect,
    action_plans_listeners.connect,
    certificates_listeners.connect,
    evaluations_listeners.connect,
]


def connect_listeners() -> None:
    """Connect every area's receivers to the signals (idempotent): called by ``create_app`` and by
    the ``events`` command, so the service and the CLI react alike."""
    for connect in LISTENERS:
        connect()
