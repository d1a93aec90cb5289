"""Travel and accommodation for funded participants (issue 18): funding and budget, itineraries, hotel
room blocks and allocation, airport transfers, DSA — see ``tables.py`` for the data and each module's
docstring for its rules."""
