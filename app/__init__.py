"""Accord: a knowledge graph of international security commitments."""

from pathlib import Path

__version__ = "0.1.0"

#: The repository root: ontology/, shapes/, data/ and queries/ live here.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
