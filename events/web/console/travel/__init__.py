"""The console's travel tab (issue 18), one module per task, each with ``HANDLERS`` and ``JOB_PAGES``:

- ``index.py``: the tab's front page (what is decided, booked and missing) and its sub-navigation;
- ``funding.py``: funding decisions per registration, the budget and fare estimates;
- ``itineraries.py``: flight segments, CSV import, what participants confirmed;
- ``hotels.py``: hotels, room types and blocks, the allocation, the rooming list;
- ``transfers.py``: airport pick-up and drop-off runs, driver manifests;
- ``dsa.py``: DSA rates, the computed allowances, the payment sheet.
"""
