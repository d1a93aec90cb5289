"""OneStop Events: registration, letters, badges, check-in and study visits for a UN programme."""

import os

os.environ.setdefault("PICCOLO_CONF", "events.piccolo_conf")
