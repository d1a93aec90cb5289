"""Travel as the API shows it and takes it: msgspec Structs ``Thing``, ``ThingCreate``, ``ThingUpdate``.

One section per task (funding, itineraries, hotels, transfers, DSA, the participant's view), in
that order, so each grows without touching the others.
"""

from __future__ import annotations

# --- funding and budget ---------------------------------------------------------------------------


# --- itineraries ---------------------------------------------------------------------------------


# --- hotels and rooms ----------------------------------------------------------------------------


# --- airport transfers ---------------------------------------------------------------------------


# --- DSA -----------------------------------------------------------------------------------------


# --- the participant's view ----------------------------------------------------------------------
