"""The organiser console: one event run from the browser, a module per task.

``sections.TABS`` lists the event's pages in the order of the tab bar; each module here serves one of
them and exports ``HANDLERS`` (``routes.HANDLERS`` lists them all, mounted by ``events.web.controllers``
under the dashboard's router, so a missing session sends the browser to the organiser sign-in):

- ``overview.py``: the event's front page (figures, the tab bar);
- ``programme.py``: the event and its sessions (create, edit, cancel, move, with the API's warnings);
- ``letters.py``: wording per kind and language with a preview, letterhead and signature, issue /
  revoke / reissue, bulk ZIP as a job;
- ``badges.py``: issue, reissue, revoke, print sheets (a job) with filters and layout;
- ``visits.py``: sites, slots, vehicles, travel times, demand, scheduler dry run against the current
  plan, commit, manifests;
- ``checkin.py``: checkpoints and rules, live counts, recent denials, conflicts;
- ``reports.py``: registrations and attendance by country group, gender, level and event, charts
  with their tables, exports;
- ``jobs.py``: every long task's page, its progress bar, cancel and result download.

``common.py`` holds what they share: the signed-in organiser, rendering with the tab bar, starting a
job and sending the browser to its progress page. Every action calls the same service as the API (which
checks rights and writes the audit entry); pages work without JavaScript and at 390 px.
"""
