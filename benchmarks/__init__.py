"""Benchmarks of cavatica-async against its baselines (`make bench`)."""
