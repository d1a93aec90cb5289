"""Registrations from every channel, moderation, capacity, waiting list and sensitive data."""
