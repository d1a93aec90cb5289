"""Jobs: long work (the visit scheduler, ZIPs of letters, badge sheets, imports) off the request.

* ``tables.Job`` is the record organisers see and the queue's truth: kind, event, who asked,
  status (queued → running → succeeded | failed | cancelled), progress 0–1 with a short message,
  params, the JSON answer, the result file (under ``DATA_DIR/jobs``, encrypted at rest when it may
  hold personal data) and when it expires.
* ``registry``: ``@job_kind("area.name")`` registers the function; it gets a context with the
  requesting actor, ``progress()`` and ``check()`` (cancellation).
* ``services``: enqueue (audited), get/list (organisers of the event and the requester), cancel
  (audited), the result file (410 once expired), ``purge_expired``.
* ``runner``: claims a row once, runs it with a lease and a heartbeat, records the outcome;
  ``recover`` re-queues or fails jobs whose worker died; ``JobRunner`` is the in-process worker.
* ``backends``/``saq_backend``: the in-process runner (SQLite, the default) or SAQ on PostgreSQL or
  Redis; the app's lifespan starts this instance's worker; ``events worker`` runs one alone.
"""
