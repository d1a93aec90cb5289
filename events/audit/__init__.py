"""Who did what, when, to which object: every state change writes one entry."""
