"""On-site check-in: checkpoints and their rules, the scan API for staff devices, the offline kit and
the sync of offline scans, the live view and conflicts for organisers, and the scanner page at /scan.

``rules.py`` (the decision, pure) · ``scan_input.py`` (checking a scan's request) · ``scan_path.py``
(deciding and recording a scan) · ``scanning.py`` (online scans) · ``sync.py`` (offline sync) ·
``checkpoints.py`` · ``kit.py`` (the offline kit) · ``lookup.py`` (by name) · ``live.py`` (live view,
scan log) · ``conflicts.py`` · ``config.py`` (what the scan path caches) ·
``controllers.py`` (HTTP and the page) · ``static/`` (the scanner: HTML, JS, the service worker,
and jsQR with its licence). The scan path's plain SQL runs through :mod:`events.db.statements`.
"""
