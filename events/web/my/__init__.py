"""The participant's own pages after signing in ("My registration"): one hub page with a section per
part of their journey, and each part's own pages.

* :mod:`.view` — who is asking: the signed-in participant, their registration and event, the language;
* :mod:`.sections` — the hub's sections in page order;
* :mod:`.documents` — letters, the e-badge (PDF, PNG) and the phone badge page;
* :mod:`.calendar` — the personal calendar feed: subscribe, download, regenerate;
* :mod:`.agenda` — the sessions they attend; join or leave optional ones;
* :mod:`.visits` — rank study visits, then see the assignment;
* :mod:`.travel` — arrival, departure, needs and emergency contact.
* :mod:`.evaluations` — the questionnaire before and after the event, answered once per phase.

Each part module offers ``async def section(view) -> dict | None`` (the hub's partial
``portal/my/_<name>.html`` gets the dict as ``section``; ``None`` leaves the part out) and
``HANDLERS`` (its own pages under ``/my/…``). Handlers call the same services as the API.
"""
