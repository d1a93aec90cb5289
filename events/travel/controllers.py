"""Travel over HTTP (mounted under /api/v1): one section per task, each listing its handlers.

``API_HANDLERS`` joins them; ``ROOT_HANDLERS`` are links outside the API (none yet).
"""

from __future__ import annotations

# --- funding and budget ---------------------------------------------------------------------------

FUNDING_HANDLERS: list = []


# --- itineraries ---------------------------------------------------------------------------------

ITINERARY_HANDLERS: list = []


# --- hotels and rooms ----------------------------------------------------------------------------

HOTEL_HANDLERS: list = []


# --- airport transfers ---------------------------------------------------------------------------

TRANSFER_HANDLERS: list = []


# --- DSA -----------------------------------------------------------------------------------------

DSA_HANDLERS: list = []


# --- the participant's view ----------------------------------------------------------------------

PARTICIPANT_HANDLERS: list = []


API_HANDLERS: list = [
    *FUNDING_HANDLERS,
    *ITINERARY_HANDLERS,
    *HOTEL_HANDLERS,
    *TRANSFER_HANDLERS,
    *DSA_HANDLERS,
    *PARTICIPANT_HANDLERS,
]
ROOT_HANDLERS: list = []
