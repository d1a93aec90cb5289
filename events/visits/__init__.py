"""Study visits: sites (ASAN service centres and others), slots, transport, preferences, scheduling."""
