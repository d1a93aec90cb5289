"""Demo data for ``events demo``: the programme, the ASAN sites and fictional participants."""
