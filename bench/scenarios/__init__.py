"""Scenario modules: every module here is imported by ``bench.registry.load_modules``.

See ``bench/README.md`` ("Adding a scenario") and ``foundation.py`` for the pattern.
"""
