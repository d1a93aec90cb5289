"""Benchmark harness for OneStop Events: ``.venv/bin/python -m bench`` (see ``bench/README.md``)."""
