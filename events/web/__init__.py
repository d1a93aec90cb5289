"""Server-rendered pages: the participant portal and the organiser dashboard (see controllers.py)."""
