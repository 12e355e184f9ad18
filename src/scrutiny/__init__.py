"""Scrutiny: stop-and-search evidence for the people who hold police to account."""

__version__ = "0.1.0"
