"""E-mail notifications through an outbox: queued in the same transaction as the change, delivered later."""
