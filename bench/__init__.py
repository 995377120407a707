"""Benchmarks (``make bench`` runs ``python -m bench``); plain scripts, not tests."""
