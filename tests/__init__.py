"""Accord's tests.  ``REPO`` is the checkout they test (its tests read nothing outside it)."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
