"""Accord benchmarks: the synthetic graph generator and the harness (see README.md)."""

from pathlib import Path

#: The checkout the benchmarks run from.
REPO = Path(__file__).resolve().parents[1]
