"""Linked-data publication: resource descriptions, exports and diffs, the service description."""
