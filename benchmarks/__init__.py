"""Accord benchmarks: the synthetic graph generator and the harness (see README.md)."""
