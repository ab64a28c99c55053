"""Writes: SPARQL Update and the Graph Store Protocol, each a validated transaction (writer), the write token (auth)."""
