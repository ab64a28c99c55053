"""Accord: a knowledge graph of international security commitments."""

__version__ = "0.1.0"
